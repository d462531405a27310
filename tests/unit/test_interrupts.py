"""An interrupt that a library or Python itself wrapped is still reported as an interrupt (exit 130)."""

from __future__ import annotations

import pytest

from entra_profiles.cli import interrupted_by, unexpected
from entra_profiles.errors import ExitCode
from entra_profiles.exports.tempfiles import Terminated


class Interrupting:
    def __set_name__(self, owner: type, name: str) -> None:
        raise Terminated(15)  # SIGTERM arriving while a module defines a class


def wrapped_interrupt() -> RuntimeError:
    try:
        type("Transports", (), {"_by_ca": Interrupting()})
    except RuntimeError as exc:  # Python 3.11: "Error calling __set_name__ on 'Interrupting' instance …"
        return exc
    except KeyboardInterrupt:  # pragma: no cover - Python 3.12+ no longer wraps it
        return RuntimeError("wrapped by hand")
    raise AssertionError("no exception")


def test_an_interrupt_wrapped_by_python_is_an_interrupt(capsys: pytest.CaptureFixture[str]) -> None:
    exc = wrapped_interrupt()
    if exc.__cause__ is None:  # pragma: no cover - newer Python
        exc.__cause__ = Terminated(15)
    assert interrupted_by(exc)
    assert unexpected(exc, debug=False) == ExitCode.INTERRUPTED
    assert capsys.readouterr().err == "interrupted\n"


def test_a_plain_bug_is_still_a_bug(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        try:
            raise ValueError("first")
        except ValueError as first:
            raise RuntimeError("second") from first
    except RuntimeError as exc:
        assert not interrupted_by(exc)
        assert unexpected(exc, debug=False) == ExitCode.BUG
    assert "unexpected error: RuntimeError: second" in capsys.readouterr().err
