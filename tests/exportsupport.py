"""Helpers for export and exec tests: profiles on the run sandbox, and a child that signs in from env."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from clirunner import Result, run_cli
from runsupport import AUTOMATION
from testenv import scrubbed_environ

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld

VAULT = "https://contoso-ops.vault.azure.net"
SECRET = "sandbox-secret-contoso-1"
CONNECTION = "11111111-2222-3333-4444-555555555555"

# A program that knows nothing of entra-profiles: it signs in with an azure-identity credential
# configured by the environment alone (plus the two things no variable can say: trust the sandbox's
# CA, and skip instance discovery), and prints the token's claims.
CHILD = """
import base64, json, sys
kind, ca = sys.argv[1], sys.argv[2]
if kind == "environment":
    from azure.identity import EnvironmentCredential
    credential = EnvironmentCredential(disable_instance_discovery=True, connection_verify=ca)
elif kind == "workload":
    from azure.identity import WorkloadIdentityCredential
    credential = WorkloadIdentityCredential(connection_verify=ca)
else:
    from azure.identity import DefaultAzureCredential
    credential = DefaultAzureCredential(disable_instance_discovery=True, connection_verify=ca)
token = credential.get_token("https://graph.microsoft.com/.default").token
claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
print(json.dumps({"appid": claims["appid"], "tid": claims["tid"], "roles": claims.get("roles", [])}))
"""


def contoso(name: str, credential: str) -> str:
    return f"""  {name}:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {credential}
"""


def all_credentials(world: ExampleWorld, tmp_path: Path) -> str:
    """Profiles of every credential source an export must turn into files or variables."""
    main = world.certs["contoso-automation"]
    store = tmp_path / "store"
    store.mkdir(exist_ok=True)
    shutil.copyfile(main.pfx, store / f"{main.thumbprint}.pfx")
    return (
        contoso("secret", '{type: client_secret, secret: "${env:APP_SECRET}"}')
        + contoso("store-cert", f'{{type: certificate, thumbprint: "{main.thumbprint}", stores: ["{store}"]}}')
        + contoso("vault-cert", f"{{type: certificate, keyvault: {VAULT}/secrets/automation-cert}}")
        + contoso("pem-file", f'{{type: certificate, path: "{main.pem}", send_certificate_chain: true}}')
        + contoso("github", "{type: workload_identity, github: true}")
        + contoso(
            "pipelines", f"{{type: workload_identity, azure_pipelines: true, service_connection_id: {CONNECTION}}}"
        )
    )


def write_profiles(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text("version: 1\nprofiles:\n" + body, encoding="utf-8")
    return path


def cli(box: Sandbox, profiles: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    environ = {"APP_SECRET": SECRET, **(env or {})}
    return run_cli("-f", str(profiles), *args[:1], "--sandbox", str(box.state_dir), *args[1:], env=environ)


def child_script(tmp_path: Path) -> Path:
    path = tmp_path / "child.py"
    path.write_text(CHILD, encoding="utf-8")
    return path


def source_and_run(tmp_path: Path, exported: Path, kind: str, ca: str) -> subprocess.CompletedProcess[str]:
    """`. exported` in bash, then the child, which sees only what the file exported."""
    script = '. "$1" && exec "$2" "$3" "$4" "$5"'
    return subprocess.run(
        ["bash", "-c", script, "bash", str(exported), sys.executable, str(child_script(tmp_path)), kind, ca],
        env=scrubbed_environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
