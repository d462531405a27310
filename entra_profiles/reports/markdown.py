"""Markdown: a summary for GitHub's `$GITHUB_STEP_SUMMARY` and Azure Pipelines' `##vso[task.uploadsummary]`.

The counts, a table of the profiles that need attention (failed, warned, interrupted) with what each
check said, and the credentials that end within 90 days (or their profile's window). Profiles that
are simply ok are counted, not listed: a summary of 5,000 profiles stays readable (and well under
GitHub's 1 MiB a step). Every value is data: written with HTML entities for the characters Markdown
or a CI agent would read (`\\ ` * _ [ ] < > # ! | & : @ ~`), on one line; headings are underlined, never
`##`, so the summary may also be printed to a CI log.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from entra_profiles.reports.model import Batch, document, generated_at
from entra_profiles.safetext import one_line

ICONS = {"ok": "✅ ok", "warn": "⚠️ warn", "failed": "❌ failed", "interrupted": "⏸️ interrupted"}
MAX_ROWS = 500  # profiles listed; the rest are counted
SOON = timedelta(days=90)
_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_[]<>#!|&:@~"}


def cell(value: Any) -> str:
    """A value on one line, every character Markdown, HTML or a CI agent might read written as an entity."""
    return "".join(_ENTITIES.get(c, c) for c in one_line("" if value is None else str(value)))


def render_markdown(batch: Batch) -> str:
    data = document(batch)
    counts = data["summary"]
    parts = [f"{k} {counts[k]}" for k in ("ok", "warn", "failed", "interrupted") if counts.get(k)]
    title = f"{batch.title}: {', '.join(parts) or 'no profile'} of {counts['total']}"
    lines = [title, "=" * len(title), "", f"_{cell(generated_at(batch))}_", ""]
    attention = [p for p in data["profiles"] if p["status"] != "ok"]
    if attention:
        lines += [
            "Needs attention",
            "---------------",
            "",
            "| Profile | Status | Tenant | What |",
            "| --- | --- | --- | --- |",
        ]
        for profile in attention[:MAX_ROWS]:
            lines.append(
                f"| {cell(profile['name'])} | {ICONS.get(profile['status'], profile['status'])} | "
                f"{cell(profile.get('tenant'))} | {'<br>'.join(_what(profile)) or '&nbsp;'} |"
            )
        if len(attention) > MAX_ROWS:
            lines.append(f"\n…and {len(attention) - MAX_ROWS} more: see the JSON, JUnit or HTML report.")
        lines.append("")
    else:
        lines += ["Every profile connected and passed its checks.", ""]
    expiring = _expiring(data["profiles"], batch.generated)
    if expiring:
        lines += [
            "Credentials ending within 90 days",
            "---------------------------------",
            "",
            "| Ends | Profile | Tenant | Credential | In use |",
            "| --- | --- | --- | --- | --- |",
        ]
        for end, profile, credential in expiring[:MAX_ROWS]:
            lines.append(
                f"| {cell(end)} | {cell(profile['name'])} | {cell(profile.get('tenant'))} | "
                f"{cell(_credential(credential))} | {'yes' if credential.get('in_use') else ''} |"
            )
        lines.append("")
    return "\n".join(lines)


def _what(profile: dict[str, Any]) -> list[str]:
    """What a person must know of a profile: its failure, its checks that did not pass, its warnings."""
    out = []
    error = profile.get("error")
    checks = profile.get("checks") or []
    if isinstance(error, dict) and not any(c["status"] == "fail" and c["message"] == error["message"] for c in checks):
        out.append(f"**{cell(error['code'])}**: {cell(error['message'])}")
    for check in checks:
        if check["status"] in ("fail", "warn"):
            out.append(f"**{cell(check['name'])}** {check['status']}: {cell(check['message'])}")
    out += [cell(w) for w in profile.get("warnings") or []]
    if profile["status"] == "interrupted":
        out.append("interrupted before it finished")
    return out


def _expiring(profiles: list[dict[str, Any]], now: datetime) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    limit = (now + SOON).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = [
        (str(c["end"]), p, c)
        for p in profiles
        for c in p.get("credentials") or []
        if c.get("end") and str(c["end"]) <= limit
    ]
    return sorted(found, key=lambda item: item[0])


def _credential(credential: dict[str, Any]) -> str:
    kind = "client secret" if credential["kind"] == "secret" else "certificate"
    ident = f"hint {credential['hint']}" if credential["kind"] == "secret" else f"thumbprint {credential['thumbprint']}"
    name = f" '{credential['name']}'" if credential.get("name") else ""
    return f"{kind} {ident}{name}"
