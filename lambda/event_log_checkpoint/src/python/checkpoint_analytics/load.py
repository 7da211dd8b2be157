"""Open a checkpoint, local or on S3, as a lazy frame with the checkpoint's exact schema."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from checkpoint_analytics.errors import CheckpointNotFound, CheckpointUnreachable, NotACheckpoint
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.domain.schema import schema_problems
from checkpoint_lambda.errors import CheckpointAccessDenied, CheckpointError

S3_SCHEME = "s3://"


def load_checkpoint(location: str, connector: S3Connector | None = None) -> pl.LazyFrame:
    """`s3://bucket/key` (fetched whole through the project's S3 access) or a local path; scanned lazily.

    Raises CheckpointNotFound when nothing is there, CheckpointUnreachable when S3 refuses
    or fails, and NotACheckpoint when the file is not parquet or its columns differ from
    `CHECKPOINT_SCHEMA`. `connector` defaults to
    one built from the environment (AWS_ENDPOINT_URL, AWS_REGION, boto3's credentials).
    """
    try:
        frame = _read_s3(location, connector) if location.startswith(S3_SCHEME) else _scan_local(Path(location))
        schema = frame.collect_schema()
    except pl.exceptions.ComputeError as exc:
        raise NotACheckpoint(f"{location} is not a readable parquet file: {exc}") from exc
    require_checkpoint_schema(schema, location)
    return frame


def require_checkpoint_schema(schema: pl.Schema, location: str) -> None:
    """The checkpoint's column names and types, in any order (the rule the Lambda applies too)."""
    problems = schema_problems(schema)
    if problems:
        raise NotACheckpoint(f"{location} is not a checkpoint: " + "; ".join(problems))


def split_s3_url(location: str) -> tuple[str, str]:
    """`s3://bucket/key` → (bucket, key)."""
    bucket, _, key = location.removeprefix(S3_SCHEME).partition("/")
    if not bucket or not key or key.endswith("/"):
        raise CheckpointNotFound(f"{location} does not name an object (expected s3://bucket/key)")
    return bucket, key


def _read_s3(location: str, connector: S3Connector | None) -> pl.LazyFrame:
    bucket, key = split_s3_url(location)
    connector = connector or S3Connector(S3Settings.from_env())
    try:
        found = S3ObjectStore(connector, bucket, access_denied=CheckpointAccessDenied).read(key)
    except CheckpointError as exc:
        raise CheckpointUnreachable(f"cannot read {location}: {exc}") from exc
    if found is None:
        raise CheckpointNotFound(f"no checkpoint at {location}")
    # Scanned, not read: a report decodes only the columns and rows it asks for.
    return pl.scan_parquet(io.BytesIO(found.data))


def _scan_local(path: Path) -> pl.LazyFrame:
    if not path.is_file():
        raise CheckpointNotFound(f"no checkpoint file at {path}")
    return pl.scan_parquet(path)
