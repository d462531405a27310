"""The example world: `example-seed.yaml` plus the certificates it names, generated at run time."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from .info import write_private
from .pki import ClientCert, make_client_cert, thumbprints

SEED_FILE = Path(__file__).with_name("example-seed.yaml")
PFX_PASSWORD = "sandbox-pfx-password"
MANIFEST = "manifest.json"  # written last: the files of a complete world and their SHA-256
MANIFEST_VERSION = 1
EXPIRED = "contoso-expired"


@dataclass(frozen=True)
class ExampleWorld:
    """Where `write_example` put things; `certs` maps a name to its key material (under keys/)."""

    seed: Path
    certs: dict[str, ClientCert]


# name -> (subject, PFX/PEM password)
SPECS: dict[str, tuple[str, str | None]] = {
    "contoso-automation": ("CN=Contoso Automation", None),
    "contoso-automation-pfx": ("CN=Contoso Automation PFX", PFX_PASSWORD),
    EXPIRED: ("CN=Contoso Expired", None),
    "unregistered": ("CN=Contoso Automation", None),
    "automation": ("CN=automation.contoso.com", None),
}
PUBLIC_COPIES = {  # DIR/certs/NAME -> (certificate, which of its files)
    "contoso-automation.pem": ("contoso-automation", "cert_pem"),
    "contoso-automation-pfx.pem": ("contoso-automation-pfx", "cert_pem"),
    "contoso-expired.pem": (EXPIRED, "cert_pem"),
    "automation.pfx": ("automation", "pfx"),
    "automation-bundle.pem": ("automation", "pem"),
}


def write_example(directory: Path, *, reuse: bool = False) -> ExampleWorld:
    """Write DIR/seed.yaml, DIR/certs/*.pem|pfx (public certificates, vault files) and DIR/keys/*.

    Certificates: `contoso-automation` (PEM key, no password), `contoso-automation-pfx` (password
    PFX_PASSWORD), `contoso-expired` (expired, registered), `unregistered` (valid, not registered) and
    `automation` (stored in the vault as PFX and as a PEM bundle).

    `reuse=True` keeps the certificates a previous call wrote to DIR when they are all there, unchanged
    and valid for at least another day (see `load_example`): a sandbox seeded from them keeps working.
    """
    if reuse:
        existing = load_example(directory)
        if existing is not None:
            return existing
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds private keys
    (directory / MANIFEST).unlink(missing_ok=True)  # incomplete until it is written again
    keys, certs_dir = directory / "keys", directory / "certs"
    certs_dir.mkdir(mode=0o700, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    certs = {}
    for name, (subject, password) in SPECS.items():
        expired = name == EXPIRED
        before, after = (now - dt.timedelta(days=400), now - dt.timedelta(days=30)) if expired else (None, None)
        certs[name] = make_client_cert(keys, name, subject, not_before=before, not_after=after, password=password)
    for copy, (name, which) in PUBLIC_COPIES.items():
        shutil.copyfile(getattr(certs[name], which), certs_dir / copy)
    seed = directory / "seed.yaml"
    shutil.copyfile(SEED_FILE, seed)
    files = sorted([*(p for c in certs.values() for p in (c.pem, c.cert_pem, c.pfx)), *certs_dir.iterdir()])
    manifest = {"version": MANIFEST_VERSION, "files": {str(p.relative_to(directory)): _sha256(p) for p in files}}
    write_private(directory / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return ExampleWorld(seed, certs)


def load_example(directory: Path) -> ExampleWorld | None:
    """The example world a previous `write_example` left in DIR, or None when any file is missing or
    changed, or a certificate meant to be valid expires within a day. Its seed.yaml is brought up to date."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        listed: dict[str, str] = manifest["files"]
        if manifest.get("version") != MANIFEST_VERSION or not isinstance(listed, dict):
            return None
        wanted = {f"keys/{n}{suffix}" for n in SPECS for suffix in (".pem", ".cer.pem", ".pfx")}
        wanted |= {f"certs/{name}" for name in PUBLIC_COPIES}
        if set(listed) != wanted or any(_sha256(directory / rel) != digest for rel, digest in listed.items()):
            return None
        certs = {name: _client_cert(directory / "keys", name, password) for name, (_, password) in SPECS.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    for name, cert in certs.items():
        if name != EXPIRED and x509.load_pem_x509_certificate(cert.cert_pem.read_bytes()).not_valid_after_utc < soon:
            return None
    seed = directory / "seed.yaml"
    if not seed.is_file() or seed.read_bytes() != SEED_FILE.read_bytes():
        shutil.copyfile(SEED_FILE, seed)
    return ExampleWorld(seed, certs)


def _client_cert(keys: Path, name: str, password: str | None) -> ClientCert:
    cert_pem = keys / f"{name}.cer.pem"
    sha1, sha256 = thumbprints(x509.load_pem_x509_certificate(cert_pem.read_bytes()))
    return ClientCert(keys / f"{name}.pem", cert_pem, keys / f"{name}.pfx", sha1, sha256, password)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
