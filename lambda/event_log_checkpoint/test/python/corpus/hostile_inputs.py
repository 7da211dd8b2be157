"""The hostile-input corpus: every kind of file other programs may leave in the log, and its verdict.

Each `Kind` is one file (its name and bytes) and the outcome the current code gives it:
`valid` (a checkpoint row, as written), `normalised` (a row, with a value changed on the
way in), `invalid` (a failure whose reason contains `detail`), `skipped` (a sandbox
project), or `ignored` (not an event file name, so never listed as one). The table in
docs/RELIABILITY.md is this list in prose; test_corpus.py checks both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Final, Literal

from builders import EXAMPLE

Outcome = Literal["valid", "normalised", "invalid", "skipped", "ignored"]

# A string no reason, log line or response may contain: it only ever appears inside event bodies.
CANARY: Final = "gear-zq7canary"
MiB: Final = 1024 * 1024
BASE_TIMESTAMP: Final = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
BASE: Final[Mapping[str, object]] = {
    **EXAMPLE,
    "action": "submit",
    "gear_name": CANARY,
    "timestamp": "2024-01-15T10:00:00Z",
}
REQUIRED = ("action", "pipeline_adcid", "project_label", "center_label", "gear_name", "ptid")
REQUIRED_TOO = ("visit_date", "datatype", "timestamp")


class _Absent:
    """Marks a field to leave out of the event."""


ABSENT: Final = _Absent()


@dataclass(frozen=True)
class Kind:
    """One hostile (or merely unusual) file and what the run does with it."""

    name: str
    body: bytes
    outcome: Outcome
    detail: str  # invalid/skipped: text in the reason; valid/normalised/ignored: what happens, for the table
    row: Mapping[str, object] = field(default_factory=dict)  # valid/normalised: checkpoint values to expect
    file_name: str | None = None  # None: a current-shape event name of its own
    fetched: bool = True  # False: the run decides from the listing alone and never reads the file


def fields(**changes: object) -> dict[str, object]:
    merged = {**BASE, **changes}
    return {name: value for name, value in merged.items() if value is not ABSENT}


def body(**changes: object) -> bytes:
    return json.dumps(fields(**changes), ensure_ascii=False).encode()


def padded(size: int) -> bytes:
    """A valid event followed by spaces up to exactly `size` bytes."""
    data = body()
    return data + b" " * (size - len(data))


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _structure() -> list[Kind]:
    valid = body()
    return [
        Kind("empty file", b"", "invalid", "empty file"),
        Kind("only whitespace", b" \n\t \r\n", "invalid", "empty file"),
        Kind("JSON null", b"null", "invalid", "not a JSON object"),
        Kind("JSON array holding a valid event", b"[" + valid + b"]", "invalid", "not a JSON object"),
        Kind("JSON string", b'"submit"', "invalid", "not a JSON object"),
        Kind("JSON number", b"42", "invalid", "not a JSON object"),
        Kind("empty object", b"{}", "invalid", "action: Field required"),
        Kind("truncated JSON", valid[: len(valid) // 2], "invalid", "malformed JSON: EOF while parsing"),
        Kind("text after the object", valid + b" trailing", "invalid", "malformed JSON: trailing characters"),
        Kind("two objects in one file", valid + b"\n" + valid, "invalid", "malformed JSON: trailing characters"),
        Kind(
            "NaN as pipeline_adcid",
            valid.replace(b"42", b"NaN", 1),
            "invalid",
            "pipeline_adcid: Input should be a valid integer",
        ),
        Kind("UTF-8 byte order mark", b"\xef\xbb\xbf" + valid, "normalised", "BOM dropped", {"ptid": "110001"}),
        Kind("byte order mark only", b"\xef\xbb\xbf", "invalid", "empty file"),
        Kind(
            "two byte order marks", b"\xef\xbb\xbf" * 2 + valid, "invalid", "malformed JSON: expected value at line 1"
        ),
        Kind(
            "Latin-1 bytes",
            body(center_label="café").decode().encode("latin-1"),
            "invalid",
            "not UTF-8 text (byte 0xe9",
        ),
        Kind("UTF-16 text", json.dumps(fields()).encode("utf-16"), "invalid", "not UTF-8 text (byte 0xff at offset 0)"),
        Kind(
            "10 MB file", padded(10 * MiB), "invalid", f"file too large: {10 * MiB} bytes (limit {MiB})", fetched=False
        ),
        Kind("exactly 1 MiB", padded(MiB), "valid", "read and accepted", {"ptid": "110001"}),
        Kind(
            "1 MiB and 1 byte",
            padded(MiB + 1),
            "invalid",
            f"file too large: {MiB + 1} bytes (limit {MiB})",
            fetched=False,
        ),
        Kind("10,000-deep nesting", nested(10_000), "invalid", "malformed JSON: recursion limit exceeded"),
        Kind(
            "10,000-deep nesting in an extra field",
            valid[:-1] + b', "extra": ' + nested(10_000) + b"}",
            "invalid",
            "malformed JSON: recursion limit exceeded",
        ),
        Kind(
            "duplicate key",
            valid[:-1] + b', "action": "delete"}',
            "normalised",
            "the last value wins",
            {"action": "delete"},
        ),
        Kind(
            "lone surrogate escape",
            valid.replace(b'"alpha"', b'"\\ud800"'),
            "invalid",
            "malformed JSON: unexpected end of hex escape",
        ),
        Kind(
            "NUL character in a label", body(center_label="al\x00pha"), "valid", "kept", {"center_label": "al\x00pha"}
        ),
        Kind("extra fields", body(comment="x", nested={"a": [1]}), "valid", "ignored", {"ptid": "110001"}),
    ]


def _types() -> list[Kind]:
    return [
        Kind('pipeline_adcid "42"', body(pipeline_adcid="42"), "normalised", "42", {"pipeline_adcid": 42}),
        Kind('pipeline_adcid " 042 "', body(pipeline_adcid=" 042 "), "normalised", "42", {"pipeline_adcid": 42}),
        Kind(
            'pipeline_adcid "٤٢" (Arabic-Indic digits)',
            body(pipeline_adcid="٤٢"),
            "invalid",
            "pipeline_adcid: Input should be a valid integer",
        ),
        Kind(
            "pipeline_adcid 42.5",
            body(pipeline_adcid=42.5),
            "invalid",
            "pipeline_adcid: Input should be a valid integer",
        ),
        Kind(
            "pipeline_adcid 42.0",
            body(pipeline_adcid=42.0),
            "invalid",
            "pipeline_adcid: Input should be a valid integer",
        ),
        Kind(
            'pipeline_adcid "4.2e1"',
            body(pipeline_adcid="4.2e1"),
            "invalid",
            "pipeline_adcid: Input should be a valid integer",
        ),
        Kind("pipeline_adcid 0", body(pipeline_adcid=0), "invalid", "pipeline_adcid: Input should be greater than 0"),
        Kind(
            "pipeline_adcid negative",
            body(pipeline_adcid=-42),
            "invalid",
            "pipeline_adcid: Input should be greater than 0",
        ),
        Kind(
            "pipeline_adcid true",
            body(pipeline_adcid=True),
            "invalid",
            "pipeline_adcid must be an integer, not a boolean",
        ),
        Kind("ptid as a number", body(ptid=110001), "invalid", "ptid: Input should be a valid string"),
        Kind(
            "visit_number as a number", body(visit_number=1), "invalid", "visit_number: Input should be a valid string"
        ),
        Kind(
            "a boolean where a string belongs",
            body(center_label=True),
            "invalid",
            "center_label: Input should be a valid string",
        ),
        Kind(
            "timestamp as epoch seconds", body(timestamp=1705312800), "invalid", "timestamp must be an ISO 8601 string"
        ),
    ]


def _fields() -> list[Kind]:
    missing = [
        Kind(f"{name} missing", body(**{name: ABSENT}), "invalid", f"{name}: Field required")
        for name in (*REQUIRED, *REQUIRED_TOO)
    ]
    return [
        *missing,
        Kind("study missing", body(study=ABSENT), "normalised", 'defaults to "adrc"', {"study": "adrc"}),
        Kind("study upper case and padded", body(study=" LEADS "), "normalised", '"leads"', {"study": "leads"}),
        Kind("study null", body(study=None), "invalid", "study: Input should be a valid string"),
        Kind("study empty", body(study=""), "invalid", "study: String should have at least 1 character"),
        Kind(
            "center_label only spaces",
            body(center_label="   "),
            "invalid",
            "center_label: String should have at least 1 character",
        ),
        Kind(
            "labels padded with spaces",
            body(project_label=" ingest-form ", center_label=" alpha ", gear_name=f" {CANARY} "),
            "normalised",
            "spaces stripped",
            {"project_label": "ingest-form", "center_label": "alpha"},
        ),
        Kind(
            "visit_number and packet null",
            body(visit_number=None, packet=None),
            "valid",
            "nulls kept",
            {"visit_number": None, "packet": None},
        ),
        Kind(
            "visit_number and packet absent",
            body(visit_number=ABSENT, packet=ABSENT),
            "valid",
            "stored as null",
            {"visit_number": None, "packet": None},
        ),
    ]


def _dates() -> list[Kind]:
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text)

    return [
        Kind(
            "visit_date 2024-02-30",
            body(visit_date="2024-02-30"),
            "invalid",
            "visit_date: day is out of range for month",
        ),
        Kind("visit_date 24-01-15", body(visit_date="24-01-15"), "invalid", "visit_date: String should match pattern"),
        Kind(
            "visit_date with a time",
            body(visit_date="2024-01-15T00:00:00"),
            "invalid",
            "visit_date: String should match pattern",
        ),
        Kind(
            "visit_date 2024-02-29",
            body(visit_date="2024-02-29"),
            "valid",
            "a real leap day",
            {"visit_date": date(2024, 2, 29)},
        ),
        Kind(
            "naive timestamp",
            body(timestamp="2024-01-15T10:00:00"),
            "invalid",
            "timestamp: Input should have timezone info",
        ),
        Kind(
            "date-only timestamp", body(timestamp="2024-01-15"), "invalid", "timestamp: Input should have timezone info"
        ),
        Kind(
            "offset timestamp",
            body(timestamp="2024-01-15T05:00:00-05:00"),
            "normalised",
            "converted to UTC",
            {"timestamp": BASE_TIMESTAMP},
        ),
        Kind(
            "timestamp with nanoseconds",
            body(timestamp="2024-01-15T10:00:00.123456789Z"),
            "normalised",
            "cut to microseconds",
            {"timestamp": at("2024-01-15T10:00:00.123456+00:00")},
        ),
        Kind(
            "timestamp with a space for T",
            body(timestamp="2024-01-15 10:00:00Z"),
            "valid",
            "read as ISO 8601",
            {"timestamp": BASE_TIMESTAMP},
        ),
        Kind(
            "leap second",
            body(timestamp="2016-12-31T23:59:60Z"),
            "invalid",
            "timestamp: Input should be a valid datetime",
        ),
        Kind(
            "timestamp far in the future",
            body(timestamp="9999-12-31T23:59:59Z"),
            "valid",
            "kept as written",
            {"timestamp": at("9999-12-31T23:59:59+00:00")},
        ),
        Kind(
            "timestamp before 1900",
            body(timestamp="1899-12-31T23:59:59Z"),
            "valid",
            "kept as written",
            {"timestamp": at("1899-12-31T23:59:59+00:00")},
        ),
        Kind(
            "timestamp in year 1",
            body(timestamp="0001-01-01T00:00:00Z"),
            "valid",
            "kept as written",
            {"timestamp": at("0001-01-01T00:00:00+00:00")},
        ),
    ]


def _identity() -> list[Kind]:
    pattern = "ptid: String should match pattern"
    return [
        Kind("ptid with a space", body(ptid="110 001"), "invalid", pattern),
        Kind("ptid with non-ASCII", body(ptid="11000é"), "invalid", pattern),
        Kind("ptid 11 characters", body(ptid="12345678901"), "invalid", pattern),
        Kind("ptid empty", body(ptid=""), "invalid", pattern),
        Kind("ptid 10 characters", body(ptid="1234567890"), "valid", "the longest allowed", {"ptid": "1234567890"}),
        Kind(
            "module on a non-form event",
            body(datatype="dicom"),
            "invalid",
            "module must be null when datatype is 'dicom'",
        ),
        Kind(
            "module missing on a form event",
            body(module=ABSENT),
            "invalid",
            "module is required when datatype is 'form'",
        ),
        Kind(
            "module empty on a form event",
            body(module=""),
            "invalid",
            "module: String should have at least 1 character",
        ),
        Kind(
            "module null on a non-form event",
            body(datatype="biomarker", module=None),
            "valid",
            "as the format says",
            {"datatype": "biomarker", "module": None},
        ),
        Kind("module outside the known four", body(module="FTLD-NP"), "valid", "kept", {"module": "FTLD-NP"}),
        Kind(
            "unknown action",
            body(action="approve"),
            "invalid",
            "action: Input should be 'submit', 'pass-qc', 'not-pass-qc' or 'delete'",
        ),
        Kind(
            "action in upper case",
            body(action="SUBMIT"),
            "invalid",
            "action: Input should be 'submit', 'pass-qc', 'not-pass-qc' or 'delete'",
        ),
        Kind("unknown datatype", body(datatype="mri"), "invalid", "datatype: Input should be 'apoe'"),
    ]


def _names() -> list[Kind]:
    current = "log-submit-20240115-100000-42-ingest-form-{}-2024-01-15.json"
    return [
        Kind(
            "name says one action, content another",
            body(action="pass-qc"),
            "valid",
            "the content wins",
            {"action": "pass-qc"},
            current.format("N1"),
        ),
        Kind(
            "name says another ADCID",
            body(pipeline_adcid=43),
            "valid",
            "the content wins",
            {"pipeline_adcid": 43},
            "log-submit-20240115-100000-99-ingest-form-N2-2024-01-15.json",
        ),
        Kind("legacy name", body(), "valid", "read", {"action": "submit"}, "log-submit-20240115.json"),
        Kind(
            "earlier name (visit number last)",
            body(),
            "valid",
            "read",
            {"ptid": "110001"},
            "log-submit-20240115-100000-42-ingest-form-N3-01.json",
        ),
        Kind("key with spaces", body(), "valid", "read; source_key kept", {}, current.format("with space")),
        Kind("key with unicode", body(), "valid", "read; source_key kept", {}, current.format("ünï-çødé")),
        Kind("key with %", body(), "valid", "read; source_key kept", {}, current.format("50%25%")),
        Kind("key with +", body(), "valid", "read; source_key kept", {}, current.format("a+b")),
        Kind(
            "folder with spaces and unicode",
            body(),
            "valid",
            "read; source_key kept",
            {},
            "sous dossier é/" + current.format("N4"),
        ),
        Kind(
            "sandbox content under a production name",
            body(project_label="sandbox-form"),
            "skipped",
            "sandbox project (skipped)",
            {},
            current.format("N5"),
        ),
        Kind(
            "sandbox name over production content",
            body(),
            "skipped",
            "by name, never read (the name decides here)",
            {},
            "log-submit-20240115-100000-42-sandbox-form-N6-2024-01-15.json",
            fetched=False,
        ),
        Kind(
            "not an event name", body(), "ignored", "not listed as an event", {}, "notes-2024-01-15.json", fetched=False
        ),
        Kind(
            "event name with another extension",
            body(),
            "ignored",
            "not listed as an event",
            {},
            "log-submit-20240115.json.bak",
            fetched=False,
        ),
        Kind(
            "event name in upper case",
            body(),
            "ignored",
            "not listed as an event",
            {},
            "LOG-submit-20240115.json",
            fetched=False,
        ),
    ]


@dataclass(frozen=True)
class RunBreaker:
    """An input that once failed the whole run (500) instead of failing or skipping one file."""

    name: str
    file_name: str  # under the prefix
    body: bytes
    expected: str  # what should happen to this one file; the rest of the run should go on


def run_breakers() -> list[RunBreaker]:
    event_name = "log-submit-20240115-100000-42-ingest-form-{}-2024-01-15.json"
    return [
        RunBreaker(
            "timestamp at the start of year 1 with a positive offset",
            event_name.format("B1"),
            body(timestamp="0001-01-01T00:00:00+01:00"),
            "invalid: timestamp out of range (today: OverflowError escapes parse_event)",
        ),
        RunBreaker(
            "timestamp at the end of year 9999 with a negative offset",
            event_name.format("B2"),
            body(timestamp="9999-12-31T23:59:59-01:00"),
            "invalid: timestamp out of range (today: OverflowError escapes parse_event)",
        ),
        RunBreaker(
            "pipeline_adcid beyond 64 bits",
            event_name.format("B3"),
            body(pipeline_adcid=2**63),
            "invalid: pipeline_adcid too large (today: Polars TypeError building the Int64 column)",
        ),
        RunBreaker(
            "pipeline_adcid as a 20-digit string",
            event_name.format("B4"),
            body(pipeline_adcid="99999999999999999999"),
            "invalid: pipeline_adcid too large (today: Polars TypeError building the Int64 column)",
        ),
        RunBreaker(
            "an empty segment (//) in an event key",
            "/" + event_name.format("B5"),
            body(),
            "read, or failed with its key (today: obstore's listing raises InvalidPathError)",
        ),
        RunBreaker(
            "a . segment in a key",
            "exports/./part-0.json",
            b"{}",
            "ignored (today: obstore's listing raises InvalidPathError)",
        ),
        RunBreaker(
            "a .. segment in a key",
            "exports/../part-0.json",
            b"{}",
            "ignored (today: obstore's listing raises InvalidPathError)",
        ),
        RunBreaker(
            "a tab in a key",
            "exports/part\t0.json",
            b"{}",
            "ignored (today: obstore's listing raises InvalidPathError)",
        ),
        RunBreaker(
            "a control character in a key",
            "exports/part\x01-0.json",
            b"{}",
            "ignored (today: obstore's listing raises InvalidPathError)",
        ),
    ]


def corpus() -> list[Kind]:
    """Every kind, in the order of the docs table."""
    kinds = [*_structure(), *_types(), *_fields(), *_dates(), *_identity(), *_names()]
    names = [kind.name for kind in kinds]
    assert len(set(names)) == len(names), "kind names must be unique"
    return kinds


def key_of(prefix: str, index: int, kind: Kind) -> str:
    """Where the kind's file goes: its own name, or a current-shape event name numbered by its place."""
    return prefix + (kind.file_name or f"log-submit-20240115-100000-42-ingest-form-K{index:03d}-2024-01-15.json")
