"""The report month: parsing, its UTC bounds, and which month an instant belongs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from checkpoint_analytics.errors import InvalidMonth
from checkpoint_analytics.months import Month, months_ending


def test_bounds_are_utc_and_december_ends_in_january() -> None:
    december = Month.parse("2024-12")
    assert (december.start, december.end) == (datetime(2024, 12, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    assert december.last_instant == datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert str(december) == "2024-12"


def test_an_instant_belongs_to_its_utc_month() -> None:
    late_evening_west = datetime(2024, 2, 29, 23, 30, tzinfo=timezone(timedelta(hours=-1)))
    assert Month.of(late_evening_west) == Month(2024, 3)


@pytest.mark.parametrize("text", ["2024-13", "2024-1", "24-01", "2024/01", "", "2024-00"])
def test_malformed_months_are_refused(text: str) -> None:
    with pytest.raises(InvalidMonth):
        Month.parse(text)


def test_shifting_crosses_year_ends_both_ways() -> None:
    assert Month(2024, 1).shifted(-1) == Month(2023, 12)
    assert Month(2024, 12).shifted(1) == Month(2025, 1)
    assert Month(2024, 3).shifted(-27) == Month(2021, 12)
    assert months_ending(Month(2024, 2), 3) == [Month(2023, 12), Month(2024, 1), Month(2024, 2)]
