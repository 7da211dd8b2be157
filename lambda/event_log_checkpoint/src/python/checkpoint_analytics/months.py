"""A calendar month in UTC: the unit the report is written for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from checkpoint_analytics.errors import InvalidMonth

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True, order=True)
class Month:
    """Events belong to a month when their timestamp is in [start, end) in UTC."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 1 <= self.year <= 9998):
            raise InvalidMonth(f"no such month: {self.year:04d}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.match(text.strip())
        if not match:
            raise InvalidMonth(f"month must be YYYY-MM, got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, instant: datetime) -> Month:
        utc = instant.astimezone(UTC)
        return cls(utc.year, utc.month)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant of the next month (exclusive)."""
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return datetime(year, month, 1, tzinfo=UTC)

    @property
    def last_instant(self) -> datetime:
        """The month's last microsecond: the inclusive upper bound the filters take."""
        return self.end - _MICROSECOND

    def shifted(self, months: int) -> Month:
        """The month `months` later (earlier when negative)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_ending(last: Month, count: int) -> list[Month]:
    """`count` consecutive months, oldest first, the last being `last`."""
    return [last.shifted(offset) for offset in range(1 - count, 1)]


def last_complete_month(today: date) -> Month:
    """The month before `today`'s (a UTC date): the report's default, so it never shows a month half over."""
    return Month(today.year, today.month).shifted(-1)


def utc_today() -> date:
    return datetime.now(UTC).date()
