"""What a listing of the log found, and which of those object versions a run must fetch.

Selection is by object version, not by time: a run fetches exactly the listed event
files whose (key, ETag) is neither a checkpoint row nor in the failure record. Late
files and rewritten keys are therefore always picked up, and a run with nothing new
fetches nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from checkpoint_lambda.domain.checkpoint import unseen_versions
from checkpoint_lambda.domain.failure_record import FailureRecord

#: Storage classes whose objects need a restore before a GET (GLACIER_IR is read directly).
ARCHIVED_STORAGE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """A listed object version: the ETag identifies its content; the storage class comes with
    the listing (None: not given, which S3 means as STANDARD)."""

    key: str
    etag: str
    last_modified: datetime
    size: int
    storage_class: str | None = None

    @property
    def archived_by_class(self) -> bool:
        """Unreadable without a restore, as the listing already shows (Intelligent-Tiering's
        archive tiers show only when a GET fails)."""
        return self.storage_class in ARCHIVED_STORAGE_CLASSES


@dataclass(frozen=True)
class Listing:
    """The event files found under a prefix, and what was passed over without fetching."""

    prefix: str
    events: list[ObjectInfo]
    versions: dict[str, str]  # every event-named key listed -> its ETag, selected or not
    non_event_keys: int = 0
    sandbox_by_name: int = 0
    before_since: int = 0

    @property
    def files_listed(self) -> int:
        return len(self.versions)


def select_unseen(listed: Sequence[ObjectInfo], held: pl.DataFrame, record: FailureRecord) -> list[ObjectInfo]:
    """The listed objects whose version is neither in `held` (source_key, source_etag) nor recorded."""
    if not listed:
        return []
    known = record.versions()
    candidates = [info for info in listed if (info.key, info.etag) not in known]
    frame = pl.DataFrame(
        {"source_key": [i.key for i in candidates], "source_etag": [i.etag for i in candidates]},
        schema={"source_key": pl.String, "source_etag": pl.String},
    ).with_row_index("position")
    positions = unseen_versions(frame, held).get_column("position").sort().to_list()
    return [candidates[p] for p in positions]
