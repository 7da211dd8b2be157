"""Hypothesis strategies for visit events, their files and their object versions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from builders import event_fields
from checkpoint_lambda.domain.events import Action, Datatype, SourcedEvent, VisitEvent

ACTIONS = [action.value for action in Action]
NON_FORM_DATATYPES = [datatype.value for datatype in Datatype if datatype is not Datatype.FORM]
MODULES = ["UDS", "FTLD", "LBD", "MDS", "FTLD-NP", "FTLD-B"]
PROJECTS = ["ingest-form", "ingest-form-dvcid", "ingest-dicom-leads", "sandbox-form"]

labels = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)
ptids = st.from_regex(r"[!-~]{1,10}", fullmatch=True)
offsets = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))])
aware_datetimes = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=offsets).map(
    lambda moment: moment.replace(microsecond=0)
)


@st.composite
def event_dicts(draw: st.DrawFn, /, **fixed: Any) -> dict[str, Any]:
    """A valid event as the producer writes it (JSON-ready values)."""
    is_form = draw(st.booleans())
    fields: dict[str, Any] = {
        "action": draw(st.sampled_from(ACTIONS)),
        "study": draw(st.sampled_from(["adrc", "dvcid", "leads"])),
        "pipeline_adcid": draw(st.integers(min_value=1, max_value=10**6)),
        "project_label": draw(st.sampled_from(PROJECTS[:3]) | labels),
        "center_label": draw(labels),
        "gear_name": draw(st.sampled_from(["form-scheduler", "identifier-lookup"])),
        "ptid": draw(ptids),
        "visit_date": draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31))).isoformat(),
        "visit_number": draw(st.none() | st.from_regex(r"[0-9]{1,3}", fullmatch=True)),
        "datatype": "form" if is_form else draw(st.sampled_from(NON_FORM_DATATYPES)),
        "module": draw(st.sampled_from(MODULES)) if is_form else None,
        "packet": draw(st.none() | st.sampled_from(["I", "F", "IT", "FT"])),
        "timestamp": draw(aware_datetimes).isoformat(),
    }
    fields.update(fixed)
    return fields


def visit_events(**fixed: Any) -> st.SearchStrategy[VisitEvent]:
    return event_dicts(**fixed).map(VisitEvent.model_validate)


etags = st.from_regex(r'"[0-9a-f]{32}"', fullmatch=True)
source_keys = st.from_regex(
    r"prod/log-(submit|pass-qc)-2024\d{4}-\d{6}-42-ingest-form-[A-Z0-9]{1,6}-01\.json", fullmatch=True
)
written_at = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC))


@st.composite
def sourced_events(draw: st.DrawFn) -> SourcedEvent:
    return SourcedEvent(draw(visit_events()), draw(source_keys), draw(etags), draw(written_at))


# What the merge reads, from small sets: keys repeat, a key comes with several ETags (rewritten),
# and equal timestamps and write times are common, so ties and repeats are the usual case.
MERGE_KEYS = [f"prod/log-submit-20240101-000000-42-ingest-form-P{i}-01.json" for i in range(6)]
MERGE_ETAGS = ['"e1"', '"e2"', '"e3"']
MERGE_TIMES = st.sampled_from(["2024-01-15T10:20:00Z", "2024-01-15T05:20:00-05:00", "2024-03-01T00:00:00+05:30"])
MERGE_WRITTEN = [datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 2, 2, tzinfo=UTC)]


@st.composite
def merge_events(draw: st.DrawFn) -> SourcedEvent:
    """An event as the merge sees it: object version, write time and timestamp from small sets
    (any time now and then), and the nullable fields null or not; the rest is the example event.

    Cheap to draw (no regular expressions), for properties about the merge's logic, not about
    what an event may hold (`sourced_events` draws every field).
    """
    moment = draw(MERGE_TIMES | aware_datetimes.map(datetime.isoformat))
    fields = event_fields(
        timestamp=moment,
        ptid=draw(st.sampled_from(["110001", "110002"])),
        packet=draw(st.sampled_from([None, "I", "F"])),
        visit_number=draw(st.sampled_from([None, "01"])),
    )
    key, etag = draw(st.sampled_from(MERGE_KEYS)), draw(st.sampled_from(MERGE_ETAGS))
    return SourcedEvent(VisitEvent.model_validate(fields), key, etag, draw(st.sampled_from(MERGE_WRITTEN)))


def distinct_versions(events: list[SourcedEvent]) -> list[SourcedEvent]:
    """Keep one event per (key, etag): two different contents never share an object version."""
    seen: dict[tuple[str, str], SourcedEvent] = {}
    for event in events:
        seen.setdefault((event.source_key, event.source_etag), event)
    return list(seen.values())


def to_json_bytes(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields).encode()


# Keys for listing: event names in a few clustered days (so ranges split), legacy names,
# and keys that sit on, between and around the ranges' boundaries.
LISTING_ODD_NAMES = [
    ".keep",
    "README.txt",
    "a",
    "log-",
    "log-delete-",
    "log-e",
    "log-not-pass-qc-",
    "log-pass-qc-20250301-120000",
    "log-submit-",
    "log-submit-99999999-999999-x.json",
    "log-submit-~",
    "logz",
    "z",
    "é.json",
    "sub/log-submit-20250301-120000-42-ingest-form-1-01.json",
    "sub/deeper/x",
]
listing_stamps = st.datetimes(min_value=datetime(2025, 2, 27), max_value=datetime(2025, 3, 3)).map(
    lambda moment: moment.strftime("%Y%m%d-%H%M%S")
)


@st.composite
def listing_names(draw: st.DrawFn) -> str:
    """One key name (after the listing's folder): mostly event names, some of every odd kind.

    No control characters: moto's server cannot store a key ending in one (S3 can).
    """
    kind = draw(st.integers(min_value=0, max_value=9))
    action = draw(st.sampled_from(ACTIONS))
    if kind <= 6:
        ptid = draw(st.integers(min_value=1, max_value=999))
        return f"log-{action}-{draw(listing_stamps)}-42-ingest-form-{ptid}-01.json"
    if kind == 7:
        return f"log-{action}-{draw(listing_stamps)[:8]}.json"
    printable = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
    return draw(st.sampled_from(LISTING_ODD_NAMES) | st.text(printable, min_size=1, max_size=8))


listing_key_sets = st.sets(listing_names(), min_size=0, max_size=120)
