"""The column groups that define an event, a visit, a version and the order of rows."""

from __future__ import annotations

from typing import Literal

from checkpoint_lambda.domain.schema import IDENTITY_COLUMNS, ORDER_COLUMNS, VERSION_ORDER

__all__ = ["IDENTITY_COLUMNS", "VERSION_ORDER"]  # the checkpoint's own definitions, re-exported
#: A visit, within one pipeline (visit_number may be null: nulls are equal to each other).
VISIT_COLUMNS: tuple[str, ...] = ("pipeline_adcid", "ptid", "visit_date", "visit_number")
#: Row order everywhere (the checkpoint's own): event time, then version order.
ROW_ORDER: tuple[str, ...] = ORDER_COLUMNS
#: Fields that may be filled in or corrected by a later version of the same event.
MUTABLE_COLUMNS: tuple[str, ...] = ("study", "project_label", "center_label", "gear_name", "visit_number", "packet")

GroupColumn = Literal["center_label", "module", "packet", "action", "study", "datatype"]
GROUP_COLUMNS: tuple[GroupColumn, ...] = ("center_label", "module", "packet", "action", "study", "datatype")

SUBMIT = "submit"
PASS_QC = "pass-qc"
NOT_PASS_QC = "not-pass-qc"
DELETE = "delete"
QC_ACTIONS: tuple[str, ...] = (PASS_QC, NOT_PASS_QC)
