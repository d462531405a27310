"""Every text format round-trips hostile values through the reader it is written for."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import hostile
import pytest
from hostile import HOSTILE, hostile_variables

from entra_profiles.exports import azure_pipelines, dotenv, fish, gitlab, json_format, powershell, sh
from entra_profiles.exports.base import ExportError, FormatOptions, Variable

OPTIONS = FormatOptions(profile="p")
DUMP = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('V')}))"


def sourced(tmp_path: Path, text: str, how: str) -> dict[str, str]:
    """What bash makes of the file: every V* variable the sourced text defines, as a child sees it."""
    return hostile.sourced(tmp_path / "vars", text, how, "bash")


def expected() -> dict[str, str]:
    return {f"V{i}": v for i, v in enumerate(HOSTILE)}


def test_sh_round_trips_through_bash(tmp_path: Path) -> None:
    text = sh.render(hostile_variables(), OPTIONS).stdout
    assert sourced(tmp_path, text, ".") == expected()


def test_sh_unsets_stale_variables_first() -> None:
    text = sh.render([Variable("AZURE_CLIENT_ID", "x")], FormatOptions("p", unset=("AZURE_CLIENT_SECRET",))).stdout
    assert text == "unset AZURE_CLIENT_SECRET\nexport AZURE_CLIENT_ID=x\n"


def test_dotenv_writes_safe_values_bare() -> None:
    variables = [
        Variable("AZURE_CLIENT_ID", "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"),
        Variable("AZURE_CLIENT_CERTIFICATE_PATH", "/tmp/entra-profiles-x/certificate.pem"),
        Variable("AZURE_CLIENT_SECRET", "it's ~ecret", secret=True),
    ]
    assert "export" not in dotenv.render(variables, OPTIONS).stdout
    assert dotenv.render(variables, OPTIONS).stdout == (
        "AZURE_CLIENT_ID=0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
        "AZURE_CLIENT_CERTIFICATE_PATH=/tmp/entra-profiles-x/certificate.pem\n"
        'AZURE_CLIENT_SECRET="it\'s ~ecret"\n'
    )
    assert dotenv.is_bare("abc-1") and not dotenv.is_bare("") and not dotenv.is_bare("a b")


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed (parse_word checks the quoting)")
def test_fish_round_trips_through_fish(tmp_path: Path) -> None:
    path = tmp_path / "vars.fish"
    stale = FormatOptions("p", unset=("V_STALE",))
    path.write_text(fish.render(hostile_variables(), stale).stdout, encoding="utf-8")
    script = "source $argv[1]; and exec $argv[2] -c $argv[3]"
    proc = subprocess.run(
        ["fish", "--no-config", "-c", script, str(path), sys.executable, DUMP],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": str(tmp_path), "V_STALE": "left over"},
        check=True,
    )
    assert json.loads(proc.stdout) == expected()


@pytest.mark.parametrize("value", HOSTILE)
def test_fish_and_powershell_words_read_back(value: str) -> None:
    assert fish.parse_word(fish.quote(value)) == value
    assert powershell.parse_word(powershell.quote(value)) == value


def test_fish_and_powershell_lines() -> None:
    options = FormatOptions("p", unset=("AZURE_CLIENT_SECRET",))
    v = [Variable("AZURE_TENANT_ID", "contoso.onmicrosoft.com"), Variable("X", "it's \\ \u2019")]
    assert fish.render(v, options).stdout == (
        "set -e AZURE_CLIENT_SECRET\n"
        "set -gx AZURE_TENANT_ID 'contoso.onmicrosoft.com'\n"
        "set -gx X 'it\\'s \\\\ \u2019'\n"
    )
    assert powershell.render(v, options).stdout == (
        "Remove-Item Env:AZURE_CLIENT_SECRET -ErrorAction SilentlyContinue\n"
        "$env:AZURE_TENANT_ID = 'contoso.onmicrosoft.com'\n"
        "$env:X = 'it''s \\ \u2019\u2019'\n"
    )


def test_json_round_trips() -> None:
    assert json_format.parse(json_format.render(hostile_variables(), OPTIONS).stdout) == expected()


def test_azure_pipelines_one_command_per_variable_secrets_flagged() -> None:
    variables = [*hostile_variables(), Variable("AZURE_CLIENT_ID", "abc")]
    text = azure_pipelines.render(variables, OPTIONS).stdout
    assert len(text.splitlines()) == len(variables)
    assert all(line.startswith("##vso[task.setvariable variable=") for line in text.splitlines())
    parsed = azure_pipelines.parse(text)
    assert parsed == {**{k: (v, True) for k, v in expected().items()}, "AZURE_CLIENT_ID": ("abc", False)}
    assert "##vso[task.setvariable variable=AZURE_CLIENT_ID]abc\n" in text


def test_gitlab_refuses_secrets_saying_why() -> None:
    variables = [Variable("AZURE_CLIENT_ID", "abc"), Variable("AZURE_CLIENT_SECRET", "s3cret-value", secret=True)]
    with pytest.raises(ExportError) as caught:
        gitlab.render(variables, OPTIONS)
    assert caught.value.format() == (
        "refusing to write secrets (AZURE_CLIENT_SECRET) to a GitLab dotenv report: a dotenv report is a job "
        "artifact: anyone who can read the job's artifacts can read it, and GitLab does not mask its values\n"
        "  hint: use workload identity (id_tokens) or masked CI/CD variables; --allow-secrets to write them anyway"
    )
    allowed = gitlab.render(variables, FormatOptions("p", allow_secrets=True)).stdout
    assert gitlab.parse(allowed) == {"AZURE_CLIENT_ID": "abc", "AZURE_CLIENT_SECRET": "s3cret-value"}


def test_gitlab_refuses_what_a_dotenv_report_cannot_carry() -> None:
    with pytest.raises(ExportError) as caught:
        gitlab.render([Variable("X", "a\nB=c")], OPTIONS)
    assert caught.value.message == "X: GitLab dotenv reports cannot carry a value with a line break"
    with pytest.raises(ExportError) as caught:
        gitlab.render([Variable("X", " a")], OPTIONS)
    assert caught.value.message == "X: GitLab dotenv reports drop leading and trailing spaces of a value"


def test_variable_names_and_nul_are_checked() -> None:
    with pytest.raises(ExportError, match="NUL"):
        Variable("X", "a\0b")
    assert repr(Variable("S", "hidden", secret=True)) == "Variable(S=***)"
