"""DIR/sandbox.json, the file that says how to reach a running sandbox: written privately and
atomically, and the checks of whether the sandbox it names is still there.

Standard library only, imported lazily: `routing.py`, which every command imports, imports this.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

INFO_FILE = "sandbox.json"
LOCK_FILE = "sandbox.lock"


def write_private(path: Path, content: str | bytes, mode: int = 0o600) -> None:
    """Replace `path` atomically with a file only its owner can read (mode 0600 whatever the umask), or,
    with `mode=0o644`, one only its owner can change (a certificate clients must trust)."""
    data = content.encode() if isinstance(content, str) else content
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed process its parent has not reaped yet (Linux; elsewhere: never said)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def loopback_address(url: str) -> tuple[str, int] | None:
    """(host, port) of an `https://` URL on a loopback address, else None."""
    import ipaddress  # here: every command imports routing, which imports this module

    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or not host or port is None:
        return None
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                return None
        except ValueError:
            return None
    return host, port


def answering(url: str, timeout: float = 2.0) -> bool:
    """Whether something accepts connections at the loopback address of `url` (never anything else)."""
    import socket

    address = loopback_address(url)
    if address is None:
        return False
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except OSError:
        return False


def recorded(state_dir: Path) -> tuple[int, int, str] | None:
    """(pid, port, authority_host) as DIR/sandbox.json records them, if it holds them."""
    try:
        data = json.loads((state_dir / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    pid, port, url = data.get("pid"), data.get("port"), data.get("authority_host")
    if type(pid) is int and type(port) is int and isinstance(url, str):
        return pid, port, url
    return None


def running_sandbox(state_dir: Path) -> tuple[int, int] | None:
    """(pid, port) from DIR/sandbox.json when its process is alive and answering on its port."""
    found = recorded(state_dir)
    if found is None or not pid_alive(found[0]) or not answering(found[2]):
        return None
    return found[0], found[1]


class StateDirLock:
    """An exclusive lock on DIR/sandbox.lock, held while a sandbox serves from DIR.

    `flock` locks belong to an open file, so a second sandbox in the same process is refused too, and
    the kernel releases the lock when its holder dies, even by SIGKILL. Where there is no `fcntl`
    (Windows), or the file system refuses locks, only the sandbox.json check guards the directory.
    The file holds the pid of the sandbox that took the lock, until it stops cleanly: `sandbox wait`
    reads it (never locking) to tell a sandbox still starting from one that died before it was ready.
    """

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another sandbox holds it."""
        try:
            import fcntl
        except ImportError:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError:
            os.close(fd)
            return True
        self._fd = fd
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return True

    def release(self, *, stopped: bool = True) -> None:
        """Release the lock; `stopped=False` (a start that failed) leaves the pid for `sandbox wait` to see."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                if stopped:
                    os.ftruncate(fd, 0)
                os.close(fd)  # closing the file releases its lock


def lock_holder(state_dir: Path) -> tuple[int, float] | None:
    """(pid, when it was written) of the last sandbox that locked DIR and did not stop cleanly."""
    path = state_dir / LOCK_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        written = path.stat().st_mtime
    except (OSError, UnicodeDecodeError):
        return None
    return (int(text), written) if text.isdigit() else None
