"""The folder a file of secrets goes into, opened so that no other user can redirect it.

`O_NOFOLLOW` guards the last component of a path only: `$GITHUB_ENV=run/files/env`, with `files` a
link into another user's folder, took the secrets there. So the folder is opened one component at a
time (`openat`, `O_NOFOLLOW`), and a symbolic link on the way is followed only when nobody else could
have planted or swapped it: the link is yours or root's, in a folder of yours or root's that others
cannot write, and it leads into a folder of yours or root's. The file is then opened relative to the
folder's descriptor, and what was opened is judged by `fstat`, never by its name: no check can be
raced by a rename.

Who may own what (`owner_problem`): the folder and the file are yours or root's, and a folder that
others may write to is sticky (`/tmp`: nobody can take away or replace a file of yours there). One
exception, for root: a file, reached through no link, that belongs to the owner of its folder, which
nobody else can write — a GitHub container job or Docker action runs as root, and the runner's own
user (uid 1001) owns `$GITHUB_ENV` and its folder.
"""

from __future__ import annotations

import errno
import grp
import os
import stat
from dataclasses import dataclass

MAX_LINKS = 40  # the kernel's own limit on links followed for one path
FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


class UnsafePath(Exception):
    """A folder on the path could be redirected or swapped by another user: nothing is written."""


@dataclass
class Folder:
    fd: int
    linked: bool = False  # a symbolic link was followed on the way
    links: int = 0

    def close(self) -> None:
        os.close(self.fd)


def open_folder(path: str) -> Folder:
    """The folder `path` names, opened without following a link another user could have placed or
    swapped (UnsafePath); OSError when it cannot be opened at all. Close it after use."""
    folder = Folder(os.open("/" if path.startswith("/") else ".", FOLDER))
    folder.fd = _walk(folder.fd, path, folder)  # it closes what it opened when it fails
    return folder


def _walk(fd: int, path: str, folder: Folder) -> int:
    """Descend from `fd` along `path`; `fd` is closed (or returned, when `path` names it)."""
    for part in path.split("/"):
        if part in ("", "."):
            continue
        try:
            step = os.open(part, FOLDER | os.O_NOFOLLOW, dir_fd=fd)
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                os.close(fd)
                raise
            step = _follow(fd, part, folder, exc)
        os.close(fd)
        fd = step
    return fd


def _follow(fd: int, part: str, folder: Folder, refused: OSError) -> int:
    """The folder a link `part` in the folder `fd` leads to, if nobody else could have set it."""
    try:
        link = os.stat(part, dir_fd=fd, follow_symlinks=False)
    except OSError:
        os.close(fd)
        raise refused from None
    if not stat.S_ISLNK(link.st_mode):
        os.close(fd)
        raise refused  # not a folder, and not a link: ENOTDIR as it is
    folder.links += 1
    if folder.links > MAX_LINKS:
        os.close(fd)
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))
    problem = None
    if not _ours(link.st_uid):
        problem = f"the symbolic link {part} on the path belongs to another user"
    elif not _ours(os.fstat(fd).st_uid) or writable_by_others(os.fstat(fd)):
        problem = f"the symbolic link {part} on the path is in a folder that another user can write to"
    if problem is not None:
        os.close(fd)
        raise UnsafePath(problem)
    target = os.readlink(part, dir_fd=fd)
    start = os.open("/", FOLDER) if target.startswith("/") else os.dup(fd)
    try:
        step = _walk(start, target, folder)
    except BaseException:
        os.close(fd)
        raise
    if not _ours(os.fstat(step).st_uid):
        os.close(fd)
        os.close(step)
        raise UnsafePath(f"the symbolic link {part} on the path leads into a folder another user owns")
    folder.linked = True
    return step


def owner_problem(
    file: os.stat_result | None, folder: os.stat_result, linked: bool, runner_file: bool = False
) -> str | None:
    """Why a file (None: one about to be created) in `folder` is not safe to put secrets in, if it is not.
    `runner_file`: a file a CI runner named ($GITHUB_ENV …), which root may append to in its owner's folder."""
    if _ours(folder.st_uid) and (file is None or _ours(file.st_uid)):
        if writable_by_others(folder):
            return "its folder can be written by other users (and is not sticky): they could swap the file"
        return None
    if (  # as root, a file of the folder's owner (a container job's, the runner's), reached through no link
        runner_file
        and os.geteuid() == 0
        and file is not None
        and not linked
        and file.st_uid == folder.st_uid
        and not writable_by_others(folder)
    ):
        return None
    if not _ours(folder.st_uid):
        return f"its folder belongs to another user (uid {folder.st_uid})"
    return f"it belongs to another user (uid {file.st_uid if file is not None else '?'})"


def writable_by_others(info: os.stat_result) -> bool:
    """Whether a folder lets users other than its owner replace what is in it: writable by others, or
    by a group with members other than you (a user's private group, as umask 002 makes, is fine); a
    sticky folder (/tmp) lets nobody replace a file they do not own."""
    if info.st_mode & stat.S_ISVTX:
        return False
    if info.st_mode & stat.S_IWOTH:
        return True
    return bool(info.st_mode & stat.S_IWGRP) and not _private_group(info.st_gid)


def _private_group(gid: int) -> bool:
    if gid == 0:
        return True  # root's group: root's already
    if gid != os.getegid():
        return False
    try:
        members = set(grp.getgrgid(gid).gr_mem)
    except KeyError:
        return False
    import pwd

    try:
        me = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return not members
    return members <= {me}


def _ours(uid: int) -> bool:
    return uid in (os.geteuid(), 0)
