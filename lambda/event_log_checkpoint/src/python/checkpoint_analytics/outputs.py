"""The report's files: `report-<month>.html` and one CSV per table, named with the month (and the centre).

A second report (another month, or a centre) into the same folder leaves the first one's files alone.
CSV values are written as people and tools read them: ISO 8601 UTC timestamps, floats without noise.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from checkpoint_analytics.months import Month

HTML_STEM = "report"
#: Decimals kept in CSV floats: rates and days are exact to far less, and 0.20000000000000007 is noise.
CSV_DECIMALS = 6
CSV_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def centre_suffix(centre: str | None) -> str:
    """`""` for all centres, else `-centre-<label>` with anything but letters, digits, `.`, `_`, `-` as `-`."""
    if centre is None:
        return ""
    return "-centre-" + (_UNSAFE.sub("-", centre).strip("-.") or "unnamed")


def html_name(month: Month, centre: str | None) -> str:
    return f"{HTML_STEM}-{month}{centre_suffix(centre)}.html"


def csv_name(table: str, month: Month, centre: str | None) -> str:
    return f"{table}-{month}{centre_suffix(centre)}.csv"


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """`frame` as CSV: nulls empty, floats rounded to `CSV_DECIMALS`, timestamps `2026-11-03T10:00:37Z` (UTC)."""
    utc = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)]
    frame.with_columns(
        pl.col(pl.Float64, pl.Float32).round(CSV_DECIMALS), *(pl.col(name).dt.convert_time_zone("UTC") for name in utc)
    ).write_csv(path, datetime_format=CSV_DATETIME_FORMAT)
