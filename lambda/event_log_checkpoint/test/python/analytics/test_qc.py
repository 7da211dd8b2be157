"""QC pass counts and rates are exact, over events and over each visit's latest outcome."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import oracle
from analytics.strategies import checkpoint_frames
from checkpoint_analytics.keys import GroupColumn
from checkpoint_analytics.qc import pass_rate, visit_pass_rate, visits_failing_qc, visits_with_errors
from checkpoint_analytics.versions import current_events
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA
from profiles import examples

QC = ("pass-qc", "not-pass-qc")
GROUPINGS: list[list[GroupColumn]] = [[], ["center_label"], ["center_label", "module"], ["packet"]]


@settings(max_examples=examples(75), deadline=None)
@given(checkpoint_frames(), st.sampled_from(GROUPINGS))
def test_pass_rate_is_exact_over_events(frame: pl.DataFrame, by: list[GroupColumn]) -> None:
    rows = [r for r in oracle.current(oracle.rows_of(frame)) if r["action"] in QC]
    got = pass_rate(current_events(frame.lazy()), by).collect()
    tally = Counter((oracle.key(r, by), r["action"]) for r in rows)
    groups = {oracle.key(r, by) for r in rows} if by else {()}
    assert got.height == len(groups)
    for row in got.iter_rows(named=True):
        group = tuple(row[c] for c in by)
        passed, failed = tally[(group, "pass-qc")], tally[(group, "not-pass-qc")]
        assert (row["pass_qc"], row["not_pass_qc"]) == (passed, failed)
        assert row["pass_rate"] == oracle.pass_rate(passed, failed)  # exact: the same division


@settings(max_examples=examples(75), deadline=None)
@given(checkpoint_frames())
def test_visit_pass_rate_counts_each_visit_by_its_latest_outcome(frame: pl.DataFrame) -> None:
    rows = [r for r in oracle.rows_of(frame) if r["action"] in QC]
    latest = oracle.latest_by(rows, oracle.VISIT, oracle.recency).values()
    got = visit_pass_rate(frame.lazy(), ["center_label"]).collect()
    tally = Counter((r["center_label"], r["action"]) for r in latest)
    expected = {
        centre: (tally[(centre, "pass-qc")], tally[(centre, "not-pass-qc")])
        for centre in {r["center_label"] for r in latest}
    }
    assert {r["center_label"]: (r["pass_qc"], r["not_pass_qc"]) for r in got.to_dicts()} == expected
    for row in got.to_dicts():
        assert row["pass_rate"] == oracle.pass_rate(row["pass_qc"], row["not_pass_qc"])


@settings(max_examples=examples(75), deadline=None)
@given(checkpoint_frames())
def test_visits_failing_and_with_errors_equal_the_loop(frame: pl.DataFrame) -> None:
    rows = oracle.current(oracle.rows_of(frame))
    latest = oracle.latest_by([r for r in rows if r["action"] in QC], oracle.VISIT, oracle.recency)
    failing = visits_failing_qc(current_events(frame.lazy())).collect()
    assert {oracle.key(r, oracle.VISIT): r["failing_since"] for r in failing.to_dicts()} == {
        visit: row["timestamp"] for visit, row in latest.items() if row["action"] == "not-pass-qc"
    }
    errors = [r for r in rows if r["action"] == "not-pass-qc"]
    with_errors = visits_with_errors(current_events(frame.lazy())).collect()
    assert {oracle.key(r, oracle.VISIT): r["not_pass_qc"] for r in with_errors.to_dicts()} == dict(
        oracle.counts(errors, oracle.VISIT)
    )


def test_a_visit_that_failed_then_passed_is_not_failing_and_rates_are_exact() -> None:
    def event(action: str, hour: int, ptid: str = "1") -> dict[str, object]:
        return {
            "action": action, "study": "adrc", "pipeline_adcid": 1, "project_label": "ingest-form",
            "center_label": "alpha", "gear_name": "form-scheduler", "ptid": ptid, "visit_date": date(2024, 1, 2),
            "visit_number": "01", "datatype": "form", "module": "UDS", "packet": "I",
            "timestamp": datetime(2024, 1, 3, hour, tzinfo=UTC), "source_key": f"k{ptid}{hour}",
            "source_etag": "e", "source_last_modified": datetime(2024, 1, 4, tzinfo=UTC),
        }  # fmt: skip

    frame = pl.DataFrame(
        [event("not-pass-qc", 1), event("pass-qc", 2), event("not-pass-qc", 1, "2"), event("submit", 0, "2")],
        schema=CHECKPOINT_SCHEMA,
    ).lazy()
    assert pass_rate(frame).collect().rows() == [(1, 2, 1 / 3)]
    assert visit_pass_rate(frame).collect().rows() == [(1, 1, 0.5)]
    assert visits_failing_qc(frame).collect()["ptid"].to_list() == ["2"]
    assert visits_with_errors(frame).collect()["ptid"].to_list() == ["1", "2"]
    assert pass_rate(frame.filter(pl.col("action") == "submit")).collect().rows() == [(0, 0, None)]
