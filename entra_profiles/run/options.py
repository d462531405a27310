"""What a run is asked to do per profile: its deadline, retries and backoff, and the Graph probe. Kept
apart from run/connect.py so that a batch can put its first requests on the wire before it imports msal
and the rest of what connecting needs (run/runner.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectOptions:
    timeout: float = 60.0  # per profile, all attempts (and its Key Vault reads) included
    retries: int = 3
    backoff: float = 0.5  # first delay; doubles each attempt, with jitter
    max_delay: float = 10.0
    probe: bool = False
