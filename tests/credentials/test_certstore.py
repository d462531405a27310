"""Certificate store lookup by thumbprint or subject, as Connect-MgGraph does it, and what it says when it fails."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from certfactory import (
    cert_pem,
    days,
    key_pem,
    make_cert,
    rsa_key,
    sha1,
    sha256,
    write_dotnet_store,
    write_pem,
    write_pfx,
)
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from entra_profiles.config.fields import normalize_thumbprint
from entra_profiles.credentials.certfile import CertificateError
from entra_profiles.credentials.certstore import (
    DOTNET_MY,
    CertificateNotFound,
    find,
    find_by_subject,
    find_by_thumbprint,
    scan_stores,
    store_folders,
)

CONTOSO = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Contoso")]
NOW = datetime(2026, 6, 1, tzinfo=UTC)
RENEW = "renew the certificate and upload its public part to the app registration"
WHERE = "check ENTRA_PROFILES_CERT_STORE, the profile's stores, or ~/.dotnet/corefx/cryptography/x509stores/my"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def failure(
    folders: list[Path], *, thumbprint: str | None = None, subject: str | None = None, now: datetime | None = None
) -> tuple[str, str | None]:
    with pytest.raises(CertificateError) as caught:
        find(thumbprint, subject, folders, None, now=now)
    return caught.value.message, caught.value.hint


def test_by_sha1_and_sha256_thumbprint(tmp_path: Path) -> None:
    certs = [make_cert(f"app-{i}", key=rsa_key(i % 2)) for i in range(3)]
    for i, (cert, key) in enumerate(certs):
        write_pfx(tmp_path / f"{i}.pfx", cert, key)
    wanted = certs[1][0]
    assert find(sha1(wanted), None, [tmp_path], None).certificate == wanted
    assert find(sha256(wanted), None, [tmp_path], None).thumbprint_sha256 == sha256(wanted)


def test_pasted_thumbprint_with_spaces_lower_case_and_invisible_mark(tmp_path: Path) -> None:
    cert, key = make_cert("app")
    write_pfx(tmp_path / "app.pfx", cert, key)
    pasted = "\u200e" + " ".join(sha1(cert)[i : i + 2].lower() for i in range(0, 40, 2)) + "\u200e"
    assert find(normalize_thumbprint(pasted), None, [tmp_path], None).certificate == cert
    assert find_by_thumbprint(scan_stores([tmp_path], None), pasted).certificate == cert  # normalised here too
    with pytest.raises(CertificateError) as caught:
        find("12 34", None, [tmp_path], None)
    assert caught.value.message == (
        "a thumbprint is 40 (SHA-1) or 64 (SHA-256) hex digits; this one has 4 digits"
        " after removing spaces, colons and invisible marks"
    )


def test_by_subject_whole_string_case_insensitive_either_order(tmp_path: Path) -> None:
    cert, key = make_cert("contoso-automation", extra_names=CONTOSO)
    write_pem(tmp_path / "app.pem", cert, key)
    for subject in (
        "CN=contoso-automation, O=Contoso",
        "cn=CONTOSO-Automation,o=contoso",
        "O=Contoso; CN=contoso-automation",
    ):
        loaded = find(None, subject, [tmp_path], None)
        assert loaded.certificate == cert and loaded.subject == "CN=contoso-automation, O=Contoso"
    for subject in ("CN=contoso-automation", "CN=contoso, O=Contoso", "CN=contoso-automation, O=Contoso, C=US"):
        assert failure([tmp_path], subject=subject) == (
            f"no certificate with subject {subject} in 1 store ({tmp_path}) (1 certificate looked at)",
            WHERE,
        )


def test_latest_not_before_wins_among_valid_ones(tmp_path: Path) -> None:
    made = {
        "old": make_cert("app", not_before=days(-30)),
        "newest": make_cert("app", not_before=days(-2)),
        "middle": make_cert("app", not_before=days(-10), key=rsa_key(1)),
        "future": make_cert("app", not_before=days(5)),
        "expired": make_cert("app", not_before=days(-1), not_after=days(-0.5)),
    }
    for name, (cert, key) in made.items():
        write_pfx(tmp_path / f"{name}.pfx", cert, key)
    assert find(None, "CN=app", [tmp_path], None).certificate == made["newest"][0]


def test_two_certificates_with_one_subject_in_two_stores_newest_wins(tmp_path: Path) -> None:
    older, newer = make_cert("app", not_before=days(-300)), make_cert("app", not_before=days(-1))
    write_pem(tmp_path / "a" / "cert.pem", *newer)
    write_pfx(tmp_path / "b" / "cert.pfx", *older)
    loaded = find(None, "CN=app", [tmp_path / "b", tmp_path / "a"], None)
    assert loaded.certificate == newer[0] and loaded.source == str(tmp_path / "a" / "cert.pem")


def test_expired_ones_are_explained(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_pfx(a / "1.pfx", *make_cert("contoso-automation", not_before=at("2023-01-01"), not_after=at("2024-01-01")))
    write_pem(b / "2.pem", *make_cert("contoso-automation", not_before=at("2024-03-01"), not_after=at("2025-03-01")))
    write_pem(b / "other.pem", *make_cert("someone-else", not_before=at("2026-01-01"), not_after=at("2027-01-01")))
    assert failure([a, b], subject="CN=contoso-automation", now=NOW) == (
        f"no valid certificate with subject CN=contoso-automation in 2 stores ({a}, {b}):"
        " 2 certificates with that subject, both expired (on 2024-01-01 and 2025-03-01)",
        RENEW,
    )
    write_pem(b / "3.pem", *make_cert("contoso-automation", not_before=at("2024-05-01"), not_after=at("2024-06-01")))
    assert failure([a, b], subject="CN=contoso-automation", now=NOW)[0].endswith(
        ": 3 certificates with that subject, all expired (on 2024-01-01, 2024-06-01 and 2025-03-01)"
    )


def test_one_expired_one_not_yet_valid_and_both(tmp_path: Path) -> None:
    write_pfx(tmp_path / "old.pfx", *make_cert("app", not_before=at("2025-01-01"), not_after=at("2026-01-02")))
    head = f"no valid certificate with subject CN=app in 1 store ({tmp_path}): "
    assert failure([tmp_path], subject="CN=app", now=NOW) == (
        f"{head}1 certificate with that subject, expired on 2026-01-02",
        RENEW,
    )
    (tmp_path / "old.pfx").unlink()
    write_pfx(tmp_path / "new.pfx", *make_cert("app", not_before=at("2027-01-01"), not_after=at("2028-01-01")))
    assert failure([tmp_path], subject="CN=app", now=NOW) == (
        f"{head}1 certificate with that subject, not yet valid (from 2027-01-01)",
        "check the system clock, or use the current certificate until the new one is valid",
    )
    write_pfx(tmp_path / "old.pfx", *make_cert("app", not_before=at("2025-01-01"), not_after=at("2026-01-02")))
    assert failure([tmp_path], subject="CN=app", now=NOW) == (
        f"{head}2 certificates with that subject: 1 expired (on 2026-01-02), 1 not yet valid (from 2027-01-01)",
        RENEW,
    )


def test_thumbprint_of_an_expired_or_future_certificate(tmp_path: Path) -> None:
    expired, _ = make_cert("app", not_before=at("2023-01-01"), not_after=at("2024-01-01"))
    future, _ = make_cert("app", not_before=at("2027-01-01"), not_after=at("2028-01-01"))
    write_dotnet_store(tmp_path, expired, rsa_key(0))
    write_dotnet_store(tmp_path, future, rsa_key(0))
    store = tmp_path / DOTNET_MY
    assert failure([store], thumbprint=sha1(expired), now=NOW) == (
        f"certificate {sha1(expired)} in store folder {store} expired on 2024-01-01",
        RENEW,
    )
    assert failure([store], thumbprint=sha256(future), now=NOW)[0] == (
        f"certificate {sha256(future)} in store folder {store} is not yet valid (from 2027-01-01)"
    )


def test_nothing_matches_counts_what_was_looked_at(tmp_path: Path) -> None:
    for i in range(3):
        write_pfx(tmp_path / f"{i}.pfx", *make_cert(f"app-{i}", not_before=at("2026-01-01")))
    unknown = "6A1B" * 10
    assert failure([tmp_path], thumbprint=unknown) == (
        f"no certificate with thumbprint {unknown} in 1 store ({tmp_path}) (3 certificates looked at)",
        WHERE,
    )
    (tmp_path / "junk.pfx").write_bytes(b"not a certificate")
    (tmp_path / "locked.p12").write_bytes(write_pfx(tmp_path / "x", *make_cert("z"), password="pw").read_bytes())
    (tmp_path / "readme.txt").write_text("ignored: not a certificate file name")
    missing = tmp_path / "nope"
    assert failure([tmp_path, missing], thumbprint=unknown)[0] == (
        f"no certificate with thumbprint {unknown} in 1 store ({tmp_path}) (3 certificates looked at;"
        f" 2 files could not be read: junk.pfx, locked.p12; no folder {missing})"
    )
    assert failure([missing, tmp_path / "gone"], subject="CN=x") == (
        f"no certificate with subject CN=x: none of the store folders exists ({missing}, {tmp_path / 'gone'})",
        WHERE,
    )


def test_protected_dotnet_store_file_named_by_the_thumbprint_says_why(tmp_path: Path) -> None:
    cert, key = make_cert("app")
    path = write_pfx(tmp_path / f"{sha1(cert)}.pfx", cert, key, password="pw")
    assert failure([tmp_path], thumbprint=sha1(cert))[0] == (
        f"the PFX file {path} is protected by a password; set credential.password"
    )
    assert find(sha1(cert), None, [tmp_path], "pw").certificate == cert  # the profile's password opens it


def test_dotnet_store_under_home_is_the_default(tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])  # a temporary HOME, set by conftest
    cert, key = make_cert("app")
    write_dotnet_store(home, cert, key)
    folders = store_folders(None, os.environ)
    assert folders == [home / ".dotnet/corefx/cryptography/x509stores/my"]
    loaded = find(sha1(cert), None, folders, None)
    assert loaded.source == str(home / DOTNET_MY / f"{sha1(cert)}.pfx")


def test_env_stores_after_profile_stores_then_dotnet_without_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, p = tmp_path / "a", tmp_path / "b", tmp_path / "p"
    monkeypatch.setenv("ENTRA_PROFILES_CERT_STORE", f"{a}{os.pathsep}{b}{os.pathsep}{os.pathsep}{a}/")
    dotnet = Path(os.environ["HOME"]) / DOTNET_MY
    assert store_folders([p, b], os.environ) == [p, b, a, dotnet]
    cert, key = make_cert("app")
    write_pem(b / "app.pem", cert, key)
    assert find(None, "CN=app", store_folders(None, os.environ), None).certificate == cert


def test_certificate_and_key_pairs(tmp_path: Path) -> None:
    certs = {name: make_cert(name, key=rsa_key(i)) for i, name in enumerate(("crt", "cer", "pem", "enc"))}
    (tmp_path / "a.crt").write_bytes(cert_pem(certs["crt"][0]))
    (tmp_path / "a.key").write_bytes(key_pem(certs["crt"][1]))
    (tmp_path / "b.cer").write_bytes(certs["cer"][0].public_bytes(serialization.Encoding.DER))
    (tmp_path / "b.key").write_bytes(key_pem(certs["cer"][1]))
    (tmp_path / "c.pem").write_bytes(cert_pem(certs["pem"][0]))
    (tmp_path / "c.key").write_bytes(key_pem(certs["pem"][1]))
    (tmp_path / "d.crt").write_bytes(cert_pem(certs["enc"][0]))
    (tmp_path / "d.key").write_bytes(key_pem(certs["enc"][1], password="pw"))
    for name in ("crt", "cer", "pem"):
        assert find(None, f"CN={name}", [tmp_path], None).certificate == certs[name][0]
    assert find(None, "CN=enc", [tmp_path], "pw").source == f"{tmp_path / 'd.crt'} + d.key"
    assert failure([tmp_path], subject="CN=enc") == (
        f"the private key in {tmp_path / 'd.crt'} + d.key is encrypted; set credential.password",
        "the password can come from the environment, e.g. password: ${env:CERT_PASSWORD}",
    )


def test_found_certificate_without_its_key(tmp_path: Path) -> None:
    cert, key = make_cert("app")
    (tmp_path / "app.crt").write_bytes(cert_pem(cert))
    assert failure([tmp_path], subject="CN=app") == (
        f"certificate {sha1(cert)} in store folder {tmp_path} has no private key: app.crt holds only the certificate",
        "put its private key beside it as app.key, or store it as a PFX with its key",
    )
    write_pfx(tmp_path / "same-with-key.pfx", cert, key)  # the same certificate with its key elsewhere: used
    assert find(sha1(cert), None, [tmp_path], None).source == str(tmp_path / "same-with-key.pfx")


def test_mismatched_pair_is_reported_when_it_wins(tmp_path: Path) -> None:
    cert, _ = make_cert("app")
    (tmp_path / "app.crt").write_bytes(cert_pem(cert))
    (tmp_path / "app.key").write_bytes(key_pem(rsa_key(1)))
    assert failure([tmp_path], subject="CN=app")[0] == (
        f"the private key in {tmp_path / 'app.crt'} + app.key does not belong to its certificate"
    )


def test_scan_once_find_many_from_threads_without_secrets_in_repr(tmp_path: Path) -> None:
    made = [make_cert(f"app-{i}", key=rsa_key(i % 3)) for i in range(100)]
    for i, (cert, key) in enumerate(made):  # one in ten a PFX: opening one costs ~30 ms (RSA key validation)
        (write_pfx if i % 10 == 0 else write_pem)(tmp_path / f"{i}.{'pfx' if i % 10 == 0 else 'pem'}", cert, key)
    scan = scan_stores([tmp_path], None)
    assert len(scan.entries) == 100 and not scan.skipped

    def lookup(i: int) -> bool:
        by_subject = find_by_subject(scan, f"CN=app-{i}").certificate
        return by_subject == made[i][0] == find_by_thumbprint(scan, sha1(made[i][0])).certificate

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(lookup, range(0, 100, 9)))
    assert "PRIVATE" not in repr(scan) and "private_numbers" not in repr(scan)
    pfx = next(e for e in scan.entries if e.loaded is not None)
    assert (
        repr(pfx.loaded)
        == f"LoadedCertificate(thumbprint={sha1(pfx.certificate)}, subject='CN=app-0', source='{tmp_path}/0.pfx')"
    )


def test_unreadable_subject() -> None:
    with pytest.raises(CertificateError) as caught:
        find_by_subject(scan_stores([], None), "contoso-automation")
    assert (caught.value.message, caught.value.hint) == (
        "cannot read subject 'contoso-automation': 'contoso-automation' has no '='",
        "write it as CN=name, O=org",
    )
    assert isinstance(CertificateNotFound("x"), CertificateError)
