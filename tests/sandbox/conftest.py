"""Fixtures for the sandbox tests: one example world and one sandbox for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_support import clear_keyvault_challenges

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld, write_example


@pytest.fixture(scope="session")
def example_world(tmp_path_factory: pytest.TempPathFactory) -> ExampleWorld:
    """The example seed and its certificates (keys generated once per session)."""
    return write_example(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="session")
def sb(example_world: ExampleWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """The running sandbox, seeded with the example world."""
    with Sandbox(tmp_path_factory.mktemp("sandbox-state"), example_world.seed, read_timeout=2.0) as box:
        yield box


@pytest.fixture(autouse=True)
def _fresh_sandbox_settings(sb: Sandbox) -> Iterator[None]:
    """Each test starts with no faults, the seed's CI settings and no cached Key Vault challenge."""
    clear_keyvault_challenges()
    yield
    sb.set_faults(None)
    sb.set_ci(subject="repo:contoso/infra:ref:refs/heads/main", lifetime_seconds=300, clock_offset_seconds=0)
    clear_keyvault_challenges()
