import json

from clirunner import run_cli
from testenv import REPO_DIR


def test_committed_schema_is_current() -> None:
    r = run_cli("schema")
    assert r.code == 0, r.err
    committed = (REPO_DIR / "schemas" / "profiles.schema.json").read_text()
    assert json.loads(committed) == json.loads(r.out), "schemas/profiles.schema.json is stale: run `make schema`"


def test_schema_describes_credentials_and_forbids_unknown_keys() -> None:
    schema = json.loads((REPO_DIR / "schemas" / "profiles.schema.json").read_text())
    assert schema["additionalProperties"] is False
    defs = schema["$defs"]
    assert {"PartialClientSecret", "PartialCertificate", "PartialManagedIdentity", "PartialWorkloadIdentity"} <= set(
        defs
    )
    assert defs["PartialProfile"]["additionalProperties"] is False
