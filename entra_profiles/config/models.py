"""The profile file format, version 1, as frozen pydantic models.

`Profile` is a profile after inheritance (defaults < extends chain < itself). What a person writes
under `defaults`, `templates` and `profiles` is a partial profile (see `partial.py`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from entra_profiles.config.fields import (
    AppOnlyScope,
    DnsSuffix,
    Duration,
    Guid,
    HttpsUrl,
    Name,
    Tenant,
    Thumbprint,
    duration_seconds,
)

DEFAULT_AUDIENCE = "api://AzureADTokenExchange"
SECRET_FIELDS = frozenset({"secret", "password"})  # fields whose values are never shown


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True, defer_build=True)


class ClientSecret(Model):
    """An app registration's client secret (its value, not its id)."""

    type: Literal["client_secret"]
    secret: SecretStr


class Certificate(Model):
    """A certificate: from a store by thumbprint or subject, from a file, or from Key Vault."""

    type: Literal["certificate"]
    thumbprint: Thumbprint | None = None
    subject: str | None = None
    path: str | None = None
    keyvault: str | None = None
    password: SecretStr | None = None
    stores: list[str] | None = None
    send_certificate_chain: bool = False

    @model_validator(mode="after")
    def _one_selector(self) -> Certificate:
        chosen = [k for k in ("thumbprint", "subject", "path", "keyvault") if getattr(self, k) is not None]
        if len(chosen) != 1:
            what = "none" if not chosen else " and ".join(chosen)
            raise ValueError(f"a certificate needs exactly one of thumbprint, subject, path, keyvault; got {what}")
        return self


class ManagedIdentity(Model):
    """System-assigned (no id) or user-assigned (one of client_id, object_id, resource_id)."""

    type: Literal["managed_identity"]
    client_id: Guid | None = None
    object_id: Guid | None = None
    resource_id: str | None = Field(default=None, pattern=r"^/subscriptions/[^/]+/")

    @model_validator(mode="after")
    def _at_most_one_id(self) -> ManagedIdentity:
        chosen = [k for k in ("client_id", "object_id", "resource_id") if getattr(self, k) is not None]
        if len(chosen) > 1:
            raise ValueError(
                f"a managed identity takes one of client_id, object_id, resource_id; got {' and '.join(chosen)}"
            )
        return self


class WorkloadIdentity(Model):
    """Workload identity federation: a CI's OIDC token exchanged for an Entra token."""

    type: Literal["workload_identity"]
    token_file: str | None = None
    github: Literal[True] | None = None
    azure_pipelines: Literal[True] | None = None
    service_connection_id: str | None = None
    audience: str = DEFAULT_AUDIENCE

    @model_validator(mode="after")
    def _one_source(self) -> WorkloadIdentity:
        chosen = [k for k in ("token_file", "github", "azure_pipelines") if getattr(self, k) is not None]
        if len(chosen) != 1:
            what = "none" if not chosen else " and ".join(chosen)
            raise ValueError(
                f"workload identity needs exactly one of token_file, github: true, azure_pipelines: true; got {what}"
            )
        if self.azure_pipelines and not self.service_connection_id:
            raise ValueError(
                "azure_pipelines: true needs service_connection_id, the id of the Azure Resource Manager service "
                "connection whose federated credential the pipeline uses"
            )
        if self.service_connection_id and not self.azure_pipelines:
            raise ValueError("service_connection_id applies to azure_pipelines: true only")
        return self


Credential = Annotated[ClientSecret | Certificate | ManagedIdentity | WorkloadIdentity, Field(discriminator="type")]
CREDENTIAL_TYPES: dict[str, type[Model]] = {
    "client_secret": ClientSecret,
    "certificate": Certificate,
    "managed_identity": ManagedIdentity,
    "workload_identity": WorkloadIdentity,
}


KEYVAULT_CREDENTIAL_PATTERN = (
    r"^(profile:[A-Za-z0-9][A-Za-z0-9_-]*|managed_identity(:[^\s]+)?|workload_identity|environment)$"
)
KeyVaultCredential = Annotated[str, Field(pattern=KEYVAULT_CREDENTIAL_PATTERN)]


class Expect(Model):
    """What a connection must be: each expectation becomes a check, `pass`, `warn`, `fail` or `skipped`."""

    require_roles: list[str] | None = Field(
        default=None, description="Application permissions the token must carry (e.g. User.Read.All)."
    )
    roles: list[str] | None = Field(default=None, description="The older name of require_roles.")
    forbid_roles: list[str] | None = Field(
        default=None,
        description="Application permissions the token must not carry; globs allowed (*.ReadWrite.All).",
    )
    credential_valid_for: Duration | None = Field(
        default=None, description="The credential in use must stay valid this long (30d, 2w, 12h)."
    )
    warn_within: Duration | None = Field(
        default=None, description="Warn when the credential in use ends within this (longer) span."
    )
    tenant: str | None = Field(default=None, description="The tenant's expected display name, verified domain or id.")
    token_lifetime_min: Duration | None = Field(
        default=None, description="Each token must be valid at least this long when it comes (45m, 1h)."
    )

    @model_validator(mode="after")
    def _coherent(self) -> Expect:
        if self.roles is not None and self.require_roles is not None:
            raise ValueError(
                "both require_roles and roles are given (here or inherited); roles is the older name of "
                "require_roles: keep one name"
            )
        valid_for, warn = self.credential_valid_for, self.warn_within
        if valid_for is not None and warn is not None and duration_seconds(warn) <= duration_seconds(valid_for):
            raise ValueError(
                f"warn_within ({warn}) must be longer than credential_valid_for ({valid_for}): a credential "
                "ending within credential_valid_for fails, one ending later but within warn_within warns"
            )
        return self

    @property
    def required_roles(self) -> list[str]:
        return list(self.require_roles or self.roles or [])


class CustomCloud(Model):
    """A cloud other than the built-in ones (Azure Stack, a private test environment)."""

    authority_host: HttpsUrl
    graph_endpoint: HttpsUrl
    keyvault_suffix: DnsSuffix
    ca_bundle: str | None = None
    managed_identity_endpoint: str | None = Field(default=None, pattern=r"^https?://")


class Profile(Model):
    """One connection: a tenant, an app (or managed identity), a credential and a cloud."""

    tenant: Tenant
    client_id: Guid | None = None
    cloud: str = "Global"
    credential: Credential
    scopes: list[AppOnlyScope] | None = None
    tags: list[Name] = []
    extends: str | list[str] | None = None
    description: str | None = None
    expect: Expect | None = None
    probe: bool = False
    keyvault_credential: KeyVaultCredential | None = None
    subscription_id: Guid | None = Field(
        default=None,
        description="The Azure subscription tools act on: exported as ARM_SUBSCRIPTION_ID (azurerm 4 requires it) "
        "and AZURE_SUBSCRIPTION_ID.",
    )

    @field_validator("scopes")
    @classmethod
    def _scopes_given(cls, scopes: list[str] | None) -> list[str] | None:
        if scopes is not None and not scopes:
            raise ValueError("scopes is empty: leave it out for the cloud's Graph, or give RESOURCE/.default")
        return scopes

    @model_validator(mode="after")
    def _client_id_needed(self) -> Profile:
        if self.client_id is None and not isinstance(self.credential, ManagedIdentity):
            raise ValueError(f"client_id is required for a {self.credential.type} credential")
        return self


class ProfileFile(Model):
    """The whole file as written (top level)."""

    version: Literal[1]
    keyvault_credential: KeyVaultCredential | None = None
    defaults: dict[str, Any] = {}
    templates: dict[Name, dict[str, Any]] = {}
    clouds: dict[Name, CustomCloud] = {}
    groups: dict[Name, list[str]] = {}
    profiles: dict[Name, dict[str, Any]] = {}
