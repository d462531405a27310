"""The profiles of a tenant share its discovery document, never its failure: a profile whose shared
fetch failed or stalls fetches its own, within its own deadline."""

from __future__ import annotations

import pytest
from runsupport import GRACE_S, RunProfiles, by_name, contoso_secret, timed

from entra_profiles.sandbox import Sandbox

EIGHT = "".join(contoso_secret(f"p{i}") for i in range(8))
DISCOVERY = "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"


@pytest.mark.parametrize(
    "fault",
    [
        {"action": "latency", "delay_ms": 60_000},  # the first answer never comes
        {"action": "status", "status": 503},  # the first answer is a failure (and --retries 0)
        {"action": "reset"},
    ],
)
def test_one_bad_discovery_answer_fails_no_profile(
    run_slow: RunProfiles, slow_box: Sandbox, fault: dict[str, object]
) -> None:
    slow_box.set_faults({"rules": [{"endpoint": "discovery", "path": DISCOVERY, "count": 1, **fault}]})
    before = len(slow_box.request_log())
    r, elapsed = timed(lambda: run_slow(EIGHT, "--format", "json", "--timeout", "8", "--retries", "0"))
    assert elapsed < 8 + GRACE_S  # 8 s: half of it waiting for the shared answer leaves room on a loaded machine
    assert {name: p["status"] for name, p in by_name(r).items()} == {f"p{i}": "ok" for i in range(8)}, r.out
    answered = [rec for rec in slow_box.request_log()[before:] if rec["path"] == DISCOVERY and rec["status"] == 200]
    assert answered  # the profiles' own fetch (the faulted one, when silent, is logged once it ends)
