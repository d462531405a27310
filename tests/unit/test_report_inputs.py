"""Reports from what a batch or a shard file holds: the text report written to a file is redacted as
stdout is; a shard entry that is not a report's entry is a MergeError naming it (not exit 3); names read
back from shard files cannot break the JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from entra_profiles.redact import REDACTOR
from entra_profiles.reports import FORMATS
from entra_profiles.reports.merge import MergeError, merge
from entra_profiles.reports.model import Batch
from entra_profiles.results import Failure, ProfileResult

CANARY = "Canary-Secret-7q2x"


def test_the_text_report_is_redacted_as_stdout_is() -> None:
    REDACTOR.register(CANARY)
    try:
        failed = ProfileResult("p", error=Failure("failed", f"the server said {CANARY}", f"not {CANARY}"))
        text = FORMATS["text"](Batch([failed]))
    finally:
        REDACTOR.clear()
    assert "the server said ***" in text and CANARY not in text


def shard_file(folder: Path, profile: dict[str, object]) -> Path:
    shard = {"index": 1, "count": 1, "by": "name", "selection": "s", "selected": ["p"], "profiles": ["p"]}
    path = folder / "shard-1.json"
    path.write_text(json.dumps({"shard": shard, "profiles": [profile]}))
    return path


def test_a_shard_entry_that_is_no_report_entry_is_a_merge_error(tmp_path: Path) -> None:
    path = shard_file(tmp_path, {"name": "p", "status": "failed", "checks": [{"status": "fail"}]})
    with pytest.raises(MergeError) as caught:
        merge([path])
    assert caught.value.message == f"{path}: profile p is not an entry of a run's report"


def test_names_from_a_shard_file_keep_the_junit_report_well_formed() -> None:
    odd = ProfileResult("p\tq\n#1", error=Failure("failed", "no", None))
    xml = FORMATS["junit"](Batch([odd]))
    case = ET.fromstring(xml.split("\n", 1)[1]).find("testsuite/testcase")
    assert case is not None and case.get("classname") == "p\\tq\\n#1"  # escaped on one line, as one_line() does
