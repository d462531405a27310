import socket
import subprocess
import sys

import netguard_hook
import pytest
from testenv import scrubbed_environ


def test_guard_refuses_non_loopback_lookup_and_records_it() -> None:
    with pytest.raises(OSError):
        socket.getaddrinfo("login.microsoftonline.com", 443)
    assert netguard_hook.violations and "login.microsoftonline.com" in netguard_hook.violations[-1]
    netguard_hook.violations.clear()  # this test provoked the violation on purpose


def test_guard_refuses_imds() -> None:
    s = socket.socket()
    try:
        with pytest.raises(OSError):
            s.connect(("169.254.169.254", 80))
    finally:
        s.close()
    netguard_hook.violations.clear()


def test_guard_allows_loopback() -> None:
    assert socket.getaddrinfo("127.0.0.1", 443)
    assert socket.getaddrinfo("localhost", 443)


def test_guard_is_preloaded_in_subprocesses() -> None:
    code = "import socket\ntry:\n    socket.getaddrinfo('example.com', 443)\nexcept OSError as e:\n    print('refused')"
    out = subprocess.run(
        [sys.executable, "-c", code], env=scrubbed_environ(), capture_output=True, text=True, check=True
    )
    assert "refused" in out.stdout
