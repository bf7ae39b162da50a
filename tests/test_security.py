"""Hostile notes cannot put anything live on a card: no network URL, no handler, no script URL, no unsafe TeX.

Every vector of `hostile_inputs.py` (HTML, URL, markdown, MathJax, delimiter, Anki and path tricks,
with their obfuscations) is built into one deck; each field is then read the way a browser and
MathJax read it and checked for anything that could run or load.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hostile_inputs import GROUPS, VECTORS

from conftest import write_tree

# What a card may contain; everything else found in a field is a failure of the sanitiser.
SAFE_TAGS = {
    *("a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em"),
    *("figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark"),
    *("ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot"),
    *("th", "thead", "tr", "u", "ul"),
}
SAFE_ATTRIBUTES = {"class", "title", "lang", "dir", "alt", "width", "height", "colspan", "rowspan", "start", "style"}
# TeX commands that make links, styles, classes, ids, attributes, loads, definitions, options or interaction.
UNSAFE_TEX = re.compile(
    r"\\(href|class|cssId|style|data|attr|mmlToken|require|unicode|setOptions|mathtoolsset|usetagform|toggle|"
    r"endtoggle|mathtip|texttip|g?def|edef|xdef|let|newcommand|renewcommand|providecommand|newenvironment|"
    r"renewenvironment|DeclareMathOperator|Newextarrow|definecolor|DeclarePairedDelimiter\w*|newtagform)(?![A-Za-z])"
)
NETWORK = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|[\\/]{2})", re.IGNORECASE)
# Vectors whose text only *looks* like a delimiter: they must give no live math at all. (`<span>\(</span>x\)` is
# not among them: the author wrote both delimiters, so it is a formula whose TeX happens to hold `</span>`.)
NO_MATH = {
    "delim_entity_dec_paren",
    "delim_entity_bsol_paren",
    "delim_double_backslash_paren",
    "delim_inline_code_paren",
    "delim_entity_hex_bracket",
    "delim_entity_dec_bracket",
    "delim_entity_upper_hex",
    "delim_entity_no_semicolon",
    "delim_entity_zero_padded",
    "delim_double_encoded",
    "delim_entity_with_href",
    "delim_entity_bsol_with_style",
    "delim_double_backslash_bracket",
    "delim_bold_split_paren",
    "delim_inline_code_bracket",
    "delim_inline_code_dollar",
    "delim_fenced_code",
    "delim_indented_code",
    "delim_escaped_dollar",
    "delim_dollar_prices",
    "delim_attr_title",
    "delim_img_alt",
    "delim_html_comment",
    "delim_entity_in_code",
    "delim_fullwidth_backslash",
}


class FieldReader(HTMLParser):
    """Reads a field as a browser does, and collects the strings MathJax would search for math."""

    SKIP = frozenset({"pre", "code"})  # MathJax's skipHtmlTags that can occur on a card

    def __init__(self, media: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.media = media
        self.problems: list[str] = []
        self.strings: list[str] = [""]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name == "src":
                if tag != "img" or value not in self.media:
                    self.problems.append(f"{tag} src={value!r} is not a media file of the deck")
            elif name not in SAFE_ATTRIBUTES:
                self.problems.append(f"attribute {name}={value!r} on <{tag}>")
            elif name == "style" and re.search(r"url|expression|image|@|\\|\(", value, re.IGNORECASE):
                self.problems.append(f"style {value!r}")
            if name != "alt" and name != "title" and NETWORK.match(value):
                self.problems.append(f"{name}={value!r} looks like a URL")
        if tag in self.SKIP:
            self.skipping += 1
        if tag == "br":
            self.strings[-1] += "\n"
        else:
            self.strings.append("")  # MathJax ends a string at any element but br/wbr

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        self.strings.append("")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.strings[-1] += data

    def live_math(self) -> list[str]:
        """The TeX MathJax would typeset, found as its FindTeX does (the end delimiter counts only outside braces)."""
        found = []
        for text in self.strings:
            for start in re.finditer(r"\\[(\[]", text):
                close = "\\)" if start[0] == "\\(" else "\\]"
                braces, end = 0, None
                for token in re.finditer(re.escape(close) + r"|\\(?:[a-zA-Z]|.)|[{}]", text[start.end() :]):
                    if token[0] == close and braces == 0:
                        end = token.start()
                        break
                    braces += {"{": 1, "}": -1 if braces else 0}.get(token[0], 0)
                found.append(text[start.end() : start.end() + end] if end is not None else text[start.end() :])
        return found


def field_problems(value: str, media: set[str], *, expect_math: bool) -> list[str]:
    reader = FieldReader(media)
    reader.feed(value)
    reader.close()
    problems = list(reader.problems)
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", value):
        problems.append("a control character")
    if re.search(r"\[sound:|\[anki:|\[/?latex\]|\[/?\$\$?\]", value, re.IGNORECASE):
        problems.append("Anki media/LaTeX syntax Anki would act on")
    for tex in reader.live_math():
        if not expect_math:
            problems.append(f"live math from text: {tex!r}")
        elif hazard := UNSAFE_TEX.search(tex):
            problems.append(f"unsafe TeX {hazard[0]} in {tex!r}")
        for command, argument in re.findall(r"\\(bbox|enclose)\s*(\[[^\]]*\]|\{[^}]*\}\s*\[[^\]]*\])", tex):
            problems.append(f"\\{command} with attributes {argument!r}")
        for argument in re.findall(r"\\(?:color|textcolor|colorbox|fcolorbox)\s*\{([^}]*)\}", tex):
            if re.search(r"[;:()/]", argument):
                problems.append(f"colour {argument!r}")
    return problems


@pytest.fixture(scope="module")
def hostile_deck(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[dict[str, str]]], set[str], object]:
    """All vectors as one project (a file each, plus a harmless image they may point at), built once."""
    from anki_build.commands.build import build

    root = tmp_path_factory.mktemp("hostile") / "notes"
    files: dict[str, str | bytes] = {f"{vid}.md": text for vid, text in VECTORS}
    files["a.png"] = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    files["diagram.png"] = files["a.png"]
    write_tree(root, files)
    (tmp_path_factory.getbasetemp() / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\nSECRET")
    summary = build(root, "notes", root.parent / "out" / "hostile.apkg", check=False)
    assert summary.output is not None, [d.format() for d in summary.diagnostics if d.severity == "error"]
    return _fields_by_vector(summary.output), _media_names(summary.output), summary


def _fields_by_vector(apkg: Path) -> dict[str, list[dict[str, str]]]:
    import sqlite3
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(apkg) as archive:
        archive.extract("collection.anki2", scratch)
        conn = sqlite3.connect(Path(scratch) / "collection.anki2")
        rows = conn.execute("select flds from notes").fetchall()
        conn.close()
    by_vector: dict[str, list[dict[str, str]]] = {}
    for (flds,) in rows:
        values = flds.split("\x1f")
        names = ["Key", "Front", "Back", "Extra", "Context", "Source", "Kind"]
        if len(values) == 6:
            names = ["Key", "Text", "Extra", "Context", "Source", "Kind"]
        assert len(values) == len(names), f"a note has {len(values)} fields: {values[:2]}"
        fields = dict(zip(names, values, strict=True))
        by_vector.setdefault(fields["Source"].split(".md:")[0], []).append(fields)
    return by_vector


def _media_names(apkg: Path) -> set[str]:
    import json
    import zipfile

    with zipfile.ZipFile(apkg) as archive:
        return set(json.loads(archive.read("media")).values())


def test_at_least_sixty_hostile_vectors_of_every_kind() -> None:
    assert len(VECTORS) >= 60
    assert {name: len(ids) > 0 for name, ids in GROUPS.items()} == dict.fromkeys(GROUPS, True)


def test_no_field_of_any_hostile_vector_holds_anything_live(hostile_deck) -> None:
    by_vector, media, _ = hostile_deck
    failures = {}
    for vid, _ in VECTORS:
        for fields in by_vector.get(vid, []):
            for name, value in fields.items():
                problems = field_problems(value, media, expect_math=vid not in NO_MATH)
                if problems:
                    failures[f"{vid}/{name}"] = problems
    assert not failures, "\n".join(f"{k}: {v}" for k, v in list(failures.items())[:40])


def test_hostile_vectors_still_make_their_cards(hostile_deck) -> None:
    """The sanitiser removes what is dangerous, not the notes: nearly every vector still gives a card."""
    by_vector, _, _ = hostile_deck
    missing = [vid for vid, _ in VECTORS if vid not in by_vector]
    assert len(missing) <= len(VECTORS) // 20, missing


def test_nothing_outside_the_notes_folder_is_shipped(hostile_deck) -> None:
    import zipfile

    _, _, summary = hostile_deck
    with zipfile.ZipFile(summary.output) as archive:
        blobs = [archive.read(name) for name in archive.namelist() if name.isdigit()]
    assert all(b"SECRET" not in blob and b"root:" not in blob for blob in blobs)
    codes = {d.code for d in summary.diagnostics}
    assert {"image-remote", "image-outside-root", "tex-unsafe", "tex-definition", "control-character"} <= codes


def test_every_unsafe_tex_command_is_warned_about_at_its_line(hostile_deck) -> None:
    by_vector, _, summary = hostile_deck
    warned = {(d.path, d.line) for d in summary.diagnostics if d.code in ("tex-unsafe", "tex-definition")}
    for vid, text in VECTORS:
        if not vid.startswith("mj_") or vid not in by_vector or vid.endswith("_leak"):
            continue  # (the `_leak` vectors put the command in prose, where it is only text)
        lines = [n for n, line in enumerate(text.split("\n"), 1) if UNSAFE_TEX.search(line)]
        if lines:
            assert any((f"notes/{vid}.md", n) in warned for n in lines), vid


def test_an_image_warning_points_at_the_image_itself(notes) -> None:
    from conftest import parse

    root = notes({"01.md": "# T\n\n**卷积核**：第一行\n  第二行 ![x](//host/x.png) 和 ![y](../../y.png)\n"})
    _, report = parse(root)
    found = {(d.code, d.line, d.col) for d in report.items}
    assert ("image-remote", 4, 7) in found and ("image-outside-root", 4, 28) in found


def test_a_windows_path_is_outside_the_root_not_remote(notes) -> None:
    from conftest import parse

    root = notes({"01.md": "**卷积核**：![a](C:\\Windows\\win.ini) ![b](C:/x.png) <img src='D:\\y.png'>\n"})
    _, report = parse(root)
    assert [d.code for d in report.items] == ["image-outside-root"] * 3


@pytest.mark.parametrize(
    "field, expect_math",
    [
        ('<img src="//host/x.png">', True),
        ('<img src="ok.png" onerror="alert(1)">', True),
        ('<a href="javascript:alert(1)">x</a>', True),
        ('<span style="background:url(//h/x)">x</span>', True),
        ("<svg></svg>", True),
        (r"\(\href{javascript:alert(1)}{x}\)", True),
        (r"\(\bbox[background:url(//h/x)]{x}\)", True),
        ("&#92;(x&#92;)", False),
        ("[sound:x.mp3]", True),
        ("a\x1fb", True),
    ],
)
def test_the_field_check_catches_each_kind_of_leak(field: str, expect_math: bool) -> None:
    """The check above can fail: each of these fields, written by hand, is flagged."""
    assert field_problems(field, {"ok.png"}, expect_math=expect_math)
