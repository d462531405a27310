"""Pure parts of terminal output: shortening cells, fitting columns, the progress bar's line."""

from __future__ import annotations

import io

from entra_profiles.output import shorten, table
from entra_profiles.progress import ProgressBar, duration


def test_shorten_keeps_both_ends() -> None:
    assert shorten("abcdefghij", 10) == "abcdefghij"
    assert shorten("abcdefghij", 7) == "abc…hij"
    assert shorten("abcdefghij", 6) == "abc…ij"
    assert shorten("abcdefghij", 1) == "…"


def test_table_shrinks_the_first_group_before_the_next() -> None:
    rows = [["name-that-is-long", "x" * 30, "tail-column-wide-too"]]
    text = table(rows, ["NAME", "WIDE", "TAIL"], width=50, shrink=[(1,), (0, 2)])
    assert max(len(line) for line in text.splitlines()) <= 50
    assert text.splitlines()[1].startswith("name-that-is-long  ")  # the second group kept whole: it fits
    squeezed = table(rows, ["NAME", "WIDE", "TAIL"], width=30, shrink=[(1,), (0, 2)])
    assert max(len(line) for line in squeezed.splitlines()) <= 30


def test_table_never_counts_colour_codes() -> None:
    text = table([["a", "ok"], ["bb", "FAILED"]], ["N", "STATUS"], paint={1: lambda s: f"\x1b[1m{s}\x1b[0m"})
    assert text.splitlines() == ["N   STATUS", "a   \x1b[1mok\x1b[0m", "bb  \x1b[1mFAILED\x1b[0m"]


def test_progress_line_counts_rate_and_eta() -> None:
    bar = ProgressBar(200, io.StringIO())
    bar.failed = 3
    assert bar.line(50, 10.0, 80) == "[#######-----------------------]  50/200  3 failed  5.0/s  ETA 30s"
    assert bar.line(0, 0.0, 80) == "[------------------------------]  0/200  3 failed"
    assert bar.line(50, 10.0, 40) == "50/200  3 failed  5.0/s  ETA 30s"  # no room for a bar
    assert [duration(s) for s in (None, 4.4, 65, 3725)] == ["--", "4s", "1m05s", "1h02m"]


def test_progress_is_cleared_only_if_it_was_drawn() -> None:
    stream = io.StringIO()
    bar = ProgressBar(2, stream, clock=lambda: 1.0)
    bar.clear()
    assert stream.getvalue() == ""
    bar.update(1, failed=True)
    bar.clear()
    assert stream.getvalue().endswith("\r\x1b[K") and "1/2  1 failed" in stream.getvalue()
