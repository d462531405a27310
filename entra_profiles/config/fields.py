"""Value types of the profile format: GUIDs, tenants, thumbprints, URLs, names.

A value that is a deferred reference (Key Vault) passes the format check now; its resolved value is
checked when it is resolved.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field

from entra_profiles.references.syntax import is_deferred

# The whole value, with match() too: `\Z`, not `$`, which would accept a trailing newline (a value read from
# the environment); a domain that starts with a GUID is not one.
GUID_RE = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z")
DOMAIN_RE = re.compile(r"(?=.{1,253}\Z)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
# Marks that Windows' certificate dialog and web pages slip into copied thumbprints.
# Where a message starts to tell which characters a value holds (cut when the value may be a secret).
CHARACTERS_DETAIL = "; this one contains"
INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e"))
MULTI_TENANT = {"common", "organizations", "consumers"}
DURATION_RE = re.compile(r"([0-9]{1,6})([wdhms])")
DURATION_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
# Microsoft Graph in every built-in cloud (clouds.py holds the endpoints), and its application id.
GRAPH_HOSTS = frozenset(
    {"graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn"}
)
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def check_guid(value: str) -> str:
    if is_deferred(value):
        return value
    if not GUID_RE.fullmatch(value):
        raise ValueError(f"'{value}' is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
    return value.lower()


def check_tenant(value: str) -> str:
    if is_deferred(value):
        return value
    if value.lower() in MULTI_TENANT:
        raise ValueError(f"'{value}' cannot be used for app-only sign-in; give the tenant's id or domain")
    if GUID_RE.fullmatch(value):
        return value.lower()
    if DOMAIN_RE.fullmatch(value):
        return value.lower()
    raise ValueError(f"'{value}' is neither a tenant id (GUID) nor a domain name")


def normalize_thumbprint(value: str) -> str:
    """Thumbprints as people paste them: spaces, colons, lower case, invisible marks."""
    if is_deferred(value):
        return value
    cleaned = value.translate(INVISIBLE).replace(":", "").replace("-", "")
    cleaned = "".join(cleaned.split()).upper()
    if len(cleaned) not in (40, 64) or not re.fullmatch(r"[0-9A-F]+", cleaned):
        bad = sorted({c for c in cleaned if c not in "0123456789ABCDEF"})
        detail = f"{CHARACTERS_DETAIL} {', '.join(repr(c) for c in bad)}" if bad else f"; this one has {len(cleaned)}"
        raise ValueError(
            f"a thumbprint is 40 (SHA-1) or 64 (SHA-256) hex digits{detail}"
            + (" digits" if not bad else "")
            + " after removing spaces, colons and invisible marks"
        )
    return cleaned


def app_only_scope_fix(scope: str) -> str | None:
    """None for an app-only scope (`RESOURCE/.default`); otherwise the scope to ask for instead. The
    resource is an application id or URI: Graph's is its host alone (`…/User.Read` is a delegated
    permission of it, not a resource), another URI's is all but its last path segment."""
    resource, default, _ = scope.partition("/.default")
    if default and scope.endswith("/.default") and _is_resource(resource):
        return None
    app_id = resource.split("/", 1)[0]  # `{app id}/Perm.Name`: the app id is the resource
    if GUID_RE.match(app_id):
        return f"{app_id}/.default"
    try:
        parts = urlsplit(resource)
    except ValueError:  # a malformed host
        return "RESOURCE/.default"
    if not parts.scheme or not parts.netloc:
        return "RESOURCE/.default"
    path = parts.path.strip("/")
    if (parts.hostname or "") in GRAPH_HOSTS or "/" not in path:
        return f"{parts.scheme}://{parts.netloc}/.default"
    return f"{parts.scheme}://{parts.netloc}/{path.rsplit('/', 1)[0]}/.default"


APP_ONLY = (
    "app-only sign-in asks for RESOURCE/.default, and the token carries the application permissions (roles) "
    "granted to the app"
)
SCOPE_ERROR = "app_only_scope"  # its hint travels in the error's context


def app_only_scope_hint(fix: str) -> str:
    """What to write instead of a scope that is not app-only (`fix`, from `app_only_scope_fix`)."""
    if fix == "RESOURCE/.default":
        return (
            "name the resource (its application id or URI) then /.default, "
            "such as 'https://graph.microsoft.com/.default'"
        )
    return f"ask for '{fix}'"


def check_app_only_scope(value: str) -> str:
    """One scope of `scopes:`; each one that is not app-only is its own problem, at its own place."""
    from pydantic_core import PydanticCustomError

    fix = None if is_deferred(value) else app_only_scope_fix(value)  # a reference is checked once read
    if fix is not None:
        message = f"'{value}' is not an app-only scope: {APP_ONLY}"
        raise PydanticCustomError(SCOPE_ERROR, "{message}", {"message": message, "hint": app_only_scope_hint(fix)})
    return value


def _is_resource(resource: str) -> bool:
    """An application id, or a URI whose host is there; Graph's with no path (a trailing / is Entra's v1 form)."""
    if GUID_RE.match(resource):
        return True
    try:
        parts = urlsplit(resource)
    except ValueError:
        return False
    if not parts.scheme or not parts.netloc:
        return False
    return (parts.hostname or "") not in GRAPH_HOSTS or parts.path in ("", "/")


def check_https_url(value: str) -> str:
    if is_deferred(value):
        return value
    if not re.fullmatch(r"https://[^\s/?#]+(?:/[^\s?#]*)?", value):
        raise ValueError(f"'{value}' is not an https:// URL")
    return value.rstrip("/")


def check_dns_suffix(value: str) -> str:
    v = value.lstrip(".")
    if not DOMAIN_RE.fullmatch(v):
        raise ValueError(f"'{value}' is not a DNS suffix such as vault.azure.net")
    return v.lower()


def check_duration(value: object) -> str:
    """A span of time as people write it: `30d`, `2w`, `12h`, `45m`, `90s` (one number, one unit)."""
    if isinstance(value, bool) or not isinstance(value, str | int) or not DURATION_RE.fullmatch(str(value).strip()):
        shown = f"'{value}'" if isinstance(value, str) else str(value)
        bare = isinstance(value, int) and not isinstance(value, bool)
        unit = f": write {value}d for days, {value}h for hours or {value}m for minutes" if bare else ""
        raise ValueError(f"{shown} is not a duration such as 30d, 2w, 12h, 45m or 90s{unit}")
    return str(value).strip()


def duration_seconds(text: str) -> int:
    """Seconds in a duration that `check_duration` accepted."""
    found = DURATION_RE.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"'{text}' is not a duration")
    return int(found.group(1)) * DURATION_UNITS[found.group(2)]


Guid = Annotated[str, AfterValidator(check_guid)]
AppOnlyScope = Annotated[str, AfterValidator(check_app_only_scope)]
Tenant = Annotated[str, AfterValidator(check_tenant)]
Thumbprint = Annotated[str, AfterValidator(normalize_thumbprint)]
HttpsUrl = Annotated[str, AfterValidator(check_https_url)]
DnsSuffix = Annotated[str, AfterValidator(check_dns_suffix)]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Duration = Annotated[str, BeforeValidator(check_duration), Field(pattern=r"^[0-9]{1,6}[wdhms]$")]
