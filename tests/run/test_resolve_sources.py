"""`resolve` names every source of a value built from several references, in the order written, and
says when an environment variable was unset and its default used (issue #13 item 11)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from clirunner import run_cli
from runsupport import AUTOMATION

from entra_profiles.sandbox import Sandbox

VAULT = "https://contoso-ops.vault.azure.net"
DESCRIPTION = (
    f"${{env:TEAM}} ${{keyvault:{VAULT}/secrets/shared-1}} ${{env:STAGE:-dev}} ${{keyvault:{VAULT}/secrets/shared-2}}"
)
PROFILES = f"""version: 1
profiles:
  p:
    tenant: ${{env:TENANT:-contoso.onmicrosoft.com}}
    client_id: {AUTOMATION}
    description: "{DESCRIPTION}"
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
"""


def fields(path: Path, *args: str, env: dict[str, str]) -> dict[str, dict[str, str]]:
    r = run_cli("-f", str(path), "resolve", "p", "--format", "json", *args, env=env)
    assert r.code == 0, r.err
    return {f["field"]: f for f in json.loads(r.out)["fields"]}


def test_every_source_in_the_order_written(box: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILES)
    got = fields(path, "--sandbox", str(box.state_dir), env={"TEAM": "ops"})
    version = r"\(version [0-9a-f]{32}\)"
    assert re.fullmatch(
        rf"env:TEAM, keyvault:{VAULT}/secrets/shared-1 {version}, env:STAGE \(unset, default used\), "
        rf"keyvault:{VAULT}/secrets/shared-2 {version}",
        got["description"]["source"],
    ), got["description"]["source"]
    assert got["tenant"]["source"] == "env:TENANT (unset, default used)"
    assert got["tenant"]["value"] == "contoso.onmicrosoft.com"
    again = fields(path, "--sandbox", str(box.state_dir), env={"TEAM": "ops", "TENANT": "contoso.onmicrosoft.com"})
    assert again["tenant"]["source"] == "env:TENANT"  # set, even to the default's value: it was read


def test_offline_lists_them_too(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILES)
    got = fields(path, "--offline", env={"TEAM": "ops", "STAGE": ""})
    assert got["description"]["source"] == (
        f"env:TEAM, keyvault:{VAULT}/secrets/shared-1, env:STAGE, keyvault:{VAULT}/secrets/shared-2 "
        "(not read: --offline)"
    )
