"""A slice of Azure Resource Manager, enough for az CLI and Terraform to sign in and see an account.

`GET /metadata/endpoints` describes the cloud in ARM's shape (what `az cloud register` and Terraform's
`ARM_METADATA_HOSTNAME` read), pointing its hosts at the sandbox; `GET /subscriptions[/{id}]` and
`GET /tenants` answer from the seed, to a bearer token for ARM only, as ARM does.

hashicorp/go-azure-sdk (azurerm, azuread) takes `resourceManager` and `microsoftGraphResourceId` each as both
the address it calls and the resource it asks a token for. The sandbox serves ARM and Graph from one origin,
so that origin is both: Graph already takes it as an alias of Graph, and ARM accepts it as an audience (with
or without its trailing `/`), as it accepts https://management.azure.com.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .accesstokens import token_of
from .resources import ARM_AUDIENCES, canonical_resource, normalized
from .seed import Subscription, Tenant
from .state import SandboxState
from .wire import Request, Response, Route, arm_error, json_response, route

CLOUD_NAME = "Sandbox"
NOWHERE = "sandbox.invalid"  # DNS suffixes of services the sandbox does not serve: never resolvable


def metadata(state: SandboxState, req: Request) -> Response:
    """The cloud's endpoints, as `{arm}/metadata/endpoints?api-version=2022-09-01` gives them."""
    if not req.arg("api-version"):
        return _missing_api_version(req)
    base = req.base_url + "/"  # real: https://management.azure.com/, https://graph.microsoft.com/
    return json_response(
        200,
        {
            "portal": base,
            "authentication": {
                "loginEndpoint": req.base_url,  # as in real 2022-09-01 metadata: no trailing slash
                "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                "tenant": "common",
                "identityProvider": "AAD",
            },
            "media": "https://rest.media.azure.net",
            "graphAudience": "https://graph.windows.net/",
            "graph": base,
            "name": CLOUD_NAME,
            "suffixes": {
                "azureDataLakeStoreFileSystem": f"azuredatalakestore.{NOWHERE}",
                "acrLoginServer": f"azurecr.{NOWHERE}",
                "sqlServerHostname": f"database.{NOWHERE}",
                "azureDataLakeAnalyticsCatalogAndJob": f"azuredatalakeanalytics.{NOWHERE}",
                "keyVaultDns": f"vault.{NOWHERE}",
                "storage": f"core.{NOWHERE}",
                "azureFrontDoorEndpointSuffix": f"azurefd.{NOWHERE}",
                "storageSyncEndpointSuffix": f"afs.{NOWHERE}",
                "mhsmDns": f"managedhsm.{NOWHERE}",
                "mysqlServerEndpoint": f"mysql.{NOWHERE}",
                "postgresqlServerEndpoint": f"postgres.{NOWHERE}",
                "mariadbServerEndpoint": f"mariadb.{NOWHERE}",
                "synapseAnalytics": f"dev.azuresynapse.{NOWHERE}",
                "attestationEndpoint": f"attest.{NOWHERE}",
            },
            "batch": "https://batch.core.windows.net/",
            "resourceManager": base,
            "vmImageAliasDoc": base + "metadata/vm-image-aliases",
            "activeDirectoryDataLake": "https://datalake.azure.net/",
            "sqlManagement": "https://management.core.windows.net:8443/",
            "microsoftGraphResourceId": base,  # where azuread sends Graph calls, and the token resource
            "appInsightsResourceId": "https://api.applicationinsights.io",
            "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
            "attestationResourceId": "https://attest.azure.net",
            "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
            "logAnalyticsResourceId": "https://api.loganalytics.io",
            "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
            "gallery": base,
            "galleryEndpoint": base,
        },
    )


def _missing_api_version(req: Request) -> Response:
    return arm_error(
        req,
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
    )


def _challenge(req: Request, description: str) -> list[tuple[str, str]]:
    value = f'Bearer authorization_uri="{req.base_url}/", error="invalid_token", error_description="{description}"'
    return [("WWW-Authenticate", value)]


def _caller(state: SandboxState, req: Request) -> dict[str, Any] | Response:
    """The claims of a valid ARM token, or ARM's 401 with its `WWW-Authenticate`."""
    token = req.bearer()
    if token is None:
        message = "The authentication failed because of missing 'Authorization' header."
        return arm_error(
            req,
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            headers=_challenge(req, message),
        )
    claims, reason = token_of(state, token)
    if claims is None and reason == "expired":
        now = dt.datetime.now(dt.UTC).strftime("%m/%d/%Y %H:%M:%S")
        message = f"The access token expiry UTC time is earlier than current UTC time '{now}'."
        return arm_error(req, 401, "ExpiredAuthenticationToken", message, headers=_challenge(req, message))
    if claims is None:
        message = "The access token is invalid."
        return arm_error(req, 401, "InvalidAuthenticationToken", message, headers=_challenge(req, message))
    req.log["client_id"], req.log["tenant"] = claims.get("appid"), claims.get("tid")
    audience = str(claims.get("aud", ""))
    if canonical_resource(audience) != "arm" and normalized(audience) not in state.own_origins:
        allowed = ",".join(f"'{a}'" for a in (*ARM_AUDIENCES, req.base_url + "/", req.base_url))
        message = (
            f"The access token has been obtained for wrong audience or resource '{audience}'. "
            f"It should exactly match with one of the allowed audiences {allowed}."
        )
        return arm_error(req, 401, "InvalidAuthenticationTokenAudience", message, headers=_challenge(req, message))
    if not req.arg("api-version"):
        return _missing_api_version(req)
    return claims


def _subscription(sub: Subscription, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{sub.id}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub.id,
        "tenantId": tenant.id,
        "displayName": sub.display_name or sub.id,
        "state": sub.state,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def _visible(state: SandboxState, claims: dict[str, Any]) -> tuple[Tenant | None, list[Subscription]]:
    tenant = state.world.tenant(str(claims.get("tid", "")))
    if tenant is None:
        return None, []
    return tenant, state.world.subscriptions_of(tenant.id, str(claims.get("appid", "")), str(claims.get("oid", "")))


def subscriptions(state: SandboxState, req: Request) -> Response:
    claims = _caller(state, req)
    if isinstance(claims, Response):
        return claims
    tenant, subs = _visible(state, claims)
    value = [_subscription(s, tenant) for s in subs] if tenant is not None else []
    return json_response(200, {"value": value, "count": {"type": "Total", "value": len(value)}})


def subscription(state: SandboxState, req: Request) -> Response:
    claims = _caller(state, req)
    if isinstance(claims, Response):
        return claims
    wanted = req.match["subscription"].lower()
    tenant, subs = _visible(state, claims)
    found = next((s for s in subs if s.id.lower() == wanted), None)
    if found is not None and tenant is not None:
        return json_response(200, _subscription(found, tenant))
    if tenant is not None and any(s.id.lower() == wanted for s in tenant.subscriptions):
        return arm_error(
            req,
            403,
            "AuthorizationFailed",
            f"The client '{claims.get('appid')}' with object id '{claims.get('oid')}' does not have authorization "
            f"to perform action 'Microsoft.Resources/subscriptions/read' over scope '/subscriptions/{wanted}' or "
            "the scope is invalid. If access was recently granted, please refresh your credentials.",
        )
    return arm_error(req, 404, "SubscriptionNotFound", f"The subscription '{wanted}' could not be found.")


def tenants(state: SandboxState, req: Request) -> Response:
    claims = _caller(state, req)
    if isinstance(claims, Response):
        return claims
    tenant = state.world.tenant(str(claims.get("tid", "")))
    value = []
    if tenant is not None:
        value.append(
            {
                "id": f"/tenants/{tenant.id}",
                "tenantId": tenant.id,
                "countryCode": "US",
                "displayName": tenant.display_name,
                "domains": list(tenant.domains),
                "tenantCategory": "Home",
                "defaultDomain": tenant.domains[0] if tenant.domains else "",
                "tenantType": "AAD",
            }
        )
    return json_response(200, {"value": value})


def routes(state: SandboxState) -> list[Route]:
    return [
        route("arm", "GET", r"/metadata/endpoints/?", lambda r: metadata(state, r)),
        route("arm", "GET", r"/subscriptions/?", lambda r: subscriptions(state, r)),
        route("arm", "GET", r"/subscriptions/(?P<subscription>[^/]+)/?", lambda r: subscription(state, r)),
        route("arm", "GET", r"/tenants/?", lambda r: tenants(state, r)),
    ]
