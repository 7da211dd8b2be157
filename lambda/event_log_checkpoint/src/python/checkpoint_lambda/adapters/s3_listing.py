"""Listing a prefix through boto3, every key exactly as stored, in key order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from checkpoint_lambda.domain.listing import ObjectInfo

LIST_PAGE_SIZE: Final = 1000


def list_serial(client: Any, bucket: str, prefix: str) -> Iterator[ObjectInfo]:
    """Every object under `prefix`, page by page (ListObjectsV2, 1,000 keys a page)."""
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": LIST_PAGE_SIZE}
    )
    for page in pages:
        for item in page.get("Contents", ()):
            yield ObjectInfo(item["Key"], item.get("ETag", ""), item["LastModified"], item["Size"])
