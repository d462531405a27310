"""`sandbox serve`: run the sandbox in the foreground until SIGINT or SIGTERM.

Only click is imported at module level; the server and its crypto load when the command runs.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click


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

    from pydantic import ValidationError

    from .api import Sandbox

    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise click.BadParameter("the sandbox listens on loopback only", param_hint="--host")
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        box = Sandbox(state_dir, seed, port, "127.0.0.1" if host == "localhost" else host)
        try:
            box.start()
        except ValidationError as exc:
            raise click.ClickException(f"invalid seed {seed}:\n{exc}") from None
        except OSError as exc:
            raise click.ClickException(f"cannot start the sandbox: {exc}") from None
        click.echo(f"sandbox serving on {box.url} (state in {box.state_dir / 'sandbox.json'})", err=True)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            box.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
