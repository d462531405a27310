"""`run --shard K/N`: the part of a selection this process runs, so that N processes or CI jobs cover the
selection exactly once — the partition of run/partition.py, by profile name or by tenant.

`--shard auto` reads K and N from the CI or the cluster running the job:
- GitLab `parallel:`: CI_NODE_INDEX (1…N) and CI_NODE_TOTAL;
- Azure Pipelines `parallel:`: SYSTEM_JOBPOSITIONINPHASE (1…N) and SYSTEM_TOTALJOBSINPHASE;
- a Kubernetes Indexed Job: JOB_COMPLETION_INDEX (0…N-1), with N from --shard-count (or
  ENTRA_PROFILES_SHARD_COUNT, the Job's completions);
GitHub Actions has no such variables: its matrix hands `--shard K/N` over (`list --format github-matrix`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from entra_profiles.errors import UsageError
from entra_profiles.run.partition import part_of

SHARD_RE = re.compile(r"([0-9]{1,6})/([0-9]{1,6})")
SOURCES = (  # (name, index variable, count variable, first index)
    ("GitLab", "CI_NODE_INDEX", "CI_NODE_TOTAL", 1),
    ("Azure Pipelines", "SYSTEM_JOBPOSITIONINPHASE", "SYSTEM_TOTALJOBSINPHASE", 1),
    ("Kubernetes", "JOB_COMPLETION_INDEX", None, 0),
)
AUTO_HINT = (
    "--shard auto reads GitLab's CI_NODE_INDEX/CI_NODE_TOTAL, Azure Pipelines' SYSTEM_JOBPOSITIONINPHASE/"
    "SYSTEM_TOTALJOBSINPHASE or a Kubernetes Indexed Job's JOB_COMPLETION_INDEX (with --shard-count); "
    "elsewhere give --shard K/N"
)


@dataclass(frozen=True)
class ShardSpec:
    index: int  # 1 … count
    count: int
    by: str = "name"  # name | tenant
    source: str = "--shard"  # where K and N came from

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str, by: str, count: int | None, environ: Mapping[str, str]) -> ShardSpec:
    """`K/N` (1 ≤ K ≤ N), or `auto`: K and N from the environment (UsageError when they are absent or
    disagree)."""
    if text.strip().lower() == "auto":
        return _auto(by, count, environ)
    found = SHARD_RE.fullmatch(text.strip())
    if found is None:
        raise UsageError(f"--shard {text!r} is not K/N or auto", hint="e.g. --shard 2/4: the second of four shards")
    index, total = int(found.group(1)), int(found.group(2))
    if not 1 <= index <= total:
        raise UsageError(f"--shard {text}: K must be between 1 and N", hint="shards are numbered 1 to N: --shard 1/4")
    if count is not None and count != total:
        raise UsageError(f"--shard {text} and --shard-count {count} disagree", hint="give one of them")
    return ShardSpec(index, total, by)


def _auto(by: str, count: int | None, environ: Mapping[str, str]) -> ShardSpec:
    found: list[ShardSpec] = []
    for name, index_var, count_var, first in SOURCES:
        raw_index = environ.get(index_var, "").strip()
        raw_count = environ.get(count_var, "").strip() if count_var else ""
        if not raw_index and not raw_count:
            continue
        if not raw_index or (count_var and not raw_count):
            missing = index_var if not raw_index else count_var
            raise UsageError(f"--shard auto: {name}'s {missing} is not set", hint=AUTO_HINT)
        index = _number(raw_index, index_var)
        total = _number(raw_count, str(count_var)) if count_var else count
        if total is None:
            raise UsageError(
                f"--shard auto: {index_var} is {index} but the number of shards is not known",
                hint="give --shard-count N (or ENTRA_PROFILES_SHARD_COUNT), the Job's completions",
            )
        if count is not None and count != total:
            raise UsageError(f"--shard auto: {name} says {total} shards, --shard-count says {count}")
        index += 1 - first
        if not 1 <= index <= total:
            shown = f"{index_var}={raw_index}" + (f" and {count_var}={raw_count}" if count_var else f" of {total}")
            raise UsageError(f"--shard auto: {shown} is not a shard", hint=AUTO_HINT)
        found.append(ShardSpec(index, total, by, name))
    if not found:
        raise UsageError("--shard auto: no CI or cluster variables say which shard this is", hint=AUTO_HINT)
    if len({(s.index, s.count) for s in found}) > 1:
        said = "; ".join(f"{s.source} says {s.label}" for s in found)
        raise UsageError(f"--shard auto: the variables disagree: {said}", hint="unset the ones of the other system")
    return found[0]


def _number(raw: str, variable: str) -> int:
    if not raw.isdigit() or len(raw) > 6:
        raise UsageError(f"--shard auto: {variable} is not a number", hint=AUTO_HINT)
    return int(raw)


def shard_names(names: list[str], spec: ShardSpec, tenant_of: Callable[[str], str]) -> list[str]:
    """The names of the selection that fall in shard `spec`, in the selection's order."""
    key = (lambda n: tenant_of(n).lower()) if spec.by == "tenant" else (lambda n: n)
    return [n for n in names if part_of(key(n), spec.count) == spec.index - 1]


def selection_id(names: list[str], file_bytes: bytes) -> str:
    """The identity of a selection: its names in order and the file they were read from."""
    digest = hashlib.sha256(hashlib.sha256(file_bytes).digest())
    for name in names:
        digest.update(name.encode("utf-8", "surrogatepass") + b"\n")
    return digest.hexdigest()
