"""A generated world for batch tests: `tenants` x `apps` client-secret profiles, some with checks that fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

GRAPH = "https://graph.microsoft.com"


def guid(kind: int, i: int) -> str:
    return f"{i:08x}-{kind:04x}-4000-8000-{i:012x}"


def make_batch_world(directory: Path, tenants: int, apps: int) -> tuple[dict[str, Any], Path]:
    """The sandbox's seed and a profiles file. Every profile requires User.Read.All; every 25th one's
    secret ends in 10 days and its profile expects 30 (it fails); every 10th is granted
    Directory.ReadWrite.All, which the file forbids (it fails too)."""
    directory.mkdir(parents=True, exist_ok=True)
    seed_tenants: list[dict[str, Any]] = []
    lines = [
        "version: 1",
        "defaults:",
        "  expect: {require_roles: [User.Read.All], forbid_roles: ['*.ReadWrite.All']}",
        "templates:",
        "  expiring: {expect: {credential_valid_for: 30d}}",
        "profiles:",
    ]
    for t in range(tenants):
        tenant = guid(0, t)
        seed_apps = []
        for a in range(apps):
            i = t * apps + a
            client_id, secret = guid(0x1111, i), f"batch-secret-{i}"
            roles = ["User.Read.All", "Application.Read.All"] + (["Directory.ReadWrite.All"] if i % 10 == 3 else [])
            entry: dict[str, Any] = {"value": secret} | ({"expires_in": "10d"} if i % 25 == 7 else {})
            seed_apps.append({"client_id": client_id, "secrets": [entry], "roles": {GRAPH: roles}})
            lines += [f"  p{i:04d}:", f"    tenant: {tenant}", f"    client_id: {client_id}"]
            lines += ["    extends: expiring"] if i % 25 == 7 else []
            lines += [f"    credential: {{type: client_secret, secret: {secret}}}"]
        seed_tenants.append({"id": tenant, "domains": [f"t{t:03d}.example.com"], "apps": seed_apps})
    profiles = directory / "profiles.yaml"
    profiles.write_text("\n".join(lines) + "\n")
    return {"tenants": seed_tenants}, profiles
