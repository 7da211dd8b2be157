"""The run, end to end against moto's server: the incremental, exactly-once scenarios."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import event_file, visits
from checkpoint_devtools.local_s3 import upload
from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.event_retriever import Progress
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.layout import SingleObject
from checkpoint_lambda.entrypoints.adapters import build_adapters
from checkpoint_lambda.errors import CheckpointUnreadable
from checkpoint_lambda.service import run_checkpoint
from checkpoint_lambda.summary import RunSummary
from profiles import examples
from strategies import event_dicts

CHECKPOINT_KEY = "checkpoints/events/checkpoint.parquet"


def config_for(bucket: str, prefix: str = "prod/") -> RunConfig:
    return RunConfig(bucket, prefix, bucket, SingleObject(CHECKPOINT_KEY))


def run(config: RunConfig, connector: S3Connector, progress: Progress | None = None) -> RunSummary:
    """One run through the real adapters, as the handler builds them."""
    return run_checkpoint(config, build_adapters(config, connector, progress))


def checkpoint_rows(s3_client, bucket: str) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    return pl.read_parquet(io.BytesIO(s3_client.get_object(Bucket=bucket, Key=CHECKPOINT_KEY)["Body"].read()))


def test_first_run_ingests_every_valid_file_and_reports_the_rest(
    connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    broken = LogFile("prod/log-submit-20240115-100000-42-ingest-form-X-01.json", b"{oops")
    upload(connector.store(bucket), [*visits(5), broken, LogFile("prod/.keep", b"")])
    summary = run(config_for(bucket), connector)
    assert (summary.files_listed, summary.files_fetched, summary.files_non_event) == (6, 6, 1)
    assert (summary.new_events_processed, summary.total_events, summary.events_failed) == (5, 5, 1)
    assert summary.failures == ({"key": broken.key, "reason": summary.failures[0]["reason"]},)
    assert summary.failures[0]["reason"].startswith("malformed JSON")
    assert summary.checkpoint_written
    assert checkpoint_rows(s3_client, bucket).height == 5


def test_late_file_with_an_old_timestamp_is_picked_up(connector: S3Connector, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    upload(connector.store(bucket), visits(3))
    run(config_for(bucket), connector)
    late = event_file(ptid="LATE", timestamp="2019-03-01T08:00:00Z")
    upload(connector.store(bucket), [late])
    summary = run(config_for(bucket), connector)
    assert (summary.files_fetched, summary.new_events_processed, summary.total_events) == (1, 1, 4)
    rows = checkpoint_rows(s3_client, bucket)
    assert rows.filter(pl.col("ptid") == "LATE")["timestamp"].to_list() == [datetime(2019, 3, 1, 8, tzinfo=UTC)]
    assert rows["timestamp"].to_list() == sorted(rows["timestamp"].to_list())


def test_rewritten_key_adds_a_version_and_keeps_the_first(connector: S3Connector, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    incomplete = event_file(packet=None)
    upload(connector.store(bucket), [incomplete])
    run(config_for(bucket), connector)
    upload(connector.store(bucket), [event_file(packet="I")])  # same key, new content
    summary = run(config_for(bucket), connector)
    assert (summary.files_fetched, summary.new_events_processed, summary.total_events) == (1, 1, 2)
    rows = checkpoint_rows(s3_client, bucket).sort("source_last_modified")
    assert rows["source_key"].unique().to_list() == [incomplete.key]
    assert rows["packet"].to_list() == [None, "I"]
    assert rows["source_etag"].n_unique() == 2


def test_rerun_without_change_fetches_nothing_and_leaves_the_checkpoint_untouched(
    connector: S3Connector,
    bucket: str,
    s3_client: Any,
) -> None:
    upload(connector.store(bucket), [*visits(4), LogFile("prod/log-submit-20240101.json", b"[]")])
    run(config_for(bucket), connector)
    before = s3_client.head_object(Bucket=bucket, Key=CHECKPOINT_KEY)
    record_key = config_for(bucket).failure_record_key
    record_before = s3_client.head_object(Bucket=bucket, Key=record_key)
    summary = run(config_for(bucket), connector)
    assert (summary.files_fetched, summary.new_events_processed, summary.checkpoint_written) == (0, 0, False)
    assert (summary.files_unchanged, summary.events_failed, summary.total_events) == (5, 1, 4)
    after = s3_client.head_object(Bucket=bucket, Key=CHECKPOINT_KEY)
    assert (after["ETag"], after["LastModified"]) == (before["ETag"], before["LastModified"])
    assert s3_client.head_object(Bucket=bucket, Key=record_key)["LastModified"] == record_before["LastModified"]


def test_a_failed_file_is_fetched_again_only_when_rewritten(connector: S3Connector, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    bad = LogFile(event_file().key, b'{"action": "submit"}')
    upload(connector.store(bucket), [bad])
    first = run(config_for(bucket), connector)
    assert (first.events_failed, first.checkpoint_written) == (1, False)  # 4.6: no valid event, no checkpoint
    assert "Contents" not in s3_client.list_objects_v2(Bucket=bucket, Prefix="checkpoints/events/")
    again = run(config_for(bucket), connector)
    assert (again.files_fetched, again.events_failed) == (0, 1)
    upload(connector.store(bucket), [event_file()])  # the producer fixes the file
    fixed = run(config_for(bucket), connector)
    assert (fixed.files_fetched, fixed.new_events_processed, fixed.events_failed, fixed.failures) == (1, 1, 0, ())


def test_two_concurrent_runs_over_disjoint_new_files_lose_nothing(
    connector: S3Connector,
    bucket: str,
    s3_client: Any,
    json_logs: Any,
) -> None:
    upload(connector.store(bucket), visits(3, "a/") + visits(3, "b/", start=3))
    run(config_for(bucket, "a/"), connector)
    upload(connector.store(bucket), visits(4, "a/", start=10) + visits(4, "b/", start=20))
    both_fetching = threading.Barrier(2, timeout=30)

    def wait_for_the_other(done: int, total: int) -> None:
        if done == 1:  # each run has read the checkpoint and fetched a file: neither has written
            both_fetching.wait()

    outcomes: dict[str, Any] = {}

    def run_over(prefix: str) -> None:
        outcomes[prefix] = run(config_for(bucket, prefix), connector, progress=wait_for_the_other)

    threads = [threading.Thread(target=run_over, args=(p,)) for p in ("a/", "b/")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(outcomes) == {"a/", "b/"}
    rows = checkpoint_rows(s3_client, bucket)
    expected = {
        f.key
        for f in visits(3, "a/") + visits(4, "a/", start=10) + visits(3, "b/", start=3) + visits(4, "b/", start=20)
    }
    assert sorted(rows["source_key"].to_list()) == sorted(expected)  # each exactly once
    messages = [line["message"] for line in json_logs()]
    assert "object changed since read; merging again" in messages  # the 412 path ran


def test_unreadable_checkpoint_stops_the_run_and_is_not_overwritten(
    connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    s3_client.put_object(Bucket=bucket, Key=CHECKPOINT_KEY, Body=b"not parquet at all")
    upload(connector.store(bucket), visits(2))
    with pytest.raises(CheckpointUnreadable):
        run(config_for(bucket), connector)
    assert s3_client.get_object(Bucket=bucket, Key=CHECKPOINT_KEY)["Body"].read() == b"not parquet at all"


def test_sandbox_files_are_skipped_by_default_and_counted(connector: S3Connector, bucket: str) -> None:
    upload(connector.store(bucket), [*visits(2), event_file(ptid="S1", project_label="sandbox-form")])
    summary = run(config_for(bucket), connector)
    assert (summary.total_events, summary.files_sandbox_skipped, summary.sandbox_content_skipped) == (2, 1, 0)


@settings(
    max_examples=examples(6),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    good=st.lists(event_dicts(project_label="ingest-form"), min_size=1, max_size=8, unique_by=lambda e: e["ptid"]),
    bad=st.integers(1, 5),
)
def test_partial_failure_keeps_the_valid(
    connector: S3Connector,
    bucket: str,
    s3_client: Any,
    good: list[dict[str, Any]],
    bad: int,
) -> None:
    prefix = f"partial-{datetime.now(UTC).timestamp()}/"
    files = [
        LogFile(f"{prefix}log-submit-20240101-000000-1-ingest-form-{i}-01.json", json.dumps(e).encode())
        for i, e in enumerate(good)
    ]
    files += [LogFile(f"{prefix}log-submit-20240101-000000-1-ingest-form-bad{i}-01.json", b"{") for i in range(bad)]
    upload(connector.store(bucket), files)
    config = RunConfig(bucket, prefix, bucket, SingleObject(f"ck/{prefix}checkpoint.parquet"))
    summary = run(config, connector)
    assert (summary.new_events_processed, summary.events_failed) == (len(good), bad)
    assert summary.files_listed == summary.new_events_processed + summary.events_failed
    assert summary.files_listed == (
        summary.files_unchanged + summary.files_fetched + summary.files_sandbox_skipped + summary.files_before_since
    )
    stored = s3_client.get_object(Bucket=bucket, Key=config.layout.location)["Body"].read()
    assert pl.read_parquet(io.BytesIO(stored)).height == len(good)
