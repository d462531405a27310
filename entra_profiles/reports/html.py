"""A self-contained HTML report: one file, no network (inline CSS, SVG and script; a Content-Security-Policy
that allows nothing else), rendered with Jinja2 from templates/report.html.j2, autoescape on.

Summary counts; a table of profiles and their checks that sorts (click a heading) and filters (text,
status); a timeline of every credential's end date across all tenants (the app's registered secrets
and certificates read from Graph, and each certificate in use), deduplicated. Values are data: escaped
on one line, with `#` written `&#35;` too (the template itself holds none), so the file holds no
line a CI agent would read as a command when it is printed to a log.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from entra_profiles.reports.model import Batch, document, generated_at
from entra_profiles.safetext import one_line

WIDTH, LABEL, ROW = 960, 420, 18  # the timeline's size: total width, label column, row height
HORIZON = timedelta(days=730)  # ends further away are drawn at the right edge ("later")


def render_html(batch: Batch) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("entra_profiles.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_escaped,
    )
    data = document(batch)
    rows = [_row(p) for p in data["profiles"]]
    timeline = _timeline(data["profiles"], batch.generated)
    html = env.get_template("report.html.j2").render(
        title=batch.title,
        generated=generated_at(batch),
        summary=data["summary"],
        rows=rows,
        timeline=timeline,
        width=WIDTH,
        label=LABEL,
        row_height=ROW,
    )
    return html


HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "#": "&#35;"}


def _escaped(value: Any) -> Any:
    """A value as the page shows it: on one line, escaped for HTML (text and attributes), `#` included."""
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup("".join(HTML_ENTITIES.get(c, c) for c in one_line(value)))
    return value


def _row(profile: dict[str, Any]) -> dict[str, Any]:
    context = profile.get("context") or {}
    error = profile.get("error")
    checks = profile.get("checks") or []
    if isinstance(error, dict) and any(c["status"] == "fail" and c["message"] == error["message"] for c in checks):
        error = None  # a failed check's, shown with the check
    return {
        "name": profile["name"],
        "status": profile["status"],
        "tenant": profile.get("tenant") or "",
        "credential": context.get("TokenCredentialType") or "",
        "expires": context.get("TokenExpiresOn") or "",
        "time": f"{float(profile.get('duration_s') or 0.0):.2f}",
        "error": f"{error['code']}: {error['message']}" if isinstance(error, dict) else "",
        "hint": (error.get("hint") or "") if isinstance(error, dict) else "",
        "checks": checks,
        "warnings": profile.get("warnings") or [],
    }


def _timeline(profiles: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """Each distinct credential (tenant, app, kind, id) with its end as a bar from now, soonest first."""
    seen: dict[tuple[str, ...], dict[str, Any]] = {}
    for p in profiles:
        app = str((p.get("context") or {}).get("AppName") or (p.get("context") or {}).get("ClientId") or p["name"])
        for c in p.get("credentials") or []:
            ident = str(c.get("key_id") or c.get("thumbprint") or c.get("hint") or "")
            key = (str(p.get("tenant")), app, str(c["kind"]), ident, str(c.get("end")))
            entry = seen.setdefault(key, {"credential": c, "tenant": p.get("tenant") or "", "app": app, "profiles": []})
            entry["profiles"].append(p["name"])
    start = now.astimezone(UTC)
    span = HORIZON.total_seconds()
    bars = []
    for entry in sorted(seen.values(), key=lambda e: str(e["credential"].get("end") or "9999")):
        c = entry["credential"]
        end = _parse(c.get("end"))
        left = (end - start).total_seconds() if end else span
        fraction = min(max(left / span, 0.0), 1.0)
        kind = "client secret" if c["kind"] == "secret" else "certificate"
        ident = f"hint {c.get('hint')}" if c["kind"] == "secret" else f"thumbprint {c.get('thumbprint')}"
        bars.append(
            {
                "label": f"{entry['tenant']} · {entry['app']} · {kind} {c.get('name') or ''}".rstrip(),
                "title": f"{kind} {ident}, ends {c.get('end') or 'never'}; used by {', '.join(entry['profiles'])}"
                + (" (in use)" if c.get("in_use") else ""),
                "end": str(c.get("end") or "never")[:10],  # the day; the title has the time
                "width": round(fraction * (WIDTH - LABEL - 110), 1),
                "state": _state(left),
            }
        )
    ticks = [
        {
            "x": round(LABEL + (d / HORIZON.days) * (WIDTH - LABEL - 110), 1),
            "text": (start + timedelta(days=d)).strftime("%Y-%m-%d"),
        }
        for d in (0, 180, 365, 730)
    ]
    return {"bars": bars, "ticks": ticks, "height": ROW * (len(bars) + 2)}


def _state(seconds_left: float) -> str:
    if seconds_left <= 0:
        return "expired"
    if seconds_left < 30 * 86400:
        return "soon"
    if seconds_left < 90 * 86400:
        return "near"
    return "far"


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
