"""Load a profiles file: YAML with positions, references, inheritance, validation, all problems at once."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from entra_profiles import clouds as cloudmod
from entra_profiles.config.groups import check_groups
from entra_profiles.config.inherit import extends_chain, merge
from entra_profiles.config.limits import Limits
from entra_profiles.config.models import CustomCloud, ManagedIdentity, Profile, ProfileFile
from entra_profiles.config.names import CloseNames
from entra_profiles.config.problems import dedupe, problems_from
from entra_profiles.config.quick import quick_model, quick_ok
from entra_profiles.config.readers import reader_problems
from entra_profiles.config.source import Source, parse_source, read_source
from entra_profiles.config.yamltree import LocatedList, LocatedMap, Pos, leaf_origins
from entra_profiles.errors import MAX_PROBLEMS, ConfigError, Location, Problem
from entra_profiles.redact import REDACTOR
from entra_profiles.references.local import KEYVAULT_WHERE, deferred_values, named, resolve_tree, shown

RESERVED_NAMES = {"all"}
# Up to this many profiles and templates, config/quick.py checks them: pydantic's validators would cost
# more to build (~20 ms) than they save (~10 µs a profile over quick.py's).
QUICK_UP_TO = 1000


@dataclass
class ProfileSet:
    """A loaded file: the valid profiles, every name written, and every problem found."""

    file: Path
    profiles: dict[str, Profile] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # every profile written, valid or not, in order
    tags: dict[str, list[str]] = field(default_factory=dict)  # name -> tags after inheritance
    groups: dict[str, list[str]] = field(default_factory=dict)
    clouds: dict[str, cloudmod.Cloud] = field(default_factory=dict)  # custom clouds
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)  # field path -> where its value came from
    defaults_used: dict[str, set[str]] = field(default_factory=dict)  # field path -> env names unset: default used
    # name -> [(field path inside the profile, where it is written)] of values holding Key Vault references
    deferred: dict[str, list[tuple[tuple[str, ...], Location]]] = field(default_factory=dict)
    keyvault_credential: str | None = None  # the file's top-level choice
    # name -> field path inside the profile -> where its value is written (after inheritance)
    origins: dict[str, dict[tuple[str, ...], Location]] = field(default_factory=dict)
    # name -> field path -> ["keyvault:URI (version V)", …] in the order written, filled when Key Vault
    # references are resolved
    resolved_from: dict[str, dict[tuple[str, ...], list[str]]] = field(default_factory=dict)
    certificates: dict[str, tuple[bytes, str]] = field(default_factory=dict, repr=False)  # from Key Vault

    def problems_for(self, names: list[str]) -> list[Problem]:
        """File-level problems plus those of the named profiles."""
        wanted = set(names)
        return [p for p in self.problems if not p.owners or p.owners & wanted]

    def cloud(self, name: str) -> cloudmod.Cloud:
        return self.clouds.get(name) or cloudmod.BUILTIN[name]


def default_file(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("ENTRA_PROFILES_FILE") or "profiles.yaml")


def load_profiles(path: Path, environ: Mapping[str, str] | None = None, named_by: str | None = None) -> ProfileSet:
    """Read and check a profiles file. Problems are collected in the result, not raised, except
    when the file cannot be read or parsed at all (ConfigError / UsageError). `named_by` says who
    chose the path ("-f", "ENTRA_PROFILES_FILE" or None for the default), for the hint when it is missing."""
    env = os.environ if environ is None else environ
    text = read_source(path, named_by)
    file = str(path)
    source = parse_source(text, file)
    if not isinstance(source.tree, LocatedMap):
        where = source.tree.pos if isinstance(source.tree, LocatedList) else Pos(1, 1, "")
        problem = Problem(
            Location(file, where.line, where.col), "a profiles file is a mapping with version: 1 and profiles:"
        )
        raise ConfigError([*source.problems, problem])
    return _Checker(path, source, env).run()


class _Checker:
    def __init__(self, path: Path, source: Source, env: Mapping[str, str]) -> None:
        assert isinstance(source.tree, LocatedMap)
        self.path = path
        self.file = str(path)
        self.tree: LocatedMap = source.tree
        self.source = source
        self.env = env
        self.out = ProfileSet(file=path)
        self.problems: list[Problem] = []
        self.limits = Limits()
        self.recount_at = MAX_PROBLEMS
        self.hints = CloseNames()  # did-you-mean, within one budget for the file
        self.quick = False  # config/quick.py first (see QUICK_UP_TO)

    def problem(self, pos: Pos, message: str, hint: str | None = None, owners: frozenset[str] = frozenset()) -> None:
        self.problems.append(Problem(Location(self.file, pos.line, pos.col, pos.path), message, hint, owners))

    def run(self) -> ProfileSet:
        refs = resolve_tree(self.tree, self.path.parent, self.env, self.file)
        self.problems += dedupe(self.source.problems + refs.problems)[: MAX_PROBLEMS + 1]  # the rest: see _full
        self.out.sources = refs.sources
        self.out.defaults_used = refs.defaults_used
        REDACTOR.register_many(refs.secrets)
        self.skip = refs.failed | self.source.refused
        profiles = self._mapping("profiles")
        templates = self._mapping("templates")
        self.quick = len(profiles) + len(templates) <= QUICK_UP_TO
        self._top_level()
        top = self.tree.get("keyvault_credential")
        self.out.keyvault_credential = top if isinstance(top, str) else None
        self._clouds()
        defaults = self.tree.get("defaults")
        defaults = defaults if isinstance(defaults, LocatedMap) else None
        for section in (templates, profiles):
            for name, body in section.items():
                if not self._full(body.pos):
                    self._partial(body, frozenset({name}) if section is profiles else frozenset())
        if defaults is not None and not self._full(defaults.pos):
            self._partial(defaults, frozenset())
        for name, body in profiles.items():
            self.out.names.append(name)
            if not self._full(body.pos):
                self._profile(name, body, profiles, templates, defaults)
        self._groups(profiles)
        self._vault_readers()
        self.out.problems = dedupe(self.problems)
        return self.out

    def _full(self, pos: Pos) -> bool:
        """Whether MAX_PROBLEMS were found: then the rest is not checked (said where it starts). The
        same problem found twice (where written, and after inheritance) counts once."""
        if len(self.problems) >= self.recount_at and not self.limits.stopped:
            self.problems = dedupe(self.problems)
            self.recount_at = max(MAX_PROBLEMS, len(self.problems) + MAX_PROBLEMS // 10)
            stop = self.limits.full(len(self.problems), pos)
            if stop is not None:
                self.problem(pos, *stop)
        return self.limits.stopped

    def _mapping(self, key: str) -> dict[str, LocatedMap]:
        value = self.tree.get(key)
        if not isinstance(value, LocatedMap):
            return {}
        return {k: v for k, v in value.items() if isinstance(v, LocatedMap)}

    def _validate(self, model: Any, data: Any, tree: LocatedMap, owners: frozenset[str], merged: bool = False) -> Any:
        """`merged`: a profile after inheritance, whose unknown keys were reported where each is written."""
        made = quick_model(model, data) if self.quick else None
        if made is not None:
            return made
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.problems += problems_from(
                exc, tree, model, self.file, owners, self.skip, sources=self.out.sources, keys_reported=merged
            )
            return None

    def _top_level(self) -> None:
        self._validate(ProfileFile, self.tree, self.tree, frozenset())
        profiles = self.tree.get("profiles")
        if "profiles" in self.tree and isinstance(profiles, LocatedMap):
            for name in profiles:
                if name in RESERVED_NAMES:
                    self.problem(profiles.key_pos[name], f"'{name}' is reserved", "give the profile another name")
                if not isinstance(profiles[name], LocatedMap):
                    self.problem(profiles.value_pos[name], "a profile is a mapping", None, frozenset({name}))

    def _partial(self, body: LocatedMap, owners: frozenset[str]) -> None:
        # Check what is written where it is written (templates no profile uses are checked too).
        if self.quick and quick_ok(Profile, body, partial=True):
            return
        from entra_profiles.config.partial import PartialProfile

        try:
            PartialProfile.model_validate(body)
        except ValidationError as exc:
            # A credential's type may be inherited: the merged profile is checked for it.
            ignore = frozenset({"union_tag_not_found"})
            self.problems += problems_from(
                exc, body, PartialProfile, self.file, owners, self.skip, ignore, sources=self.out.sources
            )

    def _clouds(self) -> None:
        for name, body in self._mapping("clouds").items():
            if name in cloudmod.BUILTIN:
                self.problem(body.pos, f"'{name}' is a built-in cloud", "give the custom cloud another name")
                continue
            spec = quick_model(CustomCloud, body) if self.quick else None
            if spec is None:
                try:
                    spec = CustomCloud.model_validate(body)
                except ValidationError:
                    continue  # reported by the top-level check
            ca = None
            if spec.ca_bundle:
                ca_path = (self.path.parent / Path(spec.ca_bundle).expanduser()).resolve()
                if not ca_path.is_file():
                    what = "is a folder, not a file of PEM certificates" if ca_path.is_dir() else "not found"
                    where = body.value_pos["ca_bundle"]
                    source = named(self.out.sources.get(where.path))  # then neither the value nor the path
                    said = f"({source}) {what}" if source else f"{spec.ca_bundle} {what} (looked for {ca_path})"
                    self.problem(where, f"CA bundle {said}", "paths are relative to the profiles file")
                ca = str(ca_path)
            self.out.clouds[name] = cloudmod.custom_cloud(name, spec, ca)

    def _profile(
        self,
        name: str,
        body: LocatedMap,
        profiles: dict[str, LocatedMap],
        templates: dict[str, LocatedMap],
        defaults: LocatedMap | None,
    ) -> None:
        owners = frozenset({name})
        chain, error = extends_chain(name, profiles, templates, self.out.sources, self.hints)
        if error is not None:
            if not error.reported_elsewhere and error.pos.path not in self.skip:
                self.problem(error.pos, error.message, error.hint, owners)
            return
        inherited = [*([defaults] if defaults is not None else []), *chain]
        over = self.limits.inherit(inherited)
        if over is not None:
            self.problem(body.pos, *over)
        if self.limits.over_budget:
            return
        merged = LocatedMap(body.pos)
        for layer in [*inherited, body]:
            merged = merge(merged, layer)
        merged.pos = body.pos
        tags = merged.get("tags")
        self.out.tags[name] = [str(t) for t in tags] if isinstance(tags, LocatedList) else []
        profile = self._validate(Profile, merged, merged, owners, merged=True)
        cloud_known = self._cloud_known(merged, owners)  # checked even when the rest is wrong: all at once
        if profile is None or not cloud_known or not self._identity_consistent(profile, merged, owners):
            return
        self.out.profiles[name] = profile
        self.out.origins[name] = leaf_origins(merged, (), self.file)
        refs = list(deferred_values(merged, (), self.file))
        in_lists = [p for p in refs if p[0][-1] == "[]"]
        for _, where in in_lists:
            at = Pos(where.line or 0, where.col or 0, where.path)
            self.problem(at, "Key Vault references are not allowed in lists", KEYVAULT_WHERE, owners)
        if in_lists:
            del self.out.profiles[name]
            return
        if refs:
            self.out.deferred[name] = refs

    def _cloud_known(self, merged: LocatedMap, owners: frozenset[str]) -> bool:
        cloud = merged.get("cloud")
        if not isinstance(cloud, str) or cloud in cloudmod.BUILTIN or cloud in self.out.clouds:
            return True
        where = merged.value_pos["cloud"]
        if where.path in self.skip:
            return False  # its reference's problem is reported
        known = [*cloudmod.BUILTIN, *self.out.clouds]
        origin = self.out.sources.get(where.path)  # from ${env:}/${file:}: named by its source, never shown
        guess = None if named(origin) else cloudmod.suggest(cloud, known)
        hint = f"did you mean '{guess}'? " if guess else ""
        self.problem(
            where,
            f"unknown cloud {shown(cloud, origin)}",
            hint + "known clouds: " + ", ".join(known) + " (declare others under clouds:)",
            owners,
        )
        return False

    def _identity_consistent(self, profile: Profile, merged: LocatedMap, owners: frozenset[str]) -> bool:
        """A managed identity's id lives in its credential; a profile-level client_id would be ignored."""
        if profile.client_id is None or not isinstance(profile.credential, ManagedIdentity):
            return True
        self.problem(
            merged.value_pos["client_id"],
            "client_id is not used with a managed_identity credential (it would sign in as the system-assigned one)",
            "for a user-assigned identity write credential: {type: managed_identity, client_id: …}; "
            "for the system-assigned one, set client_id: null in the profile",
            owners,
        )
        return False

    def _vault_readers(self) -> None:
        top = self.tree.value_pos.get("keyvault_credential")
        where = Location(self.file, top.line, top.col, top.path) if top is not None else None
        self.problems += reader_problems(self.out, where, self.hints)

    def _groups(self, profiles: dict[str, LocatedMap]) -> None:
        groups = self.tree.get("groups")
        if isinstance(groups, LocatedMap):
            tags = {t for tags in self.out.tags.values() for t in tags}

            def report(pos: Pos, message: str, hint: str) -> None:
                if pos.path in self.skip:
                    return  # its reference's problem is reported
                if self._full(pos):
                    raise _Stop
                self.problem(pos, message, hint)

            with contextlib.suppress(_Stop):
                self.out.groups = check_groups(groups, profiles, tags, report, self.out.sources, self.hints)


class _Stop(Exception):
    """MAX_PROBLEMS were found: the check in progress ends."""
