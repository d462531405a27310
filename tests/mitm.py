"""A man in the middle on loopback: an HTTPS server with a CA of its own that records every request.

It stands for a host a token must never reach (or for a vault that names the wrong audience in its
challenge). Each request is answered 401 with a Key Vault-style challenge until it carries a token;
a request with a token is recorded (with the token's audience) and answered 403.

With `token_error`, it is a token service instead (a custom cloud's `authority_host`): it answers
OpenID discovery, and every token request with a 400 whose `error_description` is
`token_error(request body)` — an echo of the request, or hostile text, as a careless server sends.

With `vault_error`, a request with a token is answered 400 with that text as the error's message (a
vault, or something posing as one, that says too much).
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.pki import ensure_tls


@dataclass
class Seen:
    method: str
    path: str
    authorization: str | None
    audience: str | None
    body: str


@dataclass
class Mitm:
    """Start with `with Mitm(directory) as m:`; `m.url`, `m.ca_cert`, `m.seen`, `m.tokens()`."""

    directory: Path
    challenge_resource: str = "https://vault.azure.net"
    authority: str = "https://login.microsoftonline.com/common"
    token_error: Callable[[str], str] | None = None
    vault_error: str | None = None
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.tls = ensure_tls(self.directory)
        self.ca_cert = self.tls.ca_cert
        self.lock = threading.Lock()

    def __enter__(self) -> Mitm:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 1 << 20)).decode("utf-8", "replace")
                auth = self.headers.get("Authorization")
                with owner.lock:
                    owner.seen.append(Seen(self.command, self.path, auth, audience_of(auth), body))
                if owner.token_error is not None:
                    self.token_service(body)
                elif auth is None:
                    challenge = f'Bearer authorization="{owner.authority}", resource="{owner.challenge_resource}"'
                    self.reply(401, '{"error": {"code": "Unauthorized"}}', ("WWW-Authenticate", challenge))
                elif owner.vault_error is not None:
                    self.reply(400, json.dumps({"error": {"code": "BadParameter", "message": owner.vault_error}}))
                else:
                    self.reply(403, '{"error": {"code": "Forbidden", "message": "recorded"}}')

            def token_service(self, body: str) -> None:
                assert owner.token_error is not None
                tenant = self.path.strip("/").split("/")[0]
                base = f"{owner.url}/{tenant}"
                if self.command == "GET" and self.path.endswith("/.well-known/openid-configuration"):
                    document = {
                        "issuer": f"{base}/v2.0",
                        "token_endpoint": f"{base}/oauth2/v2.0/token",
                        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                        "jwks_uri": f"{base}/discovery/v2.0/keys",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["pairwise"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }
                    self.reply(200, json.dumps(document))
                    return
                error = {"error": "invalid_request", "error_description": owner.token_error(body), "error_codes": []}
                self.reply(400, json.dumps(error))

            def reply(self, status: int, text: str, *headers: tuple[str, str]) -> None:
                data = text.encode()
                self.send_response(status)
                for name, value in (("Content-Type", "application/json"), *headers):
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.tls.server_cert, self.tls.server_key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def tokens(self) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.authorization]


def audience_of(authorization: str | None) -> str | None:
    """The `aud` claim of a bearer JWT, unverified (we only want to know what was sent)."""
    if not authorization or "." not in authorization:
        return None
    try:
        payload = authorization.split()[-1].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims.get("aud"))
    except (ValueError, IndexError):
        return None


def bundle(path: Path, *cas: Path) -> Path:
    """One PEM file trusting every CA given (the sandbox's and the man in the middle's)."""
    path.write_bytes(b"".join(ca.read_bytes() for ca in cas))
    return path


def on_its_cloud(mitm: Mitm, path: Path, profiles: dict[str, tuple[str, str]]) -> Path:
    """A profiles file whose custom cloud `mitm` is the token service of: name -> (tenant, secret)."""
    body = "".join(
        f"  {name}:\n    tenant: {tenant}\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n    cloud: mitm\n"
        f"    credential: {{type: client_secret, secret: {json.dumps(secret)}}}\n"
        for name, (tenant, secret) in profiles.items()
    )
    path.write_text(
        f"version: 1\nclouds:\n  mitm:\n    authority_host: {mitm.url}\n    graph_endpoint: {mitm.url}\n"
        f"    keyvault_suffix: vault.mitm.example\n    ca_bundle: {mitm.ca_cert}\nprofiles:\n{body}",
        encoding="utf-8",
    )
    return path


def fake_sandbox(box: Sandbox, mitm: Mitm, directory: Path) -> Path:
    """The running sandbox's sandbox.json, but with every vault served by the man in the middle."""
    directory.mkdir()
    info = dict(box.info)
    info["keyvault_url"] = mitm.url + "/vaults/{name}"
    info["ca_bundle"] = str(bundle(directory / "cas.pem", Path(box.info["ca_bundle"]), mitm.ca_cert))
    (directory / "sandbox.json").write_text(json.dumps(info), encoding="utf-8")
    return directory
