"""The tenant's GUID, the only form of a tenant that is safe to hand to another tool.

Key Vault's 401 challenge names the tenant by GUID; azure-identity (Python and Node) then asks its
credential for a token in that tenant, and a credential configured with the tenant's domain sees another
tenant and refuses. So `AZURE_TENANT_ID`, `ARM_TENANT_ID` and every tenant we export are GUIDs: the
profile's own when it names one, the token's `tid` when export/exec got a token anyway (`--check`,
`--token`), else the GUID that the tenant's OpenID discovery document names (one GET, within --timeout).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from entra_profiles.config.fields import GUID_RE
from entra_profiles.exports.base import ExportError
from entra_profiles.routing import Route

if TYPE_CHECKING:
    from entra_profiles.deadlines import Deadline

DISCOVERY_PATH = "/v2.0/.well-known/openid-configuration"
NEEDS = "other tools need the tenant's GUID (Key Vault's challenge names it)"
OR_A_GUID = "or set tenant: to the tenant's GUID, which other tools need (Key Vault's challenge names it)"


def known_tenant_id(tenant: str, token_tid: object = None) -> str | None:
    """The GUID without asking anyone: the profile's own, or a token's `tid`; None for a domain."""
    for candidate in (tenant, token_tid):
        if isinstance(candidate, str) and GUID_RE.match(candidate):
            return candidate.lower()
    return None


def tenant_id(name: str, tenant: str, route: Route, deadline: Deadline, token_tid: object = None) -> str:
    """The tenant's GUID (see the module's docstring); an ExportError saying what to do when there is none."""
    known = known_tenant_id(tenant, token_tid)
    if known is not None:
        return known
    url = f"{route.authority_host.rstrip('/')}/{tenant}{DISCOVERY_PATH}"
    cannot = f"{name}: cannot resolve tenant '{tenant}' to its GUID"
    body = _discovery(url, tenant, route, deadline, cannot)
    for key in ("issuer", "token_endpoint"):
        value = body.get(key)
        if isinstance(value, str):
            segments = urlsplit(value).path.strip("/").split("/")
            if segments and GUID_RE.match(segments[0]):
                return segments[0].lower()
    hint = f"{NEEDS}: export where {route.authority_host} can be reached, or set tenant: to the tenant's GUID"
    raise ExportError(f"{cannot}: its OpenID discovery document at {url} names no tenant GUID", hint=hint)


def _discovery(url: str, tenant: str, route: Route, deadline: Deadline, cannot: str) -> dict[str, Any]:
    """The discovery document (a JSON object), by the command's deadline; every failure explained as `run`
    explains it (the endpoint, the cause, a hint that fits: the proxy in effect, the CA bundle, …)."""
    import requests

    from entra_profiles.credentials.options import Transports
    from entra_profiles.deadlines import DeadlineExceeded, within

    transports = Transports(concurrency=1)
    timeout = max(0.1, deadline.left())
    try:
        session = transports.session()
        verify = route.ca_bundle or True  # an explicit bundle wins over REQUESTS_CA_BUNDLE
        response = within(
            deadline,
            lambda: session.get(url, verify=verify, timeout=(min(10.0, timeout), timeout), allow_redirects=False),
        )
    except (DeadlineExceeded, requests.RequestException) as exc:
        raise unreachable(exc, url, route, deadline, cannot) from None
    finally:
        transports.close()
    return _document(response, url, tenant, route, cannot)


def unreachable(exc: BaseException, url: str, route: Route, deadline: Deadline, cannot: str) -> ExportError:
    """Why the discovery endpoint could not be asked, in the words of the shared network classification."""
    from entra_profiles.deadlines import DeadlineExceeded
    from entra_profiles.net.causes import network_cause
    from entra_profiles.net.endpoints import endpoint
    from entra_profiles.run.failures import timeout_hint

    where = endpoint("token", route, url)  # "the discovery endpoint at https://…"
    if isinstance(exc, DeadlineExceeded):
        return ExportError(
            f"{cannot}: timed out after {deadline.budget:g} s waiting for {where}",
            hint=f"{timeout_hint(url)}; {OR_A_GUID}",
        )
    cause = network_cause(exc, url, route.ca_bundle, route.sandbox is not None)
    if cause is None:  # not a network failure: what requests said, on its first line
        from entra_profiles.errors import first_line

        return ExportError(f"{cannot}: cannot reach {where}: {first_line(exc)}", hint=OR_A_GUID)
    return ExportError(f"{cannot}: {cause.message(where, deadline.budget)}", hint=f"{cause.hint}; {OR_A_GUID}")


def _document(response: Any, url: str, tenant: str, route: Route, cannot: str) -> dict[str, Any]:
    """The answer's JSON object; Entra's refusal (AADSTS…, the sandbox's world named), or what is wrong."""
    from entra_profiles.aadsts import explain, find_code
    from entra_profiles.net.causes import answer_problem
    from entra_profiles.net.endpoints import endpoint
    from entra_profiles.results import Failure
    from entra_profiles.routing import in_world
    from entra_profiles.run.failures import MALFORMED_HINT

    where = endpoint("token", route, url)
    problem = answer_problem(response.status_code, response.headers, response.content, url)
    if problem is not None:
        raise ExportError(f"{cannot}: {where} {problem}", hint=MALFORMED_HINT)
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict):
        return body
    said = body.get("error_description") if isinstance(body, dict) else None
    code = find_code(said) if isinstance(said, str) else None
    if code is not None:
        meaning, code_hint = explain(code)
        failure = in_world(Failure(f"AADSTS{code}", f"AADSTS{code}: {meaning}", code_hint), route.sandbox, tenant)
        raise ExportError(f"{cannot}: {failure.message}", hint=failure.hint)
    hint = f"{NEEDS}: export where {route.authority_host} can be reached, or set tenant: to the tenant's GUID"
    raise ExportError(f"{cannot}: {where} answered HTTP {response.status_code}", hint=hint)
