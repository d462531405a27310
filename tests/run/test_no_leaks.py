"""No secret, password, key or access token reaches stdout, stderr, logs or reports — whatever the command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clirunner import run_cli
from runsupport import AUTOMATION

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import PFX_PASSWORD, ExampleWorld

CANARIES = {
    "env_secret": "CANARY-env-secret-91ab",
    "file_secret": "CANARY-file-secret-27cd",
    "vault": "CANARY-vault-value-5d1f",
    "pfx_password": "CANARY-pfx-password-6e0a",
    "literal": 'CANARY-literal-"wörd"-${x}',
}
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


@pytest.fixture
def leaky_file(tmp_path: Path, world: ExampleWorld) -> Path:
    (tmp_path / "secret.txt").write_text(CANARIES["file_secret"] + "\n")
    main = world.certs["contoso-automation"]
    protected = world.certs["contoso-automation-pfx"]
    path = tmp_path / "profiles.yaml"
    path.write_text(f"""version: 1
templates:
  contoso:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    expect: {{credential_valid_for: 1d, tenant: Contoso}}
profiles:
  env-secret:
    extends: contoso
    credential: {{type: client_secret, secret: "${{env:LEAK_SECRET}}"}}
  file-secret:
    extends: contoso
    credential: {{type: client_secret, secret: "${{file:secret.txt}}"}}
  vault-secret:
    extends: contoso
    credential: {{type: client_secret, secret: "${{keyvault:https://contoso-ops.vault.azure.net/secrets/canary-secret}}"}}
  wrong-pfx-password:
    extends: contoso
    credential: {{type: certificate, path: "{protected.pfx}", password: "${{env:LEAK_PFX_PASSWORD}}"}}
  good-pfx:
    extends: contoso
    credential: {{type: certificate, path: "{protected.pfx}", password: "${{env:GOOD_PFX_PASSWORD}}"}}
  good-pem:
    extends: contoso
    probe: true
    credential: {{type: certificate, path: "{main.pem}"}}
  literal-secret:
    extends: contoso
    credential: {{type: client_secret, secret: 'CANARY-literal-"wörd"-$${{x}}'}}
  good-secret:
    extends: contoso
    credential: {{type: client_secret, secret: "${{env:GOOD_SECRET}}"}}
""")
    return path


def leak_env(box: Sandbox) -> dict[str, str]:
    """The canaries and the good values, where the profiles read them; the sandbox to route to."""
    return {
        "LEAK_SECRET": CANARIES["env_secret"],
        "LEAK_PFX_PASSWORD": CANARIES["pfx_password"],
        "GOOD_PFX_PASSWORD": PFX_PASSWORD,
        "GOOD_SECRET": "sandbox-secret-contoso-1",
        "ENTRA_PROFILES_SANDBOX": str(box.state_dir),
    }


COMMANDS = [
    ["validate"],
    ["validate", "--resolve"],
    ["list"],
    ["list", "--format", "json"],
    ["resolve", "vault-secret"],
    ["resolve", "env-secret", "--format", "json"],
    ["run", "all"],
    ["run", "all", "--format", "json"],
    ["run", "all", "--format", "yaml"],
    ["run", "vault-secret"],
    ["run", "good-pem", "--probe"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_no_canary_or_token_in_any_output(leaky_file: Path, box: Sandbox, args: list[str], debug: bool) -> None:
    env = leak_env(box)
    r = run_cli(*(["--debug"] if debug else []), "-f", str(leaky_file), *args, env=env)
    assert r.code in (0, 1), r.err[-2000:]
    seen = r.out + r.err
    for name, canary in [*CANARIES.items(), ("pfx", PFX_PASSWORD), ("good secret", "sandbox-secret-contoso-1")]:
        assert canary not in seen, f"{name} leaked by {args}"
    assert "PRIVATE KEY" not in seen
    assert not JWT.search(seen), f"a token leaked by {args}: {JWT.search(seen)}"
    if debug and args[0] == "run":
        assert "DEBUG" in r.err  # the debug log was on, and scrubbed


def test_request_log_holds_no_canary(box: Sandbox) -> None:
    text = (box.state_dir / "requests.jsonl").read_text()
    for canary in CANARIES.values():
        assert canary not in text
    assert not JWT.search(text)


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_no_canary_or_token_in_report_files(leaky_file: Path, box: Sandbox, tmp_path: Path, debug: bool) -> None:
    """The JUnit, HTML, Markdown (a file and the step summary), JSON and YAML reports hold no secret either."""
    out = tmp_path / "reports"
    out.mkdir()
    env = {**leak_env(box), "GITHUB_STEP_SUMMARY": str(out / "step-summary.md")}
    names = {"junit": "r.xml", "html": "r.html", "json": "r.json", "yaml": "r.yaml"}
    reports = [f"--report={fmt}={out / name}" for fmt, name in names.items()]
    args = ["run", "all", "--probe", *reports]
    r = run_cli(*(["--debug"] if debug else []), "-f", str(leaky_file), *args, env=env)
    assert r.code == 1, r.err[-2000:]
    files = {p.name: p.read_text() for p in out.iterdir()}
    assert set(files) == {*names.values(), "step-summary.md"}
    assert "hint &apos;san&apos;" in files["r.html"]  # the app's registered credentials are listed: by hint only
    for name, text in files.items():
        for label, canary in [*CANARIES.items(), ("pfx", PFX_PASSWORD), ("good secret", "sandbox-secret-contoso-1")]:
            assert canary not in text, f"{label} leaked into {name}"
        assert "PRIVATE KEY" not in text
        assert not JWT.search(text), f"a token leaked into {name}"
