"""An event file's top-level fields that the model does not know, kept as one JSON object text.

The producer may add fields before this code knows them; dropping them would lose data
that only a refetch of every file could bring back. They go into the checkpoint's
`extra_fields` column, values re-encoded as compact JSON (names and values as parsed).

The column is rewritten with the whole checkpoint on every run, so its text is capped:
values are kept smallest first while the text stays within `MAX_EXTRA_FIELDS_BYTES`;
every other field keeps its name, its value replaced by `{"$truncated_bytes": N}` (the
size of the value's JSON encoding). Names are always kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from checkpoint_lambda.domain.schema import EXTRA_FIELDS_COLUMN

MAX_EXTRA_FIELDS_BYTES: Final = 16 * 1024
TRUNCATED_MARKER: Final = "$truncated_bytes"


@dataclass(frozen=True, slots=True)
class ExtraFields:
    """The unknown fields of one file: their JSON text (capped), their names, and whether a value was cut."""

    text: str
    names: tuple[str, ...]
    truncated: bool


def _encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def extra_fields_of(fields: Mapping[str, Any] | None) -> ExtraFields | None:
    """The capped JSON text of `fields`, or None when there are none."""
    if not fields:
        return None
    text = _encode(fields)
    if len(text.encode()) <= MAX_EXTRA_FIELDS_BYTES:
        return ExtraFields(text, tuple(fields), truncated=False)
    sizes = {name: len(_encode(value).encode()) for name, value in fields.items()}
    kept: dict[str, Any] = {name: {TRUNCATED_MARKER: sizes[name]} for name in fields}
    used = len(_encode(kept).encode())
    for name in sorted(fields, key=lambda n: sizes[n]):
        grown = used - len(_encode(kept[name]).encode()) + sizes[name]
        if grown > MAX_EXTRA_FIELDS_BYTES:
            break
        kept[name], used = fields[name], grown
    return ExtraFields(_encode(kept), tuple(fields), truncated=True)


def promote_extra_field(frame: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.DataFrame:
    """`frame` with `name` moved out of `extra_fields` into a typed column of its own.

    What a later release does, from the checkpoint alone, when a field becomes part of the
    model: rows without the field (or with a truncated value) get null; `extra_fields`
    keeps the other fields, and becomes null where none are left.
    """
    values: list[Any] = []
    rest: list[str | None] = []
    for text in frame.get_column(EXTRA_FIELDS_COLUMN).to_list():
        fields: dict[str, Any] = json.loads(text) if text is not None else {}
        value = fields.pop(name, None)
        truncated = isinstance(value, dict) and set(value) == {TRUNCATED_MARKER}
        values.append(None if truncated else value)
        rest.append(_encode(fields) if fields else None)
    return frame.with_columns(
        pl.Series(name, values, dtype=dtype, strict=False),
        pl.Series(EXTRA_FIELDS_COLUMN, rest, dtype=pl.String),
    )
