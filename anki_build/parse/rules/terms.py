"""Heuristic rules for terms and questions as people write them without any card syntax.

They run after the explicit rules and the guards, and each one insists on the shape it expects: a
short term, a real definition, a heading that names something. A block they decline stays prose;
`--explain` says why.
"""

from __future__ import annotations

import re

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from ...structure import NoteKind
from ..context import Context
from ..tokens import (
    COLONS,
    blocks_of,
    inline_children,
    leading_bold,
    only_images,
    paragraph_tokens,
    plain,
    split_lines,
    text_token,
    trim,
    with_content,
)
from .explicit import section_end
from .words import NUMBERING, bare, generic, question_like, term_like, word_set

_CUE = re.compile(
    r"^\s*(?:[(（][^()（）]{0,60}[)）]\s*)?(?:[-—–]\s|[,，]\s*(?:又称|也称|也叫|即|简称|or\b|also\b)|"
    r"是指|指的是|指|是|就是|即|表示|定义为|被定义为|称为|被称为|叫做|也称为|又称|也叫|用于|用来|"
    r"is\b|are\b|refers to|means|denotes|is defined as|represents|describes|stands for|describe)",
    re.IGNORECASE,
)
_DEFINITION_START = re.compile(
    r"是指|指的是|是一种|是一个|是用|是将|是对|就是|即|表示|定义为|称为|用于|用来|"
    r"\bis\b|\bare\b|\brefers to\b|\bmeans\b|\bdenotes\b|\bdefined as\b|\bdescribes\b",
    re.IGNORECASE,
)
_NAMED = re.compile(
    r"(?:称(?:之|其|此类任务|该方面的信息|这种|这类|它)?(?:为|作)|叫做|所谓|被称为|记作|简称)\s*[\"“「『]([^\"”」』]{1,24})[\"”」』]"
)
_MAX_TERM_CJK = 16
_MAX_ANSWER_BLOCKS = 6


def _split_at_colon(line: list[Token]) -> tuple[list[Token], list[Token]] | None:
    """`术语：定义` → (term tokens, definition tokens); the colon is in a text token, outside any bold."""
    depth = 0
    for n, token in enumerate(line):
        if token.type in ("strong_open", "em_open"):
            depth += 1
        elif token.type in ("strong_close", "em_close"):
            depth -= 1
        elif token.type == "text" and depth == 0:
            at = min((token.content.find(c) for c in COLONS if c in token.content), default=-1)
            if at >= 0:
                term = [*line[:n], with_content(token, token.content[:at])]
                rest = [with_content(token, token.content[at + 1 :]), *line[n + 1 :]]
                return trim(term), trim(rest)
        elif token.type not in ("text", "code_inline", "math_inline", "math_inline_double", "softbreak"):
            return None
    return None


def _term_tokens(term: list[Token]) -> list[Token]:
    """The term without numbering (`1.`, `（7）`) or a trailing `定义`/`的定义`."""
    if term and term[0].type == "text":
        term = [with_content(term[0], NUMBERING.sub("", term[0].content)), *term[1:]]
    if term and term[-1].type == "text":
        term = [*term[:-1], with_content(term[-1], re.sub(r"(?:的)?定义$", "", term[-1].content.rstrip()))]
    return trim(term)


def _item_defines(item: SyntaxTreeNode) -> bool:
    from ..tokens import bold_term

    paragraph = next((c for c in item.children if c.type == "paragraph"), None)
    if paragraph is None:
        return False
    children = trim(inline_children(paragraph))
    if bold_term(children) is not None:
        return True
    found = _split_at_colon(split_lines(children)[0]) if children else None
    return found is not None and bool(found[1]) and term_like(plain(found[0]))


def group_label(nodes: list[SyntaxTreeNode], i: int) -> bool:
    """`**变种**：` over a list of `**X**：…` items names the group; the items are the notes."""
    if i + 1 >= len(nodes) or nodes[i + 1].type not in ("bullet_list", "ordered_list"):
        return False
    items = [c for c in nodes[i + 1].children if c.type == "list_item"]
    return bool(items) and sum(_item_defines(item) for item in items) >= 0.5 * len(items)


def _next_definition(nodes: list[SyntaxTreeNode], i: int) -> list[SyntaxTreeNode]:
    """The blocks right after a bare `术语：` that define it: a paragraph or a list (not a formula: that is a label)."""
    if i + 1 >= len(nodes) or nodes[i + 1].type not in ("paragraph", "bullet_list", "ordered_list"):
        return []
    if group_label(nodes, i):
        return []
    if nodes[i + 1].type == "paragraph":
        from .formulas import display_token

        if display_token(nodes[i + 1]) is not None:
            return []
    return [nodes[i + 1]]


def _substantive(tokens: list[Token], cjk_needed: int = 6) -> bool:
    """A definition says something: a few words, not `梯度下降` after `优化方法：`."""
    text = plain(tokens)
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    words = len(re.findall(r"[A-Za-z]{2,}", text))
    return cjk >= cjk_needed or words >= 4 or (cjk >= 3 and words >= 2)


def _in_term_list(node: SyntaxTreeNode) -> bool:
    """The paragraph is an item of a list whose items are mostly `术语：定义` (a glossary-like list)."""
    item = node.parent
    if item is None or item.type != "list_item" or item.parent is None:
        return False
    siblings = [c for c in item.parent.children if c.type == "list_item"]
    return len(siblings) >= 3 and sum(_item_defines(c) for c in siblings) >= 0.75 * len(siblings)


def _names_something(text: str) -> bool:
    """Words outside the math: `$\\textcircled{2}$：` names nothing."""
    return bool(re.search(r"[\u4e00-\u9fff]|[A-Za-z]{2,}", re.sub(r"\\[A-Za-z]+|\$[^$]*\$", " ", text)))


_PREDICATE = re.compile(r"非常|很|较为|更加|特别|十分|严重|容易|难以|不能|无法|能够|可以|需要|应该|导致|使得|比[^较]")


def _term_ok(ctx: Context, term: list[Token]) -> bool:
    """A term before a colon: short, naming, not a clause; inside an answer, the name of a technique."""
    from .words import technical

    text = plain(term)
    if not term_like(text, max_cjk=_MAX_TERM_CJK) or not _names_something(text) or _PREDICATE.search(text):
        return False
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    if any(t.type.startswith("math") for t in term) and cjk > 4:  # `$\beta_2 = 0.999$ 时二阶矩的偏差…`
        return False
    return not ctx.answering or technical(text)


def _ends_in_colon(tokens: list[Token]) -> bool:
    return plain(tokens).rstrip().endswith(COLONS)


def _formula_next(nodes: list[SyntaxTreeNode], i: int) -> bool:
    from .formulas import display_token

    j = i + 1
    while j < len(nodes) and nodes[j].type == "html_block":  # `<!-- check: … -->` between label and formula
        j += 1
    return j < len(nodes) and display_token(nodes[j]) is not None


def _make(
    ctx: Context, kind: NoteKind, front: list[Token], back: list[Token], where_node: SyntaxTreeNode, offset: int = 0
) -> None:
    ctx.add_pair(kind, front, back, ctx.location(where_node, offset))


def term_colon(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`术语：定义` without bold, on a line or as a list item; or `术语：` with the definition in the next block."""
    node = nodes[i]
    lines = split_lines(inline_children(node))
    pairs = [_split_at_colon(trim(line)) for line in lines]
    made = 0
    if len(lines) > 1 and all(p is not None and p[1] for p in pairs):
        for offset, found in enumerate(pairs):
            assert found is not None
            term, rest = found
            if _term_ok(ctx, term) and not question_like(plain(term)) and _substantive(rest):
                _make(ctx, NoteKind.CONCEPT, _term_tokens(term), paragraph_tokens(rest, node.map), node, offset)
                made += 1
        return i + 1 if made else None
    found = pairs[0]
    if found is None:
        return None
    term, rest = found
    text = plain(term)
    if not _term_ok(ctx, term):
        ctx.explain(ctx.location(node).line, f"'{text[:30]}' before the colon is not a term", rule=ctx.rule)
        if generic(text) and not rest and i + 1 < len(nodes) and nodes[i + 1].type in ("bullet_list", "ordered_list"):
            ctx.points.add(id(nodes[i + 1]))
        return None
    if len(lines) == 1 and _ends_in_colon(rest) and _formula_next(nodes, i):
        return None  # `一维卡尔曼滤波：两个高斯…相乘：` then a formula: the sentence labels the formula
    if rest and not _substantive(rest) and not (_in_term_list(node) and _substantive(rest, 3)):
        ctx.explain(ctx.location(node).line, f"what follows '{text[:30]}：' is too short to define it", rule=ctx.rule)
        return None
    rest = trim([*rest, *[t for line in lines[1:] for t in [Token("softbreak", "br", 0), *line]]])
    back: list[Token] = paragraph_tokens(rest, node.map) if rest else []
    end = i + 1
    if not rest:
        following = _next_definition(nodes, i)
        if not following:
            return None
        back, end = blocks_of(following), i + 2
    kind = NoteKind.QA if question_like(text) else NoteKind.CONCEPT
    front = _term_tokens(term)
    if kind is NoteKind.QA:
        front = [*front, text_token("？" if re.search(r"[\u4e00-\u9fff]", text) else "?")]
    _make(ctx, kind, front, back, node)
    return end


def bold_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`**Term** is …`, `**偏差** 是指 …`, `**Term** - …`; or a bold-only term line defined by the next block."""
    node = nodes[i]
    found = leading_bold(inline_children(node))
    if found is None:
        return None
    term, rest = found
    text = plain(term)
    if text.rstrip().endswith(COLONS) or generic(text):
        return None
    lines = [trim(line) for line in split_lines(rest)]  # a hard break after the term keeps it on a line of its own
    rest = trim(rest)
    alias = lines[0] if lines else []
    tail = plain(rest)
    if rest and _CUE.match(tail) and term_like(text):
        _make(ctx, NoteKind.CONCEPT, trim(term), paragraph_tokens([*term_copy(term), *rest], node.map), node)
        return i + 1
    # `**Term**` alone (maybe with an English name after it), defined on the next line or in the next blocks
    alias_text = plain(alias)
    if not term_like(f"{text} {alias_text}".strip()) or question_like(text):
        return None
    definition = trim([t for line in lines[1:] for t in [Token("softbreak", "br", 0), *line]])
    front = trim([*term, *([text_token(" "), *alias] if alias_text and len(alias_text) <= 60 else [])])
    if definition:
        _make(ctx, NoteKind.CONCEPT, front, paragraph_tokens(definition, node.map), node)
        return i + 1
    body = _answer(nodes, i + 1)
    if not body or nodes[i + 1].type != "paragraph" or not plain(inline_children(nodes[i + 1])).strip():
        return None
    _make(ctx, NoteKind.CONCEPT, front, blocks_of(body), node)
    return i + 1


def term_copy(term: list[Token]) -> list[Token]:
    """The bold term again, for the back: the definition reads as the sentence the author wrote."""
    return [Token("strong_open", "strong", 1), *term, Token("strong_close", "strong", -1)]


def _answer(nodes: list[SyntaxTreeNode], start: int) -> list[SyntaxTreeNode]:
    """The blocks that answer what stands just before `start`: up to the next heading, bold line or rule."""
    out: list[SyntaxTreeNode] = []
    for node in nodes[start:]:
        if node.type in ("heading", "hr", "html_block") or len(out) >= _MAX_ANSWER_BLOCKS:
            break
        if node.type == "paragraph" and out and _bold_only(node):
            break
        out.append(node)
    return out


def _bold_only(node: SyntaxTreeNode) -> bool:
    found = leading_bold(inline_children(node))
    return found is not None and not trim(found[1])


def bold_question(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A bold line that asks (`**RetinaNet 有哪些创新点？**`), answered by the blocks below it."""
    node = nodes[i]
    found = leading_bold(inline_children(node))
    if found is None or trim(found[1]):
        return None
    text = bare(plain(found[0]))
    if not (text.endswith(("?", "？")) or (question_like(text) and len(text) <= 60)):
        return None
    body = _answer(nodes, i + 1)
    if not body:
        return None
    question = trim(found[0])
    if question and question[0].type == "text":
        question = [with_content(question[0], NUMBERING.sub("", question[0].content)), *question[1:]]
    _make(ctx, NoteKind.QA, trim(question), blocks_of(body), node)
    return i + 1  # what the answer holds may make notes of its own


def _heading_text(node: SyntaxTreeNode) -> tuple[list[Token], str]:
    """A heading's words without numbering and without a trailing source link (`[[src](…)]`, `[src](…)`)."""
    children = trim(inline_children(node))
    while children and children[-1].type in ("link_close", "text") and _trailing_link(children):
        children = _trailing_link(children)
    if children and children[0].type == "text":
        children = [with_content(children[0], NUMBERING.sub("", children[0].content)), *children[1:]]
    children = trim(children)
    if children and children[0].type == "strong_open" and children[-1].type == "strong_close":
        children = trim(children[1:-1])
    return children, bare(plain(children))


def _trailing_link(children: list[Token]) -> list[Token] | None:
    """Drop a final `[src](url)` (with its brackets); None when the heading does not end in one."""
    if not children or children[-1].type not in ("link_close", "text"):
        return None
    end = len(children)
    if children[-1].type == "text" and children[-1].content.strip() in ("]", ")") and end >= 2:
        end -= 1
    if children[end - 1].type != "link_close":
        return None
    start = max(i for i in range(end) if children[i].type == "link_open")
    head = children[:start]
    if head and head[-1].type == "text" and head[-1].content.rstrip().endswith("["):
        head = [*head[:-1], with_content(head[-1], head[-1].content.rstrip()[:-1])]
    return trim(head)


def _section_body(nodes: list[SyntaxTreeNode], i: int) -> list[SyntaxTreeNode]:
    end = section_end(nodes, i + 1)
    return [n for n in nodes[i + 1 : end] if n.type != "html_block"]


def _prose(node: SyntaxTreeNode) -> bool:
    """Explanatory prose: not a picture, and not a note in the explicit syntax (then the section holds notes)."""
    from ..tokens import bold_term as bold_colon_shape
    from ..tokens import is_cloze
    from .explicit import QUESTION

    if node.type != "paragraph" or only_images(node):
        return False
    children = inline_children(node)
    text = plain(children).strip()
    explicit = bold_colon_shape(children) is not None or is_cloze(children) or QUESTION.match(text) or " :: " in text
    return len(text) >= 8 and not explicit


def heading_asks(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A heading that asks without a question mark (`如何判断过拟合`, `Why does … work`), answered below."""
    children, text = _heading_text(nodes[i])
    if not text or generic(text) or not question_like(text):
        return None
    body = _section_body(nodes, i)
    if not any(n.type in ("paragraph", "bullet_list", "ordered_list", "math_block", "table", "fence") for n in body):
        return None
    mark = "？" if re.search(r"[\u4e00-\u9fff]", text) else "?"
    front = children if text.endswith(("?", "？")) else [*children, text_token(mark)]
    _make(ctx, NoteKind.QA, front, blocks_of(body), nodes[i])
    return i + 1


def _placeholder(text: str) -> bool:
    return ("contribute" in text.lower() or "待补充" in text or "TODO" in text) and len(text) < 80


def _defines(term: str, text: str) -> bool:
    """The first sentence of `text` defines `term`: it starts with it, or uses a definition cue."""
    first = re.split(r"(?<=[。！？!?])|(?<=\.)\s", text.strip(), maxsplit=1)[0][:200]
    core = re.sub(r"\s*[(（].*?[)）]", "", term).strip().casefold()
    return (bool(core) and first.casefold().startswith(core)) or bool(_DEFINITION_START.search(first))


def heading_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A heading that names a term (`### Dropout`, `## 3.8.1 隐藏层`), defined by the prose right below it."""
    children, text = _heading_text(nodes[i])
    if nodes[i].tag == "h1" or not term_like(text, max_cjk=12, max_words=5) or text.casefold() in _generic_headings():
        return None
    body = _section_body(nodes, i)
    if not body or not _prose(body[0]):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' has no prose right below it", rule=ctx.rule)
        return None
    first = plain(inline_children(body[0]))
    if _placeholder(first):
        return None
    if not _defines(text, first):
        ctx.explain(ctx.location(nodes[i]).line, f"the prose below '{text[:30]}' does not define it", rule=ctx.rule)
        return None
    answer = [body[0]] + [n for n in body[1:3] if n.type in ("paragraph", "bullet_list", "ordered_list", "math_block")]
    _make(ctx, NoteKind.CONCEPT, children, blocks_of(answer), nodes[i])
    return i + 1


def heading_topic(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """Any other heading whose section explains something (`#### 评估观测序列的概率`): asked as "explain …"."""
    from .words import technical

    children, text = _heading_text(nodes[i])
    if nodes[i].tag == "h1" or not text or text.casefold() in _generic_headings() or len(text) > 60:
        return None
    short = len(re.findall(r"[\u4e00-\u9fff]", text)) <= 8 and len(text.split()) <= 3
    if short and technical(text) and term_like(text):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' names a thing; it is not asked about", rule=ctx.rule)
        return None
    body = _section_body(nodes, i)
    listed = bool(body) and body[0].type in ("bullet_list", "ordered_list") and len(body[0].children) >= 2
    if listed and sum(_item_defines(c) for c in body[0].children) >= 0.5 * len(body[0].children):
        return None  # a list of definitions: they are the notes
    if (
        not body
        or not (_prose(body[0]) or listed)
        or (_prose(body[0]) and _placeholder(plain(inline_children(body[0]))))
    ):
        return None
    if _formula_next(body, 0):  # the prose only leads into a formula: the formulas are the notes
        return None
    prompt = "讲解：" if ctx.language == "zh" else "Explain: "
    _make(ctx, NoteKind.QA, [text_token(prompt), *children], blocks_of(body[:_MAX_ANSWER_BLOCKS]), nodes[i])
    return i + 1


def _generic_headings() -> set[str]:
    from .words import GENERIC_HEADINGS

    return GENERIC_HEADINGS


def named_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A term introduced in a sentence: `…称为"版本空间"`, `我们称该方面的信息为"标记"`."""
    node = nodes[i]
    text = plain(inline_children(node))
    made = 0
    for match in _NAMED.finditer(text):
        term = match[1].strip()
        if term_like(term, max_cjk=12):
            ctx.add_pair(NoteKind.CONCEPT, [text_token(term)], node.to_tokens(), ctx.location(node))
            made += 1
    return i + 1 if made else None


_ALIASED = re.compile(
    r"(?:^|(?<=[，。；：、,;:\s]))(?:其中|这里|此处|所谓)?[，,]?\s*"
    r"(?P<term>[\u4e00-\u9fffA-Za-z0-9-]{2,16}?)\s*[（(](?P<alias>[A-Za-z][A-Za-z0-9 '’/-]{1,48})[)）]"
    r"(?P<cue>\s*(?:是指|指的是|是一种|是一个|是|指|就是|即|表示|定义为|称为|用于|用来|可以|被|通过|解决))"
)


def alias_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`交叉熵（cross entropy）是…`: a term introduced with its English name, as the subject of its sentence."""
    node = nodes[i]
    text = plain(inline_children(node))
    made = 0
    if ctx.answering or ctx.claimed_by or len(re.findall(r"[（(][A-Za-z]", text)) >= 3:
        return None  # inside an answer, a note already made here, or a list of names
    for match in _ALIASED.finditer(text):
        term = f"{match['term']}（{match['alias'].strip()}）"
        if not term_like(term, max_cjk=12) or generic(match["term"]):
            continue
        ctx.add_pair(NoteKind.CONCEPT, [text_token(term)], node.to_tokens(), ctx.location(node))
        made += 1
    return i + 1 if made else None


_ACTION = re.compile(r"适用|具有|使用|允许|包括|包含|组成|由|对|在|从|将|把|会|能|可|要|应|有|无|不|没")
_CLAUSE_END = re.compile(r"^(?P<term>[^，。,.:：]{1,40}?)\s*[，。,.]\s*(?P<rest>\S.*)$", re.S)


def list_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A list item `1. 回归，输出为连续变量。`: a technical term, a comma, what it is."""
    from .words import technical

    node = nodes[i]
    if node.parent is None or node.parent.type != "list_item":
        return None
    children = trim(inline_children(node))
    if not children or children[0].type != "text":
        return None
    match = _CLAUSE_END.match(children[0].content)
    term = match["term"].strip() if match else ""
    if not match or not re.search(r"[\u4e00-\u9fff]", term) or not technical(term) or not term_like(term, max_cjk=8):
        return None
    rest = trim([with_content(children[0], match["rest"]), *children[1:]])
    if not _substantive(rest, 8) or _PREDICATE.search(term) or _ACTION.search(term) or ctx.answering:
        return None
    ctx.add_pair(
        NoteKind.CONCEPT, [text_token(match["term"].strip())], paragraph_tokens(rest, node.map), ctx.location(node)
    )
    return i + 1


_FACETS = word_set(
    "特点|特性|优点|缺点|优势|劣势|不足|局限|局限性|缺陷|作用|用途|应用|应用场景|适用场景|原理|基本原理|工作原理|"
    "核心思想|思想|思路|目的|意义|步骤|流程|本质|效果|影响|优缺点|"
    "pros|cons|advantages|disadvantages|limitations|benefits|drawbacks|applications"
)


def _label_and_rest(children: list[Token]) -> tuple[list[Token], list[Token]] | None:
    """`特点：…` or `**特点**：…` / `**特点：**…` → (label, what follows the colon)."""
    from ..tokens import bold_term as bold_colon_shape

    found = bold_colon_shape(children)
    if found is not None:
        return found
    return _split_at_colon(split_lines(children)[0]) if children else None


def facet(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`特点：…` under `### Sigmoid 函数`: asked as "Sigmoid 函数的特点？" (not inside a question's own answer)."""
    node = nodes[i]
    if ctx.answering or ctx.section is None:
        return None
    found = _label_and_rest(trim(inline_children(node)))
    if found is None:
        return None
    label, rest = found
    name = bare(plain(label))
    subject = bare(ctx.section.plain())
    if name.casefold() not in _FACETS or not subject or len(subject) > 30:
        return None
    back = paragraph_tokens(rest, node.map) if rest else blocks_of(_next_definition(nodes, i))
    if not back:
        return None
    zh = re.search(r"[\u4e00-\u9fff]", subject + name) is not None
    question = f"{subject}的{name}？" if zh else f"{name} of {subject}?"
    ctx.add_pair(NoteKind.QA, [text_token(question)], back, ctx.location(node))
    return i + 1
