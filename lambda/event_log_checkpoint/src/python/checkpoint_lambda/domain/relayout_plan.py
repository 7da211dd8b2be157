"""Where each row of a checkpoint goes in another layout, and which rows the current rules cannot place.

A relayout moves rows, never event files: the plan is computed from the rows alone. A row
whose study is not what the current rules would store (one path segment, lower case, no
surrounding space) or whose datatype is unknown is quarantined, with its reason, instead of
being dropped or silently kept. Each quarantined file version also becomes a failure-record
entry at the destination, so that a run there does not fetch it again (the current rules
would reject it) and reports it in every response.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

import polars as pl
from pydantic import TypeAdapter, ValidationError

from checkpoint_lambda.domain.events import Datatype, FileFailure, Study
from checkpoint_lambda.domain.failure_record import FailureRecord
from checkpoint_lambda.domain.layout import Layout, PerGroup, SingleObject
from checkpoint_lambda.domain.rules import DEFAULT_RULES
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, ORDER_COLUMNS

QUARANTINE_FILE: Final = "quarantine.parquet"
#: The column a quarantine object adds to the checkpoint's: why the row could not be placed.
REASON_COLUMN: Final = "quarantine_reason"
QUARANTINE_SCHEMA: Final = pl.Schema({**CHECKPOINT_SCHEMA, REASON_COLUMN: pl.String()})
_ORDER = list(ORDER_COLUMNS)
_GROUP = ["study", "datatype"]
_STUDY: Final = TypeAdapter(Study)
_DATATYPES: Final = frozenset(item.value for item in Datatype)


@dataclass(frozen=True)
class RelayoutPlan:
    """The rows of each destination object (in checkpoint order) and the quarantined rows with their reason."""

    objects: dict[str, pl.DataFrame]
    quarantined: pl.DataFrame

    @property
    def rows_placed(self) -> int:
        return sum(frame.height for frame in self.objects.values())


def quarantine_key(layout: Layout) -> str:
    """`quarantine.parquet` in the folder of the layout's failure record (outside every table's folder)."""
    folder = layout.failure_record_key.rpartition("/")[0]
    return f"{folder}/{QUARANTINE_FILE}" if folder else QUARANTINE_FILE


def group_key(layout: Layout, study: str, datatype: str) -> str:
    """The object that holds the rows of (study, datatype) in `layout`."""
    if isinstance(layout, SingleObject):
        return layout.key
    return layout.template.key_for(study, datatype)


def placement_problem(study: str | None, datatype: str | None) -> str | None:
    """Why the current rules cannot place a row of this (study, datatype); None when they can."""
    if study is None or datatype is None:
        return "no study" if study is None else "no datatype"
    if datatype not in _DATATYPES:
        return f"datatype {datatype!r} is not one of the known datatypes"
    try:
        stored = _STUDY.validate_python(study)
    except ValidationError as exc:
        return f"study {study!r}: {exc.errors()[0]['msg']}"
    return None if stored == study else f"study {study!r} would be stored as {stored!r}"


def plan_relayout(rows: pl.DataFrame, destination: Layout) -> RelayoutPlan:
    """Every row either in the destination object of its group or quarantined: none dropped, none added."""
    pairs = rows.select(_GROUP).unique().rows()
    reasons = pl.DataFrame(
        [(study, datatype, placement_problem(study, datatype)) for study, datatype in pairs],
        schema={"study": pl.String, "datatype": pl.String, REASON_COLUMN: pl.String},
        orient="row",
    )
    tagged = rows.join(reasons, on=_GROUP, how="left", nulls_equal=True)
    quarantined = tagged.filter(pl.col(REASON_COLUMN).is_not_null()).sort(_ORDER)
    placed = tagged.filter(pl.col(REASON_COLUMN).is_null()).drop(REASON_COLUMN)
    parts: dict[str, list[pl.DataFrame]] = {}
    for (study, datatype), part in placed.partition_by(_GROUP, as_dict=True).items():
        parts.setdefault(group_key(destination, str(study), str(datatype)), []).append(part)
    objects = {key: pl.concat(frames).sort(_ORDER) for key, frames in sorted(parts.items())}
    return RelayoutPlan(objects, quarantined.select(QUARANTINE_SCHEMA.names()))


def record_with_quarantine(
    record: FailureRecord, quarantined: pl.DataFrame, where: str, rules: str = DEFAULT_RULES.fingerprint
) -> FailureRecord:
    """`record` plus one failure per quarantined key (its newest version), naming `where` the row now is.

    The entries carry the fingerprint of the `rules` that cannot place the rows, so a run under
    the same rules does not fetch those files again. The record's own entries win: a key it
    already holds is about a version it judged itself. Its skipped and archived entries stay.
    """
    newest = quarantined.sort("source_last_modified").unique("source_key", keep="last")
    added = {
        key: FileFailure(key, etag, f"quarantined by relayout ({reason}); the row is in {where}", rules=rules)
        for key, etag, reason in newest.select("source_key", "source_etag", REASON_COLUMN).iter_rows()
    }
    return replace(record, failures={**added, **record.failures})


def overlapping_keys(layout: Layout, keys: list[str]) -> list[str]:
    """The keys among `keys` that `layout` would take for its own objects."""
    if isinstance(layout, PerGroup):
        return [key for key in keys if layout.group_of(key) is not None]
    return [key for key in keys if key == layout.key]
