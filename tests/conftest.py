"""Shared test scaffolding: environment scrub and the loopback-only network guard (autouse)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import netguard_hook
import pytest
from testenv import REPO_DIR, SCRUB_EXACT, SCRUB_PREFIXES, TESTS_DIR, scrubbed_environ  # noqa: F401

netguard_hook.install()


@pytest.fixture(autouse=True)
def _scrub_env_and_guard_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name in SCRUB_EXACT or name.startswith(SCRUB_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost,::1")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))  # keep the real ~/.dotnet certificate store out of tests
    before = len(netguard_hook.violations)
    yield
    new = netguard_hook.violations[before:]
    if new:
        del netguard_hook.violations[before:]
        pytest.fail("test tried to leave loopback:\n" + "\n".join(new), pytrace=False)
