"""Text reports: a Get-EntraContext-style block for one profile; a table and the failures for several."""

from __future__ import annotations

from typing import Any

from entra_profiles.output import table
from entra_profiles.results import ProfileResult
from entra_profiles.safetext import one_line


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


def render_text(results: list[ProfileResult]) -> str:
    if len(results) == 1:
        r = results[0]
        parts = [context_block(r)] if r.context is not None else []
        parts += [f"warning: {one_line(w)}" for w in r.warnings]
        if r.error is not None:
            parts += ["error: " + "\n".join(failure_lines(r))]
        return "\n".join(parts)
    rows = []
    for r in results:
        c = r.context or {}
        rows.append(
            [
                r.name,
                "ok" if r.ok else "FAILED",
                str(c.get("TenantId") or ""),
                str(c.get("TokenCredentialType") or ""),
                str(len(c.get("Scopes") or [])) if r.context else "",
                str(c.get("TokenExpiresOn") or ""),
                f"{r.duration_s:.2f}s",
            ]
        )
    lines = [table(rows, ["PROFILE", "STATUS", "TENANT", "CREDENTIAL", "ROLES", "EXPIRES", "TIME"])]
    warned = [r for r in results if r.warnings]
    if warned:
        lines += ["", "Warnings:"] + [f"{r.name}: {one_line(w)}" for r in warned for w in r.warnings]
    failed = [r for r in results if not r.ok]
    if failed:
        lines += ["", "Failures:"] + [line for r in failed for line in failure_lines(r)]
    ok = len(results) - len(failed)
    lines += ["", f"{ok} ok, {len(failed)} failed, {len(results)} total"]
    return "\n".join(lines)
