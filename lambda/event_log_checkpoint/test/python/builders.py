"""Builders of test data: the one example event, and events and object versions made from it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final, Literal

from checkpoint_devtools.sample_log import LogFile, event_key
from checkpoint_lambda.domain.events import Datatype, SourcedEvent, VisitEvent
from checkpoint_lambda.domain.rules import Rules

#: The example event of the log's format description, as the producer writes it.
EXAMPLE: Final[dict[str, Any]] = {
    "action": "pass-qc",
    "study": "adrc",
    "pipeline_adcid": 42,
    "project_label": "ingest-form",
    "center_label": "alpha",
    "gear_name": "form-scheduler",
    "ptid": "110001",
    "visit_date": "2024-01-15",
    "visit_number": "01",
    "datatype": "form",
    "module": "UDS",
    "packet": "I",
    "timestamp": "2024-01-15T10:20:00Z",
}
WRITTEN: Final = datetime(2024, 2, 1, tzinfo=UTC)


def event_fields(**changes: Any) -> dict[str, Any]:
    """EXAMPLE with some fields changed (None removes nothing: it sets the field to null)."""
    return {**EXAMPLE, **changes}


def sourced(key: str, etag: str = '"e1"', written: datetime = WRITTEN, **changes: Any) -> SourcedEvent:
    """A valid event read from object version (key, etag)."""
    return SourcedEvent(VisitEvent.model_validate(event_fields(**changes)), key, etag, written)


def event_file(prefix: str = "prod/", **changes: Any) -> LogFile:
    """An event file named as the producer names it, holding EXAMPLE with `changes`."""
    fields = event_fields(**changes)
    return LogFile(event_key(prefix, fields), json.dumps(fields).encode())


def visits(count: int, prefix: str = "prod/", start: int = 0) -> list[LogFile]:
    """`count` event files of distinct visits (ptids P{start}…)."""
    return [event_file(prefix, ptid=f"P{i}") for i in range(start, start + count)]


# A later release's rules, for the tests of judging failures again.
NEW_DATATYPE = "retinal-scan"


class WiderEvent(VisitEvent):
    """A later release's model: one more datatype."""

    datatype: Datatype | Literal["retinal-scan"]  # type: ignore[assignment]


WIDER_RULES = Rules(WiderEvent)


def with_fields(file: LogFile, **fields: object) -> LogFile:
    return LogFile(file.key, json.dumps({**json.loads(file.body), **fields}).encode())
