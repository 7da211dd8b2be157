"""End to end on moto's server, through a counting proxy: unknown fields kept and promoted,
failures judged again under other rules, `--retry-failures`, and the archived-file cycle
(reported, not fetched, restored, read once)."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from builders import NEW_DATATYPE, WiderEvent, event_file, visits, with_fields
from checkpoint_analytics.load import load_checkpoint
from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.event_retriever import S3EventRetriever
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.domain.extra_fields import promote_extra_field
from checkpoint_lambda.domain.layout import SingleObject
from checkpoint_lambda.domain.rules import Rules
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA
from checkpoint_lambda.entrypoints import adapters
from checkpoint_lambda.entrypoints.adapters import build_adapters
from checkpoint_lambda.entrypoints.exit_codes import ExitCode
from checkpoint_lambda.entrypoints.lambda_function import lambda_handler
from checkpoint_lambda.entrypoints.run_command import add_arguments, run
from checkpoint_lambda.errors import SourceAccessDenied
from checkpoint_lambda.observability import metrics
from checkpoint_lambda.service import run_checkpoint
from checkpoint_lambda.summary import RunSummary
from faults.fault_proxy import FaultProxy
from lambda_context import LambdaContext, emf_metrics

CHECKPOINT_KEY = "checkpoints/events/checkpoint.parquet"
RECORD_KEY = "checkpoints/events_failures/checkpoint.json"


@pytest.fixture
def proxy(s3_endpoint: str) -> Iterator[FaultProxy]:
    """Forwards everything to moto and counts the requests by method and key."""
    running = FaultProxy(s3_endpoint).start()
    yield running
    running.stop()


@pytest.fixture
def counted(proxy: FaultProxy) -> S3Connector:
    return S3Connector(S3Settings(endpoint_url=proxy.url, region="us-east-1", request_timeout_s=60.0))


def event_requests(proxy: FaultProxy, method: str) -> int:
    """Requests of `method` on event files (not the checkpoint, the record, or listings)."""
    return sum(1 for seen in list(proxy.seen) if seen.method == method and seen.key.startswith("prod/"))


def checkpoint_frame(s3_client: Any, bucket: str) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(s3_client.get_object(Bucket=bucket, Key=CHECKPOINT_KEY)["Body"].read()))


def run_once(bucket: str, connector: S3Connector, rules: Rules | None = None, **options: Any) -> RunSummary:
    config = RunConfig(bucket, "prod/", bucket, SingleObject(CHECKPOINT_KEY), **options)
    adapters = build_adapters(config, connector)
    if rules is not None:
        source = S3ObjectStore(connector, bucket, SourceAccessDenied)
        adapters = replace(adapters, events=S3EventRetriever(source, rules=rules))
    return run_checkpoint(config, adapters)


def put(s3_client: Any, bucket: str, files: list[LogFile], **extra: Any) -> None:
    for file in files:
        s3_client.put_object(Bucket=bucket, Key=file.key, Body=file.body, **extra)


def test_two_unknown_fields_are_kept_reported_and_promoted_from_the_checkpoint_alone(
    proxy: FaultProxy, counted: S3Connector, bucket: str, s3_client: Any, tmp_path: Path
) -> None:
    put(s3_client, bucket, [*visits(2), with_fields(event_file(ptid="X1"), scanner_model="Prisma", retake_count=2)])
    summary = run_once(bucket, counted)
    assert summary.unknown_fields == {"retake_count": 1, "scanner_model": 1}
    gets = event_requests(proxy, "GET")
    assert gets == 3

    frame = checkpoint_frame(s3_client, bucket)
    promoted = promote_extra_field(frame, "scanner_model", pl.String())
    assert promoted.filter(pl.col("ptid") == "X1")["scanner_model"].to_list() == ["Prisma"]
    assert event_requests(proxy, "GET") == gets  # the migration read no event file

    local = tmp_path / "checkpoint.parquet"
    frame.write_parquet(local)
    assert load_checkpoint(str(local)).collect().schema == CHECKPOINT_SCHEMA  # analytics reads it as before


def test_a_datatype_only_other_rules_accept_is_refetched_once_then_a_row(
    proxy: FaultProxy, counted: S3Connector, bucket: str, s3_client: Any
) -> None:
    newer = event_file(ptid="NEW", datatype=NEW_DATATYPE, module=None)
    put(s3_client, bucket, [*visits(2), newer])
    wider = Rules(WiderEvent)

    first = run_once(bucket, counted)
    assert [f["key"] for f in first.failures] == [newer.key]
    second = run_once(bucket, counted, wider)
    assert (second.failures_rejudged, second.failures_recovered, second.events_failed) == (1, 1, 0)
    assert proxy.count("GET", newer.key) == 2
    third = run_once(bucket, counted, wider)
    assert (third.files_fetched, third.failures_rejudged, proxy.count("GET", newer.key)) == (0, 0, 2)
    rows = checkpoint_frame(s3_client, bucket)
    assert rows.filter(pl.col("ptid") == "NEW")["datatype"].to_list() == [NEW_DATATYPE]


def test_retry_failures_on_the_command_line_judges_recorded_failures_again(
    endpoint_env: str, bucket: str, s3_client: Any
) -> None:
    broken = LogFile("prod/log-submit-20240115-100000-42-ingest-form-B-01.json", b"{oops")
    put(s3_client, bucket, [*visits(1), broken])
    adapters.default_connector.cache_clear()
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    argv = ["--source-bucket", bucket, "--prefix", "prod/", "--checkpoint-bucket", bucket]
    argv += ["--checkpoint-key", CHECKPOINT_KEY]
    answers = []
    try:
        for extra in ([], ["--retry-failures"], []):
            out = io.StringIO()
            assert run(parser.parse_args([*argv, *extra]), out) == ExitCode.OK
            answers.append(json.loads(out.getvalue()))
    finally:
        adapters.default_connector.cache_clear()
    assert [a["failures_rejudged"] for a in answers] == [0, 1, 0]
    assert [a["events_failed"] for a in answers] == [1, 1, 1]


def test_an_archived_file_is_reported_not_fetched_restored_read_once_then_left_alone(
    proxy: FaultProxy, counted: S3Connector, bucket: str, s3_client: Any
) -> None:
    cold = event_file(ptid="COLD")
    put(s3_client, bucket, visits(3))
    put(s3_client, bucket, [cold], StorageClass="GLACIER")
    costs = []

    def measured(**options: Any) -> RunSummary:
        before = (event_requests(proxy, "HEAD"), event_requests(proxy, "GET"), event_requests(proxy, "POST"))
        summary = run_once(bucket, counted, **options)
        after = (event_requests(proxy, "HEAD"), event_requests(proxy, "GET"), event_requests(proxy, "POST"))
        costs.append(tuple(b - a for a, b in zip(before, after, strict=True)))
        return summary

    first = measured()
    assert (first.files_archived, first.archived, first.events_failed, first.total_events) == (1, (cold.key,), 0, 3)
    second = measured()
    assert (second.files_archived, second.files_fetched) == (1, 0)
    third = measured(restore_archived="bulk")  # asks for the restore; moto's restores complete at once
    assert third.restores_started == 1
    fourth = measured()
    assert (fourth.files_archived, fourth.new_events_processed, fourth.total_events) == (0, 1, 4)
    fifth = measured()
    assert (fifth.files_fetched, fifth.files_archived) == (0, 0)
    # (HEADs, GETs, restore POSTs) of event files per run
    assert costs == [(1, 3, 0), (1, 0, 0), (1, 0, 1), (1, 1, 0), (0, 0, 0)]
    assert proxy.count("GET", cold.key) == 1
    record = json.loads(s3_client.get_object(Bucket=bucket, Key=RECORD_KEY)["Body"].read())
    assert record["archived"] == []


def test_the_handler_logs_and_counts_unknown_fields_and_archived_files(
    endpoint_env: str,
    bucket: str,
    s3_client: Any,
    capfd: pytest.CaptureFixture[str],
    json_logs: Callable[[], list[dict[str, Any]]],
) -> None:
    put(s3_client, bucket, [with_fields(event_file(ptid="X1"), scanner_model="Prisma", retake_count=2)])
    put(s3_client, bucket, [event_file(ptid="COLD")], StorageClass="DEEP_ARCHIVE")
    adapters.default_connector.cache_clear()
    metrics.clear_metrics()
    try:
        payload = {"source_bucket": bucket, "prefix": "prod/", "checkpoint_bucket": bucket}
        response = lambda_handler({**payload, "checkpoint_key": CHECKPOINT_KEY}, LambdaContext())
    finally:
        adapters.default_connector.cache_clear()
        metrics.clear_metrics()
    assert response["unknown_fields"] == {"retake_count": 1, "scanner_model": 1}
    finished = next(line for line in json_logs() if line["message"] == "run finished")
    assert finished["unknown_fields"] == {"retake_count": 1, "scanner_model": 1}
    assert finished["files_archived"] == 1
    out = capfd.readouterr().out
    emitted = emf_metrics(out)
    assert (emitted["FilesArchived"], emitted["FailuresRejudged"]) == ([1.0], [0.0])
    blobs = [json.loads(line) for line in out.splitlines() if "FilesWithUnknownFields" in line]
    assert sorted((blob["field"], blob["FilesWithUnknownFields"]) for blob in blobs) == [
        ("retake_count", [1.0]),
        ("scanner_model", [1.0]),
    ]
