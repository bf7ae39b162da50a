"""Incremental builds: an unchanged file is not parsed again, and the deck is the cold build's, byte for byte."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from anki_build.commands.build import build
from anki_build.config import load_config
from anki_build.diagnostics import Report
from anki_build.incremental import compile_project, project_cache
from conftest import REPO

SAMPLE = REPO / "notes"

NOW = 1_900_000_000


def _compile(root: Path, cache: Path) -> tuple[int, int]:
    report = Report()
    config = load_config(root, "notes", report)
    stats = compile_project(root, "notes", config, report, cache_folder=cache).stats
    return stats.parsed, stats.reused


def _deck(root: Path, out: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("ANKI_BUILD_CACHE_DIR", str(cache))
    summary = build(root, "notes", out, now=NOW, write_lock=False)
    assert summary.errors == 0, [d.format() for d in summary.diagnostics]
    return out.read_bytes()


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    shutil.copytree(SAMPLE, root)
    return root


def test_unchanged_files_are_not_parsed_again_and_an_edit_reparses_one(notes: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    files = len(list(notes.rglob("*.md")))
    assert _compile(notes, cache) == (files, 0)
    assert _compile(notes, cache) == (0, files)
    chapter = sorted(notes.glob("*.md"))[1]
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n**新术语**：补充的一条定义。\n", encoding="utf-8")
    assert _compile(notes, cache) == (1, files - 1)


def test_config_and_code_version_invalidate_everything(notes: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    files = len(list(notes.rglob("*.md")))
    _compile(notes, cache)
    config = notes / "anki-build.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\ntags = ["extra"]\n', encoding="utf-8")
    assert _compile(notes, cache) == (files, 0)


def test_a_corrupt_or_foreign_entry_is_ignored(notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    cold = _deck(notes, tmp_path / "cold.apkg", tmp_path / "fresh", monkeypatch)
    _deck(notes, tmp_path / "warm.apkg", cache, monkeypatch)
    entries = sorted((project_cache(notes, cache) / "files").glob("*.json"))
    assert entries
    payloads = [b"{not json", b'{"format": 1, "key": "someone else"}', b"[]", b'{"format": 1}']
    for i, entry in enumerate(entries):
        if entry.name != "outputs.json":
            entry.write_bytes(payloads[i % len(payloads)])
    (tmp_path / "warm.apkg").unlink()
    assert _deck(notes, tmp_path / "warm.apkg", cache, monkeypatch) == cold


def test_an_unchanged_deck_is_not_rewritten(notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "deck.apkg"
    _deck(notes, out, tmp_path / "cache", monkeypatch)
    before = out.stat()
    _deck(notes, out, tmp_path / "cache", monkeypatch)
    after = out.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)  # left alone: nothing changed
    out.write_bytes(b"damaged")
    assert _deck(notes, out, tmp_path / "cache", monkeypatch) != b"damaged"


def _edit(rng: random.Random, root: Path, step: int) -> None:
    """One edit a user makes: add a note, delete a line, move a file, add an image reference, retitle."""
    files = sorted(root.rglob("*.md"))
    target = rng.choice(files)
    text = target.read_text(encoding="utf-8")
    lines = text.split("\n")
    kind = rng.randrange(6)
    if kind == 0:
        lines.insert(rng.randrange(len(lines) + 1), f"\n**术语{step}**：第 {step} 次编辑加入的定义。\n")
    elif kind == 1 and len(lines) > 3:
        del lines[rng.randrange(len(lines))]
    elif kind == 2:
        target.rename(target.with_name(f"{90 + step:02d}-moved-{step}.md"))
        return
    elif kind == 3:
        lines.append(f"\n**图{step}**：一张图 ![](img{step % 2}.png)\n")
        if rng.random() < 0.5:
            (root / f"img{step % 2}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes([step]) * 16)
    elif kind == 4:
        lines = [f"# 新标题 {step}" if line.startswith("# ") else line for line in lines]
    else:
        lines.append("\n$$\n" + f"y_{step} = x^{step}" + "\n$$\n")
    target.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edit_sequences_build_what_a_cold_build_builds(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    cache = tmp_path / "cache"
    for step in range(6):
        warm = _deck(notes, tmp_path / "warm.apkg", cache, monkeypatch)
        cold = _deck(notes, tmp_path / f"cold{step}.apkg", tmp_path / f"fresh{step}", monkeypatch)
        assert warm == cold, f"step {step}"
        _edit(rng, notes, step)


def test_the_code_version_covers_the_card_templates() -> None:
    """A changed template must not reuse cards rendered with the old one (checkout or installed wheel)."""
    from anki_build.incremental import code_version
    from anki_build.notetypes import cards_dir

    template = Path(str(cards_dir())) / "fields" / "concept.html"
    if not template.is_file():
        template = next(p for p in Path(str(cards_dir())).rglob("*.html"))
    original = template.read_bytes()
    before = code_version()
    try:
        template.write_bytes(original + b"\n")
        code_version.cache_clear()
        assert code_version() != before
    finally:
        template.write_bytes(original)
        code_version.cache_clear()
    assert code_version() == before
