"""Reference-format trees for `compare` tests: the reference implementation's 13 columns, one file per group."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

from checkpoint_analytics.reference import REFERENCE_SCHEMA
from checkpoint_analytics.versions import current_events

REFERENCE_PREFIX = "prod/checkpoints/"


def as_reference(checkpoint: pl.DataFrame) -> pl.DataFrame:
    """A checkpoint's current events as the reference stores them: 13 columns, Int32 adcid, string visit_date."""
    current = current_events(checkpoint.lazy()).collect()
    return current.select(REFERENCE_SCHEMA.names()).with_columns(
        pl.col("pipeline_adcid").cast(pl.Int32), pl.col("visit_date").dt.strftime("%Y-%m-%d")
    )


def reference_groups(reference: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Relative path `STUDY/datatype/events.parquet` (study as given) → that group's rows."""
    return {
        f"{study}/{datatype}/events.parquet": part
        for (study, datatype), part in reference.group_by(["study", "datatype"], maintain_order=True)
    }


def write_local_reference(reference: pl.DataFrame, root: Path) -> str:
    for relative, part in reference_groups(reference).items():
        path = root / REFERENCE_PREFIX / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        part.write_parquet(path)
    return str(root / REFERENCE_PREFIX)


def write_s3_reference(reference: pl.DataFrame, s3_client: Any, bucket: str) -> str:
    for relative, part in reference_groups(reference).items():
        buffer = io.BytesIO()
        part.write_parquet(buffer)
        s3_client.put_object(Bucket=bucket, Key=REFERENCE_PREFIX + relative, Body=buffer.getvalue())
    return f"s3://{bucket}/{REFERENCE_PREFIX}"
