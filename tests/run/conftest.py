"""A sandbox seeded with the example world, shared by the run tests, and a helper to run profiles on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml
from clirunner import Result, run_cli
from runsupport import RunProfiles

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld, write_example


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> ExampleWorld:
    return write_example(tmp_path_factory.mktemp("run-world"))


UAMI_OBJECT = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"  # the user-assigned identity of the example world


def run_seed(world: ExampleWorld) -> dict[str, Any]:
    seed: dict[str, Any] = yaml.safe_load(world.seed.read_text())
    app = seed["tenants"][0]["apps"][0]
    app["certificates"].append(str(world.certs["automation"].cert_pem))  # the certificate kept in Key Vault
    vault = seed["tenants"][0]["vaults"][0]
    vault["secrets"]["contoso-app-secret"] = {
        "versions": [
            {"value": "sandbox-secret-contoso-1", "version": "a" * 32},
            {"value": "rotated-but-not-registered", "version": "b" * 32},
        ]
    }
    vault["secrets"]["canary-secret"] = "CANARY-vault-value-5d1f"
    for i in range(20):
        vault["secrets"][f"shared-{i}"] = "sandbox-secret-fabrikam-1"
    return seed


@pytest.fixture(scope="session")
def box(world: ExampleWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    seed = run_seed(world)
    with Sandbox(tmp_path_factory.mktemp("run-sandbox"), seed, base_dir=world.seed.parent, read_timeout=2.0) as sb:
        yield sb


@pytest.fixture(scope="session")
def lab(world: ExampleWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Sandbox]]:
    """Four more sandboxes of the same world (the user-assigned identity may read the vault too), for
    the tests that leave a request hanging (a silent or trickling server answers, and logs, minutes
    later): `box` and its request log stay exact for the others. Faults are cleared after each test."""
    seed = run_seed(world)
    seed["tenants"][0]["vaults"][0]["readers"].append(UAMI_OBJECT)
    with ExitStack() as stack:
        yield [
            stack.enter_context(Sandbox(tmp_path_factory.mktemp("lab"), seed, base_dir=world.seed.parent))
            for _ in range(4)
        ]


@pytest.fixture
def slow_box(lab: list[Sandbox]) -> Iterator[Sandbox]:
    """A sandbox of `lab`, for a test that makes a server silent or trickle."""
    yield lab[0]
    lab[0].set_faults(None)


@pytest.fixture(autouse=True)
def _no_faults(box: Sandbox) -> Iterator[None]:
    yield
    box.set_faults(None)
    box.set_ci(subject="repo:contoso/infra:ref:refs/heads/main", lifetime_seconds=300, clock_offset_seconds=0)


def runner(sb: Sandbox, tmp_path: Path) -> RunProfiles:
    """Write a profiles file and `entra-profiles run` it against the sandbox."""

    def go(profiles_yaml: str, *args: str, env: dict[str, str] | None = None) -> Result:
        path = tmp_path / "profiles.yaml"
        path.write_text("version: 1\nprofiles:\n" + profiles_yaml, encoding="utf-8")
        result = run_cli("-f", str(path), "run", "--sandbox", str(sb.state_dir), *args, env=env)
        result.file = str(path)
        return result

    return go


@pytest.fixture
def run_profiles(box: Sandbox, tmp_path: Path) -> RunProfiles:
    return runner(box, tmp_path)


@pytest.fixture
def run_slow(slow_box: Sandbox, tmp_path: Path) -> RunProfiles:
    return runner(slow_box, tmp_path)
