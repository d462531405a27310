"""`python -m entra_profiles.sandbox serve --state-dir DIR`: the sandbox commands without the rest of the
CLI, reporting errors as `entra-profiles` does (`error: …`, `hint: …`, its exit codes)."""

import sys

import click

from entra_profiles.cli_errors import show, show_click
from entra_profiles.errors import EntraProfilesError

from .cli import sandbox

PROG = "python -m entra_profiles.sandbox"


def main() -> None:
    try:
        sandbox.main(prog_name=PROG, standalone_mode=False)
    except EntraProfilesError as exc:
        show(exc)
        sys.exit(int(exc.exit_code))
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        sys.exit(show_click(exc, sys.argv[1:], PROG))
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
