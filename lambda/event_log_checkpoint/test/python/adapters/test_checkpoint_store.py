"""CheckpointStore against moto's server: parquet round trip, absence, unreadable objects."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import sourced
from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.events import SourcedEvent
from checkpoint_lambda.errors import CheckpointAccessDenied, CheckpointUnreadable, PreconditionFailed
from profiles import examples
from strategies import distinct_versions, sourced_events

KEY = "checkpoints/events/checkpoint.parquet"


def checkpoints(connector: S3Connector, bucket: str) -> CheckpointStore:
    return CheckpointStore(S3ObjectStore(connector, bucket, CheckpointAccessDenied))


def test_absent_checkpoint_loads_empty_with_no_etag(connector: S3Connector, bucket: str) -> None:
    store = checkpoints(connector, bucket)
    loaded = store.load(KEY)
    assert loaded.checkpoint().row_count == 0
    assert loaded.etag is None


@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(sourced_events(), max_size=20))
def test_parquet_round_trip(connector: S3Connector, bucket: str, events: list[SourcedEvent]) -> None:
    store = checkpoints(connector, bucket)
    checkpoint = Checkpoint.from_events(distinct_versions(events))
    previous = store.load(KEY).etag
    saved = store.save(KEY, checkpoint, previous)
    loaded = store.load(KEY)
    assert loaded.etag == saved.etag
    assert loaded.checkpoint().dataframe.equals(checkpoint.dataframe)
    assert loaded.size_bytes == saved.size_bytes > 0


def test_parquet_is_compressed_and_typed(connector: S3Connector, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    checkpoints(connector, bucket).save(KEY, Checkpoint.empty(), None)
    data = s3_client.get_object(Bucket=bucket, Key=KEY)["Body"].read()
    metadata = pl.read_parquet_metadata(io.BytesIO(data))
    assert isinstance(metadata, dict)
    assert pl.read_parquet_schema(io.BytesIO(data))["timestamp"] == pl.Datetime("us", "UTC")


def test_writes_are_conditional(connector: S3Connector, bucket: str) -> None:
    store = checkpoints(connector, bucket)
    first = store.save(KEY, Checkpoint.empty(), None)
    with pytest.raises(PreconditionFailed):
        store.save(KEY, Checkpoint.empty(), None)  # If-None-Match: * on an existing object
    one_row = Checkpoint.from_events([sourced("k1")])
    second = store.save(KEY, one_row, first.etag)
    assert second.etag != first.etag
    with pytest.raises(PreconditionFailed):
        store.save(KEY, Checkpoint.empty(), first.etag)  # stale If-Match
    assert store.load(KEY).checkpoint().row_count == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"PAR1 this is not parquet", "not a readable parquet file"),
        (b"", "not a readable parquet file"),
    ],
)
def test_unreadable_object_is_an_error_not_an_empty_checkpoint(
    connector: S3Connector,
    bucket: str,
    s3_client: Any,
    body: bytes,
    message: str,
) -> None:
    s3_client.put_object(Bucket=bucket, Key=KEY, Body=body)
    with pytest.raises(CheckpointUnreadable, match=message):
        checkpoints(connector, bucket).load(KEY)


def test_foreign_parquet_is_an_error(connector: S3Connector, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    pl.DataFrame({"visit": [1, 2]}).write_parquet(buffer)
    s3_client.put_object(Bucket=bucket, Key=KEY, Body=buffer.getvalue())
    with pytest.raises(CheckpointUnreadable, match="missing columns"):
        checkpoints(connector, bucket).load(KEY)
