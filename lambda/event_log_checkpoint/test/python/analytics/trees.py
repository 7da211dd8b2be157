"""Checkpoints in the per-group layout, built from one frame: a local tree or objects on S3."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

REFERENCE_SHAPE = "checkpoints/{study}/{datatype}/events.parquet"
HIVE_SHAPE = "checkpoints/study={study}/datatype={datatype}/events.parquet"


def split_by_group(frame: pl.DataFrame) -> dict[tuple[str, str], pl.DataFrame]:
    """The rows of each (study, datatype), in their order."""
    return {
        (str(study), str(datatype)): part
        for (study, datatype), part in frame.group_by(["study", "datatype"], maintain_order=True)
    }


def write_local_tree(frame: pl.DataFrame, root: Path, shape: str = REFERENCE_SHAPE) -> str:
    """One parquet file per group under `root`; returns the template location that names them."""
    for (study, datatype), part in split_by_group(frame).items():
        path = root / shape.format(study=study, datatype=datatype)
        path.parent.mkdir(parents=True, exist_ok=True)
        part.write_parquet(path)
    return str(root / shape)


def write_s3_tree(frame: pl.DataFrame, s3_client: Any, bucket: str, shape: str = REFERENCE_SHAPE) -> str:
    """One object per group in `bucket`; returns the `s3://` template location."""
    for (study, datatype), part in split_by_group(frame).items():
        buffer = io.BytesIO()
        part.write_parquet(buffer)
        s3_client.put_object(Bucket=bucket, Key=shape.format(study=study, datatype=datatype), Body=buffer.getvalue())
    return f"s3://{bucket}/{shape}"
