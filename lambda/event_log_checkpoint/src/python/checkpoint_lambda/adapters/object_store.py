"""The port every S3 access goes through: list, read, write conditionally, fetch in bulk.

`S3ObjectStore` (adapters/s3.py) implements it on a real S3 API; the tests' in-memory
store implements it too, and one contract suite holds both to the same behaviour.
Implementations translate their own errors: access refused raises the store's
access-denied error (a `CheckpointError` subclass chosen by whoever builds the store),
any other failure that retries did not cure raises `StorageError`, a lost conditional
write raises `PreconditionFailed`. A failed fetch is not raised: it is a `FetchFailed`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from checkpoint_lambda.domain.listing import ObjectInfo


@dataclass(frozen=True, slots=True)
class VersionedBytes:
    """An object's content and the ETag to make the next write conditional on."""

    data: bytes
    etag: str


@dataclass(frozen=True, slots=True)
class FetchedObject:
    """An event file's content, with the version it was read at."""

    data: bytes
    etag: str
    last_modified: datetime


@dataclass(frozen=True, slots=True)
class FetchFailed:
    """A fetch that S3 refused or kept failing: `reason` is one line, without bodies.

    `archived` objects (GLACIER, DEEP_ARCHIVE) stay unreadable until someone restores them;
    a `missing` object was deleted since it was listed or notified.
    """

    reason: str
    archived: bool = False
    missing: bool = False


@dataclass(frozen=True, slots=True)
class ObjectState:
    """What a HEAD says of an object: its version, its storage class, and whether a GET can read it.

    `readable` is false for an archived object without a restored copy; `restoring` says a
    restore is under way (S3's `x-amz-restore: ongoing-request="true"`).
    """

    etag: str
    storage_class: str | None
    readable: bool
    restoring: bool = False


RestoreTier = Literal["bulk", "standard"]
FetchOutcome = FetchedObject | FetchFailed
OnFetched = Callable[[ObjectInfo, FetchOutcome], None]


class ObjectStore(Protocol):
    """One bucket."""

    @property
    def bucket(self) -> str: ...

    def list_objects(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object under `prefix`, in key order, keys exactly as stored."""
        ...

    def read(self, key: str) -> VersionedBytes | None:
        """The object, or None when (and only when) it does not exist."""
        ...

    def write(self, key: str, data: bytes, expected_etag: str | None) -> str:
        """Write only if the object is absent (`expected_etag` None) or still at `expected_etag`.

        Returns the new ETag; raises PreconditionFailed when another writer got there first.
        """
        ...

    def fetch_each(self, objects: Sequence[ObjectInfo], on_fetched: OnFetched, keep_going: Callable[[], bool]) -> None:
        """Fetch `objects` concurrently, calling `on_fetched` once for each fetched.

        Stops taking new objects once `keep_going()` is false; those are never passed
        to `on_fetched`.
        """
        ...

    def head(self, key: str) -> ObjectState | None:
        """The object's state (no content), or None when it does not exist."""
        ...

    def restore(self, key: str, tier: RestoreTier, storage_class: str | None = None) -> bool:
        """Ask for a readable copy of an archived object (`storage_class` as a HEAD gave it).
        True: a restore was started; False: one was already in progress (also a success)."""
        ...
