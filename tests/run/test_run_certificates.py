"""`run` with certificates: files, stores (thumbprint, subject), Key Vault, and what users get wrong."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from runsupport import AUTOMATION, RunProfiles, by_name

from entra_profiles.sandbox.example import PFX_PASSWORD, ExampleWorld
from entra_profiles.sandbox.pki import make_client_cert


def cert_profile(name: str, credential: str) -> str:
    return f"""  {name}:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {credential}
"""


def test_certificate_files_pem_encrypted_pem_pfx_and_chain(run_profiles: RunProfiles, world: ExampleWorld) -> None:
    main, protected = world.certs["contoso-automation"], world.certs["contoso-automation-pfx"]
    profiles = (
        cert_profile("pem", f'{{type: certificate, path: "{main.pem}"}}')
        + cert_profile("pem-chain", f'{{type: certificate, path: "{main.pem}", send_certificate_chain: true}}')
        + cert_profile("encrypted-pem", f'{{type: certificate, path: "{protected.pem}", password: "${{env:PW}}"}}')
        + cert_profile("pfx", f'{{type: certificate, path: "{protected.pfx}", password: "${{env:PW}}"}}')
    )
    r = run_profiles(profiles, "--format", "json", env={"PW": PFX_PASSWORD})
    assert r.code == 0, r.out
    got = by_name(r)
    assert got["pem"]["context"]["CertificateThumbprint"] == main.thumbprint
    assert got["pem"]["context"]["CertificateSubjectName"] == "CN=Contoso Automation"
    assert got["pfx"]["context"]["CertificateName"] == "CN=Contoso Automation PFX"  # the seed's name, the one used
    assert got["pfx"]["context"]["Account"] is None  # app-only
    assert got["pem-chain"]["context"]["SendCertificateChain"] is True
    assert got["pfx"]["context"]["CertificateThumbprint"] == protected.thumbprint
    assert got["encrypted-pem"]["context"]["TokenCredentialType"] == "ClientCertificate"
    assert PFX_PASSWORD not in r.out + r.err


def test_wrong_pfx_password_and_missing_file(run_profiles: RunProfiles, world: ExampleWorld, tmp_path: Path) -> None:
    protected = world.certs["contoso-automation-pfx"]
    profiles = cert_profile("pfx", f'{{type: certificate, path: "{protected.pfx}", password: not-it}}') + cert_profile(
        "missing", "{type: certificate, path: certs/none.pem}"
    )
    got = by_name(run_profiles(profiles, "--format", "json"))
    assert got["pfx"]["error"] == {
        "code": "certificate",
        "message": f"wrong password for PFX file {protected.pfx}",
        "hint": "check credential.password",
    }
    assert got["missing"]["error"]["message"] == f"certificate file {tmp_path}/certs/none.pem not found"


def test_unregistered_certificate(run_profiles: RunProfiles, world: ExampleWorld) -> None:
    r = run_profiles(
        cert_profile("c", f'{{type: certificate, path: "{world.certs["unregistered"].pem}"}}'), "--format", "json"
    )
    assert by_name(r)["c"]["error"]["code"] == "AADSTS700027"
    assert by_name(r)["c"]["error"]["hint"].startswith("upload the certificate's public part")


def test_store_by_pasted_thumbprint_with_spaces_and_invisible_mark(
    run_profiles: RunProfiles, world: ExampleWorld, tmp_path: Path
) -> None:
    main = world.certs["contoso-automation"]
    store = tmp_path / "store"
    store.mkdir()
    shutil.copyfile(main.pfx, store / f"{main.thumbprint}.pfx")
    pasted = "\u200e" + " ".join(main.thumbprint[i : i + 2].lower() for i in range(0, 40, 2))
    profiles = cert_profile("t", f'{{type: certificate, thumbprint: "{pasted}", stores: [store]}}')
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out
    assert by_name(r)["t"]["context"]["CertificateThumbprint"] == main.thumbprint


def test_dotnet_store_under_home_and_env_store(run_profiles: RunProfiles, world: ExampleWorld, tmp_path: Path) -> None:
    main = world.certs["contoso-automation"]
    home = tmp_path / "home"
    dotnet = home / ".dotnet/corefx/cryptography/x509stores/my"
    dotnet.mkdir(parents=True)
    shutil.copyfile(main.pfx, dotnet / f"{main.thumbprint}.pfx")
    profiles = cert_profile("t", f"{{type: certificate, thumbprint: {main.thumbprint}}}")
    assert run_profiles(profiles, env={"HOME": str(home)}).code == 0
    env_store = tmp_path / "env-store"
    env_store.mkdir()
    shutil.copyfile(main.pem, env_store / "automation.pem")
    r = run_profiles(profiles, env={"HOME": str(tmp_path / "empty"), "ENTRA_PROFILES_CERT_STORE": str(env_store)})
    assert r.code == 0, r.out


def test_two_certificates_with_one_subject_newest_wins_and_expired_is_explained(
    run_profiles: RunProfiles, world: ExampleWorld, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    now = dt.datetime.now(dt.UTC)
    older = make_client_cert(tmp_path / "k", "older", "CN=Contoso Automation", not_before=now - dt.timedelta(days=9))
    shutil.copyfile(older.pem, store / "older.pem")
    shutil.copyfile(world.certs["contoso-automation"].pem, store / "newer.pem")  # NotBefore: an hour ago
    profiles = cert_profile("s", "{type: certificate, subject: 'cn=contoso automation', stores: [store]}")
    r = run_profiles(profiles, "--format", "json")
    assert by_name(r)["s"]["context"]["CertificateThumbprint"] == world.certs["contoso-automation"].thumbprint

    expired_store = tmp_path / "expired"
    expired_store.mkdir()
    expired = world.certs["contoso-expired"]
    shutil.copyfile(expired.pem, expired_store / "a.pem")
    gone = make_client_cert(
        tmp_path / "k",
        "gone",
        "CN=Contoso Expired",
        not_before=now - dt.timedelta(days=90),
        not_after=now - dt.timedelta(days=60),
    )
    shutil.copyfile(gone.pem, expired_store / "b.pem")
    profiles = cert_profile("e", "{type: certificate, subject: CN=Contoso Expired, stores: [expired]}")
    r = run_profiles(profiles, "--format", "json", env={"HOME": str(tmp_path / "nohome")})
    dates = " and ".join(
        sorted(d.strftime("%Y-%m-%d") for d in (now - dt.timedelta(days=60), now - dt.timedelta(days=30)))
    )
    assert by_name(r)["e"]["error"] == {
        "code": "certificate_not_found",
        "message": f"no valid certificate with subject CN=Contoso Expired in 1 store ({expired_store}): "
        f"2 certificates with that subject, both expired (on {dates})",
        "hint": "renew the certificate and upload its public part to the app registration",
    }


def test_certificate_from_key_vault_pfx_and_pem(run_profiles: RunProfiles, world: ExampleWorld) -> None:
    vault = "https://contoso-ops.vault.azure.net/secrets"
    profiles = cert_profile("kv-pfx", f"{{type: certificate, keyvault: {vault}/automation-cert}}") + cert_profile(
        "kv-pem", f"{{type: certificate, keyvault: {vault}/automation-cert-pem}}"
    )
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out
    for name in ("kv-pfx", "kv-pem"):
        context = by_name(r)[name]["context"]
        assert context["CertificateThumbprint"] == world.certs["automation"].thumbprint
        assert context["CertificateSubjectName"] == context["CertificateName"] == "CN=automation.contoso.com"
