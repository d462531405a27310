"""Options and helpers shared by the commands."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from entra_profiles.config.loader import ProfileSet, default_file, load_profiles
from entra_profiles.config.select import select
from entra_profiles.errors import ConfigError

if TYPE_CHECKING:
    from entra_profiles.routing import SandboxInfo

F = TypeVar("F", bound=Callable[..., Any])


def file_option(func: F) -> F:
    """`-f/--file` and `--debug`, accepted before or after the command name (main() reads --debug)."""
    func = click.option("--debug", is_flag=True, hidden=True, expose_value=False)(func)
    return click.option(
        "-f",
        "--file",
        "file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Profiles file (default: $ENTRA_PROFILES_FILE or ./profiles.yaml).",
    )(func)


def sandbox_option(func: F) -> F:
    """`--sandbox DIR`: route every request to the sandbox running in DIR."""
    return click.option(
        "--sandbox",
        "sandbox_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Route every request to the sandbox running in DIR (default: $ENTRA_PROFILES_SANDBOX).",
    )(func)


def timeout_options(what: str) -> Callable[[F], F]:
    """`--timeout` and `--retries`, as `run` has them; `what` says what the timeout covers."""

    def decorate(func: F) -> F:
        func = click.option(
            "--retries",
            type=click.IntRange(0, 10),
            default=3,
            show_default=True,
            help="Retries on throttling (429), server errors and dropped connections.",
        )(func)
        return click.option(
            "--timeout",
            type=click.FloatRange(0.1, 3600),
            default=60.0,
            show_default=True,
            help=f"Seconds {what}, retries included.",
        )(func)

    return decorate


def sandbox_info(sandbox_dir: Path | None) -> SandboxInfo | None:
    """The sandbox named by --sandbox or $ENTRA_PROFILES_SANDBOX, if any."""
    import os

    from entra_profiles.routing import load_sandbox
    from entra_profiles.routing import sandbox_dir as pick

    directory = pick(sandbox_dir, os.environ)
    return load_sandbox(directory) if directory is not None else None


def targets_argument(func: F) -> F:
    return click.argument("targets", nargs=-1, metavar="[TARGET]...")(func)


def profiles_file(ctx: click.Context, file: Path | None) -> Path:
    return chosen_file(ctx, file)[0]


def chosen_file(ctx: click.Context, file: Path | None) -> tuple[Path, str | None]:
    """The profiles file, and who named it: "-f", "ENTRA_PROFILES_FILE", or None for ./profiles.yaml."""
    import os

    root = ctx.find_root().params.get("file")
    if file is not None:
        return file, "-f"
    if isinstance(root, Path):
        return root, "-f"
    return default_file(), ("ENTRA_PROFILES_FILE" if os.environ.get("ENTRA_PROFILES_FILE") else None)


def _load(path: Path, named_by: str | None) -> ProfileSet:
    """The file loaded with the cycle collector paused: the tree is thousands of small acyclic objects,
    and each collection would walk every module loaded so far (a tenth of validate's time at 500
    profiles). Cycles made meanwhile are collected once it runs again."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return load_profiles(path, named_by=named_by)
    finally:
        if paused:
            gc.enable()


def load_selected(
    ctx: click.Context, file: Path | None, targets: tuple[str, ...], *, strict: bool = True
) -> tuple[ProfileSet, list[str]]:
    """Load the file and select targets; with `strict`, any problem of the selection is an error."""
    path, named_by = chosen_file(ctx, file)
    ps = _load(path, named_by)
    if any(not p.owners for p in ps.problems):
        raise ConfigError([p for p in ps.problems])  # a broken file: nothing can be selected safely
    names = select(ps, targets)
    problems = ps.problems_for(names)
    if strict and problems:
        raise ConfigError(problems)
    return ps, names
