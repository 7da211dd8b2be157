"""The real handler, end to end against moto's server: contract, errors, logs and metrics."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from builders import visits
from checkpoint_devtools.local_s3 import upload
from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore
from checkpoint_lambda.adapters.event_retriever import Progress, S3EventRetriever
from checkpoint_lambda.adapters.failure_record_store import FailureRecordStore
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.entrypoints import adapters
from checkpoint_lambda.entrypoints.adapters import s3_adapters
from checkpoint_lambda.entrypoints.lambda_function import TIME_BUDGET_MARGIN_S, handle, lambda_handler
from checkpoint_lambda.observability import metrics
from checkpoint_lambda.service import MIN_FILES_PER_RUN, RunAdapters
from checkpoint_lambda.version import VERSION
from fakes import InMemoryObjectStore
from lambda_context import LambdaContext, emf_metrics

CHECKPOINT_KEY = "checkpoints/events/checkpoint.parquet"

BROKEN = [
    LogFile("prod/log-submit-20240115-100000-42-ingest-form-B1-01.json", b"{"),
    LogFile("prod/log-submit-20240115-100000-42-ingest-form-B2-01.json", b'{"action": "submit"}'),
]


@pytest.fixture(autouse=True)
def fresh_metrics() -> Iterator[None]:
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


def payload(bucket: str) -> dict[str, str]:
    return {"source_bucket": bucket, "prefix": "prod/", "checkpoint_bucket": bucket, "checkpoint_key": CHECKPOINT_KEY}


def test_handler_success_response_and_metrics(
    endpoint_env: str, connector: S3Connector, bucket: str, capfd: pytest.CaptureFixture[str]
) -> None:
    upload(connector.store(bucket), visits(3) + BROKEN)
    response = lambda_handler(payload(bucket), LambdaContext())
    assert response["statusCode"] == 200
    assert response["checkpoint_path"] == f"s3://{bucket}/{CHECKPOINT_KEY}"
    assert (response["new_events_processed"], response["total_events"], response["events_failed"]) == (3, 3, 2)
    assert (response["files_listed"], response["files_fetched"]) == (5, 5)
    assert response["last_processed_timestamp"] == "2024-01-15T10:20:00Z"
    assert {f["key"] for f in response["failures"]} == {b.key for b in BROKEN}
    assert isinstance(response["execution_time_ms"], int)
    emitted = emf_metrics(capfd.readouterr().out)
    assert (emitted["NewEventsProcessed"], emitted["EventsFailed"], emitted["RunFailed"]) == ([3.0], [2.0], [0.0])
    assert emitted["service"] == "event-log-checkpoint"


def test_logs_carry_parameters_counts_and_each_failure(
    connector: S3Connector, bucket: str, json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    upload(connector.store(bucket), visits(2) + BROKEN)
    handle(payload(bucket), adapters=s3_adapters(connector))
    logs = json_logs()
    starting = next(line for line in logs if line["message"] == "run starting")
    assert (starting["source_bucket"], starting["source_prefix"]) == (bucket, "prod/")
    failed = {line["key"]: line["reason"] for line in logs if line["message"] == "event file failed"}
    assert set(failed) == {b.key for b in BROKEN}
    assert all(failed.values())
    finished = next(line for line in logs if line["message"] == "run finished")
    assert (finished["files_listed"], finished["files_fetched"], finished["new_events_processed"]) == (4, 4, 2)
    assert finished["events_failed"] == 2
    assert finished["checkpoint_size_bytes"] > 0
    assert "execution_time_ms" in finished
    assert all("submit" not in json.dumps(line.get("reason", "")) for line in logs)  # no event bodies


def test_log_lines_are_as_cloudwatch_reads_them(
    connector: S3Connector, bucket: str, json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    """RFC 3339 timestamps, the release in every line, and no `taskName` from the fetch workers' asyncio tasks."""
    upload(connector.store(bucket), visits(1) + BROKEN)
    handle(payload(bucket), adapters=s3_adapters(connector))
    logs = json_logs()
    assert any(line["message"] == "event file failed" for line in logs)  # logged from inside the fetch workers
    for line in logs:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["timestamp"]), line["timestamp"]
        assert line["version"] == VERSION
        assert "taskName" not in line


def test_scheduled_event_runs_on_the_environment(
    connector: S3Connector, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(connector.store(bucket), visits(2))
    env = {
        "SOURCE_BUCKET": bucket,
        "SOURCE_PREFIX": "prod/",
        "CHECKPOINT_BUCKET": bucket,
        "CHECKPOINT_KEY": CHECKPOINT_KEY,
    }
    scheduled = {"version": "0", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    response = handle(scheduled, env=env, adapters=s3_adapters(connector))
    assert (response["statusCode"], response["total_events"]) == (200, 2)


def test_missing_configuration_is_400_with_no_s3_call(capfd: pytest.CaptureFixture[str]) -> None:
    unreachable = S3Connector(S3Settings(endpoint_url="http://127.0.0.1:9", max_retries=0))
    response = handle({"source_bucket": "b"}, env={}, adapters=s3_adapters(unreachable))
    assert response["statusCode"] == 400
    assert response["error"] == "InvalidConfiguration"
    assert "checkpoint_bucket, checkpoint_key" in response["message"]


def test_an_error_answer_from_the_handler_is_an_alarm(capfd: pytest.CaptureFixture[str]) -> None:
    """A 4xx/5xx answer is no Lambda error for AWS: the RunFailed metric is what alarms."""
    response = lambda_handler({"source_bucket": "b", "prefix": "prod"}, LambdaContext())
    assert (response["statusCode"], response["error"]) == (400, "InvalidConfiguration")
    blobs = [json.loads(line) for line in capfd.readouterr().out.splitlines() if '"_aws"' in line]
    assert [blob["RunFailed"] for blob in blobs if "RunFailed" in blob] == [[1.0]]


def test_access_denied_on_listing_is_403_and_an_alarm(
    s3_settings: S3Settings, bucket: str, restricted_credentials: Any
) -> None:
    credentials = restricted_credentials.deny(["s3:ListBucket"])
    denied = S3Connector(s3_settings, credentials=credentials)
    response = handle(payload(bucket), adapters=s3_adapters(denied))
    assert response["statusCode"] == 403
    assert response["error"] == "SourceAccessDenied"
    assert "AccessDenied" in response["message"]


def test_access_denied_on_checkpoint_write_is_403_and_nothing_written(
    s3_settings: S3Settings,
    connector: S3Connector,
    bucket: str,
    s3_client: Any,
    restricted_credentials: Any,
) -> None:
    upload(connector.store(bucket), visits(2))
    credentials = restricted_credentials.deny(["s3:PutObject"])
    response = handle(payload(bucket), adapters=s3_adapters(S3Connector(s3_settings, credentials=credentials)))
    assert (response["statusCode"], response["error"]) == (403, "CheckpointAccessDenied")
    restricted_credentials.allow_all()
    assert "Contents" not in s3_client.list_objects_v2(Bucket=bucket, Prefix="checkpoints/")


def test_unreadable_checkpoint_is_500_and_left_as_is(connector: S3Connector, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    s3_client.put_object(Bucket=bucket, Key=CHECKPOINT_KEY, Body=b"garbage")
    upload(connector.store(bucket), visits(1))
    response = handle(payload(bucket), adapters=s3_adapters(connector))
    assert (response["statusCode"], response["error"]) == (500, "CheckpointUnreadable")
    assert response["details"]["checkpoint_path"] == f"s3://{bucket}/{CHECKPOINT_KEY}"
    assert s3_client.get_object(Bucket=bucket, Key=CHECKPOINT_KEY)["Body"].read() == b"garbage"


def test_anything_unexpected_is_a_500_response_not_a_traceback() -> None:
    broken = InMemoryObjectStore(broken=RuntimeError("boom"))

    def broken_adapters(config: RunConfig, _progress: Progress | None) -> RunAdapters:
        return RunAdapters(S3EventRetriever(broken), CheckpointStore(broken), FailureRecordStore(broken))

    response = handle(payload("b"), adapters=broken_adapters)
    assert (response["statusCode"], response["error"]) == (500, "CheckpointError")
    assert response["details"]["cause"] == "RuntimeError"


def test_a_run_near_its_timeout_defers_files_and_the_next_run_completes(
    connector: S3Connector, bucket: str, endpoint_env: str
) -> None:
    """The budget is the invocation's remaining time less the margin kept for merging and writing;
    a spent budget still fetches the first MIN_FILES_PER_RUN files, so runs always progress."""
    adapters.default_connector.cache_clear()
    upload(connector.store(bucket), visits(MIN_FILES_PER_RUN + 5))
    late = lambda_handler(payload(bucket), LambdaContext(remaining_ms=int(TIME_BUDGET_MARGIN_S * 1000)))
    assert (late["statusCode"], late["complete"], late["files_deferred"]) == (200, False, 5)
    assert late["files_fetched"] == late["new_events_processed"] == MIN_FILES_PER_RUN
    metrics.clear_metrics()
    done = lambda_handler(payload(bucket), LambdaContext())
    assert (done["complete"], done["files_deferred"], done["new_events_processed"]) == (True, 0, 5)
    assert done["total_events"] == MIN_FILES_PER_RUN + 5
    adapters.default_connector.cache_clear()


def test_a_dry_run_writes_nothing_and_emits_no_counts(
    connector: S3Connector, bucket: str, s3_client: Any, endpoint_env: str, capfd: pytest.CaptureFixture[str]
) -> None:
    adapters.default_connector.cache_clear()
    upload(connector.store(bucket), visits(3))
    response = lambda_handler({**payload(bucket), "dry_run": True}, LambdaContext())
    assert (response["statusCode"], response["dry_run"], response["new_events_processed"]) == (200, True, 3)
    assert response["would_write"] == [f"s3://{bucket}/{CHECKPOINT_KEY}"]
    assert "Contents" not in s3_client.list_objects_v2(Bucket=bucket, Prefix="checkpoints/")
    assert "NewEventsProcessed" not in capfd.readouterr().out
    real = lambda_handler(payload(bucket), LambdaContext())
    assert (real["new_events_processed"], real["checkpoint_written"]) == (3, True)
    assert emf_metrics(capfd.readouterr().out)["NewEventsProcessed"] == [3.0]
    adapters.default_connector.cache_clear()
