"""`--sandbox DIR`: custom clouds routed to the sandbox, and a clear exit 2 (never a traceback, never a
value from the file) when DIR holds no usable sandbox.json or its sandbox is gone."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from clirunner import Result, run_cli
from runsupport import AUTOMATION, CONTOSO, by_name

from entra_profiles.sandbox import Sandbox

CANARY = "sandbox-json-canary-7c1e"  # stands for the tokens sandbox.json holds
PROFILES = f"""version: 1
clouds:
  lab:
    authority_host: https://login.lab.contoso.example
    graph_endpoint: https://graph.lab.contoso.example
    keyvault_suffix: vault.lab.contoso.example
profiles:
  lab-automation:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    cloud: lab
    credential: {{type: client_secret, secret: "${{env:APP_SECRET}}"}}
    expect:
      roles: [User.Read.All]
"""


def run(tmp_path: Path, sandbox_dir: Path, *args: str) -> Result:
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    env = {"APP_SECRET": "sandbox-secret-contoso-1"}
    return run_cli("-f", str(path), "run", "lab-automation", "--sandbox", str(sandbox_dir), *args, env=env)


def test_a_custom_cloud_probes_the_sandbox_graph_with_its_own_audience(box: Sandbox, tmp_path: Path) -> None:
    r = run(tmp_path, box.state_dir, "--probe", "--format", "json")
    assert r.code == 0, r.out + r.err
    context = by_name(r)["lab-automation"]["context"]
    assert (context["Environment"], context["Organization"], context["TenantId"]) == ("lab", "Contoso", CONTOSO)
    assert context["Scopes"] == ["User.Read.All", "Group.Read.All", "Application.Read.All"]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def info_of(box: Sandbox, **changes: Any) -> dict[str, Any]:
    info = dict(box.info)
    info.update(oidc_request_token=CANARY, admin_token=CANARY, identity_header=CANARY)
    info.update(changes)
    return info


def restart(directory: Path, seed: str = "SEED.yaml") -> str:
    return f"entra-profiles sandbox serve --state-dir {shlex.quote(str(directory))} --seed {seed}"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[]", "should hold a JSON object, not a list"),
        ('"text"', "should hold a JSON object, not a string"),
        ("{}", "is not usable: lacks keys authority_host, ca_bundle, port, pid, graph_endpoint, keyvault_url, "
               "imds_authority_host, oidc_request_url, oidc_request_token"),
        ("{not json", "is not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)"),
        ("", "is not valid JSON (line 1, column 1: Expecting value)"),
        ("drop:ca_bundle", "is not usable: lacks ca_bundle"),
        ("set:port=" + json.dumps("40525"), "is not usable: port should be an integer, not a string"),
        ("set:pid=" + json.dumps(True), "is not usable: pid should be an integer, not true or false"),
        ("set:oidc_request_token=" + json.dumps([CANARY]), "is not usable: oidc_request_token should be a string, "
                                                           "not a list"),
        ("set:azure_pipelines_access_token=" + json.dumps({"v": CANARY}),
         "is not usable: azure_pipelines_access_token should be a string, not an object"),
        ("set:authority_host=" + json.dumps("https://login.microsoftonline.com"),
         "is not usable: authority_host is not an https:// URL on a loopback address"),
    ],
)  # fmt: skip
def test_a_malformed_sandbox_json_is_a_usage_error(box: Sandbox, tmp_path: Path, content: str, problem: str) -> None:
    directory = tmp_path / "sandbox"
    directory.mkdir()
    if content.startswith(("drop:", "set:")):
        info = info_of(box)
        if content.startswith("drop:"):
            del info[content[5:]]
        else:
            key, _, value = content[4:].partition("=")
            info[key] = json.loads(value)
        content = json.dumps(info)
    (directory / "sandbox.json").write_text(content, encoding="utf-8")
    r = run(tmp_path, directory)
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        f"error: {directory / 'sandbox.json'} {problem}\n  hint: restart the sandbox: {restart(directory)}\n"
    )
    assert CANARY not in r.err and "Traceback" not in r.err


def test_a_dead_sandbox_fails_before_any_profile(box: Sandbox, tmp_path: Path) -> None:
    directory = tmp_path / "gone"
    directory.mkdir()
    pid = dead_pid()
    info = info_of(box, pid=pid, port=9, authority_host="https://127.0.0.1:9", seed="/work/seed.yaml")
    (directory / "sandbox.json").write_text(json.dumps(info), encoding="utf-8")
    r = run(tmp_path, directory, "--probe")
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        f"error: the sandbox in {directory} (pid {pid}) is not running\n"
        f"  hint: start it with: {restart(directory, '/work/seed.yaml')}\n"
    )


def test_a_live_process_that_does_not_answer_is_named(box: Sandbox, tmp_path: Path) -> None:
    directory = tmp_path / "silent"
    directory.mkdir()
    info = info_of(box, pid=box.info["pid"], port=9, authority_host="https://127.0.0.1:9", seed=None)
    (directory / "sandbox.json").write_text(json.dumps(info), encoding="utf-8")
    r = run(tmp_path, directory)
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        f"error: the sandbox in {directory} (pid {box.info['pid']}) does not answer on port 9\n"
        f"  hint: stop it and start it again: {restart(directory)}\n"
    )


def test_no_sandbox_json_names_the_seed_option(tmp_path: Path) -> None:
    directory = tmp_path / "empty dir"
    r = run(tmp_path, directory)
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        f"error: no sandbox is running in {directory} ({directory / 'sandbox.json'} not found)\n"
        f"  hint: start one with: {restart(directory)}\n"
    )


def test_export_and_exec_check_the_sandbox_the_same_way(tmp_path: Path) -> None:
    directory = tmp_path / "sandbox"
    directory.mkdir()
    (directory / "sandbox.json").write_text("[]", encoding="utf-8")
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    env = {"APP_SECRET": "sandbox-secret-contoso-1"}
    for command in (["export", "lab-automation"], ["exec", "lab-automation", "--", sys.executable, "-c", "pass"]):
        r = run_cli("-f", str(path), *command[:2], "--sandbox", str(directory), *command[2:], env=env)
        assert (r.code, r.out) == (2, ""), command
        assert r.err.startswith(f"error: {directory / 'sandbox.json'} should hold a JSON object, not a list\n")
