"""Read a file the user named, only when it is a regular file: a named pipe would block the read forever
(no deadline reaches it), /dev/zero never ends, a socket or a device is not what anyone meant. The check
is made on the path, then again on the open file (it may have been replaced in between), which is opened
without blocking; at most `limit` + 1 bytes are read, whatever size the file claims."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """`kind` names what the path is instead (`a named pipe (FIFO)`, `a directory`, …)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"it is {kind}, not a regular file")
        self.kind = kind


def read_regular(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of the regular file `path` (NotRegularFile, or the OSError of a path
    that cannot be read)."""
    kind = kind_of(path.stat().st_mode)
    if kind is None:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        with os.fdopen(fd, "rb") as handle:
            kind = kind_of(os.fstat(fd).st_mode)
            if kind is None:
                return handle.read(limit + 1)
    raise NotRegularFile(kind)


def kind_of(mode: int) -> str | None:
    """None for a regular file, else what it is."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "another kind of file"
