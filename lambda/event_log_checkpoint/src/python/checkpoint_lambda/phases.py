"""How long each phase of a run took (list, read, fetch, merge, write), in milliseconds.

Lambda's own active tracing shows the invocation; the phases inside it are log fields
(`phase_ms` in "run finished") and metrics (`PhaseDuration`, dimension `phase`), which
need no tracing SDK in the function.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

PHASES: Final = ("list", "read", "fetch", "merge", "write")


class PhaseClock:
    """Adds up the time spent in each phase; a phase may be entered many times (merge, write)."""

    def __init__(self) -> None:
        self._seconds: dict[str, float] = dict.fromkeys(PHASES, 0.0)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._seconds[name] = self._seconds.get(name, 0.0) + time.perf_counter() - started

    def milliseconds(self) -> dict[str, int]:
        return {name: round(seconds * 1000) for name, seconds in self._seconds.items()}
