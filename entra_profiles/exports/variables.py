"""Which environment variables a profile yields, per consumer (`--vars`).

- `azure-identity`: what `EnvironmentCredential`, `WorkloadIdentityCredential`,
  `ManagedIdentityCredential` and so `DefaultAzureCredential` read (Python, .NET, Java, JS, Go SDKs).
- `terraform`: the azurerm provider's `ARM_*` variables, `ARM_ENVIRONMENT` spelled as azurerm
  expects (public, usgovernment, china).
- `terraform-azuread`: the same, `ARM_ENVIRONMENT` spelled as azuread expects (global,
  usgovernmentl4, usgovernmentl5, china). Both providers read the one variable, so choose one.
- `all`: azure-identity and terraform.
"""

from __future__ import annotations

from entra_profiles.clouds import Cloud
from entra_profiles.config.models import Certificate, ClientSecret, ManagedIdentity, Profile, WorkloadIdentity
from entra_profiles.exports.base import ExportError, Variable
from entra_profiles.exports.material import Material
from entra_profiles.routing import Route

SETS = ("azure-identity", "terraform", "terraform-azuread")
ALL = ("azure-identity", "terraform")

AZURERM_ENVIRONMENT = {"Global": "public", "USGov": "usgovernment", "USGovDoD": "usgovernment", "China": "china"}
AZUREAD_ENVIRONMENT = {"Global": "global", "USGov": "usgovernmentl4", "USGovDoD": "usgovernmentl5", "China": "china"}

# Variables a set owns: exec removes inherited ones the profile does not set (an AZURE_CLIENT_SECRET
# left in the environment would win over a certificate), and sh/fish/powershell unset them.
AZURE_IDENTITY_OWNS = (
    "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST", "AZURE_USERNAME", "AZURE_PASSWORD",
    "AZURE_ACCESS_TOKEN", "AZURE_ACCESS_TOKEN_EXPIRES_ON",  # --token's: a stale one must not reach the command
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",  # a sandbox's or a custom cloud's IMDS must not outlive its profile
    "AZURE_SUBSCRIPTION_ID",
)  # fmt: skip
TERRAFORM_OWNS = (
    "ARM_TENANT_ID", "ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_CLIENT_CERTIFICATE_PATH", "ARM_CLIENT_CERTIFICATE",
    "ARM_CLIENT_CERTIFICATE_PASSWORD", "ARM_USE_MSI", "ARM_USE_OIDC", "ARM_OIDC_TOKEN", "ARM_OIDC_TOKEN_FILE_PATH",
    "ARM_OIDC_REQUEST_URL", "ARM_OIDC_REQUEST_TOKEN", "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", "ARM_ENVIRONMENT",
    "ARM_METADATA_HOSTNAME", "ARM_MSI_ENDPOINT",  # the profile's cloud decides where Terraform goes
    "ARM_SUBSCRIPTION_ID",
)  # fmt: skip


def parse_sets(text: str) -> tuple[str, ...]:
    """`azure-identity,terraform` → the sets, in order, each once; `all` stands for azure-identity,terraform."""
    from entra_profiles.errors import UsageError

    chosen: list[str] = []
    for word in (w.strip().lower() for w in text.split(",")):
        names = ALL if word == "all" else (word,)
        for name in names:
            if name not in SETS:
                raise UsageError(
                    f"unknown --vars set '{word}'", hint="choose from azure-identity, terraform, terraform-azuread, all"
                )
            if name not in chosen:
                chosen.append(name)
    if "terraform" in chosen and "terraform-azuread" in chosen:
        raise UsageError(
            "--vars terraform and terraform-azuread both set ARM_ENVIRONMENT; choose one",
            hint="terraform spells it as azurerm expects, terraform-azuread as azuread expects",
        )
    return tuple(chosen)


def owned(sets: tuple[str, ...]) -> tuple[str, ...]:
    names: list[str] = []
    for s in sets:
        names.extend(AZURE_IDENTITY_OWNS if s == "azure-identity" else TERRAFORM_OWNS)
    return tuple(dict.fromkeys(names))


def profile_variables(
    profile: Profile,
    cloud: Cloud,
    route: Route,
    sets: tuple[str, ...],
    material: Material,
    *,
    tenant_id: str,
    certificate_format: str = "pem",
) -> list[Variable]:
    """The variables of every chosen set, in set order, each name once. `tenant_id` is the tenant's GUID
    (see tenant.py); `certificate_format` what azure-identity's certificate path holds: pem or pfx."""
    found: dict[str, Variable] = {}
    for s in sets:
        if s == "azure-identity":
            made = azure_identity(profile, cloud, route, material, tenant_id, certificate_format)
            made += routed(profile, route)
        else:
            spelling = AZUREAD_ENVIRONMENT if s.endswith("azuread") else None
            made = terraform(profile, cloud, route, material, spelling, tenant_id)
        for v in made:
            found.setdefault(v.name, v)
    return list(found.values())


def azure_identity(
    profile: Profile, cloud: Cloud, route: Route, material: Material, tenant_id: str, certificate_format: str
) -> list[Variable]:
    spec = profile.credential
    out = [Variable("AZURE_TENANT_ID", tenant_id)]
    if isinstance(spec, ManagedIdentity):
        _user_assigned_by_client_id(spec)
        if spec.client_id:
            out.append(Variable("AZURE_CLIENT_ID", spec.client_id))
        # the endpoint comes from the machine (IMDS, App Service), or the sandbox (see routed())
        return out + _subscription("AZURE_SUBSCRIPTION_ID", profile)
    assert profile.client_id is not None
    out.append(Variable("AZURE_CLIENT_ID", profile.client_id))
    if isinstance(spec, ClientSecret):
        out.append(Variable("AZURE_CLIENT_SECRET", spec.secret.get_secret_value(), secret=True))
    elif isinstance(spec, Certificate):
        if certificate_format == "pfx":  # asked for: Python, .NET, Go and Java read it; Node and az do not
            path, password = material.pfx(spec)
            out.append(Variable("AZURE_CLIENT_CERTIFICATE_PATH", path))
            if password:
                out.append(Variable("AZURE_CLIENT_CERTIFICATE_PASSWORD", password, secret=True))
        else:
            out.append(Variable("AZURE_CLIENT_CERTIFICATE_PATH", material.pem(spec)))
        if spec.send_certificate_chain:  # azure-identity takes any non-empty value as true: never write "false"
            out.append(Variable("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true"))
    elif isinstance(spec, WorkloadIdentity):
        out.append(Variable("AZURE_FEDERATED_TOKEN_FILE", material.federated_token_file(spec)))
    if route.sandbox is not None:
        out.append(Variable("AZURE_AUTHORITY_HOST", route.sandbox.authority_host))
    elif cloud.name != "Global":
        out.append(Variable("AZURE_AUTHORITY_HOST", cloud.authority_host))
    return out + _subscription("AZURE_SUBSCRIPTION_ID", profile)


def terraform(
    profile: Profile, cloud: Cloud, route: Route, material: Material, spelling: dict[str, str] | None, tenant_id: str
) -> list[Variable]:
    spec = profile.credential
    out = [Variable("ARM_TENANT_ID", tenant_id)]
    if isinstance(spec, ManagedIdentity):
        _user_assigned_by_client_id(spec)
        out.append(Variable("ARM_USE_MSI", "true"))
        if spec.client_id:
            out.append(Variable("ARM_CLIENT_ID", spec.client_id))
    else:
        assert profile.client_id is not None
        out.append(Variable("ARM_CLIENT_ID", profile.client_id))
    if isinstance(spec, ClientSecret):
        out.append(Variable("ARM_CLIENT_SECRET", spec.secret.get_secret_value(), secret=True))
    elif isinstance(spec, Certificate):
        path, password = material.pfx(spec)
        out.append(Variable("ARM_CLIENT_CERTIFICATE_PATH", path))
        if password:
            out.append(Variable("ARM_CLIENT_CERTIFICATE_PASSWORD", password, secret=True))
    elif isinstance(spec, WorkloadIdentity):
        out.append(Variable("ARM_USE_OIDC", "true"))
        if spec.token_file:
            out.append(Variable("ARM_OIDC_TOKEN_FILE_PATH", material.federated_token_file(spec)))
        else:
            from entra_profiles.credentials.ci_tokens import oidc_request

            url, bearer = oidc_request(spec, route, material.environ)
            out.append(Variable("ARM_OIDC_REQUEST_URL", url))
            out.append(Variable("ARM_OIDC_REQUEST_TOKEN", bearer, secret=True))
            if spec.azure_pipelines and spec.service_connection_id:
                out.append(Variable("ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", spec.service_connection_id))
    out += _subscription("ARM_SUBSCRIPTION_ID", profile)
    if route.sandbox is not None and route.sandbox.arm_metadata_host:
        return out + sandboxed_terraform(spec, route)
    environment = (spelling or AZURERM_ENVIRONMENT).get(cloud.name)
    if environment is not None:  # a custom cloud has no name Terraform knows
        out.append(Variable("ARM_ENVIRONMENT", environment))
    return out


def sandboxed_terraform(spec: object, route: Route) -> list[Variable]:
    """What sends azurerm and azuread to the sandbox: its ARM metadata, which names every endpoint (the
    environment comes from there, not from ARM_ENVIRONMENT), and for a managed identity its IMDS."""
    assert route.sandbox is not None and route.sandbox.arm_metadata_host
    out = [Variable("ARM_METADATA_HOSTNAME", route.sandbox.arm_metadata_host)]
    if isinstance(spec, ManagedIdentity):
        out.append(Variable("ARM_MSI_ENDPOINT", f"{route.sandbox.imds_authority_host}/metadata/identity/oauth2/token"))
    return out


def routed(profile: Profile, route: Route) -> list[Variable]:
    """Managed identity endpoint overrides for azure-identity: the sandbox's, or a custom cloud's."""
    host = route.managed_identity_host
    if not isinstance(profile.credential, ManagedIdentity) or host is None:
        return []
    return [Variable("AZURE_POD_IDENTITY_AUTHORITY_HOST", host)]


def _subscription(name: str, profile: Profile) -> list[Variable]:
    """The profile's subscription, when it names one (azurerm 4 refuses to start without ARM_SUBSCRIPTION_ID)."""
    return [Variable(name, profile.subscription_id)] if profile.subscription_id else []


def _user_assigned_by_client_id(spec: ManagedIdentity) -> None:
    which = "object_id" if spec.object_id else "resource_id" if spec.resource_id else None
    if which is not None:
        raise ExportError(
            f"a managed identity chosen by {which} cannot be exported: "
            "azure-identity and Terraform read a user-assigned identity's client id only",
            hint="name the identity by client_id in the profile",
        )
