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
    """One edit a user makes: add a note, delete a line, move a file, add an image reference, retitle,
    reorder the chapters in a SUMMARY.md, delete a file."""
    files = sorted(p for p in root.rglob("*.md") if p.name != "SUMMARY.md")
    target = rng.choice(files)
    text = target.read_text(encoding="utf-8")
    lines = text.split("\n")
    kind = rng.randrange(8)
    if kind == 6:
        order = [f.relative_to(root).as_posix() for f in files]
        rng.shuffle(order)
        (root / "SUMMARY.md").write_text("".join(f"- [{n}]({rel})\n" for n, rel in enumerate(order)), encoding="utf-8")
        return
    if kind == 7 and len(files) > 2:
        target.unlink()
        return
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
    for step in range(8):
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


def _mixed_project(root: Path) -> Path:
    """The sample (derivations, images, formulas) plus files that pause, clash, warn and need decoding."""
    (root / "10-暂停.md").write_text("---\ncards: false\n---\n# 暂停\n\n**暂停的术语**：不进牌组。\n", encoding="utf-8")
    (root / "11-旧编码.md").write_bytes("# 旧编码\n\n**编码**：这个文件是 GBK 编码的中文笔记。\n".encode("gbk"))
    (root / "12-重复.md").write_text("# 重复\n\n**过拟合**：与别处同名的术语。\n\n$x 未闭合\n", encoding="utf-8")
    (root / "sub").mkdir(exist_ok=True)
    for i in range(8):
        (root / "sub" / f"{i:02d}-s.md").write_text(
            f"# 小节{i}\n\n**小术语{i}**：定义{i}，见 $a_{i}$。\n", encoding="utf-8"
        )
    return root


def _workers_compile(root: Path, cache: Path, workers: str, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("ANKI_BUILD_WORKERS", workers)
    report = Report()
    config = load_config(root, "notes", report)
    compiled = compile_project(root, "notes", config, report, cache_folder=cache)
    return compiled, report


def test_worker_processes_build_the_same_deck_byte_for_byte(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _mixed_project(notes)
    monkeypatch.setenv("ANKI_BUILD_WORKERS", "1")
    alone = _deck(root, tmp_path / "alone.apkg", tmp_path / "c1", monkeypatch)
    one, one_report = _workers_compile(root, tmp_path / "c1b", "1", monkeypatch)
    monkeypatch.setenv("ANKI_BUILD_WORKERS", "3")
    shared = _deck(root, tmp_path / "shared.apkg", tmp_path / "c2", monkeypatch)
    three, three_report = _workers_compile(root, tmp_path / "c3", "3", monkeypatch)
    assert shared == alone
    assert three.stats.by_workers >= 6 and one.stats.by_workers == 0  # type: ignore[attr-defined]
    assert [d.format() for d in three_report.sorted()] == [d.format() for d in one_report.sorted()]
    assert "unclosed-math" in {d.code for d in one_report.items}
    assert three.paused_files == one.paused_files  # type: ignore[attr-defined]
    # and what the workers cached is what a later build reuses
    again, _ = _workers_compile(root, tmp_path / "c3", "3", monkeypatch)
    assert again.stats.parsed == 0 and again.stats.by_workers == 0  # type: ignore[attr-defined]


def test_a_worker_that_cannot_start_costs_only_time(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import anki_build.pool as pool

    root = _mixed_project(notes)
    monkeypatch.setenv("ANKI_BUILD_WORKERS", "1")
    alone = _deck(root, tmp_path / "alone.apkg", tmp_path / "c1", monkeypatch)
    monkeypatch.setattr(pool.sys, "executable", shutil.which("false") or "/bin/false")
    monkeypatch.setenv("ANKI_BUILD_WORKERS", "3")
    assert _deck(root, tmp_path / "broken.apkg", tmp_path / "c2", monkeypatch) == alone
    compiled, _ = _workers_compile(root, tmp_path / "c3", "3", monkeypatch)
    assert compiled.stats.by_workers == 0  # type: ignore[attr-defined]
