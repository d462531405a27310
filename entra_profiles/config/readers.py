"""`keyvault_credential: profile:NAME` checked when the file is read: NAME must be a profile of the
file, and profiles must not read each other's Key Vault secrets in a circle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from entra_profiles.config.names import CloseNames
from entra_profiles.errors import Location, Problem
from entra_profiles.references.local import named

if TYPE_CHECKING:
    from entra_profiles.config.loader import ProfileSet


def reader_problems(ps: ProfileSet, top: Location | None, hints: CloseNames | None = None) -> list[Problem]:
    """Problems of the readers of the profiles with Key Vault references; `top` is where the file's
    own keyvault_credential is written."""
    problems: list[Problem] = []
    hints = hints or CloseNames()

    def reader(name: str) -> tuple[str | None, Location | None]:
        own = ps.profiles[name].keyvault_credential
        spec = own or ps.keyvault_credential or ""
        where = ps.origins[name].get(("keyvault_credential",)) if own else top
        return (spec[len("profile:") :] if spec.startswith("profile:") else None), where

    for name in ps.deferred:
        target, where = reader(name)
        if target is None or where is None:
            continue
        owners = frozenset({name})
        if target not in ps.names:
            source = named(ps.sources.get(where.path))
            if source:  # from ${env:}/${file:}: named by its source, never shown
                message, hint = f"keyvault_credential names no profile ({source})", None
            else:
                message = f"keyvault_credential names no profile '{target}'"
                hint = hints.hint(target, ps.names, otherwise="name a profile of this file")
            problems.append(Problem(where, message, hint or "name a profile of this file", owners))
            continue
        chain = [name]
        while target in ps.deferred and target not in chain:
            chain.append(target)
            target, _ = reader(target)
            if target is None:
                break
        if target == name:
            cycle = " → ".join(f"profile:{n}" for n in [*chain, name])
            hint = "read vaults with a profile whose own credential needs no Key Vault reference"
            problems.append(Problem(where, f"keyvault_credential cycle: {cycle}", hint, owners))
    return problems
