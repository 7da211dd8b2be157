"""Open a checkpoint as one lazy frame with the checkpoint's exact schema.

A location is one object (`s3://bucket/key`, or a local file) or a template
(`s3://bucket/prod/checkpoints/{study}/{datatype}/events.parquet`, or a local path with
the same braces): then every group file under it, or those of one study and/or datatype.
"""

from __future__ import annotations

import polars as pl

from checkpoint_analytics.errors import CheckpointNotFound, NotACheckpoint
from checkpoint_analytics.groups import group_files, is_template
from checkpoint_analytics.storage import scan_parquet
from checkpoint_lambda.checkpoint import CHECKPOINT_SCHEMA
from checkpoint_lambda.object_store import S3Connector


def load_checkpoint(
    location: str, connector: S3Connector | None = None, *, study: str | None = None, datatype: str | None = None
) -> pl.LazyFrame:
    """The checkpoint's rows, scanned lazily, optionally only one study's and/or one datatype's.

    Raises CheckpointNotFound when nothing is there (no object, or no group file matches),
    CheckpointUnreachable when S3 refuses or fails, NotACheckpoint when a file is not parquet
    or its columns differ from `CHECKPOINT_SCHEMA` (naming the file), InvalidLocation for
    a malformed template. `connector` defaults to one built from the environment.
    """
    if is_template(location):
        frames = [
            _checked(group.location, connector)
            for group in group_files(location, connector, study and study.lower(), datatype)
        ]
        if not frames:
            wanted = ", ".join(f"{k}={v}" for k, v in (("study", study), ("datatype", datatype)) if v is not None)
            raise CheckpointNotFound(f"no group file matches {location}" + (f" with {wanted}" if wanted else ""))
        frame = pl.concat(frames, how="vertical")
    else:
        frame = _checked(location, connector)
    return _only(frame, study, datatype)


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


def _checked(location: str, connector: S3Connector | None) -> pl.LazyFrame:
    """One file scanned, its schema checked, its columns in the checkpoint's order (so groups concatenate)."""
    frame = scan_parquet(location, connector)
    try:
        schema = frame.collect_schema()
    except pl.exceptions.ComputeError as exc:
        raise NotACheckpoint(f"{location} is not a readable parquet file: {exc}") from exc
    require_checkpoint_schema(schema, location)
    return frame.select(CHECKPOINT_SCHEMA.names())


def _only(frame: pl.LazyFrame, study: str | None, datatype: str | None) -> pl.LazyFrame:
    """Rows of `study` (compared in lower case, as the checkpoint stores it) and `datatype`, when given."""
    if study is not None:
        frame = frame.filter(pl.col("study") == study.lower())
    if datatype is not None:
        frame = frame.filter(pl.col("datatype") == datatype)
    return frame
