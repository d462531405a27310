"""`python -m entra_profiles.sandbox serve --state-dir DIR`: the sandbox commands without the rest of the
CLI, reporting errors as `entra-profiles` does (`error: …`, `hint: …`, its exit codes)."""

import sys

import click

from entra_profiles.errors import EntraProfilesError

from .cli import sandbox


def main() -> None:
    try:
        sandbox.main(prog_name="python -m entra_profiles.sandbox", standalone_mode=False)
    except EntraProfilesError as exc:
        click.echo(f"error: {exc.format()}", err=True)
        sys.exit(int(exc.exit_code))
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
