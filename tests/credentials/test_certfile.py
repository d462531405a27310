"""Loading certificates and keys from PEM and PFX content, and the messages people get when it fails."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from certfactory import cert_pem, ec_key, key_pem, make_cert, rsa_key, sha1, sha256, write_pem, write_pfx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from entra_profiles.credentials.certfile import CertificateError, load_certificate_bytes, load_certificate_file
from entra_profiles.credentials.dnames import dotnet_name, parse_dn

CONTOSO = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Contoso")]
NO_KEY_HINT = "export the certificate with its private key (PFX), or a PEM with both"
PASSWORD_HINT = "the password can come from the environment, e.g. password: ${env:CERT_PASSWORD}"


def error(path: Path, password: str | None = None) -> tuple[str, str | None]:
    with pytest.raises(CertificateError) as caught:
        load_certificate_file(path, password)
    assert "hunter2" not in caught.value.format()
    return caught.value.message, caught.value.hint


def test_pem_with_key_and_certificate(tmp_path: Path) -> None:
    cert, key = make_cert("contoso-automation", extra_names=CONTOSO)
    loaded = load_certificate_file(write_pem(tmp_path / "app.pem", cert, key), None)
    assert loaded.certificate == cert and loaded.chain == ()
    assert loaded.thumbprint_sha1 == sha1(cert) and len(loaded.thumbprint_sha1) == 40
    assert loaded.thumbprint_sha256 == sha256(cert)
    assert loaded.subject == "CN=contoso-automation, O=Contoso"
    assert loaded.not_before.tzinfo == UTC and loaded.not_after == cert.not_valid_after_utc
    assert loaded.source == str(tmp_path / "app.pem")


def test_chain_follows_the_leaf_and_pem_bytes_hold_key_leaf_chain(tmp_path: Path) -> None:
    ca = make_cert("Contoso CA", key=rsa_key(1), ca=True)
    leaf, key = make_cert("contoso-automation", issuer=ca)
    path = tmp_path / "chain.pem"
    path.write_bytes(cert_pem(ca[0]) + key_pem(key) + cert_pem(leaf))  # the leaf is the one the key belongs to
    loaded = load_certificate_file(path, None)
    assert loaded.certificate == leaf and loaded.chain == (ca[0],)
    pem = loaded.pem_bytes()
    assert pem.startswith(b"-----BEGIN " + b"PRIVATE KEY")
    assert x509.load_pem_x509_certificates(pem) == [leaf, ca[0]]
    assert serialization.load_pem_private_key(pem, None).public_key() == key.public_key()


def test_encrypted_pem(tmp_path: Path) -> None:
    cert, key = make_cert("app")
    path = write_pem(tmp_path / "enc.pem", cert, key, password="hunter2")
    assert load_certificate_file(path, "hunter2").certificate == cert
    assert error(path) == (f"the private key in {path} is encrypted; set credential.password", PASSWORD_HINT)
    assert error(path, "wrong") == (f"wrong password for the private key in {path}", "check credential.password")


def test_traditional_openssl_encrypted_key(tmp_path: Path) -> None:
    cert, key = make_cert("app")
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(b"hunter2"),
    )
    assert b"Proc-Type: 4,ENCRYPTED" in encrypted
    path = tmp_path / "trad.pem"
    path.write_bytes(cert_pem(cert) + encrypted)
    assert load_certificate_file(path, "hunter2").certificate == cert
    assert error(path)[0] == f"the private key in {path} is encrypted; set credential.password"


def test_a_password_for_an_unencrypted_file_is_fine(tmp_path: Path) -> None:
    cert, key = make_cert("app")
    assert load_certificate_file(write_pem(tmp_path / "a.pem", cert, key), "hunter2").certificate == cert
    assert load_certificate_file(write_pfx(tmp_path / "a.pfx", cert, key), "hunter2").certificate == cert


def test_pfx_with_and_without_password_and_chain(tmp_path: Path) -> None:
    ca = make_cert("Contoso CA", key=rsa_key(1), ca=True)
    cert, key = make_cert("app", issuer=ca)
    assert load_certificate_file(write_pfx(tmp_path / "open.pfx", cert, key), None).certificate == cert
    protected = write_pfx(tmp_path / "protected.p12", cert, key, password="hunter2", chain=[ca[0]])
    loaded = load_certificate_file(protected, "hunter2")
    assert loaded.certificate == cert and loaded.chain == (ca[0],)


def test_wrong_or_missing_pfx_password(tmp_path: Path) -> None:
    cert, key = make_cert("app")
    path = write_pfx(tmp_path / "protected.pfx", cert, key, password="hunter2")
    assert error(path, "not-it") == (f"wrong password for PFX file {path}", "check credential.password")
    assert error(path) == (f"the PFX file {path} is protected by a password; set credential.password", PASSWORD_HINT)


def test_format_is_detected_by_content_not_name(tmp_path: Path) -> None:
    cert, key = make_cert("app")
    assert load_certificate_file(write_pfx(tmp_path / "really-a-pfx.pem", cert, key), None).certificate == cert
    assert load_certificate_file(write_pem(tmp_path / "really-a-pem.pfx", cert, key), None).certificate == cert


def test_certificate_without_key(tmp_path: Path) -> None:
    cert, _ = make_cert("app")
    der, pem = tmp_path / "app.cer", tmp_path / "app.crt"
    der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    pem.write_bytes(cert_pem(cert))
    assert error(der) == (f"{der} holds a certificate but no private key", NO_KEY_HINT)
    assert error(pem) == (f"{pem} holds a certificate but no private key", NO_KEY_HINT)


def test_key_without_certificate(tmp_path: Path) -> None:
    path = tmp_path / "only.key"
    path.write_bytes(key_pem(rsa_key(0)))
    assert error(path) == (f"{path} holds a private key but no certificate", NO_KEY_HINT)


def test_key_that_does_not_belong_to_the_certificate(tmp_path: Path) -> None:
    cert, _ = make_cert("app")
    path = write_pem(tmp_path / "mixed.pem", cert, rsa_key(1))
    assert error(path) == (
        f"the private key in {path} does not belong to its certificate",
        "export the certificate together with its own private key",
    )


def test_ec_key_is_rejected_with_its_type(tmp_path: Path) -> None:
    cert, key = make_cert("app", key=ec_key())
    path = write_pem(tmp_path / "ec.pem", cert, key)
    assert error(path) == (
        f"the private key in {path} is of type EC (secp256r1);"
        " azure-identity's certificate credential needs an RSA key",
        "create an RSA key (2048 bits or more) and certificate, and upload it to the app registration",
    )


@pytest.mark.parametrize("content", [b"", b"hello, world\n", b"\x30\x03\x02\x01\x05", b"-----BEGIN NOTHING-----\n"])
def test_not_a_certificate(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.pfx"
    path.write_bytes(content)
    assert error(path) == (
        f"{path} is not a certificate: neither PEM nor PFX (PKCS#12) content",
        "give a PFX file, or a PEM file holding the certificate and its private key",
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "none.pem"
    assert error(missing) == (
        f"certificate file {missing} not found",
        "a relative credential.path is relative to the profiles file",
    )
    assert error(tmp_path) == (f"{tmp_path} is a directory, not a certificate file", None)


def test_bytes_from_key_vault_use_the_given_source() -> None:
    cert, key = make_cert("app")
    loaded = load_certificate_bytes(key_pem(key) + cert_pem(cert), None, "Key Vault kv/app-cert")
    assert loaded.source == "Key Vault kv/app-cert"
    with pytest.raises(CertificateError) as caught:
        load_certificate_bytes(cert_pem(cert), None, "Key Vault kv/app-cert")
    assert caught.value.message == "Key Vault kv/app-cert holds a certificate but no private key"


def test_repr_shows_no_key_material(tmp_path: Path) -> None:
    cert, key = make_cert("app", extra_names=CONTOSO)
    loaded = load_certificate_file(write_pem(tmp_path / "app.pem", cert, key), None)
    text = repr(loaded)
    assert (
        text == f"LoadedCertificate(thumbprint={sha1(cert)}, subject='CN=app, O=Contoso', source='{tmp_path}/app.pem')"
    )
    assert str(loaded) == text
    numbers = key.private_numbers()
    for secret in (str(numbers.d), str(numbers.p), f"{numbers.d:x}", "PRIVATE KEY"):
        assert secret not in text


def test_subject_is_shown_as_dotnet_shows_it() -> None:
    def rdn(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.RelativeDistinguishedName:
        return x509.RelativeDistinguishedName([x509.NameAttribute(oid, value) for oid, value in attributes])

    name = x509.Name(
        [
            rdn((NameOID.COUNTRY_NAME, "US")),
            rdn((NameOID.STATE_OR_PROVINCE_NAME, "WA")),
            rdn((NameOID.ORGANIZATION_NAME, "Contoso, Ltd")),
            rdn((NameOID.COMMON_NAME, "app"), (NameOID.EMAIL_ADDRESS, "a@b.c")),
            rdn((NameOID.USER_ID, 'say "hi"')),
        ]
    )
    assert dotnet_name(name) == (
        'OID.0.9.2342.19200300.100.1.1="say ""hi""", CN=app+E=a@b.c, O="Contoso, Ltd", S=WA, C=US'
    )
    assert parse_dn(dotnet_name(name))[::-1] == parse_dn(r"C=us,S=wa,O=Contoso\, Ltd,CN=app+E=a@b.c,UID=say \"hi\"")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CN=app, O=Contoso", ((("CN", "app"),), (("O", "contoso"),))),
        ("  cn = App ;o=CONTOSO ", ((("CN", "app"),), (("O", "contoso"),))),
        (r"CN=app,O=Contoso\, Ltd", ((("CN", "app"),), (("O", "contoso, ltd"),))),
        ('CN=app, O="Contoso, ""Ltd"""', ((("CN", "app"),), (("O", 'contoso, "ltd"'),))),
        ("E=a@b.c+CN=app, ST=WA, OID.2.5.4.10=X", ((("CN", "app"), ("E", "a@b.c")), (("S", "wa"),), (("O", "x"),))),
        ("CN=a=b", ((("CN", "a=b"),),)),
    ],
)
def test_parse_dn(text: str, expected: tuple[tuple[tuple[str, str], ...], ...]) -> None:
    assert parse_dn(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "it is empty"), ("app", "'app' has no '='"), ("=app", "an attribute has no name before '='"),
     ('CN="app', "a quote is not closed")],
)  # fmt: skip
def test_parse_dn_errors(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=f"^{problem}$"):
        parse_dn(text)


def test_files_cut_short_are_called_damaged(tmp_path: Path) -> None:
    cert, key = make_cert("app")
    key_cut, cert_cut = tmp_path / "key-cut.pem", tmp_path / "cert-cut.pem"
    key_cut.write_bytes(cert_pem(cert) + key_pem(key)[:-60])
    cert_cut.write_bytes(key_pem(key) + cert_pem(cert)[:-80])
    pfx = write_pfx(tmp_path / "whole.pfx", cert, key, password="hunter2").read_bytes()
    pfx_cut = tmp_path / "cut.pfx"
    pfx_cut.write_bytes(pfx[: len(pfx) // 2])
    assert error(key_cut)[0] == f"the private key in {key_cut} is damaged (its END line is missing: cut short?)"
    assert error(cert_cut)[0] == f"a certificate in {cert_cut} is damaged (cut short or altered)"
    assert error(pfx_cut, "hunter2")[0] == (
        f"the PFX file {pfx_cut} is damaged: {len(pfx) // 2} bytes where it declares {len(pfx)}"
    )


def test_a_named_pipe_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """Reading a FIFO without a writer blocks forever, beyond any deadline: it is refused instead."""
    import os
    import threading

    pipe = tmp_path / "cert.pem"
    os.mkfifo(pipe)
    caught: list[BaseException] = []

    def load() -> None:
        try:
            load_certificate_file(pipe, None)
        except BaseException as exc:
            caught.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "the certificate load blocked on a named pipe"
    assert isinstance(caught[0], CertificateError)
    assert (caught[0].message, caught[0].hint) == (
        f"{pipe} is a named pipe (FIFO), not a certificate file",
        "give a PEM or PFX file: pipes, devices and sockets are not read",
    )
