"""The interop tier's world: profiles.example.yaml, unchanged, on a sandbox seeded as `make demo` seeds it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from interopsupport import Demo
from sandbox_support import clear_keyvault_challenges
from testenv import REPO_DIR

from entra_profiles.demo import prepare
from entra_profiles.sandbox import Sandbox


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("interop-demo")
    seed, env = prepare(root / ".demo")
    profiles = root / "profiles.example.yaml"
    shutil.copyfile(REPO_DIR / "profiles.example.yaml", profiles)
    with Sandbox(root / "sandbox", seed, read_timeout=5.0) as box:
        yield Demo(root, profiles, box, env)


@pytest.fixture(autouse=True)
def _fresh_keyvault_challenges() -> Iterator[None]:
    clear_keyvault_challenges()
    yield
    clear_keyvault_challenges()
