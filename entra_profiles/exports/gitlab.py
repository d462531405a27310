"""`--format gitlab`: a dotenv report (`artifacts: reports: dotenv:`) for later jobs.

GitLab's dotenv reports are plain `NAME=value` lines: no quoting (quotes are kept as part of the
value), no line breaks, no leading or trailing spaces, no comments or blank lines, ASCII names. The
report is stored as a job artifact: **anyone who can read the job's artifacts can read every value**
(on a public project, anyone at all), and GitLab does not mask dotenv variables in later jobs' logs.
So secrets are refused unless `--allow-secrets` says that is understood. Prefer workload identity
(`id_tokens:` in the job) or masked, protected CI/CD variables.

Certificate paths point at files of this job's machine: a later job cannot read them.
"""

from __future__ import annotations

from entra_profiles.exports.base import ExportError, FormatOptions, Output, Variable

WHY = (
    "a dotenv report is a job artifact: anyone who can read the job's artifacts can read it, "
    "and GitLab does not mask its values"
)


def check(variables: list[Variable], allow_secrets: bool) -> None:
    """Refuse what a dotenv report cannot carry, or should not."""
    secret = [v.name for v in variables if v.secret]
    if secret and not allow_secrets:
        raise ExportError(
            f"refusing to write secrets ({', '.join(secret)}) to a GitLab dotenv report: {WHY}",
            hint="use workload identity (id_tokens) or masked CI/CD variables; --allow-secrets to write them anyway",
        )
    for v in variables:
        if "\n" in v.value or "\r" in v.value:
            raise ExportError(f"{v.name}: GitLab dotenv reports cannot carry a value with a line break")
        if v.value != v.value.strip():
            raise ExportError(f"{v.name}: GitLab dotenv reports drop leading and trailing spaces of a value")


def render(variables: list[Variable], options: FormatOptions) -> Output:
    """`NAME=value` lines, verbatim."""
    check(variables, options.allow_secrets)
    return Output(stdout="".join(f"{v.name}={v.value}\n" for v in variables))


def parse(text: str) -> dict[str, str]:
    """Read a report as GitLab does: lines end at LF only (Ruby's each_line), each split at its first `=`,
    values verbatim."""
    found = {}
    for line in text.removesuffix("\n").split("\n") if text else []:
        name, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"not NAME=value: {line!r}")
        found[name] = value
    return found


__all__ = ["WHY", "check", "parse", "render"]
