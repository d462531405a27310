"""`make demo`: the main job end to end on the embedded sandbox, leaving nothing running.

1. generate the example world (certificates and keys, never committed) into .demo/, or keep the one
   there when it is complete and intact: a sandbox already seeded from .demo/seed.yaml keeps working;
2. start `entra-profiles sandbox serve` seeded to match profiles.example.yaml, and `sandbox wait` for it;
3. `entra-profiles validate`, then `entra-profiles run all --sandbox .demo/sandbox`, unchanged profiles file;
4. stop the sandbox, whatever happened, and say what was made and what to try next.

Every command is printed as a `$ …` line that a shell runs as it is (the environment it needs
included) and is run exactly so: pasting the transcript gives the same result.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from entra_profiles.sandbox.example import PFX_PASSWORD, load_example, write_example
from entra_profiles.sandbox.info import write_private
from entra_profiles.sandbox.process import stopped_on_exit

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


OWN_ENVIRONMENT = ("AZURE_", "IDENTITY_", "MSI_", "ARM_")  # a real identity's settings: not the sandbox's
PROXIES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
LOOPBACK = "127.0.0.1,localhost,::1"
STATE, SEED, FILE = ".demo/sandbox", ".demo/seed.yaml", "profiles.example.yaml"


class Transcript:
    """Commands shown as `$ …` lines a shell runs as they are, then run exactly so, in `env`."""

    def __init__(self, env: dict[str, str], tool: list[str]) -> None:
        self.env = env
        self.tool = tool  # how `entra-profiles` is called: its name on PATH, or python -m

    def show(self, line: str) -> None:
        print(f"$ {line}", flush=True)

    def command(self, *args: str) -> list[str]:
        return [*self.tool, *args]

    def run(self, *args: str) -> int:
        argv = self.command(*args)
        self.show(shlex.join(argv))
        return subprocess.call(argv, env=self.env)


def environment(environ: dict[str, str], extra: dict[str, str]) -> tuple[dict[str, str], list[str], list[str]]:
    """The environment the demo's commands run in, the shell lines that make it, and how to call the tool."""
    env = dict(environ)
    lines = []
    own = sorted(n for n in env if n.startswith(OWN_ENVIRONMENT))
    if own:
        lines.append(f"unset {' '.join(own)}")
        for name in own:
            del env[name]
    tool = [sys.executable, "-m", "entra_profiles"]
    script = Path(sys.executable).parent / "entra-profiles"
    found = shutil.which("entra-profiles", path=env.get("PATH"))
    if found is not None and script.exists() and os.path.samefile(found, script):
        tool = ["entra-profiles"]
    elif script.exists():  # the venv `make demo` runs in, not on PATH: activate it, as the reader will
        activate = script.parent / "activate"
        lines.append(f". {shlex.quote(_relative(activate))}" if activate.exists() else
                     f'export PATH={shlex.quote(str(script.parent))}:"$PATH"')  # fmt: skip
        env["PATH"] = os.pathsep.join(p for p in (str(script.parent), env.get("PATH")) if p)
        if activate.exists():
            env["VIRTUAL_ENV"] = sys.prefix
            env.pop("PYTHONHOME", None)
        tool = ["entra-profiles"]
    if any(env.get(name) for name in PROXIES):  # the sandbox is on loopback: never through a proxy
        bypass = ",".join(v for v in (LOOPBACK, env.get("no_proxy") or env.get("NO_PROXY")) if v)
        env["NO_PROXY"] = env["no_proxy"] = bypass
        lines.append(f"export NO_PROXY={shlex.quote(bypass)} no_proxy={shlex.quote(bypass)}")
    for name, value in extra.items():
        env[name] = value
        lines.append(f"export {name}={shlex.quote(value)}")
    return env, lines, tool


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main() -> int:
    root = Path.cwd() / ".demo"
    kept = load_example(root / "world") is not None
    _, extra_env = prepare(root)
    env, setup, tool = environment(dict(os.environ), extra_env)
    shell = Transcript(env, tool)
    for line in setup:
        shell.show(line)
    serve = shell.command("sandbox", "serve", "--state-dir", STATE, "--seed", SEED)
    shell.show(f"{shlex.join(serve)} &")
    with stopped_on_exit(subprocess.Popen(serve, env=env, stdin=subprocess.DEVNULL)):
        try:
            code = shell.run("sandbox", "wait", STATE)
            steps = [
                ["-f", FILE, "validate"],
                ["-f", FILE, "run", "all", "--sandbox", STATE],
                ["-f", FILE, "run", "contoso-cert-subject", "--sandbox", STATE, "--probe"],
            ]
            for step in steps:
                if code == 0:
                    print(flush=True)
                    code = shell.run(*step)
        except KeyboardInterrupt:  # Ctrl-C: the command running had it too; stop the sandbox, no traceback
            code = 130
        finally:
            print(flush=True)
            shell.show("kill %1; wait   # stop the sandbox")
    print(SUMMARY.format(what=KEPT if kept else GENERATED), end="", flush=True)
    return code


GENERATED = "Generated in .demo/ (git ignores it; the next `make demo` keeps it while it is intact):"
KEPT = "Kept in .demo/ from an earlier run, being intact (git ignores it):"
SUMMARY = """
{what}
  .demo/world/      the example world: certificates, their private keys (mode 0600), its seed
  .demo/certs/      the PEM and PFX files that profiles.example.yaml names
  .demo/store/      a certificate store: one PFX, named by its thumbprint
  .demo/seed.yaml   the sandbox's world, matching profiles.example.yaml
The sandbox was stopped; its CA and keys stay in .demo/sandbox/ for the next start.

Next, try (in a shell where entra-profiles is on PATH: `. .venv/bin/activate`):
  entra-profiles -f profiles.example.yaml resolve lab-automation --offline   # each value, and where it came from
  entra-profiles sandbox serve --state-dir .sandbox --seed .demo/seed.yaml &  # a sandbox for README's tour
  cp profiles.example.yaml profiles.yaml && entra-profiles validate           # then make it your tenant's
"""


if __name__ == "__main__":
    sys.exit(main())
