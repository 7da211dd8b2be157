"""Where analytics reads parquet from: an `s3://bucket/key` object or a local file, and what lies under a prefix.

All S3 access goes through the project's S3 adapter (one connector: endpoint, region,
credentials and retries from the environment unless one is given).
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from checkpoint_analytics.errors import CheckpointNotFound, CheckpointUnreachable
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.errors import CheckpointAccessDenied, CheckpointError

S3_SCHEME = "s3://"


def is_s3(location: str) -> bool:
    return location.startswith(S3_SCHEME)


def split_s3_url(location: str) -> tuple[str, str]:
    """`s3://bucket/key` → (bucket, key); the key may be a prefix (or empty)."""
    bucket, _, key = location.removeprefix(S3_SCHEME).partition("/")
    if not bucket:
        raise CheckpointNotFound(f"{location} names no bucket (expected s3://bucket/key)")
    return bucket, key


def bucket_store(bucket: str, connector: S3Connector | None) -> S3ObjectStore:
    """The project's S3 adapter for `bucket` (connector from the environment unless given)."""
    return S3ObjectStore(connector or S3Connector(S3Settings.from_env()), bucket, access_denied=CheckpointAccessDenied)


def scan_parquet(location: str, connector: S3Connector | None) -> pl.LazyFrame:
    """A lazy scan of one parquet object or file; CheckpointNotFound when nothing is there.

    An S3 object is fetched whole (one GET) and scanned from memory, so a report still
    decodes only the columns and rows it asks for.
    """
    if not is_s3(location):
        path = Path(location)
        if not path.is_file():
            raise CheckpointNotFound(f"no checkpoint file at {path}")
        return pl.scan_parquet(path)
    bucket, key = split_s3_url(location)
    if not key or key.endswith("/"):
        raise CheckpointNotFound(f"{location} does not name an object (expected s3://bucket/key)")
    try:
        found = bucket_store(bucket, connector).read(key)
    except CheckpointError as exc:
        raise CheckpointUnreachable(f"cannot read {location}: {exc}") from exc
    if found is None:
        raise CheckpointNotFound(f"no checkpoint at {location}")
    return pl.scan_parquet(io.BytesIO(found.data))


def list_under(prefix: str, connector: S3Connector | None) -> list[str]:
    """Every object (`s3://…`) or file (local path) whose name starts with `prefix`, sorted.

    A local prefix is a folder (everything under it, at any depth) or the start of names in one.
    """
    if is_s3(prefix):
        bucket, key_prefix = split_s3_url(prefix)
        try:
            keys = [info.key for info in bucket_store(bucket, connector).list_objects(key_prefix)]
        except CheckpointError as exc:
            raise CheckpointUnreachable(f"cannot list {prefix}: {exc}") from exc
        return sorted(f"{S3_SCHEME}{bucket}/{key}" for key in keys)
    path = Path(prefix)
    folder, start = (path, "") if path.is_dir() else (path.parent, path.name)
    if not folder.is_dir():
        return []
    found = (p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix().startswith(start))
    return sorted(str(p) for p in found)
