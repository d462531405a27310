"""The Graph probe: GET {graph}/v1.0/organization with the token, within the profile's deadline."""

from __future__ import annotations

from dataclasses import dataclass

from entra_profiles.credentials.options import Transports
from entra_profiles.deadlines import Deadline
from entra_profiles.routing import Route
from entra_profiles.run.graph import graph_get

PERMISSION_HINT = (
    "the token lacks the Graph permission this call needs (e.g. Organization.Read.All); grant admin consent"
)


@dataclass(frozen=True)
class Organization:
    """The tenant as Graph describes it."""

    display_name: str
    domains: tuple[str, ...] = ()  # its verified domains


def probe_graph(route: Route, token: str, transports: Transports, deadline: Deadline, retries: int) -> Organization:
    """The tenant's display name and verified domains, or ProfileFailed naming Graph's answer; 429, 5xx,
    dropped connections and bodies cut short are retried up to `retries` times."""
    body = graph_get(
        route, token, "/v1.0/organization", transports, deadline, retries, "Graph probe", {403: PERMISSION_HINT}
    )
    values = body.get("value") if isinstance(body, dict) else None
    if not (isinstance(values, list) and values and isinstance(values[0], dict)):
        return Organization("")
    org = values[0]
    domains = org.get("verifiedDomains")
    listed = domains if isinstance(domains, list) else []
    names = [str(d["name"]) for d in listed if isinstance(d, dict) and d.get("name")]
    return Organization(str(org.get("displayName", "")), tuple(names))
