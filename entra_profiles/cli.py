"""The command line: a thin shell over functions that return values. Only this module exits."""

from __future__ import annotations

import gc
import os
import sys
import traceback
from pathlib import Path

import click

from entra_profiles import __version__
from entra_profiles.cli_errors import show, show_click
from entra_profiles.cli_lazy import LazyGroup
from entra_profiles.errors import EntraProfilesError, ExitCode, clipped
from entra_profiles.output import err
from entra_profiles.terminal import refuse_colour

COMMANDS = {
    "validate": (
        "entra_profiles.commands.validate:validate",
        "Check the profiles file and report every problem.",
    ),
    "list": ("entra_profiles.commands.listing:list_profiles", "List the selected profiles."),
    "schema": ("entra_profiles.commands.schema:schema", "Print the JSON Schema of profiles files."),
    "run": ("entra_profiles.commands.run:run", "Connect the selected profiles and report each context."),
    "report": ("entra_profiles.commands.report:report", "Merge the reports of a batch's shards, render them."),
    "resolve": ("entra_profiles.commands.resolve:resolve", "Show a profile's resolved fields and their sources."),
    "export": ("entra_profiles.commands.export:export", "Print a profile's variables for other tools and CI systems."),
    "exec": ("entra_profiles.commands.exec:exec_command", "Run a command with a profile's variables."),
    "sandbox": (
        "entra_profiles.sandbox.cli:sandbox",
        "Run the local Entra emulator (token service, Key Vault, Graph).",
    ),
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Targets: a profile name, a group, tag:NAME, a glob such as 'contoso-*', or all.
Exit codes: 0 ok, 1 problems found or a profile failed, 2 usage error,
            3 unexpected error (a bug), 130 interrupted.
\b
Examples:
  entra-profiles validate
  entra-profiles list tag:prod""",
)
@click.option(
    "-f",
    "--file",
    "file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Profiles file (default: $ENTRA_PROFILES_FILE or ./profiles.yaml).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.option("--no-color", is_flag=True, help="No colour, even on a terminal (as NO_COLOR=1 does).")
@click.version_option(__version__, "--version", prog_name="entra-profiles")
def cli(file: Path | None, debug: bool, no_color: bool) -> None:
    """Declarative Microsoft Entra app-only sign-in.

    Describe each connection once in a YAML file (tenant, app, credential, cloud);
    validate it, connect, and export what other tools need.
    """
    if _resume_collector:  # the command is imported (entry.py): what it does may make garbage cycles
        _resume_collector.clear()
        gc.freeze()  # what the start-up made lives to the end: no collection need walk it
        gc.enable()


def no_core_dumps() -> None:
    """Secrets and tokens live in this process's memory: it never dumps core. RLIMIT_CORE 0 (the soft
    limit: a command `exec` runs may raise it again), and on Linux not dumpable, which also holds when
    core_pattern pipes to a program and keeps other processes of the user from reading our memory."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    except (ImportError, ValueError, OSError):
        pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4; execve makes a child dumpable again
        except (OSError, AttributeError):
            pass


_resume_collector: list[bool] = []  # entry.py paused the cycle collector: cli() resumes it


def main(argv: list[str] | None = None, collector_paused: bool = False) -> None:
    """Entry point: map every outcome to a documented exit code, never a traceback by accident."""
    _resume_collector[:] = [True] if collector_paused else []
    no_core_dumps()
    args = sys.argv[1:] if argv is None else argv
    ours = args[: args.index("--")] if "--" in args else args  # after --: the arguments of exec's command
    debug = "--debug" in ours or bool(os.environ.get("ENTRA_PROFILES_DEBUG"))
    refuse_colour("--no-color" in ours)  # global, before or after the command name: taken out here for all
    args = [a for a in ours if a != "--no-color"] + args[len(ours) :]
    from entra_profiles.logs import setup

    setup(debug)
    asks: dict[str, bool] = {}  # ctx.obj of every command: what a command asks of the process
    try:
        returned = cli.main(args=args, prog_name="entra-profiles", standalone_mode=False, obj=asks)
        code = (
            ExitCode(returned) if isinstance(returned, int) and returned in ExitCode._value2member_map_ else ExitCode.OK
        )
    except EntraProfilesError as exc:
        show(exc)
        code = exc.exit_code
    except click.exceptions.Exit as exc:
        code = ExitCode(exc.exit_code) if exc.exit_code in ExitCode._value2member_map_ else ExitCode.PROBLEMS
    except click.ClickException as exc:
        code = ExitCode(show_click(exc, args))
    except click.exceptions.Abort:
        err("interrupted")
        code = ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        err("interrupted")
        code = ExitCode.INTERRUPTED
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head): not an error of ours
        code = ExitCode.OK
    except Exception as exc:
        code = unexpected(exc, debug)
    code = finish_output(code)
    if argv is None and (code == ExitCode.INTERRUPTED or lingering()):  # a process of its own only
        sys.stderr.flush()
        os._exit(int(code))  # every `finally` has run; do not wait for threads stuck on a slow server
    if argv is None:  # a process of its own, not a caller's main([...])
        if asks.get("end_process"):
            exit_now(code)
        gc.freeze()  # the process ends now: its last collection need not walk everything it made
    sys.exit(int(code))


def exit_now(code: ExitCode) -> None:
    """End the process once its output is written and flushed, without the interpreter's teardown of
    every module a batch loaded (~0.1 s for msal, cryptography, pydantic …): `run` asks for it. The exit
    handlers still run (logging's flush, temporary directories' cleanup), in the order the interpreter
    runs them."""
    import atexit
    import contextlib

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(int(code))


def lingering() -> bool:
    """Whether a thread the interpreter would wait for at exit is still running (our workers are daemon
    threads; a library's may not be): the report is written, so the process ends now."""
    import threading

    main_thread = threading.main_thread()
    return any(t.is_alive() and not t.daemon and t is not main_thread for t in threading.enumerate())


def finish_output(code: ExitCode) -> ExitCode:
    """Flush standard output; a full disk or closed stdout is reported, never a traceback at exit."""
    from entra_profiles.output import OutputError, write_stdout

    try:
        write_stdout("", flush=True)
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the reader went away: nothing more to say
    except OutputError as exc:
        err(f"error: {exc.message}")
        return code if code != ExitCode.OK else exc.exit_code
    return code


def interrupted_by(exc: BaseException) -> bool:
    """Whether `exc` was caused by an interrupt (Ctrl-C, or SIGTERM turned into one) that a library wrapped."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def unexpected(exc: Exception, debug: bool) -> ExitCode:
    """Report an exception nobody handled; one that a library wrapped around an interrupt is an interrupt."""
    if interrupted_by(exc):  # Python 3.11 wraps a Ctrl-C/SIGTERM met in __set_name__ in a RuntimeError
        err("interrupted")
        return ExitCode.INTERRUPTED
    if debug:
        err(traceback.format_exc())
    err(f"error: unexpected error: {type(exc).__name__}: {clipped(str(exc))}")
    err("  hint: this is a bug: run again with --debug to see the traceback, and report it")
    return ExitCode.BUG
