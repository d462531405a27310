"""`sandbox serve`: run the sandbox in the foreground until SIGINT or SIGTERM.

Only click is imported at module level; the server and its crypto load when the command runs.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import yaml
    from pydantic import ValidationError


class ServeError(click.ClickException):
    """A reason `sandbox serve` cannot start: exit 2 (usage), also as `python -m entra_profiles.sandbox`."""

    exit_code = 2


@click.group(
    name="sandbox",
    help="A local Entra emulator over HTTPS on loopback, for tests and demos.",
    epilog="""\b
Example:
  entra-profiles sandbox serve --state-dir .sandbox --seed seed.yaml""",
)
def sandbox() -> None:
    pass


@sandbox.command(
    "serve",
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
def serve(state_dir: Path, port: int, seed: Path | None, host: str) -> None:
    """Serve until interrupted, then remove sandbox.json."""
    import ipaddress

    import yaml
    from pydantic import ValidationError

    from .api import Sandbox, SandboxAlreadyRunning

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        raise click.BadParameter(f"'{host}' is not an IP address (or localhost)", param_hint="--host") from None
    if not loopback:
        raise click.BadParameter("the sandbox listens on loopback only", param_hint="--host")
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        box = Sandbox(state_dir, seed, port, "127.0.0.1" if host == "localhost" else host)
        try:
            box.start()
        except SandboxAlreadyRunning as exc:
            raise ServeError(f"{exc}\n  hint: {exc.hint}") from None
        except ValidationError as exc:
            raise ServeError(f"invalid seed {seed}:\n{_seed_errors(exc)}") from None
        except yaml.YAMLError as exc:
            raise ServeError(f"invalid seed {seed}: {_yaml_error(exc)}") from None
        except ValueError as exc:  # PyYAML's own: a date such as 2020-13-01 that does not exist
            raise ServeError(f"invalid seed {seed}: a value YAML reads as a date is not one ({exc})") from None
        except OSError as exc:
            raise ServeError(f"cannot start the sandbox: {exc}") from None
        click.echo(f"sandbox serving on {box.url} (state in {box.state_dir / 'sandbox.json'})", err=True)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            box.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _seed_errors(exc: ValidationError) -> str:
    """One line per problem, by field path; never the input value (a seed holds secrets)."""
    lines = []
    for e in exc.errors(include_url=False, include_input=False, include_context=False):
        where = ".".join(str(part) for part in e["loc"]) or "(top level)"
        lines.append(f"  {where}: {e['msg']}")
    return "\n".join(lines)


def _yaml_error(exc: yaml.YAMLError) -> str:
    """Where the YAML breaks and why, without the snippet of the file PyYAML quotes."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{getattr(exc, 'problem', None) or 'not valid YAML'}"
