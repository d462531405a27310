"""Text reports: a Get-EntraContext-style block for one profile; a table and the failures for several."""

from __future__ import annotations

from typing import Any

from entra_profiles.output import table
from entra_profiles.redact import REDACTOR
from entra_profiles.results import ProfileResult
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
    assert result.error is not None
    lines = [f"{result.name}: {one_line(result.error.message)}"]
    if result.error.hint:
        lines.append(f"  hint: {one_line(result.error.hint)}")
    return lines


STATUS_WORDS = {"ok": "ok", "failed": "FAILED", "interrupted": "interrupted"}
COLUMNS = ["PROFILE", "STATUS", "TENANT", "CREDENTIAL", "ROLES", "EXPIRES", "TIME"]
SHRINK = [(2,), (3,), (0,)]  # TENANT, then CREDENTIAL, then PROFILE: shortened (…) to fit a narrow terminal


def render_text(results: list[ProfileResult], *, width: int | None = None, paint: Paint = plain) -> str:
    """One profile: its context block; several: a table (fitted to `width`), then warnings and failures.
    `paint` colours the status words. Every value is redacted here, each once (the table's cells before
    they are measured)."""
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
    warned = [r for r in results if r.warnings]
    if warned:
        said = [f"{r.name}: {one_line(w)}" for r in warned for w in r.warnings]
        lines += ["", paint("Warnings:", "warning"), REDACTOR.redact("\n".join(said))]
    failed = [r for r in results if r.status == "failed"]
    if failed:
        lines += [
            "",
            paint("Failures:", "failed"),
            REDACTOR.redact("\n".join(ln for r in failed for ln in failure_lines(r))),
        ]
    lines += ["", summary(results, paint)]
    return "\n".join(lines)


def summary(results: list[ProfileResult], paint: Paint = plain) -> str:
    """`9 ok, 1 failed, 11 total`, with `, 1 interrupted` when Ctrl-C cut the run short."""
    counts = {status: sum(1 for r in results if r.status == status) for status in STATUS_WORDS}
    parts = [paint(f"{counts['ok']} ok", "ok") if counts["ok"] else "0 ok"]
    parts.append(paint(f"{counts['failed']} failed", "failed") if counts["failed"] else "0 failed")
    if counts["interrupted"]:
        parts.append(paint(f"{counts['interrupted']} interrupted", "interrupted"))
    return ", ".join(parts) + f", {len(results)} total"


def _one(r: ProfileResult, paint: Paint) -> str:
    if r.interrupted:
        return REDACTOR.redact(f"{r.name}: {paint('interrupted', 'interrupted')} before it finished")
    parts = [context_block(r)] if r.context is not None else []
    parts += [f"{paint('warning:', 'warning')} {one_line(w)}" for w in r.warnings]
    if r.error is not None:
        parts += [paint("error:", "error") + " " + "\n".join(failure_lines(r))]
    return REDACTOR.redact("\n".join(parts))
