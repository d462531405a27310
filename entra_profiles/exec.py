"""Run a command with a profile's variables: its exit status becomes ours, signals reach it, and our
temporary files are removed on every way out.

While the child runs, SIGINT, SIGTERM, SIGHUP and SIGQUIT are blocked in this process and taken with
`sigtimedwait`, so none can kill us before the cleanup. A signal sent to us by another process
(`kill`, a CI runner cancelling the job) is forwarded to the child. One raised by the terminal
(Ctrl-C, Ctrl-\\, hang-up) reached the child directly, as both are in the terminal's foreground
process group, so it is not sent a second time. Only SIGKILL, which no process can intercept, leaves
files behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

from entra_profiles.errors import EntraProfilesError

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
POLL_S = 0.25  # a SIGCHLD delivered to another thread is not lost: the child is polled too
ACTIVE_ENV = "ENTRA_PROFILES_ACTIVE"


class CommandFailed(EntraProfilesError):
    """The command could not be started; `status` is what a shell would exit with (127, 126)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def child_environment(
    environ: Mapping[str, str], variables: Mapping[str, str], owned: tuple[str, ...], profile: str
) -> dict[str, str]:
    """Ours, minus the variables the exported sets own, plus the profile's and ENTRA_PROFILES_ACTIVE."""
    env = {k: v for k, v in environ.items() if k not in owned}
    env.update(variables)
    env[ACTIVE_ENV] = profile
    return env


def run_child(argv: list[str], env: Mapping[str, str], cleanup: Callable[[], None]) -> int:
    """Run `argv` with `env`; call `cleanup` once it has ended; its exit status (128+N if killed by N)."""
    waited: set[int] = {*FORWARDED, signal.SIGCHLD}
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, waited)
    previous_handlers: dict[int, Any] = {}
    try:
        try:
            pid = os.posix_spawnp(
                argv[0],
                argv,
                dict(env),
                setsigmask=previous_mask,
                setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),  # as subprocess restore_signals does
            )
        except FileNotFoundError:
            raise CommandFailed(f"command not found: {argv[0]}", 127) from None
        except PermissionError:
            raise CommandFailed(f"permission denied: {argv[0]}", 126) from None
        except OSError as exc:
            raise CommandFailed(f"cannot run {argv[0]}: {exc.strerror}", 126) from None

        def forward(signum: int, frame: FrameType | None) -> None:  # a signal another thread took
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

        for sig in FORWARDED:
            previous_handlers[sig] = signal.signal(sig, forward)
        return _wait(pid, waited)
    finally:
        cleanup()
        _drain(waited)
        for s, handler in previous_handlers.items():
            signal.signal(s, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)


def _wait(pid: int, waited: set[int]) -> int:
    while True:
        info = signal.sigtimedwait(waited, POLL_S)
        if info is not None and info.si_signo != signal.SIGCHLD and info.si_code <= 0:
            # si_code <= 0: sent by a process (SI_USER, SI_QUEUE, SI_TKILL); > 0: by the kernel (the tty)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, info.si_signo)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return 128 - code if code < 0 else code


def _drain(waited: set[int]) -> None:
    """Consume signals still pending, so that unblocking them does not kill us after the cleanup."""
    pending = signal.sigpending() & waited
    while pending:
        signal.sigtimedwait(pending, 0)
        pending = signal.sigpending() & waited
