"""End to end: build the sample `notes/`, import the deck into a fresh collection with the real Anki backend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anki_build.commands.build import build
from conftest import import_apkg

pytest.importorskip("anki", reason="the Anki backend is a test dependency: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def sample_deck(tmp_path_factory: pytest.TempPathFactory, sample_notes: Path) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("deck") / "sample.apkg"
    summary = build(sample_notes, "notes", out)
    assert summary.exit_code == 0, [d.format() for d in summary.diagnostics]
    return out, summary


@pytest.fixture
def imported(sample_deck, collection):
    out, _ = sample_deck
    log = import_apkg(collection, out)
    return collection, log


def test_sample_deck_imports_with_all_notes_cards_and_decks(imported, sample_deck):
    col, log = imported
    _, summary = sample_deck
    assert log == {"new": summary.notes, "updated": 0, "duplicate": 0, "conflicting": 0}
    assert col.note_count() == summary.notes >= 120
    # one card per basic note, one per deletion for clozes
    clozes = col.find_notes('note:"anki-build Cloze"')
    cloze_cards = sum(len(col.get_note(n).cards()) for n in clozes)
    assert col.card_count() == summary.notes - len(clozes) + cloze_cards
    chapters = [d.name for d in col.decks.all_names_and_ids() if d.name.startswith("深度学习笔记::")]
    assert len(chapters) >= 8
    assert "深度学习笔记::02 模型正则化" in chapters


def test_every_note_has_exactly_one_chapter_tag_matching_its_deck(imported):
    col, _ = imported
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        tags = [t for t in note.tags if t.lower().startswith("chapter::")]
        assert len(tags) == 1, (note["Key"], note.tags)
        deck = col.decks.name(note.cards()[0].did)
        assert tags[0].split("::", 1)[1] == deck.split("::", 1)[1].replace(" ", "_")


def test_no_field_has_dollar_math_and_cards_carry_mathjax_delimiters(imported):
    col, _ = imported
    math_cards = 0
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        for name, value in note.items():
            assert not re.search(r"(?<!\\)\$[^$\s][^$]*\$", value), (note["Key"], name, value)
        for card in note.cards():
            q, a = card.question(), card.answer()
            if "\\(" in a or "\\[" in a:
                math_cards += 1
            for side in (q, a):
                assert side.count("\\(") == side.count("\\)")
                assert side.count("\\[") == side.count("\\]")
    assert math_cards > 100


def test_media_all_present_and_referenced(imported):
    col, _ = imported
    check = col.media.check()
    assert list(check.missing) == []
    assert list(check.unused) == []
    assert len(list(Path(col.media.dir()).iterdir())) >= 2


def test_formula_and_cloze_render_in_anki(imported):
    col, _ = imported
    [nid] = col.find_notes('"Key:formula:sigmoid 函数"')
    card = col.get_note(nid).cards()[0]
    assert "Sigmoid 函数" in card.question()
    assert "\\[\\sigma(z) = \\frac{1}{1 + e^{-z}}\\]" in card.answer()
    for nid in col.find_notes('note:"anki-build Cloze"'):
        note = col.get_note(nid)
        expected = sorted(n - 1 for n in col._backend.cloze_numbers_in_note(note._to_backend_note()))
        assert sorted(c.ord for c in note.cards()) == expected
        for card in note.cards():
            assert "{{c" not in card.question() and "[...]" in card.question()


def test_rebuild_gives_same_guids_and_reimport_duplicates_nothing(tmp_path, imported, sample_notes):
    col, _ = imported
    before = dict(col.db.all("select guid, id from notes"))
    out = tmp_path / "again.apkg"
    build(sample_notes, "notes", out)
    log = import_apkg(col, out)
    assert log["new"] == 0 and log["conflicting"] == 0
    assert dict(col.db.all("select guid, id from notes")) == before


def test_chapter_order_from_config_is_the_new_card_order(tmp_path, collection):
    from conftest import write_tree

    root = write_tree(
        tmp_path / "course",
        {
            "anki-build.toml": 'deck = "C"\nchapters = ["Second", "First"]\n',
            "a.md": "# First\n\n**one**：1。\n",
            "b.md": "# Second\n\n**two**：2。\n\n**three**：3。\n",
        },
    )
    out = tmp_path / "c.apkg"
    assert build(root, "course", out).exit_code == 0
    import_apkg(collection, out)
    queue = [
        collection.get_card(c).note()["Key"]
        for c in sorted(collection.find_cards(""), key=lambda c: collection.get_card(c).due)
    ]
    assert queue == ["concept:two", "concept:three", "concept:one"]


def test_sample_derivations_are_cards_tagged_proved(imported):
    col, _ = imported
    assert len(col.find_notes("tag:derivation::proved")) >= 16
    # the one honest exception: the information form of the Kalman update is equal on every random matrix
    # tried, but the free-algebra normal form cannot show it, and the card says so
    [plausible] = col.find_notes("tag:derivation::* -tag:derivation::proved")
    assert "derivation::plausible" in col.get_note(plausible).tags
    assert "没有被证明" in col.get_note(plausible).cards()[0].answer()
    matrix = [n for n in col.find_notes('"Key:*joseph*"')]
    assert matrix and all("对任意尺寸成立" in col.get_note(n).cards()[0].answer() for n in matrix)
    [nid] = col.find_notes('"Key:derivation:l2 正则一维问题*"')
    card = col.get_note(nid).cards()[0]
    assert "推导" in card.question() and "\\frac{d}{dw}" in card.question()
    assert "\\Rightarrow w^{\\ast}" in card.answer() and "sympy" in card.answer()
