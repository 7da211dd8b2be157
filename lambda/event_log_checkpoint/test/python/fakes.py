"""An in-memory object store that implements the `ObjectStore` port, with faults on demand.

The contract suite (adapters/test_object_store_contract.py) runs the same tests against
this fake and against the real S3 adapter on moto's server, so the fake cannot drift.
Faults are scripted per key: a concurrent writer that wins the race, a write that S3
applies but whose answer is lost, a refusal, a fetch that keeps failing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from checkpoint_lambda.adapters.object_store import (
    FetchedObject,
    FetchFailed,
    ObjectState,
    OnFetched,
    RestoreTier,
    VersionedBytes,
)
from checkpoint_lambda.domain.listing import ObjectInfo
from checkpoint_lambda.errors import (
    BucketMissing,
    CheckpointError,
    PreconditionFailed,
    SourceAccessDenied,
    StorageError,
)

ARCHIVED_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})


@dataclass
class StoredObject:
    data: bytes
    etag: str
    last_modified: datetime
    storage_class: str | None = None
    #: Intelligent-Tiering's archive tiers: ARCHIVE_ACCESS or DEEP_ARCHIVE_ACCESS.
    archive_status: str | None = None
    restore: str | None = None  # None, "ongoing" or "done"

    @property
    def readable(self) -> bool:
        archived = self.storage_class in ARCHIVED_CLASSES or self.archive_status is not None
        return not archived or self.restore == "done"


@dataclass
class InMemoryObjectStore:
    """One bucket in memory. `requests` counts calls by kind (list, read, write, fetch)."""

    bucket: str = "memory"
    access_denied: type[CheckpointError] = SourceAccessDenied
    missing: type[BucketMissing] = BucketMissing
    #: The bucket does not exist: every call raises `missing` (a key's absence is something else).
    bucket_missing: bool = False
    objects: dict[str, StoredObject] = field(default_factory=dict)
    requests: dict[str, int] = field(
        default_factory=lambda: {"list": 0, "read": 0, "write": 0, "fetch": 0, "head": 0, "restore": 0}
    )
    #: A restore completes at once (as on moto's server); False: it stays in progress.
    restores_complete: bool = True
    #: Called with the key just before a write is checked: a concurrent writer can act there.
    before_write: dict[str, Callable[[], None]] = field(default_factory=dict)
    #: Keys whose next write S3 applies but whose answer is lost (the retry then sees 412).
    lose_answer: set[str] = field(default_factory=set)
    #: Keys (prefixes) every operation on which is refused, or fails as S3 does after its retries.
    denied: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)
    fetch_failures: dict[str, FetchFailed] = field(default_factory=dict)
    #: Raised by every call: stands for a bug anywhere below the service.
    broken: Exception | None = None
    _clock: datetime = datetime(2026, 1, 1, tzinfo=UTC)

    def put(self, key: str, data: bytes, storage_class: str | None = None, archive_status: str | None = None) -> str:
        """Arrange an object, unconditionally (test setup, or another writer)."""
        self._clock += timedelta(seconds=1)
        etag = f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'
        self.objects[key] = StoredObject(data, etag, self._clock, storage_class, archive_status)
        return etag

    def list_objects(self, prefix: str) -> Iterator[ObjectInfo]:
        self.requests["list"] += 1
        self._check(prefix, "listing")
        for key in sorted(k for k in self.objects if k.startswith(prefix)):
            found = self.objects[key]
            yield ObjectInfo(key, found.etag, found.last_modified, len(found.data), found.storage_class)

    def read(self, key: str) -> VersionedBytes | None:
        self.requests["read"] += 1
        self._check(key, "reading")
        found = self.objects.get(key)
        return VersionedBytes(found.data, found.etag) if found else None

    def write(self, key: str, data: bytes, expected_etag: str | None) -> str:
        self.requests["write"] += 1
        self._check(key, "writing")
        if key in self.before_write:
            self.before_write.pop(key)()
        current = self.objects.get(key)
        attempted = f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'
        if (current is None) != (expected_etag is None) or (current and current.etag != expected_etag):
            raise PreconditionFailed(key, attempted)
        etag = self.put(key, data)
        if key in self.lose_answer:
            self.lose_answer.discard(key)
            raise PreconditionFailed(key, attempted)  # the client's retry of an applied PUT
        return etag

    def fetch_each(self, objects: Sequence[ObjectInfo], on_fetched: OnFetched, keep_going: Callable[[], bool]) -> None:
        for info in objects:
            if not keep_going():
                return
            self.requests["fetch"] += 1
            on_fetched(info, self._fetch(info.key))

    def head(self, key: str) -> ObjectState | None:
        self.requests["head"] += 1
        self._check(key, "inspecting")
        found = self.objects.get(key)
        if found is None:
            return None
        return ObjectState(found.etag, found.storage_class, found.readable, restoring=found.restore == "ongoing")

    def restore(self, key: str, tier: RestoreTier, storage_class: str | None = None) -> bool:
        self.requests["restore"] += 1
        self._check(key, "restoring")
        found = self.objects[key]
        if found.restore == "ongoing":
            return False
        found.restore = "done" if self.restores_complete else "ongoing"
        return True

    def _fetch(self, key: str) -> FetchedObject | FetchFailed:
        if key in self.fetch_failures:
            return self.fetch_failures[key]
        if any(key.startswith(p) for p in self.denied):
            return FetchFailed("AccessDenied HTTP 403")
        found = self.objects.get(key)
        if found is None:
            return FetchFailed("object vanished between listing and fetching (404 NoSuchKey)", missing=True)
        if not found.readable:
            return FetchFailed("InvalidObjectState HTTP 403", archived=True)
        return FetchedObject(found.data, found.etag, found.last_modified)

    def _check(self, key: str, action: str) -> None:
        if self.broken is not None:
            raise self.broken
        where = f"s3://{self.bucket}/{key}"
        if self.bucket_missing:
            raise self.missing(f"{action} {where}: bucket {self.bucket!r} does not exist (check its name)")
        if any(key.startswith(p) for p in self.denied):
            raise self.access_denied(f"{action} {where} was denied: AccessDenied HTTP 403")
        if any(key.startswith(p) for p in self.failing):
            raise StorageError(f"{action} {where} failed: SlowDown HTTP 503")
