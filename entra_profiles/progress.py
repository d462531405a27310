"""A progress bar on stderr for a batch: counts, failures, rate and time left, redrawn on one line.

Drawn only on a terminal (the caller decides), once per finished profile, fitted to the terminal's
width; `clear()` leaves the line empty, at the end and on Ctrl-C.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from entra_profiles.terminal import width

BAR_MAX = 30
BAR_MIN = 10
CLEAR = "\r\033[K"


class ProgressBar:
    def __init__(self, total: int, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.failed = 0
        self.shown = False
        fill = "█░"
        try:
            fill.encode(stream.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            fill = "#-"
        self.full, self.empty = fill[0], fill[1]

    def update(self, done: int, failed: bool = False) -> None:
        """One more finished (`done` in all): redrawn at once, so that the bar never shows a stale count
        while the rest of a batch waits on a slow server."""
        self.failed += failed
        self.stream.write(CLEAR + self.line(done, self.clock() - self.started, width(self.stream) or 80))
        self.stream.flush()
        self.shown = True

    def line(self, done: int, elapsed: float, columns: int) -> str:
        """`[████░░░░]  7/11  1 failed  3.2/s  ETA 1s`, as much of it as fits in `columns` - 1."""
        counts = f"{done}/{self.total}" + (f"  {self.failed} failed" if self.failed else "")
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else None
        tail = f"  {rate:.1f}/s  ETA {duration(left)}" if done else ""
        room = columns - 1 - len(counts) - len(tail) - 4
        size = min(BAR_MAX, room)
        if size < BAR_MIN:
            return (counts + tail)[: columns - 1]
        filled = size * done // max(self.total, 1)
        return f"[{self.full * filled}{self.empty * (size - filled)}]  {counts}{tail}"

    def clear(self) -> None:
        if self.shown:
            self.stream.write(CLEAR)
            self.stream.flush()
            self.shown = False


def duration(seconds: float | None) -> str:
    """`12s`, `3m05s`, `1h02m`; `--` when it cannot be known yet."""
    if seconds is None:
        return "--"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"
