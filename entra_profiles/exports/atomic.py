"""Files that receive secrets: `-o FILE` written atomically with mode 0600, and the files a CI runner
names ($GITHUB_ENV, $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) appended to. Both go only into a folder that
no other user can redirect or swap (safepath.py), and are opened relative to that folder.

`-o`: the text goes to a new 0600 file beside the target, is flushed to disk, then renamed over the
target: a reader sees the old file or the new one, never half. A rename replaces a symlink at the
target with the file; it never writes through the link to wherever it points. What may be replaced: a
regular file, or a symbolic link that the user owns that leads to a regular file and not through /dev
or /proc (/dev/stdout is such a link, to the shell's open file: as root, it passes every other
check). Nothing else — a folder, a device, a FIFO, a socket, a link to one, someone else's link or
file — is ever replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from entra_profiles.exports.base import ExportError
from entra_profiles.exports.safepath import Folder, UnsafePath, open_folder, owner_problem

SAFE_FOLDER = (
    "write into a folder of your own (or root's) that no other user can write to, reached through no link of theirs"
)
RUNNER_FILE = (
    "it must be a regular file of yours (or root's) in a folder that no other user can write to, reached "
    "through no symbolic link of another user's"
)


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8), mode 0600, atomically."""
    target = Path(os.path.abspath(path))
    folder = _folder(target.parent, f"cannot write {path}", SAFE_FOLDER)
    try:
        _check_target(path, target, folder)
        temp = f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(
                temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=folder.fd
            )
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fchmod(handle.fileno(), 0o600)  # whatever the umask was
                os.fsync(handle.fileno())
            os.replace(temp, target.name, src_dir_fd=folder.fd, dst_dir_fd=folder.fd)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=folder.fd)
            if isinstance(exc, OSError):
                raise ExportError(f"cannot write {path}: {exc.strerror}") from None
            raise
        with contextlib.suppress(OSError):  # the rename made durable (not every file system allows it)
            os.fsync(folder.fd)
    finally:
        folder.close()


def append_private(path: Path, text: str) -> None:
    """Append to a file a CI runner named ($GITHUB_ENV …): never through a symbolic link at the file,
    nor one another user could have set on the way; only to a regular file; created 0600."""
    parent, name = os.path.split(str(path))
    what = f"cannot append to {path}"
    if not name:
        raise ExportError(f"{what}: it names a folder", hint=RUNNER_FILE)
    folder = _folder(Path(parent or "."), what, RUNNER_FILE)
    flags = os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # a FIFO with no reader fails
    try:
        try:
            fd = os.open(name, flags, dir_fd=folder.fd)
        except FileNotFoundError:
            problem = owner_problem(None, os.fstat(folder.fd), folder.linked, runner_file=True)
            if problem is not None:
                raise ExportError(f"{what}: {problem}", hint=RUNNER_FILE) from None
            fd = os.open(name, flags | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=folder.fd)
        except OSError as exc:
            why = "it is a symbolic link, which is never followed" if exc.errno == errno.ELOOP else exc.strerror
            raise ExportError(f"{what}: {why}") from None
        with os.fdopen(fd, "a", encoding="utf-8", newline="") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ExportError(f"{what}: it is not a regular file")
            problem = owner_problem(info, os.fstat(folder.fd), folder.linked, runner_file=True)
            if problem is not None:
                raise ExportError(f"{what}: {problem}", hint=RUNNER_FILE)
            try:
                handle.write(text)
                handle.flush()
            except OSError as exc:
                raise ExportError(f"{what}: {exc.strerror}") from None
    finally:
        folder.close()


def _folder(path: Path, what: str, hint: str) -> Folder:
    try:
        return open_folder(str(path))
    except UnsafePath as exc:
        raise ExportError(f"{what}: {exc}", hint=hint) from None
    except OSError as exc:
        raise ExportError(f"{what}: {exc.strerror}") from None


def _check_target(path: Path, target: Path, folder: Folder) -> None:
    """Refuse to replace anything but a regular file or a link of the user's own to one (see above), and
    to write into a folder another user could swap files in."""
    name = target.name
    try:
        info: os.stat_result | None = os.stat(name, dir_fd=folder.fd, follow_symlinks=False)
    except FileNotFoundError:
        info = None  # a new file
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}") from None
    problem = owner_problem(info if info and stat.S_ISREG(info.st_mode) else None, os.fstat(folder.fd), folder.linked)
    if problem is not None:
        raise ExportError(f"cannot write {path}: {problem}", hint=SAFE_FOLDER)
    if info is None or stat.S_ISREG(info.st_mode):
        return
    if stat.S_ISDIR(info.st_mode):
        raise ExportError(f"cannot write {path}: it is a folder")
    use = "use -o - (or leave -o out) for standard output; -o names a file to create or replace"
    if stat.S_ISLNK(info.st_mode):
        if _leads_to_a_descriptor(str(target)):
            raise ExportError(
                f"cannot write {path}: it is a link to a device or an open file descriptor, not a file", hint=use
            )
        if info.st_uid != os.geteuid():
            raise ExportError(
                f"cannot write {path}: it is a symbolic link that another user owns",
                hint="-o replaces only a regular file, or a link of your own in a folder of your own",
            )
    try:
        mode = os.stat(name, dir_fd=folder.fd).st_mode  # through a symlink: what it points to
    except OSError:
        return  # a dangling link of the user's own: replaced by the new file
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise ExportError(f"cannot write {path}: it is {kind}, and -o replaces the file it names", hint=use)


def _leads_to_a_descriptor(link: str) -> bool:
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
