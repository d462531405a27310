"""JUnit XML: what GitHub's test reporter actions, Azure Pipelines' PublishTestResults and GitLab's
`artifacts:reports:junit` show as test results.

A testsuite per tenant; in it a testcase per profile and check: `connect` (the token), then each
expectation (`require_roles`, `credential_valid_for`, …). A failed connection or check is a `<failure>`
with its code as type, its message, and the hint; a skipped check is `<skipped>`; a check that warned
passes (a failure with `--fail-on warn`), its warning in the suite's `<system-out>`.

The document satisfies both schemas the tools follow — Ant's JUnit.xsd (the strictest: every suite has
package, id, timestamp without a zone, hostname, properties, system-out and system-err) and Jenkins'
junit-10.xsd. Values are data: control characters are written as escapes, `#` as `&#35;` (no `##` for
Azure's agent), and no line starts with a value (no `::` for GitHub's).
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from typing import Any

from entra_profiles.reports.model import Batch, document, generated_at
from entra_profiles.safetext import one_line

PACKAGE = "entra-profiles"


def render_junit(batch: Batch) -> str:
    data = document(batch)
    suites: dict[str, list[dict[str, Any]]] = {}
    for profile in data["profiles"]:
        suites.setdefault(str(profile.get("tenant") or "(tenant unknown)"), []).append(profile)
    root = ET.Element("testsuites")
    stamp = generated_at(batch).removesuffix("Z")  # Ant's schema: no zone (it is UTC)
    host = _token(socket.gethostname()) or "localhost"
    for number, (tenant, profiles) in enumerate(suites.items()):
        root.append(_suite(number, tenant, profiles, stamp, host, batch.fail_on == "warn"))
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text.replace("#", "&#35;")


def _suite(number: int, tenant: str, profiles: list[dict[str, Any]], stamp: str, host: str, strict: bool) -> ET.Element:
    suite = ET.Element("testsuite", name=_token(tenant) or "-", package=PACKAGE, id=str(number))
    ET.SubElement(suite, "properties")
    counts = {"tests": 0, "failures": 0, "skipped": 0}
    notes: list[str] = []
    total = 0.0
    for profile in profiles:
        cases = _cases(profile, strict)
        for case, outcome in cases:
            suite.append(case)
            counts["tests"] += 1
            if outcome in counts:
                counts[outcome] += 1
        total += float(profile.get("duration_s") or 0.0)
        notes += [f"WARN {profile['name']}: {one_line(str(w))}" for w in profile.get("warnings") or []]
        notes += [
            f"WARN {profile['name']}: {c['name']}: {one_line(str(c['message']))}"
            for c in profile.get("checks") or []
            if c["status"] == "warn"
        ]
    out = ET.SubElement(suite, "system-out")
    out.text = "\n".join(notes)
    ET.SubElement(suite, "system-err")
    suite.set("tests", str(counts["tests"]))
    suite.set("failures", str(counts["failures"]))
    suite.set("errors", "0")
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", f"{total:.3f}")
    suite.set("timestamp", stamp)
    suite.set("hostname", host)
    return suite


def _cases(profile: dict[str, Any], strict: bool) -> list[tuple[ET.Element, str]]:
    name = _token(str(profile["name"]))
    time = f"{float(profile.get('duration_s') or 0.0):.3f}"
    cases = []
    connect = ET.Element("testcase", name="connect", classname=name, time=time)
    checks = profile.get("checks") or []
    failed_check = any(c["status"] == "fail" for c in checks)
    error = profile.get("error")
    if profile["status"] == "interrupted":
        _child(connect, "skipped", "interrupted before it finished")
        outcome = "skipped"
    elif isinstance(error, dict) and not (failed_check and profile.get("context") is not None):
        _failure(connect, str(error["code"]), str(error["message"]), error.get("hint"))
        outcome = "failures"
    else:
        outcome = "passed"
    cases.append((connect, outcome))
    for check in checks:
        case = ET.Element("testcase", name=_token(str(check["name"])), classname=name, time="0")
        status = check["status"]
        if status == "fail" or (status == "warn" and strict):
            _failure(case, str(check.get("code") or f"check_{status}"), str(check["message"]), check.get("hint"))
            cases.append((case, "failures"))
        elif status == "skipped":
            _child(case, "skipped", str(check["message"]))
            cases.append((case, "skipped"))
        else:
            cases.append((case, "passed"))
    return cases


def _failure(case: ET.Element, code: str, message: str, hint: Any) -> None:
    element = _child(case, "failure", message)
    element.set("type", _token(code) or "failed")
    element.text = f"message: {one_line(message)}" + (f"\nhint: {one_line(str(hint))}" if hint else "")


def _child(case: ET.Element, tag: str, message: str) -> ET.Element:
    return ET.SubElement(case, tag, message=one_line(message))


def _token(text: str) -> str:
    """A value for an xs:token attribute: on one line, white space collapsed."""
    return " ".join(one_line(text).split())
