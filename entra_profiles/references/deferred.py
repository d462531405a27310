"""Resolve the Key Vault references of the selected profiles: each distinct secret once, concurrently.

A vault host must end with the Key Vault DNS suffix of the profile's cloud, or the reference is refused
before any token is requested for it. Every value read is registered with the redactor.
"""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

from entra_profiles.config.loader import ProfileSet
from entra_profiles.errors import EntraProfilesError, Location
from entra_profiles.redact import REDACTOR
from entra_profiles.references.keyvault_client import (
    Reader,
    VaultAnswer,
    identity_reader,
    profile_reader,
    read_secret,
)
from entra_profiles.references.syntax import KeyVaultRef, Ref, ReferenceSyntaxError, parse, parse_secret_uri
from entra_profiles.results import Failure, ProfileResult
from entra_profiles.routing import SandboxInfo

DEFAULT_READER = "managed_identity"
MAX_PARALLEL_READS = 16


@dataclass(frozen=True)
class Use:
    """One reference as written in one profile."""

    profile: str
    path: tuple[str, ...]
    where: Location
    ref: KeyVaultRef
    uri: str
    reader: str


@dataclass
class Plan:
    uses: list[Use] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)


def resolve_deferred(
    ps: ProfileSet, names: list[str], sandbox: SandboxInfo | None, _stack: tuple[str, ...] = ()
) -> tuple[ProfileSet, dict[str, ProfileResult]]:
    """A ProfileSet whose selected profiles hold the values, and the profiles that failed to resolve."""
    plan = _plan(ps, names)
    keys = sorted({(u.uri, u.reader) for u in plan.uses if u.profile not in plan.failures})
    answers: dict[tuple[str, str], VaultAnswer] = {}
    if keys:
        readers: dict[str, Reader | VaultAnswer] = {}
        for _, spec in keys:
            if spec not in readers:
                readers[spec] = _reader(spec, ps, sandbox, _stack)
        live = {k: r for k in keys if isinstance(r := readers[k[1]], Reader)}
        answers = {k: v for k in keys if isinstance(v := readers[k[1]], VaultAnswer)}
        if live:
            with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_READS, len(live))) as pool:
                futures = {k: pool.submit(read_secret, k[0], r) for k, r in live.items()}
                answers.update({k: f.result() for k, f in futures.items()})
        for r in readers.values():
            if isinstance(r, Reader):
                r.close()
    for answer in answers.values():
        if answer.value is not None:
            REDACTOR.register(answer.value)
    profiles = dict(ps.profiles)
    certificates = dict(ps.certificates)
    resolved_from = {n: dict(v) for n, v in ps.resolved_from.items()}
    for use in plan.uses:
        if use.profile in plan.failures:
            continue
        answer = answers[(use.uri, use.reader)]
        if answer.value is None:
            reason = f"Key Vault secret '{use.ref.secret}' in {_vault(use.uri)}: {answer.reason}"
            plan.failures[use.profile] = Failure(answer.code, f"{use.where}: {reason}", answer.hint, use.where, reason)
            continue
        resolved_from.setdefault(use.profile, {})[use.path] = f"keyvault:{use.uri} (version {answer.version})"
        if use.path == ("credential", "keyvault"):
            certificates[use.profile] = _certificate_bytes(answer)
        else:
            profiles[use.profile] = _substitute(profiles[use.profile], use.path, answer.value, use)
    failed = {n: ProfileResult(n, error=f) for n, f in plan.failures.items()}
    return replace(ps, profiles=profiles, certificates=certificates, resolved_from=resolved_from), failed


def _reader(spec: str, ps: ProfileSet, sandbox: SandboxInfo | None, stack: tuple[str, ...]) -> Reader | VaultAnswer:
    """The identity that reads vaults, or why it cannot: a broken or cyclic `profile:` reader."""
    kind, _, name = spec.partition(":")
    try:
        if kind != "profile":
            return identity_reader(spec, sandbox)
        if name in stack:
            cycle = " → ".join(f"profile:{n}" for n in (*stack, name))
            return VaultAnswer(
                None,
                code="keyvault_credential_cycle",
                reason=f"keyvault_credential cycle: {cycle}",
                hint="read vaults with a profile whose credential needs no Key Vault reference",
            )
        if name not in ps.profiles:
            return VaultAnswer(
                None,
                code="keyvault_credential",
                reason=f"keyvault_credential names profile '{name}', which is not a valid profile of the file",
                hint="name a valid profile",
            )
        own = ps
        if name in ps.deferred:
            own, failed = resolve_deferred(ps, [name], sandbox, (*stack, name))
            error = failed[name].error if name in failed else None
            if error is not None:
                reason = f"the reader profile {name} failed: {error.message}"
                return VaultAnswer(None, code="keyvault_credential", reason=reason, hint=error.hint)
        return profile_reader(name, own.profiles[name], own, sandbox, own.certificates.get(name))
    except EntraProfilesError as exc:
        return VaultAnswer(None, code="keyvault_credential", reason=f"{spec}: {exc.message}", hint=exc.hint)


def check_offline(ps: ProfileSet, names: list[str]) -> dict[str, Failure]:
    """What can be known without the network: each reference's shape and its vault host."""
    return _plan(ps, names).failures


def _plan(ps: ProfileSet, names: list[str]) -> Plan:
    plan = Plan()
    for name in names:
        profile = ps.profiles.get(name)
        if profile is None or name not in ps.deferred:
            continue
        cloud = ps.cloud(profile.cloud)
        reader = profile.keyvault_credential or ps.keyvault_credential or DEFAULT_READER
        for path, where in ps.deferred[name]:
            value = _get(profile, path)
            try:
                refs = (
                    [parse_secret_uri(value)]
                    if path == ("credential", "keyvault")
                    else [p.keyvault for p in parse(value) if isinstance(p, Ref) and p.keyvault is not None]
                )
            except ReferenceSyntaxError as exc:
                plan.failures[name] = Failure("keyvault_reference", f"{where}: {exc}", exc.hint, where, str(exc))
                break
            for ref in refs:
                uri = ref.uri(cloud.keyvault_suffix)
                host = urlsplit(uri).hostname or ""
                if not host.endswith("." + cloud.keyvault_suffix):
                    reason = (
                        f"vault host {host} is not a Key Vault of the {cloud.name} cloud "
                        f"(*.{cloud.keyvault_suffix}); the reference was refused and no token was sent"
                    )
                    hint = "use the vault's real URL, or set the profile's cloud"
                    plan.failures[name] = Failure("keyvault_host_refused", f"{where}: {reason}", hint, where, reason)
                    break
                plan.uses.append(Use(name, path, where, ref, uri, reader))
    return plan


def _vault(uri: str) -> str:
    return uri.split("/secrets/")[0]


def _get(model: Any, path: tuple[str, ...]) -> str:
    value = model
    for part in path:
        value = getattr(value, part)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)


def _substitute(model: BaseModel, path: tuple[str, ...], value: str, use: Use) -> Any:
    """A copy of `model` with the references at `path` replaced by the secret's value."""
    head, rest = path[0], path[1:]
    current = getattr(model, head)
    if rest:
        return model.model_copy(update={head: _substitute(current, rest, value, use)})
    raw = current.get_secret_value() if isinstance(current, SecretStr) else str(current)
    text = _fill(raw, use, value)
    return model.model_copy(update={head: SecretStr(text) if isinstance(current, SecretStr) else text})


def _fill(raw: str, use: Use, value: str) -> str:
    out = []
    for part in parse(raw):
        if isinstance(part, str):
            out.append(part)
        elif part.keyvault == use.ref:
            out.append(value)
        else:
            out.append(part.raw)  # another reference: filled by its own Use
    return "".join(out)


def _certificate_bytes(answer: VaultAnswer) -> tuple[bytes, str]:
    assert answer.value is not None
    if answer.content_type == "application/x-pkcs12":
        return base64.b64decode(answer.value), "pfx"
    return answer.value.encode(), "pem"
