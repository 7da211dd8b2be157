"""The event path end to end on moto's server: SQS batches of S3 notifications ingest exactly
the named files, agree with the scheduled run, and report back what SQS must deliver again."""

from __future__ import annotations

import io
import json
import threading
from typing import Any
from urllib.parse import quote_plus

import polars as pl
import pytest

from builders import event_file, visits
from checkpoint_devtools.local_s3 import upload
from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.entrypoints import adapters
from checkpoint_lambda.entrypoints.adapters import s3_adapters
from checkpoint_lambda.entrypoints.lambda_function import handle, is_sqs_event, lambda_handler
from checkpoint_lambda.entrypoints.sqs_batch import handle_sqs_batch
from checkpoint_lambda.event_ingestion import BatchOutcome
from conftest import RestrictedCredentials
from lambda_context import LambdaContext

KEY = "checkpoints/events/checkpoint.parquet"
TEMPLATE = "checkpoints/{study}/{datatype}/events.parquet"


def env_of(bucket: str, **changes: str) -> dict[str, str]:
    return {
        "SOURCE_BUCKET": bucket,
        "SOURCE_PREFIX": "prod/",
        "CHECKPOINT_BUCKET": bucket,
        "CHECKPOINT_KEY": KEY,
    } | changes


def s3_message(bucket: str, key: str, etag: str = "0" * 32) -> str:
    record = {
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key), "eTag": etag.strip('"'), "size": 500}},
    }
    return json.dumps({"Records": [record]})


def eventbridge_message(bucket: str, key: str, etag: str = "0" * 32) -> str:
    detail = {"bucket": {"name": bucket}, "object": {"key": key, "etag": etag.strip('"'), "size": 500}}
    return json.dumps({"version": "0", "source": "aws.s3", "detail-type": "Object Created", "detail": detail})


def sqs_event(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": body, "eventSource": "aws:sqs", "attributes": {}}
            for i, body in enumerate(bodies)
        ]
    }


def ingest(bodies: list[str], bucket: str, connector: S3Connector, **env: str) -> tuple[dict[str, Any], BatchOutcome]:
    response, outcome = handle_sqs_batch(
        sqs_event(bodies), None, env=env_of(bucket, **env), adapters=s3_adapters(connector)
    )
    assert outcome is not None
    return response, outcome


def rows(s3_client: Any, bucket: str, key: str = KEY) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()))


def put(s3_client: Any, bucket: str, file: LogFile) -> str:
    return str(s3_client.put_object(Bucket=bucket, Key=file.key, Body=file.body)["ETag"])


def test_both_message_shapes_and_the_test_event_ingest_exactly_the_named_files(
    connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    files = visits(4)
    etags = [put(s3_client, bucket, f) for f in files]
    bodies = [
        s3_message(bucket, files[0].key, etags[0]),
        eventbridge_message(bucket, files[1].key, etags[1]),
        json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": bucket}),
        s3_message(bucket, "prod/readme.txt"),
    ]
    response, outcome = ingest(bodies, bucket, connector)
    assert response == {"batchItemFailures": []}
    assert (outcome.files_fetched, outcome.new_events) == (2, 2)
    assert set(rows(s3_client, bucket)["source_key"]) == {files[0].key, files[1].key}


def test_url_encoded_keys_with_spaces_and_plus_are_decoded(connector: S3Connector, bucket: str, s3_client: Any) -> None:
    odd = [
        LogFile("prod/with space/" + visits(1)[0].key.rpartition("/")[2], visits(1)[0].body),
        LogFile("prod/a+b/" + visits(1, start=1)[0].key.rpartition("/")[2], visits(1, start=1)[0].body),
    ]
    etags = [put(s3_client, bucket, f) for f in odd]
    response, _outcome = ingest(
        [s3_message(bucket, f.key, e) for f, e in zip(odd, etags, strict=True)], bucket, connector
    )
    assert response["batchItemFailures"] == []
    assert set(rows(s3_client, bucket)["source_key"]) == {f.key for f in odd}


def test_duplicate_and_reordered_deliveries_are_no_ops(connector: S3Connector, bucket: str, s3_client: Any) -> None:
    files = visits(3)
    bodies = [s3_message(bucket, f.key, put(s3_client, bucket, f)) for f in files]
    ingest(bodies, bucket, connector)
    before = s3_client.head_object(Bucket=bucket, Key=KEY)["ETag"]
    _, again = ingest(list(reversed(bodies)) + bodies, bucket, connector)
    assert (again.files_fetched, again.already_held, again.new_events) == (0, 3, 0)
    assert s3_client.head_object(Bucket=bucket, Key=KEY)["ETag"] == before
    assert rows(s3_client, bucket).height == 3


def test_a_rewrite_between_notification_and_get_records_the_version_read(
    connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    first = event_file(ptid="R1", packet="I")
    old = put(s3_client, bucket, first)
    new = put(s3_client, bucket, LogFile(first.key, event_file(ptid="R1", packet="F").body))
    ingest([s3_message(bucket, first.key, old)], bucket, connector)
    held = rows(s3_client, bucket)
    assert held["source_etag"].to_list() == [new]
    assert held["packet"].to_list() == ["F"]
    _, late = ingest([s3_message(bucket, first.key, new)], bucket, connector)
    assert (late.files_fetched, late.new_events) == (0, 0)


def test_a_denied_key_is_a_batch_item_failure_and_the_others_are_written(
    s3_settings: Any, bucket: str, s3_client: Any, restricted_credentials: RestrictedCredentials
) -> None:
    files = visits(3)
    bodies = [s3_message(bucket, f.key, put(s3_client, bucket, f)) for f in files]
    keys = restricted_credentials.deny(["s3:GetObject"], (f"arn:aws:s3:::{bucket}/{files[1].key}",))
    response, outcome = ingest(bodies, bucket, S3Connector(s3_settings, keys))
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert outcome.unread == {files[1].key}
    restricted_credentials.allow_all()
    assert set(rows(s3_client, bucket)["source_key"]) == {files[0].key, files[2].key}


def test_a_message_that_is_no_s3_event_goes_back_to_the_queue(connector: S3Connector, bucket: str) -> None:
    response, _ = ingest(["not json", s3_message(bucket, "prod/x.txt")], bucket, connector)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert is_sqs_event(sqs_event(["{}"]))
    assert not is_sqs_event({"source": "aws.events"})


def test_two_concurrent_batches_and_a_scheduled_run_lose_nothing_and_double_nothing(
    connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    files = visits(30)
    bodies = [s3_message(bucket, f.key, put(s3_client, bucket, f)) for f in files]
    halves = [bodies[:20], bodies[10:]]  # overlapping: ten files named by both batches
    barrier = threading.Barrier(3)
    results: list[Any] = []

    def batch(part: list[str]) -> None:
        barrier.wait()
        results.append(ingest(part, bucket, connector)[0])

    def scheduled() -> None:
        barrier.wait()
        results.append(handle({}, env=env_of(bucket), adapters=s3_adapters(connector)))

    threads = [threading.Thread(target=batch, args=(h,)) for h in halves] + [threading.Thread(target=scheduled)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3
    held = rows(s3_client, bucket)
    assert held.height == 30
    assert held.select("source_key", "source_etag").n_unique() == 30


def test_a_batch_touching_three_groups_rewrites_three_objects(
    connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    files = [
        event_file(ptid="G1", study="adrc"),
        event_file(ptid="G2", study="dvcid"),
        event_file(ptid="G3", study="leads"),
    ]
    bodies = [s3_message(bucket, f.key, put(s3_client, bucket, f)) for f in files]
    _, outcome = ingest(bodies, bucket, connector, CHECKPOINT_KEY="", CHECKPOINT_KEY_TEMPLATE=TEMPLATE)
    assert outcome.checkpoints_written == 3
    listed = s3_client.list_objects_v2(Bucket=bucket, Prefix="checkpoints/")["Contents"]
    assert sorted(o["Key"] for o in listed) == [
        "checkpoints/adrc/form/events.parquet",
        "checkpoints/dvcid/form/events.parquet",
        "checkpoints/leads/form/events.parquet",
    ]


@pytest.mark.parametrize("event_ingestion", ["on", "off"])
def test_the_backstop_reports_what_the_events_missed_only_when_the_event_path_is_on(
    connector: S3Connector, bucket: str, event_ingestion: str
) -> None:
    upload(connector.store(bucket), visits(3))
    env = env_of(bucket, EVENT_INGESTION=event_ingestion)
    response = handle({}, env=env, adapters=s3_adapters(connector))
    assert response["files_fetched"] == 3
    # Files written a moment ago may still be on their way through the queue: not counted as missed.
    assert response.get("files_missed_by_events") == (0 if event_ingestion == "on" else None)


def test_the_lambda_handler_takes_an_sqs_batch_and_emits_its_metrics(
    connector: S3Connector,
    bucket: str,
    s3_client: Any,
    endpoint_env: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    for name, value in env_of(bucket).items():
        monkeypatch.setenv(name, value)
    adapters.default_connector.cache_clear()
    files = visits(2)
    bodies = [s3_message(bucket, f.key, put(s3_client, bucket, f)) for f in files] + ["not an S3 event"]
    response = lambda_handler(sqs_event(bodies), LambdaContext())
    adapters.default_connector.cache_clear()
    assert response == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    blobs = [json.loads(line) for line in capfd.readouterr().out.splitlines() if '"_aws"' in line]
    batch = next(blob for blob in blobs if "EventFilesIngested" in blob)
    assert (batch["EventFilesIngested"], batch["NewEventsProcessed"], batch["EventBatchItemFailures"]) == (
        [2.0],
        [2.0],
        [1.0],
    )
