"""The Graph probe: GET {graph}/v1.0/organization with the token, within the profile's deadline."""

from __future__ import annotations

from typing import Any

from entra_profiles.credentials.options import Transports
from entra_profiles.deadlines import Deadline, retrying, within
from entra_profiles.net.causes import TRANSIENT_STATUS, answer_problem, seconds, transient
from entra_profiles.net.trace import trace
from entra_profiles.results import Failure, ProfileFailed
from entra_profiles.routing import Route
from entra_profiles.run.failures import MALFORMED_HINT, REDIRECT_HINT

PERMISSION_HINT = (
    "the token lacks the Graph permission this call needs (e.g. Organization.Read.All); grant admin consent"
)


class GraphAnswered(ProfileFailed):
    """Graph answered with an error status (retried when it is throttling or a server error)."""

    def __init__(self, failure: Failure, status: int, retry_after: float | None) -> None:
        super().__init__(failure)
        self.status, self.retry_after = status, retry_after


def probe_graph(route: Route, token: str, transports: Transports, deadline: Deadline, retries: int) -> str:
    """The tenant's display name, or ProfileFailed naming Graph's answer; 429, 5xx, dropped connections
    and bodies cut short are retried up to `retries` times."""
    return retrying(
        lambda: within(deadline, _ask, route, token, transports),
        deadline,
        retries,
        _retryable,
        lambda exc: getattr(exc, "retry_after", None),
    )


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, GraphAnswered):
        return exc.status in TRANSIENT_STATUS
    return not isinstance(exc, ProfileFailed | TimeoutError) and transient(exc)


def _ask(route: Route, token: str, transports: Transports) -> str:
    url = f"{route.graph_url}/v1.0/organization"
    trace().sending = url
    response = transports.session().get(
        url,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        verify=route.ca_bundle or True,
        timeout=(transports.connect_timeout, transports.read_timeout),
        allow_redirects=False,  # a bearer token goes only where it was asked for
    )
    trace().sending = None
    problem = answer_problem(response.status_code, response.headers, response.content, url)
    if problem is not None:
        code = "redirect" if problem.startswith("redirected") else "malformed_answer"
        hint = REDIRECT_HINT if code == "redirect" else MALFORMED_HINT
        raise ProfileFailed(Failure(code, f"Microsoft Graph at {route.graph_url} {problem}", hint))
    body = _json(response)
    if response.status_code != 200:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        code = error.get("code", "") if isinstance(error, dict) else ""
        message = error.get("message", "") if isinstance(error, dict) else ""
        failure = Failure(
            f"graph_{response.status_code}",
            f"Graph probe: {response.status_code} {code}: {message}",
            PERMISSION_HINT if response.status_code == 403 else None,
        )
        raise GraphAnswered(failure, response.status_code, seconds(response.headers.get("Retry-After")))
    values = body.get("value") if isinstance(body, dict) else None
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return str(values[0].get("displayName", ""))
    return ""


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}
