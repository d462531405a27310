"""The seed turned into lookups: tenants by id or domain, apps, certificates, identities, vault secrets."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from pydantic import SecretStr

from .pki import thumbprints
from .resources import tenant_resources
from .seed import App, ManagedIdentity, SecretVersion, Seed, Subscription, Tenant, Vault

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
    """A registered certificate (an app's key credential) with its end date."""

    cert: x509.Certificate
    sha1: str
    sha256: str
    expires: dt.datetime  # the key credential's end: the seed's, else the certificate's NotAfter
    key_id: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class Secret:
    """A registered client secret (an app's password credential) with its end date resolved."""

    value: SecretStr
    expires: dt.datetime | None
    not_before: dt.datetime | None
    key_id: str
    display_name: str | None


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
    secrets: tuple[Secret, ...] = ()
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
    resources: dict[str, frozenset[str]] = field(default_factory=dict)  # lower tenant id -> its own resources
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))  # `expires_in` counts from here

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

    def home_tenant(self, client_id: str) -> Tenant | None:
        """The first tenant of the seed that registers the app: where Entra guesses a token for `/common` goes."""
        for (_, cid), principal in self.principals.items():
            if cid == client_id.lower() and principal.app is not None:
                return principal.tenant
        return None

    def subscriptions_of(self, tenant_id: str, *principal_ids: str) -> list[Subscription]:
        """The tenant's subscriptions on which one of `principal_ids` (client or object id) has a role."""
        tenant = self.tenant(tenant_id)
        ids = {p.lower() for p in principal_ids}
        if tenant is None:
            return []
        return [s for s in tenant.subscriptions if ids & {p.lower() for p in s.principals}]


def _load_certs(tenant: Tenant, app: App, base: Path, started: dt.datetime) -> tuple[Cert, ...]:
    certs = []
    for entry in app.certificate_entries():
        for cert in x509.load_pem_x509_certificates((base / entry.file).read_bytes()):
            sha1, sha256 = thumbprints(cert)
            certs.append(
                Cert(
                    cert,
                    sha1,
                    sha256,
                    expires=entry.end(started) or cert.not_valid_after_utc,
                    key_id=entry.key_id or stable_id("cert", tenant.id, app.client_id, sha1),
                    display_name=entry.display_name or cert.subject.rfc4514_string(),
                )
            )
    return tuple(certs)


def _secrets(tenant: Tenant, app: App, started: dt.datetime) -> tuple[Secret, ...]:
    return tuple(
        Secret(
            value=s.value,
            expires=s.end(started),
            not_before=utc(s.not_before),
            key_id=s.key_id or stable_id("secret", tenant.id, app.client_id, str(i)),
            display_name=s.display_name,
        )
        for i, s in enumerate(app.secrets)
    )


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
        world.resources[tenant.id.lower()] = tenant_resources(tenant)
        for app in tenant.apps:
            world.principals[(tenant.id.lower(), app.client_id.lower())] = Principal(
                tenant=tenant,
                client_id=app.client_id,
                object_id=app.object_id or stable_id("sp", tenant.id, app.client_id),
                display_name=app.display_name,
                roles=app.roles,
                disabled=app.disabled,
                app=app,
                certs=_load_certs(tenant, app, base, world.started),
                secrets=_secrets(tenant, app, world.started),
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
