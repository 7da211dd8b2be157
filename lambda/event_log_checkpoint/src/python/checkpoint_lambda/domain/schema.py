"""The checkpoint's table: its columns and types, the order of its rows, and what one event is.

Every reader and writer of a checkpoint (the Lambda, the analytics, the SQL) takes these
definitions from here, and `conform` is the one rule that decides what a checkpoint is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import polars as pl

UTC_MICROS: Final = pl.Datetime("us", "UTC")
EVENT_COLUMNS: Final[dict[str, pl.DataType]] = {
    "action": pl.String(),
    "study": pl.String(),
    "pipeline_adcid": pl.Int64(),
    "project_label": pl.String(),
    "center_label": pl.String(),
    "gear_name": pl.String(),
    "ptid": pl.String(),
    "visit_date": pl.Date(),
    "visit_number": pl.String(),
    "datatype": pl.String(),
    "module": pl.String(),
    "packet": pl.String(),
    "timestamp": UTC_MICROS,
}
SOURCE_COLUMNS: Final[dict[str, pl.DataType]] = {
    "source_key": pl.String(),
    "source_etag": pl.String(),
    "source_last_modified": UTC_MICROS,
}
CHECKPOINT_SCHEMA: Final = pl.Schema({**EVENT_COLUMNS, **SOURCE_COLUMNS})
#: Columns a checkpoint may have beyond CHECKPOINT_SCHEMA, last. `extra_fields` holds an event
#: file's top-level fields the model does not know, as one JSON object text (null: none). A
#: writer includes it only when some row has such fields, so that a checkpoint without any
#: keeps exactly CHECKPOINT_SCHEMA's columns (which earlier releases require).
OPTIONAL_COLUMNS: Final[dict[str, pl.DataType]] = {"extra_fields": pl.String()}
EXTRA_FIELDS_COLUMN: Final = "extra_fields"

#: One ingested object version: a checkpoint holds each at most once.
VERSION_COLUMNS: Final = ("source_key", "source_etag")
#: Row order of every checkpoint: event time, then when the file was written, then key and ETag.
ORDER_COLUMNS: Final = ("timestamp", "source_last_modified", "source_key", "source_etag")
#: One real event: rows sharing these values are versions of the same event.
IDENTITY_COLUMNS: Final = ("pipeline_adcid", "ptid", "visit_date", "action", "timestamp", "datatype", "module")
#: Which version of an event is newer: the object written later, then key, then ETag.
VERSION_ORDER: Final = ("source_last_modified", "source_key", "source_etag")


class CheckpointSchemaMismatch(ValueError):
    """A table that is not a checkpoint: columns missing, extra, or of another type."""


def schema_problems(schema: pl.Schema) -> list[str]:
    """What keeps `schema` from being a checkpoint's; empty when it is one (in any column order)."""
    missing = [name for name in CHECKPOINT_SCHEMA.names() if name not in schema]
    extra = [name for name in schema.names() if name not in CHECKPOINT_SCHEMA and name not in OPTIONAL_COLUMNS]
    problems = [f"missing columns: {', '.join(missing)}"] if missing else []
    if extra:
        problems.append(f"unexpected columns: {', '.join(extra)}")
    problems.extend(
        f"{name} is {schema[name]} (expected {expected})"
        for name, expected in {**CHECKPOINT_SCHEMA, **OPTIONAL_COLUMNS}.items()
        if name in schema and schema[name] != expected
    )
    return problems


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with its columns in canonical order, if it has exactly the checkpoint's columns and types
    (the optional columns, last, only when it has them).

    Raises CheckpointSchemaMismatch naming every difference otherwise.
    """
    if frame.schema == CHECKPOINT_SCHEMA:
        return frame
    problems = schema_problems(frame.schema)
    if problems:
        raise CheckpointSchemaMismatch("not a checkpoint: " + "; ".join(problems))
    optional = [name for name in OPTIONAL_COLUMNS if name in frame.schema]
    return frame.select([*CHECKPOINT_SCHEMA.names(), *optional])


def with_optional_columns(frame: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """`frame` (conformed) with each optional column in `names` it lacks added as nulls, in canonical order."""
    wanted = [name for name in OPTIONAL_COLUMNS if name in frame.schema or name in set(names)]
    added = [pl.lit(None, OPTIONAL_COLUMNS[name]).alias(name) for name in wanted if name not in frame.schema]
    return frame.with_columns(added).select([*CHECKPOINT_SCHEMA.names(), *wanted]) if added else frame


def without_empty_optional_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` without the optional columns that hold no value: what a writer stores, so that a
    checkpoint without them keeps exactly the columns earlier releases read."""
    empty = [
        name
        for name in OPTIONAL_COLUMNS
        if name in frame.schema and frame.get_column(name).null_count() == frame.height
    ]
    return frame.drop(empty) if empty else frame
