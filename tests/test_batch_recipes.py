"""docs/batch.md's recipes, run: each YAML parses, and every `entra-profiles` command in it runs against the
sandbox in a shell with the variables its CI or cluster sets (GitHub's matrix and outputs, Azure Pipelines'
macros and job position, GitLab's node index, a Kubernetes Indexed Job's completion index), shards then
merge, through the shared folder their artifacts or volume would be."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from batchsupport import make_batch_world
from lxml import etree
from testenv import REPO_DIR, scrubbed_environ

from entra_profiles.sandbox import Sandbox

DOC = REPO_DIR / "docs" / "batch.md"
RECIPE = re.compile(r"```yaml\n# recipe: (\w+)[^\n]*\n(.*?)```", re.S)
XSD = REPO_DIR / "tests" / "reports" / "junit-strict.xsd"
PROFILES = 20  # 4 tenants x 5 apps: 3 of them fail their checks


def recipes() -> dict[str, list[Any]]:
    return {name: list(yaml.safe_load_all(text)) for name, text in RECIPE.findall(DOC.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def recipe_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path]]:
    directory = tmp_path_factory.mktemp("recipes")
    seed, profiles = make_batch_world(directory, tenants=4, apps=5)
    with Sandbox(directory / "sandbox", seed) as sb:
        yield sb, profiles


@pytest.fixture
def repo(recipe_world: tuple[Sandbox, Path], tmp_path: Path) -> Path:
    """A checkout: profiles.yaml at its top."""
    shutil.copy(recipe_world[1], tmp_path / "profiles.yaml")
    return tmp_path


def shell(script: str, cwd: Path, sb: Sandbox, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`script` in bash, as a CI step runs it, with entra-profiles on PATH and routed to the sandbox."""
    environ = scrubbed_environ()
    environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environ.get("PATH", "/usr/bin:/bin")])
    environ["ENTRA_PROFILES_SANDBOX"] = str(sb.state_dir)
    environ.update(env)
    return subprocess.run(
        ["bash", "-ec", script], cwd=cwd, env=environ, capture_output=True, text=True, timeout=300, check=False
    )


def ours(script: str) -> bool:
    """A step that runs entra-profiles (not an install)."""
    return "entra-profiles" in script and "pip install" not in script


def test_every_recipe_is_there_and_parses() -> None:
    assert set(recipes()) == {"github", "azure", "gitlab", "kubernetes"}


def test_github_actions_matrix_shards_and_merge(recipe_world: tuple[Sandbox, Path], repo: Path) -> None:
    sb, _ = recipe_world
    jobs = recipes()["github"][0]["jobs"]
    output = repo / "github-output"
    plan = next(s for s in jobs["plan"]["steps"] if s.get("id") == "matrix")
    assert shell(plan["run"], repo, sb, {"GITHUB_OUTPUT": str(output)}).returncode == 0
    key, _, value = output.read_text().strip().partition("=")
    matrix = json.loads(value)
    assert (key, matrix) == ("matrix", {"shard": ["1/4", "2/4", "3/4", "4/4"]})
    assert jobs["check"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    shards = repo / "shards"
    shards.mkdir()
    for index, shard in enumerate(matrix["shard"]):
        summary = repo / f"summary-{index}.md"
        for step in jobs["check"]["steps"]:
            if "run" in step and ours(step["run"]):
                script = (
                    step["run"].replace("${{ matrix.shard }}", shard).replace("${{ strategy.job-index }}", str(index))
                )
                done = shell(script, repo, sb, {"GITHUB_STEP_SUMMARY": str(summary)})
                assert done.returncode in (0, 1), done.stderr
        assert not summary.exists()  # --no-step-summary: the merge job writes the one summary
        shutil.copy(repo / f"shard-{index}.json", shards)  # upload-artifact, download-artifact merge-multiple
    summary = repo / "step-summary.md"
    merge = next(s for s in jobs["report"]["steps"] if "run" in s and ours(s["run"]))
    done = shell(merge["run"], repo, sb, {"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 1, done.stderr  # three profiles fail their checks
    assert summary.read_text().startswith(f"entra-profiles batch: ok 17, failed 3 of {PROFILES}\n")
    assert etree.XMLSchema(etree.parse(str(XSD))).validate(etree.parse(str(repo / "junit.xml")))
    assert (repo / "entra-report.html").exists()
    junit_step = next(s for s in jobs["report"]["steps"] if "action-junit-report" in s.get("uses", ""))
    assert junit_step["with"]["report_paths"] == "junit.xml"


def azure(script: str, values: dict[str, str]) -> str:
    """Azure Pipelines' macro syntax, $(Name.Name), replaced as the agent does before the shell runs."""
    return re.sub(r"\$\(([A-Za-z_.]+)\)", lambda m: values[m.group(1)], script)


def test_azure_pipelines_parallel_and_merge(recipe_world: tuple[Sandbox, Path], repo: Path) -> None:
    sb, _ = recipe_world
    jobs = {j["job"]: j for j in recipes()["azure"][0]["jobs"]}
    total = jobs["check"]["strategy"]["parallel"]
    workspace = repo / "workspace"
    for position in range(1, total + 1):
        staging = repo / f"staging-{position}"
        staging.mkdir()
        values = {
            "Build.ArtifactStagingDirectory": str(staging),
            "System.JobPositionInPhase": str(position),
            "CONTOSO_PROD_SECRET": "unused",
        }
        for step in jobs["check"]["steps"]:
            if "script" in step and ours(step["script"]):
                env = {"SYSTEM_JOBPOSITIONINPHASE": str(position), "SYSTEM_TOTALJOBSINPHASE": str(total)}
                done = shell(azure(step["script"], values), repo, sb, env)
                assert done.returncode in (0, 1), done.stderr
        publish = next(s for s in jobs["check"]["steps"] if s.get("task") == "PublishTestResults@2")
        assert publish["inputs"]["testResultsFormat"] == "JUnit"
        junit = staging / f"junit-{position}.xml"
        assert etree.XMLSchema(etree.parse(str(XSD))).validate(etree.parse(str(junit)))
        artifact = workspace / "shards" / f"shard-{position}"  # publish, then DownloadPipelineArtifact
        artifact.mkdir(parents=True)
        shutil.copy(staging / f"shard-{position}.json", artifact)
    values = {"Pipeline.Workspace": str(workspace)}
    scripts = [azure(s["script"], values) for s in jobs["report"]["steps"] if "script" in s and ours(s["script"])]
    assert len(scripts) == 1
    done = shell(scripts[0], repo, sb, {})
    assert done.returncode == 1, done.stderr
    assert (workspace / "summary.md").read_text().startswith("entra-profiles batch: ok 17, failed 3 of 20\n")
    upload = [s["script"] for s in jobs["report"]["steps"] if "uploadsummary" in s.get("script", "")]
    assert upload == ['echo "##vso[task.uploadsummary]$(Pipeline.Workspace)/summary.md"']


def test_gitlab_parallel_and_merge(recipe_world: tuple[Sandbox, Path], repo: Path) -> None:
    sb, _ = recipe_world
    pipeline = recipes()["gitlab"][0]
    check, report = pipeline["entra-check"], pipeline["entra-report"]
    for index in range(1, check["parallel"] + 1):
        for line in check["script"]:
            done = shell(line, repo, sb, {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(check["parallel"])})
            assert done.returncode in (0, 1), done.stderr
    assert sorted(p.name for p in repo.glob("shard-*.json")) == [f"shard-{k}.json" for k in range(1, 5)]
    for line in report["script"]:
        done = shell(line, repo, sb, {})
        assert done.returncode == 1, done.stderr
    assert report["artifacts"]["reports"]["junit"] == "junit.xml"
    assert etree.XMLSchema(etree.parse(str(XSD))).validate(etree.parse(str(repo / "junit.xml")))
    assert (repo / "entra-summary.md").exists() and (repo / "entra-report.html").exists()


def test_kubernetes_indexed_job_and_merge_job(recipe_world: tuple[Sandbox, Path], repo: Path) -> None:
    sb, _ = recipe_world
    check, report = recipes()["kubernetes"]
    spec = check["spec"]
    assert (spec["completionMode"], spec["completions"]) == ("Indexed", 4)
    container = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    assert env["ENTRA_PROFILES_SHARD_COUNT"] == str(spec["completions"])
    results, config = repo / "results", repo / "config"
    results.mkdir()
    config.mkdir()
    shutil.copy(repo / "profiles.yaml", config)

    def mounted(text: str) -> str:
        return text.replace("/config/", f"{config}/").replace("/results", str(results))

    assert container["command"][:2] == ["sh", "-c"]
    for index in range(spec["completions"]):
        done = shell(mounted(container["command"][2]), repo, sb, {**env, "JOB_COMPLETION_INDEX": str(index)})
        assert done.returncode == 0, done.stderr  # exit 1 (profiles failed) is left to the merge
    merge = report["spec"]["template"]["spec"]["containers"][0]["command"]
    assert merge[0] == "entra-profiles"
    done = shell(" ".join(mounted(a) for a in merge), repo, sb, {})
    assert done.returncode == 1, done.stderr
    assert "17 ok, 3 failed, 20 total" in done.stdout
    assert (results / "entra-report.html").stat().st_mode & 0o777 == 0o600
