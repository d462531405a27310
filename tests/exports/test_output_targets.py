"""`-o FILE` replaces only a regular file or a link of the user's own to one; `$GITHUB_ENV` is never
followed through a symbolic link. (Run as root, `-o /dev/stdout > out.env` passed every other check.)"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from clirunner import run_cli
from hostile import one_profile
from testenv import scrubbed_environ

SECRET = "s3cret-value-for-targets"
NOBODY = 65534
SAFE = "write into a folder of your own (or root's) that no other user can write to, reached through no link of theirs"
RUNNER = (
    "it must be a regular file of yours (or root's) in a folder that no other user can write to, reached "
    "through no symbolic link of another user's"
)


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    return one_profile(tmp_path, f"{{type: client_secret, secret: {SECRET}}}")


def export_to(profiles: Path, target: str, stdout_file: Path) -> subprocess.CompletedProcess[str]:
    """`export app --format dotenv -o TARGET > stdout_file`, as a shell would run it."""
    with stdout_file.open("w") as handle:
        return subprocess.run(
            [sys.executable, "-m", "entra_profiles", "-f", str(profiles), "export", "app", "--format", "dotenv",
             "-o", target],
            env=scrubbed_environ(), stdout=handle, stderr=subprocess.PIPE, text=True, timeout=60,
        )  # fmt: skip


def test_a_link_to_an_open_descriptor_is_never_replaced(profiles: Path, tmp_path: Path) -> None:
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")  # what /dev/stdout is: the shell's `> out.env`, as a file
    proc = export_to(profiles, str(link), tmp_path / "out.env")
    assert proc.returncode == 1
    assert proc.stderr == (
        f"error: cannot write {link}: it is a link to a device or an open file descriptor, not a file\n"
        "  hint: use -o - (or leave -o out) for standard output; -o names a file to create or replace\n"
    )
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert (tmp_path / "out.env").read_text() == ""


def test_dev_stdout_is_never_replaced(profiles: Path, tmp_path: Path) -> None:
    before = os.readlink("/dev/stdout")
    proc = export_to(profiles, "/dev/stdout", tmp_path / "out.env")
    assert proc.returncode == 1 and "it is a link to a device or an open file descriptor" in proc.stderr
    assert Path("/dev/stdout").is_symlink() and os.readlink("/dev/stdout") == before


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a link or a folder to another user needs root")
def test_a_link_or_a_folder_of_another_user_is_never_replaced(profiles: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.env"
    victim.write_text("untouched")
    theirs = tmp_path / "theirs.env"
    theirs.symlink_to(victim)
    os.lchown(theirs, NOBODY, NOBODY)
    shared = tmp_path / "shared"
    shared.mkdir()
    mine = shared / "mine.env"
    mine.symlink_to(victim)
    os.chown(shared, NOBODY, NOBODY)
    r = run_cli("-f", str(profiles), "export", "app", "--format", "dotenv", "-o", str(theirs))
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f"error: cannot write {theirs}: it is a symbolic link that another user owns\n"
        "  hint: -o replaces only a regular file, or a link of your own in a folder of your own\n"
    )
    r = run_cli("-f", str(profiles), "export", "app", "--format", "dotenv", "-o", str(mine))
    assert (r.code, r.out) == (1, "")
    assert r.err == f"error: cannot write {mine}: its folder belongs to another user (uid {NOBODY})\n  hint: {SAFE}\n"
    assert theirs.is_symlink() and mine.is_symlink()
    assert victim.read_text() == "untouched"


def test_a_regular_file_and_a_link_of_ones_own_are_replaced(profiles: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.env"
    plain.write_text("old")
    r = run_cli("-f", str(profiles), "export", "app", "--format", "dotenv", "-o", str(plain))
    assert r.code == 0 and f"AZURE_CLIENT_SECRET={SECRET}\n" in plain.read_text()
    assert stat.S_IMODE(plain.stat().st_mode) == 0o600


def test_github_env_is_never_followed_through_a_link(profiles: Path, tmp_path: Path) -> None:
    readable = tmp_path / "world-readable.txt"
    readable.write_text("untouched\n")
    readable.chmod(0o644)
    planted = tmp_path / "github_env"
    planted.symlink_to(readable)
    r = run_cli("-f", str(profiles), "export", "app", "--format", "github", env={"GITHUB_ENV": str(planted)})
    assert r.code == 1
    assert r.err == f"error: cannot append to {planted}: it is a symbolic link, which is never followed\n"
    assert readable.read_text() == "untouched\n"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = run_cli("-f", str(profiles), "export", "app", "--format", "github", env={"GITHUB_ENV": str(fifo)})
    assert r.code == 1 and r.err.startswith(f"error: cannot append to {fifo}: ")
    real = tmp_path / "real_github_env"
    r = run_cli("-f", str(profiles), "export", "app", "--format", "github", env={"GITHUB_ENV": str(real)})
    assert r.code == 0 and stat.S_IMODE(real.stat().st_mode) == 0o600 and SECRET in real.read_text()
