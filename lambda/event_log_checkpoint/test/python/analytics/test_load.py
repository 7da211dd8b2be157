"""Opening a checkpoint: a local path or s3://bucket/key (moto's server), and refusing what is not one."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from analytics.samples import sample_checkpoint
from checkpoint_analytics.errors import CheckpointNotFound, CheckpointUnreachable, NotACheckpoint
from checkpoint_analytics.load import load_checkpoint
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import S3Settings


def test_a_local_checkpoint_is_scanned_with_its_schema(tmp_path: Path) -> None:
    frame = sample_checkpoint()
    path = tmp_path / "checkpoint.parquet"
    frame.write_parquet(path)
    loaded = load_checkpoint(str(path))
    assert isinstance(loaded, pl.LazyFrame)
    assert loaded.collect().equals(frame)


def test_a_checkpoint_on_s3_is_read_through_the_connector(connector: S3Connector, s3_client, bucket: str) -> None:  # type: ignore[no-untyped-def]
    frame = sample_checkpoint()
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    s3_client.put_object(Bucket=bucket, Key="prod/events/checkpoint.parquet", Body=buffer.getvalue())
    loaded = load_checkpoint(f"s3://{bucket}/prod/events/checkpoint.parquet", connector)
    assert loaded.collect().equals(frame)


def test_a_missing_s3_object_is_not_found(connector: S3Connector, bucket: str) -> None:
    with pytest.raises(CheckpointNotFound, match="no checkpoint at"):
        load_checkpoint(f"s3://{bucket}/nothing/here.parquet", connector)


@pytest.mark.parametrize("location", ["s3://bucket-only", "s3://bucket/folder/"])
def test_an_s3_location_must_name_an_object(location: str) -> None:
    with pytest.raises(CheckpointNotFound, match="does not name an object"):
        load_checkpoint(location)


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(CheckpointNotFound):
        load_checkpoint(str(tmp_path / "absent.parquet"))


def test_a_file_that_is_not_parquet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.parquet"
    path.write_text("not parquet")
    with pytest.raises(NotACheckpoint, match="not a readable parquet file"):
        load_checkpoint(str(path))


def test_other_columns_are_refused_with_what_differs(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.parquet"
    frame = sample_checkpoint().drop("source_etag").with_columns(pl.col("visit_date").cast(pl.String), extra=pl.lit(1))
    frame.write_parquet(path)
    with pytest.raises(NotACheckpoint) as raised:
        load_checkpoint(str(path))
    message = str(raised.value)
    assert "missing columns: source_etag" in message
    assert "visit_date is String" in message
    assert "unexpected columns: extra" in message


def test_an_unreachable_s3_endpoint_is_reported_not_raised_raw() -> None:
    closed_port = S3Settings(endpoint_url="http://127.0.0.1:9", max_retries=0, retry_timeout_s=1, connect_timeout_s=1)
    with pytest.raises(CheckpointUnreachable, match=r"cannot read s3://bucket/checkpoint\.parquet"):
        load_checkpoint("s3://bucket/checkpoint.parquet", S3Connector(closed_port))


def test_groups_with_and_without_extra_fields_load_together_with_the_checkpoint_schema(tmp_path: Path) -> None:
    """A group that gained the optional `extra_fields` column and one written without it read as one table."""
    frame = sample_checkpoint(visits=10)
    plain, extended = frame.head(5), frame.tail(frame.height - 5)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain.write_parquet(tmp_path / "a" / "events.parquet")
    extended.with_columns(pl.lit('{"note":"n"}').alias("extra_fields")).write_parquet(tmp_path / "b" / "events.parquet")
    for name in ("a", "b"):
        assert load_checkpoint(str(tmp_path / name / "events.parquet")).collect().schema == frame.schema
    both = pl.concat([load_checkpoint(str(tmp_path / n / "events.parquet")) for n in ("a", "b")]).collect()
    assert both.equals(frame)
