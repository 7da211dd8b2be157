"""Versions of an event: every row kept, one current row per event identity (latest version wins)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
from hypothesis import given, settings

from analytics import oracle
from analytics.strategies import checkpoint_frames
from checkpoint_analytics.versions import current_events, event_versions
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA
from profiles import examples


def _versions(frame: pl.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["source_key"].to_list(), frame["source_etag"].to_list(), strict=True))


@settings(max_examples=examples(80), deadline=None)
@given(checkpoint_frames())
def test_current_events_are_the_latest_version_of_each_identity(frame: pl.DataFrame) -> None:
    got = current_events(frame.lazy()).collect()
    winners = {(r["source_key"], r["source_etag"]) for r in oracle.current(oracle.rows_of(frame))}
    assert got.height == len(winners)
    assert _versions(got) == winners
    in_input_order = [r for r in oracle.rows_of(frame) if (r["source_key"], r["source_etag"]) in winners]
    assert got.to_dicts() == in_input_order  # whole rows, in the order given (a checkpoint: timestamp order)
    assert got.schema == CHECKPOINT_SCHEMA


@settings(max_examples=examples(60), deadline=None)
@given(checkpoint_frames())
def test_event_versions_number_every_row_by_version_order(frame: pl.DataFrame) -> None:
    rows = oracle.rows_of(frame)
    got = {(r["source_key"], r["source_etag"]): r for r in event_versions(frame.lazy()).collect().to_dicts()}
    assert len(got) == frame.height
    for row in rows:
        siblings = [o for o in rows if oracle.key(o, oracle.IDENTITY) == oracle.key(row, oracle.IDENTITY)]
        earlier = sum(oracle.version_rank(o) < oracle.version_rank(row) for o in siblings)
        numbered = got[(row["source_key"], row["source_etag"])]
        assert numbered["version"] == earlier + 1
        assert numbered["version_count"] == len(siblings)
        assert numbered["is_current"] == (earlier + 1 == len(siblings))


def test_a_rewrite_supersedes_and_the_tie_breaks_are_key_then_etag() -> None:
    ts = datetime(2024, 1, 15, 10, 20, tzinfo=UTC)
    written = datetime(2024, 1, 16, tzinfo=UTC)
    base = {
        "action": "pass-qc", "study": "adrc", "pipeline_adcid": 42, "project_label": "ingest-form",
        "center_label": "alpha", "gear_name": "form-scheduler", "ptid": "110001", "visit_date": date(2024, 1, 15),
        "visit_number": "01", "datatype": "form", "module": "UDS", "timestamp": ts,
    }  # fmt: skip
    frame = pl.DataFrame(
        [
            {**base, "packet": None, "source_key": "b", "source_etag": "1", "source_last_modified": written},
            {**base, "packet": "I", "source_key": "a", "source_etag": "9", "source_last_modified": written},
            {**base, "packet": "F", "source_key": "b", "source_etag": "0", "source_last_modified": written},
        ],
        schema=CHECKPOINT_SCHEMA,
    )
    got = current_events(frame.lazy()).collect()
    assert got.select("source_key", "source_etag", "packet").rows() == [("b", "1", None)]
