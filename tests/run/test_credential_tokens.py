"""ConfidentialCredential against the sandbox: it keeps its own tokens (msal's cache keeps none), so the
same scopes asked again, in any order, cost no second request, and msal never serialises a token event
for its debug log."""

from __future__ import annotations

from typing import Any

import msal
import pytest
from runsupport import AUTOMATION, CONTOSO

from entra_profiles.credentials.confidential import ConfidentialCredential
from entra_profiles.net.light import LightHttp
from entra_profiles.sandbox import Sandbox

GRAPH = "https://graph.microsoft.com/.default"


def test_a_credential_asks_once_per_scope_set_and_msal_caches_nothing(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    dumped: list[Any] = []
    real_add = msal.TokenCache.add
    monkeypatch.setattr(
        msal.TokenCache, "add", lambda self, event, now=None: dumped.append(event) or real_add(self, event, now)
    )
    http = LightHttp(box.info["ca_bundle"], 10, 10, 4)
    credential = ConfidentialCredential(
        CONTOSO,
        AUTOMATION,
        "sandbox-secret-contoso-1",
        authority=box.info["authority_host"],
        disable_instance_discovery=True,
        http=http,
    )
    before = len(box.request_log())
    try:
        first = credential.get_token_info(GRAPH)
        again = credential.get_token_info(GRAPH)
    finally:
        credential.close()
        http.close()
    tokens = [r for r in box.request_log()[before:] if r["kind"] == "token"]
    assert again == first
    assert len(tokens) == 1
    assert dumped == []  # msal's TokenCache.add (and its JSON dump of the event) never ran
