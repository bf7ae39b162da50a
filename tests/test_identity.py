"""The rebuild loop with the real Anki backend: review, edit the notes, rebuild, re-import.

Nothing is duplicated, no review history is lost, edits made in Anki to unchanged notes
survive, and the plan says beforehand exactly what the import will do.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from anki_build.commands.build import build
from conftest import cli, import_apkg, write_tree

pytest.importorskip("anki", reason="the Anki backend is a test dependency: pip install -e '.[test]'")

from anki.collection import Collection
from anki.scheduler_pb2 import CardAnswer

T0 = 1_700_000_000

CH1 = {f"术语{n:02d}号概念": f"第一章的定义 {n}，说明这个概念的含义。" for n in range(8)}
CH2 = {f"名词{n:02d}号条目": f"第二章的解释 {n}，给出它的作用。" for n in range(8)}
CH3 = {f"概念{n:02d}号要点": f"第三章的描述 {n}，附带一个例子。" for n in range(6)}


def chapter(title: str, items: dict[str, str]) -> str:
    return f"# {title}\n\n" + "".join(f"**{term}**：{definition}\n\n" for term, definition in items.items())


def write_project(root: Path, ch1: dict[str, str], ch2: dict[str, str], ch3: dict[str, str]) -> Path:
    return write_tree(
        root,
        {
            "anki-build.toml": 'deck = "测试"\n',
            "01-一.md": chapter("一", ch1),
            "02-二.md": chapter("二", ch2),
            "03-三.md": chapter("三", ch3),
        },
    )


def scenario_v2() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The day's edits: 3 answers, 2 typo fixes, 2 moves to chapter 1, a reorder, 3 added, 2 deleted."""
    ch1, ch2, ch3 = dict(CH1), dict(CH2), dict(CH3)
    for n in (0, 1, 2):  # edit 3 answers
        ch1[f"术语{n:02d}号概念"] = f"改写后的定义 {n}：更准确的说法。"
    for old, new in (("名词00号条目", "名词00号词条"), ("名词01号条目", "名词01号条木")):  # 2 typo fixes
        ch2[new] = ch2.pop(old)
    for term in ("概念00号要点", "概念01号要点"):  # 2 notes move from chapter 3 to chapter 1
        ch1[term] = ch3.pop(term)
    ch2 = dict(reversed(list(ch2.items())))  # reorder a file
    for n in range(3):  # 3 new notes
        ch3[f"新增{n}号概念"] = f"新加的定义 {n}。"
    for term in ("术语06号概念", "术语07号概念"):  # 2 deleted
        del ch1[term]
    return ch1, ch2, ch3


def answer(col: Collection, card_id: int, rating: int = CardAnswer.GOOD) -> None:
    card = col.get_card(card_id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))


def history(col: Collection, card_id: int) -> dict[str, object]:
    card = col.get_card(card_id)
    revlog = col.db.list("select id from revlog where cid = ? order by id", card_id)
    return {"ivl": card.ivl, "due": card.due, "reps": card.reps, "type": card.type, "revlog": revlog}


def note_for(col: Collection, term: str):  # type: ignore[no-untyped-def]
    nids = [nid for nid in col.find_notes(f'"Front:*{term}*"')]
    assert len(nids) == 1, (term, nids)
    return col.get_note(nids[0])


def test_scenario_edit_typo_move_reorder_add_delete(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    write_project(root, CH1, CH2, CH3)
    v1 = build(root, "notes", tmp_path / "v1.apkg", now=T0)
    assert v1.exit_code == 0 and v1.plan is not None and len(v1.plan.new) == 22
    (tmp_path / "col").mkdir()
    col = Collection(str(tmp_path / "col" / "collection.anki2"))
    try:
        assert import_apkg(col, tmp_path / "v1.apkg")["new"] == 22
        reviewed = sorted(col.find_cards(""))[:10]
        for cid in reviewed:
            answer(col, cid)
        before = {cid: history(col, cid) for cid in reviewed}
        assert all(len(h["revlog"]) == 1 for h in before.values())

        ch1, ch2, ch3 = scenario_v2()
        write_project(root, ch1, ch2, ch3)

        plan = build(root, "notes", tmp_path / "v2.apkg", plan_only=True, now=T0 + 100).plan
        assert plan is not None and not (tmp_path / "v2.apkg").exists()
        assert sorted(i.key for i in plan.removed) == ["concept:术语06号概念", "concept:术语07号概念"]
        assert sorted(i.key for i in plan.moved) == ["concept:概念00号要点", "concept:概念01号要点"]
        assert sorted((i.old_key, i.key) for i in plan.renamed) == [
            ("concept:名词00号条目", "concept:名词00号词条"),
            ("concept:名词01号条目", "concept:名词01号条木"),
        ]
        assert len(plan.new) == 3 and len(plan.changed) == 3 + 2  # a move changes no field: not "changed"
        assert plan.removed_search() == '"Key:concept:术语06号概念" OR "Key:concept:术语07号概念"'

        v2 = build(root, "notes", tmp_path / "v2.apkg", now=T0 + 100)
        assert v2.plan is not None and v2.plan.counts() == plan.counts()
        log = import_apkg(col, tmp_path / "v2.apkg")
        assert log == {"new": 3, "updated": 5, "duplicate": 15, "conflicting": 0}
        assert col.note_count() == 22 + 3  # removed notes stay until the user deletes them
        assert col.db.scalar("select count() from (select guid from notes group by guid having count() > 1)") == 0
        for cid in reviewed:
            assert history(col, cid) == before[cid]
        for n in (0, 1, 2):
            assert f"改写后的定义 {n}" in note_for(col, f"术语{n:02d}号概念")["Back"]
        assert "名词00号词条" in note_for(col, "名词00号词条")["Front"]
        assert "名词01号条木" in note_for(col, "名词01号条木")["Front"]
        moved = note_for(col, "概念00号要点")
        assert moved.tags == ["chapter::03_三"]  # the .apkg importer keeps a moved note as it is (`install` moves it)
        removed = col.find_notes(plan.removed_search())
        assert len(removed) == 2
    finally:
        col.close()


def test_edit_made_in_anki_survives_until_the_markdown_changes(tmp_path: Path, collection: Collection) -> None:
    root = write_project(tmp_path / "notes", CH1, CH2, CH3)
    build(root, "notes", tmp_path / "v1.apkg", now=T0)
    import_apkg(collection, tmp_path / "v1.apkg")
    note = note_for(collection, "术语03号概念")
    note["Back"] = "我在手机上改过的答案"
    collection.update_note(note)

    ch1 = dict(CH1, **{"术语04号概念": "另一条笔记改了。"})
    write_project(root, ch1, CH2, CH3)
    build(root, "notes", tmp_path / "v2.apkg", now=T0 + 50)
    log = import_apkg(collection, tmp_path / "v2.apkg")
    assert log["updated"] == 1
    assert note_for(collection, "术语03号概念")["Back"] == "我在手机上改过的答案"

    ch1["术语03号概念"] = "笔记里也改了。"
    write_project(root, ch1, CH2, CH3)
    build(root, "notes", tmp_path / "v3.apkg", now=int(time.time()) + 5)
    import_apkg(collection, tmp_path / "v3.apkg")
    assert "笔记里也改了" in note_for(collection, "术语03号概念")["Back"]


def test_building_twice_without_change_is_identical_and_imports_as_unchanged(tmp_path, collection) -> None:
    import sqlite3
    import zipfile

    root = write_project(tmp_path / "notes", CH1, CH2, CH3)
    first = build(root, "notes", tmp_path / "a.apkg", now=T0)
    second = build(root, "notes", tmp_path / "b.apkg", now=T0 + 999)
    assert second.plan is not None and second.plan.counts()["unchanged"] == 22

    def rows(path: Path) -> list[tuple[object, ...]]:
        with zipfile.ZipFile(path) as archive:
            archive.extract("collection.anki2", path.with_suffix(""))
        db = sqlite3.connect(path.with_suffix("") / "collection.anki2")
        try:
            notes = sorted(db.execute("select guid, mod, flds, tags from notes"))
            models = db.execute("select models from col").fetchone()[0]
            return [*notes, models]
        finally:
            db.close()

    assert rows(tmp_path / "a.apkg") == rows(tmp_path / "b.apkg")
    assert first.decks_by_guid == second.decks_by_guid
    import_apkg(collection, tmp_path / "a.apkg")
    assert import_apkg(collection, tmp_path / "b.apkg") == {"new": 0, "updated": 0, "duplicate": 22, "conflicting": 0}


def test_deleting_the_lock_keeps_every_key_determined_guid(tmp_path) -> None:
    root = write_project(tmp_path / "notes", CH1, CH2, CH3)
    first = build(root, "notes", tmp_path / "a.apkg", now=T0)
    (root / "anki-build.lock").unlink()
    again = build(root, "notes", tmp_path / "b.apkg", now=T0 + 5)
    assert first.decks_by_guid == again.decks_by_guid


def test_template_change_updates_note_type_in_place(tmp_path, collection) -> None:
    """A project's own `cards/style.css` restyles the note type on the next import, in place."""
    from anki_build.notetypes import packaged_cards

    root = write_project(tmp_path / "notes", CH1, CH2, CH3)
    build(root, "notes", tmp_path / "a.apkg", now=T0)
    import_apkg(collection, tmp_path / "a.apkg")
    (root / "cards").mkdir()
    (root / "cards" / "style.css").write_text(packaged_cards().texts["style.css"] + "\n.x{}\n", encoding="utf-8")
    summary = build(root, "notes", tmp_path / "b.apkg", now=T0 + 10)
    assert summary.exit_code == 0 and not summary.diagnostics
    import_apkg(collection, tmp_path / "b.apkg")
    names = sorted(m["name"] for m in collection.models.all() if m["name"].startswith("anki-build"))
    assert names == ["anki-build Basic"]  # updated in place: no "anki-build Basic+" copy
    assert ".x{}" in collection.models.by_name("anki-build Basic")["css"]


def test_install_prunes_moves_and_keeps_history(tmp_path: Path) -> None:
    from anki_build.commands.install import install

    root = write_project(tmp_path / "notes", CH1, CH2, CH3)
    (tmp_path / "col").mkdir()
    path = tmp_path / "col" / "collection.anki2"
    Collection(str(path)).close()
    _, result = install(root, "notes", path, output=tmp_path / "v1.apkg", now=T0)
    assert result is not None and result.new == 22
    col = Collection(str(path))
    reviewed = sorted(col.find_cards(""))[:10]
    for cid in reviewed:
        answer(col, cid)
    before = {cid: history(col, cid) for cid in reviewed}
    col.close()

    ch1, ch2, ch3 = scenario_v2()
    write_project(root, ch1, ch2, ch3)
    _summary, result = install(root, "notes", path, output=tmp_path / "v2.apkg", prune=True, now=T0 + 10)
    assert result is not None and result.pruned == 2 and result.moved_cards == 2
    assert (result.new, result.updated, result.retagged) == (3, 5, 2)  # the moved notes: retagged, fields untouched
    v2_keys = sorted(f"concept:{term}" for chapter in scenario_v2() for term in chapter)
    col = Collection(str(path))
    try:
        keys = sorted(col.get_note(n)["Key"] for n in col.find_notes(""))
        assert keys == v2_keys  # exactly the notes of v2
        moved = note_for(col, "概念00号要点")
        assert col.decks.name(moved.cards()[0].did) == "测试::01 一" and moved.tags == ["chapter::01_一"]
        for cid, state in before.items():
            if col.db.scalar("select count() from cards where id = ?", cid):
                assert history(col, cid) == state
        assert col.db.scalar("select count() from revlog") == 10  # Anki keeps the log even of deleted cards
    finally:
        col.close()


def test_install_refuses_an_open_collection_without_damaging_it(tmp_path: Path) -> None:
    root = write_project(tmp_path / "notes", CH1, CH2, CH3)
    (tmp_path / "col").mkdir()
    path = tmp_path / "col" / "collection.anki2"
    holder = Collection(str(path))  # "Anki is running"
    try:
        result = cli("install", str(root), "--collection", str(path), "-o", str(tmp_path / "x.apkg"), timeout=120)
        assert result.returncode == 1, result.stderr
        assert "collection-locked" in result.stderr and "close Anki" in result.stderr
        assert "Traceback" not in result.stderr
        assert holder.note_count() == 0
        # refused: nothing written, so the next plan still says what the import will do
        assert not (root / "anki-build.lock").exists() and not (tmp_path / "x.apkg").exists()
        assert "namespace" not in (root / "anki-build.toml").read_text(encoding="utf-8")
    finally:
        holder.close()
    col = Collection(str(path))
    assert col.db.scalar("pragma integrity_check") == "ok"
    col.close()


def test_a_changed_field_list_tells_how_to_import(tmp_path, monkeypatch) -> None:
    from anki_build import notetypes

    root = write_project(tmp_path / "notes", CH1, CH2, CH3)
    build(root, "notes", tmp_path / "a.apkg", now=T0)
    original = notetypes.note_types()
    grown = {k: notetypes.NoteType(**{**v.__dict__, "fields": (*v.fields, "Hint")}) for k, v in original.items()}
    monkeypatch.setattr("anki_build.commands.build.note_types", lambda cards=None: grown)
    summary = build(root, "notes", tmp_path / "b.apkg", plan_only=True, now=T0 + 10)
    warnings = [d for d in summary.diagnostics if d.code == "notetype-fields-changed"]
    assert len(warnings) == 2  # both note types gained a field
    assert all("Merge note types" in w.message and w.path == "notes/anki-build.lock" for w in warnings)
