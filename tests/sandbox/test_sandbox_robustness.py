"""Malformed input of every kind gets a 4xx in the service's error shape, never a 500 or a hang."""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Callable
from itertools import cycle, islice

import requests
from azure.identity import ClientSecretCredential
from sandbox_support import AUTOMATION, AUTOMATION_SECRET, CONTOSO, GRAPH_SCOPE, azure_kwargs, session

from entra_profiles.sandbox import Sandbox

TOKEN = f"/{CONTOSO}/oauth2/v2.0/token"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _tls(sb: Sandbox) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=sb.info["ca_bundle"])
    raw = socket.create_connection(("127.0.0.1", sb.info["port"]), timeout=10)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def _raw_exchange(sb: Sandbox, payload: bytes) -> bytes:
    with _tls(sb) as conn:
        conn.sendall(payload)
        chunks = []
        while True:
            try:
                data = conn.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                break
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def _http_cases(sb: Sandbox) -> list[Callable[[requests.Session], requests.Response]]:
    url = sb.url
    vault = f"{url}/vaults/contoso-ops/secrets/x?api-version=7.5"
    return [
        lambda s: s.post(url + TOKEN, data=b"%%%&&&=\xff\xfe", headers=FORM),
        lambda s: s.post(url + TOKEN, data=b'{"grant_type": "client_credentials"}'),
        lambda s: s.post(url + TOKEN, data={"grant_type": "client_credentials", "client_id": AUTOMATION}),
        lambda s: s.post(
            url + TOKEN,
            data={
                "grant_type": "client_credentials",
                "client_id": AUTOMATION,
                "client_assertion": "eyJhbGciOi.broken.jwt",
                "scope": GRAPH_SCOPE,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            },
        ),
        lambda s: s.post(url + TOKEN, data=b"x" * (1024 * 1024 + 10), headers=FORM),
        lambda s: s.put(url + TOKEN, data="grant_type=client_credentials"),
        lambda s: s.delete(f"{url}/{CONTOSO}/v2.0/.well-known/openid-configuration"),
        lambda s: s.patch(vault, json={"value": "x"}),
        lambda s: s.get(url + "/no/such/path"),
        lambda s: s.get(vault, headers={"Authorization": "Bearer not-a-token"}),
        lambda s: s.get(f"{url}/v1.0/organization", headers={"Authorization": "Bearer a.b.c"}),
        lambda s: s.post(f"{url}/_sandbox/faults", data=b"{not json", headers={"Authorization": "Bearer x"}),
        lambda s: s.get(f"{url}/metadata/identity/oauth2/token?" + "&".join(f"k{i}=v" for i in range(150))),
        lambda s: s.get(f"{url}/msi/token?api-version=2019-08-01", headers={"X-IDENTITY-HEADER": "\u00e9"}),
        lambda s: s.post(url + TOKEN, data=b"grant_type=client_credentials&client_id=" + b"9" * 5000, headers=FORM),
        lambda s: s.get(f"{url}/ci/github/token?api-version=2.0&audience=x", headers={"Authorization": "Basic zz"}),
    ]


RAW_CASES = [
    b"\x16\x03\x01garbage\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"POST " + TOKEN.encode() + b" HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    b"POST " + TOKEN.encode() + b" HTTP/1.1\r\nContent-Length: 30000000\r\n\r\nabc",
    b"POST " + TOKEN.encode() + b" HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"BREW /pot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(150)) + b"\r\n",
    b"GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n",
]


def test_two_hundred_malformed_requests_and_still_serving(sb: Sandbox) -> None:
    logged_before = len(sb.request_log())  # other tests' requests (App Service's 500 for a resource it lacks)
    statuses: list[int] = []
    with session(sb) as http:
        for case in islice(cycle(_http_cases(sb)), 160):
            response = case(http)
            statuses.append(response.status_code)
            assert "error" in response.json() or "message" in response.json(), response.text
    for payload in islice(cycle(RAW_CASES), 50):
        reply = _raw_exchange(sb, payload)
        if reply:
            statuses.append(int(reply.split(b" ", 2)[1]))
            assert b'"error' in reply
    for _ in range(10):  # not even TLS
        with socket.create_connection(("127.0.0.1", sb.info["port"]), timeout=5) as plain:
            plain.sendall(b"GET / HTTP/1.1\r\n\r\n")
            with contextlib.suppress(ConnectionResetError):
                assert plain.recv(100) == b""  # the TLS handshake fails: closed, no hang
    assert len(statuses) >= 200
    assert all(400 <= s < 500 for s in statuses), sorted(set(statuses))
    assert {400, 401, 404, 405, 411, 413} <= set(statuses)
    mine = sb.request_log()[logged_before:]
    assert not [r for r in mine if r.get("status", 0) >= 500 and not r.get("fault")]
    with ClientSecretCredential(CONTOSO, AUTOMATION, AUTOMATION_SECRET, **azure_kwargs(sb)) as credential:
        assert credential.get_token(GRAPH_SCOPE).token


def test_silent_and_slow_clients_are_dropped(sb: Sandbox) -> None:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", sb.info["port"]), timeout=10) as silent, _tls(sb) as slow:
        slow.sendall(b"POST " + TOKEN.encode() + b" HTTP/1.1\r\nContent-Length: 100\r\n\r\npartial")
        assert slow.recv(100) == b""  # the server gives up on the body after its read timeout
        assert silent.recv(100) == b""  # and on a client that never starts TLS
    assert time.perf_counter() - started < 8
