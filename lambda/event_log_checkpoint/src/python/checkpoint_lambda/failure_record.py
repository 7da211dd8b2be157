"""The failure record: a small JSON object beside the checkpoint naming every listed file
version that did not become a checkpoint row (failed, or skipped as sandbox), and why.

It is what lets a run skip those versions instead of fetching them again, and report
them in every response until their file is rewritten (new ETag) or deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from obstore.exceptions import BaseError
from obstore.store import S3Store

from checkpoint_lambda.errors import CheckpointAccessDenied, CheckpointUnreadable, StorageError
from checkpoint_lambda.models import FileFailure
from checkpoint_lambda.object_store import describe_error, is_access_denied, read_versioned, write_conditional

FORMAT_VERSION = 1


@dataclass(frozen=True)
class FailureRecord:
    """Failed and skipped file versions, each keyed by its S3 key."""

    failures: Mapping[str, FileFailure] = field(default_factory=dict)
    skipped: Mapping[str, FileFailure] = field(default_factory=dict)

    def versions(self) -> set[tuple[str, str]]:
        """(key, etag) pairs a run need not fetch again."""
        return {(f.key, f.etag) for f in (*self.failures.values(), *self.skipped.values())}

    def updated(
        self,
        listed: Mapping[str, str],
        new_failures: Iterable[FileFailure] = (),
        new_skipped: Iterable[FileFailure] = (),
    ) -> FailureRecord:
        """Add the new entries; drop any whose key is no longer listed with that ETag.

        `listed` maps every currently listed event key to its ETag. A file that was
        rewritten or deleted leaves the record; its new version gets its own verdict.
        """

        def keep(entries: Iterable[FileFailure]) -> dict[str, FileFailure]:
            return {f.key: f for f in entries if listed.get(f.key) == f.etag}

        return FailureRecord(
            keep([*self.failures.values(), *new_failures]),
            keep([*self.skipped.values(), *new_skipped]),
        )

    def reconciled(self, ours: FailureRecord, listed: Mapping[str, str], seen_before: FailureRecord) -> FailureRecord:
        """This record (another run's, just written) combined with ours after a lost race.

        Our entries win. The other run's stay unless this run knows better: it listed the
        key with another ETag (rewritten), or it had the entry when it started and no
        longer lists the key (deleted). Entries about keys this run never saw stay.
        """
        known_before = seen_before.versions()

        def still_valid(entry: FileFailure) -> bool:
            if entry.key in listed:
                return listed[entry.key] == entry.etag
            return (entry.key, entry.etag) not in known_before

        def combine(theirs: Mapping[str, FileFailure], mine: Mapping[str, FileFailure]) -> dict[str, FileFailure]:
            return {**{k: f for k, f in theirs.items() if still_valid(f)}, **mine}

        return FailureRecord(combine(self.failures, ours.failures), combine(self.skipped, ours.skipped))

    def to_json(self) -> bytes:
        def rows(entries: Mapping[str, FileFailure]) -> list[dict[str, str]]:
            return [{"key": f.key, "etag": f.etag, "reason": f.reason} for f in sorted(entries.values(), key=_by_key)]

        body = {"version": FORMAT_VERSION, "failures": rows(self.failures), "skipped": rows(self.skipped)}
        return json.dumps(body, indent=1, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> FailureRecord:
        body = json.loads(data)
        if not isinstance(body, dict) or body.get("version") != FORMAT_VERSION:
            raise ValueError("not a failure record of this version")

        def entries(name: str) -> dict[str, FileFailure]:
            return {row["key"]: FileFailure(row["key"], row["etag"], row["reason"]) for row in body.get(name, [])}

        return cls(entries("failures"), entries("skipped"))


def _by_key(failure: FileFailure) -> str:
    return failure.key


@dataclass(frozen=True)
class StoredFailureRecord:
    record: FailureRecord
    etag: str | None


class FailureRecordStore:
    """Reads and conditionally writes the failure record object."""

    def __init__(self, store: S3Store, key: str) -> None:
        self._store = store
        self.key = key

    def load(self) -> StoredFailureRecord:
        try:
            found = read_versioned(self._store, self.key)
        except (BaseError, OSError) as exc:
            if is_access_denied(exc):
                raise CheckpointAccessDenied(f"reading {self.key} was denied: {describe_error(exc)}") from exc
            raise StorageError(f"reading {self.key} failed: {describe_error(exc)}") from exc
        if found is None:
            return StoredFailureRecord(FailureRecord(), None)
        try:
            return StoredFailureRecord(FailureRecord.from_json(found.data), found.etag)
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointUnreadable(f"{self.key}: unreadable failure record ({exc})") from exc

    def save(self, record: FailureRecord, expected_etag: str | None) -> str:
        """Raises PreconditionFailed when another run wrote the record since it was read."""
        try:
            return write_conditional(self._store, self.key, record.to_json(), expected_etag)
        except (BaseError, OSError) as exc:
            if is_access_denied(exc):
                raise CheckpointAccessDenied(f"writing {self.key} was denied: {describe_error(exc)}") from exc
            raise StorageError(f"writing {self.key} failed: {describe_error(exc)}") from exc
