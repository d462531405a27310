"""The seed turned into lookups: tenants by id or domain, apps, certificates, identities, vault secrets."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from .pki import thumbprints
from .seed import App, ManagedIdentity, SecretVersion, Seed, Tenant, Vault

NAMESPACE = uuid.UUID("5b0c6f1e-8d7a-4c52-9e0d-3f1a2b4c6d8e")


def stable_id(*parts: str) -> str:
    """A GUID derived from names, so every run of a seed gives the same ids."""
    return str(uuid.uuid5(NAMESPACE, "/".join(p.lower() for p in parts)))


def utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Cert:
    cert: x509.Certificate
    sha1: str
    sha256: str


@dataclass(frozen=True)
class Principal:
    """An app's service principal or a managed identity: what a token is issued to."""

    tenant: Tenant
    client_id: str
    object_id: str
    display_name: str
    roles: dict[str, list[str]]
    disabled: bool = False
    app: App | None = None
    identity: ManagedIdentity | None = None
    certs: tuple[Cert, ...] = ()
    app_object_id: str = ""


@dataclass(frozen=True)
class SecretItem:
    version: str
    content: str
    content_type: str | None
    spec: SecretVersion
    created: int


@dataclass
class World:
    seed: Seed
    tenants: dict[str, Tenant] = field(default_factory=dict)  # by lower-case id and domain
    principals: dict[tuple[str, str], Principal] = field(default_factory=dict)  # (tid, client_id)
    identities: list[Principal] = field(default_factory=list)  # managed identities, seed order
    vaults: dict[str, tuple[Tenant, Vault]] = field(default_factory=dict)
    secrets: dict[tuple[str, str], list[SecretItem]] = field(default_factory=dict)  # (vault, name)

    def tenant(self, name: str) -> Tenant | None:
        return self.tenants.get(name.lower())

    def principal(self, tenant: Tenant, client_id: str) -> Principal | None:
        return self.principals.get((tenant.id.lower(), client_id.lower()))

    def identity(self, kind: str | None, value: str | None) -> Principal | None:
        """The managed identity selected by client_id / object_id / resource_id, or system-assigned."""
        for mi in self.identities:
            spec = mi.identity
            assert spec is not None
            if kind is None and spec.system:
                return mi
            if kind == "client_id" and value and mi.client_id.lower() == value.lower():
                return mi
            if kind == "object_id" and value and mi.object_id.lower() == value.lower():
                return mi
            if kind == "resource_id" and value and (spec.resource_id or "").lower() == value.lower():
                return mi
        return None


def _load_certs(app: App, base: Path) -> tuple[Cert, ...]:
    certs = []
    for name in app.certificates:
        for cert in x509.load_pem_x509_certificates((base / name).read_bytes()):
            sha1, sha256 = thumbprints(cert)
            certs.append(Cert(cert, sha1, sha256))
    return tuple(certs)


def _secret_items(vault: str, name: str, versions: list[SecretVersion], base: Path) -> list[SecretItem]:
    items = []
    for index, spec in enumerate(versions):
        if spec.pfx_file is not None:
            content = base64.b64encode((base / spec.pfx_file).read_bytes()).decode()
            content_type: str | None = spec.content_type or "application/x-pkcs12"
        elif spec.pem_file is not None:
            content = (base / spec.pem_file).read_text(encoding="utf-8")
            content_type = spec.content_type or "application/x-pem-file"
        else:
            assert spec.value is not None
            content, content_type = spec.value.get_secret_value(), spec.content_type
        version = spec.version or uuid.UUID(stable_id("secret", vault, name, str(index))).hex
        items.append(SecretItem(version, content, content_type, spec, 1_700_000_000 + index * 86_400))
    return items


def build_world(seed: Seed, base: Path) -> World:
    """Index a seed; certificate and secret files are read relative to `base`."""
    world = World(seed)
    for tenant in seed.tenants:
        for name in [tenant.id, *tenant.domains]:
            world.tenants[name.lower()] = tenant
        for app in tenant.apps:
            world.principals[(tenant.id.lower(), app.client_id.lower())] = Principal(
                tenant=tenant,
                client_id=app.client_id,
                object_id=app.object_id or stable_id("sp", tenant.id, app.client_id),
                display_name=app.display_name,
                roles=app.roles,
                disabled=app.disabled,
                app=app,
                certs=_load_certs(app, base),
                app_object_id=stable_id("app", tenant.id, app.client_id),
            )
        for mi in tenant.managed_identities:
            seed_id = mi.object_id or mi.client_id or "system"
            principal = Principal(
                tenant=tenant,
                client_id=mi.client_id or stable_id("mi-client", tenant.id, seed_id),
                object_id=mi.object_id or stable_id("mi-object", tenant.id, seed_id),
                display_name=mi.display_name or ("system-assigned" if mi.system else "user-assigned"),
                roles=mi.roles,
                identity=mi,
            )
            world.identities.append(principal)
            world.principals[(tenant.id.lower(), principal.client_id.lower())] = principal
        for vault in tenant.vaults:
            world.vaults[vault.name.lower()] = (tenant, vault)
            for name, secret in vault.secrets.items():
                items = _secret_items(vault.name, name, secret.all_versions(), base)
                world.secrets[(vault.name.lower(), name.lower())] = items
    return world
