"""Workload identity federation: a CI's OIDC token exchanged for an Entra token.

The token file is read for every Entra token; a CI's token is shared by the profiles that ask for the
same audience while it has more than a minute left (credentials/ci_tokens.py).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from entra_profiles.config.models import Profile, WorkloadIdentity
from entra_profiles.context import CredentialFacts
from entra_profiles.credentials.process_env import claim
from entra_profiles.redact import REDACTOR
from entra_profiles.regular_files import NotRegularFile, kind_of, read_regular
from entra_profiles.results import Failure, ProfileFailed
from entra_profiles.routing import Route


def _unavailable(message: str, hint: str) -> ProfileFailed:
    return ProfileFailed(Failure("unavailable", message, hint))


MAX_TOKEN_BYTES = 1 << 16  # a JWT of a few KB; more is not a token
TOKEN_FILE_HINT = "check token_file; in Kubernetes the workload identity webhook mounts it"


def _unreadable(path: Path, exc: OSError) -> ProfileFailed:
    return _unavailable(f"cannot read the federated token file {path}: {exc.strerror}", TOKEN_FILE_HINT)


def _there(path: Path) -> None:
    """The token file is there to be read (it is read each time a token is asked for, within the
    deadline): not missing, a regular file (regular_files.py), readable, neither empty nor larger than
    any token."""
    try:
        found = path.stat()
        if not os.access(path, os.R_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    except OSError as exc:
        raise _unreadable(path, exc) from None
    kind = kind_of(found.st_mode)
    if kind is not None:
        raise _not_regular(path, kind)
    if found.st_size == 0:
        raise _empty(path)
    if found.st_size > MAX_TOKEN_BYTES:
        raise _too_large(path)


def _not_regular(path: Path, kind: str) -> ProfileFailed:
    return _unavailable(f"the federated token file {path} is {kind}, not a regular file", TOKEN_FILE_HINT)


def _too_large(path: Path) -> ProfileFailed:
    size = f"{MAX_TOKEN_BYTES // 1024} KiB"
    return _unavailable(f"the federated token file {path} is larger than {size}: not a token", TOKEN_FILE_HINT)


def _empty(path: Path) -> ProfileFailed:
    return _unavailable(f"the federated token file {path} is empty", "check what writes it")


def token_file_reader(path: Path) -> Callable[[], str]:
    def read() -> str:
        try:
            data = read_regular(path, MAX_TOKEN_BYTES)
        except NotRegularFile as exc:
            raise _not_regular(path, exc.kind) from None
        except OSError as exc:
            raise _unreadable(path, exc) from None
        if len(data) > MAX_TOKEN_BYTES:  # never cut short: a token that is only part of the file fails in Entra
            raise _too_large(path)
        token = data.decode("utf-8", "replace").strip()
        if not token:
            raise _empty(path)
        REDACTOR.register(token)
        return token

    return read


def build(
    profile: Profile, spec: WorkloadIdentity, route: Route, confidential: dict[str, Any], base: Path, retries: int = 3
) -> tuple[Any, CredentialFacts]:
    """GitHub's or a token file's: the app's sign-in with msal directly (`confidential`: see
    credentials/options.py), the CI token as its client assertion, as azure-identity's
    ClientAssertionCredential makes it, without its per-credential pipeline."""
    from entra_profiles.credentials.confidential import ConfidentialCredential

    assert profile.client_id is not None

    # What can be told here is told before msal asks the authority anything (azure-identity asks the CI
    # first): a token file that is not there, a CI that offers no OIDC token.
    if spec.token_file:
        path = (base / spec.token_file).expanduser()
        _there(path)
        func = token_file_reader(path)
    else:
        from entra_profiles.credentials.ci_tokens import fetch_ci_token, oidc_request

        oidc_request(spec, route, os.environ)

        def func() -> str:  # within the profile's deadline: msal calls it for each token it asks for
            return fetch_ci_token(spec, route, retries=retries)

    credential = ConfidentialCredential(profile.tenant, profile.client_id, {"client_assertion": func}, **confidential)
    credential.cut_at_deadline = False  # a token file or the CI's endpoint is read too: deadlines.within
    return credential, _facts(profile.client_id)


def _facts(client_id: str) -> CredentialFacts:
    return CredentialFacts("AppOnly", "WorkloadIdentity", client_id=client_id)


def azure_pipelines(
    profile: Profile, spec: WorkloadIdentity, route: Route, kwargs: dict[str, Any]
) -> tuple[Any, CredentialFacts]:
    """Azure Pipelines' credential: azure-identity's AzurePipelinesCredential (`kwargs`: its options)."""
    from azure.identity import AzurePipelinesCredential

    assert profile.client_id is not None
    token = os.environ.get("SYSTEM_ACCESSTOKEN")
    if route.sandbox is not None and route.sandbox.azure_pipelines_oidc_url:
        claim("SYSTEM_OIDCREQUESTURI", route.sandbox.azure_pipelines_oidc_url, "Azure Pipelines OIDC in the sandbox")
        token = route.sandbox.azure_pipelines_access_token
    REDACTOR.register(token)
    if not os.environ.get("SYSTEM_OIDCREQUESTURI") or not token:
        raise _unavailable(
            "Azure Pipelines OIDC is not available: SYSTEM_OIDCREQUESTURI / SYSTEM_ACCESSTOKEN are not set",
            "run in an AzureCLI@2 or AzurePowerShell task, and map SYSTEM_ACCESSTOKEN: $(System.AccessToken)",
        )
    if not spec.service_connection_id:
        raise _unavailable("azure_pipelines needs service_connection_id", "set credential.service_connection_id")
    options = {k: v for k, v in kwargs.items() if k != "disable_instance_discovery"}
    credential = AzurePipelinesCredential(
        tenant_id=profile.tenant,
        client_id=profile.client_id,
        service_connection_id=spec.service_connection_id,
        system_access_token=token,
        **options,
    )
    return credential, _facts(profile.client_id)
