"""The relayout's plan: every row placed in its group's object or quarantined with a reason, none lost or added."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.events import FileFailure
from checkpoint_lambda.domain.failure_record import FailureRecord
from checkpoint_lambda.domain.key_template import KeyTemplate
from checkpoint_lambda.domain.layout import PerGroup, SingleObject
from checkpoint_lambda.domain.relayout_plan import (
    REASON_COLUMN,
    placement_problem,
    plan_relayout,
    quarantine_key,
    record_with_quarantine,
)
from checkpoint_lambda.domain.schema import ORDER_COLUMNS

HIVE = PerGroup(KeyTemplate.parse("t/study={study}/datatype={datatype}/e.parquet"))
STUDIES = ("adrc", "dvcid", "foo/bar", "new study", "..", ".", "ADRC", " adrc", "tab\tstudy")
DATATYPES = ("form", "apoe", "not-a-datatype")
WRITTEN = datetime(2024, 1, 1, tzinfo=UTC)


def rows_of(groups: list[tuple[str, str]]) -> pl.DataFrame:
    """One row per entry, each its own file version; a few share a key (a rewritten file)."""
    times = [WRITTEN + timedelta(hours=n) for n in range(len(groups))]
    utc = pl.Datetime("us", "UTC")
    frame = pl.DataFrame(
        {
            "study": [study for study, _ in groups],
            "datatype": [datatype for _, datatype in groups],
            "timestamp": pl.Series(times, dtype=utc),
            "source_key": [f"prod/log-{n // 2}.json" for n in range(len(groups))],
            "source_etag": [f'"{n}"' for n in range(len(groups))],
            "source_last_modified": pl.Series(times, dtype=utc),
        },
        schema_overrides={"study": pl.String, "datatype": pl.String, "source_key": pl.String, "source_etag": pl.String},
    )
    empty = Checkpoint.empty().dataframe
    return pl.concat([empty, frame], how="diagonal").select(empty.columns)


@pytest.mark.parametrize(
    ("study", "datatype", "problem"),
    [
        ("adrc", "form", None),
        ("foo/bar", "form", "one path segment"),
        ("new study", "form", "one path segment"),
        ("..", "form", "one path segment"),
        ("ADRC", "form", "would be stored as 'adrc'"),
        ("adrc", "not-a-datatype", "not one of the known datatypes"),
        (None, "form", "no study"),
    ],
)
def test_the_current_rules_decide_what_can_be_placed(study: str | None, datatype: str, problem: str | None) -> None:
    found = placement_problem(study, datatype)
    assert found is None if problem is None else problem in (found or "")


@given(st.lists(st.tuples(st.sampled_from(STUDIES), st.sampled_from(DATATYPES)), max_size=30))
def test_every_row_is_placed_in_its_groups_object_or_quarantined_never_both_never_lost(
    groups: list[tuple[str, str]],
) -> None:
    """Property: placed ∪ quarantined = the rows; each object holds only its group's rows, in checkpoint order."""
    rows = rows_of(groups)
    plan = plan_relayout(rows, HIVE)
    carried = pl.concat([*plan.objects.values(), plan.quarantined.drop(REASON_COLUMN)])
    assert carried.sort(list(ORDER_COLUMNS)).equals(rows.sort(list(ORDER_COLUMNS)))
    for key, frame in plan.objects.items():
        assert {HIVE.template.key_for(s, d) for s, d in frame.select("study", "datatype").rows()} == {key}
        assert frame.equals(frame.sort(list(ORDER_COLUMNS)))
    assert all(
        placement_problem(s, d) is None
        for s, d in pl.concat(plan.objects.values() or [rows.clear()]).select("study", "datatype").rows()
    )
    assert plan.quarantined.get_column(REASON_COLUMN).null_count() == 0


def test_a_single_destination_is_one_object_and_quarantine_lies_beside_the_failure_record() -> None:
    rows = rows_of([("adrc", "form"), ("dvcid", "apoe"), ("new study", "form")])
    plan = plan_relayout(rows, SingleObject("checkpoints/prod/checkpoint.parquet"))
    assert list(plan.objects) == ["checkpoints/prod/checkpoint.parquet"]
    assert (plan.rows_placed, plan.quarantined.height) == (2, 1)
    assert (
        quarantine_key(SingleObject("checkpoints/prod/checkpoint.parquet"))
        == "checkpoints/prod_failures/quarantine.parquet"
    )
    assert quarantine_key(HIVE) == "t_failures/quarantine.parquet"


def test_each_quarantined_key_gets_one_failure_entry_for_its_newest_version_and_the_records_own_win() -> None:
    rows = rows_of([("new study", "form"), ("new study", "form"), ("..", "apoe"), ("adrc", "form")])
    plan = plan_relayout(rows, HIVE)
    judged = FileFailure("prod/log-1.json", '"9"', "invalid JSON")
    record = record_with_quarantine(FailureRecord({judged.key: judged}), plan.quarantined, "s3://b/q.parquet")
    assert record.failures["prod/log-0.json"].etag == '"1"'  # the newer of the key's two versions
    assert "s3://b/q.parquet" in record.failures["prod/log-0.json"].reason
    assert record.failures["prod/log-1.json"] == judged
