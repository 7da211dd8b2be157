"""Row filters: which events an analyst asks about.

Bounds are inclusive at both ends. `visit_date` bounds are dates; `timestamp` bounds must
carry a time zone and are compared in UTC (the checkpoint stores UTC). A value filter
(center_label, action, …) takes one value or several (any of them matches) and never
matches a null: filter `module="UDS"` drops non-form events. Filters work on whatever rows
they are given; to filter on current values, pass `versions.current_events(rows)`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

import polars as pl

from checkpoint_analytics.errors import NaiveDatetime

Values = str | Collection[str] | None
UTC_MICROS = pl.Datetime("us", "UTC")
_VALUE_COLUMNS = ("center_label", "action", "packet", "module", "study", "datatype")


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What to keep; a field left as None does not filter."""

    center_label: Values = None
    action: Values = None
    packet: Values = None
    module: Values = None
    study: Values = None
    datatype: Values = None
    visit_date_from: date | None = None
    visit_date_to: date | None = None
    timestamp_from: datetime | None = None
    timestamp_to: datetime | None = None

    def __post_init__(self) -> None:
        for bound in (self.visit_date_from, self.visit_date_to):
            if isinstance(bound, datetime):
                raise TypeError("visit_date bounds are dates, not date-times")
        for instant in (self.timestamp_from, self.timestamp_to):
            _require_zone(instant)

    def predicate(self) -> pl.Expr:
        """The boolean expression selecting the rows (all rows when nothing is set)."""
        conditions = [_is_any(name, getattr(self, name)) for name in _VALUE_COLUMNS if getattr(self, name) is not None]
        if self.visit_date_from is not None:
            conditions.append(pl.col("visit_date") >= pl.lit(self.visit_date_from, dtype=pl.Date))
        if self.visit_date_to is not None:
            conditions.append(pl.col("visit_date") <= pl.lit(self.visit_date_to, dtype=pl.Date))
        if self.timestamp_from is not None or self.timestamp_to is not None:
            conditions.append(instant_within("timestamp", self.timestamp_from, self.timestamp_to))
        return pl.all_horizontal(conditions) if conditions else pl.lit(value=True)

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


def filter_events(rows: pl.LazyFrame, spec: EventFilter) -> pl.LazyFrame:
    """The rows matching every condition of `spec`, in their original order."""
    return rows if spec.is_empty() else rows.filter(spec.predicate())


def _is_any(column: str, values: str | Collection[str]) -> pl.Expr:
    wanted = [values] if isinstance(values, str) else list(values)
    # is_in never matches a null row, which is what the module docstring promises.
    return pl.col(column).is_in(pl.Series(wanted, dtype=pl.String).implode()).fill_null(value=False)


def instant_within(column: str, start: datetime | None, end: datetime | None) -> pl.Expr:
    """`column` (a UTC datetime) lies in [start, end], bounds compared in UTC; None = open; nulls never match."""
    condition = pl.col(column).is_not_null()
    for bound in (start, end):
        _require_zone(bound)
    if start is not None:
        condition = condition & (pl.col(column) >= _utc(start))
    if end is not None:
        condition = condition & (pl.col(column) <= _utc(end))
    return condition


def _require_zone(instant: datetime | None) -> None:
    if instant is not None and instant.utcoffset() is None:
        raise NaiveDatetime(f"timestamp bound {instant.isoformat()} has no time zone")


def _utc(instant: datetime) -> pl.Expr:
    return pl.lit(instant.astimezone(UTC), dtype=UTC_MICROS)
