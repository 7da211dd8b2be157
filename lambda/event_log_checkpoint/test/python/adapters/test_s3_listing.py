"""Parallel listing against moto's server: the serial paginator's answer, key for key, in order."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkpoint_lambda.adapters.s3_listing import list_parallel, list_serial
from profiles import examples
from strategies import listing_key_sets

_examples = iter(range(10**9))


def _put(client: Any, bucket: str, keys: list[str]) -> None:
    for key in keys:
        client.put_object(Bucket=bucket, Key=key, Body=b"{}")


def _listed(infos: Any) -> list[tuple[str, str, int]]:
    return [(info.key, info.etag, info.size) for info in infos]


def _count_lists(client: Any) -> list[int]:
    """A counter of ListObjectsV2 calls the client makes (botocore's own event hooks)."""
    calls = [0]

    def count(**_: Any) -> None:
        calls[0] += 1

    client.meta.events.register("before-call.s3.ListObjectsV2", count)
    return calls


# Each example lists under a root of its own: the bucket fixture's state cannot leak between them.
@settings(max_examples=examples(30), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=listing_key_sets,
    folder=st.sampled_from(["log/", "log", "log/sub", ""]),
    page_size=st.integers(min_value=1, max_value=7),
    concurrency=st.integers(min_value=1, max_value=8),
)
def test_parallel_listing_returns_what_the_paginator_returns(
    s3_client: Any, bucket: str, names: set[str], folder: str, page_size: int, concurrency: int
) -> None:
    """For any keys under any prefix (and keys beside it), any page size and concurrency, the
    parallel listing yields exactly the serial paginator's objects in the same order."""
    root = f"example-{next(_examples)}/"
    _put(s3_client, bucket, [f"{root}log/{name}" for name in names] + [f"{root}lof", f"{root}log0", f"{root}m"])
    prefix = root + folder
    serial = _listed(list_serial(s3_client, bucket, prefix))
    parallel = _listed(list_parallel(s3_client, bucket, prefix, concurrency, page_size=page_size))
    assert parallel == serial
    assert len({key for key, _, _ in parallel}) == len(parallel)


def test_a_prefix_that_fits_one_page_costs_one_request(s3_client: Any, bucket: str) -> None:
    _put(s3_client, bucket, [f"log/log-submit-2025030{i}-120000-42-ingest-form-1-01.json" for i in range(1, 6)])
    calls = _count_lists(s3_client)
    listed = list(list_parallel(s3_client, bucket, "log/", concurrency=8))
    assert len(listed) == 5
    assert calls == [1]


def test_an_empty_prefix_costs_one_request(s3_client: Any, bucket: str) -> None:
    calls = _count_lists(s3_client)
    assert list(list_parallel(s3_client, bucket, "nothing/", concurrency=8)) == []
    assert calls == [1]


def test_a_log_of_many_pages_is_listed_in_ranges_and_whole(s3_client: Any, bucket: str) -> None:
    """2,500 event names over four actions and three years, 1,000-key pages: ranges are listed
    from several starting points (more requests than the three pages), and nothing differs."""
    keys = [
        f"log/log-{action}-{2023 + i % 3}{1 + i % 12:02d}{1 + i % 28:02d}-{i % 24:02d}0000-42-ingest-form-{i}-01.json"
        for i, action in zip(range(2500), ["submit", "pass-qc", "not-pass-qc", "submit", "delete"] * 500, strict=True)
    ]
    _put(s3_client, bucket, keys)
    calls = _count_lists(s3_client)
    parallel = _listed(list_parallel(s3_client, bucket, "log/", concurrency=8))
    assert calls[0] > 3
    assert parallel == _listed(list_serial(s3_client, bucket, "log/"))
    assert [key for key, _, _ in parallel] == sorted(keys)


def test_a_missing_bucket_is_the_first_request_error(s3_client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        list(list_parallel(s3_client, "no-such-bucket-anywhere", "log/", concurrency=8))
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"
