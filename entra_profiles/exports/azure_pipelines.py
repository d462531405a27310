"""`--format azure-pipelines`: `##vso[task.setvariable …]` logging commands on stdout.

The agent reads these from the step's output and defines pipeline variables for the later steps of
the job. Secrets are set with `issecret=true`: the agent masks them in logs, and (by design) does not
put them in later steps' environment unless mapped (`env: {AZURE_CLIENT_SECRET:
$(AZURE_CLIENT_SECRET)}`). Non-secret variables reach later steps' environment directly.

Values are escaped as azure-pipelines-task-lib escapes logging command data (`%` → `%AZP25`, CR →
`%0D`, LF → `%0A`), so that a value can never end the command early or start a new one.
"""

from __future__ import annotations

from entra_profiles.exports.base import FormatOptions, Output, Variable

PREFIX = "##vso[task.setvariable variable="


def escape_data(text: str) -> str:
    """Logging command data, escaped as the task library does."""
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def unescape_data(text: str) -> str:
    """What the agent makes of escaped data (the inverse of `escape_data`)."""
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%AZP25", "%")


def command(variable: Variable) -> str:
    properties = f"{variable.name};issecret=true" if variable.secret else variable.name
    return f"{PREFIX}{properties}]{escape_data(variable.value)}\n"


def render(variables: list[Variable], options: FormatOptions) -> Output:
    """One logging command per variable, secrets flagged."""
    return Output(stdout="".join(command(v) for v in variables))


def parse(text: str) -> dict[str, tuple[str, bool]]:
    """Read the commands back: name → (value, secret). Lines that are not commands are ignored."""
    found: dict[str, tuple[str, bool]] = {}
    for line in text.split("\n"):
        if not line.startswith(PREFIX) or "]" not in line:
            continue
        properties, _, data = line[len(PREFIX) :].partition("]")
        name, *flags = properties.split(";")
        found[name] = (unescape_data(data), "issecret=true" in flags)
    return found


__all__ = ["command", "escape_data", "parse", "render", "unescape_data"]
