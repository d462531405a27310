"""Resolve the Key Vault references of the selected profiles: each distinct secret once, concurrently.

A vault host must end with the Key Vault DNS suffix of the profile's cloud, or the reference is refused
before any token is requested for it. Every value read is registered with the redactor.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from entra_profiles.config.loader import ProfileSet
from entra_profiles.config.models import Profile
from entra_profiles.config.problems import Concealed, conceal
from entra_profiles.deadlines import DEFAULT_TIMEOUT, DaemonPool, Deadline
from entra_profiles.errors import EntraProfilesError, Location
from entra_profiles.redact import REDACTOR
from entra_profiles.references.keyvault_client import Reader, VaultAnswer, identity_reader, profile_reader
from entra_profiles.references.local import named
from entra_profiles.references.syntax import (
    ALL_RESOLVED,
    KeyVaultRef,
    Ref,
    ReferenceSyntaxError,
    host_in_cloud,
    parse,
    parse_secret_uri,
    vault_host,
)
from entra_profiles.references.vault_reads import read_secret
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
    reader: str  # the keyvault_credential value
    cloud: str

    @property
    def reader_key(self) -> str:
        """Identities sign in at their cloud's authority; a profile reader at its own profile's."""
        return self.reader if self.reader.startswith("profile:") else f"{self.reader}@{self.cloud}"


@dataclass
class Plan:
    uses: list[Use] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)  # the first failure of each profile
    all_failures: dict[str, list[Failure]] = field(default_factory=dict)

    def fail(self, name: str, failure: Failure) -> None:
        """Every failing reference is reported; a profile's result names the first and counts the rest."""
        self.all_failures.setdefault(name, []).append(failure)
        first = self.all_failures[name][0]
        more = len(self.all_failures[name]) - 1
        self.failures[name] = (
            first
            if not more
            else Failure(
                first.code,
                f"{first.message} (and {more} more Key Vault failure{'s' if more > 1 else ''})",
                first.hint,
                first.where,
                first.reason,
            )
        )


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
    plan = _plan(ps, names)
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
            reason = f"Key Vault secret '{use.ref.secret}' in {_vault(use.uri)}: {answer.reason}"
            unread = Failure(answer.code, f"{use.where}: {reason}", answer.hint, use.where, reason)
            plan.fail(use.profile, in_world(unread, sandbox, _reader_tenant(ps, use)))
            continue
        resolved_from[use.profile][use.path].append(f"keyvault:{use.uri} (version {answer.version})")
        if use.path == ("credential", "keyvault"):
            material = _certificate_bytes(answer)
            if material is None:
                reason = f"Key Vault secret '{use.ref.secret}' in {_vault(use.uri)} is not a PFX or PEM certificate"
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
        failure = _revalidate(profiles[name], ps, name)
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
        vault = (reader, _vault(uri))
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


def _revalidate(
    profile: Profile, ps: ProfileSet, name: str, what: str = "the value read from Key Vault"
) -> Failure | None:
    """Values from a vault (or from the environment or a file, looking like a reference) meet the same checks
    as values written in the file."""
    resolved = ALL_RESOLVED.set(True)
    try:
        Profile.model_validate(profile.model_dump())
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        path = tuple(
            str(p)
            for p in err["loc"]
            if str(p) not in ("client_secret", "certificate", "managed_identity", "workload_identity")
        )
        where = ps.origins.get(name, {}).get(path, Location(str(ps.file)))
        concealed = Concealed(named(ps.sources.get(where.path)) or "it")
        why = conceal(str(err["msg"]).removeprefix("Value error, "), err.get("input"), concealed)
        reason = f"{what} is not valid here: {why}"  # never its text, nor its characters
        return Failure("keyvault_value", f"{where}: {reason}", None, where, reason)
    finally:
        ALL_RESOLVED.reset(resolved)
    return None


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


def check_offline(ps: ProfileSet, names: list[str]) -> list[tuple[str, Failure]]:
    """What can be known without the network: each reference's shape and its vault host."""
    return [(n, f) for n, fs in _plan(ps, names).all_failures.items() for f in fs]


def _plan(ps: ProfileSet, names: list[str]) -> Plan:
    plan = Plan()
    for name in names:
        profile = ps.profiles.get(name)
        if profile is None or name not in ps.deferred:
            continue
        cloud = ps.cloud(profile.cloud)
        reader = profile.keyvault_credential or ps.keyvault_credential or DEFAULT_READER
        data_only = False
        for path, where in ps.deferred[name]:
            value = _get(profile, path)
            # Only a reference written in the file is read: text that came from ${env:} or ${file:} is data,
            # however much it looks like one (a value is never parsed for references twice).
            written = {s.removeprefix("keyvault:") for s in ps.sources.get(where.path, []) if s.startswith("keyvault:")}
            if not written and path != ("credential", "keyvault"):
                data_only = True
                continue
            try:
                refs = (
                    [parse_secret_uri(value)]
                    if path == ("credential", "keyvault")
                    else [
                        p.keyvault
                        for p in parse(value)
                        if isinstance(p, Ref) and p.keyvault is not None and p.body in written
                    ]
                )
            except ReferenceSyntaxError as exc:
                source = named(ps.sources.get(where.path))  # a URI from ${env:}/${file:}: named, never shown
                reason = f"{source} is not a Key Vault secret URI in canonical form" if source else str(exc)
                plan.fail(name, Failure("keyvault_reference", f"{where}: {reason}", exc.hint, where, reason))
                continue
            for ref in refs:
                uri = ref.uri(cloud.keyvault_suffix)
                host = vault_host(uri)
                if not host_in_cloud(host, cloud.keyvault_suffix):
                    reason = (
                        f"vault host {host} is not a Key Vault of the {cloud.name} cloud "
                        f"(*.{cloud.keyvault_suffix}); the reference was refused and no token was sent"
                    )
                    hint = "use the vault's real URL, or set the profile's cloud"
                    plan.fail(name, Failure("keyvault_host_refused", f"{where}: {reason}", hint, where, reason))
                    continue
                plan.uses.append(Use(name, path, where, ref, uri, reader, cloud.name))
        failure = _revalidate(profile, ps, name, "a referenced value") if data_only else None
        if failure is not None:
            plan.fail(name, failure)
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
