"""Open a checkpoint, local or on S3, as a lazy frame with the checkpoint's exact schema."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from obstore.exceptions import BaseError

from checkpoint_analytics.errors import CheckpointNotFound, CheckpointUnreachable, NotACheckpoint
from checkpoint_lambda.checkpoint import CHECKPOINT_SCHEMA
from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.object_store import S3Connector, describe_error, read_versioned

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
    """Same column names and types as `CHECKPOINT_SCHEMA` (column order does not matter here)."""
    if dict(schema) == dict(CHECKPOINT_SCHEMA):
        return
    missing = [name for name in CHECKPOINT_SCHEMA.names() if name not in schema]
    extra = [name for name in schema.names() if name not in CHECKPOINT_SCHEMA]
    problems = [
        f"{name} is {schema[name]} (expected {CHECKPOINT_SCHEMA[name]})"
        for name in CHECKPOINT_SCHEMA.names()
        if name in schema and schema[name] != CHECKPOINT_SCHEMA[name]
    ]
    if missing:
        problems.insert(0, "missing columns: " + ", ".join(missing))
    if extra:
        problems.append("unexpected columns: " + ", ".join(extra))
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
        found = read_versioned(connector.store(bucket), key)
    except BaseError as exc:
        raise CheckpointUnreachable(f"cannot read {location}: {describe_error(exc)}") from exc
    if found is None:
        raise CheckpointNotFound(f"no checkpoint at {location}")
    # Scanned, not read: a report decodes only the columns and rows it asks for.
    return pl.scan_parquet(io.BytesIO(found.data))


def _scan_local(path: Path) -> pl.LazyFrame:
    if not path.is_file():
        raise CheckpointNotFound(f"no checkpoint file at {path}")
    return pl.scan_parquet(path)
