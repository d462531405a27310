"""Helpers of the interop tier: the example's profiles, exports of them, and tokens verified against the
sandbox's JWKS (a token is checked for its signature, issuer, audience and claims, not only received)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from clirunner import Result, run_cli
from sandbox_support import jwks_for
from testenv import REPO_DIR

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld

GRAPH = "https://graph.microsoft.com"
VAULT = "https://vault.azure.net"
ARM = "https://management.core.windows.net/"


@dataclass(frozen=True)
class Demo:
    """A copy of profiles.example.yaml beside its .demo/ world, and the sandbox that knows that world."""

    root: Path
    profiles: Path
    box: Sandbox
    env: dict[str, str]  # what the example's ${env:…} references need (the store certificate's thumbprint)

    @property
    def ca(self) -> str:
        return str(self.box.info["ca_bundle"])

    def vault(self, name: str = "contoso-ops") -> str:
        return str(self.box.info["keyvault_url"]).format(name=name)

    @property
    def world(self) -> ExampleWorld:
        """The example world's certificates (keys under .demo/world/keys)."""
        from entra_profiles.sandbox.example import load_example

        world = load_example(self.root / ".demo" / "world")
        assert world is not None
        return world


def example_credentials() -> dict[str, str]:
    """The credential type of each profile of profiles.example.yaml (templates applied)."""
    from entra_profiles.config.loader import load_profiles

    example = load_profiles(REPO_DIR / "profiles.example.yaml", {})
    return {name: profile.credential.type for name, profile in example.profiles.items()}


def non_mi_profiles() -> list[str]:
    """Every profile of the example that is not a managed identity (these can run anywhere)."""
    return [name for name, kind in example_credentials().items() if kind != "managed_identity"]


def export(demo: Demo, name: str, *args: str) -> Result:
    """`entra-profiles -f PROFILES export NAME --sandbox DIR ARGS`; private files under the session's tmp."""
    runner_temp = demo.root / "runner-temp"  # as a CI runner's: where export leaves its private files
    runner_temp.mkdir(exist_ok=True)
    env = {**demo.env, "RUNNER_TEMP": str(runner_temp)}
    return run_cli("-f", str(demo.profiles), "export", name, "--sandbox", str(demo.box.state_dir), *args, env=env)


def export_json(demo: Demo, name: str, *args: str) -> dict[str, str]:
    r = export(demo, name, "--format", "json", *args)
    assert r.code == 0, r.err
    exported: dict[str, str] = json.loads(r.out)
    return exported


def verified_claims(box: Sandbox, token: str, audience: str) -> dict[str, Any]:
    """The claims of a sandbox access token: signature (JWKS from the tenant's discovery), issuer, audience."""
    tid = jwt.decode(token, options={"verify_signature": False})["tid"]
    key = jwks_for(box, tid)[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=audience, issuer=f"https://sts.windows.net/{tid}/"
    )
    return claims
