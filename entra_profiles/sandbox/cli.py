"""`sandbox serve` (run the sandbox in the foreground until SIGINT or SIGTERM) and `sandbox wait`.

Only click is imported at module level; the server and its crypto load when the command runs.
"""

from __future__ import annotations

import errno
import shlex
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from entra_profiles.errors import EntraProfilesError, UsageError

if TYPE_CHECKING:
    import yaml
    from pydantic import ValidationError

SEED_HINT = "fix the seed; its format is in docs/sandbox.md (The seed)"
NO_SEED_WARNING = """\
warning: no --seed: the sandbox serves an empty world (no tenant, app, managed identity or vault), so every \
sign-in against it fails (AADSTS90002: tenant not found)
  hint: give it a world: entra-profiles sandbox serve --state-dir {state_dir} --seed SEED.yaml \
(`make demo` writes one to .demo/seed.yaml; the format is in docs/sandbox.md)"""


class SandboxCommandError(UsageError):
    """A reason `sandbox serve` cannot start (exit 2), in the tool's style (`error: …`, `hint: …`)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message, hint=hint)


class NotReadyError(EntraProfilesError):
    """`sandbox wait` gave up: the sandbox died before it was ready, or the timeout passed (exit 1)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message, hint=hint)


@click.group(
    name="sandbox",
    help="A local Entra emulator over HTTPS on loopback, for tests and demos.",
    epilog="""\b
Example:
  entra-profiles sandbox serve --state-dir .sandbox --seed seed.yaml &
  entra-profiles sandbox wait .sandbox""",
)
def sandbox() -> None:
    pass


LOCK_KEY = "entra_profiles.sandbox.lock"


class RecordsItselfFirst(click.Command):
    """`serve` takes its state directory's lock, and so writes its pid to DIR/sandbox.lock, before click checks
    its other arguments: `sandbox wait DIR` then sees a serve that died on a mistyped --seed path, a bad --port
    or an unknown option as quickly as one that died on a port in use (a --state-dir it cannot find or make
    leaves nothing to see)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from .info import StateDirLock

        directory = _state_dir_of(args)
        try:
            if directory is not None:
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                lock = StateDirLock(directory)
                ctx.meta[LOCK_KEY] = lock if lock.acquire() else None  # held by another sandbox: start() says so
        except OSError:
            pass  # not a directory we can make: click or start() says why
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.Exit:  # --help: not a start that failed
            _release(ctx, stopped=True)
            raise


def _state_dir_of(args: list[str]) -> Path | None:
    """The value of --state-dir as written (`--state-dir DIR` or `--state-dir=DIR`), before click parses it."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--state-dir" and i + 1 < len(args):
            return Path(args[i + 1])
        if arg.startswith("--state-dir="):
            return Path(arg.partition("=")[2])
    return None


def _release(ctx: click.Context, *, stopped: bool) -> None:
    lock = ctx.meta.pop(LOCK_KEY, None)
    if lock is not None:
        lock.release(stopped=stopped)


@sandbox.command(
    "serve",
    cls=RecordsItselfFirst,
    epilog="""\b
Examples:
  entra-profiles sandbox serve --state-dir .sandbox --seed seed.yaml
  entra-profiles run all --sandbox .sandbox     # in another shell""",
)
@click.option(
    "--state-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the CA, keys, sandbox.json and the request log live.",
)
@click.option("--port", default=0, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option(
    "--seed",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The seed YAML (tenants, apps, identities, vaults). Without it the world is empty.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="A loopback address to listen on.")
@click.pass_context
def serve(ctx: click.Context, state_dir: Path, port: int, seed: Path | None, host: str) -> None:
    """Serve until interrupted, then remove sandbox.json."""
    lock = ctx.meta.pop(LOCK_KEY, None)
    try:
        _serve(state_dir, port, seed, host, lock)
    except BaseException:
        if lock is not None:
            lock.release(stopped=False)  # a start that failed: its pid stays for `sandbox wait`
        raise


def _serve(state_dir: Path, port: int, seed: Path | None, host: str, lock: Any) -> None:
    import ipaddress

    from .api import Sandbox

    loopback_hint = "the sandbox listens on loopback only: --host 127.0.0.1 (the default), ::1 or localhost"
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        raise SandboxCommandError(f"--host '{host}' is not an IP address (or localhost)", loopback_hint) from None
    if not loopback:
        raise SandboxCommandError(f"--host {host} is not a loopback address", loopback_hint)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        box = Sandbox(state_dir, seed, port, "127.0.0.1" if host == "localhost" else host)
        _start(box, seed, host, port, lock)
        if seed is None:
            click.echo(NO_SEED_WARNING.format(state_dir=shlex.quote(str(state_dir))), err=True)
        click.echo(f"sandbox serving on {box.url} (state in {box.state_dir / 'sandbox.json'})", err=True)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            box.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start(box: Any, seed: Path | None, host: str, port: int, lock: Any) -> None:
    """Start `box` (with the state directory's lock when serve took it already); every reason it cannot
    start is a SandboxCommandError (exit 2)."""
    import yaml
    from pydantic import ValidationError

    from .api import SandboxAlreadyRunning

    try:
        box.start(lock)
    except SandboxAlreadyRunning as exc:
        raise SandboxCommandError(str(exc), exc.hint) from None
    except ValidationError as exc:
        raise SandboxCommandError(f"invalid seed {seed}: {_seed_errors(exc)}", SEED_HINT) from None
    except yaml.YAMLError as exc:
        raise SandboxCommandError(f"invalid seed {seed}: {_yaml_error(exc)}", SEED_HINT) from None
    except ValueError as exc:  # PyYAML's own: a date such as 2020-13-01 that does not exist
        message = f"invalid seed {seed}: a value YAML reads as a date is not one ({exc})"
        raise SandboxCommandError(message, SEED_HINT) from None
    except OSError as exc:
        raise _os_error(exc, host, port) from None


def _os_error(exc: OSError, host: str, port: int) -> SandboxCommandError:
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return SandboxCommandError(
            f"cannot listen on {where}: the port is in use",
            "give another --port, or leave it out (--port 0) to take a free one",
        )
    if exc.errno == errno.EACCES and 0 < port < 1024:
        return SandboxCommandError(
            f"cannot listen on {where}: ports below 1024 need privileges", "give a --port of 1024 or above"
        )
    reason = exc.strerror or type(exc).__name__
    where_file = f" ({exc.filename})" if exc.filename else ""
    return SandboxCommandError(
        f"cannot start the sandbox: {reason}{where_file}", "check that --state-dir is a directory you can write"
    )


def _seed_errors(exc: ValidationError) -> str:
    """Each problem by field path, `; ` between them (an error is one line); never the input value (a seed
    holds secrets)."""
    problems = []
    for e in exc.errors(include_url=False, include_input=False, include_context=False):
        where = ".".join(str(part) for part in e["loc"]) or "(top level)"
        problems.append(f"{where}: {e['msg']}")
    return "; ".join(problems)


def _yaml_error(exc: yaml.YAMLError) -> str:
    """Where the YAML breaks and why, without the snippet of the file PyYAML quotes."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{getattr(exc, 'problem', None) or 'not valid YAML'}"


@sandbox.command(
    "wait",
    epilog="""\b
Exit codes: 0 the sandbox answers; 1 it stopped before it was ready, or the timeout passed.
\b
Example:
  entra-profiles sandbox serve --state-dir .sandbox --seed seed.yaml &
  entra-profiles sandbox wait .sandbox --timeout 60""",
)
@click.argument("state_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds to wait for the sandbox to answer.",
)
def wait(state_dir: Path, timeout: float) -> None:
    """Wait until the sandbox serving from STATE_DIR answers."""
    from .readiness import NotReady, wait_until_ready

    try:
        url, pid = wait_until_ready(state_dir, timeout)
    except NotReady as exc:
        raise NotReadyError(exc.message, exc.hint) from None
    click.echo(f"sandbox ready on {url} (pid {pid})", err=True)
