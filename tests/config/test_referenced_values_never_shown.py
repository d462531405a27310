"""A value that came from `${env:}` is never shown in a problem, whatever field it is in: a canary is put
through `${env:CANARY}` into every field of the format (where written, through a template, in a custom
cloud, in groups, at the top), as a value each field refuses and as one it may take, and `validate`,
`list` and `resolve` (text and JSON) are read for it. Problems name it by its source instead."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
import yaml
from clirunner import Result

from entra_profiles.config.models import SECRET_FIELDS

REF = "${env:CANARY}"
CANARIES = ["qZv7Kx", "qZv7Kx w/'x:1"]  # one a Name or a path may be; one no field takes
APP = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"
THUMB = "A" * 40
CLOUD = {"authority_host": "https://login.lab.example", "graph_endpoint": "https://graph.lab.example"}


def credentials() -> dict[str, dict[str, object]]:
    """A credential per credential field, with the field's value the reference."""
    return {
        "credential.type": {"type": REF, "secret": "s3cret-value"},
        "credential.secret": {"type": "client_secret", "secret": REF},
        **{f"certificate.{k}": {"type": "certificate", k: REF} for k in ("thumbprint", "subject", "path", "keyvault")},
        "certificate.password": {"type": "certificate", "thumbprint": THUMB, "password": REF},
        "certificate.stores": {"type": "certificate", "thumbprint": THUMB, "stores": [REF]},
        "certificate.send_certificate_chain": {
            "type": "certificate",
            "thumbprint": THUMB,
            "send_certificate_chain": REF,
        },
        **{
            f"managed_identity.{k}": {"type": "managed_identity", k: REF}
            for k in ("client_id", "object_id", "resource_id")
        },
        **{
            f"workload_identity.{k}": {"type": "workload_identity", k: REF}
            for k in ("token_file", "github", "azure_pipelines")
        },
        "workload_identity.service_connection_id": {
            "type": "workload_identity",
            "azure_pipelines": True,
            "service_connection_id": REF,
        },
        "workload_identity.audience": {"type": "workload_identity", "github": True, "audience": REF},
    }


EXPECT_FIELDS = {
    "require_roles": [REF],
    "roles": [REF],
    "forbid_roles": [REF],
    "credential_valid_for": REF,
    "warn_within": REF,
    "tenant": REF,
    "token_lifetime_min": REF,
}
PROFILE_FIELDS: dict[str, object] = {
    "tenant": REF,
    "client_id": REF,
    "cloud": REF,
    "scopes": [REF],
    "tags": [REF],
    "extends": REF,
    "extends[]": [REF],
    "description": REF,
    "probe": REF,
    "keyvault_credential": REF,
    "subscription_id": REF,
    **{f"expect.{k}": {k: v} for k, v in EXPECT_FIELDS.items()},
    "expect.both": {"credential_valid_for": "30d", "warn_within": REF},  # a check of the mapping quotes it
}


def documents() -> dict[str, dict[str, object]]:
    """One profiles file per field and place."""
    base = {
        "tenant": "contoso.onmicrosoft.com",
        "client_id": APP,
        "credential": {"type": "client_secret", "secret": "s3cret-value"},
    }
    docs: dict[str, dict[str, object]] = {}
    for field, value in PROFILE_FIELDS.items():
        key = field.split(".")[0].removesuffix("[]")
        for place in ("profile", "template") if key == "extends" else ("profile", "template", "defaults"):
            doc: dict[str, object] = {
                "version": 1,
                "templates": {"t": {}},
                "clouds": {"lab": {**CLOUD, "keyvault_suffix": "vault.lab.example"}},
            }
            profile = dict(base)
            holder = (
                profile
                if place == "profile"
                else doc["templates"]["t"]
                if place == "template"
                else doc.setdefault("defaults", {})
            )  # type: ignore[index]
            if place != "profile":
                profile.pop(key, None)
                profile["extends"] = "t"
            holder[key] = value
            doc["profiles"] = {"p": profile}
            docs[f"{place}:{field}"] = doc
    for field, credential in credentials().items():
        profile = {**base, "credential": credential}
        if field.startswith("managed_identity"):
            profile.pop("client_id")
        docs[f"profile:{field}"] = {"version": 1, "profiles": {"p": profile}}
    for field in (*CLOUD, "keyvault_suffix", "ca_bundle", "managed_identity_endpoint"):
        cloud = {**CLOUD, "keyvault_suffix": "vault.lab.example", field: REF}
        docs[f"cloud:{field}"] = {"version": 1, "clouds": {"lab": cloud}, "profiles": {"p": {**base, "cloud": "lab"}}}
    docs["top:keyvault_credential"] = {"version": 1, "keyvault_credential": REF, "profiles": {"p": base}}
    docs["top:version"] = {"version": REF, "profiles": {"p": base}}
    docs["groups:member"] = {"version": 1, "profiles": {"p": base}, "groups": {"g": [REF, f"tag:{REF}"]}}
    return docs


DOCUMENTS = documents()
# Fields that take any text (or say what is wrong without quoting it): no problem to name the canary in.
TAKE_ANY_TEXT = (
    "description",
    "subject",
    "path",
    "token_file",
    "audience",
    "stores",
    "password",
    "secret",
    "roles",
    "expect.tenant",
    "service_connection_id",
    "thumbprint",
)
COMMANDS = [
    ["validate"],
    ["validate", "--format", "json"],
    ["list"],
    ["list", "--format", "json"],
    ["resolve", "p"],
    ["resolve", "p", "--format", "json"],
]


def in_process(*args: str, env: dict[str, str]) -> Result:
    """The CLI's main() in this process (the commands need no network), output captured."""
    from entra_profiles.cli import main
    from entra_profiles.redact import REDACTOR

    REDACTOR.clear()
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for k, v in env.items():
            mp.setenv(k, v)
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return Result(code, out.getvalue(), err.getvalue())


def problem_text(r: Result, path: Path) -> str:
    """The problems a command printed: text lines at the file's positions and their hints, or JSON's."""
    text = [line for line in (r.out + r.err).splitlines() if line.startswith((str(path), "  hint:"))]
    with contextlib.suppress(ValueError):
        data = json.loads(r.out)
        if isinstance(data, dict) and "problems" in data:
            text.append(json.dumps(data["problems"], ensure_ascii=False))
    return "\n".join(text)


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_a_referenced_value_is_named_never_shown(tmp_path: Path, name: str) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(yaml.safe_dump(DOCUMENTS[name], sort_keys=False), encoding="utf-8")
    secret = name.rsplit(".", 1)[-1] in SECRET_FIELDS
    named = 0
    for canary in CANARIES:
        for command in COMMANDS:
            r = in_process("-f", str(path), *command, env={"CANARY": canary})
            assert r.code in (0, 1), (command, r.code, r.err)
            problems = problem_text(r, path)
            named += "${env:CANARY}" in problems
            shown = r.out + r.err if command[0] == "validate" or secret else problems
            assert canary not in shown, (command, canary, shown)
            assert canary.split()[0] not in problems, (command, problems)
    if not name.endswith(TAKE_ANY_TEXT):
        assert named, "no problem named the reference: the check did not see the canary"


def test_every_field_of_the_format_is_covered() -> None:
    """A field added to the models joins the table above."""
    from entra_profiles.config.models import CREDENTIAL_TYPES, CustomCloud, Expect, Profile

    covered = {name.split(":", 1)[1].removesuffix("[]") for name in DOCUMENTS}
    wanted = {f for f in Profile.model_fields if f not in ("credential", "expect")}
    wanted |= {f"expect.{f}" for f in Expect.model_fields} | set(CustomCloud.model_fields)
    wanted |= {f"{kind}.{f}" for kind, model in CREDENTIAL_TYPES.items() for f in model.model_fields if f != "type"}
    wanted = {w.replace("client_secret.", "credential.") for w in wanted} | {"credential.type"}
    assert wanted <= covered, sorted(wanted - covered)


def test_a_check_of_a_whole_mapping_does_not_quote_a_referenced_value(tmp_path: Path) -> None:
    doc = {"version": 1, "profiles": {"p": {**DOCUMENTS["top:version"]["profiles"]["p"]}}}  # type: ignore[index]
    doc["profiles"]["p"]["expect"] = {"credential_valid_for": "30d", "warn_within": "${env:W}"}  # type: ignore[index]
    path = tmp_path / "profiles.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    r = in_process("-f", str(path), "validate", env={"W": "20d"})
    assert r.err.splitlines()[0] == (
        f"{path}:8:7: profiles.p.expect: warn_within (***) must be longer than credential_valid_for (30d): a "
        "credential ending within credential_valid_for fails, one ending later but within warn_within warns"
    )
