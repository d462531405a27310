"""A certificate's content is loaded once per process for the same password: cryptography checks an RSA
key as it loads it (tens of ms of one core), and profiles often share one certificate (a multi-tenant
app). Callers at the same time wait for one load; a failure is never kept; the cache is bounded."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from certfactory import make_cert, write_pem

from entra_profiles.credentials import certfile
from entra_profiles.credentials.certfile import CertificateError, load_certificate_file


@pytest.fixture
def key_loads(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Each private key cryptography is asked to load (its checks included)."""
    loads: list[bytes] = []
    real = certfile.serialization.load_pem_private_key

    def counted(data: bytes, *args: Any, **kwargs: Any) -> Any:
        loads.append(data)
        return real(data, *args, **kwargs)

    monkeypatch.setattr(certfile.serialization, "load_pem_private_key", counted)
    return loads


def test_the_same_certificate_in_two_files_is_loaded_once(tmp_path: Path, key_loads: list[bytes]) -> None:
    cert, key = make_cert("shared")
    first = load_certificate_file(write_pem(tmp_path / "a.pem", cert, key), None)
    second = load_certificate_file(write_pem(tmp_path / "b.pem", cert, key), None)
    assert len(key_loads) == 1
    assert second.private_key is first.private_key and second.certificate == cert
    assert (first.source, second.source) == (str(tmp_path / "a.pem"), str(tmp_path / "b.pem"))


def test_callers_at_the_same_time_wait_for_one_load(tmp_path: Path, key_loads: list[bytes]) -> None:
    cert, key = make_cert("busy")
    path = write_pem(tmp_path / "busy.pem", cert, key)
    start = threading.Barrier(8)
    keys: list[Any] = []

    def load() -> None:
        start.wait(5)
        keys.append(load_certificate_file(path, None).private_key)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(keys) == 8 and all(k is keys[0] for k in keys)
    assert len(key_loads) == 1


def test_a_failure_is_not_kept_and_a_password_is_part_of_the_key(tmp_path: Path, key_loads: list[bytes]) -> None:
    cert, key = make_cert("locked")
    path = write_pem(tmp_path / "locked.pem", cert, key, password="hunter2")
    for _ in range(2):
        with pytest.raises(CertificateError, match="wrong password"):
            load_certificate_file(path, "wrong")
    assert load_certificate_file(path, "hunter2").certificate == cert
    assert load_certificate_file(path, "hunter2").certificate == cert
    with pytest.raises(CertificateError, match=r"is encrypted; set credential\.password"):
        load_certificate_file(path, None)  # a success with a password serves no caller without it
    assert len(key_loads) == 4  # wrong, wrong, hunter2 (then kept), none


def test_the_cache_keeps_at_most_cached_certificates(
    tmp_path: Path, key_loads: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(certfile, "CACHED", 2)
    paths = [write_pem(tmp_path / f"c{i}.pem", *make_cert(f"c{i}")) for i in range(3)]
    for path in paths:
        load_certificate_file(path, None)
    load_certificate_file(paths[2], None)  # kept
    load_certificate_file(paths[0], None)  # pushed out by the third: loaded again
    assert len(key_loads) == 4
    assert len(certfile._loaded) <= 2
