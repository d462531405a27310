"""Run the CLI on a terminal: stdout and stderr each on a pseudo-terminal of a given size (or a pipe)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from testenv import scrubbed_environ


@dataclass
class TerminalResult:
    code: int
    out: str  # what stdout's terminal (or pipe) received, \r\n as \n
    err: str


class Terminal:
    """One pseudo-terminal of `columns` columns; everything written to it is collected."""

    def __init__(self, columns: int) -> None:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        attrs = termios.tcgetattr(self.slave)
        attrs[1] &= ~termios.ONLCR  # keep \n as written
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        self.data = bytearray()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: every writer has gone
                return
            if not chunk:
                return
            self.data += chunk

    def text(self) -> str:
        return bytes(self.data).decode("utf-8", "replace")

    def close(self) -> None:
        self.reader.join(timeout=10)
        os.close(self.master)


def run_on_terminal(
    *args: str,
    env: dict[str, str] | None = None,
    columns: int = 80,
    stdout_tty: bool = True,
    stderr_tty: bool = True,
    interrupt_when: Callable[[str], bool] | None = None,
    timeout: float = 120,
) -> TerminalResult:
    """`python -m entra_profiles ARGS` with the chosen streams on terminals. `interrupt_when(stderr so far)`:
    send SIGINT once it is true (checked every 50 ms)."""
    environ = scrubbed_environ()
    environ.pop("COLUMNS", None)
    environ.pop("LINES", None)
    environ.update(env or {})
    out_term = Terminal(columns) if stdout_tty else None
    err_term = Terminal(columns) if stderr_tty else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "entra_profiles", *args],
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=out_term.slave if out_term else subprocess.PIPE,
        stderr=err_term.slave if err_term else subprocess.PIPE,
    )
    for term in (out_term, err_term):
        if term is not None:
            os.close(term.slave)  # the child holds it now: EOF once it exits
    try:
        if interrupt_when is not None:
            deadline = time.monotonic() + timeout
            while not interrupt_when(err_term.text() if err_term else ""):
                assert proc.poll() is None, "it ended before it could be interrupted"
                assert time.monotonic() < deadline, "the moment to interrupt never came"
                time.sleep(0.05)
            proc.send_signal(2)
        piped_out, piped_err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    texts = []
    for term, piped in ((out_term, piped_out), (err_term, piped_err)):
        if term is not None:
            term.close()
            texts.append(term.text())
        else:
            texts.append((piped or b"").decode("utf-8", "replace"))
    return TerminalResult(proc.returncode, texts[0].replace("\r\n", "\n"), texts[1].replace("\r\n", "\n"))
