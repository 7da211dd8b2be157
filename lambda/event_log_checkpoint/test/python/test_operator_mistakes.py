"""Configuration mistakes an operator makes, end to end on moto's server: each is a clear
error before any event file is fetched, and none widens what a run reads or writes."""

from __future__ import annotations

from typing import Any

import pytest

from builders import visits
from checkpoint_devtools.local_s3 import upload
from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore
from checkpoint_lambda.adapters.event_retriever import S3EventRetriever
from checkpoint_lambda.adapters.failure_record_store import FailureRecordStore
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.layout import SingleObject
from checkpoint_lambda.entrypoints.adapters import s3_adapters
from checkpoint_lambda.entrypoints.lambda_function import handle
from checkpoint_lambda.errors import CheckpointBucketMissing
from checkpoint_lambda.service import RunAdapters, run_checkpoint
from fakes import InMemoryObjectStore

KEY = "checkpoints/events/checkpoint.parquet"
TEMPLATE = "checkpoints/{study}/{datatype}/events.parquet"


def payload(bucket: str, **changes: Any) -> dict[str, Any]:
    return {"source_bucket": bucket, "prefix": "prod/", "checkpoint_bucket": bucket, "checkpoint_key": KEY, **changes}


@pytest.mark.parametrize(
    "location", [{"checkpoint_key": KEY}, {"checkpoint_key": None, "checkpoint_key_template": TEMPLATE}]
)
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_checkpoint_bucket_that_does_not_exist_is_404_not_a_lost_race(
    connector: S3Connector, bucket: str, location: dict[str, Any], dry_run: bool
) -> None:
    upload(connector.store(bucket), visits(3))
    event = {
        k: v
        for k, v in payload(bucket, checkpoint_bucket=f"{bucket}-typo", dry_run=dry_run, **location).items()
        if v is not None
    }
    response = handle(event, env={}, adapters=s3_adapters(connector))
    assert (response["statusCode"], response["error"]) == (404, "CheckpointBucketMissing")
    assert f"{bucket}-typo" in response["message"]
    assert "does not exist" in response["message"]


def test_a_missing_checkpoint_bucket_stops_the_run_before_any_event_file_is_fetched() -> None:
    source = InMemoryObjectStore(bucket="log")
    for file in visits(5):
        source.put(file.key, file.body)
    target = InMemoryObjectStore(bucket="typo", bucket_missing=True, missing=CheckpointBucketMissing)
    adapters = RunAdapters(S3EventRetriever(source), CheckpointStore(target), FailureRecordStore(target))
    with pytest.raises(CheckpointBucketMissing):
        run_checkpoint(RunConfig("log", "prod/", "typo", SingleObject(KEY)), adapters)
    assert source.requests["fetch"] == 0


def test_a_source_bucket_that_does_not_exist_is_404(connector: S3Connector, bucket: str) -> None:
    response = handle(payload(bucket, source_bucket=f"{bucket}-typo"), env={}, adapters=s3_adapters(connector))
    assert (response["statusCode"], response["error"]) == (404, "SourceBucketMissing")


def test_a_prefix_without_its_slash_is_refused_with_the_fix(
    connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    upload(connector.store(bucket), visits(2))
    response = handle(payload(bucket, prefix="prod"), env={}, adapters=s3_adapters(connector))
    assert (response["statusCode"], response["error"]) == (400, "InvalidConfiguration")
    assert "use 'prod/'" in response["message"]
    assert "Contents" not in s3_client.list_objects_v2(Bucket=bucket, Prefix="checkpoints/")


def test_a_misspelt_variable_is_refused_rather_than_widening_the_run(connector: S3Connector, bucket: str) -> None:
    env = {"SOURCE_BUCKET": bucket, "SOURCE_PREFX": "prod/", "CHECKPOINT_BUCKET": bucket, "CHECKPOINT_KEY": KEY}
    response = handle({}, env=env, adapters=s3_adapters(connector))
    assert (response["statusCode"], response["error"]) == (400, "InvalidConfiguration")
    assert "SOURCE_PREFX" in response["message"]
    assert "SOURCE_PREFIX" in response["message"]


def test_a_template_given_as_the_key_points_to_the_template_option(connector: S3Connector, bucket: str) -> None:
    response = handle(
        payload(bucket, checkpoint_key="mistake/{study}/{datatype}/events.parquet"),
        env={},
        adapters=s3_adapters(connector),
    )
    assert (response["statusCode"], response["error"]) == (400, "InvalidConfiguration")
    assert "checkpoint_key_template" in response["message"]
