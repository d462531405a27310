"""A GUID is the whole value: a scope or a tenant that merely starts with one is not a GUID."""

from __future__ import annotations

from entra_profiles.config.fields import GUID_RE, app_only_scope_fix

GRAPH = "00000003-0000-0000-c000-000000000000"


def test_a_value_that_starts_with_a_guid_is_not_one() -> None:
    assert GUID_RE.match(GRAPH)
    assert not GUID_RE.match(f"{GRAPH}\n") and not GUID_RE.match(f"{GRAPH}.example.com")


def test_the_scope_hint_for_an_app_id_and_a_permission_is_the_app_id_default() -> None:
    assert app_only_scope_fix(f"{GRAPH}/User.Read") == f"{GRAPH}/.default"
    assert app_only_scope_fix(f"{GRAPH}/.default") is None
    assert app_only_scope_fix(f"{GRAPH}junk/.default") == "RESOURCE/.default"
