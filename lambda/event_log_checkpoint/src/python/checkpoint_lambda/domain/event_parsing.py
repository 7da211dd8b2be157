"""From an event file's bytes to a `VisitEvent`, or to one line saying why not.

The reason names fields and rules, never field values: logs and responses must not
carry event bodies.
"""

from __future__ import annotations

from pydantic import ValidationError

from checkpoint_lambda.domain.events import VisitEvent

MAX_EVENT_FILE_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class InvalidEventFile(ValueError):
    """The file is not a valid visit event; `reason` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_event(data: bytes, model: type[VisitEvent] = VisitEvent) -> VisitEvent:
    """Validate one event file against `model`. A UTF-8 byte order mark is tolerated (and dropped)."""
    if len(data) > MAX_EVENT_FILE_BYTES:
        raise InvalidEventFile(f"file too large: {len(data)} bytes (limit {MAX_EVENT_FILE_BYTES})")
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if not data.strip():
        raise InvalidEventFile("empty file")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEventFile(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        raise InvalidEventFile(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """`malformed JSON: …`, `not a JSON object`, or `invalid event: field: message; …`."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    first = errors[0] if errors else {"type": "", "msg": str(exc), "loc": ()}
    if first["type"] == "json_invalid":
        return f"malformed JSON: {str(first['msg']).removeprefix('Invalid JSON: ')}"
    if first["type"] == "model_type":
        return "not a JSON object"
    parts = []
    for error in errors:
        location = ".".join(str(part) for part in error["loc"]) or "event"
        parts.append(f"{location}: {error['msg'].removeprefix('Value error, ')}")
    return "invalid event: " + "; ".join(parts)
