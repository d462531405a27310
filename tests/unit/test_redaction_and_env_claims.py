"""The redactor against escaped forms, and process-environment claims of a run."""

from __future__ import annotations

import json
import os

import pytest
import yaml

from entra_profiles.credentials.process_env import claim, release_all
from entra_profiles.redact import Redactor
from entra_profiles.results import ProfileFailed


def test_secret_masked_raw_json_escaped_yaml_and_by_line() -> None:
    r = Redactor()
    secret = "pa\"ss\\wörd's\nsecond-line"
    r.register(secret)
    for text in (
        json.dumps({"v": secret}),
        json.dumps({"v": secret}, ensure_ascii=False),
        yaml.safe_dump({"v": secret}, allow_unicode=True),
        f"x {secret} y",
    ):
        masked = r.redact(text)
        assert "***" in masked
        for piece in ("wörd", "w\\u00f6rd", "second-line", 'pa\\"ss'):
            assert piece not in masked, (text, masked)
    assert r.redact("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl") == "Bearer ***"


def test_secret_masked_in_repr_forms_and_before_yaml_folds_it() -> None:
    r = Redactor()
    secret = "correct horse battery staple 'quoted' \"double\" ctl\x01char\x1b end of the secret value"
    r.register(secret)
    for text in (repr(secret), repr({"k": secret}), str(KeyError(secret)), f"no attribute {secret!r}"):
        assert "horse" not in r.redact(text), text
    document = {"message": f"'{secret}' is not a GUID, and this line is long enough for YAML to fold it"}
    dumped = yaml.safe_dump(r.redact_tree(document), width=40)
    assert "horse" not in dumped and "staple" not in dumped and "***" in dumped


def test_short_values_are_not_registered() -> None:
    r = Redactor()
    r.register("abc")
    assert r.redact("abc abc") == "abc abc"


def test_claims_conflict_and_restore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "https://before")
    claim("AZURE_POD_IDENTITY_AUTHORITY_HOST", "https://127.0.0.1:1", "a managed identity of the lab cloud")
    claim("AZURE_POD_IDENTITY_AUTHORITY_HOST", "https://127.0.0.1:1", "the same endpoint again")  # fine
    with pytest.raises(ProfileFailed) as caught:
        claim("AZURE_POD_IDENTITY_AUTHORITY_HOST", "https://before", "a managed identity of the Global cloud")
    assert caught.value.failure.message == (
        "a managed identity of the Global cloud needs AZURE_POD_IDENTITY_AUTHORITY_HOST=https://before, but another "
        "profile of this run needs https://127.0.0.1:1: azure-identity reads it from the process environment"
    )
    release_all()
    assert os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"] == "https://before"


def test_every_span_a_secret_covers_is_masked_overlaps_as_one() -> None:
    r = Redactor()
    r.register("abcdXY")
    r.register("dXYZsecretlong")
    assert r.redact("..abcdXYZsecretlong..") == "..***.."  # neither leaves a piece of the other
    r.register("xyzw1")
    assert r.redact("xyzw1xyzw1") == "******"  # adjacent, each masked


def test_secrets_sharing_their_start_are_each_found() -> None:
    r = Redactor()
    for i in range(2000):
        r.register(f"bench-secret-{i}")
    assert r.redact("a bench-secret-1999 and bench-secret-7 but not bench-secret-") == (
        "a *** and *** but not bench-secret-"
    )


def test_a_jwt_is_masked_by_its_shape_not_registered() -> None:
    r = Redactor()
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"
    r.register(token)
    assert r._index == {}
    assert r.redact(f"Bearer {token}, again: {token}") == "Bearer ***, again: ***"
