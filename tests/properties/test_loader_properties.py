"""Property: whatever the file, `validate` ends with exit 0 or 1 and located problems, never a crash.

In-process through the CLI's main() for speed (hypothesis runs hundreds of files); `make test` uses
the `ci` profile (derandomized, a fixed number of examples); `--hypothesis-profile=deep` runs many
more. bench/loader_campaign.py runs thousands of mutations with time and memory limits per file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from clirunner import run_cli, validate_in_process
from hypothesis import given
from hypothesis import strategies as st
from mutations import OPERATORS, mutate, numbered_case, seeds, write_case
from outcome import violations

SEEDS = seeds()
KEYS = [
    "version", "profiles", "templates", "defaults", "clouds", "groups", "keyvault_credential", "tenant",
    "client_id", "cloud", "credential", "type", "secret", "thumbprint", "subject", "path", "keyvault",
    "password", "stores", "send_certificate_chain", "token_file", "github", "azure_pipelines",
    "service_connection_id", "audience", "object_id", "resource_id", "scopes", "tags", "extends",
    "description", "expect", "roles", "probe", "authority_host", "graph_endpoint", "keyvault_suffix",
    "ca_bundle", "managed_identity_endpoint", "<<",
]  # fmt: skip
WORDS = [
    "client_secret", "certificate", "managed_identity", "workload_identity", "contoso.onmicrosoft.com",
    "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811", "Global", "USGov", "China", "all", "tag:x", "profile:p",
    "https://graph.microsoft.com/.default", "${env:HOME}", "${file:/dev/zero}", "${file:pipe}",
    "${keyvault:https://v.vault.azure.net/secrets/s}", "@Microsoft.KeyVault(VaultName=v;SecretName=s)",
    "https://login.lab.example", "vault.lab.example", "CN=x", "6A1B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D",
]  # fmt: skip

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.sampled_from(WORDS), st.text(max_size=30))
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=10))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=6)),
    max_leaves=40,
)


def assert_behaves(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_case(Path(tmp), data)
        r = validate_in_process("-f", str(path))
        assert violations(r, path) == [], (r.code, r.out[-2000:], r.err[-2000:])


@given(
    seed=st.sampled_from(range(len(SEEDS))),
    steps=st.lists(st.tuples(st.sampled_from(OPERATORS), st.integers(0, 2**32 - 1)), min_size=1, max_size=5),
)
def test_mutated_real_files(seed: int, steps: list[tuple[str, int]]) -> None:
    assert_behaves(mutate(SEEDS[seed][1], steps))


@given(document=documents, wrap=st.booleans(), unicode=st.booleans())
def test_arbitrary_yaml_documents(document: object, wrap: bool, unicode: bool) -> None:
    if wrap:  # one level inside a real file's shape, so that the later checks see it too
        document = {"version": 1, "profiles": {"p": document}, "templates": {"t": document}}
    assert_behaves(yaml.safe_dump(document, allow_unicode=unicode).encode("utf-8", "surrogatepass"))


@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_arbitrary_text(text: str) -> None:
    assert_behaves(("version: 1\nprofiles:\n  p:\n" + text).encode())


@pytest.mark.parametrize("n", [3, 14, 15, 92, 65])
def test_a_handful_of_mutations_through_the_real_cli(tmp_path: Path, n: int) -> None:
    """The same rule, through the installed entry point in a fresh process (numbered campaign cases)."""
    seed, steps = numbered_case(n, len(SEEDS))
    path = write_case(tmp_path, mutate(SEEDS[seed][1], steps))
    r = run_cli("-f", str(path), "validate", timeout=60)
    assert violations(r, path) == [], (steps, r.code, r.err[-2000:])
