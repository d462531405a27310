"""`make demo`: the main job end to end on the embedded sandbox, leaving nothing running.

1. generate the example world (certificates and keys, never committed) into .demo/, or keep the one
   there when it is complete and intact: a sandbox already seeded from .demo/seed.yaml keeps working;
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

from entra_profiles.sandbox.example import PFX_PASSWORD, load_example, write_example
from entra_profiles.sandbox.info import write_private
from entra_profiles.sandbox.process import SandboxStartError, sandbox_process

CONTOSO_VAULT_EXTRAS = {
    "contoso-automation-secret": "sandbox-secret-contoso-1",
    "automation-pfx-password": PFX_PASSWORD,
}


def prepare(root: Path) -> tuple[Path, dict[str, str]]:
    """Lay out .demo/ as profiles.example.yaml expects it; return the seed and the environment to run with.

    The certificates are generated once and kept while intact and valid, so that a sandbox seeded from
    an earlier run's files (README's tour) still knows them; files are rewritten only when they differ.
    """
    world_dir = root / "world"
    world = load_example(world_dir)
    if world is None:
        shutil.rmtree(world_dir, ignore_errors=True)
        world = write_example(world_dir)
    certs, store = root / "certs", root / "store"
    main, pfx = world.certs["contoso-automation"], world.certs["contoso-automation-pfx"]
    in_store = f"{main.thumbprint}.pfx"  # as the .NET CurrentUser\My store keeps it
    _place(main.pem.read_bytes(), certs / "contoso-automation.pem")
    _place(pfx.pfx.read_bytes(), certs / "contoso-automation.pfx")
    _place(main.pfx.read_bytes(), store / in_store)
    for stale in store.iterdir():  # a certificate from an older world would match the subject too
        if stale.name != in_store:
            stale.unlink()
    seed: dict[str, Any] = yaml.safe_load(world.seed.read_text(encoding="utf-8"))
    contoso = seed["tenants"][0]
    contoso["domains"].append("lab.contoso.example")  # the custom cloud's tenant, served by the sandbox too
    app = contoso["apps"][0]  # its Graph roles also apply to the lab cloud's https://graph.lab.contoso.example
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
    _place(yaml.safe_dump(seed, sort_keys=False).encode(), seed_path)
    return seed_path, {"CONTOSO_CERT_THUMBPRINT": main.thumbprint}


def _place(data: bytes, path: Path) -> None:
    """Write `path` (mode 0600, atomically) unless it already holds exactly `data`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.read_bytes() == data and path.stat().st_mode & 0o777 == 0o600:
            return
    except OSError:
        pass
    write_private(path, data)


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
        with sandbox_process(state, seed, env, stderr=root / "sandbox.stderr") as info:
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
