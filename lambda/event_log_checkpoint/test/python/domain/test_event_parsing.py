"""From bytes to an event or a one-line reason that names no field values."""

from __future__ import annotations

import json

import pytest

from builders import EXAMPLE
from checkpoint_lambda.domain.event_parsing import MAX_EVENT_FILE_BYTES, InvalidEventFile, parse_event


def test_valid_bytes_parse() -> None:
    assert parse_event(json.dumps(EXAMPLE).encode()).ptid == "110001"


def test_a_utf8_bom_is_dropped() -> None:
    assert parse_event(b"\xef\xbb\xbf" + json.dumps(EXAMPLE).encode()).ptid == "110001"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n", "empty file"),
        (b"null", "not a JSON object"),
        (b"[]", "not a JSON object"),
        (b'"text"', "not a JSON object"),
        (b'{"action": "sub', "malformed JSON"),
        (b"[" * 10_000 + b"]" * 10_000, "malformed JSON: recursion limit"),
        (b'{"center_label": "caf\xe9"}', "not UTF-8 text (byte 0xe9"),
        (b"x" * (MAX_EVENT_FILE_BYTES + 1), "file too large"),
        (b"{}", "invalid event: action: Field required"),
    ],
)
def test_bad_files_give_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidEventFile) as raised:
        parse_event(data)
    assert reason in raised.value.reason


def test_reasons_do_not_carry_field_values() -> None:
    secret = {**EXAMPLE, "ptid": "SECRET PTID", "visit_date": "2024-99-99"}
    with pytest.raises(InvalidEventFile) as raised:
        parse_event(json.dumps(secret).encode())
    assert "SECRET" not in raised.value.reason
    assert "2024-99-99" not in raised.value.reason
    assert "ptid" in raised.value.reason
