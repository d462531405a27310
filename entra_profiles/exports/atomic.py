"""Write `-o FILE` atomically with mode 0600: a reader sees the old file or the new one, never half.

The text goes to a new 0600 file beside the target, is flushed to disk, then renamed over the
target. A rename replaces a symlink at the target with the file; it never writes through the link
to wherever it points. What may be replaced: a regular file, or a symbolic link that the user owns,
in a folder the user owns, that leads to a regular file and not through /dev or /proc (/dev/stdout
is such a link, to the shell's open file: as root, it passes every other check). Nothing else — a
folder, a device, a FIFO, a socket, a link to one, someone else's link — is ever replaced.
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
    """Refuse to replace anything but a regular file or a link of the user's own to one (see above)."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return  # a new file
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}") from None
    if stat.S_ISREG(info.st_mode):
        return
    if stat.S_ISDIR(info.st_mode):
        raise ExportError(f"cannot write {path}: it is a folder")
    use = "use -o - (or leave -o out) for standard output; -o names a file to create or replace"
    if stat.S_ISLNK(info.st_mode):
        if _leads_to_a_descriptor(target):
            raise ExportError(
                f"cannot write {path}: it is a link to a device or an open file descriptor, not a file", hint=use
            )
        if info.st_uid != os.geteuid() or os.stat(target.parent).st_uid != os.geteuid():
            raise ExportError(
                f"cannot write {path}: it is a symbolic link that another user owns, or in a folder another user owns",
                hint="-o replaces only a regular file, or a link of your own in a folder of your own",
            )
    try:
        mode = os.stat(target).st_mode  # through a symlink: what it points to
    except OSError:
        return  # a dangling link of the user's own: replaced by the new file
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise ExportError(f"cannot write {path}: it is {kind}, and -o replaces the file it names", hint=use)


def _leads_to_a_descriptor(link: Path) -> bool:
    """Whether a link is in /dev or /proc, or its chain of links passes there (/dev/stdout, /dev/fd/1,
    /proc/self/fd/1): what it names is an open file of some process, not a file of the user's."""
    current = os.path.abspath(link)
    for _ in range(40):  # the kernel's own limit on a chain of links
        if Path(current).parts[1:2] in (("dev",), ("proc",)):
            return True
        try:
            if not stat.S_ISLNK(os.lstat(current).st_mode):
                return False
            current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
        except OSError:
            return False
    return True


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
