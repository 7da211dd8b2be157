"""The answer of a relayout: what was read, where each row went, what was written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Action = Literal["written", "would write", "already there"]


@dataclass(frozen=True, slots=True)
class ObjectOutcome:
    """One destination object: its path, its rows (entries, for the failure record), and what was done."""

    path: str
    rows: int
    action: Action
    size_bytes: int

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "action": self.action, "bytes": self.size_bytes}


@dataclass(frozen=True)
class RelayoutResult:
    """Rows read, per destination object what was done, the quarantine and the failure record."""

    dry_run: bool
    source: str
    destination: str
    rows_read: int
    objects: list[ObjectOutcome]
    quarantine: ObjectOutcome | None
    failure_record: ObjectOutcome | None
    record_entries_carried: int
    record_entries_added: int

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine.rows if self.quarantine else 0

    @property
    def written(self) -> list[ObjectOutcome]:
        every = [*self.objects, self.quarantine, self.failure_record]
        return [outcome for outcome in every if outcome is not None and outcome.action == "written"]

    def as_json(self) -> dict[str, Any]:
        """The command's answer; `rows_read` = the rows of `objects` + `rows_quarantined`."""
        return {
            "dry_run": self.dry_run,
            "source": self.source,
            "destination": self.destination,
            "event_files_read": 0,
            "rows_read": self.rows_read,
            "rows_placed": sum(outcome.rows for outcome in self.objects),
            "rows_quarantined": self.rows_quarantined,
            "quarantine": self.quarantine.as_json() if self.quarantine else None,
            "failure_record": self.failure_record.as_json() if self.failure_record else None,
            "failure_record_entries_carried": self.record_entries_carried,
            "failure_record_entries_added": self.record_entries_added,
            "objects": [outcome.as_json() for outcome in self.objects],
            "objects_written": len(self.written),
            "bytes_written": sum(outcome.size_bytes for outcome in self.written),
        }
