"""The reference syntax of string values: `${env:…}`, `${file:…}`, `${keyvault:…}`, `@Microsoft.KeyVault(…)`.

`parse` splits a string into literal text and references; `$${` is a literal `${`. Parsing is pure:
resolving a reference is the job of the scheme's own module.
"""

from __future__ import annotations

import difflib
import re
from contextvars import ContextVar
from dataclasses import dataclass

SCHEMES = ("env", "file", "keyvault")
DEFERRED_SCHEMES = {"keyvault"}  # resolved over the network, after validation
APP_SERVICE_PREFIX = "@Microsoft.KeyVault("
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SECRET_NAME_RE = re.compile(r"[0-9A-Za-z-]{1,127}")
VAULT_NAME_RE = re.compile(r"[A-Za-z][0-9A-Za-z-]{1,22}[0-9A-Za-z]")
VERSION_RE = re.compile(r"[0-9a-fA-F]{32}")
# A vault host as HTTP clients and we read it alike: ASCII DNS labels and dots, nothing else.
DNS_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST_RE = re.compile(rf"{DNS_LABEL}(?:\.{DNS_LABEL})+")
# What no canonical secret URI holds: each is read differently by urlsplit, urllib3 and browsers.
NOT_CANONICAL = (
    ("\\", "a backslash (HTTP clients read it as the end of the host)"),
    ("%", "percent-encoding"),
)


class ReferenceSyntaxError(ValueError):
    """A reference that cannot be parsed; `hint` says how to write it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class KeyVaultRef:
    """A Key Vault secret: by URI, or by vault name (whose DNS suffix comes from the cloud)."""

    secret: str
    version: str | None = None
    vault_url: str | None = None  # https://NAME.vault.azure.net
    vault_name: str | None = None

    def uri(self, keyvault_suffix: str) -> str:
        base = self.vault_url or f"https://{self.vault_name}.{keyvault_suffix}"
        return f"{base}/secrets/{self.secret}" + (f"/{self.version}" if self.version else "")


@dataclass(frozen=True)
class Ref:
    scheme: str
    body: str
    raw: str
    default: str | None = None  # env only
    keyvault: KeyVaultRef | None = None


Part = str | Ref


def has_reference(value: str) -> bool:
    return "${" in value or APP_SERVICE_PREFIX in value


# Set while values are checked once every reference is resolved: any `${keyvault:` text left is data
# (it came from the environment, a file or a vault), and is checked as the value it is.
ALL_RESOLVED: ContextVar[bool] = ContextVar("ALL_RESOLVED", default=False)


def is_deferred(value: str) -> bool:
    """True when the string holds a Key Vault reference (checked once resolved)."""
    return not ALL_RESOLVED.get() and ("${keyvault:" in value or APP_SERVICE_PREFIX in value)


def parse(value: str) -> list[Part]:
    """Split a string into literals and references; raise ReferenceSyntaxError on a malformed one."""
    parts: list[Part] = []
    text: list[str] = []
    i = 0
    while i < len(value):
        if value.startswith("$${", i):
            text.append("${")
            i += 3
        elif value.startswith("${", i):
            end = value.find("}", i + 2)
            if end < 0:
                raise ReferenceSyntaxError(
                    f"unterminated reference '{value[i : i + 40]}'",
                    "close it with '}', or write $${ for a literal ${",
                )
            if text:
                parts.append("".join(text))
                text = []
            parts.append(_parse_dollar(value[i : end + 1]))
            i = end + 1
        elif value.startswith(APP_SERVICE_PREFIX, i):
            end = value.find(")", i)
            if end < 0:
                raise ReferenceSyntaxError("unterminated @Microsoft.KeyVault( reference", "close it with ')'")
            if text:
                parts.append("".join(text))
                text = []
            raw = value[i : end + 1]
            parts.append(Ref("keyvault", raw, raw, keyvault=parse_app_service(raw)))
            i = end + 1
        else:
            text.append(value[i])
            i += 1
    if text:
        parts.append("".join(text))
    return parts


def _parse_dollar(raw: str) -> Ref:
    inner = raw[2:-1]
    scheme, sep, body = inner.partition(":")
    if not sep or scheme not in SCHEMES:
        close = difflib.get_close_matches(scheme, SCHEMES, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ReferenceSyntaxError(
            f"unknown reference '{raw}'",
            hint + "references are ${env:NAME}, ${env:NAME:-default}, ${file:path}, ${keyvault:URI}; "
            "write $${ for a literal ${",
        )
    if "${" in body:
        raise ReferenceSyntaxError(
            f"a reference inside a reference ('{raw}…') is not supported",
            "references do not nest: write the URI or name itself, e.g. ${keyvault:https://VAULT.vault.azure.net/"
            "secrets/NAME} (a value read from ${env:} or ${file:} is data, never parsed for references)",
        )
    if scheme == "env":
        name, dsep, default = body.partition(":-")
        if not ENV_NAME_RE.fullmatch(name):
            raise ReferenceSyntaxError(f"'{name}' is not an environment variable name", "use letters, digits and _")
        return Ref("env", name, raw, default=default if dsep else None)
    if scheme == "file":
        if not body.strip():
            raise ReferenceSyntaxError("${file:} needs a path", "write ${file:relative/to/this/file}")
        return Ref("file", body, raw)
    return Ref("keyvault", body, raw, keyvault=parse_secret_uri(body))


def parse_secret_uri(uri: str) -> KeyVaultRef:
    """`https://VAULT.vault.azure.net/secrets/NAME[/VERSION]`, in canonical form only.

    The vault URL handed to the HTTP client is rebuilt from the host read here, so the host that is
    checked against the cloud's vault suffix is the host the request goes to, whatever the URI looked
    like. Anything that parsers read differently (a backslash, a user name, percent-encoding, a port,
    an IP literal, a trailing dot, non-ASCII or whitespace) is refused, never normalised.
    """
    hint = "write https://VAULT.vault.azure.net/secrets/NAME or …/secrets/NAME/VERSION"
    if not uri.startswith("https://"):
        raise ReferenceSyntaxError(f"Key Vault secret URI '{uri}' must start with https://", hint)
    why = _not_canonical(uri)
    if why:
        raise ReferenceSyntaxError(f"Key Vault secret URI '{uri}' is not in canonical form: it holds {why}", hint)
    rest = uri[len("https://") :]
    authority, slash, path = rest.partition("/")
    if "?" in authority or "#" in authority or "?" in path or "#" in path:
        raise ReferenceSyntaxError(f"Key Vault secret URI '{uri}' must not carry a query or fragment", hint)
    if "@" in authority:
        raise ReferenceSyntaxError(f"Key Vault secret URI '{uri}' must not name a user (…@)", hint)
    if ":" in authority or "[" in authority:
        raise ReferenceSyntaxError(f"Key Vault secret URI '{uri}' must not name a port or an IP address", hint)
    if not HOST_RE.fullmatch(authority):
        raise ReferenceSyntaxError(
            f"Key Vault secret URI '{uri}' has no valid vault host: letters, digits, hyphens and dots, "
            "with no dot at the end",
            hint,
        )
    segments = path.split("/") if slash else []
    if len(segments) not in (2, 3) or segments[0] != "secrets":
        raise ReferenceSyntaxError(f"'{uri}' is not a Key Vault secret URI", hint)
    name = segments[1]
    version = segments[2] if len(segments) == 3 else None
    _check_secret(name, version, hint)
    return KeyVaultRef(secret=name, version=version, vault_url=f"https://{authority.lower()}")


def _not_canonical(uri: str) -> str | None:
    """What in `uri` HTTP clients and URL parsers disagree on, if anything."""
    for text, what in NOT_CANONICAL:
        if text in uri:
            return what
    odd = next((c for c in uri if not c.isascii() or not c.isprintable() or c.isspace()), None)
    if odd is not None:
        return f"the character U+{ord(odd):04X} (only printable ASCII, no spaces)"
    return None


def vault_host(vault_url: str) -> str:
    """The host of a vault URL built by `KeyVaultRef.uri` (always `https://HOST`, canonical)."""
    return vault_url.removeprefix("https://").partition("/")[0]


def host_in_cloud(host: str, keyvault_suffix: str) -> bool:
    """Whether a canonical vault host is a vault of the cloud whose DNS suffix is `keyvault_suffix`."""
    return HOST_RE.fullmatch(host) is not None and host.lower().endswith("." + keyvault_suffix.lower())


def parse_app_service(raw: str) -> KeyVaultRef:
    """`@Microsoft.KeyVault(SecretUri=…)` or `@Microsoft.KeyVault(VaultName=…;SecretName=…[;SecretVersion=…])`."""
    hint = "write @Microsoft.KeyVault(SecretUri=https://…) or @Microsoft.KeyVault(VaultName=V;SecretName=S)"
    inner = raw[len(APP_SERVICE_PREFIX) : -1]
    fields: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in inner.split(";"))):
        key, sep, val = item.partition("=")
        if not sep or not val.strip():
            raise ReferenceSyntaxError(f"malformed Key Vault reference '{raw}': '{item}' is not Key=Value", hint)
        fields[key.strip()] = val.strip()
    if set(fields) == {"SecretUri"}:
        return parse_secret_uri(fields["SecretUri"])
    allowed = {"VaultName", "SecretName", "SecretVersion"}
    if {"VaultName", "SecretName"} <= set(fields) <= allowed:
        vault = fields["VaultName"]
        if not VAULT_NAME_RE.fullmatch(vault):
            raise ReferenceSyntaxError(f"'{vault}' is not a Key Vault name (3-24 letters, digits, hyphens)", hint)
        _check_secret(fields["SecretName"], fields.get("SecretVersion"), hint)
        return KeyVaultRef(fields["SecretName"], fields.get("SecretVersion"), vault_name=vault.lower())
    unknown = sorted(set(fields) - allowed - {"SecretUri"})
    detail = f"unknown field {', '.join(unknown)}" if unknown else "needs SecretUri, or VaultName and SecretName"
    raise ReferenceSyntaxError(f"malformed Key Vault reference '{raw}': {detail}", hint)


def _check_secret(name: str, version: str | None, hint: str) -> None:
    if not SECRET_NAME_RE.fullmatch(name):
        raise ReferenceSyntaxError(f"'{name}' is not a Key Vault secret name (letters, digits, hyphens)", hint)
    if version is not None and not VERSION_RE.fullmatch(version):
        raise ReferenceSyntaxError(f"'{version}' is not a Key Vault secret version (32 hex digits)", hint)
