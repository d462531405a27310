"""The scrubbed environment tests and their subprocesses run in."""

from __future__ import annotations

import os
from pathlib import Path

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
