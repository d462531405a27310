"""`make demo`: the main job end to end on the embedded sandbox, leaving nothing running.

1. generate the example world (certificates and keys, never committed) into .demo/;
2. start `entra-profiles sandbox serve` seeded to match profiles.example.yaml;
3. `entra-profiles validate`, then `entra-profiles run all --sandbox .demo/sandbox`, unchanged profiles file;
4. stop the sandbox, whatever happened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from entra_profiles.sandbox.example import PFX_PASSWORD, write_example
from entra_profiles.sandbox.process import SandboxStartError, sandbox_process

CONTOSO_VAULT_EXTRAS = {
    "contoso-automation-secret": "sandbox-secret-contoso-1",
    "automation-pfx-password": PFX_PASSWORD,
}


def prepare(root: Path) -> tuple[Path, dict[str, str]]:
    """Lay out .demo/ as profiles.example.yaml expects it; return the seed and the environment to run with."""
    if root.exists():
        shutil.rmtree(root)
    world = write_example(root / "world")
    certs, store = root / "certs", root / "store"
    certs.mkdir()
    store.mkdir()
    main, pfx = world.certs["contoso-automation"], world.certs["contoso-automation-pfx"]
    shutil.copyfile(main.pem, certs / "contoso-automation.pem")
    shutil.copyfile(pfx.pfx, certs / "contoso-automation.pfx")
    shutil.copyfile(main.pfx, store / f"{main.thumbprint}.pfx")  # as the .NET CurrentUser\My store keeps it
    for path in (*certs.iterdir(), *store.iterdir()):
        path.chmod(0o600)
    seed: dict[str, Any] = yaml.safe_load(world.seed.read_text(encoding="utf-8"))
    contoso = seed["tenants"][0]
    contoso["domains"].append("lab.contoso.example")  # the custom cloud's tenant, served by the sandbox too
    app = contoso["apps"][0]
    app["roles"]["https://graph.lab.contoso.example"] = ["User.Read.All"]  # consented in the lab cloud too
    app["certificates"] = [str(world.seed.parent / c) for c in app["certificates"]]
    app["certificates"].append(str(world.certs["automation"].cert_pem))  # the certificate kept in Key Vault
    vault = contoso["vaults"][0]
    vault["secrets"].update(CONTOSO_VAULT_EXTRAS)
    for value in vault["secrets"].values():
        if isinstance(value, dict):
            for key in ("pfx_file", "pem_file"):
                if key in value:
                    value[key] = str(world.seed.parent / value[key])
    seed_path = root / "seed.yaml"
    seed_path.write_text(yaml.safe_dump(seed, sort_keys=False), encoding="utf-8")
    return seed_path, {"CONTOSO_CERT_THUMBPRINT": main.thumbprint}


def main() -> int:
    repo = Path.cwd()
    root = repo / ".demo"
    seed, extra_env = prepare(root)
    state = root / "sandbox"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "IDENTITY_", "MSI_", "ARM_"))}
    env.update(extra_env)
    env["NO_PROXY"] = "127.0.0.1,localhost,::1"
    cli = [sys.executable, "-m", "entra_profiles", "-f", "profiles.example.yaml"]
    try:
        with sandbox_process(state, seed, env) as info:
            print(
                f"$ entra-profiles sandbox serve --state-dir .demo/sandbox   # on {info['authority_host']}", flush=True
            )
            print("$ entra-profiles -f profiles.example.yaml validate", flush=True)
            code = subprocess.call([*cli, "validate"], env=env)
            if code == 0:
                print("\n$ entra-profiles -f profiles.example.yaml run all --sandbox .demo/sandbox", flush=True)
                code = subprocess.call([*cli, "run", "all", "--sandbox", str(state)], env=env)
            if code == 0:
                one = "run contoso-cert-subject --sandbox .demo/sandbox --probe"
                print(f"\n$ entra-profiles -f profiles.example.yaml {one}", flush=True)
                code = subprocess.call(
                    [*cli, "run", "contoso-cert-subject", "--sandbox", str(state), "--probe"], env=env
                )
            return code
    except SandboxStartError as exc:
        raise SystemExit(f"demo: {exc}") from None


if __name__ == "__main__":
    sys.exit(main())
