"""`CheckpointStore`: the checkpoint parquet in and out of S3, with conditional writes.

Only a real 404 means "no checkpoint yet". Anything else that stops a read is an
error, so that a transient fault can never make a run write a fresh checkpoint over
the history.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

import obstore
import polars as pl
from obstore.exceptions import BaseError
from obstore.store import S3Store

from checkpoint_lambda.checkpoint import Checkpoint, CheckpointSchemaMismatch
from checkpoint_lambda.errors import CheckpointAccessDenied, CheckpointUnreadable, StorageError
from checkpoint_lambda.object_store import describe_error, is_access_denied, read_versioned, write_conditional
from checkpoint_lambda.observability import tracer

PARQUET_COMPRESSION: Final = "zstd"
# Fixed row groups: a checkpoint with new rows spliced in is many chunks, which the writer
# would otherwise turn into row groups of any size, down to one row.
PARQUET_ROW_GROUP_ROWS: Final = 131_072


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as read, with the ETag a replacing write must match (None: no object yet)."""

    checkpoint: Checkpoint
    etag: str | None
    size_bytes: int = 0


class CheckpointStore:
    """Reads and writes one checkpoint object."""

    def __init__(self, store: S3Store, key: str) -> None:
        self._store = store
        self.key = key

    def exists(self) -> bool:
        try:
            obstore.head(self._store, self.key)
        except FileNotFoundError:
            return False
        except (BaseError, OSError) as exc:
            raise _read_error(self.key, exc) from exc
        return True

    @tracer.capture_method(capture_response=False)
    def load(self) -> StoredCheckpoint:
        """The stored checkpoint, or an empty one when the object does not exist."""
        try:
            found = read_versioned(self._store, self.key)
        except (BaseError, OSError) as exc:
            raise _read_error(self.key, exc) from exc
        if found is None:
            return StoredCheckpoint(Checkpoint.empty(), None)
        try:
            frame = pl.read_parquet(io.BytesIO(found.data))
            checkpoint = Checkpoint(frame)
        except CheckpointSchemaMismatch as exc:
            raise CheckpointUnreadable(f"{self.key}: {exc}") from exc
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            raise CheckpointUnreadable(f"{self.key}: not a readable parquet file ({type(exc).__name__})") from exc
        return StoredCheckpoint(checkpoint, found.etag, len(found.data))

    def save(self, checkpoint: Checkpoint, expected_etag: str | None) -> StoredCheckpoint:
        """Write if the object is unchanged since read; raises PreconditionFailed if it changed."""
        buffer = io.BytesIO()
        checkpoint.dataframe.write_parquet(
            buffer, compression=PARQUET_COMPRESSION, statistics=True, row_group_size=PARQUET_ROW_GROUP_ROWS
        )
        data = buffer.getvalue()
        try:
            # A plain subsegment: Tracer.capture_method would log a lost race (412) as an error.
            with tracer.provider.in_subsegment("## CheckpointStore.save"):
                etag = write_conditional(self._store, self.key, data, expected_etag)
        except (BaseError, OSError) as exc:
            if is_access_denied(exc):
                raise CheckpointAccessDenied(f"writing {self.key} was denied: {describe_error(exc)}") from exc
            raise StorageError(f"writing {self.key} failed: {describe_error(exc)}") from exc
        return StoredCheckpoint(checkpoint, etag, len(data))


def _read_error(key: str, exc: BaseException) -> Exception:
    if is_access_denied(exc):
        return CheckpointAccessDenied(f"reading {key} was denied: {describe_error(exc)}")
    return StorageError(f"reading {key} failed: {describe_error(exc)}")
