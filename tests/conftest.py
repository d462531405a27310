"""Shared test scaffolding: environment scrub and the loopback-only network guard (autouse)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import netguard_hook
import pytest

TESTS_DIR = Path(__file__).resolve().parent
REPO_DIR = TESTS_DIR.parent

# Variables that change how msal / azure-identity / requests behave (reference/azure-clients.md),
# plus those our own tool and CI formats read.
SCRUB_EXACT = {
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "https_proxy",
    "http_proxy",
    "all_proxy",
    "MSAL_FORCE_REGION",
    "REGION_NAME",
    "IMDS_ENDPOINT",
    "SYSTEM_OIDCREQUESTURI",
    "SYSTEM_ACCESSTOKEN",
    "GITHUB_ENV",
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
    "RUNNER_TEMP",
}
SCRUB_PREFIXES = ("AZURE_", "IDENTITY_", "MSI_", "ACTIONS_ID_TOKEN_REQUEST_", "ARM_", "ENTRA_PROFILES_")

netguard_hook.install()


def scrubbed_environ(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a test subprocess gets: scrubbed, loopback not proxied, guard preloaded."""
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if k not in SCRUB_EXACT and not k.startswith(SCRUB_PREFIXES)
    }
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost,::1"
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS_DIR / "netguard"), str(REPO_DIR)])
    return env


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
