"""Table values as people read them, for the terminal and the page: rates in percent, days without `.000`.

The CSV files keep the numbers (`outputs.write_csv`); only what is shown is formatted here.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

#: Column names (by suffix) holding a rate in [0, 1], a change of rate, or days.
RATE_SUFFIXES = ("rate", "rate_last_month")
RATE_CHANGE_SUFFIX = "rate_change"


def is_rate(column: str) -> bool:
    return column.endswith(RATE_SUFFIXES)


def is_days(column: str) -> bool:
    return column.endswith("_days")


def cell(column: str, value: object) -> str:
    """One value of `column` as text: `92.0 %`, `+3.5 pts`, `28` or `28.5` days, ISO timestamps; null is empty."""
    if isinstance(value, float):
        return _number(column, value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _number(column: str, value: float) -> str:
    if is_rate(column):
        return f"{100 * value:.1f} %"
    if column.endswith(RATE_CHANGE_SUFFIX):
        return f"{100 * value:+.1f} pts"
    return f"{value:.1f}".removesuffix(".0")


def shown(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with its float and time columns as display text (integers and text as they are)."""
    formatted = [
        pl.Series(name, [cell(name, v) for v in frame.get_column(name).to_list()], dtype=pl.String)
        for name, dtype in frame.schema.items()
        if dtype.is_float() or isinstance(dtype, (pl.Datetime, pl.Date))
    ]
    return frame.with_columns(formatted) if formatted else frame


def is_numeric(dtype: pl.DataType) -> bool:
    """Right-aligned on the page: numbers (and the rates and days shown from them)."""
    return dtype.is_numeric()
