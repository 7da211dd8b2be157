"""Arranging and reading S3 state for the reliability tests, with plain boto3 straight to moto.

Nothing here goes through the fault proxy or the code under test: it is the test's own
view of the bucket, before and after a run.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import polars as pl

from builders import EXAMPLE
from checkpoint_devtools.sample_log import LogFile, encode, event_key
from checkpoint_lambda.domain.layout import SingleObject

PREFIX = "prod/"
CHECKPOINT_KEY = "checkpoints/events/checkpoint.parquet"
FAILURE_RECORD_KEY = SingleObject(CHECKPOINT_KEY).failure_record_key

BASE_EVENT: dict[str, object] = {**EXAMPLE, "action": "submit", "timestamp": "2024-01-15T10:00:00Z"}


def payload(bucket: str, prefix: str = PREFIX) -> dict[str, str]:
    """The invocation payload of a run over `prefix`, checkpoint in the same bucket."""
    return {"source_bucket": bucket, "prefix": prefix, "checkpoint_bucket": bucket, "checkpoint_key": CHECKPOINT_KEY}


def event_files(tag: str, count: int, prefix: str = PREFIX) -> list[LogFile]:
    """`count` valid, distinct event files; `tag` (at most 5 characters) starts every ptid of the set."""
    files = []
    for i in range(count):
        fields = {**BASE_EVENT, "ptid": f"{tag}{i}", "timestamp": f"2024-01-{1 + i % 28:02d}T10:{i % 60:02d}:00Z"}
        files.append(LogFile(event_key(prefix, fields), encode(fields)))
    return files


def broken_file(tag: str, prefix: str = PREFIX) -> LogFile:
    """An event-named file whose content is truncated JSON."""
    fields = {**BASE_EVENT, "ptid": f"{tag}X"}
    return LogFile(event_key(prefix, fields), b'{"action": "submit", "pipeline_adcid": 4')


def put_files(s3: Any, bucket: str, files: list[LogFile]) -> None:
    for file in files:
        s3.put_object(Bucket=bucket, Key=file.key, Body=file.body)


@dataclass(frozen=True)
class ObjectState:
    """An object's bytes and ETag, to show a run left it exactly as it was."""

    body: bytes
    etag: str


def object_state(s3: Any, bucket: str, key: str) -> ObjectState | None:
    """The object as stored, or None when there is none."""
    try:
        found = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return None
    return ObjectState(found["Body"].read(), found["ETag"])


def checkpoint_keys(s3: Any, bucket: str) -> list[str]:
    """The source_key of every checkpoint row, sorted (a key twice means a duplicated row)."""
    state = object_state(s3, bucket, CHECKPOINT_KEY)
    if state is None:
        return []
    return sorted(pl.read_parquet(io.BytesIO(state.body)).get_column("source_key").to_list())


def checkpoint_frame(s3: Any, bucket: str) -> pl.DataFrame:
    state = object_state(s3, bucket, CHECKPOINT_KEY)
    assert state is not None, "no checkpoint was written"
    return pl.read_parquet(io.BytesIO(state.body))


def recorded_failures(s3: Any, bucket: str) -> dict[str, str]:
    """The failure record's entries: key -> reason (empty when there is no record)."""
    state = object_state(s3, bucket, FAILURE_RECORD_KEY)
    if state is None:
        return {}
    return {row["key"]: row["reason"] for row in json.loads(state.body)["failures"]}


def keys_of(files: list[LogFile]) -> list[str]:
    return sorted(f.key for f in files)
