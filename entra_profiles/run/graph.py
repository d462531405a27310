"""GET a Microsoft Graph resource with a profile's token, within its deadline, retrying what may pass."""

from __future__ import annotations

import json
from typing import Any

from entra_profiles.credentials.options import Transports
from entra_profiles.deadlines import Deadline, guarded, retrying
from entra_profiles.errors import clipped
from entra_profiles.net.causes import TRANSIENT_STATUS, answer_problem, seconds, transient
from entra_profiles.results import Failure, ProfileFailed
from entra_profiles.routing import Route
from entra_profiles.run.failures import MALFORMED_HINT, REDIRECT_HINT

AGENT = {"User-Agent": "entra-profiles"}


class GraphAnswered(ProfileFailed):
    """Graph answered with an error status (retried when it is throttling or a server error)."""

    def __init__(self, failure: Failure, status: int, code: str, retry_after: float | None) -> None:
        super().__init__(failure)
        self.status, self.code, self.retry_after = status, code, retry_after


def graph_get(
    route: Route,
    token: str,
    path: str,
    transports: Transports,
    deadline: Deadline,
    retries: int,
    what: str,
    hints: dict[int, str] | None = None,
) -> Any:
    """The JSON body of `GET {graph}{path}`, or GraphAnswered (`what` names the call in its message,
    `hints` by status); 429, 5xx, dropped connections and bodies cut short are retried."""
    return retrying(
        lambda: guarded(deadline, _get, route, token, path, transports, what, hints or {}),
        deadline,
        retries,
        _retryable,
        lambda exc: getattr(exc, "retry_after", None),
    )


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, GraphAnswered):
        return exc.status in TRANSIENT_STATUS
    return not isinstance(exc, ProfileFailed | TimeoutError) and transient(exc)


def _get(route: Route, token: str, path: str, transports: Transports, what: str, hints: dict[int, str]) -> Any:
    url = f"{route.graph_url}{path}"
    http, owned = transports.light_for(route)  # it follows no redirect: a bearer token goes only where it was sent
    try:
        response = http.get(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json", **AGENT})
    finally:
        if owned:
            http.close()
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
            f"{what}: {response.status_code} {clipped(f'{code}: {message}')}",
            hints.get(response.status_code),
        )
        retry_after = seconds(response.headers.get("Retry-After"))
        raise GraphAnswered(failure, response.status_code, str(code), retry_after)
    return body


def _json(response: Any) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return {}
