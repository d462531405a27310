"""`report merge`: the JSON reports of a batch's shards put together into the batch's one result.

Each shard's report carries the selection's identity (its names in order and the file's hash), K, N, the
partition key and the shard's own profiles. Merging checks that every report is of the same selection
and partition, that no shard comes twice and no profile twice; each selected profile then appears
exactly once, in the selection's order. A missing shard's profiles are reported failed
(`missing_shard`), so that every report still shows the whole selection, and the merge exits 1.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entra_profiles.errors import EntraProfilesError
from entra_profiles.results import Failure, ProfileResult

SHARD_HINT = "give the JSON reports that `run --shard … --report json=FILE` wrote, or a folder holding them"


class MergeError(EntraProfilesError):
    """The shard reports cannot be put together (exit 1)."""


@dataclass
class Merged:
    results: list[ProfileResult]
    missing: list[str]  # shards without a report, as K/N


def report_files(paths: list[Path]) -> list[Path]:
    """The files given, and the `*.json` files in the folders given (and their subfolders, as CI artifacts
    are laid out), each once."""
    found: dict[str, Path] = {}
    for path in paths:
        if path.is_dir():
            children = sorted(p for p in path.rglob("*.json") if p.is_file())
            if not children:
                raise MergeError(f"{path} holds no .json report", hint=SHARD_HINT)
            for child in children:
                found.setdefault(os.path.realpath(child), child)
        elif path.is_file():
            found.setdefault(os.path.realpath(path), path)
        else:
            raise MergeError(f"{path}: no such file or folder", hint=SHARD_HINT)
    return list(found.values())


def merge(paths: list[Path]) -> Merged:
    shards = [(path, _read(path)) for path in report_files(paths)]
    if not shards:
        raise MergeError("no shard report given", hint=SHARD_HINT)
    first_path, first = shards[0]
    reference = (first["selection"], first["count"], first["by"])
    by_index: dict[int, Path] = {}
    results: dict[str, ProfileResult] = {}
    owner: dict[str, Path] = {}
    for path, shard in shards:
        if (shard["selection"], shard["count"], shard["by"]) != reference:
            raise MergeError(
                f"{path} is a shard of another batch than {first_path} (another selection, profiles file, "
                "shard count or --shard-by)",
                hint="merge the shards of one run: the same targets, file, N and --shard-by",
            )
        index = shard["index"]
        if index in by_index:
            raise MergeError(
                f"shard {index}/{shard['count']} comes twice: {by_index[index]} and {path}",
                hint="two runs' reports are mixed: keep one report per shard",
            )
        by_index[index] = path
        for profile in shard["results"]:
            name = str(profile["name"])
            if name in results:
                raise MergeError(f"profile {name} is in two shards: {owner[name]} and {path}", hint=SHARD_HINT)
            try:
                results[name], owner[name] = ProfileResult.from_dict(profile), path
            except (KeyError, TypeError, ValueError, AttributeError):
                raise MergeError(f"{path}: profile {name} is not an entry of a run's report", hint=SHARD_HINT) from None
    count = first["count"]
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in by_index]
    selected = [str(n) for n in first["selected"]]
    failure = Failure(
        "missing_shard",
        f"no result: the report of its shard is missing ({', '.join(missing)})",
        "run the missing shard again and merge its report with the others",
    )
    ordered = [results.get(n) or ProfileResult(n, error=failure) for n in selected]
    unknown = sorted(set(results) - set(selected))
    if unknown:
        raise MergeError(f"profiles not in the selection: {', '.join(unknown[:5])}", hint=SHARD_HINT)
    return Merged(ordered, missing)


def _read(path: Path) -> dict[str, Any]:
    """A shard report's `shard` section and its profiles; MergeError naming the file otherwise."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise MergeError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}", hint=SHARD_HINT) from None
    except ValueError:
        raise MergeError(f"{path} is not JSON", hint=SHARD_HINT) from None
    shard = data.get("shard") if isinstance(data, dict) else None
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(shard, dict) or not isinstance(profiles, list):
        raise MergeError(f"{path} is not the JSON report of a shard (it has no shard section)", hint=SHARD_HINT)
    try:
        index, count = int(shard["index"]), int(shard["count"])
        members = [str(n) for n in shard["profiles"]]
        selected = list(shard["selected"])
        checked = {"selection": str(shard["selection"]), "by": str(shard["by"])}
        names = [str(p["name"]) for p in profiles]
    except (KeyError, TypeError, ValueError):
        raise MergeError(f"{path}: its shard section is incomplete", hint=SHARD_HINT) from None
    if not 1 <= index <= count or names != members:
        raise MergeError(f"{path}: its shard section does not match its profiles", hint=SHARD_HINT)
    return {**checked, "index": index, "count": count, "selected": selected, "results": profiles}
