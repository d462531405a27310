"""`Sandbox`: start the sandbox in-process on a background thread, write `sandbox.json`, stop it."""

from __future__ import annotations

import json
import os
import ssl
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from . import admin, ci_oidc
from .info import INFO_FILE, StateDirLock, lock_holder, recorded, running_sandbox, write_private
from .managed_identity import APP_SERVICE_PATH
from .pki import ensure_tls
from .requestlog import read_log
from .seed import load_seed
from .server import SandboxServer
from .state import SandboxState


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


class SandboxAlreadyRunning(RuntimeError):
    """Another sandbox is serving from this state directory (its sandbox.json would be overwritten)."""

    def __init__(self, state_dir: Path, pid: int | None, port: int | None) -> None:
        self.state_dir, self.pid, self.port = state_dir, pid, port
        where = f" (pid {pid}, port {port})" if pid is not None and port is not None else ""
        where = f" (pid {pid}, still starting)" if pid is not None and port is None else where
        super().__init__(f"a sandbox is already serving in {state_dir}{where}")

    @property
    def hint(self) -> str:
        stop = f"stop it first (kill {self.pid})" if self.pid is not None else "stop it first"
        return f"{stop}, or give another --state-dir"


class Sandbox:
    """The sandbox as a context manager: `with Sandbox(state_dir, seed) as sb: sb.info, sb.url`."""

    def __init__(
        self,
        state_dir: Path,
        seed: Path | dict[str, Any] | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        *,
        base_dir: Path | None = None,
        read_timeout: float = 10.0,
    ) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.seed, self.port, self.host, self.read_timeout = seed, port, host, read_timeout
        self.base_dir = base_dir or (Path(seed).resolve().parent if isinstance(seed, str | Path) else Path.cwd())
        self.info: dict[str, Any] = {}
        self.url = ""
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None
        self._state: SandboxState | None = None
        self._lock: StateDirLock | None = None

    @property
    def state(self) -> SandboxState:
        if self._state is None:
            raise RuntimeError("the sandbox is not running")
        return self._state

    def start(self, lock: StateDirLock | None = None) -> Sandbox:
        """Serve, and write sandbox.json; `SandboxAlreadyRunning` while another sandbox serves from the
        state directory (a stale sandbox.json, whose process is gone, is replaced). `lock`: the state
        directory's, when the caller holds it already (`sandbox serve` takes it before checking anything)."""
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # 0700 whatever the umask
        held = lock is not None
        lock = lock or StateDirLock(self.state_dir)
        if not held and not lock.acquire():  # its holder may still be starting: sandbox.json may not name it yet
            named, holder = recorded(self.state_dir), lock_holder(self.state_dir)
            pid, port = (named[0], named[1]) if named else (holder[0] if holder else None, None)
            raise SandboxAlreadyRunning(self.state_dir, pid, port)
        running = running_sandbox(self.state_dir)  # one started without the lock (older version, no fcntl)
        if running is not None:
            lock.release()
            raise SandboxAlreadyRunning(self.state_dir, *running)
        try:
            self._start()
        except BaseException:
            lock.release(stopped=False)
            raise
        self._lock = lock
        return self

    def _start(self) -> None:
        seed = load_seed(Path(self.seed) if isinstance(self.seed, str) else self.seed)
        tls = ensure_tls(self.state_dir)
        state = SandboxState.create(seed, self.base_dir, self.state_dir)
        server = SandboxServer(
            (self.host, self.port), state, _server_context(tls.server_cert, tls.server_key), self.read_timeout
        )
        port = server.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        state.base_url = self.url = f"https://{host}:{port}"
        # its own origin is a resource: its Graph (sandbox.json's graph_endpoint) and its ARM (arm_endpoint)
        own = frozenset(f"https://{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]", host.lower()))
        state.graph_aliases, state.own_origins = state.graph_aliases | own, own
        self._server, self._state = server, state
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.2}, name=f"sandbox-{port}", daemon=True
        )
        self._thread.start()
        self.info = self._describe(state, port, tls.ca_cert)
        try:  # it holds the admin token, the identity header and the CI request tokens
            write_private(self.state_dir / INFO_FILE, json.dumps(self.info, indent=2) + "\n")
        except BaseException:
            self._shutdown()
            raise

    def _describe(self, state: SandboxState, port: int, ca: Path) -> dict[str, Any]:
        url = self.url
        return {
            "authority_host": url,
            "ca_bundle": str(ca),
            "port": port,
            "pid": os.getpid(),
            "seed": str(Path(self.seed).resolve()) if isinstance(self.seed, str | Path) else None,
            "graph_endpoint": url,
            "keyvault_url": url + "/vaults/{name}",
            "imds_authority_host": url,
            "identity_endpoint": url + APP_SERVICE_PATH,
            "identity_header": state.identity_header,
            "oidc_request_url": url + ci_oidc.GITHUB_PATH + "?api-version=2.0",
            "oidc_request_token": state.ci_request_token,
            "azure_pipelines_oidc_url": url + ci_oidc.PIPELINES_PATH,
            "azure_pipelines_access_token": state.pipelines_access_token,
            "ci_issuer": state.ci_issuer,
            "admin_url": url + "/_sandbox",
            "admin_token": state.admin_token,
            "request_log": str(state.log.path),
            "arm_endpoint": url + "/",
            "arm_metadata_host": url.removeprefix("https://"),
            "seeded": self.seed is not None,
            "tenants": [
                {"id": t.id, "domains": list(t.domains), "display_name": t.display_name}
                for t in state.world.seed.tenants
            ],
        }

    def stop(self) -> None:
        """Stop serving and remove sandbox.json; a sandbox that never started touches nothing."""
        started = self._server is not None
        self._shutdown()
        if started:
            (self.state_dir / INFO_FILE).unlink(missing_ok=True)
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._state is not None:
            self._state.log.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def request_log(self) -> list[dict[str, Any]]:
        """The request log's records, oldest first."""
        return read_log(self.state_dir / "requests.jsonl")

    def set_faults(self, faults: dict[str, Any] | None) -> dict[str, Any]:
        """Replace the fault settings (same format as the seed's `faults:`); None clears them."""
        return admin.apply_faults(self.state, faults)

    def set_ci_subject(self, subject: str) -> dict[str, Any]:
        """Set the subject of the ID tokens the CI issuer mints from now on."""
        return admin.apply_ci(self.state, {"subject": subject})

    def set_ci(self, **settings: Any) -> dict[str, Any]:
        """Set the CI issuer's `subject`, `lifetime_seconds` and/or `clock_offset_seconds`."""
        return admin.apply_ci(self.state, settings)

    def mint_ci_token(self, audience: str = ci_oidc.DEFAULT_AUDIENCE) -> str:
        """An ID token from the CI issuer, as its request endpoint would hand out."""
        return ci_oidc.mint_ci_token(self.state, audience)
