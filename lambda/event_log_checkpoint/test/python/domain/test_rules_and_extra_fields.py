"""The rules' fingerprint, the capped `extra_fields` text, the optional column in the one schema
rule, and the failure record's new fields as an older reader sees them."""

from __future__ import annotations

import json
from typing import Any, Literal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkpoint_lambda.domain.events import Datatype, FileFailure, VisitEvent
from checkpoint_lambda.domain.extra_fields import MAX_EXTRA_FIELDS_BYTES, TRUNCATED_MARKER, extra_fields_of
from checkpoint_lambda.domain.failure_record import ARCHIVED_HINT, FailureRecord
from checkpoint_lambda.domain.rules import DEFAULT_RULES, FINGERPRINT_LENGTH, Rules
from checkpoint_lambda.domain.schema import (
    CHECKPOINT_SCHEMA,
    CheckpointSchemaMismatch,
    conform,
    schema_problems,
    without_empty_optional_columns,
)


class OtherEvent(VisitEvent):
    datatype: Datatype | Literal["retinal-scan"]  # type: ignore[assignment]


def test_the_fingerprint_is_short_stable_and_changes_with_the_model() -> None:
    assert len(DEFAULT_RULES.fingerprint) == FINGERPRINT_LENGTH
    assert Rules().fingerprint == DEFAULT_RULES.fingerprint
    assert Rules(OtherEvent).fingerprint != DEFAULT_RULES.fingerprint


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3000),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=8,
)


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@given(st.dictionaries(st.text(min_size=1, max_size=20), json_values, max_size=12))
def test_extra_fields_keep_every_name_and_each_value_whole_or_marked(fields: dict[str, Any]) -> None:
    """Property: every name is kept; a value is either as given or replaced by the truncation marker
    with its size; the text stays within the cap whenever the names and markers alone fit."""
    kept = extra_fields_of(fields)
    if not fields:
        assert kept is None
        return
    assert kept is not None
    decoded = json.loads(kept.text)
    assert list(decoded) == list(fields) == list(kept.names)
    marked = {name for name, value in decoded.items() if value != fields[name]}
    whole = len(compact(fields).encode())
    assert kept.truncated == (whole > MAX_EXTRA_FIELDS_BYTES)
    assert kept.truncated or not marked
    for name in marked:
        assert decoded[name] == {TRUNCATED_MARKER: len(json.dumps(fields[name], ensure_ascii=False).encode())}
    if (
        not kept.truncated
        or len(json.dumps({n: {TRUNCATED_MARKER: 10**9} for n in fields}).encode()) <= MAX_EXTRA_FIELDS_BYTES
    ):
        assert len(kept.text.encode()) <= MAX_EXTRA_FIELDS_BYTES


def test_the_schema_rule_takes_the_optional_column_or_its_absence_but_not_another_type() -> None:
    plain = pl.DataFrame(schema=CHECKPOINT_SCHEMA)
    extended = pl.DataFrame(schema={"extra_fields": pl.String(), **CHECKPOINT_SCHEMA})
    assert conform(plain).schema == CHECKPOINT_SCHEMA
    assert conform(extended).columns == [*CHECKPOINT_SCHEMA.names(), "extra_fields"]
    assert schema_problems(pl.Schema({**CHECKPOINT_SCHEMA, "extra_fields": pl.Int64()})) == [
        "extra_fields is Int64 (expected String)"
    ]
    with pytest.raises(CheckpointSchemaMismatch, match="unexpected columns: other"):
        conform(pl.DataFrame(schema={**CHECKPOINT_SCHEMA, "other": pl.String()}))


def test_a_writer_leaves_out_an_optional_column_without_values() -> None:
    empty_extras = pl.DataFrame(schema={**CHECKPOINT_SCHEMA, "extra_fields": pl.String()})
    assert without_empty_optional_columns(empty_extras).schema == CHECKPOINT_SCHEMA


def release_2_reader(data: bytes) -> dict[str, list[tuple[str, str, str]]]:
    """What release 2.0.0 reads of a record: version 1, then key, etag and reason of each entry."""
    body = json.loads(data)
    assert body.get("version") == 1
    return {name: [(r["key"], r["etag"], r["reason"]) for r in body.get(name, [])] for name in ("failures", "skipped")}


def test_the_record_with_fingerprints_and_archived_entries_round_trips_and_release_2_reads_it() -> None:
    bad = FileFailure("p/bad", '"1"', "malformed JSON: x", rules=DEFAULT_RULES.fingerprint)
    cold = FileFailure("p/cold", '"2"', "archived: not readable until restored", storage_class="DEEP_ARCHIVE")
    record = FailureRecord({bad.key: bad}, {}, {cold.key: cold})
    data = record.to_json()
    assert FailureRecord.from_json(data) == record
    assert release_2_reader(data) == {"failures": [("p/bad", '"1"', "malformed JSON: x")], "skipped": []}


def test_release_2_archived_failures_are_read_into_the_archived_section() -> None:
    older = {
        "version": 1,
        "failures": [
            {"key": "p/bad", "etag": '"1"', "reason": "malformed JSON: x"},
            {"key": "p/cold", "etag": '"2"', "reason": "fetch failed: InvalidObjectState HTTP 403" + ARCHIVED_HINT},
        ],
        "skipped": [],
    }
    record = FailureRecord.from_json(json.dumps(older).encode())
    assert list(record.failures) == ["p/bad"]
    assert list(record.archived) == ["p/cold"]
    assert record.failures["p/bad"].rules is None
    assert record.judged_by_other_rules(DEFAULT_RULES.fingerprint) == {("p/bad", '"1"')}
