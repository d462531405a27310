"""docs/sandbox.md's seed example is a valid seed, with every part of the format it describes."""

from __future__ import annotations

import re

import yaml
from testenv import REPO_DIR

from entra_profiles.sandbox.seed import load_seed

DOC = (REPO_DIR / "docs" / "sandbox.md").read_text(encoding="utf-8")


def test_the_seed_example_is_a_valid_seed() -> None:
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", DOC, re.S) if b.lstrip().startswith("tenants:")]
    assert len(blocks) == 1
    seed = load_seed(yaml.safe_load(blocks[0]))
    tenant = seed.tenants[0]
    assert tenant.subscriptions and tenant.resources and tenant.apps[0].identifier_uris
    assert [s.expires_in for s in tenant.apps[0].secrets] == [None, "10d", None]
    assert [c.expires_in for c in tenant.apps[0].certificate_entries()] == [None, "5d"]
