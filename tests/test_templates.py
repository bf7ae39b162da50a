"""A project's own `cards/`: overrides file by file, errors at the template's line, `init` and `init-templates`."""

from __future__ import annotations

import json
from pathlib import Path

from anki_build.commands.build import build
from conftest import cli, import_apkg, write_tree

T0 = 1_700_000_000  # in the past: Anki gives notes with ids in the future new ids on import
CHAPTER = """# 正则化

## 基本概念

**过拟合**：模型在训练集上表现很好，在新数据上却明显变差。

**欠拟合**：模型连训练集都拟合不好，训练误差和验证误差都偏高。

问：为什么验证集不能参与训练？

答：否则它就不再是对泛化误差的独立估计。
"""
CHAPTER_FRONT = """{# the term, with the chapter it belongs to above it #}
{% macro front(n) -%}
<div class="ab-my-chapter">{{ n.chapter }}</div>
<div class="ab-term">{{ n.front }}</div>
{%- endmacro %}
{% macro back(n) -%}
{{ n.back }}
{%- endmacro %}
"""
SOURCE_BACK = """<div class="ab-card ab-{{Kind}}">
<div class="ab-front">{{Front}}</div>
<hr id="answer">
<div class="ab-back">{{Back}}</div>
<div class="my-source">{{Source}}</div>
</div>
"""


def _project(root: Path, cards: dict[str, str] | None = None) -> Path:
    files: dict[str, str | bytes] = {"anki-build.toml": 'deck = "模板"\n', "03-正则化.md": CHAPTER}
    files.update({f"cards/{name}": text for name, text in (cards or {}).items()})
    return write_tree(root, files)


def _codes(summary: object) -> list[tuple[str, int, str]]:
    return [(d.path, d.line, d.code) for d in summary.diagnostics]  # type: ignore[attr-defined]


def test_project_templates_change_the_cards_in_the_imported_collection(tmp_path: Path, collection: object) -> None:
    root = _project(tmp_path / "notes", {"fields/concept.html.j2": CHAPTER_FRONT, "basic/back.html": SOURCE_BACK})
    summary = build(root, "notes", tmp_path / "deck.apkg", now=T0)
    assert summary.exit_code == 0 and not summary.diagnostics
    import_apkg(collection, tmp_path / "deck.apkg")
    col = collection
    concept = col.get_note(col.find_notes('"Key:concept:过拟合"')[0])  # type: ignore[attr-defined]
    assert '<div class="ab-my-chapter">03 正则化</div>' in concept["Front"]
    question = col.get_note(col.find_notes('"Key:qa:*"')[0])  # type: ignore[attr-defined]
    assert "ab-my-chapter" not in question["Front"]  # only the overridden kind changed
    card = concept.cards()[0]
    answer = card.answer()
    assert '<div class="my-source">03-正则化.md:5</div>' in answer  # the Anki template override, as Anki renders it
    basic = col.models.by_name("anki-build Basic")  # type: ignore[attr-defined]
    assert "my-source" in basic["tmpls"][0]["afmt"]
    assert "ab-context" in basic["tmpls"][0]["qfmt"]  # the front template was not overridden: still packaged


def test_editing_a_template_rebuilds_only_through_it_and_keeps_note_ids(tmp_path: Path, collection: object) -> None:
    root = _project(tmp_path / "notes")
    build(root, "notes", tmp_path / "a.apkg", now=T0)
    import_apkg(collection, tmp_path / "a.apkg")
    ids = sorted(collection.find_notes(""))  # type: ignore[attr-defined]
    write_tree(root, {"cards/fields/concept.html.j2": CHAPTER_FRONT})
    second = build(root, "notes", tmp_path / "b.apkg", now=T0 + 10)
    assert second.plan is not None and second.plan.counts()["changed"] == 2  # the two concepts, not the question
    log = import_apkg(collection, tmp_path / "b.apkg")
    assert log["updated"] == 2 and log["new"] == 0
    assert sorted(collection.find_notes("")) == ids  # type: ignore[attr-defined]
    (root / "cards" / "fields" / "concept.html.j2").unlink()  # back to the packaged template
    third = build(root, "notes", tmp_path / "c.apkg", now=T0 + 20)
    assert third.plan is not None and third.plan.counts()["changed"] == 2


def test_template_errors_name_the_template_line_and_never_crash(tmp_path: Path) -> None:
    broken_syntax = "{% macro front(n) -%}\n<b>{{ n.front }</b>\n{%- endmacro %}\n"
    bad_name = "{% macro front(n) -%}\n<b>{{ n.front }}</b>\n{{ n.no_such_thing }}\n{%- endmacro %}\n"
    bad_name += "{% macro back(n) %}{{ n.back }}{% endmacro %}\n"
    cases = {
        "fields/qa.html.j2": (broken_syntax, 2, "template-error"),
        "fields/concept.html.j2": (bad_name, 3, "template-error"),  # fails for each of the two concepts
        "basic/front.html": ("<div>{{Front}}</div>\n<p>{{#Chapter}}x{{/Chapter}}</p>\n", 2, "template-unknown-field"),
        "cloze/front.html": ("<div>{{Text}}</div>\n", 1, "template-error"),
        "fields/formula.html.j2": ("{% macro front(n) %}{{ n.front }}{% endmacro %}\n", 1, "template-error"),
    }
    for name, (text, line, code) in cases.items():
        root = _project(tmp_path / name.replace("/", "_"), {name: text})
        result = cli("build", str(root), "-o", str(tmp_path / "x.apkg"))
        assert "Traceback" not in result.stderr
        assert result.returncode == 1, (name, result.stderr)
        shown = f"{root}/cards/{name}:{line}:"
        rows = [row for row in result.stderr.splitlines() if row.startswith(shown)]
        assert len(rows) == 1 and f": error: {code}:" in rows[0], (name, result.stderr)  # once, not once per note


def test_a_stranger_s_template_cannot_run_code_or_read_files(tmp_path: Path) -> None:
    escape = (
        "{% macro front(n) %}{{ n.front.__class__.__mro__[1].__subclasses__() }}{% endmacro %}"
        "{% macro back(n) %}{{ n.back }}{% endmacro %}\n"
    )
    include = "{% include '/etc/passwd' %}{% macro front(n) %}{{ n.front }}{% endmacro %}"
    include += "{% macro back(n) %}{{ n.back }}{% endmacro %}"
    (tmp_path / "secret.html").write_text("SECRET", encoding="utf-8")
    for n, text in enumerate((escape, include)):
        root = _project(tmp_path / f"p{n}", {"fields/concept.html.j2": text})
        summary = build(root, "notes", tmp_path / "x.apkg", now=T0)
        assert summary.exit_code == 1 and any(d.code == "template-error" for d in summary.diagnostics)
    root = _project(tmp_path / "linked")
    (root / "cards" / "basic").mkdir(parents=True)
    (root / "cards" / "basic" / "back.html").symlink_to(tmp_path / "secret.html")
    summary = build(root, "notes", tmp_path / "y.apkg", now=T0)
    assert ("notes/cards/basic/back.html", 1, "template-error") in _codes(summary)


def test_a_misnamed_card_file_is_a_warning_with_the_right_name(tmp_path: Path) -> None:
    root = _project(tmp_path / "notes", {"style.cs": "x", "fields/concept.html": CHAPTER_FRONT})
    summary = build(root, "notes", tmp_path / "x.apkg", now=T0)
    messages = {d.path: d.message for d in summary.diagnostics if d.code == "unknown-template"}
    assert "cards/style.css" in messages["notes/cards/style.cs"]
    assert "cards/fields/concept.html.j2" in messages["notes/cards/fields/concept.html"]
    assert summary.output is not None  # a warning never stops a build


def test_init_templates_copies_what_is_asked_and_never_overwrites(tmp_path: Path) -> None:
    root = _project(tmp_path / "notes", {"style.css": "/* mine */\n"})
    result = cli("init-templates", str(root), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert f"{root}/cards/style.css" in data["kept"] and len(data["written"]) == 11
    assert (root / "cards" / "style.css").read_text(encoding="utf-8") == "/* mine */\n"
    before = build(root, "notes", tmp_path / "a.apkg", now=T0)
    assert before.exit_code == 0 and not before.diagnostics  # the copies are valid templates
    listed = cli("init-templates", str(root), "--list", "--json")
    rows = json.loads(listed.stdout)
    assert all(row["overridden"] for row in rows)
    refused = cli("init-templates", str(root), "--only", "fields/nope.j2")
    assert refused.returncode == 2 and "fields/concept.html.j2" in refused.stderr


def test_init_makes_a_project_that_builds_and_imports(tmp_path: Path, collection: object) -> None:
    for language, prompt in (("zh", "什么是"), ("en", "Define")):
        target = tmp_path / f"course-{language}"
        made = cli("init", str(target), "--language", language)
        assert made.returncode == 0, made.stderr
        assert "anki-build build" in made.stdout and f"cd {target}" in made.stdout
        assert (target / ".gitignore").read_text(encoding="utf-8").strip().endswith("/decks/")
        built = cli("build", "--strict", "--json", cwd=target)
        assert built.returncode == 0, built.stderr
        summary = json.loads(built.stdout)
        assert all(summary["by_kind"][kind] >= 1 for kind in ("concept", "formula", "qa", "cloze", "derivation"))
        deck = Path(summary["output"])
        assert deck.parent == (target / "decks").resolve()
        log = import_apkg(collection, deck)
        assert log["new"] == summary["notes"]
        fronts = [" ".join(collection.get_note(n).fields) for n in collection.find_notes(f'"deck:{target.name}"')]  # type: ignore[attr-defined]
        assert any(prompt in front for front in fronts)
        config = (target / "notes" / "anki-build.toml").read_text(encoding="utf-8")
        assert "namespace = " in config  # the first build wrote the course's namespace
        again = cli("init", str(target))
        assert again.returncode == 1 and "init-refused" in again.stderr
        assert (target / "notes" / "anki-build.toml").read_text(encoding="utf-8") == config  # untouched


def test_the_readme_examples_work_as_written(tmp_path: Path, collection: object) -> None:
    import re

    from conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Card templates") :]
    front = re.search(r"```jinja\n(.*?)```", section, re.S)
    back = re.search(r"`notes/cards/basic/back\.html`:\n\n```html\n(.*?)```", section, re.S)
    assert front and back
    root = _project(tmp_path / "notes", {"fields/concept.html.j2": front[1], "basic/back.html": back[1]})
    summary = build(root, "notes", tmp_path / "deck.apkg", now=T0)
    assert summary.exit_code == 0 and not summary.diagnostics
    import_apkg(collection, tmp_path / "deck.apkg")
    note = collection.get_note(collection.find_notes('"Key:concept:过拟合"')[0])  # type: ignore[attr-defined]
    assert '<div class="ab-my-chapter">03 正则化</div>' in note["Front"] and "什么是" in note["Front"]
    assert '<div class="my-source">03-正则化.md:5</div>' in note.cards()[0].answer()
