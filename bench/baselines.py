"""The two approaches ours is measured against, as they were written (boto3, whole log every run).

- seed plan: one boto3 client, a serial loop of list, get_object, json.loads, validate.
- reference (NACC's Lambda today): 50 threads, a new boto3 client for every file. It made
  them with `boto3.client(...)` from the default session, which is not thread-safe
  (boto3#2750); here each thread has its own `Session`, and each file still gets a new client.

Neither merges nor writes a checkpoint: they get the fetch-and-validate work only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from pydantic import ValidationError

from checkpoint_lambda.domain.event_keys import parse_event_key
from checkpoint_lambda.domain.events import VisitEvent

REFERENCE_THREADS = 50


def _client(session: Any, endpoint: str) -> Any:
    return session.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def _event_keys(client: Any, bucket: str, prefix: str, limit: int | None) -> Iterator[str]:
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if parse_event_key(item["Key"]) is None:
                continue
            if limit is not None and count >= limit:
                return
            count += 1
            yield item["Key"]


def _validate(body: bytes) -> bool:
    try:
        VisitEvent.model_validate(json.loads(body))
    except (ValueError, ValidationError):  # json.JSONDecodeError is a ValueError
        return False
    return True


def seed_serial(endpoint: str, bucket: str, prefix: str, limit: int | None = None) -> dict[str, int]:
    """One client; list then, file by file, get + json.loads + validate."""
    client = _client(boto3.session.Session(), endpoint)
    listed = valid = 0
    for key in _event_keys(client, bucket, prefix, limit):
        listed += 1
        valid += _validate(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    return {"files_listed": listed, "files_fetched": listed, "events_valid": valid}


def reference_threads(endpoint: str, bucket: str, prefix: str, limit: int | None = None) -> dict[str, int]:
    """List with one client, then 50 threads, each file fetched through a client made for it."""
    keys = list(_event_keys(_client(boto3.session.Session(), endpoint), bucket, prefix, limit))
    local = threading.local()

    def fetch(key: str) -> bool:
        if not hasattr(local, "session"):
            local.session = boto3.session.Session()
        client = _client(local.session, endpoint)  # a new client per file, as the reference does
        return _validate(client.get_object(Bucket=bucket, Key=key)["Body"].read())

    with ThreadPoolExecutor(max_workers=REFERENCE_THREADS) as pool:
        valid = sum(pool.map(fetch, keys))
    return {"files_listed": len(keys), "files_fetched": len(keys), "events_valid": valid}
