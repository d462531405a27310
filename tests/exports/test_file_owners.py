"""Secrets go only into folders no other user can redirect or swap. `$GITHUB_ENV` reached through a
link into another user's folder appended the secrets to that user's 0644 file (`O_NOFOLLOW` guards only
the last component), and `-o` replaced a file in a folder another user owns. The same rules hold for
`$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` (one function appends to all three)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from clirunner import run_cli
from hostile import one_profile
from test_output_targets import NOBODY, RUNNER, SAFE, SECRET

UNREACHABLE = """version: 1
clouds:
  closed:
    authority_host: https://127.0.0.1:9
    graph_endpoint: https://127.0.0.1:9
    keyvault_suffix: vault.closed.example
profiles:
  a:
    tenant: contoso.onmicrosoft.com
    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811
    cloud: closed
    credential: {type: client_secret, secret: x-secret}
"""
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving a file or a folder to another user needs root")


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    return one_profile(tmp_path, f"{{type: client_secret, secret: {SECRET}}}")


def theirs(folder: Path, mode: int = 0o755) -> Path:
    """A folder of another user's holding their world-readable `env`."""
    folder.mkdir()
    (folder / "env").write_text("theirs\n")
    (folder / "env").chmod(0o644)
    os.chown(folder / "env", NOBODY, NOBODY)
    folder.chmod(mode)
    os.chown(folder, NOBODY, NOBODY)
    return folder / "env"


def github(profiles: Path, target: str, *more: str, variable: str = "GITHUB_ENV", cwd: Path | None = None) -> object:
    return run_cli("-f", str(profiles), "export", "app", "--format", "github", *more, env={variable: target}, cwd=cwd)


@as_root
@pytest.mark.parametrize("variable", ["GITHUB_ENV", "GITHUB_OUTPUT"])
def test_github_env_through_a_link_into_another_users_folder(profiles: Path, tmp_path: Path, variable: str) -> None:
    env = theirs(tmp_path / "attacker")
    (tmp_path / "rt").mkdir()
    (tmp_path / "rt" / "_runner_file_commands").symlink_to(tmp_path / "attacker")
    more = ("--outputs",) if variable == "GITHUB_OUTPUT" else ()
    r = github(profiles, "rt/_runner_file_commands/env", *more, variable=variable, cwd=tmp_path)
    assert (r.code, r.err) == (  # type: ignore[attr-defined]
        1,
        "error: cannot append to rt/_runner_file_commands/env: the symbolic link _runner_file_commands on the path "
        f"leads into a folder another user owns\n  hint: {RUNNER}\n",
    )
    assert env.read_text() == "theirs\n"


@as_root
def test_the_step_summary_through_a_link_is_refused_too(tmp_path: Path) -> None:
    env = theirs(tmp_path / "attacker")
    (tmp_path / "rt").mkdir()
    (tmp_path / "rt" / "files").symlink_to(tmp_path / "attacker")
    path = tmp_path / "profiles.yaml"
    path.write_text(UNREACHABLE, encoding="utf-8")
    summary = str(tmp_path / "rt" / "files" / "env")
    r = run_cli("-f", str(path), "run", "--timeout", "10", env={"GITHUB_STEP_SUMMARY": summary})
    assert f"error: cannot append to {summary}: the symbolic link files on the path leads" in r.err
    assert env.read_text() == "theirs\n"


@as_root
def test_github_env_that_another_user_owns_or_can_swap_is_refused(profiles: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "env").write_text("")
    os.chown(mine / "env", NOBODY, NOBODY)
    r = github(profiles, str(mine / "env"))
    assert (
        r.err
        == f"error: cannot append to {mine / 'env'}: it belongs to another user (uid {NOBODY})\n  hint: {RUNNER}\n"
    )  # type: ignore[attr-defined]
    open_to_all = tmp_path / "open"
    open_to_all.mkdir()
    open_to_all.chmod(0o777)
    r = github(profiles, str(open_to_all / "env"))
    assert r.err == (  # type: ignore[attr-defined]
        f"error: cannot append to {open_to_all / 'env'}: its folder can be written by other users (and is not "
        f"sticky): they could swap the file\n  hint: {RUNNER}\n"
    )
    assert not (open_to_all / "env").exists()


@as_root
def test_a_runner_s_own_file_in_its_own_folder_takes_roots_append(profiles: Path, tmp_path: Path) -> None:
    """A GitHub container job or Docker action runs as root; the runner's user owns $GITHUB_ENV."""
    env = theirs(tmp_path / "file_commands")
    r = github(profiles, str(env))
    assert r.code == 0, r.err  # type: ignore[attr-defined]
    assert SECRET in env.read_text()


def test_a_file_of_ones_own_in_a_sticky_folder_is_fine(profiles: Path, tmp_path: Path) -> None:
    sticky = tmp_path / "tmp"
    sticky.mkdir()
    sticky.chmod(0o1777)
    r = github(profiles, str(sticky / "env"))
    assert r.code == 0, r.err  # type: ignore[attr-defined]
    out = sticky / "out.env"
    r = run_cli("-f", str(profiles), "export", "app", "--format", "dotenv", "-o", str(out))
    assert r.code == 0 and stat.S_IMODE(out.stat().st_mode) == 0o600


@as_root
def test_o_into_a_folder_another_user_owns_or_can_swap_is_refused(profiles: Path, tmp_path: Path) -> None:
    env = theirs(tmp_path / "nobodys")
    r = run_cli("-f", str(profiles), "export", "app", "--format", "dotenv", "-o", str(env))
    assert r.err == f"error: cannot write {env}: its folder belongs to another user (uid {NOBODY})\n  hint: {SAFE}\n"
    assert env.read_text() == "theirs\n"
    new = tmp_path / "nobodys" / "new.env"
    r = run_cli("-f", str(profiles), "export", "app", "--format", "dotenv", "-o", str(new))
    assert r.code == 1 and not new.exists()
    sticky = tmp_path / "tmp"
    sticky.mkdir()
    sticky.chmod(0o1777)
    other = sticky / "other.env"
    other.write_text("theirs\n")
    os.chown(other, NOBODY, NOBODY)
    r = run_cli("-f", str(profiles), "export", "app", "--format", "dotenv", "-o", str(other))
    assert r.err == f"error: cannot write {other}: it belongs to another user (uid {NOBODY})\n  hint: {SAFE}\n"
    assert other.read_text() == "theirs\n"
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    r = run_cli("-f", str(profiles), "export", "app", "--format", "dotenv", "-o", str(shared / "x.env"))
    assert r.err == (
        f"error: cannot write {shared / 'x.env'}: its folder can be written by other users (and is not sticky): "
        f"they could swap the file\n  hint: {SAFE}\n"
    )
