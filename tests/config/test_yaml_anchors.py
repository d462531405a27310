"""Anchors, aliases and merge keys keep YAML's meaning in the event-built tree, positions included."""

from __future__ import annotations

from pathlib import Path

from entra_profiles.config.loader import load_profiles

FILE = """version: 1
x-common: &common
  tenant: contoso.onmicrosoft.com
  client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811
x-secret: &secret {type: client_secret, secret: s3cret-value}
x-tags: &tags [a, b]
x-cloud: &cloud USGov
profiles:
  merged:
    <<: *common
    credential: *secret
    tags: *tags
  explicit-wins:
    <<: [*common, {tenant: fabrikam.onmicrosoft.com, cloud: China}]
    cloud: *cloud
    credential: {<<: *secret, secret: other-value}
"""


def test_anchors_aliases_and_merge_keys(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(FILE)
    ps = load_profiles(path, environ={})
    unknown = [p.format().split("\n")[0] for p in ps.problems]
    assert all("unknown key 'x-" in p for p in unknown) and len(unknown) == 4  # the anchors' homes, top level
    merged, explicit = ps.profiles["merged"], ps.profiles["explicit-wins"]
    assert (merged.tenant, merged.tags, merged.cloud) == ("contoso.onmicrosoft.com", ["a", "b"], "Global")
    assert merged.credential.secret.get_secret_value() == "s3cret-value"  # type: ignore[union-attr]
    # explicit keys win over merged ones; earlier merge sources over later ones
    assert (explicit.tenant, explicit.cloud) == ("contoso.onmicrosoft.com", "USGov")
    assert explicit.credential.secret.get_secret_value() == "other-value"  # type: ignore[union-attr]
    # a merged or aliased value points at the line where it is written: in its anchor
    assert ps.origins["merged"][("tenant",)].line == 3
    assert ps.origins["explicit-wins"][("cloud",)].line == 7
