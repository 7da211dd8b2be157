"""Listing a prefix through boto3, every key exactly as stored, in key order, serially or in parallel.

ListObjectsV2 answers at most 1,000 keys a page, and the next page needs this page's
token: listed serially, 1,000,000 keys are 1,000 round trips (~150 ms each on S3).
`list_parallel` asks for the first page as the paginator does; when it is the only page,
that is all. Otherwise the rest of the key space is cut into ranges `(lo, hi]` at the
event names' structure (the four action prefixes), each range is listed from
`StartAfter=lo` until a key passes `hi`, and a range that still has far to go is split
at the midpoint of its remaining timestamps whenever a worker falls idle.

The ranges partition the key space whatever the keys look like: the result is the
paginator's, key for key and in the same order (S3 lists in UTF-8 byte order, which is
Python's code-point order). Only the speed depends on the keys being event names.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from checkpoint_lambda.domain.listing import ObjectInfo

LIST_PAGE_SIZE: Final = 1000
ACTION_PREFIXES: Final = ("log-delete-", "log-not-pass-qc-", "log-pass-qc-", "log-submit-")  # in key order
_STAMPED = re.compile(r"log-(not-pass-qc|pass-qc|submit|delete)-(\d{8}-\d{6})")
_STAMP_FORMAT: Final = "%Y%m%d-%H%M%S"
_MIN_PAGES_TO_SPLIT: Final = 2.0


def list_serial(client: Any, bucket: str, prefix: str) -> Iterator[ObjectInfo]:
    """Every object under `prefix`, page by page (ListObjectsV2, 1,000 keys a page)."""
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": LIST_PAGE_SIZE}
    )
    for page in pages:
        yield from _infos(page.get("Contents", ()))


def list_parallel(
    client: Any, bucket: str, prefix: str, concurrency: int, page_size: int = LIST_PAGE_SIZE
) -> Iterator[ObjectInfo]:
    """What `list_serial` yields, listed by up to `concurrency` threads sharing `client` (thread-safe)."""
    first = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=page_size)
    head = _infos(first.get("Contents", ()))
    yield from head
    if not first.get("IsTruncated"):
        return  # a small prefix: one request
    if concurrency <= 1:
        yield from _continue_serially(client, bucket, prefix, page_size, first["NextContinuationToken"])
        return
    lister = _RangeLister(client, bucket, prefix, page_size, _base_of(prefix, head[-1].key))
    yield from lister.run(head[-1].key, concurrency)


def _infos(contents: Any) -> list[ObjectInfo]:
    return [
        ObjectInfo(c["Key"], c.get("ETag", ""), c["LastModified"], c["Size"], c.get("StorageClass")) for c in contents
    ]


def _continue_serially(client: Any, bucket: str, prefix: str, page_size: int, token: str) -> Iterator[ObjectInfo]:
    while True:
        page = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=page_size, ContinuationToken=token)
        yield from _infos(page.get("Contents", ()))
        if not page.get("IsTruncated"):
            return
        token = page["NextContinuationToken"]


def _base_of(prefix: str, key: str) -> str:
    """The folder the event names sit in: `prefix` itself, or (for a prefix like `prod`) `prod/`."""
    folder = key[: key.rfind("/") + 1]
    return folder if len(folder) >= len(prefix) else prefix


def _stamp_of(key: str, base: str) -> tuple[str, datetime] | None:
    """(action, timestamp) of an event name directly in `base`, or None for any other key."""
    if not key.startswith(base) or "/" in key[len(base) :]:
        return None
    match = _STAMPED.match(key, len(base))
    if match is None:
        return None
    try:
        return match[1], datetime.strptime(match[2], _STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass
class _Range:
    """Keys after `lo` up to and including `hi` (None: to the end); `hi` only ever moves down."""

    lo: str
    hi: str | None
    infos: list[ObjectInfo] = field(default_factory=list)
    taken: bool = False
    done: bool = False
    last: str = ""  # the last key kept, or `lo`: everything up to it is listed
    seconds_per_page: float | None = None  # the timestamp span of its latest page of event names

    def __post_init__(self) -> None:
        self.last = self.lo

    def admits(self, key: str) -> bool:
        return self.hi is None or key <= self.hi


class _RangeLister:
    """Threads taking ranges from a shared set; an idle thread splits the range with most left."""

    def __init__(self, client: Any, bucket: str, prefix: str, page_size: int, base: str) -> None:
        self._client, self._bucket, self._prefix, self._page_size = client, bucket, prefix, page_size
        self._base = base
        self._ranges: list[_Range] = []
        self._changed = threading.Condition()
        self._failure: BaseException | None = None
        self._horizon = datetime.now(UTC) + timedelta(days=1)  # no event name is stamped later

    def run(self, after: str, concurrency: int) -> Iterator[ObjectInfo]:
        bounds = [b for b in (self._base + p for p in ACTION_PREFIXES) if b > after]
        edges: list[str | None] = [*bounds, None]
        self._ranges = [_Range(lo, hi) for lo, hi in zip([after, *bounds], edges, strict=True)]
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="s3-list") as pool:
            workers = [pool.submit(self._work) for _ in range(concurrency)]
            for worker in workers:
                worker.result()  # re-raises the first S3 error a worker met
        for piece in sorted(self._ranges, key=lambda r: r.lo):
            yield from piece.infos

    def _work(self) -> None:
        try:
            while (piece := self._next()) is not None:
                self._list(piece)
        except BaseException as exc:
            with self._changed:
                self._failure = self._failure or exc
                self._changed.notify_all()
            raise

    def _next(self) -> _Range | None:
        """A range nobody lists yet, else a split of the busiest one; None once all are listed."""
        with self._changed:
            while self._failure is None:
                waiting = next((r for r in self._ranges if not r.taken), None)
                if waiting is None:
                    waiting = self._split_busiest()
                if waiting is not None:
                    waiting.taken = True
                    return waiting
                if all(r.done for r in self._ranges):
                    return None
                self._changed.wait()
            return None

    def _list(self, piece: _Range) -> None:
        token: str | None = None
        while True:
            start = {"ContinuationToken": token} if token else {"StartAfter": piece.lo}
            page = self._client.list_objects_v2(
                Bucket=self._bucket, Prefix=self._prefix, MaxKeys=self._page_size, **start
            )
            with self._changed:
                if self._failure is not None:
                    return
                contents = page.get("Contents", ())
                kept = _infos(c for c in contents if piece.admits(c["Key"]))
                piece.infos.extend(kept)
                if kept:
                    piece.last = kept[-1].key
                    piece.seconds_per_page = self._page_seconds(kept[0].key, kept[-1].key)
                piece.done = len(kept) < len(contents) or not page.get("IsTruncated")
                self._changed.notify_all()
                if piece.done:
                    return
            token = page["NextContinuationToken"]

    def _page_seconds(self, first: str, last: str) -> float | None:
        a, b = _stamp_of(first, self._base), _stamp_of(last, self._base)
        if a is None or b is None or a[0] != b[0]:
            return None
        return max((b[1] - a[1]).total_seconds(), 1.0)

    def _split_busiest(self) -> _Range | None:
        """Cut the busy range with most pages left at its remaining timestamps' midpoint (lock held)."""
        best: tuple[float, _Range, str] | None = None
        for piece in self._ranges:
            if piece.done or not piece.taken or piece.seconds_per_page is None:
                continue
            found = self._midpoint(piece)
            if found is not None and (best is None or found[0] > best[0]):
                best = (found[0], piece, found[1])
        if best is None:
            return None
        _pages, victim, middle = best
        tail = _Range(middle, victim.hi)
        victim.hi = middle
        self._ranges.append(tail)
        return tail

    def _midpoint(self, piece: _Range) -> tuple[float, str] | None:
        """(pages left, split key) for `piece`, if it has enough left to be worth a second worker."""
        stamp = _stamp_of(piece.last, self._base)
        if stamp is None or piece.seconds_per_page is None:
            return None
        action, now_at = stamp
        end = _stamp_of(piece.hi, self._base) if piece.hi is not None else None
        until = end[1] if end is not None and end[0] == action else self._horizon
        pages = (until - now_at).total_seconds() / piece.seconds_per_page
        if pages < _MIN_PAGES_TO_SPLIT:
            return None
        middle = f"{self._base}log-{action}-{(now_at + (until - now_at) / 2):{_STAMP_FORMAT}}"
        if middle <= piece.last or not piece.admits(middle) or middle == piece.hi:
            return None
        return pages, middle
