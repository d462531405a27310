"""`--report FORMAT=PATH` through the CLI: JUnit valid under the schema the CI tools follow, a self-contained
HTML page that loads nothing, the Markdown summary appended to $GITHUB_STEP_SUMMARY, files 0600."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from clirunner import Result
from lxml import etree
from runsupport import AUTOMATION, UNCONSENTED, RunProfiles, contoso_secret

from entra_profiles.sandbox.example import ExampleWorld

XSD = Path(__file__).parents[1] / "reports" / "junit-strict.xsd"
EXPIRING = "2f3e4d5c-6b7a-4890-8123-456789abcdef"  # the example world's app whose secret ends 10 days on


def batch(world: ExampleWorld) -> str:
    """Every outcome: ok with checks, a failed check, a failed connection with skipped checks, a warning."""
    return (
        contoso_secret(
            "good", extra="    expect: {require_roles: [User.Read.All], forbid_roles: ['*.ReadWrite.All']}\n"
        )
        + f"""  expiring:
    tenant: contoso.onmicrosoft.com
    client_id: {EXPIRING}
    credential: {{type: client_secret, secret: exp-secret-contoso-10d}}
    expect: {{credential_valid_for: 30d}}
  wrong:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: not-the-secret}}
    expect: {{roles: [User.Read.All]}}
  unconsented:
    tenant: contoso.onmicrosoft.com
    client_id: {UNCONSENTED}
    credential: {{type: client_secret, secret: sandbox-secret-unconsented}}
  cert:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: certificate, path: "{world.certs["contoso-automation"].pem}"}}
    expect: {{credential_valid_for: 30d}}
"""
    )


@pytest.fixture
def reports(run_profiles: RunProfiles, world: ExampleWorld, tmp_path: Path) -> tuple[Result, Path]:
    out = tmp_path / "out"
    out.mkdir()
    summary = out / "summary.md"
    summary.write_text("earlier step\n")
    args = [f"--report={fmt}={out / name}" for fmt, name in (("junit", "j.xml"), ("html", "r.html"))]
    r = run_profiles(batch(world), "--format", "json", *args, env={"GITHUB_STEP_SUMMARY": str(summary)})
    return r, out


def test_junit_validates_against_the_junit_schema(reports: tuple[Result, Path]) -> None:
    r, out = reports
    assert r.code == 1, r.err
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.parse(str(out / "j.xml"))
    assert schema.validate(document), schema.error_log
    suite = document.getroot()[0]
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("skipped")) == (
        "contoso.onmicrosoft.com",
        "10",
        "2",
        "1",
    )
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    assert cases["wrong", "connect"][0].get("type") == "AADSTS7000215"
    assert cases["wrong", "roles"][0].tag == "skipped"
    failure = cases["expiring", "credential_valid_for"][0]
    assert failure.get("type") == "credential_expiring"
    assert failure.text.splitlines()[1].startswith("hint: add a new client secret")  # type: ignore[union-attr]
    assert "WARN unconsented: the token carries no roles" in (suite.findtext("system-out") or "")
    assert (out / "j.xml").stat().st_mode & 0o777 == 0o600


class Resources(HTMLParser):
    """Whatever a page could load: elements with src or href, stylesheets, imports, url(), fetches."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.csp = ""
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.loads += [f"{tag} {k}={v}" for k, v in attrs if k in ("src", "href", "srcset", "action", "data", "poster")]
        if tag in ("link", "iframe", "object", "embed", "base", "img", "audio", "video"):
            self.loads.append(tag)
        if tag == "meta" and (named.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = named.get("content") or ""

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_is_self_contained(reports: tuple[Result, Path]) -> None:
    _, out = reports
    html = (out / "r.html").read_text()
    page = Resources()
    page.feed(html)
    assert page.loads == []
    assert page.csp.startswith("default-src 'none';")
    inline = "".join(page.text)
    for marker in ("url(", "@import", "fetch(", "XMLHttpRequest", "WebSocket", "import("):
        assert marker not in inline
    assert "expiring" in inline and "credential_valid_for: fail" in inline
    assert "Credentials: what ends when" in inline and "Contoso Expiring · client secret" in inline
    template = Path(__file__).parents[2] / "entra_profiles" / "reports" / "templates" / "report.html.j2"
    assert "#" not in template.read_text()  # every `#` of the page is a value's, written &#35;


def test_markdown_summary_is_appended_to_the_step_summary(reports: tuple[Result, Path]) -> None:
    r, out = reports
    text = (out / "summary.md").read_text()
    assert text.startswith("earlier step\nentra-profiles run: ok 2, warn 1, failed 2 of 5\n====")
    assert (
        "| expiring | ❌ failed | contoso.onmicrosoft.com | **credential&#95;valid&#95;for** fail: the client" in text
    )
    assert "Credentials ending within 90 days" in text
    assert json.loads(r.out)["summary"] == {"ok": 2, "warn": 1, "failed": 2, "total": 5}


def test_markdown_to_stdout_and_to_a_file_instead_of_the_step_summary(
    run_profiles: RunProfiles, world: ExampleWorld, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    r = run_profiles(contoso_secret("good"), "--report", "markdown=-", env=env)
    assert r.code == 0 and r.out.startswith("entra-profiles run: ok 1 of 1\n")
    assert summary.read_text() == ""  # --report markdown=… says where it goes instead
    r = run_profiles(contoso_secret("good"), "--no-step-summary", env=env)
    assert r.code == 0 and summary.read_text() == ""
    both = run_profiles(contoso_secret("good"), "--format", "json", "--report", "markdown=-")
    assert (both.code, both.err) == (
        2,
        "error: two reports would go to standard output\n"
        "  hint: send one to standard output (--format, or one --report FORMAT=-), the others to files\n",
    )
    bad = run_profiles(contoso_secret("good"), "--report", "pdf=x.pdf")
    assert bad.code == 2 and bad.err.startswith("error: --report 'pdf=x.pdf' is not FORMAT=PATH\n")


def test_step_summary_is_never_written_through_a_link(run_profiles: RunProfiles, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("")
    link = tmp_path / "summary.md"
    os.symlink(target, link)
    r = run_profiles(contoso_secret("good"), env={"GITHUB_STEP_SUMMARY": str(link)})
    assert r.code == 1
    assert f"error: cannot append to {link}: it is a symbolic link, which is never followed" in r.err
    assert target.read_text() == ""


def test_html_report_runs_in_headless_chromium_without_network(reports: tuple[Result, Path], tmp_path: Path) -> None:
    """Its script runs (the filter counts the rows) with every host name unresolvable; skipped without chromium."""
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    _, out = reports
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND"]
    command += ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
    command += [f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", (out / "r.html").as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert '<span id="shown" class="detail">5 of 5 shown</span>' in done.stdout
