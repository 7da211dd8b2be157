"""Where checkpoint rows go: one object for the whole log, or one object per (study, datatype).

Both layouts keep one failure record for the whole log, outside the folder an Athena
table reads (the checkpoint's folder, or the template's fixed prefix): anything in that
folder would be read as table rows. `a/events/checkpoint.parquet` keeps its failed files
in `a/events_failures/checkpoint.json`; `prod/checkpoints/{study}/{datatype}/events.parquet`
in `prod/checkpoints_failures/events.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from checkpoint_lambda.domain.key_template import KeyTemplate

if TYPE_CHECKING:  # configuration reads layouts without loading the event model (and pydantic)
    from checkpoint_lambda.domain.events import VisitEvent


@dataclass(frozen=True)
class Group:
    """The (study, datatype) an object of the per-group layout holds; None fields in the single layout."""

    study: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class SingleObject:
    """Every row in the one object at `key`."""

    key: str

    @property
    def location(self) -> str:
        return self.key

    @property
    def failure_record_key(self) -> str:
        return _beside_folder(self.key.rpartition("/")[0], self.key.rpartition("/")[2])

    def key_for(self, event: VisitEvent) -> str:
        return self.key

    def group_of(self, key: str) -> Group | None:
        return Group() if key == self.key else None

    def listing_prefix(self) -> str | None:
        """None: the one key is known, no listing needed to find it."""
        return None


@dataclass(frozen=True)
class PerGroup:
    """One object per (study, datatype), at the template's key."""

    template: KeyTemplate

    @property
    def location(self) -> str:
        return self.template.text

    @property
    def failure_record_key(self) -> str:
        return _beside_folder(self.template.fixed_prefix.removesuffix("/"), self.template.file_name)

    def key_for(self, event: VisitEvent) -> str:
        return self.template.key_for(event.study, event.datatype.value)

    def group_of(self, key: str) -> Group | None:
        found = self.template.match(key)
        return Group(*found) if found else None

    def listing_prefix(self) -> str | None:
        return self.template.fixed_prefix


Layout = SingleObject | PerGroup


def _beside_folder(folder: str, file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return f"{folder}_failures/{stem}.json" if folder else f"{stem}_failures.json"
