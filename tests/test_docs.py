"""The README and the code agree: every config key, kind, rule and diagnostic code the code knows is documented,
and everything the README documents exists.

Diagnostic codes are found by reading the installed package's source with `ast`: every call of a function or
method with a `(…, code, message)` signature (`Report.warning/error/add`, `Diagnostic(…)` and the small `warn`
helpers that pass a code through), with the code argument followed through `x if … else y` and local variables.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import anki_build
from anki_build.config import KINDS, KNOWN, LANGUAGES, load_config
from anki_build.diagnostics import Report
from anki_build.parse.rules import NAMES
from conftest import REPO

PACKAGE = Path(anki_build.__file__).resolve().parent
README = (REPO / "README.md").read_text(encoding="utf-8")
CODE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
# a diagnostic printed directly rather than through a Report (`init` refusing, the console script's last resort)
PRINTED = re.compile(r"(?:^|[\s:])(error|warning): ([a-z][a-z0-9]*(?:-[a-z0-9]+)*): ")


def section(title: str) -> str:
    """The README's `## title` section, up to the next `## ` heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end >= 0 else len(README)]


def table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header


# ---------------------------------------------------------------------------------------------------------
# The code side: which diagnostic codes the package can emit


def _family_values() -> dict[str, set[str]]:
    """Codes built with an f-string, and the values the variable part takes (read from where they come from)."""
    from anki_build.derive.results import TIMEOUT, UNSUPPORTED

    browser = (PACKAGE / "phone" / "browser.py").read_text(encoding="utf-8")
    return {
        # derive/__init__.py: `f"step-{row.verdict}"` for `row.verdict in (UNSUPPORTED, TIMEOUT)`
        "step-{}": {UNSUPPORTED, TIMEOUT},
        # commands/check.py: `f"render-{kind}"` for every problem kind the in-page check script reports
        "render-{}": set(re.findall(r'\bkind: "([a-z-]+)"', browser)),
    }


@dataclass(frozen=True)
class Emitted:
    code: str
    severity: str  # "warning", "error", or "" when it is decided at run time
    where: str


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    names = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
    return names[1:] if names and names[0] in ("self", "cls") else names


def _code_position(node: ast.AST) -> int | bool | None:
    """Where a function or dataclass takes its diagnostic code (`…, code, message`); None if it takes none;
    False if `node` is not something one calls."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        params = _params(node)
    elif isinstance(node, ast.ClassDef) and any("dataclass" in ast.unparse(d) for d in node.decorator_list):
        params = [s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
    else:
        return False
    return params.index("code") if "code" in params and "message" in params else None


Positions = dict[str, set[int | None]]


def _signatures(trees: dict[Path, ast.Module]) -> tuple[dict[Path, Positions], Positions, Positions]:
    """name → code positions (None: a same-named one takes no code) of the functions and dataclasses of each
    module and of the whole package (called as `f(…)`), and of the methods (called as `x.f(…)`)."""
    by_module: dict[Path, Positions] = {}
    functions: Positions = {}
    methods: Positions = {}
    for path, tree in trees.items():
        in_class = {id(f) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for f in c.body}
        for node in ast.walk(tree):
            position = _code_position(node)
            if position is False:
                continue
            name = node.name  # type: ignore[attr-defined]
            if id(node) in in_class and not isinstance(node, ast.ClassDef):
                methods.setdefault(name, set()).add(position)  # type: ignore[arg-type]
            else:
                by_module.setdefault(path, {}).setdefault(name, set()).add(position)  # type: ignore[arg-type]
                functions.setdefault(name, set()).add(position)  # type: ignore[arg-type]
    return by_module, functions, methods


def _enclosing_functions(tree: ast.Module) -> dict[ast.AST, ast.FunctionDef | ast.AsyncFunctionDef | None]:
    owner: dict[ast.AST, ast.FunctionDef | ast.AsyncFunctionDef | None] = {}

    def visit(node: ast.AST, fn: ast.FunctionDef | ast.AsyncFunctionDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            owner[child] = fn
            visit(child, child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else fn)

    visit(tree, None)
    return owner


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _resolve(node: ast.expr, fn: ast.FunctionDef | ast.AsyncFunctionDef | None, families: set[str]) -> set[str] | None:
    """The codes `node` can be; an empty set for a code passed in by the caller; None if it cannot be told."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        a, b = _resolve(node.body, fn, families), _resolve(node.orelse, fn, families)
        return None if a is None or b is None else a | b
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        families.add(pattern)
        return {pattern}
    if fn is not None and isinstance(node, ast.Name):
        values = [
            a.value
            for a in ast.walk(fn)
            if isinstance(a, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)
        ]
        if values:
            found = [_resolve(v, fn, families) for v in values]
            return None if any(f is None for f in found) else set().union(*found)  # type: ignore[misc]
    root = _root_name(node)
    if fn is not None and root is not None and root in [a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)]:
        return set()  # `code` (or `d["code"]`) comes from the caller, whose own call is read where it is
    return None


def emitted_codes() -> tuple[list[Emitted], list[str], set[str]]:
    """Every (code, severity, place) in the package, the places whose code could not be told, and the f-string
    code patterns seen."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in sorted(PACKAGE.rglob("*.py"))}
    by_module, functions, methods = _signatures(trees)
    found: list[Emitted] = []
    unknown: list[str] = []
    families: set[str] = set()
    for path, tree in trees.items():
        rel = path.relative_to(PACKAGE.parent).as_posix()
        owner = _enclosing_functions(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for severity, code in PRINTED.findall(node.value):
                    found.append(Emitted(code, severity, f"{rel}:{node.lineno}"))
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name):
                name = func.id
                # a module's own `warn` is that one (front_matter's takes no code), else an imported one
                positions = by_module.get(path, {}).get(name) or functions.get(name, set())
            elif isinstance(func, ast.Attribute):
                name = func.attr
                positions = methods.get(name, set())
                if None in positions:  # `add` is Report.add, but also Context.add: only on a report
                    positions = positions - {None} if ast.unparse(func.value).lower().endswith("report") else set()
            else:
                continue
            positions = positions - {None}
            if not positions:
                continue
            assert len(positions) == 1, f"{rel}:{node.lineno}: {name}() takes its code in different places"
            (position,) = positions
            keyword = next((k.value for k in node.keywords if k.arg == "code"), None)
            argument = keyword if keyword is not None else (node.args[position] if position < len(node.args) else None)
            if argument is None:
                continue  # `Diagnostic(**data)`: reading back a stored diagnostic
            codes = _resolve(argument, owner.get(node), families)
            if codes is None:
                unknown.append(f"{rel}:{node.lineno}: {ast.unparse(argument)}")
                continue
            severity = {"warning": "warning", "warn": "warning", "_warn": "warning", "error": "error"}.get(name, "")
            if not severity:  # Report.add / Diagnostic(…): the severity argument
                text = " ".join(ast.unparse(a) for a in node.args)
                severity = "error" if "Severity.ERROR" in text else "warning" if "Severity.WARNING" in text else ""
            found += [Emitted(code, severity, f"{rel}:{node.lineno}") for code in codes]
    return found, unknown, families


def source_codes() -> dict[str, set[str]]:
    """code → the severities it is emitted with ("" for one decided at run time)."""
    found, unknown, families = emitted_codes()
    assert not unknown, "cannot tell which diagnostic code these calls emit (teach tests/test_docs.py):\n" + "\n".join(
        unknown
    )
    values = _family_values()
    assert families <= set(values), (
        f"diagnostic codes built from a template the test does not know how to expand: {families - set(values)}"
    )
    from anki_build.commands.check import RENDER_WARNINGS

    codes: dict[str, set[str]] = {}
    for item in found:
        expanded = {item.code.replace("{}", v) for v in values[item.code]} if item.code in values else {item.code}
        for code in expanded:
            assert CODE.fullmatch(code), f"{item.where}: {code!r} is not a kebab-case diagnostic code"
            severity = item.severity
            if not severity and item.code == "render-{}":  # commands/check.py decides by the problem's kind
                severity = "warning" if code.removeprefix("render-") in RENDER_WARNINGS else "error"
            codes.setdefault(code, set()).add(severity)
    return codes


# ---------------------------------------------------------------------------------------------------------
# The README side


def readme_codes() -> dict[str, str]:
    """code → the severity column of its row in the README's Diagnostics table."""
    documented: dict[str, str] = {}
    for row in table_rows(section("Diagnostics")):
        for code in re.findall(r"`([^`]+)`", row[0]):
            assert CODE.fullmatch(code), f"README Diagnostics: {code!r} is not a diagnostic code"
            assert code not in documented, f"README Diagnostics lists {code} twice"
            documented[code] = row[1]
    return documented


def test_the_scanner_finds_the_codes_it_should():
    """A scanner that silently finds nothing would make the tests below pass vacuously."""
    codes = source_codes()
    assert len(codes) > 50
    for code in ("unclosed-math", "notetype-fields-changed", "tex-unsafe", "file-too-large", "derivation-timeout"):
        assert code in codes  # a literal, a variable, a conditional, through a helper
    assert {"render-tex-error", "render-too-wide", "step-unsupported", "init-refused"} <= set(codes)
    assert codes["step-refuted"] == {"warning"} and codes["config-syntax"] == {"error"}


def test_every_diagnostic_code_in_the_code_is_in_the_readme():
    missing = sorted(set(source_codes()) - set(readme_codes()))
    assert not missing, f"diagnostic codes the README's Diagnostics section does not list: {missing}"


def test_every_diagnostic_code_in_the_readme_is_emitted():
    stale = sorted(set(readme_codes()) - set(source_codes()))
    assert not stale, f"the README's Diagnostics section lists codes nothing emits: {stale}"


def test_the_readme_gives_each_code_its_severity():
    documented = readme_codes()
    wrong = {
        code: (sorted(severities), documented[code])
        for code, severities in source_codes().items()
        if code in documented and any(s and s not in documented[code] for s in severities)
    }
    assert not wrong, f"severity in the code vs in the README: {wrong}"


# ---------------------------------------------------------------------------------------------------------
# Configuration


def documented_keys() -> list[str]:
    """The keys the Configuration section documents, one bullet each: `- **`key`**` or `- **`[table]`**`."""
    return re.findall(r"^- \*\*`\[?([A-Za-z0-9_-]+)\]?`\*\*", section("Configuration"), flags=re.M)


def test_every_config_key_is_documented_and_every_documented_key_exists():
    keys = documented_keys()
    assert len(keys) == len(set(keys)), f"a key is documented twice: {keys}"
    undocumented, unknown = sorted(set(KNOWN) - set(keys)), sorted(set(keys) - set(KNOWN))
    assert not undocumented, f"config keys the README's Configuration section does not document: {undocumented}"
    assert not unknown, f"keys the README documents that anki-build.toml does not accept: {unknown}"


def test_the_readme_example_config_is_valid_and_uses_only_known_keys(tmp_path):
    example = re.search(r"```toml\n(.*?)```", section("Configuration"), flags=re.S)
    assert example, "the Configuration section has no ```toml example"
    data = tomllib.loads(example[1])
    assert set(data) <= set(KNOWN)
    (tmp_path / "anki-build.toml").write_text(example[1], encoding="utf-8")
    report = Report()
    config = load_config(tmp_path, "notes", report)
    assert [d.format() for d in report.items] == []
    assert config.kinds == frozenset(k for k in KINDS if data.get("kinds", {}).get(k, True))


def _bullet(key: str) -> str:
    match = re.search(rf"^- \*\*`\[?{key}\]?`\*\*.*?(?=^- |^\S|\Z)", section("Configuration"), flags=re.M | re.S)
    assert match, f"no bullet for {key}"
    return match[0]


def test_the_kinds_and_languages_are_the_ones_the_code_takes():
    kinds = _bullet("kinds")
    missing = [k for k in KINDS if f"`{k}`" not in kinds]
    assert not missing, f"kinds the README's `kinds` bullet does not list: {missing}"
    assert "derivation" in KINDS
    language = _bullet("language")
    assert [v for v in LANGUAGES if f"`{v}`" not in language] == []


def test_the_rules_table_lists_every_rule_in_the_order_they_are_tried():
    start = README.index("### Notes as you already write them: the rules")
    text = README[start : README.index("\n## ", start)]
    rows = table_rows(text[text.index("| rule |") :].split("\n\n", 1)[0])
    table = [re.fullmatch(r"`([a-z-]+)`", row[0])[1] for row in rows]  # type: ignore[index]
    assert table == list(NAMES), "the README's rules table and the registry in anki_build/parse/rules differ"
    assert "#notes-as-you-already-write-them-the-rules" in _bullet("rules")


def test_the_starter_config_mentions_every_key():
    """The README says `init` writes an `anki-build.toml` that lists every key."""
    starter = (PACKAGE / "starter" / "anki-build.toml").read_text(encoding="utf-8")
    mentioned = set(re.findall(r"^[#\s]*\[?([a-z_]+)\]?\s*[=:\s]", starter, flags=re.M))
    assert sorted(set(KNOWN) - mentioned) == []
    assert [k for k in KINDS if not re.search(rf"^# {k} = true$", starter, flags=re.M)] == []


def test_switching_derivations_off_makes_no_derivation_card_and_no_warning(tmp_path):
    """`kinds.derivation = false`, as documented: no derivation cards, and the check comment is not unattached."""
    from anki_build.commands.build import build

    def derivations(kinds: str) -> tuple[int, list[str]]:
        folder = tmp_path / kinds.replace(" ", "") / "notes"
        folder.mkdir(parents=True)
        (folder / "anki-build.toml").write_text(f'deck = "d"\n{kinds}\n', encoding="utf-8")
        (folder / "01.md").write_text(
            "# 一\n\n**术语**：定义。\n\n平方的导数：\n\n<!-- check: x real -->\n$$\n\\frac{d}{dx} x^2 = 2x\n$$\n",
            encoding="utf-8",
        )
        summary = build(folder, "notes", folder.parent / "d.apkg", write_lock=False, check=False)
        assert summary.output is not None
        made = sum(c.get("derivation", 0) for c in summary.by_chapter.values())
        return made, [d.format() for d in summary.diagnostics]

    assert derivations("") == (1, [])
    assert derivations("kinds = { derivation = false }") == (0, [])
