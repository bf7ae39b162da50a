"""Real notes from the wild (`../shared/corpus/dev`): no traceback; their definitions and formulas land in the deck."""

from __future__ import annotations

import re

import pytest

from conftest import SHARED, cli, import_apkg

CORPUS = SHARED / "corpus" / "dev"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not present at ../shared/corpus/dev ({CORPUS})")


def test_cli_builds_the_whole_corpus_without_traceback(tmp_path, collection):
    import shutil

    out = tmp_path / "dev.apkg"
    copy = tmp_path / "dev"  # a build writes its lock (and a new course's namespace) beside the notes
    shutil.copytree(CORPUS, copy)
    result = cli("build", str(copy), "-o", str(out), "--json")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    import json

    data = json.loads(result.stdout)
    for diag in data["diagnostics"]:
        assert re.match(r".+\.(md|toml|lock)$", diag["path"]) and diag["line"] >= 1 and diag["col"] >= 1, diag
    assert data["by_kind"]["concept"] >= 1 and data["by_kind"]["formula"] >= 1
    import_apkg(collection, out)
    keys = {collection.get_note(n)["Key"] for n in collection.find_notes("")}

    # every `**术语**：definition` paragraph of the corpus is a concept note
    expected_terms = set()
    for path in CORPUS.rglob("*.md"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.match(r"^\*\*([^*]+)\*\*[:：]\s*\S", line)
            if match:
                expected_terms.add(match[1])
    assert len(expected_terms) >= 15
    from anki_build.parse.extract import normalise_key
    from anki_build.parse.rules.words import generic, question_like

    missing = [
        t
        for t in expected_terms
        if not generic(t)  # `**优点**：` labels part of an answer
        and f"{'qa' if question_like(t) else 'concept'}:{normalise_key(t.replace('$', ''))}" not in keys
        and f"qa:{normalise_key(t.replace('$', ''))}" not in keys
    ]
    assert missing == []

    # display formulas: every `$$` block of pumpkin-book chapter 2 is in some note's answer
    chapter2 = (CORPUS / "datawhalechina__pumpkin-book" / "docs" / "chapter2" / "chapter2.md").read_text(
        encoding="utf-8"
    )
    blocks = re.findall(r"^\$\$(.+?)\$\$", chapter2, flags=re.M | re.S)
    assert len(blocks) >= 10
    backs = "\n".join(
        collection.get_note(n)["Back"] for n in collection.find_notes('"Key:formula:*" OR "Key:derivation:*"')
    )
    from anki_build.render.narrow import narrow  # a chain too wide for a phone: one relation per line
    from anki_build.render.tex import normalise_tex  # macros MathJax lacks are translated (\textcircled)

    for tex in blocks:
        shown = narrow(normalise_tex(tex))
        assert shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in backs


def test_escaped_brackets_in_pumpkin_book_stay_prose(tmp_path):
    from conftest import parse

    project, _ = parse(CORPUS / "datawhalechina__pumpkin-book")
    from anki_build.diagnostics import Report
    from anki_build.render import render_project

    deck = render_project(project, Report())
    text = "\n".join(v for n in deck.notes for v in n.fields.values())
    assert "\\[解析\\]" not in text  # written `\[解析\]` (escaped brackets): prose, never math
    assert "\\(1\\) 若已知" not in text and "\\(1\\) 随机" not in text  # `\(1\)` numbering in prose
