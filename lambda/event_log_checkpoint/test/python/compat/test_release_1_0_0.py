"""Release 1.0.0's checkpoint and failure record (written by that release's own code, see
make_v1_fixtures.py) read, extended and moved by this release on moto's server, and what this
release writes read back by 1.0.0's own code (a rollback)."""

from __future__ import annotations

import argparse
import io
import json
from typing import Any

import polars as pl
import pytest

from checkpoint_analytics.compare_checkpoints import compare_checkpoints
from checkpoint_cli import relayout_command
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.failure_record import FailureRecord
from checkpoint_lambda.domain.key_template import KeyTemplate
from checkpoint_lambda.domain.layout import Layout, PerGroup, SingleObject
from checkpoint_lambda.domain.relayout_plan import REASON_COLUMN
from checkpoint_lambda.entrypoints.adapters import build_adapters
from checkpoint_lambda.service import run_checkpoint
from checkpoint_lambda.summary import RunSummary
from compat.release_1_0_0 import (
    CHECKPOINT,
    CHECKPOINT_KEY,
    FAILURE_RECORD,
    FAILURE_RECORD_KEY,
    PREFIX,
    UNSEEN,
    log_files,
    place_release_checkpoint,
    run_release_1_0_0,
    upload_log,
)

TEMPLATE = "prod-v2/checkpoints/{study}/{datatype}/events.parquet"
REJECTED_STUDIES = {"foo/bar", "new study", ".."}


def release_rows() -> pl.DataFrame:
    return pl.read_parquet(CHECKPOINT)


def run(connector: S3Connector, bucket: str, layout: Layout) -> RunSummary:
    config = RunConfig(bucket, PREFIX, bucket, layout)
    return run_checkpoint(config, build_adapters(config, connector))


def read(s3_client: Any, bucket: str, key: str) -> bytes:
    body: bytes = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def test_the_fixtures_hold_what_1_0_0_accepted_and_later_rules_reject() -> None:
    rows = release_rows()
    assert set(rows.get_column("study")) >= REJECTED_STUDIES
    assert rows.group_by("source_key").len().get_column("len").max() == 2  # rewritten keys: both versions
    record = FailureRecord.from_json(FAILURE_RECORD.read_bytes())
    assert (len(record.failures), len(record.skipped)) == (2, 1)


def test_this_release_extends_1_0_0s_checkpoint_fetching_exactly_the_unseen_versions(
    connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    """The unseen versions, and once each the content failures 1.0.0 recorded: its verdicts carry
    no fingerprint of the rules that judged them, and these rules differ (the study rule)."""
    upload_log(s3_client, bucket)
    place_release_checkpoint(s3_client, bucket)
    unseen = upload_log(s3_client, bucket, UNSEEN)
    recorded = len(FailureRecord.from_json(FAILURE_RECORD.read_bytes()).failures)

    summary = run(connector, bucket, SingleObject(CHECKPOINT_KEY))
    assert (summary.files_fetched, summary.failures_rejudged, summary.failures_recovered) == (
        unseen + recorded,
        recorded,
        0,
    )
    assert (summary.new_events_processed, summary.new_files_failed) == (3, 2 + recorded)
    extended = pl.read_parquet(io.BytesIO(read(s3_client, bucket, CHECKPOINT_KEY)))
    lost = release_rows().join(extended, on=release_rows().columns, how="anti", nulls_equal=True)
    assert lost.height == 0
    assert extended.height == release_rows().height + 3
    record = FailureRecord.from_json(read(s3_client, bucket, FAILURE_RECORD_KEY))
    before = FailureRecord.from_json(FAILURE_RECORD.read_bytes())
    assert before.versions() < record.versions()
    assert run(connector, bucket, SingleObject(CHECKPOINT_KEY)).files_fetched == 0


def test_what_this_release_writes_1_0_0_reads_and_runs_on(
    connector: S3Connector, bucket: str, s3_client: Any, s3_endpoint: str
) -> None:
    upload_log(s3_client, bucket)
    place_release_checkpoint(s3_client, bucket)
    upload_log(s3_client, bucket, UNSEEN)
    summary = run(connector, bucket, SingleObject(CHECKPOINT_KEY))
    written = read(s3_client, bucket, CHECKPOINT_KEY)
    assert pl.read_parquet_schema(io.BytesIO(written)) == pl.read_parquet_schema(CHECKPOINT)  # names, types, order

    rollback = run_release_1_0_0(s3_endpoint, bucket)
    assert rollback["statusCode"] == 200, rollback
    assert (rollback["files_fetched"], rollback["total_events"]) == (0, summary.total_events)
    assert rollback["events_failed"] == summary.events_failed


def test_relayout_moves_1_0_0s_checkpoint_to_per_group_quarantining_rejected_studies(
    connector: S3Connector, bucket: str, s3_client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    upload_log(s3_client, bucket)
    place_release_checkpoint(s3_client, bucket)
    parser = argparse.ArgumentParser()
    relayout_command.add_arguments(parser)
    args = parser.parse_args(["--bucket", bucket, "--from-key", CHECKPOINT_KEY, "--to-template", TEMPLATE])

    assert relayout_command.run(args, connector=connector) == relayout_command.EXIT_QUARANTINED
    answer = json.loads(capsys.readouterr().out)
    rows = release_rows()
    rejected = rows.filter(pl.col("study").is_in(REJECTED_STUDIES))
    assert (answer["rows_read"], answer["rows_quarantined"]) == (rows.height, rejected.height)
    quarantine = pl.read_parquet(io.BytesIO(read(s3_client, bucket, "prod-v2/checkpoints_failures/quarantine.parquet")))
    assert set(quarantine.get_column("study")) == REJECTED_STUDIES
    assert (
        quarantine.drop(REASON_COLUMN)
        .sort("source_key", "source_etag")
        .equals(rejected.sort("source_key", "source_etag"))
    )
    comparison = compare_checkpoints(f"s3://{bucket}/{CHECKPOINT_KEY}", f"s3://{bucket}/{TEMPLATE}", connector)
    assert (comparison.differences, comparison.totals()["quarantined"]) == (0, rejected.height)

    destination = PerGroup(KeyTemplate.parse(TEMPLATE))
    # 1.0.0's verdicts carry no rules fingerprint: judged once more under these rules; no row's file is read.
    recorded_by_1_0_0 = len(FailureRecord.from_json(FAILURE_RECORD.read_bytes()).failures)
    first = run(connector, bucket, destination)
    assert (first.files_fetched, first.failures_rejudged, first.checkpoint_written) == (recorded_by_1_0_0,) * 2 + (
        False,
    )
    quiet = run(connector, bucket, destination)
    assert (quiet.files_fetched, quiet.checkpoint_written) == (0, False)
    unseen = upload_log(s3_client, bucket, UNSEEN)
    assert run(connector, bucket, destination).files_fetched == unseen
    held = set(pl.concat(_group_rows(s3_client, bucket)).get_column("source_key"))
    recorded = set(
        FailureRecord.from_json(read(s3_client, bucket, "prod-v2/checkpoints_failures/events.json")).failures
    )
    assert {key for key, _ in log_files(UNSEEN)} <= held | recorded


def _group_rows(s3_client: Any, bucket: str) -> list[pl.DataFrame]:
    listed = s3_client.list_objects_v2(Bucket=bucket, Prefix="prod-v2/checkpoints/")["Contents"]
    return [pl.read_parquet(io.BytesIO(read(s3_client, bucket, item["Key"]))) for item in listed]
