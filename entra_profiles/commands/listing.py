"""`list`: the selected profiles, one line each (or JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from entra_profiles.commands.common import file_option, load_selected, targets_argument
from entra_profiles.config.models import ManagedIdentity, Profile
from entra_profiles.output import err, out, table
from entra_profiles.safetext import json_text
from entra_profiles.terminal import width as terminal_width


def identity(p: Profile) -> str:
    """The client id, or which managed identity."""
    c = p.credential
    if isinstance(c, ManagedIdentity):
        return c.client_id or c.object_id or c.resource_id or "(system-assigned)"
    return p.client_id or ""


def summary(name: str, p: Profile) -> dict[str, Any]:
    return {
        "name": name,
        "tenant": p.tenant,
        "client_id": identity(p),
        "credential": p.credential.type,
        "cloud": p.cloud,
        "tags": list(p.tags),
        "description": p.description,
    }


@click.command(
    name="list",
    epilog="""\b
Examples:
  entra-profiles list
  entra-profiles list tag:prod --format json""",
)
@targets_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@file_option
@click.pass_context
def list_profiles(ctx: click.Context, targets: tuple[str, ...], fmt: str, file: Path | None) -> None:
    """List the selected profiles: name, tenant, client id, credential type, cloud, tags.

    A profile with problems (say, an environment variable not set here) is listed too, marked
    with `*` (`"problems": true` in JSON); `validate` tells what they are.
    """
    ps, names = load_selected(ctx, file, targets, strict=False)
    troubled = {owner for problem in ps.problems_for(names) for owner in problem.owners}
    rows = [
        {**(summary(n, ps.profiles[n]) if n in ps.profiles else unreadable(n)), "problems": n in troubled}
        for n in names
    ]
    if fmt == "json":
        out(json_text({"profiles": rows}))
    else:
        cells = [
            [r["name"] + (" *" if r["problems"] else "")]
            + [r[k] for k in ("tenant", "client_id", "credential", "cloud")]
            + [",".join(r["tags"])]
            for r in rows
        ]
        headers = ["NAME", "TENANT", "CLIENT ID", "CREDENTIAL", "CLOUD", "TAGS"]
        out(table(cells, headers, width=terminal_width(), shrink=[(1, 2, 5), (0,)]))
    if troubled:
        err(f"* {len(troubled)} profile(s) with problems: `entra-profiles validate` says what they are")


def unreadable(name: str) -> dict[str, Any]:
    """A profile too broken to summarize."""
    return {"name": name, "tenant": "", "client_id": "", "credential": "(invalid)", "cloud": "", "tags": []}
