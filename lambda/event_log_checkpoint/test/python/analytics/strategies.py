"""Hypothesis strategies for checkpoint rows, filters and months (the only place they live).

Domains are small on purpose so that rows collide: shared visits, shared event identities
(several versions of one event), equal timestamps and equal LastModified values (so the
tie-breaks are exercised), visit dates and timestamps around month ends, year ends and
29 February, and timestamps written in offsets from -12:00 to +14:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import polars as pl
from hypothesis import strategies as st

from checkpoint_analytics.filters import EventFilter
from checkpoint_analytics.keys import GROUP_COLUMNS, GroupColumn
from checkpoint_analytics.months import Month
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA

Row = dict[str, Any]

CENTRES = ("alpha", "beta", "gamma")
ACTIONS = ("submit", "pass-qc", "not-pass-qc", "delete")
MODULES = ("UDS", "FTLD", "LBD")
PACKETS = ("I", "F", "FT")
STUDIES = ("adrc", "dvcid")
PTIDS = ("110001", "110002", "P3")
VISIT_NUMBERS = (None, "01", "02")
#: Month ends, year ends and leap days, where day arithmetic goes wrong.
EDGE_DATES = (
    date(2023, 12, 31),
    date(2024, 1, 1),
    date(2024, 1, 31),
    date(2024, 2, 28),
    date(2024, 2, 29),
    date(2024, 3, 1),
    date(2024, 12, 31),
    date(2025, 2, 28),
    date(2025, 3, 1),
)

visit_dates = st.one_of(st.sampled_from(EDGE_DATES), st.dates(date(2023, 12, 1), date(2025, 3, 31)))
offsets = st.integers(-12 * 4, 14 * 4).map(lambda quarters: timezone(timedelta(minutes=15 * quarters)))
#: Minutes after the visit date's local midnight: a few fixed values (so events share a timestamp) or any.
minutes_after_visit = st.one_of(st.sampled_from((0, 600, 1439, 1440)), st.integers(-2 * 1440, 45 * 1440))
#: LastModified values from a small set, so versions tie on it and the key and ETag decide.
last_modified = st.sampled_from(
    tuple(datetime(2025, 4, 1, tzinfo=UTC) + timedelta(hours=h) for h in (0, 0, 1, 5, 24, 24 * 30))
)
optional_values = st.one_of(st.none(), st.sampled_from(PACKETS))


def aware_timestamps(
    around: date, minutes: st.SearchStrategy[int] = minutes_after_visit
) -> st.SearchStrategy[datetime]:
    """A time near `around`, written in some UTC offset (as a producer would)."""
    midnight = datetime.combine(around, time())
    return st.builds(
        lambda offset, after: (midnight + timedelta(minutes=after)).replace(tzinfo=offset), offsets, minutes
    )


@st.composite
def event_rows(draw: st.DrawFn) -> Row:
    """One checkpoint row (its source columns are set by `checkpoint_frames`)."""
    visit_date = draw(visit_dates)
    is_form = draw(st.booleans())
    return {
        "action": draw(st.sampled_from(ACTIONS)),
        "pipeline_adcid": draw(st.sampled_from((1, 2))),
        "ptid": draw(st.sampled_from(PTIDS)),
        "visit_date": visit_date,
        "datatype": "form" if is_form else draw(st.sampled_from(("dicom", "apoe"))),
        "module": draw(st.sampled_from(MODULES)) if is_form else None,
        "timestamp": draw(aware_timestamps(visit_date)).astimezone(UTC),
        **draw(mutable_fields()),
    }


@st.composite
def mutable_fields(draw: st.DrawFn) -> Row:
    """The fields a later version of an event may fill in or correct."""
    return {
        "study": draw(st.sampled_from(STUDIES)),
        "project_label": draw(st.sampled_from(("ingest-form", "ingest-dicom"))),
        "center_label": draw(st.sampled_from(CENTRES)),
        "gear_name": draw(st.sampled_from(("form-scheduler", "identifier-lookup"))),
        "visit_number": draw(st.sampled_from(VISIT_NUMBERS)),
        "packet": draw(optional_values),
    }


@st.composite
def checkpoint_frames(
    draw: st.DrawFn, min_events: int = 0, max_events: int = 25, max_rewrites: int = 15
) -> pl.DataFrame:
    """Rows as the checkpoint stores them, in no particular order; some events have several versions."""
    events = draw(st.lists(event_rows(), min_size=min_events, max_size=max_events))
    rewrites: list[Row] = []
    if events:
        for _ in range(draw(st.integers(0, max_rewrites))):
            rewrites.append({**draw(st.sampled_from(events)), **draw(mutable_fields())})
    rows = draw(st.permutations(events + rewrites))
    for number, row in enumerate(rows):
        row["source_key"] = draw(st.sampled_from(("prod/log-a.json", "prod/log-b.json", "prod/log-c.json")))
        row["source_etag"] = f"{draw(st.sampled_from('abc'))}{number}"  # unique: one row per object version
        row["source_last_modified"] = draw(last_modified)
    return pl.DataFrame(rows, schema=CHECKPOINT_SCHEMA)


def value_filters(domain: tuple[str, ...]) -> st.SearchStrategy[str | list[str] | None]:
    """No filter, one value, or several (possibly a value no row has)."""
    values = st.sampled_from((*domain, "absent"))
    return st.one_of(st.none(), values, st.lists(values, max_size=3))


@st.composite
def event_filters(draw: st.DrawFn) -> EventFilter:
    """Any combination of the filters; timestamp bounds in arbitrary offsets."""
    visit_bounds = draw(st.lists(st.one_of(st.none(), visit_dates), min_size=2, max_size=2))
    instants = draw(st.lists(st.one_of(st.none(), aware_timestamps(draw(visit_dates))), min_size=2, max_size=2))
    return EventFilter(
        center_label=draw(value_filters(CENTRES)),
        action=draw(value_filters(ACTIONS)),
        packet=draw(value_filters(PACKETS)),
        module=draw(value_filters(MODULES)),
        study=draw(value_filters(STUDIES)),
        datatype=draw(value_filters(("form", "dicom", "apoe"))),
        visit_date_from=visit_bounds[0],
        visit_date_to=visit_bounds[1],
        timestamp_from=instants[0],
        timestamp_to=instants[1],
    )


group_columns: st.SearchStrategy[list[GroupColumn]] = st.lists(st.sampled_from(GROUP_COLUMNS), unique=True, max_size=4)
#: The months the generated timestamps fall in (2023-11 … 2025-05), and one either side.
months = st.sampled_from(
    tuple(
        m
        for m in (Month(y, n) for y in (2023, 2024, 2025) for n in range(1, 13))
        if Month(2023, 10) <= m <= Month(2025, 6)
    )
)
