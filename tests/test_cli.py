"""The command line as a user runs it: exit codes, summaries, JSON, start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from anki_build.cli import main
from conftest import cli, write_tree


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return cli(*args, cwd=cwd, timeout=120)


def test_help_is_fast_and_loads_neither_sympy_nor_anki(tmp_path):
    code = (
        "import sys, time; t = time.perf_counter(); from anki_build.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('sympy', 'anki', 'genanki', 'markdown_it', 'nh3', 'pygments', 'watchfiles', 'jinja2')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print('HEAVY', heavy, time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    heavy_line = out.strip().splitlines()[-1]
    assert heavy_line.startswith("HEAVY [] "), heavy_line
    started = time.perf_counter()
    result = run("--help")
    assert result.returncode == 0 and "build" in result.stdout
    assert time.perf_counter() - started < 5  # generous wall-clock bound; the real number is in benchmarks/


def test_version_and_help_on_every_command():
    runner = CliRunner()
    version = runner.invoke(main, ["--version"])
    assert version.exit_code == 0 and "anki-build" in version.output
    for command in ([], ["build"]):
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_build_without_argument_builds_sample_project_beside_notes(tmp_path):
    project = tmp_path / "course"
    (project / "notes").mkdir(parents=True)
    (project / "notes" / "anki-build.toml").write_text('deck = "课程"\n', encoding="utf-8")
    (project / "notes" / "01-a.md").write_text("# 一\n\n**术语**：定义。\n", encoding="utf-8")
    before = sorted(p.relative_to(project) for p in (project / "notes").rglob("*"))
    result = run("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "decks" / "课程.apkg").is_file()
    assert "1 note → " in result.stdout and "01 一" in result.stdout
    after = sorted(p.relative_to(project) for p in (project / "notes").rglob("*"))
    assert after == sorted([*before, Path("notes/anki-build.lock")])  # the lock is the only file added
    assert (project / "notes" / "01-a.md").read_text(encoding="utf-8") == "# 一\n\n**术语**：定义。\n"


def test_usage_errors_exit_2(tmp_path):
    assert run("build", str(tmp_path / "missing")).returncode == 2
    assert run("build", cwd=tmp_path).returncode == 2  # no config here, no ./notes
    (tmp_path / "n").mkdir()
    assert run("build", str(tmp_path / "n"), "-o", str(tmp_path / "x.zip")).returncode == 2
    assert run("frobnicate").returncode == 2


def test_json_summary_and_strict(tmp_path):
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "a.md").write_text("# A\n\n**好**：有定义。\n\nQ: 没有答案？\n", encoding="utf-8")
    out = tmp_path / "o.apkg"
    result = run("build", str(notes), "-o", str(out), "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0
    assert data["notes"] == 1 and data["warnings"] == 1 and data["errors"] == 0
    assert data["by_kind"]["concept"] == 1
    [diag] = data["diagnostics"]
    assert diag["code"] == "empty-answer" and diag["line"] == 5 and diag["path"].endswith("n/a.md")
    strict = run("build", str(notes), "-o", str(out), "--strict")
    assert strict.returncode == 1
    assert ":5:1: error: empty-answer:" in strict.stderr


def test_errors_exit_1_but_the_rest_still_builds(tmp_path):
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "good.md").write_text("**好**：能读。\n", encoding="utf-8")
    (notes / "bad.md").write_bytes(b"\x00\x01binary")
    result = run("build", str(notes), "-o", str(tmp_path / "o.apkg"))
    assert result.returncode == 1
    assert "bad.md:1:1: error: binary-file:" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "o.apkg").is_file()


def test_config_errors_are_reported_with_position(tmp_path):
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "anki-build.toml").write_text('deck = "D"\ndek = "typo"\nlanguage = "fr"\n', encoding="utf-8")
    (notes / "a.md").write_text("**好**：能读。\n", encoding="utf-8")
    result = run("build", str(notes))
    assert result.returncode == 1
    assert "anki-build.toml:2:1: error: config-key: unknown key 'dek' (did you mean 'deck'?)" in result.stderr
    assert "anki-build.toml:3:1: error: config-value: language:" in result.stderr
    broken = notes / "anki-build.toml"
    broken.write_text('deck = "D\n', encoding="utf-8")
    result = run("build", str(notes))
    assert result.returncode == 1 and "config-syntax" in result.stderr and "Traceback" not in result.stderr


def test_empty_folder_is_an_error_not_a_crash(tmp_path):
    result = run("build", str(tmp_path), "-o", str(tmp_path / "o.apkg"))
    assert result.returncode == 1 and "no-notes" in result.stderr and "Traceback" not in result.stderr


def test_build_without_derivations_never_imports_sympy(tmp_path):
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "a.md").write_text("**好**：能读。\n\n$$x^2$$\n", encoding="utf-8")
    code = (
        "import sys\nfrom pathlib import Path\nfrom anki_build.commands.build import build\n"
        f"s = build(Path({str(notes)!r}), 'n', Path({str(tmp_path / 'o.apkg')!r}))\n"
        "print(s.notes, 'sympy' in sys.modules, 'anki' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    out = result.stdout.split()
    assert out == ["2", "False", "False"]


def _on_terminal(*args: str) -> str:
    """Run the installed script with stdout and stderr on a pseudo-terminal; everything it drew."""
    import os
    import pty
    import threading

    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    script = Path(sys.executable).parent / "anki-build"
    subprocess.run([str(script), *args], stdin=slave, stdout=slave, stderr=slave, timeout=300, check=False)
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_progress_is_drawn_on_a_terminal_and_nowhere_else(tmp_path):
    root = write_tree(
        tmp_path / "notes", {f"{i:02d}-c.md": f"# 第{i}章\n\n**术语{i}**：定义{i}。\n" for i in range(12)}
    )
    drawn = _on_terminal("build", str(root), "-o", str(tmp_path / "a.apkg"))
    assert "\x1b[2Kparse " in drawn and "/12" in drawn, drawn[-2000:]
    summary = next(line for line in drawn.splitlines() if " notes → " in line)
    assert summary.rsplit("\x1b[2K", 1)[-1].startswith("notes: 12 notes → "), repr(summary)  # the bar was wiped
    as_json = _on_terminal("build", str(root), "-o", str(tmp_path / "b.apkg"), "--json")
    assert "\x1b[2K" not in as_json and json.loads(as_json[as_json.index("{") :])["notes"] == 12
    piped = run("build", str(root), "-o", str(tmp_path / "c.apkg"))
    assert piped.returncode == 0 and "\r" not in piped.stderr + piped.stdout and "parse " not in piped.stderr
