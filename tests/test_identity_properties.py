"""Random sequences of everyday edits, each build imported into one real collection.

Invariants after every import: one Anki note per logical note ever created (no duplicates,
renames keep their note), every current note shows its current text, and the history of
every reviewed card is untouched.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anki_build.commands.build import build
from conftest import import_apkg, write_tree

pytest.importorskip("anki", reason="the Anki backend is a test dependency: pip install -e '.[test]'")

from anki.collection import Collection
from anki.scheduler_pb2 import CardAnswer

FILES = ("01-甲.md", "02-乙.md", "03-丙.md")
EDITS = st.lists(
    st.tuples(st.sampled_from(["answer", "typo", "move", "reorder", "add", "delete", "review"]), st.integers(0, 999)),
    min_size=1,
    max_size=6,
)


def words(n: int, length: int = 6) -> str:
    """Distinct-looking CJK text per note, so an add next to a delete is never mistaken for a rename."""
    return "".join(chr(0x4E00 + (n * 7919 + i * 104729) % 20000) for i in range(length))


def render(notes: dict[int, dict[str, str]]) -> dict[str, str]:
    files = {name: f"# {name[3]}\n\n" for name in FILES}
    for note in sorted(notes.values(), key=lambda n: n["pos"]):
        files[note["file"]] += f"**{note['term']}**：{note['answer']}\n\n"
    return {"anki-build.toml": 'deck = "性质"\n', **files}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDITS, min_size=1, max_size=3))
def test_random_edit_sequences_keep_every_invariant(tmp_path_factory: pytest.TempPathFactory, edits) -> None:
    work = tmp_path_factory.mktemp("loop")
    counter = itertools.count()
    notes: dict[int, dict[str, str]] = {}
    for file in FILES:
        for _ in range(3):
            n = next(counter)
            notes[n] = {"term": words(n), "answer": words(n + 500, 12), "file": file, "pos": n}
    (work / "col").mkdir()
    col = Collection(str(work / "col" / "collection.anki2"))
    history: dict[int, tuple[object, ...]] = {}
    built: set[int] = set()  # logical notes that reached Anki at least once
    try:
        for step, batch in enumerate([[], *edits]):
            for action, pick in batch:
                ids = sorted(notes)
                target = notes[ids[pick % len(ids)]] if ids else None
                if action == "answer" and target:
                    target["answer"] += " 修订。"
                elif action == "typo" and target:
                    target["term"] = target["term"][:-1] + ("丁" if target["term"][-1] != "丁" else "戊")
                elif action == "move" and target:
                    target["file"] = FILES[(FILES.index(target["file"]) + 1) % len(FILES)]
                elif action == "reorder":
                    for note in notes.values():
                        note["pos"] = -note["pos"]
                elif action == "add":
                    n = next(counter)
                    notes[n] = {
                        "term": words(n),
                        "answer": words(n + 500, 12),
                        "file": FILES[pick % 3],
                        "pos": n,
                    }
                elif action == "delete" and len(notes) > 1 and target:
                    del notes[ids[pick % len(ids)]]
                elif action == "review":
                    cards = sorted(col.find_cards(""))
                    if cards:
                        card = col.get_card(cards[pick % len(cards)])
                        card.start_timer()
                        states = col._backend.get_scheduling_states(card.id)
                        col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))
                        history.pop(card.id, None)
            write_tree(work / "notes", render(notes))
            for name in FILES:
                (work / "notes" / name).write_text(render(notes)[name], encoding="utf-8")
            out = work / f"v{step}.apkg"
            summary = build(work / "notes", "notes", out, now=1_700_000_000 + step * 10)
            assert summary.exit_code == 0, [d.format() for d in summary.diagnostics]
            log = import_apkg(col, out)
            assert log["conflicting"] == 0

            built |= set(notes)
            assert col.note_count() == len(built)  # one Anki note per logical note: renames and moves reuse theirs
            fronts = {}
            for nid in col.find_notes(""):
                note = col.get_note(nid)
                fronts.setdefault(note["Key"], []).append(note["Back"])
            for note in notes.values():
                key = f"concept:{note['term']}"
                assert len(fronts.get(key, [])) == 1, (key, fronts.get(key))
                assert note["answer"] in fronts[key][0]
            for cid, state in history.items():
                card = col.get_card(cid)
                assert (
                    card.ivl,
                    card.due,
                    card.reps,
                    col.db.scalar("select count() from revlog where cid=?", cid),
                ) == state
            for cid in col.find_cards("-is:new"):
                card = col.get_card(cid)
                history[cid] = (
                    card.ivl,
                    card.due,
                    card.reps,
                    col.db.scalar("select count() from revlog where cid=?", cid),
                )
    finally:
        col.close()
