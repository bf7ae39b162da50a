"""Random bytes and random structures in every input file never produce a traceback, or a deck Anki rejects.

Each input kind (a notes file, `anki-build.toml`, `anki-build.lock`, the derivation cache and the
`check` memo) gets at least 2,000 examples (`ANKI_BUILD_FUZZ_EXAMPLES` raises or lowers it). A build
must return diagnostics, never raise, never fall back on its internal-error net, and every deck it
writes must hold notes with exactly the note type's number of fields.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_tree

EXAMPLES = int(os.environ.get("ANKI_BUILD_FUZZ_EXAMPLES", "2000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Pieces of real note syntax, recombined at random: the parser's rules meet each other in odd orders.
PIECES = [
    "# 第一章",
    "## 小节",
    "### 为什么？",
    "### 1.2.3 什么是 X",
    "**过拟合**：模型记住了噪声。",
    "**术语：**定义",
    "- **Dropout**: 随机丢弃",
    "Term :: sentence",
    "Epoch\n: 一轮",
    "Q: 为什么？",
    "A: 因为。",
    "问：怎么办？",
    "答：这样。",
    "==高亮==",
    "{{c1::已有}}",
    "$x^2$",
    "$$",
    "$$ a = b $$",
    "\\[",
    "\\]",
    "\\(a\\)",
    "\\begin{aligned}",
    "a &= b \\\\",
    "\\end{aligned}",
    "<!-- check: x real -->",
    "<!-- id: abc -->",
    "<!-- no-cards -->",
    "<!-- cards -->",
    "{#my-id}",
    "[[链接]]",
    "![[图.png]]",
    "![[图.png|300]]",
    "![alt](a.png)",
    "![x](//host/x.png)",
    "![y](../../etc/passwd.png)",
    '<img src="a.png" onerror="alert(1)">',
    "<img ",
    "<div>",
    "</div>",
    "<script>alert(1)</script>",
    "| a | b |",
    "| - | - |",
    "> 引用",
    "```python",
    "```",
    "    缩进代码",
    "---",
    "tags: [a, b]",
    "deck: 别的",
    "chapter: 3",
    "cards: false",
    "\\href{javascript:alert(1)}{x}",
    "\\def\\x{y}",
    "\\bbox[border:url(x)]{y}",
    "\\unicode[f]{x41}",
    "&#92;(x&#92;)",
    "[sound:x.mp3]",
    "\x1f",
    "\x00",
    "\u200b",
    "\ufeff",
    "\r\n",
    "\t",
    "*",
    "_",
    "`",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    "|",
    "!",
    "<",
    ">",
    "&",
]
pieces = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=40)
markdown = pieces.map(lambda parts: "\n".join(parts))
notes_bytes = st.one_of(
    st.binary(max_size=3000),
    markdown.map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    markdown.map(lambda t: t.encode("utf-16", errors="surrogatepass")),
    markdown.map(lambda t: t.encode("gb18030", errors="replace")),
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=30,
)


def _toml_value(value: object) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if value == value and abs(value) != float("inf") else "nan"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


KEYS = ["deck", "language", "namespace", "chapters", "kinds", "tags", "exclude", "max_image_mb", "languag", "kinds.qa"]
toml_documents = st.lists(
    st.tuples(st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8)), json_values), max_size=8
).map(lambda items: "\n".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in items))
config_bytes = st.one_of(
    st.binary(max_size=500),
    toml_documents.map(str.encode),
    st.lists(st.sampled_from(["[kinds]", "[foo]", "[[x]]", "qa = true", "bogus = 1", 'deck = "D"', "= =", "a.b = 1"]))
    .map("\n".join)
    .map(str.encode),
)

SAMPLE = write_tree(
    Path(tempfile.mkdtemp(prefix="anki-build-fuzz-")),
    {
        "01-a.md": "# 一\n\n**过拟合**：记住了噪声。\n\nQ: 为什么？\nA: 因为。\n\n==高亮== 的句子。\n\n$$x^2$$\n",
        "02-b.md": "# 二\n\n推导：\n\n<!-- check: x real -->\n$$\n\\begin{aligned}\n(x+1)^2 &= x^2 + 2x + 1\n"
        "\\end{aligned}\n$$\n",
    },
)


def _valid_lock() -> dict[str, object]:
    from anki_build.commands.build import build

    root = Path(tempfile.mkdtemp()) / "notes"
    shutil.copytree(SAMPLE, root)
    build(root, "notes", root.parent / "o.apkg", check=False)
    return json.loads((root / "anki-build.lock").read_text(encoding="utf-8"))


def _mutations(valid: object) -> st.SearchStrategy[object]:
    """A valid document with one subtree (found by a random path) replaced by a random value."""

    @st.composite
    def mutate(draw: st.DrawFn) -> object:
        doc = json.loads(json.dumps(valid))
        node = doc
        for _ in range(draw(st.integers(0, 4))):
            if isinstance(node, dict) and node:
                key = draw(st.sampled_from(sorted(node)))
                if not isinstance(node[key], dict | list) or draw(st.booleans()):
                    node[key] = draw(json_values)
                    return doc
                node = node[key]
            elif isinstance(node, list) and node:
                node[draw(st.integers(0, len(node) - 1))] = draw(json_values)
                return doc
        return doc

    return mutate()


def _check_deck(path: Path | None) -> None:
    """Every note of a written deck has exactly its note type's fields (Anki rejects anything else)."""
    if path is None:
        return
    with zipfile.ZipFile(path) as archive:
        data = archive.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    conn.deserialize(data)
    for (flds,) in conn.execute("select flds from notes"):
        assert flds.count("\x1f") in (5, 6), flds[:80]
    conn.close()


def _build_and_check(root: Path) -> None:
    from anki_build.commands.build import build

    summary = build(root, "notes", root.parent / "out.apkg", check=False)
    internal = [d.format() for d in summary.diagnostics if d.code == "internal-error"]
    assert not internal, internal
    _check_deck(summary.output)


@FUZZ
@given(notes_bytes)
def test_any_notes_file_gives_diagnostics_not_a_traceback(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "notes"
        shutil.copytree(SAMPLE, root)
        (root / "03-fuzz.md").write_bytes(data)
        _build_and_check(root)


@FUZZ
@given(config_bytes)
def test_any_config_gives_diagnostics_not_a_traceback(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "notes"
        shutil.copytree(SAMPLE, root)
        (root / "anki-build.toml").write_bytes(data)
        _build_and_check(root)


VALID_LOCK = _valid_lock()
lock_bytes = st.one_of(
    st.binary(max_size=500),
    json_values.map(lambda v: json.dumps(v).encode()),
    _mutations(VALID_LOCK).map(lambda v: json.dumps(v).encode()),
    st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n),
)


@FUZZ
@given(lock_bytes)
def test_any_lock_gives_diagnostics_not_a_traceback(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "notes"
        shutil.copytree(SAMPLE, root)
        (root / "anki-build.lock").write_bytes(data)
        _build_and_check(root)


def _cached_result() -> tuple[dict[str, object], object]:
    """A real cache entry of the sample's derivation, and the block it belongs to."""
    from anki_build.config import load_config
    from anki_build.derive import derivation_blocks
    from anki_build.derive.worker import _relative
    from anki_build.diagnostics import Report
    from anki_build.parse import parse_project

    report = Report()
    project = parse_project(SAMPLE, "notes", load_config(SAMPLE, "notes", report), report)
    [(_, block)] = derivation_blocks(project)
    row = {
        "line": block.line + 3,
        "text": "x",
        "verdict": "proved",
        "detail": "",
        "counterexample": {},
        "depends_on_refuted": None,
        "seconds": 0.1,
    }
    return _relative({"path": block.path, "line": block.line, "error": "", "rows": [row]}, block), block


CACHED, BLOCK = _cached_result()
cache_entries = st.one_of(json_values, _mutations(CACHED))


@FUZZ
@given(cache_entries, st.sampled_from(["derivations.json", "check-projects.json"]))
def test_any_cache_entry_is_used_only_when_valid(entry: object, name: str) -> None:
    """The caches are read, looked up and turned into cards without a traceback, whatever they hold."""
    from anki_build.commands.check import _remembered
    from anki_build.derive.results import BlockResult
    from anki_build.derive.worker import Checker, _rebase, _usable, load_json_cache

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / name
        path.write_text(json.dumps({BLOCK.cache_key("v"): entry, "other": entry}), encoding="utf-8")
        loaded = load_json_cache(path)
        assert isinstance(loaded, dict)
        if name == "check-projects.json":
            _remembered(loaded.get(BLOCK.cache_key("v")))
            return
        usable = _usable(loaded.get(BLOCK.cache_key("v")), BLOCK)
        if usable is not None:
            result = BlockResult.from_json(_rebase(usable, BLOCK))
            _render_derivation_card(result)
        checker = Checker(cache=Path(scratch))
        assert isinstance(checker.cache, dict)


def _render_derivation_card(result: object) -> None:
    from anki_build.config import load_config
    from anki_build.diagnostics import Report
    from anki_build.parse import parse_project
    from anki_build.render import render_project

    report = Report()
    project = parse_project(SAMPLE, "notes", load_config(SAMPLE, "notes", report), report)
    key = next(n.key for n in project.notes if n.kind == "derivation")
    deck = render_project(project, report, {key: result})  # type: ignore[dict-item]
    assert not [d for d in report.items if d.code == "internal-error"]
    assert all("\x1f" not in value for note in deck.notes for value in note.fields.values())


def test_a_damaged_cache_file_costs_only_time(tmp_path: Path) -> None:
    """End to end, once per damage: `check` and `build` with a garbage cache still check and build."""
    from anki_build.commands.build import build
    from anki_build.commands.check import check

    root = tmp_path / "notes"
    shutil.copytree(SAMPLE, root)
    for garbage in (b"\xff\xfe", b"[1, 2]", json.dumps({BLOCK.cache_key("x"): {"rows": "no"}}).encode(), b"{" * 9000):
        cache = tmp_path / f"cache-{len(garbage)}"
        cache.mkdir()
        (cache / "derivations.json").write_bytes(garbage)
        (cache / "check-projects.json").write_bytes(garbage)
        summary = check(root, "notes", cache=cache)
        assert summary.counts().get("proved", 0) >= 1, [d.format() for d in summary.diagnostics]
        os.environ["ANKI_BUILD_CACHE_DIR"], previous = str(cache), os.environ.get("ANKI_BUILD_CACHE_DIR", "")
        try:
            built = build(root, "notes", tmp_path / "o.apkg")
        finally:
            os.environ["ANKI_BUILD_CACHE_DIR"] = previous
        assert built.output is not None and not [d for d in built.diagnostics if d.code == "internal-error"]
        _check_deck(built.output)
        assert io.BytesIO(built.output.read_bytes()).getbuffer().nbytes > 0
