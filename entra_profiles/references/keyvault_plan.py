"""Plan the Key Vault reads of the selected profiles: each reference as written, its vault host checked
against the profile's cloud before any token is requested, and the checks a value read must meet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr, ValidationError

from entra_profiles.config.loader import ProfileSet
from entra_profiles.config.models import Profile
from entra_profiles.config.problems import Concealed, conceal
from entra_profiles.errors import Location
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
from entra_profiles.results import Failure

DEFAULT_READER = "managed_identity"


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


def revalidate(
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


def check_offline(ps: ProfileSet, names: list[str]) -> list[tuple[str, Failure]]:
    """What can be known without the network: each reference's shape and its vault host."""
    return [(n, f) for n, fs in make_plan(ps, names).all_failures.items() for f in fs]


def make_plan(ps: ProfileSet, names: list[str]) -> Plan:
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
        failure = revalidate(profile, ps, name, "a referenced value") if data_only else None
        if failure is not None:
            plan.fail(name, failure)
    return plan


def vault_of(uri: str) -> str:
    return uri.split("/secrets/")[0]


def _get(model: Any, path: tuple[str, ...]) -> str:
    value = model
    for part in path:
        value = getattr(value, part)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)
