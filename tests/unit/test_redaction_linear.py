"""The token masking is linear in the text: a server's answer (or a file's value) of megabytes of
"eyJ"-laden text is masked in a moment, where the old pattern rescanned from every "eyJ" (a 300 KB
answer took 40 s). And it still masks every JWT, wherever it stands."""

from __future__ import annotations

import subprocess
import sys

import pytest
from testenv import scrubbed_environ

from entra_profiles.redact import Redactor

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"
# Texts of about 3 MB built to make a backtracking pattern retry from every position.
ADVERSARIAL = {
    "eyJ repeated": '"eyJ" * 1_000_000',
    "eyJ and one long segment": '"eyJ" + "A" * 3_000_000',
    "first segments without a second dot": '"eyJaaaaa.bbbbbb" * 200_000',
    "second segments too short": '"eyJaaaaa.bbbb." * 200_000',
    "a letter before each eyJ": '"xeyJ" * 750_000',
    "dots between short runs": '"eyJa.eyJb." * 300_000',
    "tokens back to back": f'"{JWT}" * 50_000',
}
PROGRAM = """
import sys, time
from entra_profiles.redact import Redactor
text = eval(sys.argv[1])
started = time.monotonic()
Redactor().redact(text)
print(time.monotonic() - started)
"""


@pytest.mark.parametrize("expression", ADVERSARIAL.values(), ids=list(ADVERSARIAL))
def test_megabytes_of_adversarial_text_are_masked_in_a_moment(expression: str) -> None:
    # In a subprocess: a quadratic pattern would run for hours, and a regex cannot be interrupted.
    # The bound is a complexity check with a wide margin (linear: ~0.1 s; quadratic: hours).
    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM, expression],
        env=scrubbed_environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) < 10


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"Bearer {JWT}", "Bearer ***"),
        (f'{{"access_token": "{JWT}", "x": 1}}', '{"access_token": "***", "x": 1}'),
        (f"a.{JWT}.", "a.***."),
        (f"'\\n{JWT}'", "'\\***'"),  # repr() of a newline before it: the letter goes with the token
        (f"%22{JWT}%22", "%***%22"),
        (f"{JWT} and {JWT}", "*** and ***"),
        ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIi.", "***"),  # no signature: still a token
        ("eyJhbG.eyJ.sig", "eyJhbG.eyJ.sig"),  # segments too short for a token
        ("eyJeyJeyJeyJ and words", "eyJeyJeyJeyJ and words"),
    ],
)
def test_every_token_is_masked_wherever_it_stands(text: str, masked: str) -> None:
    assert Redactor().redact(text) == masked
