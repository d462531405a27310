"""Write `-o FILE` atomically with mode 0600: a reader sees the old file or the new one, never half.

The text goes to a new 0600 file beside the target, is flushed to disk, then renamed over the
target. A rename replaces a symlink at the target with the file; it never writes through the link
to wherever it points.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from entra_profiles.exports.base import ExportError


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8), mode 0600, atomically."""
    target = Path(os.path.abspath(path))
    _check_target(path, target)
    folder = target.parent
    temp = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)  # whatever the umask was
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {path}: {exc.strerror}") from None
        raise
    _sync_folder(folder)


def _check_target(path: Path, target: Path) -> None:
    """Refuse to replace a folder, a device, a FIFO or a socket (or a symlink to one, such as
    /dev/stdout): renaming a file of secrets over /dev/null would delete the device and keep them."""
    try:
        mode = os.stat(target).st_mode  # through a symlink: what it points to
    except OSError:
        return  # nothing there (or a dangling link): a new file
    if stat.S_ISDIR(mode) and not target.is_symlink():
        raise ExportError(f"cannot write {path}: it is a folder")
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise ExportError(
            f"cannot write {path}: it is {kind}, and -o replaces the file it names",
            hint="use -o - (or leave -o out) for standard output; -o names a file to create or replace",
        )


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
