"""Errors as a person meets them, in one style: `error: …` and `  hint: …` on stderr.

Click's own usage errors (an unknown option or command, a bad value, a missing argument) are
rewritten into that style by `from_click`, with click's did-you-mean in the hint and the command's
`--help` to see; no usage block. A group run without a command prints its help on stdout and exits 0.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

import click

from entra_profiles.errors import EntraProfilesError, UsageError
from entra_profiles.output import err, write_stdout

EXEC_HINT = "put -- before the command: entra-profiles exec PROFILE [OPTIONS] -- COMMAND [ARGS]..."
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click 8.2+: the help, not an error
NO_SUCH_COMMAND_RE = re.compile(r"^No such command '(.+)'\.$")  # click before 8.4 has no NoSuchCommand


def show(exc: EntraProfilesError) -> None:
    """Print an error: a file's problems one by one (each with its place), anything else as `error: …`."""
    err(exc.format() if hasattr(exc, "problems") else f"error: {exc.format()}")


def show_click(exc: click.ClickException, args: Sequence[str] = (), prog: str = "entra-profiles") -> int:
    """Print click's error in our style and return the exit code: 2, a usage error. A group given no command
    (`entra-profiles`, `entra-profiles sandbox`) is asked for its help, as gh takes it: the help on standard
    output, and 0."""
    if isinstance(exc, NO_ARGS_IS_HELP):
        ctx = getattr(exc, "ctx", None)
        write_stdout((ctx.get_help() if ctx is not None else exc.format_message()) + "\n")
        return 0
    show(from_click(exc, args, prog))
    return 2


def from_click(exc: click.ClickException, args: Sequence[str] = (), prog: str = "entra-profiles") -> UsageError:
    """Click's error as ours: its message without the capital and the full stop, and a hint."""
    ctx = getattr(exc, "ctx", None)
    see = f"see '{ctx.command_path if ctx is not None else prog} --help'"
    if isinstance(exc, click.NoSuchOption):
        message = f"no such option: {exc.option_name}"
        if ctx is not None and ctx.command.name == "exec" and _command_without_double_dash(args):
            return UsageError(message, hint=EXEC_HINT)
        return UsageError(message, hint=_did_you_mean(exc.possibilities) + see)
    command = getattr(exc, "command_name", None) or _no_such_command(exc.message)
    if command is not None and ctx is not None and isinstance(ctx.command, click.Group):
        known = ctx.command.list_commands(ctx)
        close = difflib.get_close_matches(command, known, n=3)
        return UsageError(f"no such command: {command}", hint=_did_you_mean(close) + see)
    return UsageError(_sentence(exc.format_message()), hint=see)


def _command_without_double_dash(args: Sequence[str]) -> bool:
    """`exec PROFILE terraform -x`: an option meant for the command, which needs `--` before it."""
    if "--" in args or "exec" not in args:
        return False
    return len([a for a in args[list(args).index("exec") + 1 :] if not a.startswith("-")]) >= 2


def _did_you_mean(possibilities: Sequence[str] | None) -> str:
    if not possibilities:
        return ""
    if len(possibilities) == 1:
        return f"did you mean {possibilities[0]}? "
    return f"did you mean one of {', '.join(sorted(possibilities))}? "


def _no_such_command(message: str) -> str | None:
    found = NO_SUCH_COMMAND_RE.match(message)
    return found.group(1) if found else None


def _sentence(message: str) -> str:
    """`Missing argument 'PROFILE'.` as our messages are written: `missing argument 'PROFILE'`."""
    message = message.strip().removesuffix(".")
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        message = message[0].lower() + message[1:]
    return message
