"""`CheckpointStore`: checkpoint parquet objects in and out of a bucket, with conditional writes.

Only a real 404 means "no checkpoint yet". Anything else that stops a read is an
error, so that a transient fault can never make a run write a fresh checkpoint over
the history. A read decodes only the version columns at first (all that selection
needs); the whole table is decoded when a run adds rows to it.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from typing import Final

import polars as pl

from checkpoint_lambda.adapters.object_store import ObjectStore
from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.schema import CheckpointSchemaMismatch, schema_problems, without_empty_optional_columns
from checkpoint_lambda.errors import CheckpointUnreadable
from checkpoint_lambda.version import VERSION

PARQUET_COMPRESSION: Final = "zstd"
# Fixed row groups: a checkpoint with new rows spliced in is many chunks, which the writer
# would otherwise turn into row groups of any size, down to one row.
PARQUET_ROW_GROUP_ROWS: Final = 131_072
INDEX_COLUMNS: Final = ["source_key", "source_etag", "timestamp"]


@dataclass
class StoredCheckpoint:
    """A checkpoint object as read (or written), and the ETag a replacing write must match.

    `etag` is None when there is no object yet. `index` holds the source_key,
    source_etag and timestamp of every row.
    """

    key: str
    etag: str | None
    size_bytes: int
    index: pl.DataFrame
    _data: bytes | None = field(default=None, repr=False)
    _checkpoint: Checkpoint | None = field(default=None, repr=False)

    @property
    def row_count(self) -> int:
        return self.index.height

    def checkpoint(self) -> Checkpoint:
        """All rows, decoded on first use. Raises CheckpointUnreadable for a damaged file."""
        if self._checkpoint is None:
            self._checkpoint = Checkpoint.empty() if self._data is None else _decode(self.key, self._data)
            self._data = None
        return self._checkpoint


def stored_as(key: str, checkpoint: Checkpoint, etag: str | None, size_bytes: int) -> StoredCheckpoint:
    index = checkpoint.dataframe.select(INDEX_COLUMNS)
    return StoredCheckpoint(key, etag, size_bytes, index, _checkpoint=checkpoint)


class CheckpointStore:
    """Reads and writes checkpoint objects of one bucket.

    Every file it writes names its writer (one id per store, so per run) in the parquet
    metadata: two runs that merge the same rows still write different bytes, so an
    object's ETag tells whose write it holds.
    """

    def __init__(self, objects: ObjectStore) -> None:
        self._objects = objects
        self._metadata = {"writer": uuid.uuid4().hex, "event_log_checkpoint_version": VERSION}

    def keys_under(self, prefix: str) -> list[str]:
        """The keys of every object under `prefix` (the per-group layout's groups are among them)."""
        return [info.key for info in self._objects.list_objects(prefix)]

    def load(self, key: str) -> StoredCheckpoint:
        """The stored checkpoint, or an empty one when the object does not exist.

        Raises CheckpointUnreadable when the object is not parquet of the checkpoint's schema.
        """
        found = self._objects.read(key)
        if found is None:
            return stored_as(key, Checkpoint.empty(), None, 0)
        try:
            problems = schema_problems(pl.Schema(pl.read_parquet_schema(io.BytesIO(found.data))))
            if problems:
                raise CheckpointUnreadable(f"{key}: not a checkpoint: {'; '.join(problems)}")
            index = pl.read_parquet(io.BytesIO(found.data), columns=INDEX_COLUMNS)
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            raise CheckpointUnreadable(f"{key}: not a readable parquet file ({type(exc).__name__})") from exc
        return StoredCheckpoint(key, found.etag, len(found.data), index, _data=found.data)

    def save(self, key: str, checkpoint: Checkpoint, expected_etag: str | None) -> StoredCheckpoint:
        """Write if the object is unchanged since read; raises PreconditionFailed if it changed.

        An optional column without any value is left out: the object keeps the columns
        earlier releases read, unless some row has data only the new column can hold.
        """
        buffer = io.BytesIO()
        without_empty_optional_columns(checkpoint.dataframe).write_parquet(
            buffer,
            compression=PARQUET_COMPRESSION,
            statistics=True,
            row_group_size=PARQUET_ROW_GROUP_ROWS,
            metadata=self._metadata,
        )
        data = buffer.getvalue()
        etag = self._objects.write(key, data, expected_etag)
        return stored_as(key, checkpoint, etag, len(data))


def _decode(key: str, data: bytes) -> Checkpoint:
    try:
        return Checkpoint(pl.read_parquet(io.BytesIO(data)))
    except CheckpointSchemaMismatch as exc:
        raise CheckpointUnreadable(f"{key}: {exc}") from exc
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise CheckpointUnreadable(f"{key}: not a readable parquet file ({type(exc).__name__})") from exc
