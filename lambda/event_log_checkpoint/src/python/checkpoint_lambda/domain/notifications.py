"""What an SQS message from S3 says was created: the bucket, key, ETag and size of each object.

Two shapes reach the queue: S3's own event notification (`{"Records": [{"s3": …}]}`,
keys URL-encoded with `+` for a space) and EventBridge's "Object Created" event
(`{"detail-type": "Object Created", "detail": {…}}`, keys as stored). S3 sends an
`s3:TestEvent` message when a notification configuration is created: it names no object.
Delivery is at least once and unordered, so a message is only a hint of what to read:
the version read is the one recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus


class UnreadableNotification(ValueError):
    """A message body that is neither shape (it is reported back, so SQS parks it in the DLQ)."""


@dataclass(frozen=True, slots=True)
class NotifiedObject:
    """An object a message says was created. `etag` is quoted, as listings give it."""

    bucket: str
    key: str
    etag: str
    size: int


def objects_in_message(body: str) -> list[NotifiedObject]:
    """Every created object a message names; [] for a test event or another kind of event."""
    try:
        message = json.loads(body)
    except json.JSONDecodeError as exc:
        raise UnreadableNotification(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise UnreadableNotification("not a JSON object")
    if message.get("Event") == "s3:TestEvent":
        return []
    if "Records" in message:
        return [_from_s3_record(record) for record in _list(message["Records"]) if _is_created(record)]
    if message.get("source") == "aws.s3" and "detail" in message:
        return [_from_eventbridge(message["detail"])] if message.get("detail-type") == "Object Created" else []
    raise UnreadableNotification("neither an S3 event notification nor an EventBridge S3 event")


def _is_created(record: Any) -> bool:
    return isinstance(record, dict) and str(record.get("eventName", "")).startswith("ObjectCreated:")


def _from_s3_record(record: dict[str, Any]) -> NotifiedObject:
    try:
        s3 = record["s3"]
        found = s3["object"]
        return NotifiedObject(
            bucket=str(s3["bucket"]["name"]),
            key=unquote_plus(str(found["key"])),
            etag=_quoted(found.get("eTag")),
            size=int(found.get("size", 0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UnreadableNotification(f"S3 record without {exc}") from None


def _from_eventbridge(detail: Any) -> NotifiedObject:
    try:
        found = detail["object"]
        return NotifiedObject(
            bucket=str(detail["bucket"]["name"]),
            key=str(found["key"]),
            etag=_quoted(found.get("etag")),
            size=int(found.get("size", 0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UnreadableNotification(f"EventBridge S3 event without {exc}") from None


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise UnreadableNotification("Records is not a list")
    return value


def _quoted(etag: Any) -> str:
    text = str(etag or "").strip('"')
    return f'"{text}"' if text else ""
