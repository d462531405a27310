"""net/kept_alive.py, the direct connections of a run's HTTP client, against an HTTP/1.1 server on
loopback with the sandbox's kind of TLS: a connection is reused while the server keeps it open and never
once the server closed it, an answer is read whole (gzip undone), and each failure is raised as urllib3
raises it, so that net/causes.py explains it alike (refused, TLS, dropped, cut short, timed out)."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from runsupport import dead_port
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ProtocolError, ReadTimeoutError, SSLError

from entra_profiles.net.causes import network_cause
from entra_profiles.net.kept_alive import KeptAlive
from entra_profiles.sandbox.pki import ensure_tls


class Server:
    """`/ok`, `/gzip`, `/idle-close` (answers, then closes the connection soon after), `/cut` (a body cut
    short), `/slow` (answers after 2 s); `connections` counts the connections accepted."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.tls = ensure_tls(directory)
        self.connections = 0
        self.closed = threading.Event()  # set once the server closed a connection after /idle-close
        self.bodies: list[bytes] = []  # of the POST requests
        self.resumed: list[bool] = []  # per connection: did its handshake resume an earlier session
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                owner.connections += 1
                owner.resumed.append(self.request.session_reused)
                super().setup()

            def do_POST(self) -> None:
                owner.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.do_GET()

            def do_GET(self) -> None:
                if self.path == "/slow":
                    time.sleep(2)
                if self.path == "/cut":
                    self.send_response(200)
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    self.wfile.write(b'{"partial": ')
                    self.close_connection = True
                    return
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if self.path == "/gzip":
                    body = gzip.compress(body)
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                if self.path == "/idle-close":  # closed once answered, without saying so (an idle timeout)
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    owner.closed.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.tls.server_cert, self.tls.server_key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def trusting(self, ca: Path | None = None) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(ca or self.tls.ca_cert))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path / "tls")
    yield s
    s.close()


def client(server: Server, read_timeout: float = 5.0, ca: Path | None = None) -> KeptAlive:
    context = server.trusting(ca)
    return KeptAlive(lambda: context, read_timeout, size=4)


def test_one_connection_serves_requests_in_turn(server: Server) -> None:
    http = client(server)
    answers = [http.request("GET", f"{server.url}/ok", None, {}, 5.0) for _ in range(5)]
    http.close()
    assert [(status, body) for status, _, body in answers] == [(200, b'{"ok": true}')] * 5
    assert answers[0][1].get("content-type") == "application/json"  # headers read case-insensitively
    assert server.connections == 1


def test_a_connection_the_server_closed_while_idle_is_not_reused(server: Server) -> None:
    http = client(server)
    assert http.request("GET", f"{server.url}/idle-close", None, {}, 5.0)[0] == 200
    assert server.closed.wait(5)
    status, _, body = http.request("GET", f"{server.url}/ok", None, {}, 5.0)
    http.close()
    assert (status, body) == (200, b'{"ok": true}')
    assert server.connections == 2
    assert server.resumed == [False, True]  # the second resumed the first one's TLS session


def test_a_request_goes_out_in_one_write(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Line, headers and body together: with TLS each write is a record, and each costs system calls."""
    import entra_profiles.net.kept_alive as kept_alive

    writes: list[bytes] = []
    send = kept_alive._HTTPS.send

    def recorded(self: Any, data: bytes) -> None:
        writes.append(data)
        send(self, data)

    monkeypatch.setattr(kept_alive._HTTPS, "send", recorded)
    http = client(server)
    body = b"grant_type=client_credentials&client_id=x"
    status, _, _ = http.request(
        "POST", f"{server.url}/ok", body, {"Content-Type": "application/x-www-form-urlencoded"}, 5
    )
    http.close()
    assert status == 200 and server.bodies == [body]
    assert (
        len(writes) == 1 and writes[0].startswith(b"POST /ok HTTP/1.1\r\n") and writes[0].endswith(b"\r\n\r\n" + body)
    )
    assert b"Content-Length: 41\r\n" in writes[0]


def test_a_gzip_answer_is_read_undone(server: Server) -> None:
    http = client(server)
    assert http.request("GET", f"{server.url}/gzip", None, {}, 5.0)[2] == b'{"ok": true}'
    http.close()


def test_a_refused_connection_is_explained_as_refused() -> None:
    http = KeptAlive(ssl.create_default_context, 5.0, size=4)
    url = f"https://127.0.0.1:{dead_port()}/x"
    with pytest.raises(NewConnectionError) as caught:
        http.request("GET", url, None, {}, 5.0)
    cause = network_cause(caught.value, url, None, sandbox=False)
    assert cause is not None and cause.code == "refused"


def test_a_server_outside_the_trusted_cas_fails_its_handshake(server: Server, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    other = ensure_tls(tmp_path / "other").ca_cert
    http = client(server, ca=other)
    with pytest.raises(SSLError) as caught:  # not ssl's own, a ValueError too: msal's discovery would swallow it
        http.request("GET", f"{server.url}/ok", None, {}, 5.0)
    assert not isinstance(caught.value, ValueError)
    cause = network_cause(caught.value, server.url, str(other), sandbox=False)
    assert cause is not None and cause.code == "tls"
    assert server.connections == 0  # no request reached it


def test_a_body_cut_short_is_explained_as_cut_short(server: Server) -> None:
    http = client(server)
    with pytest.raises(ProtocolError) as caught:
        http.request("GET", f"{server.url}/cut", None, {}, 5.0)
    cause = network_cause(caught.value, server.url, None, sandbox=False)
    assert cause is not None and cause.code == "malformed_answer"


def test_an_answer_slower_than_the_read_timeout_times_out(server: Server) -> None:
    http = client(server, read_timeout=0.3)
    with pytest.raises(ReadTimeoutError) as caught:  # the server answers after 2 s
        http.request("GET", f"{server.url}/slow", None, {}, 5.0)
    cause = network_cause(caught.value, server.url, None, sandbox=False)
    assert cause is not None and cause.code == "timeout"


def test_a_handshake_that_never_ends_times_out_within_the_connect_timeout() -> None:
    """A listener that accepts and never speaks TLS: bounded by the connect timeout, classified timeout."""
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        http = KeptAlive(ssl.create_default_context, 5.0, size=4)
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/x"
        with pytest.raises(ConnectTimeoutError) as caught:
            http.request("GET", url, None, {}, 0.3)
    finally:
        listener.close()
    cause = network_cause(caught.value, url, None, sandbox=False)
    assert cause is not None and cause.code == "timeout"


def test_a_context_without_verification_is_refused(server: Server) -> None:
    context = server.trusting()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    http = KeptAlive(lambda: context, 5.0, size=4)
    with pytest.raises(SSLError, match="TLS verification is off"):
        http.request("GET", f"{server.url}/ok", None, {}, 5.0)
    assert server.connections == 0


def test_a_name_lookup_that_hangs_times_out_within_the_connect_timeout(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """getaddrinfo blocks beyond any socket timeout, before there is a socket for the deadline to cut:
    the connection's wait for it keeps to the connect timeout, and the failure reads as a timeout."""
    from entra_profiles.net import resolve

    released = threading.Event()
    real = socket.getaddrinfo

    def hanging(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "localhost":
            released.wait(10)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(resolve.socket, "getaddrinfo", hanging)
    monkeypatch.setattr(resolve, "RESOLVER", resolve.Resolver())
    url = server.url.replace("127.0.0.1", "localhost") + "/ok"
    started = time.monotonic()
    try:
        with pytest.raises(ConnectTimeoutError) as caught:
            client(server).request("GET", url, None, {}, 0.3)
    finally:
        released.set()
    assert time.monotonic() - started < 1.5
    cause = network_cause(caught.value, url, None, sandbox=False)
    assert cause is not None and cause.code == "timeout"
    http = client(server)
    try:
        assert http.request("GET", url, None, {}, 5.0)[0] == 200  # once it answers, the name serves
    finally:
        http.close()
