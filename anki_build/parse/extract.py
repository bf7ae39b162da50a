"""The walk that finds notes in one file's syntax tree: each block is offered to the rules in order.

Rules live in :mod:`anki_build.parse.rules`; this module only walks: it keeps the sections and the
`<!-- id -->`, `<!-- check -->` and `<!-- no-cards -->` markers up to date, offers every block to the
enabled rules, descends into lists and quotes nobody claimed, and records what happened for `--explain`.
"""

from __future__ import annotations

import re

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from ..diagnostics import Report
from ..structure import Chapter, Location, Note, SourceFile
from ..structure.notes import walk_with_maps
from .assets import AssetResolver
from .context import Context, Explanation, normalise_key
from .rules import NAMES, RULES, Rule
from .rules.formulas import block_tokens, display_token
from .rules.terms import steps_list
from .tokens import (
    Node,
    inline_children,
    inline_fragment,
    inline_meta_id,
    node_text,
    plain,
    trim,
    with_content,
    without_attributes,
)

__all__ = ["Explanation", "extract", "normalise_key"]

_ID_COMMENT = re.compile(r"<!--\s*id:\s*([\w.-]+)\s*-->")
_ID_ATTR = re.compile(r"\s*\{#([^\W_][\w.-]*)\}")
_CHECK = re.compile(r"^\s*<!--\s*check\b", re.IGNORECASE)
_NO_CARDS = re.compile(r"<!--\s*no-cards\s*-->")
_CARDS = re.compile(r"<!--\s*cards\s*-->")
_QUESTION_RULES = {"heading-question", "heading-asks"}
_STRAY_DOLLAR = re.compile(r"(?<![\\\d])\$(?=[^\s\d$])|(?<![\\$])\$\$(?!\$)")  # `$$` left in text never closed


def take_id(children: list[Token]) -> tuple[list[Token], str | None]:
    """Remove an explicit id (`{#l1-sparsity}` or `<!-- id: l1-sparsity -->`) from inline tokens."""
    found: str | None = None
    out: list[Token] = []
    for token in children:
        if found is None and token.type == "text":
            match = _ID_ATTR.search(token.content)
            if match:
                found = match[1]
                token = with_content(token, token.content[: match.start()] + token.content[match.end() :])
        elif found is None and token.type == "html_inline":
            match = _ID_COMMENT.fullmatch(token.content.strip())
            if match:
                found = match[1]
                continue
        out.append(token)
    return out, found


_ROLE = re.compile(r"(?:\(\s*)?:(label|eqlabel|numref|eqref|ref|cite|citet|citep|width|height|begin_tab|end_tab|tab):$")


def drop_roles(children: list[Token]) -> list[Token]:
    """d2l/Sphinx roles (`:label:`x``, `:numref:`fig_x``, `:cite:`…``) mean nothing on a card: removed."""
    pending = list(children)
    out: list[Token] = []
    while pending:
        token = pending.pop(0)
        match = _ROLE.search(token.content) if token.type == "text" else None
        if not (match and pending and pending[0].type == "code_inline"):
            out.append(token)
            continue
        pending.pop(0)  # the role's argument
        out.append(
            with_content(
                token, token.content[: match.start()].rstrip() if "(" in match[0] else token.content[: match.start()]
            )
        )
        if "(" in match[0] and pending and pending[0].type == "text" and pending[0].content.lstrip()[:1] == ")":
            pending[0] = with_content(pending[0], pending[0].content.lstrip()[1:])
    return [t for t in out if not (t.type == "text" and not t.content)]


def drop_highlights(children: list[Token]) -> list[Token]:
    """d2l marks the text its code cells illustrate as `[**…**]` or `(**…**)`: on a card the marks mean
    nothing, and the bold they use is not the author's emphasis (nor a term to define)."""
    out = list(children)
    i = 1
    while i < len(out):
        before = out[i - 1]
        opens = before.type == "text" and before.content.endswith(("[", "("))
        if out[i].type == "strong_open" and opens and (len(before.content) == 1 or before.content[-2].isspace()):
            closer = "]" if before.content.endswith("[") else ")"
            depth, end = 0, None
            for k in range(i, len(out)):
                depth += {"strong_open": 1, "strong_close": -1}.get(out[k].type, 0)
                if depth == 0:
                    end = k
                    break
            after = out[end + 1] if end is not None and end + 1 < len(out) else None
            closes = after is not None and after.type == "text" and after.content.startswith(closer)
            if end is not None and after is not None and closes and not after.content[1:2].isalnum():
                out[end + 1] = with_content(after, after.content[1:])
                out[i - 1] = with_content(before, before.content[:-1])
                del out[end], out[i]
                continue
        i += 1
    return [t for t in out if not (t.type == "text" and not t.content)]


_WORKED = {"example", "examples", "exercise", "quote", "cite", "bug"}


def _nested_blocks(node: SyntaxTreeNode) -> list[list[SyntaxTreeNode]]:
    if node.type in ("bullet_list", "ordered_list"):
        return [item.children for item in node.children]
    if node.type == "blockquote":
        return [node.children]
    if node.type == "admonition":
        if str((node.meta or {}).get("tag", "")).lower() in _WORKED:
            return []  # a worked example's formulas are one instance, not the formula to learn
        return [[c for c in node.children if c.type != "admonition_title"]]
    return []


def _html_marker(ctx: Context, node: SyntaxTreeNode) -> None:
    text = node.content
    explicit = _ID_COMMENT.search(text)
    if explicit:
        ctx.pending_id = explicit[1]
    if _CHECK.match(text):
        ctx.pending_check = text.strip()
        ctx.pending_check_line = node.map[0] + 1 if node.map else 0
    if _NO_CARDS.search(text):
        ctx.skipping = True
    if _CARDS.search(text):
        ctx.skipping = False


def _heading(ctx: Context, node: SyntaxTreeNode) -> None:
    """Sections nest by level; a question heading is a note, not a section."""
    level = int(node.tag[1])
    ctx.subject = None
    ctx.numbered_points = False
    for deeper in [lv for lv in ctx.sections if lv >= level]:
        del ctx.sections[deeper]
    children = without_attributes(trim(inline_children(node)))
    if level == 1:
        ctx.titles += 1
    later_title = level == 1 and ctx.titles > 1  # a file of several topics: `# Dropout` … `# 批归一化`
    if (level >= 2 or later_title) and not plain(children).endswith(("?", "？")):
        ctx.sections[level] = inline_fragment(children)


def _stray_dollars(ctx: Context, node: SyntaxTreeNode) -> None:
    for token in inline_children(node):
        found = _STRAY_DOLLAR.search(token.content) if token.type == "text" else None
        if found:
            delimiter = found.group()
            probe = token.content[: found.start() + 1][-12:]
            where = ctx.location(node)
            first, last = node.map if node.map else (0, 1)
            for number in range(first, min(last, len(ctx.lines))):
                at = ctx.lines[number].find(probe)
                if at >= 0:
                    where = Location(ctx.file.display, number + 1, at + len(probe))
                    break
            ctx.warn(
                where,
                "unclosed-math",
                f"'{delimiter}' opens math that is never closed; it is shown as a literal '{delimiter}' "
                "(write '\\$' for a dollar sign)",
            )
            return


def _also_inside(
    ctx: Context, nodes: list[SyntaxTreeNode], start: int, end: int, additive: list[Rule], claimed_by: str
) -> None:
    """The blocks a rule took with it (a formula's `其中 $\\alpha$ 是**学习率**`) are still read for the terms
    they name: the rules that look at every block see them too."""
    for j in range(start, min(end, len(nodes))):
        for rule in additive:
            if nodes[j].type in rule.applies_to:
                ctx.rule, ctx.claimed_by = rule.name, claimed_by
                rule.fn(ctx, nodes, j)


_SHOWN_AFTER_COLON = frozenset(
    {"math_block", "math_block_label", "fence", "code_block", "table", "bullet_list", "ordered_list"}
)


def _block_after(nodes: list[SyntaxTreeNode], i: int, line: int) -> SyntaxTreeNode | None:
    """The first block from `nodes[i]` on that starts at or below `line`, climbing out of the last item of a
    list (`- **X**: … Example:` with the code fence written after the list)."""
    for node in nodes[i:]:
        if node.map and node.map[0] >= line:
            return node
    node = nodes[-1].parent if nodes else None
    while node is not None and node.type == "list_item" and node.next_sibling is None and node.parent is not None:
        following = node.parent.next_sibling
        if following is not None:
            return following
        node = node.parent.parent
    return None


def _finish_lead_in(notes: list[Note], nodes: list[SyntaxTreeNode], i: int) -> None:
    """An answer that ends in `公式为：` / `Example:` promises what comes next: the formula, code, table or
    list right after it goes onto the back too, rather than leaving the card on a dangling colon."""
    for note in notes:
        if note.kind.value not in ("concept", "qa") or note.back.inline or not note.back.tokens:
            continue
        tokens = note.back.tokens
        last = next((k for k in range(len(tokens) - 1, -1, -1) if tokens[k].type == "inline"), None)
        if last is None or not tokens[last].content.rstrip().endswith((":", "：")):
            continue
        if any(t.nesting != -1 for t in tokens[last + 1 :]):
            continue  # the colon's paragraph is not the last block: what it announced is already there
        ends = [t.map[1] for t in note.back.tokens if t.map]
        following = _block_after(nodes, i + 1, max(ends)) if ends else None
        if following is not None and (following.type in _SHOWN_AFTER_COLON or display_token(following) is not None):
            note.back.tokens = [*note.back.tokens, *block_tokens(following)]


def walk(ctx: Context, nodes: list[SyntaxTreeNode]) -> None:
    """Offer each block to the rules; the first enabled rule that claims it wins."""
    rules = [rule for rule in RULES if rule.name in ctx.rules and not rule.also]
    additive = [rule for rule in RULES if rule.name in ctx.rules and rule.also]
    previous_outer = ctx.previous
    ctx.previous = None
    i = 0
    while i < len(nodes):
        node = nodes[i]
        kind = node.type  # a property, computed on every access
        if ctx.answer_until is node:  # a question heading's answer ends at a question written below it
            ctx.answering, ctx.question, ctx.answer_until = False, "", None
        if kind == "html_block":
            _html_marker(ctx, node)
            end = None
            for rule in rules if not ctx.skipping else ():
                if kind in rule.applies_to:  # `<details><summary>…`
                    ctx.rule = rule.name
                    end = rule.fn(ctx, nodes, i)
                    if end is not None:
                        break
            ctx.rule = ""
            if end is not None:
                ctx.previous = None
            i = end if end is not None else i + 1
            continue
        ctx.block_check, ctx.pending_check = ctx.pending_check, ""
        ctx.block_check_line, ctx.pending_check_line = ctx.pending_check_line, 0
        if ctx.skipping:
            i += 1
            continue
        if kind == "heading":
            _heading(ctx, node)
        if kind in ("paragraph", "heading"):
            ctx.pending_id = inline_meta_id(node) or ctx.pending_id
        if kind == "paragraph":
            _stray_dollars(ctx, node)
        end = None
        made = len(ctx.notes)
        for rule in rules:
            if kind in rule.applies_to:
                ctx.rule = rule.name
                end = rule.fn(ctx, nodes, i)
                if end is not None:
                    break
        claimed_by = ctx.rule if end is not None else ""
        ctx.claimed_by = claimed_by
        if not claimed_by.startswith("skip-"):
            for rule in additive:
                if kind in rule.applies_to:
                    ctx.rule = rule.name
                    if rule.fn(ctx, nodes, i) is not None and end is None:
                        end, claimed_by = i + 1, rule.name
        if end is not None and end > i + 1 and not claimed_by.startswith("skip-"):
            _also_inside(ctx, nodes, i + 1, end, additive, claimed_by)
        if len(ctx.notes) > made:
            _finish_lead_in(ctx.notes[made:], nodes, i)
        ctx.rule = claimed_by
        if kind == "heading":
            ctx.answering = claimed_by in _QUESTION_RULES or claimed_by == "facet"
            ctx.question = node_text(node) if claimed_by in _QUESTION_RULES else ""
            ctx.points_only = claimed_by == "facet"
        ctx.rule = ""
        if end is None:
            nested = _nested_blocks(node)
            answering, points_only = ctx.answering, ctx.points_only
            ctx.answering = answering or id(node) in ctx.points or id(node) in ctx.answers
            ctx.points_only = points_only or id(node) in ctx.points or steps_list(node)
            for children in nested:
                if children and id(children[0].parent) in ctx.claimed_items:
                    continue  # `- 答：…`: the answer of the item before it
                walk(ctx, children)
            ctx.answering, ctx.points_only = answering, points_only
            if not nested and kind in ("paragraph", "heading") and node.map:
                ctx.explain(node.map[0] + 1, "no rule made a note from this block", rule="")
            end = i + 1
        ctx.previous = node if kind == "paragraph" else None
        ctx.previous_rule = claimed_by if kind == "paragraph" else ""
        if not (kind == "paragraph" and end < len(nodes) and display_token(nodes[end]) is not None):
            ctx.pending_id = None  # an id labels the note of its own block (or the formula after it)
        if end > i + 1:
            ctx.previous = None
        i = end
    ctx.previous = previous_outer


_EXPLICIT = {rule.name for rule in RULES if rule.explicit}
_FAMILY = {"concept": "know", "qa": "know", "cloze": "cloze", "formula": "math", "derivation": "math"}
_ALIAS = re.compile(r"[(（][^()（）]*[)）]")


def _formula_of(note: Note) -> str | None:
    """The formula a note asks for, normalised, when its back is that formula and little else."""
    tokens = [token for token, _ in walk_with_maps(note.back.tokens)]
    maths = [t.content for t in tokens if t.type.startswith("math")]
    if len(maths) != 1:
        return None
    words = "".join(t.content for t in tokens if t.type == "text")
    if len(re.sub(r"[\s,，.。;；:：]", "", words)) > 12:
        return None
    return normalise_tex(maths[0]) or None


def normalise_tex(tex: str) -> str:
    """TeX as a reader compares it: fonts, spacing, sizing and `\\mid`/`|` do not make another formula."""
    tex = re.sub(r"\\(?:boldsymbol|mathbf|bm|mathrm|mathit|text|operatorname|displaystyle|textstyle)\b", "", tex)
    tex = re.sub(r"\\[dt]frac\b", r"\\frac", tex).replace("\\mid", "|").replace("\\vert", "|")
    return re.sub(r"\s+|\\[,;:! ]|\\(?:left|right|big|Big|bigg|Bigg)\b|[{}&]|\\(?:quad|qquad)\b", "", tex)


def _without_repeats(ctx: Context) -> list[Note]:
    """A heuristic note that repeats one the author wrote (or an earlier heuristic one) is dropped, and so is
    a formula shown again (a recap list `- 状态更新：$…$`, the same display block twice)."""
    seen: set[tuple[str, str]] = set()
    formulas: set[str] = set()
    shown = [
        normalise_tex(t.content)
        for n in ctx.notes
        if n.kind.value in ("formula", "derivation")
        for t, _ in walk_with_maps(n.back.tokens)
        if t.type == "math_block"
    ]
    ordered = sorted(ctx.notes, key=lambda n: n.rule not in _EXPLICIT)  # explicit notes claim their term first
    keep: set[int] = set()
    for note in ordered:
        text = note.front.plain() if note.front is not None else note.key
        core = (_FAMILY[note.kind.value], normalise_key(_ALIAS.sub(" ", text)) or note.key)
        formula = _formula_of(note) if note.kind.value in ("formula", "concept") and not note.explicit_id else None
        written = note.rule in _EXPLICIT and note.rule != "display-formula"
        recap = note.rule != "display-formula" and len(formula or "") >= 12
        again = formula is not None and (formula in formulas or (recap and any(formula in b for b in shown)))
        if again and not written:
            ctx.explain(note.location.line, f"{note.kind} note '{core[1][:40]}' shows a formula again; dropped")
        elif written or note.explicit_id or core not in seen or note.rule == "display-formula":
            keep.add(id(note))
            seen.add(core)
        else:
            ctx.explain(note.location.line, f"{note.kind} note '{core[1][:40]}' repeats another note; dropped")
        if formula is not None:
            formulas.add(formula)
    return [n for n in ctx.notes if id(n) in keep]


_ADDITIVE = {rule.name for rule in RULES if rule.also}


def _span(note: Note) -> tuple[int, int]:
    lines = [m for _, m in walk_with_maps(note.back.tokens) if m]
    return (min(m[0] for m in lines) + 1, max(m[1] for m in lines)) if lines else (0, -1)


def _core(text: str) -> str:
    return normalise_key(_ALIAS.sub(" ", text)).replace(" ", "")


def _without_echoes(ctx: Context) -> list[Note]:
    """A term found inside prose that another card already shows and names (`模型的偏差是指……` under
    `- 偏差(Bias)`, `参数量指的是……` answering `模型的参数量指的是什么？`) repeats that card: dropped."""
    spans = [(n, _span(n), _core(n.front.plain()) if n.front is not None else "") for n in ctx.notes]
    drop: set[int] = set()
    for note in ctx.notes:
        if note.rule not in _ADDITIVE or note.front is None:
            continue
        term = _core(note.front.plain())
        for other, (first, last), name in spans:
            umbrella = other.rule == "heading-topic"  # "explain X and Y" does not define X
            if (
                other is note
                or other.rule in _ADDITIVE
                or umbrella
                or not name
                or not first <= note.location.line <= last
            ):
                continue
            if term and (term in name or term.endswith(name)):
                ctx.explain(note.location.line, f"'{note.key[:40]}' is shown and named on another card; dropped")
                drop.add(id(note))
                break
    return [n for n in ctx.notes if id(n) not in drop]


def _unused_checks(ctx: Context, tokens: list[Token]) -> None:
    """A check comment that made no derivation checks nothing: say so, never drop it silently."""
    for token in tokens:
        if token.type != "html_block" or not _CHECK.match(token.content) or not token.map:
            continue
        line = token.map[0] + 1
        if line not in ctx.checks_used and not ctx.skipping:
            ctx.warn(
                Location(ctx.file.display, line, 1),
                "check-unattached",
                "this check comment checks nothing: put it on the line right before the display block "
                "($$ … $$) it is for, outside a question's answer",
            )


def extract(
    file: SourceFile,
    chapter: Chapter,
    tokens: list[Token],
    report: Report,
    assets: AssetResolver,
    kinds: frozenset[str],
    rules: frozenset[str] = frozenset(NAMES),
    language: str = "zh",
    explanations: list[Explanation] | None = None,
) -> list[Note]:
    ctx = Context(
        file=file,
        chapter=chapter,
        lines=file.text.split("\n"),
        report=report,
        assets=assets,
        kinds=kinds,
        rules=rules,
        language=language,
    )
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children, found = take_id(drop_highlights(drop_roles(token.children)))
            if found:
                token.meta["id"] = found
    walk(ctx, Node(tokens).children)
    _unused_checks(ctx, tokens)
    ctx.notes = _without_echoes(ctx)
    ctx.notes = _without_repeats(ctx)
    if explanations is not None:
        explanations.extend(ctx.explanations)
    return ctx.notes
