"""Read one Key Vault secret by a deadline, the reader's sign-in included; retry what is transient
(throttling, 5xx, a dropped connection, an answer cut short); say what went wrong and where."""

from __future__ import annotations

from entra_profiles.aadsts import explain, find_code
from entra_profiles.deadlines import Deadline, DeadlineExceeded, retrying, within
from entra_profiles.errors import first_line
from entra_profiles.net.causes import TRANSIENT_STATUS, network_cause, seconds
from entra_profiles.net.trace import trace
from entra_profiles.references.keyvault_client import (
    Reader,
    VaultAnswer,
    VaultHostRefused,
    VaultTokenRefused,
    http_failure,
)

MALFORMED_HINT = "something other than the service may be answering (a proxy, a captive portal); check the endpoint"


class _Transient(Exception):
    """A failure worth another attempt; `answer` is what to report when none is left."""

    def __init__(self, answer: VaultAnswer, retry_after: float | None) -> None:
        super().__init__(answer.reason)
        self.answer, self.retry_after = answer, retry_after


def read_secret(uri: str, reader: Reader, deadline: Deadline, retries: int = 3) -> VaultAnswer:
    """Fetch a secret by its URI (latest or a version), by `deadline`, retrying up to `retries` times."""
    try:
        return retrying(
            lambda: within(deadline, _read, uri, reader),
            deadline,
            retries,
            lambda exc: isinstance(exc, _Transient),
            lambda exc: exc.retry_after if isinstance(exc, _Transient) else None,
        )
    except _Transient as exc:
        return exc.answer
    except DeadlineExceeded:
        waited = trace().sending
        what = "the vault" if waited is None or "/secrets/" in waited else _endpoint(reader, waited)
        if what != "the vault":
            what += f" ({reader.label} signing in)"
        return VaultAnswer(
            None,
            code="timeout",
            reason=f"timed out after {deadline.budget:g} s waiting for {what}",
            hint="raise --timeout, or check the network",
        )


def _read(uri: str, reader: Reader) -> VaultAnswer:
    from azure.core.exceptions import ResourceNotFoundError

    vault, _, rest = uri.partition("/secrets/")
    name, _, version = rest.partition("/")
    try:
        secret = reader.client(vault).get_secret(name, version or None)
    except ResourceNotFoundError:
        return VaultAnswer(
            None, code="keyvault_not_found", reason="not found", hint="check the secret name and version, and the vault"
        )
    except VaultHostRefused as exc:
        return VaultAnswer(None, code="keyvault_host_refused", reason=f"{exc}; no token was sent")
    except VaultTokenRefused as exc:
        failure = exc.failure
        reason = f"the token of {reader.label} was not sent: {failure.message}"
        return VaultAnswer(None, code=failure.code, reason=reason, hint=failure.hint)
    except Exception as exc:
        answer, transient, retry_after = _explained(exc, uri, reader)
        if transient:
            raise _Transient(answer, retry_after) from None
        return answer
    return VaultAnswer(secret.value, secret.properties.content_type, secret.properties.version)


def _explained(exc: Exception, uri: str, reader: Reader) -> tuple[VaultAnswer, bool, float | None]:
    """The answer to report for a failed read, whether trying again may help, and after how long."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
    from azure.identity import CredentialUnavailableError

    last, sending = trace().last, trace().sending
    at = sending or (last.url if last is not None else None)
    signing_in = at is not None and "/secrets/" not in at
    who = _endpoint(reader, at)
    if last is not None and last.problem is not None and sending is None:
        code = "redirect" if last.problem.startswith("redirected") else "malformed_answer"
        return (
            VaultAnswer(None, code=code, reason=_by(reader, signing_in, f"{who} {last.problem}"), hint=MALFORMED_HINT),
            False,
            None,
        )
    cause = network_cause(exc, sending or uri, reader.route.ca_bundle, reader.route.sandbox is not None)
    if cause is not None:
        answer = VaultAnswer(None, code=cause.code, reason=_by(reader, signing_in, cause.message(who)), hint=cause.hint)
        return answer, cause.code in ("unreachable", "malformed_answer"), None
    status = getattr(exc, "status_code", None) or (last.status if last is not None and last.status >= 400 else None)
    transient = status in TRANSIENT_STATUS
    retry_after = seconds(last.retry_after) if last is not None else None
    if isinstance(exc, ClientAuthenticationError | CredentialUnavailableError):
        aadsts = find_code(str(exc))
        why = f"AADSTS{aadsts}: {explain(aadsts)[0]}" if aadsts else first_line(str(exc))
        if not aadsts and signing_in and last is not None and last.status >= 400:
            why = f"{who} answered HTTP {last.status}" + (f": {last.said}" if last.said else "")
        answer = VaultAnswer(
            None,
            code="keyvault_sign_in",
            reason=f"{reader.label} could not sign in: {why}",
            hint="check the keyvault_credential",
        )
        return answer, transient and not aadsts, retry_after
    if isinstance(exc, HttpResponseError):
        return http_failure(exc, reader), transient, retry_after
    return (
        VaultAnswer(None, code="keyvault_unreachable", reason=f"vault unreachable: {first_line(str(exc))}"),
        False,
        None,
    )


def _by(reader: Reader, signing_in: bool, what: str) -> str:
    return f"{reader.label} could not sign in: {what}" if signing_in else what


def _endpoint(reader: Reader, url: str | None) -> str:
    from entra_profiles.net.endpoints import endpoint

    return endpoint("token", reader.route, url) if url and "/secrets/" not in url else "the vault"
