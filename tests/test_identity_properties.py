"""Hundreds of random reorganisations of one course, each built and imported into one real, reviewed collection.

A model of the course (concepts, several formulas under one label, a sentence of `==…==` deletions, chapters
with file names and titles, the deck name, paused chapters) is edited one random step at a time: answer
edits, term typos, explicit ids and rewrites, moves, chapter file and title renames, deck renames,
reorders, swaps, deletes, re-adds of deleted notes (renamed ones too), a second note with an existing
term, formula swaps and edits, cloze deletions added and removed, chapters paused and resumed, the lock
deleted, clocks behind (and ahead, on `install`), cards reviewed and notes edited on the phone, and (on
`install`) prunes and `--prefer notes`. After every import:

* every note of the markdown is exactly one Anki note, and always the same one (the note it was the first
  time it reached Anki, or the note it had before it was deleted, paused or renamed);
* every revlog row is still there, on the same card, and every reviewed card is still on its note;
* each `==…==` deletion keeps its card ordinal for as long as it exists, and a new one never reuses one;
* a phone edit stays until the markdown of that note changes (`.apkg`), or until `--prefer notes` (install);
* the notes the user made in Anki are never deleted;
* the import did what the plan said (new and updated counts).

Everything Anki stamps runs on the same simulated clock as the builds (a minute per step), as on one
machine; reviews use real time, which note identity never looks at.
"""

from __future__ import annotations

import os
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from anki_build.commands.build import build
from conftest import import_apkg

pytest.importorskip("anki", reason="the Anki backend is a test dependency")

from anki.collection import Collection
from anki.scheduler_pb2 import CardAnswer

STEPS = 220
TRACE = os.environ.get("ANKI_BUILD_TRACE", "")
COMMON = (
    "answer",
    "typo",
    "move",
    "reorder",
    "swap",
    "add",
    "add",
    "delete",
    "readd",
    "same_term",
    "review",
    "review",
    "phone",
    "formula_swap",
    "formula_edit",
    "formula_add",
    "formula_delete",
    "cloze_add",
    "cloze_delete",
    "file_rename",
    "title_rename",
    "deck_rename",
    "give_id",
    "rewrite_with_id",
    "pause",
    "resume",
    "lose_lock",
    "clock_behind",
)
INSTALL_ONLY = ("prune", "prefer_notes", "clock_ahead")
CJK = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种"
    "面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本"
    "去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比"
    "或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
    "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做"
    "必战先回则任取据处理府研质"
)


def text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(CJK) for _ in range(n))


@dataclass
class Item:
    uid: int
    term: str
    answer: str
    chapter: int
    pos: float
    ident: str = ""


@dataclass
class Model:
    rng: random.Random
    deck: str = "性质课程"
    chapters: dict[int, list[str]] = field(default_factory=dict)  # chapter → [file stem, title]
    paused: set[int] = field(default_factory=set)
    items: dict[int, Item] = field(default_factory=dict)
    grave: dict[int, Item] = field(default_factory=dict)  # deleted, may come back
    formulas: list[tuple[int, str]] = field(default_factory=list)
    deletions: list[tuple[int, str]] = field(default_factory=list)
    next_uid: int = 0
    terms_used: set[str] = field(default_factory=set)

    def uid(self) -> int:
        self.next_uid += 1
        return self.next_uid

    def fresh_term(self) -> str:
        while True:
            term = text(self.rng, self.rng.randint(3, 6))
            if term not in self.terms_used:
                self.terms_used.add(term)
                return term

    def new_item(self, term: str | None = None) -> Item:
        uid = self.uid()
        answer = f"{text(self.rng, 14)}，编号{uid}。"
        chapter = self.rng.choice(sorted(self.chapters))
        return Item(uid, term or self.fresh_term(), answer, chapter, self.rng.random())

    def files(self, root: Path) -> dict[str, str]:
        toml = root / "anki-build.toml"
        old = toml.read_text(encoding="utf-8") if toml.exists() else ""
        rest = "".join(line + "\n" for line in old.splitlines() if not line.startswith("deck ="))
        out = {"anki-build.toml": f'deck = "{self.deck}"\n{rest}'}
        for chapter, (stem, title) in sorted(self.chapters.items()):
            head = "---\ncards: false\n---\n" if chapter in self.paused else ""
            body = f"{head}# {title}\n\n"
            for item in sorted((i for i in self.items.values() if i.chapter == chapter), key=lambda i: i.pos):
                ident = f" {{#{item.ident}}}" if item.ident else ""
                body += f"**{item.term}**{ident}：{item.answer}\n\n"
            if chapter == 1:
                body += "参数的更新规则：\n\n" + "".join(f"$$\n{tex}\n$$\n\n" for _, tex in self.formulas)
            if chapter == 2 and self.deletions:
                body += "在本课程的实验里，我们最常用的几个超参数取值依次是：" + "，".join(
                    f"=={d}==" for _, d in self.deletions
                )
                body += "，其余保持默认。\n\n"
            out[f"{stem}.md"] = body
        return out


@dataclass
class World:
    """The collection and what it must keep."""

    root: Path
    work: Path
    path: str
    col: Collection
    clock: int
    nid: dict[int, int] = field(default_factory=dict)  # item uid → its Anki note
    formula_nid: dict[int, int] = field(default_factory=dict)
    cloze_nid: int = 0
    ordinals: dict[int, int] = field(default_factory=dict)  # deletion uid → its card ordinal
    ordinals_used: set[int] = field(default_factory=set)
    phone: dict[int, str] = field(default_factory=dict)  # item uid → the Back edited on the phone
    dirty: set[int] = field(default_factory=set)  # phone-edited items whose markdown changed since
    revlog: dict[int, int] = field(default_factory=dict)  # revlog id → card
    card_note: dict[int, int] = field(default_factory=dict)
    pruned: set[int] = field(default_factory=set)  # Anki notes a prune deleted
    handmade: list[int] = field(default_factory=list)


def _answer(col: Collection, card_id: int) -> None:
    card = col.get_card(card_id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))


def _write(model: Model, world: World) -> None:
    for old in world.root.glob("*.md"):
        old.unlink()
    for name, body in model.files(world.root).items():
        (world.root / name).write_text(body, encoding="utf-8")


REAL_START = int(time.time())  # Anki stamps real time; the simulated clock stays days before it


def _settle_clock(world: World, stamp: int) -> None:
    """Whatever Anki stamped during this step (in real time) happened at `stamp` on the simulated clock."""
    world.col.db.execute("update notes set mod = ? where mod >= ?", stamp, REAL_START)


def _locate(world: World, needle: str) -> list[int]:
    found = []
    for nid, flds in world.col.db.all("select id, flds from notes"):
        if nid not in world.handmade and needle in flds:
            found.append(nid)
    return found


def _edit(model: Model, world: World, op: str, rng: random.Random) -> dict[str, object]:
    """Apply one step to the model (and, for Anki-side steps, to the collection); returns build options."""
    options: dict[str, object] = {}
    open_chapters = sorted(c for c in model.chapters if c not in model.paused)
    live = [i for i in model.items.values() if i.chapter not in model.paused]
    pick = rng.choice(live) if live else None

    def changed(item: Item) -> None:
        if item.uid in world.phone:
            world.dirty.add(item.uid)

    if op == "answer" and pick:
        pick.answer = pick.answer[:-1] + f"，又改{rng.randint(0, 99)}。"
        changed(pick)
    elif op == "typo" and pick and not pick.ident:
        chars = list(pick.term)
        chars[rng.randrange(len(chars))] = rng.choice(CJK)
        term = "".join(chars)
        if term not in model.terms_used:
            model.terms_used.add(term)
            pick.term = term
            changed(pick)
    elif op == "move" and pick and len(open_chapters) > 1:  # (into a paused chapter it would be a delete)
        pick.chapter = rng.choice([c for c in open_chapters if c != pick.chapter])
    elif op == "reorder":
        for item in model.items.values():
            item.pos = rng.random()
    elif op == "swap" and len(live) > 1:
        a, b = rng.sample(live, 2)
        a.pos, b.pos, a.chapter, b.chapter = b.pos, a.pos, b.chapter, a.chapter
    elif op == "add":
        item = model.new_item()
        model.items[item.uid] = item
    elif op == "same_term" and pick:
        item = model.new_item(term=pick.term)
        model.items[item.uid] = item
    elif op == "delete" and pick and len(live) > 2:
        model.grave[pick.uid] = model.items.pop(pick.uid)
    elif op == "readd" and model.grave:
        uid = rng.choice(sorted(model.grave))
        item = model.grave.pop(uid)
        item.chapter = rng.choice(open_chapters)
        model.items[uid] = item
    elif op == "give_id" and pick and not pick.ident:
        pick.ident = f"n{pick.uid}"
    elif op == "rewrite_with_id" and pick and pick.ident:
        pick.term = model.fresh_term()
        changed(pick)
    elif op == "formula_swap" and len(model.formulas) > 1:
        i, j = rng.sample(range(len(model.formulas)), 2)
        model.formulas[i], model.formulas[j] = model.formulas[j], model.formulas[i]
    elif op == "formula_edit" and model.formulas:
        i = rng.randrange(len(model.formulas))
        uid, tex = model.formulas[i]
        model.formulas[i] = (uid, tex + f" + r_{{{rng.randint(0, 9)}}}")
    elif op == "formula_add" and len(model.formulas) < 5:
        uid = model.uid()
        model.formulas.insert(rng.randint(0, len(model.formulas)), (uid, _formula(uid)))
    elif op == "formula_delete" and len(model.formulas) > 1:
        model.formulas.pop(rng.randrange(len(model.formulas)))
    elif op == "cloze_add" and len(model.deletions) < 5:
        uid = model.uid()
        model.deletions.insert(rng.randint(0, len(model.deletions)), (uid, f"{uid}.{rng.randint(1, 9)}e-3"))
    elif op == "cloze_delete" and len(model.deletions) > 2:
        model.deletions.pop(rng.randrange(len(model.deletions)))
    elif op == "file_rename":
        chapter = rng.choice(sorted(model.chapters))
        stem = model.chapters[chapter][0]
        model.chapters[chapter][0] = f"{stem[:2]}-{text(rng, 2)}"
    elif op == "title_rename":
        model.chapters[rng.choice(sorted(model.chapters))][1] = text(rng, 3)
    elif op == "deck_rename":
        model.deck = f"课程{text(rng, 2)}"
    elif op == "pause" and len(model.paused) < len(model.chapters) - 1:  # the first (with the formulas) stays
        model.paused.add(rng.choice([c for c in model.chapters if c not in model.paused and c != 1]))
    elif op == "resume" and model.paused:
        model.paused.discard(rng.choice(sorted(model.paused)))
    elif op == "lose_lock":
        (world.root / "anki-build.lock").unlink(missing_ok=True)
        if world.path == "apkg":  # only the lock knew deleted notes that had been renamed (see README)
            model.grave.clear()
    elif op == "clock_behind":  # an answer edit built on a machine whose clock is a day behind
        quiet = [i for i in live if i.uid not in world.phone]
        if quiet:
            target = rng.choice(quiet)
            target.answer = target.answer[:-1] + f"，慢钟改{rng.randint(0, 99)}。"
        options["now"] = world.clock - 86_400
    elif op == "clock_ahead":
        options["now"] = world.clock + 2 * 86_400
    elif op == "review":
        cards = sorted(world.col.find_cards(""))
        if cards:
            cid = rng.choice(cards)
            _answer(world.col, cid)
            world.card_note[cid] = world.col.db.scalar("select nid from cards where id = ?", cid)
            for rid, rcid in world.col.db.all("select id, cid from revlog where cid = ?", cid):
                world.revlog[rid] = rcid
    elif op == "phone" and pick and pick.uid in world.nid and pick.uid not in world.phone:
        note = world.col.get_note(world.nid[pick.uid])
        note["Back"] = f"手机上改过的答案：笔记{pick.uid}号。"
        world.col.update_note(note)
        world.phone[pick.uid] = note["Back"]
    elif op == "prune":
        options["prune"] = True
    elif op == "prefer_notes":
        options["prefer"] = "notes"
    return options


def _formula(uid: int) -> str:
    return f"q_{{{uid}}} = {uid % 7 + 2} x^{{{uid % 5 + 2}}} - {uid % 11 + 1}"


def _rebuild(world: World, options: dict[str, object]) -> tuple[object, dict[str, int], object]:
    stamp = int(options.pop("now", world.clock))
    out = world.work / "deck.apkg"
    if world.path == "install":
        from anki_build.commands.install import install

        world.col.close()
        summary, result = install(world.root, "notes", world.work / "col" / "c.anki2", output=out, now=stamp, **options)  # type: ignore[arg-type]
        world.col = Collection(str(world.work / "col" / "c.anki2"))
        assert result is not None, [d.format() for d in summary.diagnostics]
        log = {"new": result.new, "updated": result.updated}
    else:
        summary = build(world.root, "notes", out, now=stamp)
        assert summary.output is not None, [d.format() for d in summary.diagnostics]
        log = import_apkg(world.col, out)
        result = None
    assert summary.exit_code == 0, [d.format() for d in summary.diagnostics]
    return summary, log, result


def _check(model: Model, world: World, summary: object, log: dict[str, int], result: object, op: str) -> None:
    col = world.col
    assert col.db.scalar("select count() from (select guid from notes group by guid having count() > 1)") == 0
    plan = summary.plan  # type: ignore[attr-defined]
    assert log["new"] == len(plan.new) and log["updated"] == len(plan.changed), (op, log, plan.counts())
    step_pruned = set(result.pruned_ids) if result is not None else set()  # type: ignore[attr-defined]
    if step_pruned:
        world.pruned |= step_pruned
        for uid in [u for u in world.phone if world.nid.get(u) in step_pruned]:
            world.phone.pop(uid)  # pruned with its note (asked for): a re-added note starts afresh
            world.dirty.discard(uid)
    for item in model.items.values():
        if item.chapter in model.paused:
            continue
        kept_phone = item.uid in world.phone and (world.path == "install" or item.uid not in world.dirty)
        needle = world.phone[item.uid] if kept_phone else item.answer
        found = _locate(world, needle)
        assert len(found) == 1, (op, item, needle, found)
        if item.uid in world.nid and world.nid[item.uid] not in world.pruned:
            assert found[0] == world.nid[item.uid], (op, "a note of the markdown became another Anki note", item)
        world.nid[item.uid] = found[0]
        world.pruned.discard(found[0])  # (Anki may give a pruned note's id to a new one)
        if not kept_phone:
            front = col.get_note(found[0])["Front"]
            assert item.term in front, (op, item, front)
        elif item.uid in world.dirty and world.path == "install":
            assert any(d.code == "edit-conflict" for d in summary.diagnostics), op  # type: ignore[attr-defined]
    if world.path == "apkg":
        for uid in [u for u in world.phone if u in world.dirty]:
            world.phone.pop(uid)  # the markdown won: a new phone edit may follow
            world.dirty.discard(uid)
    for uid, tex in model.formulas if 1 not in model.paused else []:
        found = _locate(world, f"q_{{{uid}}} ")
        assert len(found) == 1, (op, tex, found)
        assert world.formula_nid.setdefault(uid, found[0]) == found[0], (op, "a formula changed notes", tex)
    if model.deletions and 2 not in model.paused:
        found = _locate(world, "最常用的几个超参数取值")
        assert len(found) == 1, (op, found)
        assert world.cloze_nid in (0, found[0]), (op, "the cloze note changed")
        world.cloze_nid = found[0]
        cloze_text = col.get_note(found[0])["Text"]
        if TRACE:
            print("   cloze", re.findall(r"\{\{c\d+::.*?\}\}", cloze_text), world.ordinals_used)
        shown = {body: int(n) for n, body in re.findall(r"\{\{c(\d+)::(.*?)\}\}", cloze_text)}
        for uid, body in model.deletions:
            assert body in shown, (op, body, cloze_text)
            if uid in world.ordinals:
                assert shown[body] == world.ordinals[uid], (op, "a deletion changed its card", body, cloze_text)
            else:
                assert shown[body] not in world.ordinals_used, (op, "a new deletion took an old card", cloze_text)
                world.ordinals[uid] = shown[body]
                world.ordinals_used.add(shown[body])
    for rid, cid in world.revlog.items():
        assert col.db.scalar("select cid from revlog where id = ?", rid) == cid, (op, "a review was lost or moved")
    for cid, nid in world.card_note.items():
        now_nid = col.db.scalar("select nid from cards where id = ?", cid)
        assert now_nid == nid or (now_nid is None and nid in world.pruned), (op, "a reviewed card moved or vanished")
    for nid in world.handmade:
        assert col.db.scalar("select count() from notes where id = ?", nid) == 1, (
            op,
            "a note made in Anki was deleted",
        )


def _run(tmp: Path, path: str, seed: int) -> None:
    rng = random.Random(seed)
    model = Model(rng)
    model.chapters = {1: ["01-甲", "甲"], 2: ["02-乙", "乙"], 3: ["03-丙", "丙"]}
    for _ in range(9):
        item = model.new_item()
        model.items[item.uid] = item
    for _ in range(3):
        uid = model.uid()
        model.formulas.append((uid, _formula(uid)))
    for _ in range(3):
        uid = model.uid()
        model.deletions.append((uid, f"{uid}.5e-2"))
    (tmp / "col").mkdir()
    root = tmp / "notes"
    root.mkdir()
    world = World(root, tmp, path, Collection(str(tmp / "col" / "c.anki2")), clock=int(time.time()) - 3 * 86_400)
    ops = COMMON + (INSTALL_ONLY if path == "install" else ())
    try:
        for step in range(STEPS + 1):
            world.clock += 60
            op = "start" if step == 0 else rng.choice(ops)
            options = _edit(model, world, op, rng) if step else {}
            if step == 2:  # the user's own notes: one in the course's deck, one "Create copy" of a card
                basic = world.col.models.by_name("anki-build Basic")
                assert basic is not None
                mine = world.col.new_note(basic)
                mine["Front"], mine["Key"] = "我自己做的卡片", "mine"
                world.col.add_note(mine, world.col.decks.id(f"{model.deck}::我的"))
                original = world.col.get_note(next(iter(world.nid.values())))
                copy = world.col.new_note(original.note_type())
                for name in original.keys():  # noqa: SIM118 (a Note is not a dict)
                    copy[name] = original[name] + ("（副本）" if name == "Back" else "")
                world.col.add_note(copy, original.cards()[0].did)
                world.handmade += [mine.id, copy.id]
            _settle_clock(world, world.clock)
            _write(model, world)
            build_at = world.clock + 30
            options.setdefault("now", build_at)
            summary, log, result = _rebuild(world, options)
            _settle_clock(world, build_at)
            if op == "prefer_notes":  # every conflict of a built note settled for the notes
                built = {i.uid for i in model.items.values() if i.chapter not in model.paused}
                for uid in list(world.dirty & built):
                    world.phone.pop(uid, None)
                    world.dirty.discard(uid)
            if TRACE:
                print(step, op, summary.plan.counts(), log)  # type: ignore[attr-defined]
                if TRACE == "plan":
                    for kind in ("new", "readded", "renamed", "removed", "paused"):
                        for it in getattr(summary.plan, kind):  # type: ignore[attr-defined]
                            print("   ", kind, it.key[:50], "<-", it.old_key[:50])
            _check(model, world, summary, log, result, f"step {step}: {op}")
    finally:
        world.col.close()


@pytest.mark.parametrize("path", ["apkg", "install"])
@settings(
    max_examples=1,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a seed says nothing: the trace does
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@example(seed=7)  # a same-named note added while its twin's chapter was paused
@example(seed=57)  # a formula edited next to a deleted one that looked alike
@given(seed=st.integers(0, 2**32 - 1))
def test_hundreds_of_random_reorganisations_keep_every_invariant(
    tmp_path_factory: pytest.TempPathFactory, path: str, seed: int
) -> None:
    """Reproduce a failure with its seed: ANKI_BUILD_TRACE=plan prints every step's plan."""
    _run(tmp_path_factory.mktemp(f"loop-{path}"), path, seed)
