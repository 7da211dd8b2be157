"""`FailureRecordStore`: the failure record's JSON object in and out of a bucket, conditionally."""

from __future__ import annotations

from dataclasses import dataclass

from checkpoint_lambda.adapters.object_store import ObjectStore
from checkpoint_lambda.domain.failure_record import FailureRecord
from checkpoint_lambda.errors import CheckpointUnreadable


@dataclass(frozen=True)
class StoredFailureRecord:
    """A record as read, and the ETag a replacing write must match (None: no object yet)."""

    record: FailureRecord
    etag: str | None


class FailureRecordStore:
    """Reads and conditionally writes failure records of one bucket."""

    def __init__(self, objects: ObjectStore) -> None:
        self._objects = objects

    def load(self, key: str) -> StoredFailureRecord:
        """Raises CheckpointUnreadable when the object is not a failure record (it is never overwritten)."""
        found = self._objects.read(key)
        if found is None:
            return StoredFailureRecord(FailureRecord(), None)
        try:
            return StoredFailureRecord(FailureRecord.from_json(found.data), found.etag)
        except ValueError as exc:
            raise CheckpointUnreadable(f"{key}: unreadable failure record ({exc})") from exc

    def save(self, key: str, record: FailureRecord, expected_etag: str | None) -> StoredFailureRecord:
        """Raises PreconditionFailed when another run wrote the record since it was read."""
        return StoredFailureRecord(record, self._objects.write(key, record.to_json(), expected_etag))
