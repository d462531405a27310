"""`--debug` logs what was sent and answered, never a secret in any encoding: the bodies of token
requests and answers and of Key Vault reads are not logged at all (method, URL without its query,
status and time are). A secret whose characters URL-encoding changes is looked for as it is, URL-encoded
(as a form sends it, in either case of hex) and in base64."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, unquote_plus

import pytest
import yaml
from clirunner import run_cli
from mitm import Mitm, on_its_cloud
from runsupport import AUTOMATION, VAULT

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld

CANARY = "Dbg7a+b/c=d~e%f-canary"
READER = "sandbox-secret-contoso-1"


def forms(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "raw": secret,
        "form": quote_plus(secret),
        "url": quote(secret, safe=""),
        "url lower hex": quote_plus(secret).lower(),
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "json": secret.replace("/", "\\/"),
    }


@pytest.fixture(scope="module")
def canary_box(world: ExampleWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    seed = yaml.safe_load(world.seed.read_text())
    tenant = seed["tenants"][0]
    tenant["apps"][0]["secrets"].append({"value": CANARY})
    tenant["vaults"][0]["secrets"]["debug-canary"] = CANARY
    with Sandbox(tmp_path_factory.mktemp("debug-box"), seed, base_dir=world.seed.parent) as sb:
        yield sb


@pytest.mark.parametrize(
    "args",
    [["run", "all"], ["resolve", "from-vault"], ["validate", "--resolve"], ["exec", "from-vault", "--", "true"]],
    ids=lambda a: " ".join(a),
)
def test_debug_shows_no_form_of_a_secret(canary_box: Sandbox, tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(f"""version: 1
keyvault_credential: profile:reader
profiles:
  from-env:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: "${{env:CANARY_SECRET}}"}}
  from-vault:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: "${{keyvault:{VAULT}/secrets/debug-canary}}"}}
  reader:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: {READER}}}
""")
    env = {"CANARY_SECRET": CANARY, "ENTRA_PROFILES_SANDBOX": str(canary_box.state_dir)}
    r = run_cli("--debug", "-f", str(path), *args, env=env)
    shown = r.out + r.err
    assert r.code == 0, shown[-3000:]
    for name, form in [*forms(CANARY).items(), *forms(READER).items()]:
        assert form not in shown, (name, form)
    vault = f"DEBUG entra_profiles.http: GET {canary_box.url}/vaults/contoso-ops/secrets/debug-canary/?…: HTTP 200 in "
    assert vault in r.err
    logs = [line for line in r.err.splitlines() if line.startswith(("DEBUG", "INFO", "WARNING"))]
    assert logs and all(line.startswith("DEBUG entra_profiles.http: ") for line in logs), logs


def echo_everything(body: str) -> str:
    """The request as sent, decoded, in base64, and the secret alone in base64 and in JSON."""
    secret = parse_qs(body)["client_secret"][0]
    encoded = base64.b64encode(body.encode()).decode()
    alone = base64.b64encode(secret.encode()).decode()
    in_json = json.dumps({"s": secret}).replace("/", "\\/")
    return f"got {body} | {unquote_plus(body)} | {encoded} | {alone} | {in_json}"


def test_debug_of_a_token_service_that_echoes_the_secret_in_every_encoding(tmp_path: Path) -> None:
    with Mitm(tmp_path / "mitm", token_error=echo_everything) as mitm:
        path = on_its_cloud(mitm, tmp_path / "profiles.yaml", {"leaky": ("contoso.onmicrosoft.com", "${env:S}")})
        r = run_cli("--debug", "-f", str(path), "run", "leaky", "--retries", "0", "--timeout", "20", env={"S": CANARY})
        assert quote_plus(CANARY) in mitm.seen[-1].body  # the form really carried it, encoded
    shown = r.out + r.err
    assert r.code == 1 and "answered HTTP 400: got client_id=" in r.out, shown[-3000:]
    for name, form in forms(CANARY).items():
        assert form not in shown, (name, form)
    token = f"DEBUG entra_profiles.http: POST {mitm.url}/contoso.onmicrosoft.com/oauth2/v2.0/token: HTTP 400 in "
    assert token in r.err
