"""Reading S3 notifications: both message shapes, URL-encoded keys, test events, and bad bodies."""

from __future__ import annotations

import json
from urllib.parse import quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkpoint_lambda.domain.notifications import NotifiedObject, UnreadableNotification, objects_in_message


def s3_body(key: str, event_name: str = "ObjectCreated:Put") -> str:
    obj = {"key": quote_plus(key), "eTag": "abc", "size": 7}
    return json.dumps({"Records": [{"eventName": event_name, "s3": {"bucket": {"name": "b"}, "object": obj}}]})


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40))
def test_any_key_survives_s3s_url_encoding(key: str) -> None:
    assert objects_in_message(s3_body(key)) == [NotifiedObject("b", key, '"abc"', 7)]


def test_eventbridge_keys_are_taken_as_written() -> None:
    detail = {"bucket": {"name": "b"}, "object": {"key": "prod/a+b c.json", "etag": "abc", "size": 3}}
    body = json.dumps({"source": "aws.s3", "detail-type": "Object Created", "detail": detail})
    assert objects_in_message(body) == [NotifiedObject("b", "prod/a+b c.json", '"abc"', 3)]


def test_test_events_and_other_kinds_name_no_object() -> None:
    assert objects_in_message(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})) == []
    assert objects_in_message(s3_body("k", "ObjectRemoved:Delete")) == []
    deleted = {"source": "aws.s3", "detail-type": "Object Deleted", "detail": {}}
    assert objects_in_message(json.dumps(deleted)) == []


@pytest.mark.parametrize(
    "body", ["not json", "[]", '{"Records": {}}', '{"Records": [{"eventName": "ObjectCreated:Put"}]}', "{}"]
)
def test_a_body_of_neither_shape_is_unreadable(body: str) -> None:
    with pytest.raises(UnreadableNotification):
        objects_in_message(body)
