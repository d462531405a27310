"""The seed file: the sandbox's world (tenants, apps, managed identities, vaults, CI issuer, faults)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

VERSION_RE = re.compile(r"^[0-9a-f]{32}$")
DURATION_RE = re.compile(r"^(-?)(\d{1,6})([smhd])$")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
Endpoint = Literal["token", "discovery", "managed_identity", "keyvault", "graph", "arm", "oidc", "all"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def duration_seconds(text: str) -> int:
    """Seconds in a seed duration: `10d`, `12h`, `30m`, `45s`, or negative (`-3d`: in the past)."""
    found = DURATION_RE.match(text)
    if found is None:
        raise ValueError(f"'{text}' is not a duration such as 10d, 12h, 30m, 45s or -3d")
    sign, number, unit = found.groups()
    return (-1 if sign else 1) * int(number) * DURATION_UNITS[unit]


class _Expiring(_Model):
    """An end date given as a date-time (`expires`) or relative to the sandbox's start (`expires_in`)."""

    expires: dt.datetime | None = None
    expires_in: str | None = None  # 10d, 12h, 30m, 45s; -3d: expired three days before the start

    @field_validator("expires_in")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            duration_seconds(value)
        return value

    @model_validator(mode="after")
    def _one_end_date(self) -> _Expiring:
        if self.expires is not None and self.expires_in is not None:
            raise ValueError("give expires or expires_in, not both")
        return self

    def end(self, started: dt.datetime) -> dt.datetime | None:
        """The end date, with `expires_in` counted from `started`."""
        if self.expires_in is not None:
            return started + dt.timedelta(seconds=duration_seconds(self.expires_in))
        if self.expires is not None and self.expires.tzinfo is None:
            return self.expires.replace(tzinfo=dt.UTC)
        return self.expires


class AppSecret(_Expiring):
    value: SecretStr
    not_before: dt.datetime | None = None
    display_name: str | None = None
    key_id: str | None = None  # Graph passwordCredentials[].keyId; generated when absent


class AppCertificate(_Expiring):
    """A registered certificate (key credential); its end date defaults to the certificate's NotAfter."""

    file: str  # public certificate PEM, relative to the seed file (several certificates allowed)
    display_name: str | None = None  # default: the certificate's subject
    key_id: str | None = None  # Graph keyCredentials[].keyId; generated when absent


class FederatedCredential(_Model):
    issuer: str  # an issuer URL, or `sandbox-ci` for the sandbox's own CI issuer
    subject: str
    audience: str = "api://AzureADTokenExchange"
    name: str | None = None


class App(_Model):
    client_id: str
    display_name: str = ""
    object_id: str | None = None  # the service principal's object id (the token's `oid`)
    disabled: bool = False
    secrets: list[AppSecret] = []
    certificates: list[str | AppCertificate] = []  # PEM files relative to the seed file, or {file: ..., ...}
    roles: dict[str, list[str]] = {}  # resource (e.g. https://graph.microsoft.com) -> app roles
    federated_credentials: list[FederatedCredential] = []
    identifier_uris: list[str] = []  # the app's own API (api://...): tokens may be requested for it

    def certificate_entries(self) -> list[AppCertificate]:
        return [c if isinstance(c, AppCertificate) else AppCertificate(file=c) for c in self.certificates]


class ManagedIdentity(_Model):
    system: bool = False
    client_id: str | None = None
    object_id: str | None = None
    resource_id: str | None = None
    display_name: str | None = None
    roles: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _user_assigned_needs_client_id(self) -> ManagedIdentity:
        if not self.system and not self.client_id:
            raise ValueError("a user-assigned managed identity needs client_id")
        return self


class SecretVersion(_Model):
    """One version of a Key Vault secret: exactly one of value, pfx_file, pem_file."""

    value: SecretStr | None = None
    pfx_file: str | None = None  # served base64 with contentType application/x-pkcs12
    pem_file: str | None = None  # served as text with contentType application/x-pem-file
    content_type: str | None = None
    enabled: bool = True
    expires: dt.datetime | None = None
    not_before: dt.datetime | None = None
    version: str | None = None  # 32 lower-case hex digits; generated (stable) when absent
    tags: dict[str, str] = {}

    @field_validator("version")
    @classmethod
    def _hex_version(cls, value: str | None) -> str | None:
        if value is not None and not VERSION_RE.match(value):
            raise ValueError("a secret version is 32 lower-case hex digits")
        return value


class VaultSecret(SecretVersion):
    versions: list[SecretVersion] = []  # oldest first; the last one is the current version

    @model_validator(mode="after")
    def _one_source(self) -> VaultSecret:
        sources = [s for s in (self.value, self.pfx_file, self.pem_file) if s is not None]
        if self.versions and sources:
            raise ValueError("give either versions or a value, not both")
        if not self.versions and len(sources) != 1:
            raise ValueError("a secret needs exactly one of value, pfx_file, pem_file")
        for version in self.versions:
            if sum(s is not None for s in (version.value, version.pfx_file, version.pem_file)) != 1:
                raise ValueError("each version needs exactly one of value, pfx_file, pem_file")
        return self

    def all_versions(self) -> list[SecretVersion]:
        return list(self.versions) or [self]


class Vault(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9-]{3,24}$")
    readers: list[str] = []  # client ids or object ids
    secrets: dict[str, VaultSecret] = {}
    refuse_expired: bool = False  # real Key Vault serves expired secrets; set to refuse them (403)

    @field_validator("secrets", mode="before")
    @classmethod
    def _plain_values(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"value": v} if isinstance(v, str) else v for k, v in value.items()}
        return value


class Subscription(_Model):
    """An Azure subscription of the tenant, as ARM lists it to the principals that have a role on it."""

    id: str = Field(pattern=GUID_PATTERN)
    display_name: str = ""
    state: Literal["Enabled", "Warned", "PastDue", "Disabled", "Deleted"] = "Enabled"
    principals: list[str] = []  # client ids or object ids of apps and managed identities with a role on it


class Tenant(_Model):
    id: str
    domains: list[str] = []
    display_name: str = ""
    apps: list[App] = []
    managed_identities: list[ManagedIdentity] = []
    vaults: list[Vault] = []
    subscriptions: list[Subscription] = []
    resources: list[str] = []  # other APIs of the tenant (identifier URIs or app ids) tokens may be issued for


class CiIssuer(_Model):
    subject: str = "repo:contoso/infra:ref:refs/heads/main"
    lifetime_seconds: int = Field(default=300, ge=10, le=3600)


class FaultRule(_Model):
    action: Literal["status", "reset", "slow", "latency", "trickle", "malformed", "tamper", "redirect"]
    endpoint: Endpoint = "all"
    client_id: str | None = None
    path: str | None = None  # only requests whose path starts with this (case-insensitive), e.g. /TENANT/
    status: int = Field(default=503, ge=400, le=599)
    retry_after: int | None = None  # seconds, sent as Retry-After (default 1 for 429)
    delay_ms: int = Field(default=1000, ge=0, le=120_000)  # slow, latency; trickle: between bytes
    count: int | None = Field(default=None, ge=1)  # the next N matching requests
    fraction: float | None = Field(default=None, ge=0.0, le=1.0)  # or this share of them
    body: Literal["html", "not_json", "empty", "truncated"] = "not_json"  # for malformed
    token: Literal["not_jwt", "wrong_audience", "wrong_tenant", "expired", "no_expires_in"] = "not_jwt"  # tamper
    location: str = "https://127.0.0.1:1/redirected"  # for redirect (307)


class Faults(_Model):
    latency_ms: int = Field(default=0, ge=0, le=60_000)  # added to every request
    random_seed: int = 0
    rules: list[FaultRule] = []


class Seed(_Model):
    tenants: list[Tenant] = []
    # Graph resources of custom clouds whose Graph host is not https://graph.DOMAIN (those are Graph
    # aliases already): the sandbox's Graph accepts their tokens, with the roles granted for Graph.
    graph_aliases: list[str] = []
    ci: CiIssuer = CiIssuer()
    faults: Faults = Faults()


def load_seed(source: Path | dict[str, Any] | None) -> Seed:
    """Parse a seed file (YAML), a dict, or nothing (an empty world)."""
    if source is None:
        return Seed()
    if isinstance(source, dict):
        return Seed.model_validate(source)
    data = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}
    return Seed.model_validate(data)
