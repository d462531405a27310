"""1,000 profiles as 4 shard processes (`--shard auto` with GitLab's and Kubernetes' variables), merged: each
profile exactly once, the merged report equal (apart from timings) to one unsharded run; a missing or
doubled shard is named."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from batchsupport import make_batch_world
from clirunner import Result, run_cli

from entra_profiles.sandbox import Sandbox


@pytest.fixture(scope="module")
def batch_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path]]:
    directory = tmp_path_factory.mktemp("batch")
    seed, profiles = make_batch_world(directory, tenants=50, apps=20)
    with Sandbox(directory / "sandbox", seed) as sb:
        yield sb, profiles


def run(sb: Sandbox, profiles: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_cli("-f", str(profiles), "run", "all", "--sandbox", str(sb.state_dir), *args, env=env, timeout=300)


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs from run to run: durations and the tokens' expiry."""
    for profile in document["profiles"]:
        profile.pop("duration_s")
        if profile["context"]:
            profile["context"].pop("TokenExpiresOn")
    return document


@pytest.fixture(scope="module")
def shards(batch_world: tuple[Sandbox, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Result]]:
    """The four shards, run at once: two as GitLab `parallel: 4` jobs, two as Kubernetes Indexed Job pods."""
    sb, profiles = batch_world
    out = tmp_path_factory.mktemp("shards")
    envs = [
        {"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4"},
        {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"},
        {"JOB_COMPLETION_INDEX": "2", "ENTRA_PROFILES_SHARD_COUNT": "4"},
        {"JOB_COMPLETION_INDEX": "3", "ENTRA_PROFILES_SHARD_COUNT": "4"},
    ]

    def one(k: int) -> Result:
        report = f"json={out / f'shard-{k + 1}.json'}"
        return run(sb, profiles, "--shard", "auto", "--report", report, "--format", "yaml", env=envs[k])

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(4)))
    return out, results


def test_four_shards_merge_into_the_unsharded_run(
    batch_world: tuple[Sandbox, Path], shards: tuple[Path, list[Result]], tmp_path: Path
) -> None:
    sb, profiles = batch_world
    folder, results = shards
    assert [r.code for r in results] == [1, 1, 1, 1], [r.err[-500:] for r in results]  # each shard has failures
    members = [json.loads((folder / f"shard-{k}.json").read_text())["shard"]["profiles"] for k in range(1, 5)]
    assert sorted(n for m in members for n in m) == [f"p{i:04d}" for i in range(1000)]  # each exactly once
    assert all(150 < len(m) < 350 for m in members), [len(m) for m in members]
    whole = run(sb, profiles, "--format", "json")
    merged = run_cli("report", "merge", str(folder), "--format", "json", "--report", f"junit={tmp_path / 'j.xml'}")
    assert (whole.code, merged.code) == (1, 1), merged.err
    a, b = comparable(json.loads(merged.out)), comparable(json.loads(whole.out))
    for x, y in zip(a["profiles"], b["profiles"], strict=True):
        assert x == y
    assert a == b
    assert json.loads(merged.out)["summary"] == {"ok": 860, "warn": 0, "failed": 140, "total": 1000}
    assert (tmp_path / "j.xml").stat().st_mode & 0o777 == 0o600


def test_a_missing_shard_is_named_and_its_profiles_fail(shards: tuple[Path, list[Result]], tmp_path: Path) -> None:
    folder, _ = shards
    for k in (1, 2, 4):
        shutil.copy(folder / f"shard-{k}.json", tmp_path)
    r = run_cli("report", "merge", *(str(tmp_path / f"shard-{k}.json") for k in (1, 2, 4)), "--format", "json")
    assert r.code == 1
    assert r.err.splitlines() == [
        "error: shard 3/4 of 4 is missing: no report for it; their profiles are reported failed (missing_shard)",
        "  hint: run the missing shard again and merge its report with the others",
    ]
    document = json.loads(r.out)
    assert len(document["profiles"]) == 1000
    third = json.loads((folder / "shard-3.json").read_text())["shard"]["profiles"]
    missing = [p for p in document["profiles"] if p["error"] and p["error"]["code"] == "missing_shard"]
    assert [p["name"] for p in missing] == third


def test_a_doubled_shard_or_another_batch_stops_the_merge(shards: tuple[Path, list[Result]], tmp_path: Path) -> None:
    folder, _ = shards
    twice = tmp_path / "again.json"
    shutil.copy(folder / "shard-2.json", twice)
    r = run_cli("report", "merge", str(folder), str(twice))
    assert r.code == 1 and r.out == ""
    assert r.err.startswith(f"error: shard 2/4 comes twice: {folder / 'shard-2.json'} and {twice}")
    other = json.loads((folder / "shard-1.json").read_text())
    other["shard"]["selection"] = "0" * 64
    (tmp_path / "other.json").write_text(json.dumps(other))
    r = run_cli("report", "merge", str(folder / "shard-2.json"), str(tmp_path / "other.json"))
    assert r.code == 1 and "is a shard of another batch than" in r.err


def test_shard_by_tenant_keeps_a_tenant_together(batch_world: tuple[Sandbox, Path]) -> None:
    _, profiles = batch_world
    r = run_cli("-f", str(profiles), "list", "--format", "github-matrix", "--shard-count", "3")
    assert (r.code, r.out) == (0, '{"shard": ["1/3", "2/3", "3/3"]}\n')
    from entra_profiles.config.loader import load_profiles
    from entra_profiles.run.shards import ShardSpec, shard_names

    ps = load_profiles(profiles)
    names = list(ps.names)
    parts = [shard_names(names, ShardSpec(k, 3, "tenant"), lambda n: ps.profiles[n].tenant) for k in (1, 2, 3)]
    assert sorted(n for p in parts for n in p) == sorted(names)
    tenants = [{ps.profiles[n].tenant for n in p} for p in parts]
    assert not (tenants[0] & tenants[1]) and not (tenants[1] & tenants[2]) and not (tenants[0] & tenants[2])
