"""Everything a handler needs while the sandbox runs: the world, keys, tokens, faults and log."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .faults import FaultEngine
from .requestlog import RequestLog
from .seed import Seed
from .signing import Signer
from .world import World, build_world

TOKEN_LIFETIME = 3599
MI_TOKEN_LIFETIME = 86399
CI_PATH = "/ci"


@dataclass
class SandboxState:
    world: World
    state_dir: Path
    token_signer: Signer
    ci_signer: Signer
    faults: FaultEngine
    log: RequestLog
    base_url: str = ""
    graph_aliases: frozenset[str] = frozenset()  # the seed's, lower case, no trailing slash
    own_origins: frozenset[str] = frozenset()  # https://127.0.0.1:PORT (and localhost, [::1]), normalized
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    identity_header: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    ci_request_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    pipelines_access_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    ci_subject: str = ""
    ci_lifetime: int = 300
    ci_offset: int = 0  # seconds added to minted CI token times (negative: old tokens)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _assertions: dict[str, tuple[str, float]] = field(default_factory=dict)  # jti -> (digest, exp)

    @classmethod
    def create(cls, seed: Seed, seed_dir: Path, state_dir: Path) -> SandboxState:
        state = cls(
            world=build_world(seed, seed_dir),
            state_dir=state_dir,
            token_signer=Signer.from_file(state_dir / "token-signing.key"),
            ci_signer=Signer.from_file(state_dir / "ci-signing.key"),
            faults=FaultEngine(seed.faults),
            log=RequestLog(state_dir / "requests.jsonl"),
        )
        state.graph_aliases = frozenset(a.strip().rstrip("/").lower() for a in seed.graph_aliases)
        state.ci_subject = seed.ci.subject
        state.ci_lifetime = seed.ci.lifetime_seconds
        return state

    @property
    def ci_issuer(self) -> str:
        return self.base_url + CI_PATH

    def resolve_issuer(self, name: str) -> str:
        """`sandbox-ci` in a federated credential names the sandbox's own CI issuer."""
        return self.ci_issuer if name == "sandbox-ci" else name

    def remember_assertion(self, jti: str, digest: str, exp: float) -> bool:
        """Record a client assertion's jti; False when that jti came before with another assertion.

        msal re-sends the very same assertion for up to ~9 minutes (AutoRefresher), and Entra accepts
        that, so only a jti reused by a different assertion counts as a replay.
        """
        now = time.time()
        with self.lock:
            if len(self._assertions) > 10_000:
                self._assertions = {k: v for k, v in self._assertions.items() if v[1] > now}
            seen = self._assertions.get(jti)
            if seen is not None and seen[0] != digest and seen[1] > now:
                return False
            self._assertions[jti] = (digest, exp)
            return True
