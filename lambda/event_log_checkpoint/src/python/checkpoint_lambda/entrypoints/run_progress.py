"""What the `run` command shows on a terminal while it works: a count while listing, a bar while fetching.

Log lines never land inside the bar: the bar's line is erased before each log record is written
(`LogsOffTheBar`) and drawn again on the next update. None of this is used when stderr is piped.
"""

from __future__ import annotations

import logging
import time
from typing import TextIO

#: Redraws at most this often (seconds), whatever the rate of updates; the last update is always drawn.
REDRAW_EVERY_S = 0.1


class TerminalProgress:
    """One status line on `stream`: `listing: N objects`, then `fetching [####....] done/total`."""

    def __init__(self, stream: TextIO, width: int = 30, redraw_every_s: float = REDRAW_EVERY_S) -> None:
        self._stream = stream
        self._width = width
        self._redraw_every_s = redraw_every_s
        self._line = ""
        self._drawn_at = float("-inf")

    def listed(self, count: int) -> None:
        """Objects listed so far (every page): listing a large prefix takes minutes."""
        self._show(f"listing: {count:,} objects", final=False)

    def __call__(self, done: int, total: int) -> None:
        filled = self._width * done // total if total else self._width
        bar = "#" * filled + "." * (self._width - filled)
        self._show(f"fetching [{bar}] {done:,}/{total:,}", final=done == total)

    def note(self, text: str) -> None:
        """A line of its own above the status line (e.g. what Ctrl-C does now)."""
        self.clear()
        self._stream.write(text + "\n")
        self._redraw()

    def clear(self) -> None:
        """Erase the status line (before a log line is written), to be drawn again on the next update."""
        if self._line:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()
            self._drawn_at = float("-inf")

    def finish(self) -> None:
        """Leave the last status on its own line."""
        if self._line:
            self._redraw()
            self._stream.write("\n")
            self._stream.flush()
            self._line = ""

    def _show(self, line: str, *, final: bool) -> None:
        self._line = line
        now = time.monotonic()
        if final or now - self._drawn_at >= self._redraw_every_s:
            self._drawn_at = now
            self._redraw()

    def _redraw(self) -> None:
        if self._line:
            self._stream.write("\r\x1b[2K" + self._line)
            self._stream.flush()


class LogsOffTheBar(logging.Filter):
    """A filter for the log handler that writes to the bar's stream: erases the bar before each record."""

    def __init__(self, progress: TerminalProgress) -> None:
        super().__init__()
        self._progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        self._progress.clear()
        return True
