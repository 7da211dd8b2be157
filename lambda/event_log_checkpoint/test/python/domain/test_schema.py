"""One rule decides what a checkpoint is: the columns and types of CHECKPOINT_SCHEMA, in any order."""

from __future__ import annotations

import polars as pl
import pytest

from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, CheckpointSchemaMismatch, conform, schema_problems


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def test_the_same_columns_in_another_order_are_put_in_canonical_order() -> None:
    shuffled = empty(dict(reversed(list(CHECKPOINT_SCHEMA.items()))))
    assert shuffled.columns != CHECKPOINT_SCHEMA.names()
    assert conform(shuffled).schema == CHECKPOINT_SCHEMA


def test_missing_extra_and_retyped_columns_are_each_named() -> None:
    schema = dict(CHECKPOINT_SCHEMA)
    del schema["ptid"]
    schema["pipeline_adcid"] = pl.Int32()
    schema["notes"] = pl.String()
    problems = schema_problems(pl.Schema(schema))
    assert problems == [
        "missing columns: ptid",
        "unexpected columns: notes",
        "pipeline_adcid is Int32 (expected Int64)",
    ]
    with pytest.raises(CheckpointSchemaMismatch, match="missing columns: ptid"):
        conform(empty(schema))


def test_a_checkpoint_has_no_problems() -> None:
    assert schema_problems(CHECKPOINT_SCHEMA) == []
