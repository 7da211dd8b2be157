"""The reference implementation's per-group checkpoint files: found, schema-checked, read as event identities.

Its files have 13 columns (no source columns), `pipeline_adcid` as Int32, `visit_date` as
a `YYYY-MM-DD` string, and study in the case the event gave it (`DVCID` beside `dvcid`).
`timestamp` may be stored in any unit (s, ms, µs, ns) and any time zone: it is converted to
µs in UTC before matching (sub-microsecond digits are dropped, as the checkpoint has none).
A timestamp without a time zone is refused: which instant it means cannot be known.
"""

from __future__ import annotations

import polars as pl

from checkpoint_analytics.errors import CheckpointNotFound, ForeignReference
from checkpoint_analytics.groups import group_files, is_template
from checkpoint_analytics.storage import is_s3, list_under, scan_parquet
from checkpoint_lambda.adapters.s3 import S3Connector

REFERENCE_SCHEMA = pl.Schema(
    [
        ("action", pl.String()),
        ("study", pl.String()),
        ("pipeline_adcid", pl.Int32()),
        ("project_label", pl.String()),
        ("center_label", pl.String()),
        ("gear_name", pl.String()),
        ("ptid", pl.String()),
        ("visit_date", pl.String()),
        ("visit_number", pl.String()),
        ("datatype", pl.String()),
        ("module", pl.String()),
        ("packet", pl.String()),
        ("timestamp", pl.Datetime("us", "UTC")),
    ]
)
TIMESTAMP = "timestamp"
#: Where each reference row came from, so an operator can find it.
FILE_COLUMN = "reference_file"


def reference_files(location: str, connector: S3Connector | None) -> list[str]:
    """Every `.parquet` under a prefix (`s3://B/prod/checkpoints/` or a folder), or the files of a template."""
    if is_template(location):
        files = [group.location for group in group_files(location, connector)]
    else:
        prefix = location if location.endswith("/") or not is_s3(location) else location + "/"
        files = [name for name in list_under(prefix, connector) if name.endswith(".parquet")]
    if not files:
        raise CheckpointNotFound(f"no reference files (*.parquet) under {location}")
    return files


def read_reference(location: str, connector: S3Connector | None = None) -> tuple[pl.DataFrame, int]:
    """Every reference row, typed like the checkpoint (Int64 adcid, Date visit_date), with its file; the file count."""
    files = reference_files(location, connector)
    return pl.concat([_read_one(name, connector) for name in files], how="vertical"), len(files)


def require_reference_schema(schema: pl.Schema, name: str) -> None:
    """The 13 reference columns with their types; otherwise ForeignReference naming the file and each column."""
    problems = [
        f"column {column} is missing (expected {dtype})"
        for column, dtype in REFERENCE_SCHEMA.items()
        if column not in schema
    ]
    problems += [
        f"column {column} is {schema[column]} (expected {_expected(column)})"
        for column, dtype in REFERENCE_SCHEMA.items()
        if column in schema and schema[column] != dtype and not _zoned_instant(column, schema[column])
    ]
    problems += [
        f"column {column} is not a reference column" for column in schema.names() if column not in REFERENCE_SCHEMA
    ]
    if problems:
        raise ForeignReference(f"{name} is not a reference checkpoint file: " + "; ".join(problems))


def _read_one(name: str, connector: S3Connector | None) -> pl.DataFrame:
    frame = scan_parquet(name, connector)
    try:
        schema = frame.collect_schema()
    except pl.exceptions.ComputeError as exc:
        raise ForeignReference(f"{name} is not a readable parquet file: {exc}") from exc
    require_reference_schema(schema, name)
    rows = frame.select(REFERENCE_SCHEMA.names()).collect()
    dates = rows.get_column("visit_date").str.to_date("%Y-%m-%d", strict=False)
    bad = rows.filter(dates.is_null() & rows.get_column("visit_date").is_not_null())
    if not bad.is_empty():
        raise ForeignReference(f"{name}: column visit_date holds {bad['visit_date'][0]!r}, not YYYY-MM-DD")
    return rows.with_columns(
        pl.col("pipeline_adcid").cast(pl.Int64),
        pl.col(TIMESTAMP).dt.convert_time_zone("UTC").dt.cast_time_unit("us"),
        visit_date=dates,
        **{FILE_COLUMN: pl.lit(name, dtype=pl.String)},
    )


def _zoned_instant(column: str, dtype: pl.DataType) -> bool:
    """A timestamp of any unit and any time zone (converted when read); not one without a zone."""
    return column == TIMESTAMP and isinstance(dtype, pl.Datetime) and dtype.time_zone is not None


def _expected(column: str) -> str:
    if column == TIMESTAMP:
        return "a Datetime with a time zone, any unit"
    return str(REFERENCE_SCHEMA[column])
