"""Properties over generated notes: no input raises, builds are reproducible, the notes folder is never written."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anki_build.commands.build import build
from anki_build.config import load_config
from anki_build.diagnostics import Report
from anki_build.parse import parse_project
from anki_build.render import render_project
from conftest import REPO

PIECES = [
    "**",
    "：",
    ":",
    "$",
    "$$",
    "\\(",
    "\\)",
    "\\[",
    "\\]",
    "==",
    "{{c1::",
    "}}",
    "Q: ",
    "A: ",
    "问：",
    "答：",
    "# ",
    "## ",
    "- ",
    "> ",
    "\n",
    "\n\n",
    "`",
    "```",
    "|",
    "---",
    "<img src=x>",
    "![a](b.png)",
    "[[w]]",
    "\\begin{aligned}",
    "\\end{aligned}",
    "<!-- no-cards -->",
    "<!-- cards -->",
    "？",
    "::",
    "x",
    "过拟合",
    "\\frac{1}{2}",
    "\r\n",
    "\u200b",
    "\t",
    "&",
    "<",
    "{",
    "}",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_any_arrangement_of_markdown_pieces_parses_and_renders(tmp_path_factory, pieces):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "a.md").write_text("".join(pieces), encoding="utf-8")
    report = Report()
    project = parse_project(root, "n", load_config(root, "n", report), report)
    deck = render_project(project, report)
    for note in deck.notes:
        for value in note.fields.values():
            assert "<script" not in value
    for d in report.items:
        assert d.line >= 1 and d.col >= 1


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def test_two_builds_give_identical_guids_and_leave_no_temp_files(tmp_path, sample_notes):
    import sqlite3

    before = _digest(sample_notes)
    guids = []
    for n in range(2):
        out = tmp_path / f"b{n}" / "deck.apkg"
        summary = build(sample_notes, "notes", out)
        assert summary.exit_code == 0
        with zipfile.ZipFile(out) as archive:
            archive.extract("collection.anki2", tmp_path / f"db{n}")
        db = sqlite3.connect(tmp_path / f"db{n}" / "collection.anki2")
        guids.append(sorted(db.execute("select guid, flds from notes")))
        db.close()
        assert sorted(p.name for p in out.parent.iterdir()) == ["deck.apkg"]  # no temp file left beside it
    assert guids[0] == guids[1]
    assert len({g for g, _ in guids[0]}) == len(guids[0])
    assert _digest(sample_notes) == before  # the (already built) notes folder is not touched


def test_failed_write_keeps_the_previous_deck(tmp_path, monkeypatch, sample_notes):
    out = tmp_path / "deck.apkg"
    assert build(sample_notes, "notes", out).exit_code == 0
    good = out.read_bytes()
    import anki_build.package as package

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(package.zipfile.ZipFile, "writestr", explode)
    chapter = sorted(sample_notes.glob("*.md"))[0]
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n**新术语**：一条新的定义。\n", encoding="utf-8")
    summary = build(sample_notes, "notes", out)  # a changed deck, so it must be written
    assert summary.exit_code == 1
    # the sample's one warning (its plausible matrix step) stays a warning; the failed write is the error
    assert [d.code for d in summary.diagnostics if d.severity.value == "error"] == ["write-failed"]
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.apkg"]


def test_committed_sample_lock_is_up_to_date(tmp_path):
    """After changing cards/ or the renderer, rebuild the sample and commit notes/anki-build.lock."""
    import shutil

    copy = tmp_path / "notes"
    shutil.copytree(REPO / "notes", copy)
    before = (copy / "anki-build.lock").read_text(encoding="utf-8")
    assert build(copy, "notes", tmp_path / "deck.apkg").exit_code == 0
    assert (copy / "anki-build.lock").read_text(encoding="utf-8") == before


_HTMLISH = [
    *"<>&\\[]()$ \n\t\r\x00\x1b\u00a0\u2028\x7f",
    "a",
    "中",
    "<p>",
    "</p>",
    "<b>",
    "</b>",
    '<div class="ab-x">',
    "</div>",
    '<img src="a.png">',
    "<img>",
    "<a href='javascript:x'>",
    "</a>",
    "<!--",
    "-->",
    "<script>",
    "</script>",
    "&amp;",
    "&lt;",
    "&#92;(",
    "\\(",
    "[sound:x]",
    "&nbsp;",
    "<span style='color:red'>",
    "</span>",
    "<table><tr><td>",
    "</td></tr></table>",
    '<p title="a[b">',
    "\ue000zz:0\ue001",
    "<svg onload=1>",
    "<style>x</style>",
    "<li>",
    "<br>",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_HTMLISH), max_size=14).map("".join))
def test_the_sanitisers_shortcuts_give_what_the_full_gate_gives(text):
    """`finish` skips steps that would change nothing and remembers repeated fields; none may change a field."""
    from anki_build.render.sanitise import _finish, finish

    full = _finish(text, ("a.png",), None, shortcut=False) if text.strip() else ""
    assert finish(text, ("a.png",)) == full
    assert finish(text, ("a.png",)) == full  # the remembered answer too
