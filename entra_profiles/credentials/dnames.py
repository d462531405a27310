"""Distinguished names: shown as .NET's X500DistinguishedName shows them, compared RDN by RDN."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

# Attribute names as .NET's X500DistinguishedName shows them (others: OID.1.2.3).
DOTNET_NAMES = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.COUNTRY_NAME: "C",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "S",
    NameOID.STREET_ADDRESS: "STREET",
    NameOID.DOMAIN_COMPONENT: "DC",
    NameOID.EMAIL_ADDRESS: "E",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.GIVEN_NAME: "G",
    NameOID.SURNAME: "SN",
    NameOID.TITLE: "T",
}


DnKey = tuple[tuple[tuple[str, str], ...], ...]  # RDNs in display order, each a sorted (type, value) tuple
ALIASES = {"ST": "S", "EMAIL": "E", "EMAILADDRESS": "E", "GN": "G", "GIVENNAME": "G", "SURNAME": "SN", "TITLE": "T"}
ALIASES["UID"] = NameOID.USER_ID.dotted_string
ALIASES |= {oid.dotted_string: name for oid, name in DOTNET_NAMES.items()}


def dotnet_name(name: x509.Name) -> str:
    """RFC 4514 order (most specific first), `, ` between RDNs, .NET names (S=, E=), .NET quoting."""
    return ", ".join(
        "+".join(f"{attribute_name(a.oid)}={_quoted(_text(a.value))}" for a in rdn) for rdn in reversed(name.rdns)
    )


def attribute_name(oid: x509.ObjectIdentifier) -> str:
    return DOTNET_NAMES.get(oid, f"OID.{oid.dotted_string}")


def _text(value: str | bytes) -> str:
    return value if isinstance(value, str) else "#" + value.hex()


def _quoted(value: str) -> str:
    if value and value == value.strip() and not any(c in value for c in ',+=<>#;"\n\r'):
        return value
    return '"' + value.replace('"', '""') + '"'


def name_key(name: x509.Name) -> DnKey:
    """A certificate's subject in display order, for comparison with `parse_dn`."""
    return tuple(
        tuple(sorted((_type(attribute_name(a.oid)), _text(a.value).strip().casefold()) for a in rdn))
        for rdn in reversed(name.rdns)
    )


def parse_dn(text: str) -> DnKey:
    """`CN=app, O="Contoso, Ltd"` or `CN=app,O=Contoso\\, Ltd`: types and values case-folded, spaces trimmed."""
    rdns: list[list[tuple[str, str]]] = [[]]
    typ: list[str] = []
    value: list[str] = []
    in_value = quoted = False
    i = 0
    while i < len(text):
        c, i = text[i], i + 1
        if c == "\\" and i < len(text):
            (value if in_value else typ).append(text[i])
            i += 1
        elif c == '"' and quoted and text[i : i + 1] == '"':  # "" inside quotes
            value.append(c)
            i += 1
        elif c == '"' and in_value:
            quoted = not quoted
        elif quoted:
            value.append(c)
        elif c == "=" and not in_value:
            in_value = True
        elif c in ",;+":
            _end_attribute(rdns[-1], typ, value, in_value)
            typ, value, in_value = [], [], False
            if c != "+":
                rdns.append([])
        else:
            (value if in_value else typ).append(c)
    if quoted:
        raise ValueError("a quote is not closed")
    _end_attribute(rdns[-1], typ, value, in_value)
    key = tuple(tuple(sorted(rdn)) for rdn in rdns if rdn)
    if not key:
        raise ValueError("it is empty")
    return key


def _end_attribute(rdn: list[tuple[str, str]], typ: list[str], value: list[str], in_value: bool) -> None:
    name = "".join(typ).strip()
    if not in_value:
        if name:
            raise ValueError(f"{name!r} has no '='")
        return
    if not name:
        raise ValueError("an attribute has no name before '='")
    rdn.append((_type(name), "".join(value).strip().casefold()))


def _type(name: str) -> str:
    upper = name.upper().removeprefix("OID.")
    return ALIASES.get(upper, upper)
