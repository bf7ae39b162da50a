"""The rebuild loop against the real Anki backend, one reorganisation at a time, through both import paths.

Each scenario starts from the same reviewed collection: a course of three chapters is built and
imported, a dozen cards are answered (revlog rows), two notes are edited "on the phone", and one note
is made by hand. Then the notes are reorganised, rebuilt and re-imported (Anki's `.apkg` importer with
the desktop defaults, or `anki-build install`), and every scenario checks the same invariants:

* no duplicates: one Anki note per GUID, and per note of the markdown;
* no review lost or moved: every revlog row is still there, on the card it was on, and every reviewed
  card still belongs to the note it belonged to;
* no phone edit lost on a note whose markdown did not change;
* no note the user made deleted;
* the plan said what the import did.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from anki_build.commands.build import build
from conftest import import_apkg, write_tree

pytest.importorskip("anki", reason="the Anki backend is a test dependency")

from anki.collection import Collection
from anki.scheduler_pb2 import CardAnswer

T0 = int(time.time()) - 5_000  # the first build: before the reviews and phone edits (Anki stamps real time)
PATHS = ("apkg", "install")

CONCEPTS = {
    "01-基础.md": [
        ("过拟合", "模型把训练集里的噪声也记住了，在新数据上表现变差。"),
        ("欠拟合", "模型太简单，连训练集的规律都没有学到。"),
        ("正则化", "在损失函数中加入惩罚项，限制模型的复杂度。"),
    ],
    "02-优化.md": [
        ("学习率", "每一步参数更新的步长，太大震荡，太小收敛慢。"),
        ("动量法", "用历史梯度的指数平均作为更新方向，抑制震荡。"),
        ("L2 正则化", "惩罚权重的平方和，使权重整体变小而不稀疏。"),
    ],
    "03-网络.md": [
        ("激活函数", "给神经元加入非线性，使网络能拟合复杂函数。"),
        ("批归一化", "按小批量的均值和方差标准化每层的输入。"),
        ("残差连接", "把输入直接加到输出上，让梯度可以绕过若干层。"),
    ],
}
FORMULAS = ["w \\leftarrow w - \\eta \\nabla_w L", "b \\leftarrow b - \\eta \\nabla_b L"]
CLOZE = ["0.9", "0.01", "32"]
QA = ("为什么要用验证集调参？", "测试集只能在最后用一次，调参用验证集才不会高估泛化能力。")


@dataclass
class Course:
    """The markdown of the course, as data the scenarios edit."""

    deck: str = "情景课程"
    titles: dict[str, str] = field(
        default_factory=lambda: {"01-基础.md": "基础", "02-优化.md": "优化", "03-网络.md": "网络"}
    )
    concepts: dict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: {k: list(v) for k, v in CONCEPTS.items()}
    )
    formulas: list[str] = field(default_factory=lambda: list(FORMULAS))
    cloze: list[str] = field(default_factory=lambda: list(CLOZE))
    qa: tuple[str, str] | None = QA
    cloze_qa: bool = False  # the Q&A rewritten as a cloze
    ids: dict[str, str] = field(default_factory=dict)  # term → explicit `{#id}`
    extra_toml: str = ""

    def files(self) -> dict[str, str]:
        out = {"anki-build.toml": f'deck = "{self.deck}"\n{self.extra_toml}'}
        for name, items in self.concepts.items():
            title = self.titles.get(name, name[3:-3])
            body = "".join(
                f"**{term}**{' {#' + self.ids[term] + '}' if term in self.ids else ''}：{text}\n\n"
                for term, text in items
            )
            if name == "02-优化.md":
                # one label per formula: side-by-side blocks under one label would be one card
                body += "".join(f"梯度下降的更新：\n\n$$\n{tex}\n$$\n\n" for tex in self.formulas)
                body += "常用的超参数取值：" + "，".join(f"=={c}==" for c in self.cloze) + "。\n\n"
            if name == "03-网络.md" and self.qa:
                q, a = self.qa
                body += f"=={a[:5]}=={a[5:]}\n\n" if self.cloze_qa else f"Q: {q}\nA: {a}\n\n"
            out[name] = f"# {title}\n\n{body}"
        return out


@dataclass
class Run:
    """A course folder, its collection, and what the collection held before the scenario."""

    root: Path
    work: Path
    col: Collection
    path: str
    step: int = 0
    last: int = 0  # the latest build time used
    phone: dict[str, str] = field(default_factory=dict)  # Key → the Back edited on the phone
    handmade: list[int] = field(default_factory=list)  # note ids the user made
    revlog: dict[int, int] = field(default_factory=dict)  # revlog id → card id
    card_note: dict[int, int] = field(default_factory=dict)  # reviewed card → its note
    log: dict[str, object] = field(default_factory=dict)
    plan: object = None

    def write(self, course: Course) -> None:
        for old in self.root.glob("*.md"):
            old.unlink()
        write_tree(self.root, course.files())

    def rebuild(self, now: int | None = None, **options: object) -> object:
        """Build and import through this run's path; returns the build summary."""
        self.step += 1
        # builds after the reviews: later than anything Anki stamped so far, as on a real machine
        stamp = now if now is not None else max(int(time.time()) + 2, self.last + 1)
        self.last = stamp
        out = self.work / "deck.apkg"  # one output, rebuilt in place (as `decks/<deck>.apkg` is)
        if self.path == "install":
            from anki_build.commands.install import install

            self.col.close()
            summary, result = install(
                self.root, "notes", self.work / "col" / "collection.anki2", output=out, now=stamp, **options
            )  # type: ignore[arg-type]
            self.col = Collection(str(self.work / "col" / "collection.anki2"))
            assert result is not None, [d.format() for d in summary.diagnostics]
            self.log = {"new": result.new, "updated": result.updated, "install": result}
        else:
            summary = build(self.root, "notes", out, now=stamp, **options)  # type: ignore[arg-type]
            assert summary.output is not None, [d.format() for d in summary.diagnostics]
            self.log = import_apkg(self.col, out)
        self.plan = summary.plan
        return summary

    def note(self, key: str):  # type: ignore[no-untyped-def]
        nids = self.col.find_notes(f'"Key:{key}"')
        assert len(nids) == 1, (key, nids)
        return self.col.get_note(nids[0])


def answer(col: Collection, card_id: int) -> None:
    card = col.get_card(card_id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))


def start(tmp_path: Path, path: str, course: Course | None = None) -> Run:
    """Build and import the course, review 12 cards, edit two notes on the phone, add one note by hand."""
    (tmp_path / "col").mkdir()
    col = Collection(str(tmp_path / "col" / "collection.anki2"))
    run = Run(tmp_path / "notes", tmp_path, col, path)
    run.write(course or Course())
    summary = run.rebuild(now=T0)
    assert summary.exit_code == 0, [d.format() for d in summary.diagnostics]  # type: ignore[attr-defined]
    for cid in sorted(run.col.find_cards(""))[:12]:
        answer(run.col, cid)
    for rid, cid in run.col.db.all("select id, cid from revlog"):
        run.revlog[rid] = cid
        run.card_note[cid] = run.col.db.scalar("select nid from cards where id = ?", cid)
    for key in ("concept:残差连接", "concept:激活函数"):
        note = run.note(key)
        note["Back"] = f"手机上改过的答案：{key}"
        run.col.update_note(note)
        run.phone[key] = note["Back"]
    basic = run.col.models.by_name("anki-build Basic") or run.col.models.current()
    mine = run.col.new_note(basic)
    for name in mine.keys():  # noqa: SIM118 (a Note is not a dict)
        mine[name] = "我自己做的卡片" if name in ("Front", "Key") else ""
    run.col.add_note(mine, run.col.decks.id(f"{(course or Course()).deck}::01 基础"))
    run.handmade.append(mine.id)
    return run


def check(
    run: Run,
    course: Course,
    *,
    untouched_phone: tuple[str, ...] = ("concept:残差连接",),
    removed: int = 0,
    plan_known: bool = True,
) -> None:
    """The invariants of the module docstring."""
    col = run.col
    assert col.db.scalar("select count() from (select guid from notes group by guid having count() > 1)") == 0
    keys = [col.get_note(n)["Key"] for n in col.find_notes("")]
    current = _current_keys(run)
    for key in current:
        assert keys.count(key) == 1, (key, keys.count(key))
    for rid, cid in run.revlog.items():
        assert col.db.scalar("select cid from revlog where id = ?", rid) == cid, "a review was lost or moved"
    for cid, nid in run.card_note.items():
        now_nid = col.db.scalar("select nid from cards where id = ?", cid)
        assert now_nid in (nid, None), "a reviewed card moved to another note"
        if now_nid is None:
            removed -= 1  # only a pruned note's cards may go
    assert removed >= 0, "more reviewed cards disappeared than were pruned"
    for key in untouched_phone:
        if key in current:
            assert run.note(key)["Back"] == run.phone[key], f"the phone edit of {key} was lost"
    for nid in run.handmade:
        assert col.db.scalar("select count() from notes where id = ?", nid) == 1, "a note made in Anki was deleted"
    plan = run.plan
    assert plan is not None
    if plan_known:  # (with neither a lock nor a previous deck, no plan can know what Anki holds)
        assert run.log["new"] == len(plan.new), (run.log, plan.counts())  # type: ignore[attr-defined]
        assert run.log["updated"] == len(plan.changed), (run.log, plan.counts())  # type: ignore[attr-defined]
    assert course  # the course the notes folder now holds


def _current_keys(run: Run) -> list[str]:
    lock = json.loads((run.root / "anki-build.lock").read_text(encoding="utf-8"))
    return sorted(lock["notes"])


# ---- the scenarios: (name, what to do to the course) ------------------------------------------------------


def answer_edit(c: Course) -> None:
    c.concepts["01-基础.md"][0] = ("过拟合", "模型在训练集上表现很好、在新数据上表现差：它记住了噪声。")


def term_typo(c: Course) -> None:
    c.concepts["01-基础.md"][2] = ("正责化", c.concepts["01-基础.md"][2][1])


def term_rewrite_with_id(c: Course) -> None:
    c.concepts["02-优化.md"][0] = ("步长（learning rate）", c.concepts["02-优化.md"][0][1])
    c.ids["步长（learning rate）"] = "lr"


def term_rewrite_same_definition(c: Course) -> None:
    c.concepts["02-优化.md"][0] = ("步长", c.concepts["02-优化.md"][0][1])


def term_rewrite_without_id(c: Course) -> None:
    c.concepts["02-优化.md"][0] = ("步长调度", "训练过程中按计划逐步减小学习率。")


def different_concept_one_token(c: Course) -> None:
    c.concepts["02-优化.md"][2] = ("L1 正则化", "惩罚权重的绝对值之和，使很多权重恰好为 0。")


def move_between_chapters(c: Course) -> None:
    c.concepts["03-网络.md"].append(c.concepts["01-基础.md"].pop(1))


def chapter_file_rename(c: Course) -> None:
    c.concepts["04-基础.md"] = c.concepts.pop("01-基础.md")
    c.titles["04-基础.md"] = "基础"


def chapter_title_rename(c: Course) -> None:
    c.titles["01-基础.md"] = "基本概念"


def deck_rename(c: Course) -> None:
    c.deck = "改名后的课程"


def reorder(c: Course) -> None:
    for name in c.concepts:
        c.concepts[name].reverse()


def delete(c: Course) -> None:
    c.concepts["02-优化.md"].pop(1)


def swap_terms(c: Course) -> None:
    items = c.concepts["01-基础.md"]
    items[0], items[1] = items[1], items[0]


def swap_formulas(c: Course) -> None:
    c.formulas.reverse()


def same_term_added_later(c: Course) -> None:
    c.concepts["03-网络.md"].append(("学习率", "另一章里对学习率的补充：它也决定收敛速度。"))


def same_term_added_earlier(c: Course) -> None:
    c.concepts["01-基础.md"].insert(0, ("学习率", "放在最前面的同名笔记：学习率控制更新幅度。"))


def add_cloze_deletion(c: Course) -> None:
    c.cloze.insert(1, "1e-3")


def remove_cloze_deletion(c: Course) -> None:
    c.cloze.remove("0.01")


def qa_to_cloze(c: Course) -> None:
    c.cloze_qa = True


def phone_note_markdown_unchanged_elsewhere(c: Course) -> None:
    c.concepts["02-优化.md"][2] = ("L2 正则化", "惩罚权重平方和：权重整体变小但不会变成 0。")


SCENARIOS: dict[str, Callable[[Course], None]] = {
    f.__name__: f
    for f in (
        answer_edit,
        term_typo,
        term_rewrite_with_id,
        term_rewrite_same_definition,
        term_rewrite_without_id,
        different_concept_one_token,
        move_between_chapters,
        chapter_file_rename,
        chapter_title_rename,
        deck_rename,
        reorder,
        delete,
        swap_terms,
        swap_formulas,
        same_term_added_later,
        same_term_added_earlier,
        add_cloze_deletion,
        remove_cloze_deletion,
        qa_to_cloze,
        phone_note_markdown_unchanged_elsewhere,
    )
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(tmp_path: Path, name: str, path: str) -> None:
    course = Course()
    run = start(tmp_path, path, course)
    try:
        if name == "term_rewrite_with_id":  # the id is there before the rewrite
            course.ids["学习率"] = "lr"
            run.write(course)
            run.rebuild()
            course.ids.pop("学习率")
        SCENARIOS[name](course)
        run.write(course)
        summary = run.rebuild()
        assert summary.exit_code == 0, [d.format() for d in summary.diagnostics]  # type: ignore[attr-defined]
        check(run, course)
        _specific(run, name, course)
    finally:
        run.col.close()


def _specific(run: Run, name: str, course: Course) -> None:
    """What each scenario must do beyond the shared invariants."""
    plan = run.plan
    counts = plan.counts()  # type: ignore[attr-defined]
    if name in ("move_between_chapters", "chapter_file_rename", "chapter_title_rename", "deck_rename"):
        assert counts["changed"] == 0 and counts["new"] == 0 and counts["moved"] >= 1, counts
        assert run.log["updated"] == 0  # no field of a moved note is rewritten: phone edits stay
        assert run.note("concept:激活函数")["Back"] == run.phone["concept:激活函数"]
        if run.path == "install":
            moved = run.note("concept:欠拟合" if name == "move_between_chapters" else "concept:过拟合")
            want = {
                "move_between_chapters": "chapter::03_网络",
                "chapter_file_rename": "chapter::04_基础",
                "chapter_title_rename": "chapter::01_基本概念",
                "deck_rename": "chapter::01_基础",
            }[name]
            assert want in moved.tags, moved.tags
            deck = run.col.decks.name(moved.cards()[0].did)
            assert deck.startswith(course.deck + "::"), deck
    if name in ("reorder", "swap_terms"):
        assert counts["changed"] == 0 and counts["new"] == 0, counts
    if name == "term_typo":
        assert counts["renamed"] == 1 and counts["new"] == 0, counts
        assert "正责化" in run.note("concept:正责化")["Front"]
    if name == "term_rewrite_with_id":
        assert counts["new"] == 0 and counts["changed"] == 1, counts
        assert "步长" in run.note("id:lr")["Front"]
    if name == "term_rewrite_same_definition":
        assert counts["renamed"] == 1 and counts["new"] == 0, counts
    if name in ("term_rewrite_without_id", "different_concept_one_token"):
        assert counts["renamed"] == 0 and counts["new"] == 1 and counts["removed"] == 1, counts
        gone = "concept:学习率" if name == "term_rewrite_without_id" else "concept:l2 正则化"
        assert len(run.col.find_notes(f'"Key:{gone}"')) == 1  # the old note keeps its history until a prune
    if name == "swap_formulas":
        assert counts["changed"] == 0 and counts["new"] == 0, counts  # each formula keeps its note
    if name in ("same_term_added_later", "same_term_added_earlier"):
        assert counts["new"] == 1 and counts["changed"] == 0, counts  # the old note keeps its GUID and history
        assert "每一步参数更新的步长" in run.note("concept:学习率")["Back"]
    if name in ("add_cloze_deletion", "remove_cloze_deletion"):
        nid = run.col.find_notes('"Key:cloze:*"')[0]
        text = run.col.get_note(nid)["Text"]
        if name == "remove_cloze_deletion":
            assert "{{c1::0.9}}" in text and "{{c3::32}}" in text and "c2::" not in text  # 32 keeps its card
        else:
            assert "{{c1::0.9}}" in text and "{{c2::0.01}}" in text and "{{c3::32}}" in text and "{{c4::1e-3}}" in text
    if name == "qa_to_cloze":
        assert counts["new"] == 1 and counts["removed"] == 1, counts
    if name == "delete":
        assert counts["removed"] == 1, counts


@pytest.mark.parametrize("path", PATHS)
def test_delete_then_re_add_and_rename_then_re_add_get_their_note_back(tmp_path: Path, path: str) -> None:
    course = Course()
    run = start(tmp_path, path, course)
    try:
        gone = course.concepts["02-优化.md"].pop(1)  # 动量法
        run.write(course)
        run.rebuild()
        check(run, course)
        course.concepts["03-网络.md"].append(gone)  # re-added elsewhere
        run.write(course)
        run.rebuild()
        check(run, course)
        assert run.plan.counts()["readded"] == 1 and run.plan.counts()["new"] == 0  # type: ignore[attr-defined]
        # rename + delete + re-add: the renamed form comes back after a build without it
        typo = ("动量方法", gone[1])
        course.concepts["03-网络.md"].pop()
        run.write(course)
        run.rebuild()
        course.concepts["01-基础.md"].append(typo)
        run.write(course)
        run.rebuild()
        check(run, course)
        assert run.plan.counts()["new"] == 0, run.plan.counts()  # type: ignore[attr-defined]
        assert len(run.col.find_notes('"Front:*动量*"')) == 1
    finally:
        run.col.close()


@pytest.mark.parametrize("path", PATHS)
def test_a_lost_lock_is_recovered_from_the_previous_deck_or_the_collection(tmp_path: Path, path: str) -> None:
    course = Course()
    run = start(tmp_path, path, course)
    try:
        term_typo(course)  # a renamed note: its GUID is not the one its key would give
        run.write(course)
        run.rebuild()
        (run.root / "anki-build.lock").unlink()
        answer_edit(course)
        run.write(course)
        summary = run.rebuild()
        codes = [d.code for d in summary.diagnostics]  # type: ignore[attr-defined]
        assert "lock-recovered" in codes, codes
        check(run, course)
        assert run.plan.counts()["new"] == 0 and run.plan.counts()["changed"] == 1  # type: ignore[attr-defined]
    finally:
        run.col.close()


@pytest.mark.parametrize("path", PATHS)
def test_with_the_lock_and_the_deck_both_lost_every_note_keeps_its_guid_and_phone_edit(
    tmp_path: Path, path: str
) -> None:
    """A fresh clone without the lock, and no deck left: GUIDs come from the keys and the course's namespace
    (written into anki-build.toml by the first build); a note is no newer than its file, so edits made in
    Anki after the file was saved stay."""
    course = Course()
    run = start(tmp_path, path, course)
    try:
        assert "namespace = " in (run.root / "anki-build.toml").read_text(encoding="utf-8")
        (run.root / "anki-build.lock").unlink()
        (run.work / "deck.apkg").unlink()
        run.rebuild()
        check(run, course, untouched_phone=("concept:残差连接", "concept:激活函数"), plan_known=path == "install")
        assert run.log["new"] == 0
    finally:
        run.col.close()


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong-guids-conflict"])
def test_an_unreadable_lock_writes_nothing_until_reset(tmp_path: Path, damage: str) -> None:
    course = Course()
    run = start(tmp_path, "apkg", course)
    try:
        lock = run.root / "anki-build.lock"
        text = lock.read_text(encoding="utf-8")
        if damage == "truncated":
            lock.write_text(text[: len(text) // 2], encoding="utf-8")
        elif damage == "garbage":
            lock.write_text("这不是锁文件", encoding="utf-8")
        else:
            lines = text.splitlines()
            at = next(i for i, line in enumerate(lines) if '"concept:过拟合"' in line)
            other = lines[at].replace('"guid": "', '"guid": "x')
            lines[at : at + 1] = ["<<<<<<< ours", lines[at], "=======", other, ">>>>>>> theirs"]
            lock.write_text("\n".join(lines) + "\n", encoding="utf-8")
        before = lock.read_bytes()
        out = run.work / "refused.apkg"
        summary = build(run.root, "notes", out, now=T0 + 50)
        assert summary.exit_code == 1 and "lock-invalid" in [d.code for d in summary.diagnostics]
        assert lock.read_bytes() == before and not out.exists()
        answer_edit(course)
        run.write(course)
        run.step += 1
        summary = build(run.root, "notes", run.work / "deck.apkg", now=T0 + 60, reset_lock=True)
        assert summary.exit_code == 0 and "lock-recovered" in [d.code for d in summary.diagnostics]
        run.log, run.plan = import_apkg(run.col, run.work / "deck.apkg"), summary.plan
        check(run, course)
        assert summary.plan.counts()["new"] == 0  # type: ignore[union-attr]
    finally:
        run.col.close()


def test_a_git_merge_conflict_in_the_lock_is_resolved_when_both_sides_agree(tmp_path: Path) -> None:
    """Two branches each edit a different note: git's three-way merge of the lock, then a build."""
    base = Course()
    run = start(tmp_path, "apkg", base)
    try:
        lock = run.root / "anki-build.lock"
        base_text = lock.read_text(encoding="utf-8")
        ours, theirs = Course(), Course()
        ours.concepts["01-基础.md"][0] = ("过拟合", "分支一改的答案：记住了噪声。")
        ours.concepts["01-基础.md"][1] = ("欠拟合", "分支一也改了这条。")
        theirs.concepts["01-基础.md"][1] = ("欠拟合", "分支二改的答案：模型太简单。")
        theirs.concepts["01-基础.md"][2] = ("正则化", "分支二改的答案：惩罚复杂度。")
        texts = {}
        for label, course in (("ours", ours), ("theirs", theirs)):
            run.write(course)
            build(run.root, "notes", run.work / f"{label}.apkg", now=T0 + (200 if label == "ours" else 300))
            texts[label] = lock.read_text(encoding="utf-8")
            lock.write_text(base_text, encoding="utf-8")
            import_apkg(run.col, run.work / f"{label}.apkg")  # each branch's deck was imported (one collection, synced)
        for label, text in (*texts.items(), ("base", base_text)):
            (run.work / f"{label}.lock").write_text(text, encoding="utf-8")
        merge = subprocess.run(
            [
                "git",
                "merge-file",
                "-p",
                str(run.work / "ours.lock"),
                str(run.work / "base.lock"),
                str(run.work / "theirs.lock"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert merge.returncode > 0 and "<<<<<<<" in merge.stdout  # the same note on both sides: a real conflict
        lock.write_text(merge.stdout, encoding="utf-8")
        merged = Course()
        merged.concepts["01-基础.md"] = [
            ours.concepts["01-基础.md"][0],
            theirs.concepts["01-基础.md"][1],
            theirs.concepts["01-基础.md"][2],
        ]
        run.write(merged)
        summary = run.rebuild()
        codes = [d.code for d in summary.diagnostics]  # type: ignore[attr-defined]
        assert summary.exit_code == 0 and "lock-merged" in codes, codes  # type: ignore[attr-defined]
        check(run, merged)
        assert "<<<<<<<" not in lock.read_text(encoding="utf-8")
        assert run.plan.counts()["new"] == 0 and run.log["updated"] == 0  # type: ignore[attr-defined]
        assert "分支二改的答案：模型太简单" in run.note("concept:欠拟合")["Back"]
    finally:
        run.col.close()


@pytest.mark.parametrize("path", PATHS)
def test_a_clock_behind_still_delivers_edits_and_the_plan_matches(tmp_path: Path, path: str) -> None:
    course = Course()
    run = start(tmp_path, path, course)
    try:
        answer_edit(course)
        run.write(course)
        summary = run.rebuild(now=T0 - 86_400)  # this machine's clock is a day behind the first build's
        assert "clock-skew" in [d.code for d in summary.diagnostics]  # type: ignore[attr-defined]
        check(run, course)
        assert run.log["updated"] == 1 and "记住了噪声" in run.note("concept:过拟合")["Back"]
        run.write(course)
        run.rebuild(now=T0 - 86_000)
        check(run, course)
        assert run.plan.counts()["changed"] == 0  # type: ignore[attr-defined]
    finally:
        run.col.close()


def test_install_keeps_phone_edits_even_when_a_build_clock_was_ahead(tmp_path: Path) -> None:
    import time

    ahead = int(time.time()) + 2 * 86_400
    course = Course()
    run = start(tmp_path, "install", course)
    try:
        run.rebuild(now=ahead)  # a build stamped in the future
        note = run.note("concept:正则化")
        note["Back"] = "手机改的：未来时间戳之后"
        run.col.update_note(note)
        run.phone["concept:正则化"] = note["Back"]
        run.rebuild(now=ahead + 100)
        check(run, course, untouched_phone=("concept:残差连接", "concept:正则化"))
        assert run.log["install"].kept_anki_edits >= 1  # type: ignore[attr-defined]
    finally:
        run.col.close()


@pytest.mark.parametrize("prefer", [None, "anki", "notes"])
def test_a_note_edited_in_anki_and_in_the_notes_is_reported_and_settled_by_prefer(
    tmp_path: Path, prefer: str | None
) -> None:
    course = Course()
    run = start(tmp_path, "install", course)
    try:
        course.concepts["03-网络.md"][0] = ("激活函数", "笔记里改的答案：非线性变换。")
        run.write(course)
        summary = run.rebuild(prefer=prefer)
        conflicts = [d for d in summary.diagnostics if d.code == "edit-conflict"]  # type: ignore[attr-defined]
        assert len(conflicts) == 1 and conflicts[0].path.endswith("03-网络.md") and conflicts[0].line == 3
        assert "笔记里改的答案" in conflicts[0].message and "手机上改过的答案" in conflicts[0].message
        back = run.note("concept:激活函数")["Back"]
        assert ("笔记里改的答案" in back) == (prefer == "notes")
        check(run, course, untouched_phone=("concept:残差连接",))
        again = run.rebuild(prefer=prefer)
        still = [d for d in again.diagnostics if d.code == "edit-conflict"]  # type: ignore[attr-defined]
        assert len(still) == (1 if prefer is None else 0)  # reported until it is settled
    finally:
        run.col.close()


def test_prune_deletes_only_what_the_course_created_after_asking(tmp_path: Path) -> None:
    course = Course()
    run = start(tmp_path, "install", course)
    try:
        col = run.col
        sub = col.decks.id(f"{course.deck}::我的子牌组")
        basic = col.models.by_name("anki-build Basic") or col.models.current()
        own = col.new_note(basic)
        for name in own.keys():  # noqa: SIM118 (a Note is not a dict)
            own[name] = "子牌组里自己做的" if name in ("Front", "Key") else ""
        col.add_note(own, sub)
        run.handmade.append(own.id)
        original = run.note("concept:动量法")
        copy = col.new_note(original.note_type())
        for name in original.keys():  # noqa: SIM118 (a Note is not a dict)
            copy[name] = original[name]
        col.add_note(copy, original.cards()[0].did)  # Anki's "Create copy": same fields, a new GUID
        run.handmade.append(copy.id)
        course.concepts["02-优化.md"].pop(1)  # 动量法 leaves the markdown
        course.titles["03-网络.md"] = "网络"
        run.write(course)
        (run.root / "03-网络.md").write_text(
            "---\ncards: false\n---\n" + course.files()["03-网络.md"], encoding="utf-8"
        )
        asked: list[list[str]] = []
        run.rebuild(prune=True, confirm=lambda listed: asked.append(listed) or False)
        assert len(asked) == 1 and len(asked[0]) == 1 and "动量法" in asked[0][0]  # listed, declined: nothing deleted
        assert run.log["install"].pruned == 0  # type: ignore[attr-defined]
        assert run.plan.counts()["paused"] == 4  # type: ignore[attr-defined]
        run.rebuild(prune=True)  # --yes
        assert run.log["install"].pruned == 1  # type: ignore[attr-defined]
        check(run, course, untouched_phone=(), removed=len([c for c, n in run.card_note.items() if n == original.id]))
        assert run.col.find_notes('"Key:concept:残差连接"')  # paused, not pruned
        run.rebuild(prune=True, prune_paused=True)
        assert run.log["install"].pruned == 4  # type: ignore[attr-defined]
        for nid in run.handmade:
            assert run.col.db.scalar("select count() from notes where id = ?", nid) == 1
    finally:
        run.col.close()


def test_two_courses_with_the_same_deck_name_never_share_a_note(tmp_path: Path) -> None:
    (tmp_path / "col").mkdir()
    col = Collection(str(tmp_path / "col" / "collection.anki2"))
    try:
        for name, answer_text in (("mine", "我的定义。"), ("classmate", "同学写的另一个定义。")):
            root = write_tree(
                tmp_path / name,
                {"anki-build.toml": 'deck = "机器学习"\n', "01-a.md": f"# 一\n\n**过拟合**：{answer_text}\n"},
            )
            summary = build(root, name, tmp_path / f"{name}.apkg", now=T0)
            assert summary.exit_code == 0
            assert "namespace = " in (root / "anki-build.toml").read_text(encoding="utf-8")
            import_apkg(col, tmp_path / f"{name}.apkg")
        backs = sorted(col.get_note(n)["Back"] for n in col.find_notes(""))
        assert len(backs) == 2 and "我的定义" in backs[1] + backs[0]
    finally:
        col.close()


def test_two_clean_clones_build_byte_identical_decks(tmp_path: Path, sample_notes: Path) -> None:
    from conftest import REPO

    outs = []
    for n in (1, 2):
        clone = tmp_path / f"clone{n}"
        shutil.copytree(REPO / "notes", clone / "notes")
        summary = build(clone / "notes", "notes", clone / "deck.apkg", now=T0 + n * 1000)
        assert summary.exit_code == 0
        outs.append((clone / "deck.apkg").read_bytes())
    assert outs[0] == outs[1]


@pytest.mark.parametrize("path", PATHS)
def test_a_template_and_css_change_restyles_in_place(tmp_path: Path, path: str) -> None:
    """The project's own `cards/` (CSS and an Anki template) restyles the cards in place, keeping every review."""
    from anki_build.notetypes import packaged_cards

    course = Course()
    run = start(tmp_path, path, course)
    try:
        packaged = packaged_cards().texts
        for name, extra in (("style.css", "\n.restyled{}\n"), ("basic/front.html", "\n<!-- v2 -->\n")):
            (run.root / "cards" / name).parent.mkdir(parents=True, exist_ok=True)
            (run.root / "cards" / name).write_text(packaged[name] + extra, encoding="utf-8")
        run.rebuild()
        check(run, course, untouched_phone=("concept:残差连接", "concept:激活函数"))
        assert run.log["new"] == 0 and run.log["updated"] == 0  # no note rewritten for a restyle
        run.col.close()  # the Python side caches note types: read them afresh, as Anki does on its next start
        run.col = Collection(str(run.work / "col" / "collection.anki2"))
        names = sorted(m["name"] for m in run.col.models.all() if m["name"].startswith("anki-build"))
        assert names == ["anki-build Basic", "anki-build Cloze"]  # in place: no "+" copies
        basic = run.col.models.by_name("anki-build Basic")
        assert ".restyled{}" in basic["css"] and "<!-- v2 -->" in basic["tmpls"][0]["qfmt"]
        cloze = run.col.models.by_name("anki-build Cloze")
        assert ".restyled{}" in cloze["css"] and "<!-- v2 -->" not in cloze["tmpls"][0]["qfmt"]
    finally:
        run.col.close()
