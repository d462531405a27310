"""Resolve `${env:…}` and `${file:…}` in a located tree now; shape-check Key Vault references.

Key Vault references are left in place (resolved over the network later); `$${` escapes are kept
escaped in strings that still hold such a reference, and unescaped in the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entra_profiles.config.models import SECRET_FIELDS
from entra_profiles.config.yamltree import LocatedList, LocatedMap, Pos
from entra_profiles.errors import Location, Problem, clipped
from entra_profiles.references.syntax import Ref, ReferenceSyntaxError, has_reference, is_deferred, parse
from entra_profiles.regular_files import NotRegularFile, read_regular

MAX_FILE_BYTES = 1 << 20
QUOTES_INPUT = ("unterminated", "unknown reference")  # messages that quote the text around a `${`
# Where a Key Vault reference may stand: a profile's text fields that are read when it connects (in the
# profile, a template or the defaults). Everything else is needed when the file is loaded (a cloud's
# endpoints, cloud, extends, keyvault_credential, a credential's type, groups), where the reference
# would be taken as its own text.
KEYVAULT_FIELDS = frozenset(
    {"tenant", "client_id", "description", "expect.tenant"}
    | {f"credential.{f}" for f in ("secret", "password", "thumbprint", "subject", "path", "token_file")}
    | {f"credential.{f}" for f in ("service_connection_id", "audience", "client_id", "object_id", "resource_id")}
)
KEYVAULT_WHERE = (
    "a Key Vault reference may stand in a profile's (a template's, the defaults') tenant, client_id, "
    "description, expect.tenant and credential fields, read when it connects; here write the value, or an "
    "${env:…} or ${file:…} reference"
)


def named(sources: list[str] | None) -> str | None:
    """How a problem names a value that came from references (it may be a secret): by its sources."""
    local = [s for s in sources or [] if not s.startswith("keyvault:")]
    return "the value of " + " and ".join("${" + s + "}" for s in local) if local else None


def shown(value: object, sources: list[str] | None) -> str:
    """A value as a problem shows it: quoted when written in the file (at most 100 characters), named when
    it came from `sources`."""
    return named(sources) or f"'{clipped(str(value), 100)}'"


@dataclass
class LocalResolution:
    problems: list[Problem] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # paths whose value could not be resolved
    sources: dict[str, list[str]] = field(default_factory=dict)  # path -> ["env:NAME", "file:x"]
    defaults_used: dict[str, set[str]] = field(default_factory=dict)  # path -> {NAME}: unset, its default used
    secrets: list[str] = field(default_factory=list, repr=False)  # values read from env/file (to redact)


def resolve_tree(tree: Any, base_dir: Path, environ: Mapping[str, str], file: str) -> LocalResolution:
    out = LocalResolution()
    _walk(tree, base_dir, environ, file, out)
    return out


def _walk(node: Any, base_dir: Path, environ: Mapping[str, str], file: str, out: LocalResolution) -> None:
    if isinstance(node, LocatedMap):
        for key, value in list(node.items()):
            if isinstance(value, str) and has_reference(value):
                node[key] = _resolve(value, node.value_pos[key], base_dir, environ, file, out)
            else:
                _walk(value, base_dir, environ, file, out)
            if isinstance(node[key], str) and key in SECRET_FIELDS and not is_deferred(node[key]):
                out.secrets.append(node[key])  # a secret written in the file is still a secret to hide
    elif isinstance(node, LocatedList):
        for i, value in enumerate(node):
            if isinstance(value, str) and has_reference(value):
                node[i] = _resolve(value, node.item_pos[i], base_dir, environ, file, out)
            else:
                _walk(value, base_dir, environ, file, out)


def _resolve(value: str, pos: Pos, base_dir: Path, environ: Mapping[str, str], file: str, out: LocalResolution) -> str:
    where = Location(file, pos.line, pos.col, pos.path)
    owners = _owners(pos.path)
    try:
        parts = parse(value)
    except ReferenceSyntaxError as exc:
        message = str(exc)
        if pos.path.rsplit(".", 1)[-1] in SECRET_FIELDS and message.startswith(QUOTES_INPUT):
            message = "this value holds a malformed reference (the value is not shown: it may be a secret)"
        out.problems.append(Problem(where, message, exc.hint, owners))
        out.failed.add(pos.path)
        return value
    deferred = any(isinstance(p, Ref) and p.scheme == "keyvault" for p in parts)
    if deferred and not keyvault_allowed(pos.path):
        message = "Key Vault references are not allowed here: this value is read when the file is loaded"
        out.problems.append(Problem(where, message, KEYVAULT_WHERE, owners))
        out.failed.add(pos.path)
        return value
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part.replace("${", "$${") if deferred else part)
            continue
        if part.scheme == "keyvault":
            pieces.append(part.raw)
            out.sources.setdefault(pos.path, []).append(f"keyvault:{part.body}")
            continue
        try:
            resolved = _local(part, base_dir, environ)
        except ReferenceSyntaxError as exc:
            out.problems.append(Problem(where, str(exc), exc.hint, owners))
            out.failed.add(pos.path)
            return value
        out.sources.setdefault(pos.path, []).append(f"{part.scheme}:{part.body}")
        if part.scheme == "env" and part.body not in environ:
            out.defaults_used.setdefault(pos.path, set()).add(part.body)
        if resolved and pos.path.rsplit(".", 1)[-1] in SECRET_FIELDS:
            out.secrets.append(resolved)
        pieces.append(resolved.replace("${", "$${") if deferred else resolved)
    return "".join(pieces)


def _local(ref: Ref, base_dir: Path, environ: Mapping[str, str]) -> str:
    if ref.scheme == "env":
        if ref.body in environ:
            return environ[ref.body]
        if ref.default is not None:
            return ref.default
        raise ReferenceSyntaxError(
            f"environment variable {ref.body} is not set",
            f"set it, or give a default: ${{env:{ref.body}:-value}}",
        )
    path = (base_dir / Path(ref.body).expanduser()).resolve()
    try:
        data = _read_regular(path, ref.body)
    except FileNotFoundError:
        raise ReferenceSyntaxError(
            f"file {ref.body} not found (looked for {path})", "paths are relative to the profiles file"
        ) from None
    except OSError as exc:
        raise ReferenceSyntaxError(f"cannot read file {ref.body}: {exc.strerror}", None) from None
    if len(data) > MAX_FILE_BYTES:
        raise ReferenceSyntaxError(f"file {ref.body} is larger than 1 MiB", "reference a smaller file")
    try:
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # universal newlines, as text mode
    except UnicodeDecodeError:
        raise ReferenceSyntaxError(f"file {ref.body} is not UTF-8 text", "reference a text file") from None
    return text.removesuffix("\n")


def _read_regular(path: Path, written: str) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of a regular file (regular_files.py); a pipe, device or socket is
    refused before it is read."""
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except NotRegularFile as exc:
        raise ReferenceSyntaxError(
            f"{written} is {exc.kind}, not a regular file",
            "reference a file of text: pipes, devices and sockets are not read",
        ) from None


def keyvault_allowed(path: str) -> bool:
    """Whether a Key Vault reference may stand at `path` (a list item of a profile is refused where the
    profile is checked, after inheritance)."""
    section, _, rest = path.partition(".")
    if section in ("profiles", "templates"):
        rest = rest.partition(".")[2]
    elif section != "defaults":
        return False
    return rest in KEYVAULT_FIELDS or "[" in rest


def _owners(path: str) -> frozenset[str]:
    if path.startswith("profiles."):
        return frozenset({path.split(".")[1].split("[")[0]})
    return frozenset()


def deferred_values(node: Any, at: tuple[str, ...], file: str) -> Any:
    """(field path, location) of each string that holds a Key Vault reference, or is a certificate's
    `keyvault` secret URI."""
    if isinstance(node, LocatedMap):
        for key, value in node.items():
            path = (*at, key)
            if isinstance(value, str) and (is_deferred(value) or path == ("credential", "keyvault")):
                pos = node.value_pos[key]
                yield path, Location(file, pos.line, pos.col, pos.path)
            else:
                yield from deferred_values(value, path, file)
    elif isinstance(node, LocatedList):
        for item, pos in zip(node, node.item_pos, strict=True):
            if isinstance(item, str) and is_deferred(item):
                yield (*at, "[]"), Location(file, pos.line, pos.col, pos.path)
