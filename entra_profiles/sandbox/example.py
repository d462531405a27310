"""The example world: `example-seed.yaml` plus the certificates it names, generated at run time."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from .pki import ClientCert, make_client_cert

SEED_FILE = Path(__file__).with_name("example-seed.yaml")
PFX_PASSWORD = "sandbox-pfx-password"


@dataclass(frozen=True)
class ExampleWorld:
    """Where `write_example` put things; `certs` maps a name to its key material (under keys/)."""

    seed: Path
    certs: dict[str, ClientCert]


def write_example(directory: Path) -> ExampleWorld:
    """Write DIR/seed.yaml, DIR/certs/*.pem|pfx (public certificates, vault files) and DIR/keys/*.

    Certificates: `contoso-automation` (PEM key, no password), `contoso-automation-pfx` (password
    PFX_PASSWORD), `contoso-expired` (expired, registered), `unregistered` (valid, not registered) and
    `automation` (stored in the vault as PFX and as a PEM bundle).
    """
    directory.mkdir(parents=True, exist_ok=True)
    keys, certs_dir = directory / "keys", directory / "certs"
    certs_dir.mkdir(exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    certs = {
        "contoso-automation": make_client_cert(keys, "contoso-automation", "CN=Contoso Automation"),
        "contoso-automation-pfx": make_client_cert(
            keys, "contoso-automation-pfx", "CN=Contoso Automation PFX", password=PFX_PASSWORD
        ),
        "contoso-expired": make_client_cert(
            keys,
            "contoso-expired",
            "CN=Contoso Expired",
            not_before=now - dt.timedelta(days=400),
            not_after=now - dt.timedelta(days=30),
        ),
        "unregistered": make_client_cert(keys, "unregistered", "CN=Contoso Automation"),
        "automation": make_client_cert(keys, "automation", "CN=automation.contoso.com"),
    }
    for name in ("contoso-automation", "contoso-automation-pfx", "contoso-expired"):
        shutil.copyfile(certs[name].cert_pem, certs_dir / f"{name}.pem")
    shutil.copyfile(certs["automation"].pfx, certs_dir / "automation.pfx")
    shutil.copyfile(certs["automation"].pem, certs_dir / "automation-bundle.pem")
    seed = directory / "seed.yaml"
    shutil.copyfile(SEED_FILE, seed)
    return ExampleWorld(seed, certs)
