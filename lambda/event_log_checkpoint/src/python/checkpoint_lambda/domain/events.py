"""`VisitEvent`: one visit event as the producer writes it, validated by Pydantic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from checkpoint_lambda.domain.extra_fields import ExtraFields


class Action(StrEnum):
    SUBMIT = "submit"
    PASS_QC = "pass-qc"
    NOT_PASS_QC = "not-pass-qc"
    DELETE = "delete"


class Datatype(StrEnum):
    APOE = "apoe"
    BIOMARKER = "biomarker"
    DICOM = "dicom"
    ENROLLMENT = "enrollment"
    FORM = "form"
    GENETIC_AVAILABILITY = "genetic-availability"
    GWAS = "gwas"
    IMPUTATION = "imputation"
    SCAN_ANALYSIS = "scan-analysis"


def _adcid_from_number_or_digits(value: Any) -> Any:
    """Producers sometimes send the ADCID as a numeric string; booleans are not numbers."""
    if isinstance(value, bool):
        raise ValueError("pipeline_adcid must be an integer, not a boolean")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return value


def _real_calendar_date(value: str) -> str:
    date.fromisoformat(value)  # raises ValueError for 2024-02-30
    return value


def _require_string(value: Any) -> Any:
    """A timestamp must be written as text; Pydantic would otherwise take epoch numbers."""
    if not isinstance(value, str):
        raise ValueError("timestamp must be an ISO 8601 string")
    return value


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 has no UTC equivalent
        raise ValueError("timestamp is out of range once converted to UTC") from None


def _one_path_segment(value: str) -> str:
    """The study names a checkpoint's folder in the per-group layout, so it must be one path segment."""
    if value in {".", ".."} or "/" in value or any(char.isspace() or not char.isprintable() for char in value):
        raise ValueError("study must be usable as one path segment (no '/', whitespace, '.' or '..')")
    return value


NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Study = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1), AfterValidator(_one_path_segment)
]
Ptid = Annotated[str, StringConstraints(pattern=r"^[!-~]{1,10}$")]
VisitDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_real_calendar_date)]
Adcid = Annotated[int, BeforeValidator(_adcid_from_number_or_digits), Field(gt=0, lt=2**63, strict=True)]
UtcTimestamp = Annotated[AwareDatetime, BeforeValidator(_require_string), AfterValidator(_to_utc)]


class VisitEvent(BaseModel):
    """One visit event; `timestamp` is kept in UTC. Fields the model does not know are kept
    aside in `model_extra` (the checkpoint's `extra_fields`), never validated."""

    model_config = ConfigDict(frozen=True, extra="allow")

    action: Action
    study: Study = "adrc"
    pipeline_adcid: Adcid
    project_label: NonEmpty
    center_label: NonEmpty
    gear_name: NonEmpty
    ptid: Ptid
    visit_date: VisitDate
    visit_number: str | None = None
    datatype: Datatype
    module: NonEmpty | None = None
    packet: str | None = None
    timestamp: UtcTimestamp

    @model_validator(mode="after")
    def _module_only_for_forms(self) -> VisitEvent:
        if self.datatype is Datatype.FORM and self.module is None:
            raise ValueError("module is required when datatype is 'form'")
        if self.datatype is not Datatype.FORM and self.module is not None:
            raise ValueError(f"module must be null when datatype is '{self.datatype.value}'")
        return self


@dataclass(frozen=True, slots=True)
class SourcedEvent:
    """A valid event and the object version it was read from (the checkpoint's audit columns)."""

    event: VisitEvent
    source_key: str
    source_etag: str
    source_last_modified: datetime
    extra: ExtraFields | None = None


@dataclass(frozen=True, slots=True)
class FileFailure:
    """A listed event file that did not become an event: which version, and why (no content).

    `retryable` failures (S3 refused or kept failing) say nothing about the content: they
    are reported but not recorded, so the next run fetches the file again. The others
    (bad JSON, invalid event, too large) are a verdict on this version of the file.
    """

    key: str
    etag: str
    reason: str
    retryable: bool = False
    #: The object was gone when fetched (deleted since it was listed or notified).
    vanished: bool = False
    #: The fingerprint of the rules that gave a content verdict (None: unknown, e.g. an older release's).
    rules: str | None = None
    #: The object's storage class, for an archived object (None: not known or not archived).
    storage_class: str | None = None
