"""No value we show — from the file, the environment, a referenced file or a server — can start a line or
a CI workflow command in any command's output, human or machine; JSON and YAML still decode to it.

What an agent reads as a command (safetext.py has the sources): GitHub, a line whose text after leading
white space starts with `::` (and the legacy `##[` anywhere); Azure Pipelines, `##vso[` anywhere in a
line; GitLab, `ESC[0Ksection_start:` sequences. Lines end at LF, CR or CRLF (.NET's ReadLine).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from clirunner import Result, run_cli
from hostile import APP
from hypothesis import given, settings
from hypothesis import strategies as st
from mitm import Mitm, on_its_cloud

from entra_profiles.errors import Location, Problem
from entra_profiles.output import table
from entra_profiles.reports import problems as problem_report
from entra_profiles.reports import structured, text
from entra_profiles.reports.html import render_html
from entra_profiles.reports.junit import render_junit
from entra_profiles.reports.markdown import render_markdown
from entra_profiles.reports.model import Batch, document
from entra_profiles.results import AppCredential, CheckResult, Failure, ProfileResult
from entra_profiles.safetext import neutralize, one_line

HOSTILE = [
    "x\n::error::MARK-gh",
    "  ::warning title=x::MARK-indented",
    "x ##vso[task.setvariable variable=INJ]MARK-azp",
    "##[group]MARK-legacy",
    "\x1b[0Ksection_start:1700000000:MARK-gl\r\x1b[0Kheader",
    "cr\rMARK-cr",
    "crlf\r\nMARK-crlf",
    "nel\x85MARK-nel ls\u2028MARK-ls",
    "%0A::error::MARK-pct",
    "$(id) `id` $${HOME}",
    "back\\slash\\",
    'it\'s "quoted" # not a comment',
    " leading and trailing ",
    "\u202eRTL \u2066isolate\u2069",
    "non-BMP \U0001f600",
    "tab\there",
    "x" * 3000 + "\n::error::MARK-long",
]
MARK = "MARK-"
SHOWN_BY_RESOLVE = (0, 2, 4, 7, 16)  # resolve runs once per profile: a sample of the kinds


def commands_in(output: str, ours: str | None = None) -> list[str]:
    """Lines of `output` that a CI agent would run as a command (`ours`: a prefix we mean to write)."""
    found = []
    for line in re.split(r"\r\n|\r|\n", output):
        body = line.lstrip()
        if (
            (body.startswith("::") and not (ours and line.startswith(ours)))
            or "##vso[" in line
            or "##[" in line
            or "\x1b" in line
        ):
            found.append(line)
        elif body.startswith(MARK):
            found.append(line)  # a value started a line of its own
    return found


def yaml_str(value: str) -> str:
    """A YAML double-quoted scalar holding exactly `value` (a `${` written as a reference escape)."""
    out = []
    for c in value:
        if c in '"\\':
            out.append("\\" + c)
        elif " " <= c <= "~":
            out.append(c)
        else:
            out.append(f"\\U{ord(c):08x}" if ord(c) > 0xFFFF else f"\\u{ord(c):04x}")
    return '"' + "".join(out) + '"'


def write(tmp_path: Path) -> Path:
    """Profiles that show each value as written, from the environment and from a file, valid and not."""
    body = []
    for i, value in enumerate(HOSTILE):
        (tmp_path / f"value{i}.txt").write_text(value.replace("$${", "${") + "\n", encoding="utf-8", newline="")
        credential = "    credential: {type: client_secret, secret: s3cret-value}\n"
        common = f"    tenant: contoso.onmicrosoft.com\n    client_id: {APP}\n{credential}"
        body += [
            f"  written-{i}:\n    description: {yaml_str(value)}\n{common}",
            f'  from-env-{i}:\n    description: "${{env:HOSTILE_{i}}}"\n{common}',
            f'  from-file-{i}:\n    description: "${{file:value{i}.txt}}"\n{common}',
            f'  broken-{i}:\n    tenant: {yaml_str(value)}\n    client_id: "${{env:HOSTILE_{i}}}"\n'
            f"    cloud: {yaml_str(value)}\n    tags: [{yaml_str(value)}]\n{credential}",
        ]
    path = tmp_path / "profiles.yaml"
    path.write_text("version: 1\nprofiles:\n" + "".join(body), encoding="utf-8")
    members = ", ".join(yaml_str(v) for v in HOSTILE)
    (tmp_path / "groups.yaml").write_text(path.read_text() + f"groups:\n  g: [{members}]\n", encoding="utf-8")
    return path


def cli(path: Path, *args: str) -> Result:
    return run_cli("-f", str(path), *args, env={f"HOSTILE_{i}": v.replace("$${", "${") for i, v in enumerate(HOSTILE)})


def test_no_value_starts_a_line_or_a_command_in_any_command(tmp_path: Path) -> None:
    path = write(tmp_path)
    outputs: dict[str, Result] = {}
    for fmt in ("text", "json", "github"):
        outputs[f"validate {fmt}"] = cli(path, "validate", "--format", fmt)
        outputs[f"validate groups {fmt}"] = cli(tmp_path / "groups.yaml", "validate", "--format", fmt)
    outputs["list groups"] = cli(tmp_path / "groups.yaml", "list", "g")
    for fmt in ("text", "json"):
        outputs[f"list {fmt}"] = cli(path, "list", "--format", fmt)
        for i in SHOWN_BY_RESOLVE:
            for source in ("written", "from-env", "from-file"):
                outputs[f"resolve {source}-{i} {fmt}"] = cli(path, "resolve", f"{source}-{i}", "--format", fmt)
    for what, r in outputs.items():
        assert r.code in (0, 1), (what, r.err)
        ours = "::error file=" if what.startswith("validate") and what.endswith("github") else None
        assert commands_in(r.out, ours) == [], (what, r.out)
        assert commands_in(r.err) == [], (what, r.err)
    listed = {p["name"]: p.get("description") for p in json.loads(outputs["list json"].out)["profiles"]}
    for i, value in enumerate(HOSTILE):
        shown = value.replace("$${", "${")
        read = shown.replace("\r\n", "\n").replace("\r", "\n")  # ${file:} reads text with universal newlines
        expected = {f"written-{i}": shown, f"from-env-{i}": shown, f"from-file-{i}": read}
        assert {n: listed[n] for n in expected} == expected
        for name in expected if i in SHOWN_BY_RESOLVE else ():
            fields = json.loads(outputs[f"resolve {name} json"].out)["fields"]
            assert {f["field"]: f["value"] for f in fields}["description"] == expected[name]
    for which in ("validate", "validate groups"):
        problems = json.loads(outputs[f"{which} json"].out)["problems"]
        annotations = outputs[f"{which} github"].out.splitlines()
        assert len(annotations) == len(problems) and all(a.startswith("::error file=") for a in annotations)


def hostile_token_service(body: str) -> str:
    return "the server says ##vso[task.complete result=Succeeded]\x1b[0Ksection_end:1:s\r::error::MARK-server"


@pytest.mark.parametrize("fmt", ["text", "json", "yaml"])
def test_a_server_answer_cannot_start_a_line_or_a_command_in_run_reports(tmp_path: Path, fmt: str) -> None:
    with Mitm(tmp_path / "mitm", token_error=hostile_token_service) as mitm:
        secrets = {"one": ("contoso.onmicrosoft.com", "s3cret-value"), "two": ("fabrikam.onmicrosoft.com", "s3cret")}
        path = on_its_cloud(mitm, tmp_path / "profiles.yaml", secrets)
        for targets in (["one"], ["one", "two"]):
            r = run_cli("-f", str(path), "run", *targets, "--format", fmt, "--retries", "0", "--timeout", "20")
            assert r.code == 1, r.err
            assert "the server says" in r.out
            assert commands_in(r.out) == [] and commands_in(r.err) == [], r.out + r.err
            if fmt != "text":
                data: Any = json.loads(r.out) if fmt == "json" else yaml.safe_load(r.out)
                assert data["summary"]["failed"] == len(targets)


# In-process: the report writers and the last step before a stream, for any text at all.
PIECES = [":", "::", "#", "##", "##vso[", "##[", "\n", "\r", "\x1b", " ", "\t", "[", "]", "\x85", "\u2028", "\\", "x",
          "\u202e", "%0A", "section_start:", '"', "'", "\U0001f600", "\u00a0", "\u3000"]  # fmt: skip
DANGEROUS = st.one_of(st.lists(st.sampled_from(PIECES), max_size=12).map("".join), st.text(max_size=20))


def result_with(value: str) -> list[ProfileResult]:
    failed = ProfileResult("failed", error=Failure("failed", value, value), tenant=value)
    ok = ProfileResult("ok", context={"AppName": value, "Scopes": [value]}, organization=value, warnings=[value])
    ok.tenant = value
    ok.checks = [CheckResult("forbid_roles", "fail", value, value, "forbidden_roles"), CheckResult("x", "warn", value)]
    ok.credentials = [AppCredential("secret", "2026-12-01T00:00:00Z", value, value, None, value, True)]
    return [failed, ok]


@settings(max_examples=200, deadline=None)
@given(DANGEROUS)
def test_yaml_report_writes_the_same_data_safely_with_either_emitter(value: str) -> None:
    """libyaml's emitter (the default where PyYAML has it) and PyYAML's own, on the same report."""
    data = document(Batch(result_with(value), fail_on="warn"))
    for base in (yaml.SafeDumper, yaml.CSafeDumper):
        written = neutralize(structured.yaml_text(data, base))
        assert yaml.safe_load(written) == data, base.__name__
        assert commands_in(written) == [], base.__name__


@settings(max_examples=400, deadline=None)
@given(DANGEROUS)
def test_report_writers_never_write_a_command_and_keep_the_value(value: str) -> None:
    results = result_with(value)
    for rendered in (text.render_text(results), text.render_text(results[:1]), text.render_text(results[1:])):
        assert commands_in(neutralize(rendered)) == []
    batch = Batch(results, fail_on="warn")
    document = json.loads(neutralize(structured.render_json(batch)))
    assert document["profiles"][0]["error"]["message"] == value
    assert commands_in(neutralize(structured.render_json(batch))) == []
    loaded = yaml.safe_load(neutralize(structured.render_yaml(batch)))
    assert loaded["profiles"][0]["error"]["message"] == value
    assert commands_in(neutralize(structured.render_yaml(batch))) == []
    for render in (render_junit, render_markdown, render_html):  # files, as written: not neutralized
        assert commands_in(render(batch)) == [], render.__name__
    suites = ElementTree.fromstring(render_junit(batch))
    assert suites.find("testsuite/testcase/failure").get("message") == one_line(value)  # type: ignore[union-attr]
    problem = Problem(Location("p.yaml", 1, 2, "profiles.x"), f"'{value}' is wrong", value)
    assert commands_in(neutralize(problem.format())) == []
    assert json.loads(neutralize(problem_report.render_json("p.yaml", [problem], [])))["problems"][0]["hint"] == value
    annotations = problem_report.render_github([problem])
    assert commands_in(annotations, "::error file=") == [] and len(annotations.splitlines()) == 1
    assert commands_in(neutralize(table([[value, value]], ["A", "B"]))) == []
