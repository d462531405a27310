"""Resolve the Key Vault references of the selected profiles: each distinct secret once, concurrently.

A vault host must end with the Key Vault DNS suffix of the profile's cloud, or the reference is refused
before any token is requested for it. Every value read is registered with the redactor.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, SecretStr

from entra_profiles.config.loader import ProfileSet
from entra_profiles.deadlines import DEFAULT_TIMEOUT, DaemonPool, Deadline
from entra_profiles.errors import EntraProfilesError
from entra_profiles.redact import REDACTOR
from entra_profiles.references.keyvault_client import Reader, VaultAnswer, identity_reader, profile_reader
from entra_profiles.references.keyvault_plan import Use, make_plan, revalidate, vault_of
from entra_profiles.references.syntax import (
    KeyVaultRef,
    parse,
)
from entra_profiles.references.vault_reads import read_secret
from entra_profiles.results import Failure, ProfileResult
from entra_profiles.routing import SandboxInfo

MAX_PARALLEL_READS = 16


def resolve_deferred(
    ps: ProfileSet,
    names: list[str],
    sandbox: SandboxInfo | None,
    deadline: Deadline | None = None,
    *,
    retries: int = 3,
    every_failure: list[tuple[str, Failure]] | None = None,
    _stack: tuple[str, ...] = (),
) -> tuple[ProfileSet, dict[str, ProfileResult]]:
    """A ProfileSet whose selected profiles hold the values, and the profiles that failed to resolve.
    Every read (its reader's sign-in included) ends by `deadline` (default: 60 s from now), transient
    failures retried up to `retries` times. `every_failure` receives each failing reference (a
    profile's result names only its first)."""
    from entra_profiles.routing import in_world

    deadline = deadline or Deadline.start(DEFAULT_TIMEOUT)
    plan = make_plan(ps, names)
    keys = sorted({(u.uri, u.reader_key) for u in plan.uses if u.profile not in plan.failures})
    answers = _read_all(keys, {u.reader_key: u for u in plan.uses}, ps, sandbox, _stack, (deadline, retries))
    for read in answers.values():
        if read.value is not None:
            REDACTOR.register(read.value)
    profiles = dict(ps.profiles)
    certificates = dict(ps.certificates)
    resolved_from = {n: dict(v) for n, v in ps.resolved_from.items()}
    for use in plan.uses:  # read again (or for the first time): listed afresh, in the order written
        resolved_from.setdefault(use.profile, {})[use.path] = []
    filled: dict[tuple[str, tuple[str, ...]], dict[KeyVaultRef, str]] = {}
    for use in plan.uses:
        answer = answers.get((use.uri, use.reader_key))
        if answer is None:
            continue  # not read: the profile failed before (a refused host, a malformed reference)
        if answer.value is None:
            reason = f"Key Vault secret '{use.ref.secret}' in {vault_of(use.uri)}: {answer.reason}"
            unread = Failure(answer.code, f"{use.where}: {reason}", answer.hint, use.where, reason)
            plan.fail(use.profile, in_world(unread, sandbox, _reader_tenant(ps, use)))
            continue
        resolved_from[use.profile][use.path].append(f"keyvault:{use.uri} (version {answer.version})")
        if use.path == ("credential", "keyvault"):
            material = _certificate_bytes(answer)
            if material is None:
                reason = f"Key Vault secret '{use.ref.secret}' in {vault_of(use.uri)} is not a PFX or PEM certificate"
                plan.fail(
                    use.profile, Failure("keyvault_certificate", f"{use.where}: {reason}", None, use.where, reason)
                )
            else:
                certificates[use.profile] = material
        else:
            filled.setdefault((use.profile, use.path), {})[use.ref] = answer.value
    for (name, path), values in filled.items():
        if name not in plan.failures:
            profiles[name] = _substitute(profiles[name], path, values)
    for name in {n for n, _ in filled} - set(plan.failures):
        failure = revalidate(profiles[name], ps, name)
        if failure is not None:
            plan.fail(name, failure)
    failed = {n: ProfileResult(n, error=plan.failures[n]) for n in plan.failures}
    if every_failure is not None:
        every_failure += [(n, f) for n, fs in plan.all_failures.items() for f in fs]
    return replace(ps, profiles=profiles, certificates=certificates, resolved_from=resolved_from), failed


def _reader_tenant(ps: ProfileSet, use: Use) -> str:
    """The tenant whose sign-in reads the secret: the reader profile's, else the profile's own."""
    reader = ps.profiles.get(use.reader.removeprefix("profile:")) if use.reader.startswith("profile:") else None
    return (reader or ps.profiles[use.profile]).tenant


def _read_all(
    keys: list[tuple[str, str]],
    uses: dict[str, Use],
    ps: ProfileSet,
    sandbox: SandboxInfo | None,
    stack: tuple[str, ...],
    limits: tuple[Deadline, int],
) -> dict[tuple[str, str], VaultAnswer]:
    """Each distinct (secret, reader) once, concurrently, each answer by the deadline."""
    deadline, retries = limits
    if not keys:
        return {}
    readers: dict[str, Reader | VaultAnswer] = {}
    for _, key in keys:
        if key not in readers:
            use = uses[key]
            readers[key] = _reader(use.reader, use.cloud, ps, sandbox, stack, limits)
    answers = {k: v for k in keys if isinstance(v := readers[k[1]], VaultAnswer)}
    live = {k: r for k in keys if isinstance(r := readers[k[1]], Reader)}
    if live:
        pool = DaemonPool(min(MAX_PARALLEL_READS, len(live)), "vault")
        try:  # each read returns by the deadline, a read that never started at once after it
            for wave in _waves(list(live)):
                futures = {k: pool.submit(read_secret, k[0], live[k], deadline, retries) for k in wave}
                answers.update({k: f.result() for k, f in futures.items()})
        finally:
            pool.shutdown()  # Ctrl-C: do not wait for slow vaults
    for r in readers.values():
        if isinstance(r, Reader):
            r.close()
    return answers


def _waves(keys: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The reads in three waves, so that no request is made twice: first one read per reader (its
    sign-in: one token each), then one per vault of each reader (the vault's challenge, once each), then
    all the others at once (the token and the challenge known). Read all at once, each read would meet
    the challenge and ask for a token of its own."""
    first, second, rest = [], [], []
    readers: set[str] = set()
    vaults: set[tuple[str, str]] = set()
    for key in keys:
        uri, reader = key
        vault = (reader, vault_of(uri))
        if reader not in readers:
            readers.add(reader)
            vaults.add(vault)
            first.append(key)
        elif vault not in vaults:
            vaults.add(vault)
            second.append(key)
        else:
            rest.append(key)
    return [wave for wave in (first, second, rest) if wave]


def _reader(
    spec: str,
    cloud: str,
    ps: ProfileSet,
    sandbox: SandboxInfo | None,
    stack: tuple[str, ...],
    limits: tuple[Deadline, int],
) -> Reader | VaultAnswer:
    """The identity that reads vaults, or why it cannot: a broken or cyclic `profile:` reader."""
    kind, _, name = spec.partition(":")
    try:
        if kind != "profile":
            return identity_reader(spec, ps.cloud(cloud), sandbox)
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
            own, failed = resolve_deferred(ps, [name], sandbox, limits[0], retries=limits[1], _stack=(*stack, name))
            error = failed[name].error if name in failed else None
            if error is not None:
                reason = f"the reader profile {name} failed: {error.reason or error.message}"
                return VaultAnswer(None, code="keyvault_credential", reason=reason, hint=error.hint)
        return profile_reader(name, own.profiles[name], own, sandbox, own.certificates.get(name))
    except EntraProfilesError as exc:
        return VaultAnswer(None, code="keyvault_credential", reason=f"{spec}: {exc.message}", hint=exc.hint)


def _substitute(model: BaseModel, path: tuple[str, ...], values: dict[KeyVaultRef, str]) -> Any:
    """A copy of `model` with every Key Vault reference at `path` replaced by its value, in one pass
    over the text as written (a value that itself holds `${` is never parsed again)."""
    head, rest = path[0], path[1:]
    current = getattr(model, head)
    if rest:
        return model.model_copy(update={head: _substitute(current, rest, values)})
    raw = current.get_secret_value() if isinstance(current, SecretStr) else str(current)
    text = "".join(
        p if isinstance(p, str) else values.get(p.keyvault, p.raw) if p.keyvault else p.raw for p in parse(raw)
    )
    return model.model_copy(update={head: SecretStr(text) if isinstance(current, SecretStr) else text})


def _certificate_bytes(answer: VaultAnswer) -> tuple[bytes, str] | None:
    """A Key Vault certificate's content: base64 PFX, or PEM text; None when it is neither."""
    assert answer.value is not None
    if answer.content_type == "application/x-pkcs12":
        try:
            return base64.b64decode(answer.value, validate=True), "pfx"
        except binascii.Error:
            return None
    return answer.value.encode(), "pem"
