"""The one optimistic write loop: merge into what is stored, write conditionally, on a lost race reload and merge again.

Both the checkpoints and the failure record are written this way, so two runs at
once can never lose each other's rows or verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from checkpoint_lambda.errors import ConcurrentUpdateConflict, PreconditionFailed
from checkpoint_lambda.observability import logger

MAX_WRITE_ATTEMPTS: Final = 5


class Versioned(Protocol):
    @property
    def etag(self) -> str | None: ...


@dataclass(frozen=True)
class WriteOutcome[Stored]:
    """The object as it stands after the loop, whether this loop's write went in, and what it was merged into."""

    stored: Stored
    written: bool
    base: Stored


@dataclass(frozen=True)
class OptimisticWrite[Stored: Versioned, Value]:
    """How to merge, save and reload one object; `merge` returns None when there is nothing to write."""

    key: str
    merge: Callable[[Stored], Value | None]
    save: Callable[[Value, Stored], Stored]
    reload: Callable[[], Stored]

    def run(self, first: Stored) -> WriteOutcome[Stored]:
        """Raises ConcurrentUpdateConflict when other writers win every one of the attempts."""
        current = first
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            value = self.merge(current)
            if value is None:
                return WriteOutcome(current, written=False, base=current)
            try:
                return WriteOutcome(self.save(value, current), written=True, base=current)
            except PreconditionFailed as lost:
                logger.warning("object changed since read; merging again", extra={"key": self.key, "attempt": attempt})
                base, current = current, self.reload()
                if lost.attempted_etag is not None and current.etag == lost.attempted_etag:
                    return WriteOutcome(current, written=True, base=base)  # ours, its answer lost
        raise ConcurrentUpdateConflict(f"{self.key} kept changing during {MAX_WRITE_ATTEMPTS} write attempts")
