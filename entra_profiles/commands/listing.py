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
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "github-matrix"]), default="text", show_default=True
)
@click.option(
    "--shard-count",
    type=click.IntRange(1, 256),
    help="With --format github-matrix: a matrix of N shards (else: of the selected groups).",
)
@file_option
@click.pass_context
def list_profiles(
    ctx: click.Context, targets: tuple[str, ...], fmt: str, shard_count: int | None, file: Path | None
) -> None:
    """List the selected profiles: name, tenant, client id, credential type, cloud, tags.

    A profile with problems (say, an environment variable not set here) is listed too, marked
    with `*` (`"problems": true` in JSON); `validate` tells what they are.

    `--format github-matrix` prints, on one line, a matrix for a GitHub Actions job's
    `strategy.matrix: ${{ fromJSON(...) }}`: with --shard-count N, {"shard": ["1/N", …]} for
    `run --shard ${{ matrix.shard }}`; without, {"group": [...]}, the groups among the targets
    (all the file's groups when no target is a group), for `run ${{ matrix.group }}`.
    """
    if fmt == "github-matrix":
        out(github_matrix(ctx, file, targets, shard_count))
        return
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


def github_matrix(ctx: click.Context, file: Path | None, targets: tuple[str, ...], shard_count: int | None) -> str:
    """The matrix, compact JSON on one line (as `$GITHUB_OUTPUT` takes it)."""
    import json

    from entra_profiles.errors import UsageError

    if shard_count is not None:
        return json.dumps({"shard": [f"{k}/{shard_count}" for k in range(1, shard_count + 1)]})
    ps, _ = load_selected(ctx, file, targets, strict=False)
    groups = [t for t in targets if t in ps.groups] or sorted(ps.groups)
    if not groups:
        raise UsageError(
            "no group to make a matrix of", hint="give --shard-count N for a matrix of N shards, or define groups:"
        )
    return json.dumps({"group": groups})


def unreadable(name: str) -> dict[str, Any]:
    """A profile too broken to summarize."""
    return {"name": name, "tenant": "", "client_id": "", "credential": "(invalid)", "cloud": "", "tags": []}
