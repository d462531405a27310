"""What a server says reaches a message masked and clipped, and quickly: a vault that answers with
300 KB of "eyJeyJ…" (text the token masking once rescanned from every "eyJ") neither floods the report
nor holds the run past its --timeout."""

from __future__ import annotations

import time
from pathlib import Path

from clirunner import run_cli
from mitm import Mitm, fake_sandbox
from runsupport import AUTOMATION, CONTOSO, GRACE_S, by_name

from entra_profiles.sandbox import Sandbox

HOSTILE = "eyJ" * 100_000


def test_a_vault_that_says_too_much_is_quoted_clipped_within_the_deadline(box: Sandbox, tmp_path: Path) -> None:
    with Mitm(tmp_path / "mitm", vault_error=HOSTILE) as mitm:
        mitm.authority = f"https://login.microsoftonline.com/{CONTOSO}"
        sandbox = fake_sandbox(box, mitm, tmp_path / "fake-sandbox")
        path = tmp_path / "profiles.yaml"
        path.write_text(
            f"""version: 1
keyvault_credential: profile:reader
profiles:
  reader:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
  victim:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: "${{keyvault:https://contoso-ops.vault.azure.net/secrets/app}}"}}
""",
            encoding="utf-8",
        )
        started = time.monotonic()
        args = ("-f", str(path), "run", "victim", "--sandbox", str(sandbox), "--timeout", "5", "--retries", "0")
        r = run_cli(*args, "--format", "json")
        elapsed = time.monotonic() - started
        text = run_cli(*args)
    assert r.code == 1, r.err
    assert elapsed < 5 + GRACE_S, elapsed
    message = by_name(r)["victim"]["error"]["message"]
    said = ("(BadParameter) " + HOSTILE)[:300] + "…"  # the first 300 characters
    assert message.endswith(f"Key Vault secret 'app' in https://contoso-ops.vault.azure.net: HTTP 400: {said}")
    assert text.code == 1 and "eyJ" * 101 not in text.out + text.err
