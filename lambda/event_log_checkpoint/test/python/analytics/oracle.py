"""Brute-force answers: plain Python loops over `frame.to_dicts()`, the property tests' reference."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from checkpoint_analytics.filters import EventFilter

Row = dict[str, Any]
IDENTITY = ("pipeline_adcid", "ptid", "visit_date", "action", "timestamp", "datatype", "module")
VISIT = ("pipeline_adcid", "ptid", "visit_date", "visit_number")
VALUE_FILTERS = ("center_label", "action", "packet", "module", "study", "datatype")


def rows_of(frame: pl.DataFrame) -> list[Row]:
    return frame.to_dicts()


def key(row: Row, columns: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row[c] for c in columns)


def version_rank(row: Row) -> tuple[Any, ...]:
    return (row["source_last_modified"], row["source_key"], row["source_etag"])


def recency(row: Row) -> tuple[Any, ...]:
    return (row["timestamp"], *version_rank(row))


def matches(row: Row, event_filter: EventFilter) -> bool:
    for name in VALUE_FILTERS:
        wanted = getattr(event_filter, name)
        if wanted is None:
            continue
        allowed = {wanted} if isinstance(wanted, str) else set(wanted)
        if row[name] is None or row[name] not in allowed:
            return False
    ts: datetime = row["timestamp"]
    checks = [
        event_filter.visit_date_from is None or row["visit_date"] >= event_filter.visit_date_from,
        event_filter.visit_date_to is None or row["visit_date"] <= event_filter.visit_date_to,
        event_filter.timestamp_from is None or ts >= event_filter.timestamp_from,
        event_filter.timestamp_to is None or ts <= event_filter.timestamp_to,
    ]
    return all(checks)


def latest_by(rows: Iterable[Row], columns: Sequence[str], order: Any) -> dict[tuple[Any, ...], Row]:
    """For each value of `columns`, the row with the greatest `order(row)`."""
    best: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        k = key(row, columns)
        if k not in best or order(row) > order(best[k]):
            best[k] = row
    return best


def current(rows: list[Row]) -> list[Row]:
    return list(latest_by(rows, IDENTITY, version_rank).values())


def counts(rows: Iterable[Row], columns: Sequence[str]) -> Counter[tuple[Any, ...]]:
    return Counter(key(row, columns) for row in rows)


def pass_rate(passed: int, failed: int) -> float | None:
    return passed / (passed + failed) if passed + failed else None


def days(visit_date: date, instant: datetime) -> int:
    """Whole days from the visit date to the instant's calendar date in UTC."""
    return instant.astimezone(UTC).date().toordinal() - visit_date.toordinal()


def linear_quantile(values: Sequence[int], q: float) -> float | None:
    """numpy's default ('linear', type 7) quantile, via the standard library."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    if q == 0.5:
        return float(statistics.median(values))
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    return cuts[round(q * 10) - 1]


def sort_key(values: Sequence[Any]) -> tuple[Any, ...]:
    """Ascending with nulls last, as the query functions sort."""
    return tuple((True, 0) if v is None else (False, v) for v in values)
