"""Shared test scaffolding: environment scrub and the loopback-only network guard (autouse)."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import netguard_hook
import pytest
from hypothesis import HealthCheck, settings
from testenv import REPO_DIR, SCRUB_EXACT, SCRUB_PREFIXES, TESTS_DIR, scrubbed_environ  # noqa: F401

from entra_profiles.net.trace import Trace, adopt

netguard_hook.install()
SYSTEM_TEMP = tempfile.gettempdir()

# A test run started in the background of a non-interactive shell (`make test &`) inherits SIGINT
# ignored, and so would every CLI it starts: the Ctrl-C tests would wait for an interrupt that never
# lands. With a handler here, the processes it starts get SIGINT's default back (exec resets it).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Property tests: `ci` (the default, as `make test` runs them) is derandomized with a fixed number of
# examples; `pytest --hypothesis-profile=deep tests/properties` runs many more, randomly.
SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "ci", max_examples=150, derandomize=True, database=None, deadline=None, suppress_health_check=SLOW_IS_FINE
)
settings.register_profile("deep", max_examples=3000, deadline=None, suppress_health_check=SLOW_IS_FINE)
settings.load_profile("ci")


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
    # What export keeps for other tools (key files) goes to a temp folder of the test's own, removed after
    # it; short, as a socket's path must be (chromium makes one in it).
    temp = tempfile.mkdtemp(prefix="ep-", dir=SYSTEM_TEMP)
    monkeypatch.setenv("TMPDIR", temp)
    monkeypatch.setattr(tempfile, "tempdir", temp)
    adopt(Trace())  # this thread's request record, fresh: no deadline or cut left over by an earlier test
    before = len(netguard_hook.violations)
    try:
        yield
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    new = netguard_hook.violations[before:]
    if new:
        del netguard_hook.violations[before:]
        pytest.fail("test tried to leave loopback:\n" + "\n".join(new), pytrace=False)
