"""The column groups that define an event, a visit, a version and the order of rows."""

from __future__ import annotations

from typing import Literal

from checkpoint_lambda.checkpoint import ORDER_COLUMNS as CHECKPOINT_ORDER

#: One real event: rows sharing these values are versions of the same event.
IDENTITY_COLUMNS: tuple[str, ...] = (
    "pipeline_adcid",
    "ptid",
    "visit_date",
    "action",
    "timestamp",
    "datatype",
    "module",
)
#: Which version of an event is newer: the object written later, then key, then ETag.
VERSION_ORDER: tuple[str, ...] = ("source_last_modified", "source_key", "source_etag")
#: A visit, within one pipeline (visit_number may be null: nulls are equal to each other).
VISIT_COLUMNS: tuple[str, ...] = ("pipeline_adcid", "ptid", "visit_date", "visit_number")
#: Row order everywhere (the checkpoint's own): event time, then version order.
ROW_ORDER: tuple[str, ...] = tuple(CHECKPOINT_ORDER)
#: Fields that may be filled in or corrected by a later version of the same event.
MUTABLE_COLUMNS: tuple[str, ...] = ("study", "project_label", "center_label", "gear_name", "visit_number", "packet")

GroupColumn = Literal["center_label", "module", "packet", "action", "study", "datatype"]
GROUP_COLUMNS: tuple[GroupColumn, ...] = ("center_label", "module", "packet", "action", "study", "datatype")

SUBMIT = "submit"
PASS_QC = "pass-qc"
NOT_PASS_QC = "not-pass-qc"
DELETE = "delete"
QC_ACTIONS: tuple[str, ...] = (PASS_QC, NOT_PASS_QC)
