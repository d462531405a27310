"""Fault injection (seed format, admin endpoint, Python API) and what the real clients make of it."""

from __future__ import annotations

import time

import jwt
import pytest
import requests
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from sandbox_support import (
    AUTOMATION,
    AUTOMATION_SECRET,
    CONTOSO,
    FABRIKAM_APP,
    GRAPH_SCOPE,
    azure_kwargs,
    session,
    vault_url,
)

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.faults import FOREIGN_AUDIENCE, FOREIGN_TENANT


def _token_request(http: requests.Session, sb: Sandbox, client_id: str = AUTOMATION) -> requests.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "scope": GRAPH_SCOPE}
    form["client_secret"] = AUTOMATION_SECRET if client_id == AUTOMATION else "sandbox-secret-fabrikam-1"
    tenant = CONTOSO if client_id == AUTOMATION else "fabrikam.onmicrosoft.com"
    return http.post(f"{sb.url}/{tenant}/oauth2/v2.0/token", data=form, timeout=10)


def test_429_for_the_next_two_requests_of_one_client(sb: Sandbox) -> None:
    rule = {"endpoint": "token", "client_id": AUTOMATION, "action": "status", "status": 429, "retry_after": 7}
    sb.set_faults({"rules": [{**rule, "count": 2}]})
    with session(sb) as http:
        assert _token_request(http, sb, FABRIKAM_APP).status_code == 200  # another client: untouched
        first, second, third = (_token_request(http, sb) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["Retry-After"] == "7"
    assert first.json()["error"] == "temporarily_unavailable"
    faults = [r.get("fault") for r in sb.request_log()[-3:]]
    assert faults == ["status", "status", None]


def test_keyvault_client_retries_through_a_503(sb: Sandbox) -> None:
    sb.set_faults({"rules": [{"endpoint": "keyvault", "action": "status", "status": 503, "count": 1}]})
    with (
        ClientSecretCredential(CONTOSO, AUTOMATION, AUTOMATION_SECRET, **azure_kwargs(sb)) as credential,
        SecretClient(
            vault_url(sb, "contoso-ops"),
            credential,
            verify_challenge_resource=False,
            connection_verify=sb.info["ca_bundle"],
            retry_backoff_factor=0.01,
        ) as client,
    ):
        assert client.get_secret("fabrikam-secret").value == "sandbox-secret-fabrikam-1"
    kv = [r for r in sb.request_log() if r["kind"] == "keyvault"][-3:]
    assert [(r["status"], r.get("fault")) for r in kv] == [(503, "status"), (401, None), (200, None)]


def test_connection_reset(sb: Sandbox) -> None:
    sb.set_faults({"rules": [{"endpoint": "discovery", "action": "reset", "count": 1}]})
    url = f"{sb.url}/{CONTOSO}/v2.0/.well-known/openid-configuration"
    with session(sb) as http:
        with pytest.raises(requests.ConnectionError):
            http.get(url, timeout=5)
        assert http.get(url, timeout=5).status_code == 200


def test_latency_and_slow_response(sb: Sandbox) -> None:
    sb.set_faults({"latency_ms": 150, "rules": [{"endpoint": "oidc", "action": "slow", "delay_ms": 400}]})
    with session(sb) as http:
        started = time.perf_counter()
        assert http.get(f"{sb.info['ci_issuer']}/.well-known/jwks", timeout=10).status_code == 200
        assert time.perf_counter() - started >= 0.5
        started = time.perf_counter()
        assert http.get(f"{sb.url}/_sandbox/health", timeout=10).status_code == 200  # admin: never faulted
        assert time.perf_counter() - started < 0.15


def test_fraction_is_reproducible(sb: Sandbox) -> None:
    def outcomes() -> list[int]:
        sb.set_faults({"random_seed": 7, "rules": [{"endpoint": "discovery", "action": "status", "fraction": 0.5}]})
        with session(sb) as http:
            url = f"{sb.url}/{CONTOSO}/discovery/v2.0/keys"
            return [http.get(url, timeout=5).status_code for _ in range(16)]

    first = outcomes()
    assert first == outcomes()
    assert set(first) == {200, 503}


def test_admin_endpoint(sb: Sandbox) -> None:
    admin = sb.info["admin_url"] + "/faults"
    bearer = {"Authorization": f"Bearer {sb.info['admin_token']}"}
    with session(sb) as http:
        assert http.post(admin, json={"latency_ms": 1}, timeout=5).status_code == 401
        assert http.post(admin, json={"latency_ms": 1}, headers={"Authorization": "Bearer nope"}).status_code == 401
        rule = {"endpoint": "graph", "action": "status", "status": 500, "count": 3}
        response = http.post(admin, json={"rules": [rule]}, headers=bearer, timeout=5)
        assert response.status_code == 200
        assert http.get(f"{sb.info['graph_endpoint']}/v1.0/organization", timeout=5).status_code == 500
        assert http.get(admin, headers=bearer, timeout=5).json()["rules"][0]["count"] == 2
        bad = http.post(admin, json={"rules": [{"action": "explode"}]}, headers=bearer, timeout=5)
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
        assert http.delete(admin, headers=bearer, timeout=5).json()["rules"] == []


def _token_form() -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": AUTOMATION,
        "client_secret": AUTOMATION_SECRET,
        "scope": GRAPH_SCOPE,
    }


def test_malformed_answers(sb: Sandbox) -> None:
    url = f"{sb.url}/{CONTOSO}/oauth2/v2.0/token"
    with session(sb) as http:
        for body, expected_type in (("html", "text/html"), ("not_json", "application/json"), ("empty", None)):
            sb.set_faults({"rules": [{"endpoint": "token", "action": "malformed", "body": body, "count": 1}]})
            answer = http.post(url, data=_token_form(), timeout=5)
            assert answer.status_code == 200
            if expected_type is None:
                assert answer.content == b""
            else:
                assert answer.headers["Content-Type"].startswith(expected_type)
                with pytest.raises(ValueError):
                    answer.json()
        sb.set_faults({"rules": [{"endpoint": "token", "action": "malformed", "body": "truncated", "count": 1}]})
        with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
            http.post(url, data=_token_form(), timeout=5)
        assert http.post(url, data=_token_form(), timeout=5).json()["token_type"] == "Bearer"


def test_tampered_tokens(sb: Sandbox) -> None:
    url = f"{sb.url}/{CONTOSO}/oauth2/v2.0/token"

    def answer(how: str) -> dict[str, object]:
        sb.set_faults({"rules": [{"endpoint": "token", "action": "tamper", "token": how, "count": 1}]})
        with session(sb) as http:
            data: dict[str, object] = http.post(url, data=_token_form(), timeout=5).json()
        return data

    def claims(data: dict[str, object]) -> dict[str, object]:
        decoded: dict[str, object] = jwt.decode(str(data["access_token"]), options={"verify_signature": False})
        return decoded

    assert str(answer("not_jwt")["access_token"]).count(".") == 0
    assert claims(answer("wrong_audience"))["aud"] == FOREIGN_AUDIENCE
    assert claims(answer("wrong_tenant"))["tid"] == FOREIGN_TENANT
    assert int(str(claims(answer("expired"))["exp"])) < time.time()
    stripped = answer("no_expires_in")
    assert "access_token" in stripped and "expires_in" not in stripped and "ext_expires_in" not in stripped


def test_redirect_and_trickle_and_path_filter(sb: Sandbox) -> None:
    discovery = "/v2.0/.well-known/openid-configuration"
    rules = [
        {"endpoint": "discovery", "path": "/contoso.onmicrosoft.com/", "action": "redirect"},
        {"endpoint": "discovery", "path": f"/{CONTOSO}/", "action": "trickle", "delay_ms": 5},
    ]
    sb.set_faults({"rules": rules})
    with session(sb) as http:
        moved = http.get(f"{sb.url}/CONTOSO.onmicrosoft.com{discovery}", timeout=5, allow_redirects=False)
        assert (moved.status_code, moved.headers["Location"]) == (307, "https://127.0.0.1:1/redirected")
        assert http.get(f"{sb.url}/fabrikam.onmicrosoft.com{discovery}", timeout=5).status_code == 200
        started = time.perf_counter()
        response = http.get(f"{sb.url}/{CONTOSO}{discovery}", timeout=5, stream=True)
        first = response.raw.read(4)  # bytes keep coming, each well within the read timeout
        assert len(first) == 4 and response.status_code == 200
        response.close()
        assert time.perf_counter() - started >= 0.005 * 4
