"""`resolve` text output: columns measured after redaction; `--offline` shows unescaped text and says
which Key Vault references were not read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirunner import run_cli

from entra_profiles import output
from entra_profiles.redact import Redactor

VAULT = "https://ops.vault.azure.net/secrets"


def test_table_measures_cells_after_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    redactor = Redactor()
    redactor.register("a-rather-long-registered-secret-value")
    monkeypatch.setattr(output, "REDACTOR", redactor)
    text = output.table([["x", "a-rather-long-registered-secret-value", "y"]], ["A", "B", "C"])
    assert text.splitlines() == ["A  B    C", "x  ***  y"]


def test_offline_shows_text_unescaped_and_references_not_read(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(
        "version: 1\nprofiles:\n  p:\n    tenant: contoso.onmicrosoft.com\n"
        "    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
        f'    description: "costs $${{x}} and ${{keyvault:{VAULT}/desc}}"\n'
        f'    credential: {{type: client_secret, secret: "${{keyvault:{VAULT}/s}}"}}\n'
    )
    r = run_cli("-f", str(path), "resolve", "p", "--offline", "--format", "json")
    assert r.code == 0, r.err
    fields = {f["field"]: f for f in json.loads(r.out)["fields"]}
    assert fields["description"]["value"] == f"costs ${{x}} and ${{keyvault:{VAULT}/desc}}"
    assert fields["description"]["source"] == f"keyvault:{VAULT}/desc (not read: --offline)"
    assert (fields["credential.secret"]["value"], fields["credential.secret"]["source"]) == (
        "***",
        f"keyvault:{VAULT}/s (not read: --offline)",
    )
    assert fields["tenant"]["source"] == "literal"
    r = run_cli("-f", str(path), "resolve", "p", "--offline")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].split() == ["FIELD", "VALUE", "SOURCE", "WRITTEN", "AT"]
    secret_line = next(line for line in lines if line.startswith("credential.secret"))
    assert secret_line.split()[1:4] == ["***", f"keyvault:{VAULT}/s", "(not"]
    value_column = lines[0].index("VALUE")
    source_column = lines[0].index("SOURCE")
    assert source_column - value_column == len(f"costs ${{x}} and ${{keyvault:{VAULT}/desc}}") + 2


def test_offline_names_an_app_service_reference(tmp_path: Path) -> None:
    reference = "@Microsoft.KeyVault(VaultName=contoso-ops;SecretName=contoso-app-secret)"
    path = tmp_path / "profiles.yaml"
    path.write_text(
        "version: 1\nprofiles:\n  p:\n    tenant: contoso.onmicrosoft.com\n"
        "    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
        f'    credential: {{type: client_secret, secret: "{reference}"}}\n'
    )
    r = run_cli("-f", str(path), "resolve", "p", "--offline", "--format", "json")
    fields = {f["field"]: f for f in json.loads(r.out)["fields"]}
    assert fields["credential.secret"]["source"] == f"keyvault:{reference} (not read: --offline)"
