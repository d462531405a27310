"""`--shard K/N` and `--shard auto`: K and N from GitLab, Azure Pipelines or a Kubernetes Indexed Job."""

from __future__ import annotations

import pytest

from entra_profiles.errors import UsageError
from entra_profiles.run.shards import ShardSpec, parse_shard, shard_names


@pytest.mark.parametrize(
    ("environ", "count", "wanted"),
    [
        ({"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4"}, None, ShardSpec(1, 4, "name", "GitLab")),
        (
            {"SYSTEM_JOBPOSITIONINPHASE": "3", "SYSTEM_TOTALJOBSINPHASE": "3"},
            None,
            ShardSpec(3, 3, "name", "Azure Pipelines"),
        ),
        ({"JOB_COMPLETION_INDEX": "0"}, 5, ShardSpec(1, 5, "name", "Kubernetes")),
        ({"JOB_COMPLETION_INDEX": "4"}, 5, ShardSpec(5, 5, "name", "Kubernetes")),
        (
            {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "5", "JOB_COMPLETION_INDEX": "1"},
            5,
            ShardSpec(2, 5, "name", "GitLab"),
        ),
    ],
)
def test_auto_reads_the_ci_or_cluster(environ: dict[str, str], count: int | None, wanted: ShardSpec) -> None:
    assert parse_shard("auto", "name", count, environ) == wanted


@pytest.mark.parametrize(
    ("text", "environ", "count", "message"),
    [
        ("auto", {}, None, "--shard auto: no CI or cluster variables say which shard this is"),
        ("auto", {"CI_NODE_INDEX": "2"}, None, "--shard auto: GitLab's CI_NODE_TOTAL is not set"),
        (
            "auto",
            {"JOB_COMPLETION_INDEX": "1"},
            None,
            "--shard auto: JOB_COMPLETION_INDEX is 1 but the number of shards is not known",
        ),
        ("auto", {"JOB_COMPLETION_INDEX": "4"}, 4, "--shard auto: JOB_COMPLETION_INDEX=4 of 4 is not a shard"),
        (
            "auto",
            {"CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "4"},
            None,
            "--shard auto: CI_NODE_INDEX=0 and CI_NODE_TOTAL=4 is not a shard",
        ),
        ("auto", {"CI_NODE_INDEX": "x", "CI_NODE_TOTAL": "4"}, None, "--shard auto: CI_NODE_INDEX is not a number"),
        (
            "auto",
            {"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4"},
            3,
            "--shard auto: GitLab says 4 shards, --shard-count says 3",
        ),
        (
            "auto",
            {
                "CI_NODE_INDEX": "1",
                "CI_NODE_TOTAL": "2",
                "SYSTEM_JOBPOSITIONINPHASE": "2",
                "SYSTEM_TOTALJOBSINPHASE": "2",
            },
            None,
            "--shard auto: the variables disagree: GitLab says 1/2; Azure Pipelines says 2/2",
        ),
        ("5/4", {}, None, "--shard 5/4: K must be between 1 and N"),
        ("two", {}, None, "--shard 'two' is not K/N or auto"),
        ("1/4", {}, 3, "--shard 1/4 and --shard-count 3 disagree"),
    ],
)
def test_clear_usage_errors(text: str, environ: dict[str, str], count: int | None, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_shard(text, "name", count, environ)
    assert caught.value.message == message


def test_shards_cover_a_selection_exactly_once_in_its_order() -> None:
    names = [f"p{i}" for i in range(300)]
    parts = [shard_names(names, ShardSpec(k, 4), lambda n: "") for k in range(1, 5)]
    assert sorted(n for p in parts for n in p) == sorted(names)
    assert all(p == [n for n in names if n in set(p)] for p in parts)
    smaller = names[::3]  # a profile's shard does not depend on the rest of the selection
    assert shard_names(smaller, ShardSpec(2, 4), lambda n: "") == [n for n in parts[1] if n in set(smaller)]
