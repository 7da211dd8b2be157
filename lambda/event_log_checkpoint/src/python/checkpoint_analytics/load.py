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
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, schema_problems


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
    """The checkpoint's column names and types, in any order (the rule the Lambda applies too)."""
    problems = schema_problems(schema)
    if problems:
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
