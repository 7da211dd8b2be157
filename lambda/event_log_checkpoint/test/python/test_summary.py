"""The response: every listed file counted once, groups and dry runs reported, 207 for a failed group."""

from __future__ import annotations

from dataclasses import replace

from builders import sourced
from checkpoint_lambda.adapters.checkpoint_store import stored_as
from checkpoint_lambda.adapters.event_retriever import Retrieval
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.events import FileFailure
from checkpoint_lambda.domain.failure_record import FailureRecord
from checkpoint_lambda.domain.key_template import KeyTemplate
from checkpoint_lambda.domain.layout import PerGroup, SingleObject
from checkpoint_lambda.domain.listing import Listing, ObjectInfo
from checkpoint_lambda.errors import CheckpointAccessDenied
from checkpoint_lambda.summary import MAX_LISTED_FAILURES, GroupResult, RunSummary
from checkpoint_lambda.version import VERSION

SINGLE = RunConfig("log", "prod/", "ck", SingleObject("a/events/checkpoint.parquet"))
PER_GROUP = RunConfig("log", "prod/", "ck", PerGroup(KeyTemplate.parse("a/{study}/{datatype}/e.parquet")))


def listing(n: int) -> Listing:
    info = [ObjectInfo(f"prod/log-{i}", '"e"', sourced("k").source_last_modified, 1) for i in range(n)]
    return Listing("prod/", info, {i.key: i.etag for i in info}, non_event_keys=2, sandbox_by_name=1)


def group(config: RunConfig, key: str, rows: int, added: int = 0) -> GroupResult:
    checkpoint = Checkpoint.from_events([sourced(f"k{i}") for i in range(rows)])
    return GroupResult.done(
        config, stored_as(key, checkpoint, '"x"', 100), added, written=added > 0, would_write=added > 0
    )


def test_a_single_object_response_keeps_its_fields_and_adds_version_and_completeness() -> None:
    retrieval = Retrieval(deferred=[ObjectInfo("prod/log-9", '"e"', sourced("k").source_last_modified, 1)])
    summary = RunSummary.build(
        config=SINGLE,
        listing=listing(5),
        retrieval=retrieval,
        files_fetched=3,
        groups=[group(SINGLE, "a/events/checkpoint.parquet", 4, added=3)],
        record=FailureRecord(),
        elapsed_ms=12.4,
    )
    response = summary.to_response()
    assert response["statusCode"] == 200
    assert (response["version"], response["complete"], response["files_deferred"]) == (VERSION, False, 1)
    assert response["files_listed"] == response["files_unchanged"] + response["files_fetched"] + 1 + 0
    assert (response["new_events_processed"], response["total_events"], response["checkpoint_written"]) == (3, 4, True)
    assert response["checkpoint_path"] == "s3://ck/a/events/checkpoint.parquet"
    assert response["failure_record_path"] == "s3://ck/a/events_failures/checkpoint.json"
    assert "groups" not in response
    assert "would_write" not in response


def test_failures_list_at_most_a_hundred_sorted_and_count_them_all() -> None:
    recorded = {f"k{i:03d}": FileFailure(f"k{i:03d}", '"e"', "bad") for i in range(150)}
    transient = [FileFailure("a-transient", '"e"', "fetch failed: SlowDown HTTP 503", retryable=True)]
    summary = RunSummary.build(
        config=SINGLE,
        listing=listing(0),
        retrieval=Retrieval(failures=transient),
        files_fetched=0,
        groups=[],
        record=FailureRecord(recorded),
        elapsed_ms=1,
    )
    assert summary.events_failed == 151
    assert len(summary.failures) == MAX_LISTED_FAILURES
    assert summary.failures[0]["key"] == "a-transient"


def test_a_failed_group_makes_the_answer_207_and_names_the_group() -> None:
    ok = group(PER_GROUP, "a/adrc/form/e.parquet", 2, added=2)
    bad = GroupResult.failed(
        PER_GROUP, stored_as("a/leads/gwas/e.parquet", Checkpoint.empty(), None, 0), CheckpointAccessDenied("no")
    )
    summary = RunSummary.build(
        config=PER_GROUP,
        listing=listing(2),
        retrieval=Retrieval(),
        files_fetched=2,
        groups=[ok, bad],
        record=FailureRecord(),
        elapsed_ms=1,
    )
    response = summary.to_response()
    assert response["statusCode"] == 207
    assert response["checkpoint_path"] == "s3://ck/a/{study}/{datatype}/e.parquet"
    assert [(g["study"], g["datatype"], g["written"], g["error"]) for g in response["groups"]] == [
        ("adrc", "form", True, None),
        ("leads", "gwas", False, "CheckpointAccessDenied: no"),
    ]


def test_a_dry_run_names_what_it_would_write_and_writes_nothing() -> None:
    dry = replace(PER_GROUP, dry_run=True)
    changed = replace(group(dry, "a/adrc/form/e.parquet", 2, added=2), written=False)
    unchanged = group(dry, "a/dvcid/form/e.parquet", 1)
    summary = RunSummary.build(
        config=dry, listing=listing(2), retrieval=Retrieval(), files_fetched=2, groups=[changed, unchanged],
        record=FailureRecord(), elapsed_ms=1,
    )  # fmt: skip
    response = summary.to_response()
    assert (response["dry_run"], response["checkpoint_written"]) == (True, False)
    assert response["would_write"] == ["s3://ck/a/adrc/form/e.parquet"]
