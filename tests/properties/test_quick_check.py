"""Property: what config/quick.py accepts, pydantic accepts with an equal result; and a file loads the same
(profiles, problems, their places and words) whether the quick check is on or off.

Generated profiles mix values of the right shape with near misses (case, whitespace, a trailing newline,
non-ASCII, numbers and booleans where text goes, unknown keys, nulls) for every field of every credential.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, SecretStr, ValidationError

from entra_profiles.config import loader, quick
from entra_profiles.config.models import CustomCloud, Profile, ProfileFile
from entra_profiles.config.partial import PartialProfile

# The strategies below are large: their repr, made when a case fails, would be too.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

GUID = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"
REFERENCE = "${keyvault:https://v.vault.azure.net/secrets/g}"
GUIDS = [GUID, GUID.upper(), REFERENCE], [f"{GUID}\n", f" {GUID}", "not-a-guid", ""]
TENANTS = (
    [GUID, GUID.upper(), "contoso.onmicrosoft.com", "Contoso.COM"],
    ["common", "localhost", "bücher.example", "a..b", f"{GUID}\n"],
)
SCOPES = (
    ["https://graph.microsoft.com/.default", f"{GUID}/.default", "api://app/.default"],
    [
        "https://graph.microsoft.com/User.Read",
        "https://graph.microsoft.com//.default",
        "",
        "User.Read",
    ],
)
DURATIONS = ["30d", " 2w ", "12h", "45m", "90s", 30], ["1y", "30", True, "1000000d", "30d\n", "３０d"]
NAMES = ["prod", "p-1", "base"], ["_x", "a b", "ünï", "x\n", ""]
KEYVAULT_CREDENTIALS = (
    ["environment", "workload_identity", "managed_identity", f"managed_identity:{GUID}", "profile:prod"],
    [
        "managed_identity:\x1c",
        "profile:",
        "profile:a b",
        "environment\n",
        "Environment",
        "managed_identity:ä",
    ],
)
URLS = (
    ["https://login.example", "https://login.example/", "https://login.example/x/"],
    ["http://login.example", "https://a b", "https://x/\n"],
)
SUFFIXES = ["vault.lab.example", ".Vault.Example"], ["x", "vault..example"]
THUMBPRINTS = (
    ["6A1B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D", "6a:1b:3c:4d:5e:6f:70:81:92:a3:b4:c5:d6:e7:f8:09:1a:2b:3c:4d"],
    ["12", "zz"],
)
RESOURCES = (
    ["/subscriptions/s/resourceGroups/g"],
    ["/subscriptions//x", "subscriptions/s/", "/subscriptions/s/\n", "/subscriptions/ä/"],
)
TEXT = ["s3cret", "CN=x", "c.pem", "d"], ["", " "]
BOOLS = [True, False], [1, "yes", None]

odd = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1, 31),
    st.floats(allow_nan=False, width=16),
    st.lists(st.sampled_from(["a", GUID]), max_size=2),
    st.dictionaries(st.sampled_from(["a", "type"]), st.just("x"), max_size=1),
    st.text(max_size=8),
)


def one_of(pools: tuple[list[Any], list[Any]]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right shape, sometimes a near miss, now and then anything."""
    good, near = pools
    return st.sampled_from([0] * 12 + [1] * 3 + [2]).flatmap(
        lambda pick: st.sampled_from(good) if pick == 0 else st.sampled_from(near) if pick == 1 else odd
    )


def words(pools: tuple[list[Any], list[Any]]) -> st.SearchStrategy[Any]:
    return st.one_of(*[st.lists(one_of(pools), min_size=1, max_size=3)] * 8, odd)


def mapping(required: dict[str, Any], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A mapping with the `required` keys and some of the others; now and then an unknown key, or not a mapping."""
    shaped = st.fixed_dictionaries(required, optional=fields)
    return st.one_of(*[shaped] * 10, st.fixed_dictionaries({**required, "bogus": st.just(1)}, optional=fields), odd)


CREDENTIALS = [
    mapping({"type": st.just("client_secret"), "secret": one_of(TEXT)}),
    mapping(
        {"type": st.just("certificate"), "path": one_of(TEXT)},
        password=one_of(TEXT),
        send_certificate_chain=one_of(BOOLS),
    ),
    mapping(
        {"type": st.just("certificate"), "thumbprint": one_of(THUMBPRINTS)}, stores=words((["CurrentUser/My"], [""]))
    ),
    mapping({"type": st.just("certificate")}, subject=one_of(TEXT), keyvault=one_of(TEXT), path=one_of(TEXT)),
    mapping(
        {"type": st.just("managed_identity")},
        client_id=one_of(GUIDS),
        object_id=one_of(GUIDS),
        resource_id=one_of(RESOURCES),
    ),
    mapping({"type": st.just("workload_identity"), "github": one_of(([True], [False, "true"]))}, audience=one_of(TEXT)),
    mapping(
        {"type": st.just("workload_identity")},
        token_file=one_of(TEXT),
        azure_pipelines=one_of(([True], [False])),
        service_connection_id=one_of(TEXT),
        github=one_of(BOOLS),
    ),
    mapping({}, type=one_of((["client_secret", "certificate"], ["secret", "Certificate"])), secret=one_of(TEXT)),
    mapping({}, thumbprint=one_of(THUMBPRINTS), secret=one_of(TEXT), stores=words((["CurrentUser/My"], [""]))),
]
credentials = st.one_of(*CREDENTIALS)
expects = mapping(
    {},
    require_roles=words((["User.Read.All"], [""])),
    roles=words((["User.Read.All"], [" "])),
    forbid_roles=words((["*.ReadWrite.All"], [1])),
    credential_valid_for=one_of(DURATIONS),
    warn_within=one_of(DURATIONS),
    tenant=one_of(TENANTS),
    token_lifetime_min=one_of(DURATIONS),
)
profiles = mapping(
    {"tenant": one_of(TENANTS), "client_id": one_of(GUIDS), "credential": credentials},
    cloud=one_of((["Global", "USGov", "lab"], ["nowhere"])),
    scopes=words(SCOPES),
    tags=words(NAMES),
    extends=st.one_of(one_of(NAMES), words(NAMES)),
    description=one_of(TEXT),
    expect=expects,
    probe=one_of(BOOLS),
    keyvault_credential=one_of(KEYVAULT_CREDENTIALS),
    subscription_id=one_of(GUIDS),
)
clouds = mapping(
    {"authority_host": one_of(URLS), "graph_endpoint": one_of(URLS), "keyvault_suffix": one_of(SUFFIXES)},
    ca_bundle=one_of(TEXT),
    managed_identity_endpoint=one_of((["http://169.254.169.254/x", "https://mi"], ["ftp://x", "http://ä"])),
)


NAME_KEYS = st.sampled_from(NAMES[0] + NAMES[1])


def same(quick_value: Any, checked: Any) -> bool:
    """Equal, of the same types all the way down, with the same fields set."""
    if type(quick_value) is not type(checked):
        return False
    if isinstance(checked, BaseModel):
        return quick_value.model_fields_set == checked.model_fields_set and all(
            same(getattr(quick_value, name), getattr(checked, name)) for name in type(checked).model_fields
        )
    if isinstance(checked, SecretStr):
        return bool(quick_value.get_secret_value() == checked.get_secret_value())
    if isinstance(checked, list | tuple):
        return len(quick_value) == len(checked) and all(map(same, quick_value, checked))
    if isinstance(checked, dict):
        return quick_value.keys() == checked.keys() and all(same(quick_value[k], checked[k]) for k in checked)
    return bool(quick_value == checked)


def agrees(model: type[BaseModel], data: Any) -> None:
    made = quick.quick_model(model, data)
    if made is not None:
        assert same(made, model.model_validate(data)), data


@given(profiles)
def test_a_profile_quick_checked_is_the_profile_pydantic_makes(data: dict[str, Any]) -> None:
    agrees(Profile, data)


@given(profiles)
def test_a_partial_profile_quick_checked_passes_pydantic(data: dict[str, Any]) -> None:
    """Nothing wrong but what the loader leaves for after inheritance: a credential's inherited type."""
    if quick.quick_ok(Profile, data, partial=True):
        try:
            PartialProfile.model_validate(data)
        except ValidationError as exc:
            assert {e["type"] for e in exc.errors()} == {"union_tag_not_found"}, exc.errors()


@given(clouds)
def test_a_custom_cloud_quick_checked_is_the_one_pydantic_makes(data: dict[str, Any]) -> None:
    agrees(CustomCloud, data)


@given(
    mapping(
        {"version": one_of(([1], [2, "1", True])), "profiles": st.dictionaries(NAME_KEYS, profiles, max_size=3)},
        keyvault_credential=one_of(KEYVAULT_CREDENTIALS),
        defaults=st.fixed_dictionaries({}, optional={"cloud": one_of((["USGov"], [1])), "tags": words(NAMES)}),
        templates=st.dictionaries(NAME_KEYS, profiles, max_size=2),
        clouds=st.dictionaries(st.sampled_from(["lab", "a b"]), clouds, max_size=1),
        groups=st.dictionaries(NAME_KEYS, words(NAMES), max_size=2),
    )
)
def test_a_file_loads_the_same_with_the_quick_check_or_without(document: dict[str, Any]) -> None:
    if quick.quick_ok(ProfileFile, document):
        ProfileFile.model_validate(document)  # raises if pydantic finds anything wrong
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profiles.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True))
        assert _loaded(path, quick_on=True) == _loaded(path, quick_on=False)


def _loaded(path: Path, quick_on: bool) -> tuple[Any, ...]:
    with pytest.MonkeyPatch.context() as patch:
        if not quick_on:
            patch.setattr(loader, "quick_model", lambda model, data: None)
            patch.setattr(loader, "quick_ok", lambda model, data, partial=False: False)
        try:
            ps = loader.load_profiles(path, environ={})
        except Exception as exc:  # a file that cannot be read as one: the same error either way
            return (type(exc).__name__, str(exc))
        shown = {name: (type(p).__name__, repr(p), p.model_fields_set) for name, p in ps.profiles.items()}
        return shown, [(p.format(), p.owners) for p in ps.problems], ps.names, ps.tags, ps.groups


def test_the_common_shapes_are_quick_checked() -> None:
    """Each credential's usual form, and a profile with every field, are not handed to pydantic."""
    written: list[dict[str, Any]] = [
        {"type": "client_secret", "secret": "s"},
        {"type": "certificate", "path": "c.pem", "password": "pw", "send_certificate_chain": True},
        {"type": "certificate", "thumbprint": THUMBPRINTS[0][1], "stores": ["CurrentUser/My"]},
        {"type": "certificate", "subject": "CN=x"},
        {"type": "certificate", "keyvault": "https://v.vault.azure.net/certificates/c"},
        {"type": "managed_identity"},
        {"type": "managed_identity", "client_id": GUID},
        {"type": "managed_identity", "resource_id": RESOURCES[0][0]},
        {"type": "workload_identity", "github": True},
        {"type": "workload_identity", "token_file": "/t", "audience": "api://x"},
        {"type": "workload_identity", "azure_pipelines": True, "service_connection_id": "sc"},
    ]
    for credential in written:
        profile = {"tenant": "contoso.onmicrosoft.com", "credential": credential}
        if credential["type"] != "managed_identity":
            profile["client_id"] = GUID
        assert quick.quick_model(Profile, profile) is not None, credential
        assert quick.quick_ok(Profile, profile, partial=True), credential
    everything = {
        "tenant": GUID,
        "client_id": GUID,
        "cloud": "USGov",
        "credential": written[0],
        "scopes": [SCOPES[0][0]],
        "tags": ["prod"],
        "extends": ["base"],
        "description": "d",
        "probe": True,
        "subscription_id": GUID,
        "keyvault_credential": "profile:prod",
        "expect": {
            "require_roles": ["User.Read.All"],
            "forbid_roles": ["*.ReadWrite.All"],
            "credential_valid_for": "30d",
            "warn_within": "60d",
            "tenant": "Contoso",
            "token_lifetime_min": "45m",
        },
    }
    assert quick.quick_model(Profile, everything) is not None
    assert quick.quick_model(
        CustomCloud,
        {"authority_host": URLS[0][1], "graph_endpoint": URLS[0][0], "keyvault_suffix": "vault.lab.example"},
    )
    assert quick.quick_ok(ProfileFile, {"version": 1, "defaults": {}, "profiles": {"p": {}}, "groups": {"g": ["p"]}})
