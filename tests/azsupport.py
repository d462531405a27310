"""Run the real Azure CLI (pip `azure-cli`, pinned in the Makefile, in the ignored .venv-az) against the sandbox.

az takes minutes to install, so its tests run in `make interop` (which CI runs), not in `make test`: without
.venv-az they skip, saying so, unless ENTRA_INTEROP_REQUIRE_AZ is set (make interop), when they fail. az is
a Python program: it runs with the loopback guard on its PYTHONPATH (tests/netguard's sitecustomize, as
every CLI subprocess of the suite), and a "network guard:" line on its stderr fails the test. Each az gets a
configuration directory of its own (AZURE_CONFIG_DIR) in which telemetry is off, instance discovery is off
(a non-Microsoft authority) and the version check is already done (a fresh directory makes az fetch the
latest versions from the internet).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from clirunner import Result, run_cli
from testenv import REPO_DIR, scrubbed_environ

from entra_profiles.sandbox import Sandbox

AZ_VENV = REPO_DIR / ".venv-az"
REQUIRE = "ENTRA_INTEROP_REQUIRE_AZ"
CLOUD = "Sandbox"
CONFIG = """[core]
collect_telemetry = no
instance_discovery = false
survey_message = no
no_color = yes
first_run = no
output = json
"""


def az_binary() -> Path:
    """.venv-az's az; skips (fails under `make interop`) when it is not installed."""
    az = AZ_VENV / "bin" / "az"
    if not az.is_file():
        message = f"the Azure CLI is not installed in {AZ_VENV}: `make interop` installs it and runs this tier"
        if os.environ.get(REQUIRE):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return az


def prepare_config_dir(path: Path) -> Path:
    """An AZURE_CONFIG_DIR that never makes az reach beyond the sandbox (see the module's docstring)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "config").write_text(CONFIG, encoding="utf-8")
    version = json.loads(
        subprocess.run(
            [
                str(AZ_VENV / "bin" / "python"),
                "-c",
                "import json, azure.cli.core as c; print(json.dumps(c.__version__))",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            env=scrubbed_environ(),
        ).stdout
    )
    now = str(dt.datetime.now())
    local = {"local": version}
    checked = {"versions": {"azure-cli": local, "core": local}, "update_time": now, "check_time": now}
    (path / "versionCheck.json").write_text(json.dumps(checked), encoding="utf-8")
    return path


class Az:
    """az with its own configuration directory, trusting the sandbox's CA."""

    def __init__(self, box: Sandbox, config_dir: Path) -> None:
        self.box, self.config_dir, self.binary = box, config_dir, az_binary()

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = scrubbed_environ()
        env.update(
            {
                "AZURE_CONFIG_DIR": str(self.config_dir),
                "REQUESTS_CA_BUNDLE": str(self.box.info["ca_bundle"]),  # az trusts what requests trusts
                "AZURE_CORE_COLLECT_TELEMETRY": "false",
                "PATH": f"{self.binary.parent}{os.pathsep}{env.get('PATH', '')}",
            }
        )
        env.update(extra or {})
        return env

    def run(self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
        proc = subprocess.run(
            [str(self.binary), *args], env=self.environ(env), input=stdin, capture_output=True, text=True, timeout=180
        )
        guarded(proc.stderr)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def json(self, *args: str, env: dict[str, str] | None = None) -> Any:
        r = self.run(*args, "--output", "json", env=env)
        assert r.code == 0, r.err
        return json.loads(r.out)

    def exec(self, profiles: Path, env: dict[str, str], profile: str, script: str, *options: str) -> Result:
        """`entra-profiles -f PROFILES exec PROFILE --sandbox DIR OPTIONS -- sh -c SCRIPT`, az on its PATH."""
        r = run_cli(
            "-f",
            str(profiles),
            "exec",
            profile,
            "--sandbox",
            str(self.box.state_dir),
            *options,
            "--",
            "sh",
            "-c",
            script,
            env={**self.environ(), **env},
            timeout=300,
        )
        guarded(r.err)
        return r

    def register_cloud(self) -> None:
        """`az cloud register` from the sandbox's ARM metadata, then `az cloud set`."""
        self.run_ok("cloud", "register", "-n", CLOUD, "--endpoint-resource-manager", self.box.info["arm_endpoint"])
        self.run_ok("cloud", "set", "-n", CLOUD)

    def run_ok(self, *args: str) -> Result:
        r = self.run(*args)
        assert r.code == 0, r.err
        return r


def guarded(stderr: str) -> None:
    if "network guard:" in stderr:
        pytest.fail("az tried to leave loopback:\n" + stderr[-3000:], pytrace=False)


def copy_config(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target
