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
from entra_profiles.errors import first_line
from entra_profiles.exports.base import ExportError
from entra_profiles.routing import Route

if TYPE_CHECKING:
    from entra_profiles.deadlines import Deadline

DISCOVERY_PATH = "/v2.0/.well-known/openid-configuration"
NEEDS = "other tools need the tenant's GUID (Key Vault's challenge names it)"


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
    hint = f"{NEEDS}: export where {route.authority_host} can be reached, or set tenant: to the tenant's GUID"
    body = _discovery(url, route, deadline, cannot, hint)
    for key in ("issuer", "token_endpoint"):
        value = body.get(key)
        if isinstance(value, str):
            segments = urlsplit(value).path.strip("/").split("/")
            if segments and GUID_RE.match(segments[0]):
                return segments[0].lower()
    raise ExportError(f"{cannot}: its OpenID discovery document at {url} names no tenant GUID", hint=hint)


def _discovery(url: str, route: Route, deadline: Deadline, cannot: str, hint: str) -> dict[str, Any]:
    """The discovery document (a JSON object), by the command's deadline."""
    import requests

    from entra_profiles.aadsts import explain, find_code
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
    except (DeadlineExceeded, requests.Timeout):
        raise ExportError(f"{cannot}: timed out after {deadline.budget:g} s waiting for {url}", hint=hint) from None
    except requests.exceptions.SSLError:
        ca = route.ca_bundle or "the system trust store"
        raise ExportError(f"{cannot}: TLS verification failed for {url} (CA: {ca})", hint=hint) from None
    except requests.exceptions.ProxyError as exc:
        raise ExportError(f"{cannot}: cannot reach {url} through the proxy: {_reason(exc)}", hint=hint) from None
    except requests.RequestException as exc:  # refused, name not found, connection dropped
        raise ExportError(f"{cannot}: cannot reach {url}: {_reason(exc)}", hint=hint) from None
    finally:
        transports.close()
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        said = body.get("error_description") if isinstance(body, dict) else None
        code = find_code(said) if isinstance(said, str) else None
        if code is not None:
            meaning, code_hint = explain(code)
            raise ExportError(f"{cannot}: AADSTS{code}: {meaning}", hint=code_hint)
        raise ExportError(f"{cannot}: {url} answered HTTP {response.status_code}", hint=hint)
    return body


def _reason(exc: BaseException) -> str:
    """The operating system's words (`Connection refused`, `Name or service not known`), not urllib3's."""
    cause: BaseException | None = exc
    for _ in range(8):
        if cause is None:
            break
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__ or cause.__context__
    return first_line(exc) or type(exc).__name__
