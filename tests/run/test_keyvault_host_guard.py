"""A vault token goes only to a host under the cloud's vault suffix, for the cloud's vault resource.

A man in the middle on 127.0.0.1 records every request it gets. Reference URIs that a URL parser and
the HTTP client read differently (a backslash, a user name, percent-encoding, a port, whitespace that
urllib strips, non-ASCII dots …) must be refused before any request, so it must see none; and a vault
whose challenge names another resource (ARM) must still get a token for the vault resource only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirunner import Result, run_cli
from mitm import Mitm, bundle, fake_sandbox
from runsupport import AUTOMATION, CONTOSO

from entra_profiles.sandbox import Sandbox

SUFFIX = "vault.lab.example"
GOOD = f"kv.{SUFFIX}"


def tricks(attacker: str) -> list[tuple[str, str]]:
    """(what, secret URI): each names the vault host to a naive check, and some reach the attacker."""
    a, g = attacker, GOOD
    return [
        ("backslash before @", f"https://{a}\\@{g}/secrets/s"),
        ("two backslashes", f"https://{a}\\\\@{g}/secrets/s"),
        ("backslash as a dot", f"https://{a}\\.{g}/secrets/s"),
        ("userinfo", f"https://{a}@{g}/secrets/s"),
        ("userinfo, host first", f"https://{g}@{a}/secrets/s"),
        ("percent-encoded @", f"https://{a}%40{g}/secrets/s"),
        ("percent-encoded slash", f"https://{g}%2f@{a}/secrets/s"),
        ("percent-encoded dot", f"https://kv%2e{SUFFIX}/secrets/s"),
        ("tab before @ (urllib strips it)", f"https://{a}\t@{g}/secrets/s"),
        ("newline in the host", f"https://{a}\n.{g}/secrets/s"),
        ("carriage return", f"https://{g}\r@{a}/secrets/s"),
        ("space", f"https://{a} @{g}/secrets/s"),
        ("port on the vault host", f"https://{g}:{a.rpartition(':')[2]}/secrets/s"),
        ("trailing dot", f"https://{g}./secrets/s"),
        ("fullwidth dots", "https://kv\uff0evault\uff0elab\uff0eexample/secrets/s"),
        ("ideographic dot", "https://kv\u3002vault.lab.example/secrets/s"),
        ("IDNA host", f"https://k\u00e9v.{SUFFIX}/secrets/s"),
        ("IPv6 literal", f"https://[::1]:{a.rpartition(':')[2]}/secrets/s"),
        ("@ in the path", f"https://{g}/secrets/s@{a}"),
        ("fragment before @", f"https://{a}#@{g}/secrets/s"),
        ("query before @", f"https://{a}?@{g}/secrets/s"),
        ("uppercase scheme and backslash", f"HTTPS://{a}\\@{g}/secrets/s"),
        ("zero-width space", f"https://{a}\u200b@{g}/secrets/s"),
    ]


def profiles(box: Sandbox, ca: Path, *written: str) -> str:
    """A custom cloud whose token service is the sandbox (no --sandbox routing rewrites a vault URL), and
    one victim profile per credential written."""
    victims = "".join(
        f"  victim{i}:\n    tenant: contoso.onmicrosoft.com\n    client_id: {AUTOMATION}\n    cloud: lab\n{w}\n"
        for i, w in enumerate(written)
    )
    return f"""version: 1
clouds:
  lab:
    authority_host: {box.info["authority_host"]}
    graph_endpoint: {box.info["graph_endpoint"]}
    keyvault_suffix: {SUFFIX}
    ca_bundle: {ca}
keyvault_credential: profile:reader
profiles:
  reader:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    cloud: lab
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
{victims}"""


FORMS = {
    "reference": lambda uri: (
        "    credential: {type: client_secret, secret: " + json.dumps("${keyvault:" + uri + "}") + "}"
    ),
    "app service": lambda uri: (
        "    credential: {type: client_secret, secret: "
        + json.dumps("@Microsoft.KeyVault(SecretUri=" + uri + ")")
        + "}"
    ),
    "certificate": lambda uri: f"    credential: {{type: certificate, keyvault: {json.dumps(uri)}}}",
}


def resolve_all(
    box: Sandbox, tmp_path: Path, mitm: Mitm, uris: list[str], forms: tuple[str, ...] = tuple(FORMS)
) -> tuple[Result, list[str]]:
    """`validate --resolve` of one victim per URI and form; the victims' names."""
    ca = bundle(tmp_path / "cas.pem", Path(box.info["ca_bundle"]), mitm.ca_cert)
    written = [FORMS[form](uri) for form in forms for uri in uris]
    path = tmp_path / "profiles.yaml"
    path.write_text(profiles(box, ca, *written), encoding="utf-8")
    r = run_cli("-f", str(path), "validate", "--resolve", "--format", "json", timeout=300)
    return r, [f"victim{i}" for i in range(len(written))]


@pytest.mark.parametrize("form", list(FORMS))
def test_no_url_trick_sends_a_token_off_the_vault_suffix(box: Sandbox, tmp_path: Path, form: str) -> None:
    with Mitm(tmp_path / "mitm", authority=f"https://login.microsoftonline.com/{CONTOSO}") as mitm:
        uris = [uri for _, uri in tricks(f"127.0.0.1:{mitm.port}")]
        r, victims = resolve_all(box, tmp_path, mitm, uris, (form,))
        assert r.code == 1, r.err
        refused = {name for p in json.loads(r.out)["problems"] for name in p["profiles"]}
        assert refused == set(victims)
        assert mitm.seen == []


def test_a_backslash_before_the_vault_host_sends_no_token(box: Sandbox, tmp_path: Path) -> None:
    """The tricks that passed the old check: the one SDK versions before 4.12 sent the token through."""
    with Mitm(tmp_path / "mitm", authority=f"https://login.microsoftonline.com/{CONTOSO}") as mitm:
        attacker = f"127.0.0.1:{mitm.port}"
        uris = [f"https://{attacker}\\@{GOOD}/secrets/s", f"HTTPS://{attacker}\\\\@{GOOD}/secrets/s"]
        r, _ = resolve_all(box, tmp_path, mitm, uris)
        assert r.code == 1, r.err
        assert mitm.tokens() == [], [s.path for s in mitm.tokens()]
        assert mitm.seen == []


def test_a_backslash_in_the_vault_host_is_refused_offline_saying_why(box: Sandbox, tmp_path: Path) -> None:
    uri = f"https://127.0.0.1:1\\@{GOOD}/secrets/s"
    path = tmp_path / "profiles.yaml"
    path.write_text(profiles(box, Path(box.info["ca_bundle"]), FORMS["certificate"](uri)), encoding="utf-8")
    r = run_cli("-f", str(path), "validate")
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f"{path}:19:47: profiles.victim0.credential.keyvault: Key Vault secret URI '{uri}' is not in canonical "
        "form: it holds a backslash (HTTP clients read it as the end of the host)\n"
        "  hint: write https://VAULT.vault.azure.net/secrets/NAME or …/secrets/NAME/VERSION\n"
        "1 problem found\n"
    )


@pytest.mark.parametrize(
    ("cloud", "host", "audience"),
    [
        ("lab", "contoso-ops.vault.lab.example", "https://vault.lab.example"),
        ("Global", "contoso-ops.vault.azure.net", "https://vault.azure.net"),
    ],
)
def test_a_vault_cannot_choose_the_audience_of_its_token(
    box: Sandbox, tmp_path: Path, cloud: str, host: str, audience: str
) -> None:
    with Mitm(tmp_path / "mitm", challenge_resource="https://management.azure.com") as mitm:
        mitm.authority = f"https://login.microsoftonline.com/{CONTOSO}"
        sandbox = fake_sandbox(box, mitm, tmp_path / "fake-sandbox")
        path = tmp_path / "profiles.yaml"
        path.write_text(
            f"""version: 1
clouds:
  lab:
    authority_host: https://login.lab.example
    graph_endpoint: https://graph.lab.example
    keyvault_suffix: vault.lab.example
keyvault_credential: profile:reader
profiles:
  reader:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    cloud: {cloud}
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
  victim:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    cloud: {cloud}
    credential: {{type: client_secret, secret: "${{keyvault:https://{host}/secrets/app}}"}}
""",
            encoding="utf-8",
        )
        r: Result = run_cli("-f", str(path), "validate", "--resolve", "victim", "--sandbox", str(sandbox))
        assert r.code == 1, r.err
        assert "forbidden for profile reader" in r.err
        assert [s.audience for s in mitm.tokens()] == [audience]
