"""Text reports: a Get-EntraContext-style block for one profile; a table and the failures for several."""

from __future__ import annotations

from typing import Any

from entra_profiles.output import table
from entra_profiles.results import Failure, ProfileResult
from entra_profiles.safetext import one_line
from entra_profiles.terminal import Paint, plain


def _value(value: Any) -> str:
    """A context value on one line (an app's or organization's name comes from the server)."""
    if isinstance(value, list):
        return one_line("{" + ", ".join(str(v) for v in value) + "}")
    if isinstance(value, bool):
        return str(value)
    return "" if value is None else one_line(str(value))


def context_block(result: ProfileResult) -> str:
    assert result.context is not None
    fields = {"Profile": result.name, **result.context}
    if result.organization is not None:
        fields["Organization"] = result.organization
    width = max(len(k) for k in fields)
    return "\n".join(f"{k.ljust(width)} : {_value(v)}".rstrip() for k, v in fields.items())


def failure_lines(result: ProfileResult) -> list[str]:
    """The connection's failure, or each failed check (`name: check: message`), with its hint."""
    failures: list[tuple[str | None, Failure]] = [(None, result.error)] if result.error is not None else []
    failures += [(c.name, c.failure()) for c in result.checks if c.status == "fail"]
    lines = []
    for check, failure in failures:
        lines.append(f"{result.name}: {check + ': ' if check else ''}{one_line(failure.message)}")
        if failure.hint:
            lines.append(f"  hint: {one_line(failure.hint)}")
    return lines


STATUS_WORDS = {"ok": "ok", "warn": "warn", "failed": "FAILED", "interrupted": "interrupted"}
CHECK_WORDS: dict[str, tuple[str, str | None]] = {
    "pass": ("pass", "ok"),
    "warn": ("warn", "warn"),
    "fail": ("FAILED", "failed"),
    "skipped": ("skipped", None),
}
COLUMNS = ["PROFILE", "STATUS", "TENANT", "CREDENTIAL", "ROLES", "EXPIRES", "TIME"]
SHRINK = [(2,), (3,), (0,)]  # TENANT, then CREDENTIAL, then PROFILE: shortened (…) to fit a narrow terminal


def render_text(results: list[ProfileResult], *, width: int | None = None, paint: Paint = plain) -> str:
    """One profile: its context block; several: a table (fitted to `width`), then warnings and failures.
    `paint` colours the status words."""
    if len(results) == 1:
        return _one(results[0], paint)
    rows = []
    for r in results:
        c = r.context or {}
        rows.append(
            [
                r.name,
                STATUS_WORDS[r.status],
                str(c.get("TenantId") or ""),
                str(c.get("TokenCredentialType") or ""),
                str(len(c.get("Scopes") or [])) if r.context else "",
                str(c.get("TokenExpiresOn") or ""),
                f"{r.duration_s:.2f}s" if not r.interrupted else "",
            ]
        )
    by_word = {word: status for status, word in STATUS_WORDS.items()}
    status_column = {1: lambda word: paint(word, by_word[word])}
    lines = [table(rows, COLUMNS, width=width, shrink=SHRINK, paint=status_column)]
    warned = [line for r in results for line in warning_lines(r)]
    if warned:
        lines += ["", paint("Warnings:", "warning"), *warned]
    failed = [r for r in results if r.status == "failed"]
    if failed:
        lines += ["", paint("Failures:", "failed")] + [line for r in failed for line in failure_lines(r)]
    lines += ["", summary(results, paint)]
    return "\n".join(lines)


def warning_lines(result: ProfileResult) -> list[str]:
    """The profile's warnings and the checks that warned, each with its hint."""
    lines = [f"{result.name}: {one_line(w)}" for w in result.warnings]
    for check in (c for c in result.checks if c.status == "warn"):
        lines.append(f"{result.name}: {check.name}: {one_line(check.message)}")
        if check.hint:
            lines.append(f"  hint: {one_line(check.hint)}")
    return lines


def check_lines(result: ProfileResult, paint: Paint = plain) -> list[str]:
    """`Checks:` and a line per expectation (its status, name and what was found), with the hints of
    those that did not pass; then the app's registered credentials, when they were read."""
    if not result.checks:
        return []
    width = max(len(c.name) for c in result.checks)
    lines = ["Checks:"]
    for c in result.checks:
        word, kind = CHECK_WORDS.get(c.status, (c.status, None))
        shown = paint(word, kind) if kind else word
        lines.append(f"  {shown}{' ' * (7 - len(word))} {c.name.ljust(width)}  {one_line(c.message)}")
        if c.hint and c.status in ("warn", "fail"):
            lines.append(f"  {' ' * 8}{' ' * width}  hint: {one_line(c.hint)}")
    if result.credentials:
        lines.append("Credentials:")
        for cred in result.credentials:
            ident = f"hint {cred.hint}" if cred.kind == "secret" else f"thumbprint {cred.thumbprint}"
            name = f" '{cred.name}'" if cred.name else ""
            used = "  (in use)" if cred.in_use else ""
            lines.append(f"  {cred.kind:<11} ends {cred.end or 'never'}  {one_line(ident + name)}{used}")
    return lines


def summary(results: list[ProfileResult], paint: Paint = plain) -> str:
    """`9 ok, 1 failed, 11 total`, with `, 1 warn` when a profile warned and `, 1 interrupted` when Ctrl-C
    cut the run short."""
    counts = {status: sum(1 for r in results if r.status == status) for status in STATUS_WORDS}
    parts = [paint(f"{counts['ok']} ok", "ok") if counts["ok"] else "0 ok"]
    if counts["warn"]:
        parts.append(paint(f"{counts['warn']} warn", "warn"))
    parts.append(paint(f"{counts['failed']} failed", "failed") if counts["failed"] else "0 failed")
    if counts["interrupted"]:
        parts.append(paint(f"{counts['interrupted']} interrupted", "interrupted"))
    return ", ".join(parts) + f", {len(results)} total"


def _one(r: ProfileResult, paint: Paint) -> str:
    if r.interrupted:
        return f"{r.name}: {paint('interrupted', 'interrupted')} before it finished"
    parts = [context_block(r)] if r.context is not None else []
    parts += check_lines(r, paint)
    parts += [f"{paint('warning:', 'warning')} {one_line(w)}" for w in r.warnings]
    if r.status == "failed":
        parts += [paint("error:", "error") + " " + "\n".join(failure_lines(r))]
    return "\n".join(parts)
