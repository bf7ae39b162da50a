"""Every command speaks the same way: --quiet, --verbose, --json, colour on a terminal only (NO_COLOR)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from anki_build.cli import main
from conftest import cli, write_tree

WARNING_NOTE = "# 一\n\n**术语**：定义。\n\n**术语**：同名的第二个定义。\n"


def _project(root: Path, text: str = "# 一\n\n**术语**：定义。\n") -> Path:
    return write_tree(root, {"anki-build.toml": 'deck = "课程"\n', "01-一.md": text})


def test_every_command_takes_quiet_verbose_and_json() -> None:
    for name, command in main.commands.items():
        options = {opt for param in command.params if isinstance(param, click.Option) for opt in param.opts}
        assert {"-q", "--quiet", "-v", "--verbose", "--json"} <= options, name


def test_quiet_prints_nothing_when_all_is_well_and_problems_when_not(tmp_path: Path) -> None:
    root = _project(tmp_path / "ok")
    quiet = cli("build", str(root), "-o", str(tmp_path / "a.apkg"), "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    warned = _project(tmp_path / "warned", WARNING_NOTE)
    quiet = cli("build", str(warned), "-o", str(tmp_path / "b.apkg"), "-q")
    assert quiet.returncode == 0 and quiet.stdout == ""
    assert ": warning: " in quiet.stderr
    both = cli("build", str(root), "-q", "-v")
    assert both.returncode == 2 and "--quiet and --verbose" in both.stderr


def test_verbose_says_what_the_cache_did(tmp_path: Path) -> None:
    root = _project(tmp_path / "notes")
    first = cli("build", str(root), "-o", str(tmp_path / "a.apkg"), "--verbose")
    cli("build", str(root), "-o", str(tmp_path / "a.apkg"))  # the first build wrote the namespace into the config
    again = cli("build", str(root), "-o", str(tmp_path / "a.apkg"), "--verbose")
    assert "1 parsed, 0 unchanged" in first.stderr, first.stderr
    assert "0 parsed, 1 unchanged" in again.stderr, again.stderr
    assert re.search(r"^  new +.*术语.*01-一.md:3", first.stdout, re.M)  # every note the import touches


def test_json_everywhere_is_one_document_on_stdout(tmp_path: Path) -> None:
    root = _project(tmp_path / "notes")
    runs = {
        "build": cli("build", str(root), "-o", str(tmp_path / "a.apkg"), "--json"),
        "plan": cli("build", str(root), "--plan", "--json"),
        "check": cli("check", str(root), "--json"),
        "init": cli("init", str(tmp_path / "new"), "--json"),
        "init-templates": cli("init-templates", str(root), "--only", "style.css", "--json"),
        "explain": cli("build", str(root), "--explain", "01-一.md", "--json"),
    }
    for name, result in runs.items():
        assert result.returncode == 0, (name, result.stderr)
        json.loads(result.stdout)
    assert json.loads(runs["build"].stdout)["written"] is True


def test_strict_failure_says_so_and_writes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path / "notes", WARNING_NOTE)
    out = tmp_path / "deck.apkg"
    result = cli("build", str(root), "-o", str(out), "--strict")
    assert result.returncode == 1
    assert "nothing written" in result.stderr and not out.exists()
    assert not (root / "anki-build.lock").exists()
    data = json.loads(cli("build", str(root), "-o", str(out), "--strict", "--json").stdout)
    assert data["withheld"] is True and data["written"] is False and data["exit_code"] == 1


def test_a_missing_output_folder_is_created_and_said(tmp_path: Path) -> None:
    root = _project(tmp_path / "notes")
    result = cli("build", str(root), "-o", "made/here/deck.apkg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "created the folder made/here" in result.stdout
    assert "→ made/here/deck.apkg " in result.stdout  # as typed, not as a path relative to somewhere else


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("no_color", [None, "1"])
def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path, no_color: str | None) -> None:
    root = _project(tmp_path / "notes", WARNING_NOTE)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"}
    if no_color:
        env["NO_COLOR"] = no_color
    script = Path(sys.executable).parent / "anki-build"
    leader, follower = os.openpty()
    try:
        run = subprocess.run(
            [str(script), "build", str(root), "-o", str(tmp_path / "d.apkg")],
            stdout=subprocess.PIPE,
            stderr=follower,
            env=env,
            timeout=120,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        terminal = b"".join(chunks).decode("utf-8", "replace")
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert run.returncode == 0 and ": " in terminal and "warning" in terminal
    assert ("\x1b[33m" in terminal) is (no_color is None), repr(terminal[-300:])
    piped = cli("build", str(root), "-o", str(tmp_path / "d.apkg"))
    assert "\x1b[" not in piped.stderr + piped.stdout
