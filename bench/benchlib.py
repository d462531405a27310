"""What the run benchmarks share: a generated world (seed + profiles file), the sandbox in a subprocess,
timed subprocesses with the peak memory of their whole process tree, and the baseline scripts.

Every baseline is a script a competent engineer would write with azure-identity, printed by the
benchmark that runs it (`--show-baselines`), so that a reader can judge it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entra_profiles.sandbox.process import SandboxStartError, sandbox_process

REPO = Path(__file__).resolve().parents[1]
GRAPH = "https://graph.microsoft.com"
STEP_TIMEOUT_S = 600  # no single subprocess may run longer than this

SEQUENTIAL = '''\
"""Connect each profile in turn with azure-identity, as a user would write it."""
import json, sys, time
from azure.identity import CertificateCredential, ClientSecretCredential

sandbox = json.load(open(sys.argv[1]))
profiles = json.load(open(sys.argv[2]))
ok = 0
began = time.perf_counter()
for p in profiles:
    common = dict(authority=sandbox["authority_host"], disable_instance_discovery=True,
                  connection_verify=sandbox["ca_bundle"])
    if "secret" in p:
        credential = ClientSecretCredential(p["tenant"], p["client_id"], p["secret"], **common)
    else:
        credential = CertificateCredential(p["tenant"], p["client_id"], certificate_path=p["certificate"], **common)
    try:
        token = credential.get_token("https://graph.microsoft.com/.default")
        ok += bool(token.token)
    finally:
        credential.close()
print(json.dumps({"ok": ok, "total": len(profiles), "loop_s": time.perf_counter() - began}))
'''

POOL = '''\
"""16 threads, a credential per profile (tokens and caches stay per app), one shared connection pool."""
import json, sys, time
from concurrent.futures import ThreadPoolExecutor

import jwt
import requests
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import CertificateCredential, ClientSecretCredential

THREADS = 16
sandbox = json.load(open(sys.argv[1]))
profiles = json.load(open(sys.argv[2]))
session = requests.Session()
adapter = requests.adapters.HTTPAdapter(pool_connections=THREADS, pool_maxsize=THREADS, max_retries=0)
session.mount("https://", adapter)
transport = RequestsTransport(session=session, session_owner=False, connection_verify=sandbox["ca_bundle"])
common = dict(authority=sandbox["authority_host"], disable_instance_discovery=True,
              connection_verify=sandbox["ca_bundle"], transport=transport)


def connect(p):
    if "secret" in p:
        credential = ClientSecretCredential(p["tenant"], p["client_id"], p["secret"], **common)
    else:
        credential = CertificateCredential(p["tenant"], p["client_id"], certificate_path=p["certificate"], **common)
    token = credential.get_token("https://graph.microsoft.com/.default")
    claims = jwt.decode(token.token, options={"verify_signature": False})  # what was granted
    return bool(claims.get("roles"))


began = time.perf_counter()
with ThreadPoolExecutor(THREADS) as pool:
    ok = sum(pool.map(connect, profiles))
print(json.dumps({"ok": ok, "total": len(profiles), "loop_s": time.perf_counter() - began}))
'''


def guid(kind: int, i: int) -> str:
    return f"{i:08x}-{kind:04x}-4000-8000-{i:012x}"


@dataclass
class World:
    directory: Path
    seed: Path
    profiles: list[dict[str, str]]  # name, tenant, client_id, and secret or certificate (a PEM path)

    def profiles_file(self, count: int) -> Path:
        """A profiles file of the first `count` profiles (written once)."""
        path = self.directory / f"profiles-{count}.yaml"
        if not path.exists():
            lines = ["version: 1", "defaults: {cloud: Global}", "profiles:"]
            for p in self.profiles[:count]:
                lines += [f"  {p['name']}:", f"    tenant: {p['tenant']}", f"    client_id: {p['client_id']}"]
                if "secret" in p:  # a literal secret: fine for a benchmark
                    lines.append(f"    credential: {{type: client_secret, secret: {p['secret']}}}")
                else:
                    lines.append(f"    credential: {{type: certificate, path: {p['certificate']}}}")
            path.write_text("\n".join(lines) + "\n")
        return path

    def baseline_profiles(self, count: int) -> Path:
        path = self.directory / f"baseline-{count}.json"
        if not path.exists():
            path.write_text(json.dumps(self.profiles[:count]))
        return path


def make_world(
    directory: Path, tenants: int, apps: int, latency_ms: int, *, certificates: int = 0, every: int = 0
) -> World:
    """`tenants` x `apps` profiles, each its own app; with `every` > 0, every `every`-th profile signs in with
    one of `certificates` certificates (PEM files, each registered on the apps that use it), the others
    with a client secret."""
    from entra_profiles.sandbox.pki import make_client_cert

    directory.mkdir(parents=True, exist_ok=True)
    certs = [make_client_cert(directory / "certs", f"c{i}") for i in range(certificates if every else 0)]
    seed_tenants: list[dict[str, Any]] = []
    profiles: list[dict[str, str]] = []
    for t in range(tenants):
        tenant = guid(0, t)
        seed_apps = []
        for a in range(apps):
            i = t * apps + a
            client_id = guid(0x1111, i)
            app: dict[str, Any] = {"client_id": client_id, "roles": {GRAPH: ["User.Read.All"]}}
            profile = {"name": f"p{i:05d}", "tenant": tenant, "client_id": client_id}
            if certs and i % every == every - 1:
                cert = certs[i % len(certs)]
                app["certificates"] = [str(cert.cert_pem)]
                profile["certificate"] = str(cert.pem)
            else:
                secret = f"bench-secret-{i}"
                app["secrets"] = [{"value": secret}]
                profile["secret"] = secret
            seed_apps.append(app)
            profiles.append(profile)
        seed_tenants.append({"id": tenant, "apps": seed_apps})
    seed = directory / "seed.json"  # JSON is YAML
    seed.write_text(json.dumps({"tenants": seed_tenants, "faults": {"latency_ms": latency_ms}}))
    return World(directory, seed, profiles)


def clean_env() -> dict[str, str]:
    """No inherited CA overrides, Azure settings, sandbox pointer, proxies or bytecode switches: only
    127.0.0.1 traffic, and every interpreter reads the .pyc files the warm-up wrote."""
    drop = {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "PYTHONDONTWRITEBYTECODE"}
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in drop
        and not k.startswith(("AZURE_", "ENTRA_PROFILES_", "IDENTITY_", "MSI_", "ACTIONS_ID_TOKEN_", "PYTHONPYCACHE"))
        and not k.lower().endswith("_proxy")
    }
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost,::1"
    env["PYTHONPATH"] = str(REPO)
    return env


@contextmanager
def sandbox(state: Path, seed: Path, env: dict[str, str]) -> Iterator[dict[str, Any]]:
    """`python -m entra_profiles.sandbox serve` in a subprocess; always stopped with SIGTERM."""
    try:
        with sandbox_process(state, seed, env, stderr=state.with_suffix(".stderr")) as info:
            yield info
    except SandboxStartError as exc:
        raise SystemExit(str(exc)) from None


@dataclass
class Measured:
    wall_s: float
    rss_mb: float  # peak of the sum of the RSS of the process and its descendants (sampled)
    pss_mb: float  # the same with PSS: shared pages split between the processes that share them
    stdout: str
    code: int
    stderr: str


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def _memory_kb(pids: list[int]) -> tuple[int, int]:
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def measure(command: list[str], env: dict[str, str], out: Path, sample_s: float = 0.05) -> Measured:
    """Wall time of one subprocess, and the peak memory of its process tree, sampled every `sample_s`."""
    peak = [0, 0]
    with out.open("wb") as sink, out.with_suffix(".stderr").open("wb") as errors:
        began = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=errors)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(sample_s):
                rss, pss = _memory_kb(_tree(process.pid))
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # A blocking wait returns the moment the process ends; Popen.wait(timeout=...) polls, in steps
        # of up to 50 ms, which would round every wall time up to its next step. A timer bounds it.
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            process.kill()

        timer = threading.Timer(STEP_TIMEOUT_S, kill)
        timer.start()
        try:
            code = process.wait()
        finally:
            wall = time.perf_counter() - began
            timer.cancel()
            done.set()
            sampler.join()
        if killed.is_set():
            raise SystemExit(f"timed out after {STEP_TIMEOUT_S} s: {' '.join(command)}")
    stderr = out.with_suffix(".stderr").read_text(errors="replace")
    return Measured(wall, peak[0] / 1024, peak[1] / 1024, out.read_text(), code, stderr[-2000:])


def log_lines(info: dict[str, Any]) -> int:
    path = Path(info["request_log"])
    if not path.exists():
        return 0
    with path.open("rb") as f:
        return sum(1 for _ in f)


def run_all(profiles_file: Path, count: int, state: Path, env: dict[str, str], extra: list[str], out: Path) -> Measured:
    """One `entra-profiles run all --format json` with default options (plus `extra`); every profile must be ok."""
    command = [sys.executable, "-m", "entra_profiles", "-f", str(profiles_file), "run", "all"]
    command += ["--sandbox", str(state), "--format", "json", *extra]
    m = measure(command, env, out)
    try:
        report = json.loads(m.stdout)
    except ValueError as exc:
        raise SystemExit(f"run all printed no JSON report (exit {m.code}): {exc}\n{m.stderr}") from None
    if report["summary"]["ok"] != count or m.code != 0:
        failed = [p for p in report["profiles"] if p["status"] != "ok"][:3]
        raise SystemExit(f"run all: {report['summary']} (exit {m.code}); first failures: {json.dumps(failed)}")
    return m


def run_script(script: Path, state: Path, profiles: Path, count: int, env: dict[str, str], out: Path) -> Measured:
    """A baseline script; every profile must connect."""
    m = measure([sys.executable, str(script), str(state / "sandbox.json"), str(profiles)], env, out)
    try:
        result = json.loads(m.stdout)
    except ValueError:
        raise SystemExit(f"{script.name} failed (exit {m.code})\n{m.stderr}") from None
    if result["ok"] != count:
        raise SystemExit(f"{script.name} connected {result['ok']} of {count} profiles\n{m.stderr}")
    return m


@dataclass(frozen=True)
class LibraryImports:
    """What a floor's interpreter must load: the third-party code a command imports, none of ours."""

    packages: list[str]  # the top-level packages, as `import a, b, …` names them
    modules: list[str]  # every module of theirs the command imported, in the order it finished them

    def package_program(self) -> str:
        return "import " + ", ".join(self.packages)

    def module_program(self) -> str:
        """Each module in turn (one that failed in the command, an optional dependency, fails here too)."""
        return "\n".join(
            [
                "import importlib",
                f"for m in {self.modules!r}:",
                "    try:",
                "        importlib.import_module(m)",
                "    except ImportError:",
                "        pass",
            ]
        )


def library_imports(command: list[str], env: dict[str, str]) -> LibraryImports:
    """The third-party packages and modules `command` imports (from site-packages), found with -X importtime.
    `import a` alone can load little of what the command uses from `a`: pydantic, for one, loads its parts
    on first use (`from pydantic import BaseModel` brings in its schema machinery)."""
    import importlib.util
    import sysconfig

    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], env=env, capture_output=True, text=True)
    names = [line.split("|")[2].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    site = tuple({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    modules: list[str] = []
    for name in names:
        if name.split(".")[0] == "entra_profiles" or "__editable__" in name or name in modules:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and (spec.origin or "").startswith(site):
            modules.append(name)
    packages = sorted({m.split(".")[0] for m in modules if not m.startswith("_")})
    return LibraryImports(packages, modules)


def spread(values: list[float], unit: str = "s", scale: float = 1.0) -> str:
    """`median (min–max)` of `values`."""
    med = statistics.median(values) * scale
    if len(values) == 1:
        return f"{med:.2f} {unit}"
    return f"{med:.2f} {unit} ({min(values) * scale:.2f}–{max(values) * scale:.2f})"


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def machine() -> str:
    """What the figures were measured on, for the docs that quote them."""
    import platform

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    stamp = time.strftime("%Y-%m-%d")
    return f"{stamp}, {os.cpu_count()} cores ({model or platform.machine()}), Python {platform.python_version()}"
