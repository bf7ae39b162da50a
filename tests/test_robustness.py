"""Crash hygiene and precise diagnostics: killed builds leave nothing behind, every message points at its cause."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import cli, parse, write_tree


def _valid_apkg(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None and "collection.anki2" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def test_a_killed_build_leaves_the_previous_deck_and_lock_intact_and_no_scratch_files(sample_notes: Path, tmp_path):
    import shutil

    root = tmp_path / "notes"
    shutil.copytree(sample_notes, root)
    out = tmp_path / "decks" / "deck.apkg"
    assert cli("build", str(root), "-o", str(out)).returncode == 0
    lock = (root / "anki-build.lock").read_bytes()
    (root / "01-基本概念.md").write_text(
        (root / "01-基本概念.md").read_text(encoding="utf-8") + "\n**新术语**：新的定义。\n", encoding="utf-8"
    )
    script = Path(sys.executable).parent / "anki-build"
    rng = random.Random(8)
    for _ in range(12):
        process = subprocess.Popen([str(script), "build", str(root), "-o", str(out)], stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _valid_apkg(out)
        assert json.loads((root / "anki-build.lock").read_text(encoding="utf-8"))  # old or new, never half
    assert cli("build", str(root), "-o", str(out)).returncode == 0
    assert _valid_apkg(out)
    leftovers = [p.name for p in out.parent.iterdir() if p.name != out.name]
    leftovers += [p.name for p in root.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert (root / "anki-build.lock").read_bytes() != lock  # the new note reached the lock


def test_stale_scratch_of_a_killed_writer_is_removed_by_the_next_build(tmp_path):
    root = write_tree(tmp_path / "notes", {"01-a.md": "**甲**：一。\n"})
    out = tmp_path / "decks" / "d.apkg"
    out.parent.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = out.parent / f".d.apkg.anki-build-{dead.stdout.strip()}-abcd1234.tmp"
    stale.write_bytes(b"half a deck")
    old_folder = out.parent / ".anki-build-x1y2"  # what anki-build 0.1 left behind
    old_folder.mkdir()
    os.utime(old_folder, (time.time() - 3600, time.time() - 3600))
    assert cli("build", str(root), "-o", str(out)).returncode == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["d.apkg"]


def test_written_files_keep_normal_permissions(tmp_path):
    root = write_tree(tmp_path / "notes", {"01-a.md": "**甲**：一。\n"})
    out = tmp_path / "d.apkg"
    previous = os.umask(0o022)
    try:
        assert cli("build", str(root), "-o", str(out)).returncode == 0
        assert (root / "anki-build.lock").stat().st_mode & 0o777 == 0o644
        assert out.stat().st_mode & 0o777 == 0o644
        (root / "anki-build.lock").chmod(0o664)
        (root / "01-a.md").write_text("**甲**：一。\n\n**乙**：二。\n", encoding="utf-8")
        assert cli("build", str(root), "-o", str(out)).returncode == 0
        assert (root / "anki-build.lock").stat().st_mode & 0o777 == 0o664  # an existing file's mode is kept
    finally:
        os.umask(previous)


def test_a_lock_that_links_out_of_the_notes_folder_is_neither_read_nor_written(tmp_path):
    outside = tmp_path / "elsewhere.json"
    outside.write_text('{"version": 1, "notes": {}, "notetypes": {}}', encoding="utf-8")
    root = write_tree(tmp_path / "notes", {"01-a.md": "**甲**：一。\n"})
    (root / "anki-build.lock").symlink_to(outside)
    result = cli("build", str(root), "-o", str(tmp_path / "d.apkg"), "--json")
    codes = [d["code"] for d in json.loads(result.stdout)["diagnostics"]]
    assert result.returncode == 1 and "lock-invalid" in codes  # an unusable lock: nothing is written
    assert not (tmp_path / "d.apkg").exists()
    assert outside.read_text(encoding="utf-8") == '{"version": 1, "notes": {}, "notetypes": {}}'
    assert (root / "anki-build.lock").is_symlink()


def test_a_file_just_over_the_limit_does_not_read_as_equal_to_it(notes):
    from anki_build.parse.source import MAX_FILE_BYTES

    root = notes({"01-a.md": "**甲**：一。\n", "02-big.md": "a" * (MAX_FILE_BYTES + 1)})
    _, report = parse(root)
    [d] = [d for d in report.items if d.code == "file-too-large"]
    size, limit = d.message.split("; the limit is ")
    assert size.removeprefix("cannot read this file: it is ") != limit.removesuffix("; skipped"), d.message
    assert "8,388,609 bytes" in d.message


def test_utf16_of_odd_length_is_read_with_a_warning_not_called_binary(notes):
    text = "# 标题\n\n**术语**：定义。\n".encode("utf-16-le")
    root = notes({"01-a.md": b"\xff\xfe" + text + b"\x00"[:1]})
    project, report = parse(root)
    assert [d.code for d in report.items] == ["encoding"]
    assert "middle of a character" in report.items[0].message
    assert [n.key for n in project.notes] == ["concept:术语"]


def test_utf16_without_a_bom_is_recognised(notes):
    root = notes({"01-a.md": "# 标题\n\n**Term**: a definition of it.\n".encode("utf-16-le")})
    project, report = parse(root)
    assert [d.code for d in report.items] == ["encoding"] and len(project.notes) == 1


def test_a_nul_byte_after_the_first_8_kib_is_found_where_it_is(notes):
    text = "**甲**：一。\n" + "正文。\n" * 3000
    binary = text.encode() + b"\x00\x01\x02\x03" * 4000
    stray = (text + "\n**乙**\x00：二。\n").encode()
    root = notes({"01-binary.md": binary, "02-stray.md": stray})
    project, report = parse(root)
    found = {(d.path.rsplit("/", 1)[-1], d.code, d.line) for d in report.items}
    assert ("01-binary.md", "binary-file", 3002) in found
    assert ("02-stray.md", "control-character", 3003) in found
    assert "concept:乙" in {n.key for n in project.notes}


def test_control_characters_are_removed_with_a_warning_and_anki_accepts_the_deck(tmp_path, collection):
    from conftest import import_apkg

    text = "**字段\x1f分隔**：左\x1f右\x07。\n\nQ: 问\x1e题？\nA: 答\x00案。\n\n" + "一段没有卡片的正文。\n" * 10
    root = write_tree(tmp_path / "notes", {"01-a.md": text})
    result = cli("build", str(root), "-o", str(tmp_path / "d.apkg"), "--json")
    data = json.loads(result.stdout)
    assert [d["code"] for d in data["diagnostics"]] == ["control-character"]
    assert import_apkg(collection, tmp_path / "d.apkg")["new"] == 2
    fields = [collection.get_note(n).fields for n in collection.find_notes("")]
    assert all(not any(ord(c) < 32 and c not in "\n\t" for f in note for c in f) for note in fields)


def test_an_unknown_toml_table_and_a_nested_key_are_reported_at_their_line(notes):
    root = notes(
        {
            "anki-build.toml": 'deck = "D"\n\n[kinds]\nqa = true\nquiz = false\n\n[render]\nwidth = 3\n',
            "01-a.md": "**甲**：一。\n",
        }
    )
    _, report = parse(root)
    found = {(d.code, d.line, d.col) for d in report.items}
    assert ("config-value", 5, 1) in found  # kinds.quiz
    assert ("config-key", 7, 2) in found  # [render]


def test_deep_or_huge_config_and_lock_are_diagnostics(tmp_path):
    root = write_tree(tmp_path / "notes", {"01-a.md": "**甲**：一。\n"})
    (root / "anki-build.toml").write_text("a = " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    result = cli("build", str(root), "-o", str(tmp_path / "d.apkg"))
    assert result.returncode == 1 and "config-syntax" in result.stderr and "Traceback" not in result.stderr
    (root / "anki-build.toml").unlink()
    (root / "anki-build.lock").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    result = cli("build", str(root), "-o", str(tmp_path / "d.apkg"))
    assert "lock-invalid" in result.stderr and "Traceback" not in result.stderr
    (root / "anki-build.lock").write_bytes(b'{"version": 1, "notes": {"\xff": 1}}')
    result = cli("build", str(root), "-o", str(tmp_path / "d.apkg"))
    assert "lock-invalid" in result.stderr and "Traceback" not in result.stderr


def test_an_image_that_vanishes_between_stages_is_a_warning(notes):
    from anki_build.render import render_project

    root = notes({"01-a.md": "**卷积核**：![x](x.png)\n", "x.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 16})
    project, report = parse(root)
    (root / "x.png").unlink()  # after the parse stage resolved it, before the render stage reads it
    deck = render_project(project, report)
    assert [d.code for d in report.items] == ["image-missing"]
    assert "ab-missing-image" in deck.notes[0].fields["Back"] and not deck.media.files


def _deep_folder(base: Path, depth: int) -> Path:
    """A real folder whose path is longer than the OS allows to open: a sub-folder that cannot be read."""
    fd = os.open(base, os.O_RDONLY)
    name = "d" * 250
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        with open(os.open("01-lost.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
            handle.write("**丢**：读不到。\n")
    finally:
        os.close(fd)
    return base


def test_an_unreadable_sub_folder_and_a_symlink_out_are_reported(tmp_path):
    root = write_tree(tmp_path / "notes", {"01-a.md": "**甲**：一。\n"})
    _deep_folder(root, 20)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "02-b.md").write_text("**乙**：二。\n", encoding="utf-8")
    (root / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    (root / "02-link.md").symlink_to(tmp_path / "outside" / "02-b.md")
    result = cli("build", str(root), "-o", str(tmp_path / "d.apkg"), "--json")
    data = json.loads(result.stdout)
    codes = [d["code"] for d in data["diagnostics"]]
    assert codes.count("symlink-outside-root") == 2 and "unreadable" in codes
    assert data["notes"] == 1


@pytest.mark.parametrize("where", ["notes", "config"])
def test_a_config_or_note_that_is_a_fifo_never_blocks(tmp_path, where):
    root = write_tree(tmp_path / "notes", {"01-a.md": "**甲**：一。\n"})
    os.mkfifo(root / ("anki-build.toml" if where == "config" else "02-b.md"))
    result = cli("build", str(root), "-o", str(tmp_path / "d.apkg"), timeout=60)
    assert "Traceback" not in result.stderr
    assert ("config-unreadable" if where == "config" else "not-a-file") in result.stderr
