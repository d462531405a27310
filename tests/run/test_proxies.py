"""A proxy from the environment never carries loopback traffic: with HTTPS_PROXY set (to a proxy that is
down) and nothing in NO_PROXY, every credential type still reaches the sandbox, for run, export --check
and exec. Real endpoints honour the proxy: see test_network_errors.py."""

from __future__ import annotations

from pathlib import Path

from exportsupport import all_credentials, cli, write_profiles
from runsupport import UAMI, VAULT, by_name, contoso_secret, dead_proxy, in_parallel

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld

IDENTITIES = f"""  system-identity:
    tenant: contoso.onmicrosoft.com
    credential: {{type: managed_identity}}
  user-identity:
    tenant: contoso.onmicrosoft.com
    credential: {{type: managed_identity, client_id: {UAMI}}}
"""


def test_the_sandbox_is_never_reached_through_a_proxy(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    vaulted = contoso_secret("vaulted", f"${{keyvault:{VAULT}/secrets/contoso-app-secret/{'a' * 32}}}")
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path) + IDENTITIES + vaulted)
    env = {**dead_proxy(), "RUNNER_TEMP": str(tmp_path)}
    names = ["secret", "store-cert", "vault-cert", "pem-file", "github", "pipelines", "system-identity", "vaulted"]
    calls = [lambda: cli(box, profiles, "run", "all", "--format", "json", env=env)]
    calls += [lambda n=n: cli(box, profiles, "export", n, "--check", "--token", env=env) for n in names]  # type: ignore[misc]
    calls += [lambda: cli(box, profiles, "exec", "user-identity", "--check", "--token", "--", "true", env=env)]
    (run, _), *others = in_parallel(calls)
    assert {n: p["status"] for n, p in by_name(run).items()} == dict.fromkeys([*names, "user-identity"], "ok"), run.out
    for name, (r, _) in zip([*names, "user-identity"], others, strict=True):
        assert r.code == 0, (name, r.err)
