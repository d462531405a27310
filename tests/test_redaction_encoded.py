"""A secret is masked in every form a server may echo it in: as a form field (`+` for a space, `%2B`
…), URL-encoded, with upper- or lower-case hex. A token service that answers with the request it got
stands for the careless server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from clirunner import run_cli
from mitm import Mitm, on_its_cloud

SECRET = "Qx8+s/ecr=et%20 value~é"


def echo(body: str) -> str:
    return f"bad request: the request was {body}; lower {body.lower()}"


@pytest.mark.parametrize(
    "command", [["run", "leaky"], ["run", "leaky", "--format", "json"], ["export", "leaky", "--check"]]
)
def test_an_echoed_request_shows_no_form_of_the_secret(tmp_path: Path, command: list[str]) -> None:
    with Mitm(tmp_path / "mitm", token_error=echo) as mitm:
        path = on_its_cloud(
            mitm, tmp_path / "profiles.yaml", {"leaky": ("contoso.onmicrosoft.com", "${env:APP_SECRET}")}
        )
        r = run_cli("-f", str(path), *command, "--retries", "0", "--timeout", "20", env={"APP_SECRET": SECRET})
        assert r.code == 1
        sent = [s.body for s in mitm.seen if s.method == "POST"]
        assert sent and quote_plus(SECRET) in sent[0]  # the form really carried it, encoded
        shown = r.out + r.err
        assert "request was" in shown, shown
        for form in (SECRET, quote_plus(SECRET), quote(SECRET, safe=""), quote_plus(SECRET).lower()):
            assert form not in shown, (form, shown)
