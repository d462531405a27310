"""Private temporary files for key material and CI tokens handed to other tools.

One folder per export or exec, mode 0700, created only when a file is needed, under `$RUNNER_TEMP`
(GitHub Actions and Azure Pipelines wipe it after the job) or the system temp folder. Files are
mode 0600, created exclusively (never through an existing name or a symlink). `exec` removes the
folder when its command ends; `export` keeps it (the exported paths must outlive us) unless the
export fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType, TracebackType

PREFIX = "entra-profiles-"


class PrivateFiles:
    """A private folder of files, removed by `remove()` or when the `with` block ends (unless kept)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        runner_temp = environ.get("RUNNER_TEMP") or environ.get("AGENT_TEMPDIRECTORY")
        self.base = Path(runner_temp) if runner_temp and Path(runner_temp).is_dir() else Path(tempfile.gettempdir())
        self.folder: Path | None = None
        self.kept = False

    def write(self, name: str, data: bytes) -> Path:
        """Write `data` to a new 0600 file called `name` in the private folder; its absolute path."""
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=self.base))
            os.chmod(self.folder, 0o700)
        path = self.folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return path

    @property
    def written(self) -> list[Path]:
        return sorted(self.folder.iterdir()) if self.folder is not None and self.folder.exists() else []

    def keep(self) -> None:
        """Leave the files in place when the `with` block ends (export)."""
        self.kept = True

    def remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> PrivateFiles:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self.kept or kind is not None:
            self.remove()


class Terminated(KeyboardInterrupt):
    """SIGTERM, SIGHUP or SIGQUIT arrived: unwind (running every `finally`) as Ctrl-C does."""


@contextlib.contextmanager
def unwind_on_termination() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP/SIGQUIT into an exception while files are being written, so cleanup runs."""

    def raise_terminated(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    previous = {s: signal.signal(s, raise_terminated) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
