"""Rules for the explicit note syntax: the author marked the card, so these run first and always win.

Each rule gets the walk's context, the sibling blocks and the index of the block to look at; it
adds notes through the context and returns the index after what it claimed, or None to pass.
"""

from __future__ import annotations

import html
import re

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from ...structure import Fragment, NoteKind
from ..context import Context
from ..tokens import (
    blocks_of,
    bold_term,
    inline_children,
    inline_meta_id,
    is_cloze,
    join_lines,
    leading_bold,
    node_text,
    only_images,
    paragraph_tokens,
    plain,
    split_lines,
    strip_prefix,
    strip_trailing_colon,
    text_token,
    trim,
    with_content,
)
from .words import (
    NUMBERING,
    asked_about,
    bare,
    generic,
    kinds_label,
    metadata,
    points_label,
    question_like,
    question_mark,
    technical,
    term_like,
)

# `Q:`, `Q1：`, `Question 3:`, `Q. ` (a full stop only before a space or Chinese text: `Q.E.D.` is not a prefix)
_AFTER = r"\s*\d{0,3}\s*(?:[:：]|[.．](?=\s|[\u4e00-\u9fff]))\s*"
QUESTION = re.compile(rf"^\s*(?:Q|问|问题|Question){_AFTER}", re.IGNORECASE)
ANSWER = re.compile(rf"^\s*(?:A|答|回答|答案|Answer){_AFTER}", re.IGNORECASE)
_DEFINITION_LINE = re.compile(r"^(?P<term>[^:：{}\n]{1,80}?)\s+::\s+(?=\S)")
_TIGHT_LINE = re.compile(r"^(?P<term>[^:：{}\n`]{2,120}?[^\s:])::(?=[^\s:])(?!.*::)")
_NO_CARDS = re.compile(r"<!--\s*no-cards\s*-->")
_CARDS = re.compile(r"<!--\s*cards\s*-->")
ANSWER_BLOCKS = ("bullet_list", "ordered_list", "fence", "code_block", "table", "math_block")


def answer_blocks(nodes: list[SyntaxTreeNode], start: int) -> int:
    """Index after the blocks that continue an answer (lists, code, tables, math, pictures); a table of
    questions (`| Question | Answer |`) starts cards of its own."""
    from .tables import qa_columns

    end = start
    while end < len(nodes) and (nodes[end].type in ANSWER_BLOCKS or only_images(nodes[end])):
        if (nodes[end].type == "table" and qa_columns(nodes[end]) is not None) or asks_anew(nodes[end]):
            break
        end += 1
    return end


def section_end(nodes: list[SyntaxTreeNode], start: int) -> int:
    """Index of the next heading (or `no-cards` marker) at or after `start`: a heading's answer ends there."""
    end = start
    while end < len(nodes) and nodes[end].type != "heading" and not region_marker(nodes[end]):
        end += 1
    return end


def region_marker(node: SyntaxTreeNode) -> bool:
    return node.type == "html_block" and bool(_NO_CARDS.search(node.content) or _CARDS.search(node.content))


def qa_prefix(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`Q:`/`A:`, `问：`/`答：` (also `问题`/`Question`, `回答`/`答案`/`Answer`), in one paragraph or two."""
    node = nodes[i]
    question = strip_prefix(inline_children(node), QUESTION)
    if question is None:
        return None
    where = ctx.location(node)
    lines = split_lines(question)
    answer: list[Token] = []
    asked: list[list[Token]] = []
    for n, line in enumerate(lines):
        stripped = strip_prefix(line, ANSWER)
        if stripped is not None:
            rest = [tok for ln in lines[n + 1 :] for tok in ([Token("softbreak", "br", 0), *ln])]
            answer = trim(stripped + rest)
            break
        asked.append(line)
    end = i + 1
    source = node.map
    if not answer and end < len(nodes) and nodes[end].type == "paragraph":
        stripped = strip_prefix(inline_children(nodes[end]), ANSWER)
        if stripped is not None:
            answer, source = stripped, nodes[end].map
            end += 1
    item = node.parent
    if not answer and end >= len(nodes) and item is not None and item.type == "list_item" and item.parent is not None:
        items = [c for c in item.parent.children if c.type == "list_item"]
        after = items[items.index(item) + 1] if item in items and items.index(item) + 1 < len(items) else None
        if after is not None and after.children and after.children[0].type == "paragraph":
            stripped = strip_prefix(inline_children(after.children[0]), ANSWER)  # `- 问：…` ⏎ `- 答：…`
            if stripped is not None:
                answer, source = stripped, after.children[0].map
                ctx.claimed_items.add(id(after))
    if not answer:
        ctx.warn(where, "empty-answer", "question has no answer (expected a line starting with 'A:' or '答：')")
        return end
    stop = answer_blocks(nodes, end)
    back = paragraph_tokens(answer, source) + blocks_of(nodes[end:stop])
    ctx.add_pair(NoteKind.QA, join_lines(asked), back, where)
    return stop


def cloze(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A paragraph with `==highlights==` (or `{{c1::…}}` written by hand) is one cloze note."""
    node = nodes[i]
    children = inline_children(node)
    if not is_cloze(children):
        return None
    ctx.add(NoteKind.CLOZE, plain(children), None, Fragment(node.to_tokens(), inline=False), ctx.location(node))
    return i + 1


def bold_colon(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`**术语**：定义` (the colon inside or after the bold); in a list item, nested blocks join the definition.

    With nothing after the colon, the list or paragraph below defines the term (a formula below makes it the
    formula's label instead). A generic label (`**答案**：`, `**优点**：`) is part of an answer, not a term; a
    label that asks (`**如何缓解过拟合**：`) is a question.
    """
    from .terms import (
        _FACETS,
        _next_definition,
        defining_list,
        facet_items,
        group_label,
        group_note,
        own_facet,
    )

    node = nodes[i]
    found = bold_term(inline_children(node))
    if found is None:
        return None
    term, rest = found
    numbered = bool(term and term[0].type == "text" and NUMBERING.match(term[0].content))
    if numbered:  # `**3. 反向传播**：`
        term = trim([with_content(term[0], NUMBERING.sub("", term[0].content)), *term[1:]])
    if term and term[-1].type == "text" and _DEFINED.search(term[-1].content) and len(plain(term)) > 3:
        term = trim([*term[:-1], with_content(term[-1], _DEFINED.sub("", term[-1].content))])  # `**交叉验证定义**:`
    text = plain(term)
    where = ctx.location(node)
    if metadata(text) or (rest and not _says_something(rest)):
        ctx.explain(where.line, f"'{text}' is a fact about the note (metadata), not a term")
        return i + 1
    list_below = i + 1 < len(nodes) and nodes[i + 1].type in ("bullet_list", "ordered_list")
    answer_group = ctx.answering and not kinds_label(text) and list_below and not defining_list(nodes[i + 1])
    if list_below and not rest and (points_label(text) or answer_group):
        ctx.points.add(id(nodes[i + 1]))  # inside an answer, `**梯度消失**：` over a list: its points
    elif list_below and not rest and kinds_label(text):
        ctx.kind_lists.add(id(nodes[i + 1]))  # `**关键概念**：` over a list: each item names a term
    if not rest and not numbered:  # `**工作原理**:` ⏎ `**1. 前向传播**:` ⏎ … ⏎ `**2. 计算损失**:`: its steps
        ctx.numbered_points = not list_below and _STEPS_OR_PROBLEMS.search(bare(text)) is not None
    if _claim(text):
        ctx.explain(where.line, f"'{text[:30]}' states a claim; it is not a term")
        return None
    value = rest and (VALUE.match(plain(rest)) or len(plain(rest).strip()) <= 8)  # `通常不使用` among `0.2-0.5`s
    if _CONDITION.match(bare(text)) or (value and _in_values_list(node)):
        ctx.explain(where.line, f"'{text[:30]}' gives a setting or a value; it is not a term")
        return i + 1
    own = not rest and list_below and not ctx.points_only and bare(text).casefold() not in _FACETS
    owned = own_facet(bare(text)) if own else None
    if owned is not None:  # `**K折交叉验证步骤**:` ⏎ the steps: one side of a thing, asked as it stands
        mark = question_mark(text)
        ctx.add_pair(NoteKind.QA, [*term, text_token(mark)], blocks_of([nodes[i + 1]]), where)
        ctx.points.add(id(nodes[i + 1]))
        return i + 1
    if generic(text, exact=True) or (not rest and generic(text)):
        ctx.explain(where.line, f"'{text}' labels part of an answer; it is not a term")
        return None  # a heuristic may still ask about it (`facet`)
    described = (
        not rest
        and list_below
        and technical(text)
        and not re.search(r"(?:方法|措施|手段|办法|方案)$", text)  # `**防止方法**:` lists ways, not a term's facets
        and facet_items(nodes[i + 1])
    )
    point = (not technical(text) or not rest or _enumeration(rest)) and not asked_about(text, ctx.question)
    point = point and not described  # `**L1正则化**:` ⏎ `- 惩罚项：…` `- 特点：…`: a term and its facets
    if numbered and ctx.numbered_points and not kinds_label(text):
        ctx.explain(where.line, f"'{text}' is a step or a point of the label above, not a term of its own")
        return i + 1
    if numbered and not rest and technical(text) and not ctx.points_only:
        point = False  # `**1. 交叉熵损失**:` ⏎ its formula: one of the named kinds the answer lists
    if _named_kind(ctx, node) and rest:
        point = False
    if (ctx.points_only or (ctx.answering and point)) and not question_like(text):
        ctx.explain(where.line, f"'{text}' is a point of the answer above, not a term of its own")
        return i + 1
    following = i + 1 < len(nodes) and nodes[i + 1].type == "math_block"
    back: list[Token]
    end = i + 1
    if rest:
        back = paragraph_tokens(strip_trailing_colon(rest), node.map)
        if node.parent is not None and node.parent.type == "list_item":
            back += blocks_of([n for n in nodes[i + 1 :] if n.type != "math_block"])
    elif group_label(nodes, i):
        ctx.explain(where.line, f"'{text}' names the group of definitions below; they make notes of their own")
        group_note(ctx, term, nodes, i)
        return i + 1
    else:
        below = [] if following else _next_definition(nodes, i)
        if not below and not following and i + 1 < len(nodes) and nodes[i + 1].type == "fence":
            below = [nodes[i + 1]]  # `**交叉熵损失**:` over a code block holding its formula
        if not below and node.parent is not None and node.parent.type == "list_item":
            below = [n for n in nodes[i + 1 :] if n.type in ("bullet_list", "ordered_list", "paragraph")]
        if not below:
            if not following:
                ctx.warn(where, "empty-answer", f"'{text}' has no definition after the colon")
            return i + 1
        back = blocks_of(below)
        end = i + 1 if node.parent is not None and node.parent.type == "list_item" else i + 1 + len(below)
        if question_like(text) and all(b.type in ("bullet_list", "ordered_list") for b in below):
            ctx.answers.update(id(b) for b in below)  # `**如何缓解过拟合**：` ⏎ its list: the terms in it count
            end = i + 1
    if question_like(text):
        mark = question_mark(text)
        ctx.add_pair(NoteKind.QA, [*term, text_token(mark)] if not text.endswith(("?", "？")) else term, back, where)
    else:
        ctx.add_pair(NoteKind.CONCEPT, term, back, where)
    return end


# A label that is a condition (`**Too large**:`, `**过小**：`), or a definition that is only a value
# (`- **输入层**: 通常0.2-0.5`): settings of something, not terms to define.
_CONDITION = re.compile(
    r"^(?:(?:too|very|overly)\s+\w+|high|low|large|small|big|fast|slow|"
    r"[过太较偏](?:大|小|高|低|多|少|快|慢|深|浅|长|短))$",
    re.IGNORECASE,
)
VALUE = re.compile(
    r"^\s*(?:通常|一般|常取|常用|常为|约|大约|默认|建议|取|设为|usually|typically|often|around|about|default|~)?\s*"
    r"[\d.eE+-]+(?:\s*[-~～到至]\s*[\d.eE+-]+)?\s*(?:%|倍|个|层|次|ms|s)?\s*[。.]?\s*$",
    re.IGNORECASE,
)


def _in_values_list(node: SyntaxTreeNode) -> bool:
    """An item of a list of settings (`- **输入层**: 0.2` ⏎ `- **隐藏层**: 0.5`), not `**动量系数**：0.9` on its own."""
    item = node.parent
    if item is None or item.type != "list_item" or item.parent is None:
        return False
    values = 0
    for sibling in (c for c in item.parent.children if c.type == "list_item"):
        paragraph = next((c for c in sibling.children if c.type == "paragraph"), None)
        found = bold_term(inline_children(paragraph)) if paragraph is not None else None
        values += found is not None and bool(found[1]) and VALUE.match(plain(found[1])) is not None
    return values >= 2


def _says_something(rest: list[Token]) -> bool:
    """Words, a number or math after the colon, not only `⭐⭐` or `✓`."""
    return any(t.type.startswith("math") or t.type == "image" for t in rest) or bool(
        re.search(r"[\w\u4e00-\u9fff]", plain(rest))
    )


_DEFINED = re.compile(r"(?<=[\u4e00-\u9fffA-Za-z0-9)）])\s*(?:的)?定义\s*$")
_STEPS_OR_PROBLEMS = re.compile(
    r"(?:原理|步骤|流程|过程|问题)$|^(?:how it works|steps|procedure|(?:common\s+)?(?:problems|issues|pitfalls))$",
    re.IGNORECASE,
)
_CLAIM = re.compile(r"让|有利于|利于|使得|导致|更(?![新换改正替迭])[\u4e00-\u9fff]")


def _claim(text: str) -> bool:
    """`**BN层让损失函数更平滑**：`, `**BN更有利于梯度下降**：`: a bold sentence heading a point, not a term."""
    from .terms import _STEP_NAME

    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    return (cjk >= 5 and _CLAIM.search(text) is not None) or _STEP_NAME.match(text.strip()) is not None


def _named_kind(ctx: Context, node: SyntaxTreeNode) -> bool:
    """The paragraph is an item of a list under a label of named kinds (`**关键概念**：`)."""
    item = node.parent
    return (
        item is not None and item.type == "list_item" and item.parent is not None and id(item.parent) in ctx.kind_lists
    )


def _enumeration(rest: list[Token]) -> bool:
    """`SMOTE、ADASYN`, `多线程、SIMD指令`: a few names listed, not a sentence that defines."""
    text = plain(rest).strip(" 。.")
    parts = [p for p in re.split(r"[、,，/]|\s\+\s", text) if p.strip()]
    return len(parts) >= 2 and all(len(p.strip()) <= 16 for p in parts) and not re.search(r"[是指为用将把=]", text)


def definition_line(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`Term :: sentence`, one per line of a paragraph."""
    node = nodes[i]
    if "::" not in node_text(node):
        return None
    made = False
    for offset, line in enumerate(split_lines(inline_children(node))):
        line = trim(line)
        if not line or line[0].type != "text":
            continue
        match = _DEFINITION_LINE.match(line[0].content)
        tight = _TIGHT_LINE.match(line[0].content) if match is None else None
        if tight is not None:  # Obsidian's `Question::Answer`: only a question or a Chinese term, not `std::vector`
            said = tight["term"].strip()
            if not (said.endswith(("?", "？")) or question_like(said) or re.search(r"[\u4e00-\u9fff]", said)):
                continue
            if generic(said) or not (question_like(said) or said.endswith(("?", "？")) or term_like(said)):
                continue  # `注意::……`: a label, not a term
            match = tight
        if not match:
            continue
        said = match["term"].strip()
        term = [with_content(line[0], said)]
        rest = trim([with_content(line[0], line[0].content[match.end() :]), *line[1:]])
        if not rest:
            continue
        asks = tight is not None and (said.endswith(("?", "？")) or question_like(said))  # ` :: ` stays a term
        if asks and not said.endswith(("?", "？")):
            term = [with_content(line[0], said + question_mark(said))]
        kind = NoteKind.QA if asks else NoteKind.CONCEPT
        ctx.add_pair(kind, term, paragraph_tokens(rest, node.map), ctx.location(node, offset), None if asks else said)
        made = True
    return i + 1 if made else None


def definition_list(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A definition list: `Term` on a line, `: definition` below it."""
    term: SyntaxTreeNode | None = None
    for child in nodes[i].children:
        if child.type == "dt":
            term = child
        elif child.type == "dd" and term is not None:
            ctx.pending_id = inline_meta_id(term)
            ctx.add_pair(NoteKind.CONCEPT, trim(inline_children(term)), blocks_of(child.children), ctx.location(term))
    return i + 1


_ANSWER_HEADING = re.compile(
    r"^(?:参考答案|标准答案|答案|解答|解析|回答|答|answers?|solutions?|explanation)[\s:：]*$", re.I
)


def _answer_heading(node: SyntaxTreeNode, question: SyntaxTreeNode) -> bool:
    """A deeper heading that only labels the answer of the question heading above it (`#### 参考答案`)."""
    from .terms import heading_text

    if node.type != "heading" or node.tag <= question.tag:
        return False
    return _ANSWER_HEADING.match(heading_text(node)[1]) is not None


def asks_anew(node: SyntaxTreeNode) -> bool:
    """A block that starts a question of its own (`Q: …`, `> **Q:** …`, a list of `Q:` items, a question
    `<details>`, a question table, a bold question line): it ends the answer of the question above it."""
    from .tables import qa_columns

    first = node
    while first.type in ("blockquote", "bullet_list", "ordered_list", "list_item") and first.children:
        first = first.children[0]
    if first.type == "paragraph":
        children = inline_children(first)
        if strip_prefix(children, QUESTION) is not None:
            return True
        bold = leading_bold(children) if node.type == "paragraph" else None
        return bold is not None and bare(plain(bold[0])).endswith(("?", "？"))
    if node.type == "table":
        return qa_columns(node) is not None
    folded = _details(node)
    return folded is not None and folded[0].endswith(("?", "？"))


def answer_end(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int:
    """Where the answer of the question heading `nodes[i]` ends: the next heading (a deeper `#### 参考答案` does
    not end it), or a question written below it, which is a card of its own."""
    end = section_end(nodes, i + 1)
    while end < len(nodes) and _answer_heading(nodes[end], nodes[i]):
        end = section_end(nodes, end + 1)
    stop = next((j for j in range(i + 1, end) if asks_anew(nodes[j])), end)
    if stop < end:
        ctx.answer_until = nodes[stop]
    return stop


def heading_question(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A heading that ends in `?` or `？` (before any source link); everything up to the next heading answers it.

    Numbering (`1.2`, `Q3:`) and a trailing `[[src](…)]` stay off the front."""
    from .terms import heading_text

    node = nodes[i]
    children, text = heading_text(node)
    if not text.endswith(("?", "？")):
        return None
    children = strip_prefix(children, QUESTION) or children  # `### Q: What is a kernel?`
    end = answer_end(ctx, nodes, i)
    where = ctx.location(node)
    answer = unfold_details(nodes[i + 1 : end])
    if not any(t.type in ("inline", "math_block", "fence", "code_block") for t in answer):
        deeper = end < len(nodes) and nodes[end].type == "heading" and nodes[end].tag > node.tag
        if not deeper:  # a question heading over sub-sections is a title: they answer it
            ctx.warn(where, "empty-answer", "question heading has no answer below it")
        return None
    ctx.add_pair(NoteKind.QA, children, answer, where)
    return i + 1  # the answer's own terms and formulas make notes too


_ASKING_TITLE = re.compile(
    r"^(?:为什么|为何|如何|怎么|怎样|什么是|是否|why|how (?:do|does|can|to|is|are)|what (?:is|are|does))(?![A-Za-z])",
    re.IGNORECASE,
)


def admonition_question(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`!!! question "为什么卷积核是奇数？"` or `> [!question] …`: a box whose title asks; its content answers."""

    node = nodes[i]
    title = next((c for c in node.children if c.type == "admonition_title"), None)
    if title is None:
        return None
    children = trim(inline_children(title))
    text = plain(children).strip()
    kind = str((node.meta or {}).get("tag", "")).lower()
    asks = text.endswith(("?", "？")) or (kind in ("question", "faq", "help") and question_like(text))
    asks = asks or _ASKING_TITLE.match(text) is not None  # `!!! note "为什么使用 Softmax 作为分类函数"`
    if not asks:
        return None
    body = [c for c in node.children if c.type != "admonition_title"]
    if not body:
        ctx.warn(ctx.location(node), "empty-answer", "question box has no answer inside it")
        return i + 1
    if children and children[0].type == "text":
        children = trim([with_content(children[0], NUMBERING.sub("", children[0].content)), *children[1:]])
    if not text.endswith(("?", "？")) and _ASKING_TITLE.match(text):
        children = [*children, text_token(question_mark(text))]
    ctx.add_pair(NoteKind.QA, children, blocks_of(body), ctx.location(node))
    return i + 1


_DETAILS = re.compile(
    r"^\s*<details\b[^>]*>\s*<summary\b[^>]*>(?P<summary>.*?)</summary\s*>", re.IGNORECASE | re.DOTALL
)
_DETAILS_END = re.compile(r"</details\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_NESTED = re.compile(r"<summary\b[^>]*>(?P<summary>.*?)</summary\s*>|</?details\b[^>]*>", re.IGNORECASE | re.DOTALL)
# A summary that only hides the answer of the question written above it
_ANSWER_SUMMARY = re.compile(
    r"^(?:(?:click|tap)(?: here)?(?: to)?(?: (?:expand|show|see|reveal|view))?(?: (?:the )?(?:answer|solution))?|"
    r"(?:show|see|view|reveal)?\s*(?:the )?(?:answer|solution|explanation|hint|details|more)s?|expand|"
    r"(?:点击|查看|展开|显示)?(?:答案|解答|解析|参考答案|回答|提示|详情|展开)|点击展开)[\s.:：!！]*$",
    re.IGNORECASE,
)


def _details(node: SyntaxTreeNode) -> tuple[str, list[Token], bool] | None:
    """(summary text, the markdown inside the same HTML block, whether `</details>` closes it there)."""
    from ..markdown import parser

    found = _DETAILS.match(node.content or "") if node.type == "html_block" else None
    if found is None:
        return None
    summary = html.unescape(_TAG.sub("", found["summary"])).strip()
    rest = node.content[found.end() :]
    ends = list(_DETAILS_END.finditer(rest))
    closed = ends[-1] if ends else None  # the outer `</details>`: a nested one's text stays in the answer
    start_line = (node.map[0] if node.map else 0) + node.content[: found.end()].count("\n")
    inner: list[Token] = []
    text = rest[: closed.start()] if closed else rest
    text = _NESTED.sub(lambda m: m["summary"] + "\n\n" if m["summary"] is not None else "", text)
    if text.strip():
        for token in parser().parse(text):
            if token.map:
                token.map = [token.map[0] + start_line, token.map[1] + start_line]
            inner.append(token)
    return summary, inner, closed is not None


def unfold_details(nodes: list[SyntaxTreeNode]) -> list[Token]:
    """The blocks of an answer with `<details>` opened: what is folded inside is part of the answer."""
    tokens: list[Token] = []
    for node in nodes:
        folded = _details(node)
        if folded is None:
            tokens.extend(node.to_tokens())
            continue
        summary, inner, _ = folded
        if summary and not _ANSWER_SUMMARY.match(summary):
            tokens.extend(paragraph_tokens([text_token(summary)], node.map))
        tokens.extend(inner)
    return tokens


def _has_content(tokens: list[Token]) -> bool:
    return any(
        (t.type == "inline" and (t.content or "").strip()) or t.type in ("fence", "code_block", "math_block")
        for t in tokens
    )


def details_question(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`<details><summary>What is …?</summary> answer </details>`: a question whose answer is folded away, as
    GitHub interview collections write them; `<summary>Answer</summary>` folds the answer of the question in
    the paragraph above it. The answer may sit inside the HTML block or be the blocks up to `</details>`."""
    from ..markdown import parser

    node = nodes[i]
    folded = _details(node)
    if folded is None:
        return None
    summary, back, closed = folded
    end = i + 1
    if not closed:
        while end < len(nodes) and nodes[end].type != "heading":
            block = nodes[end]
            if asks_anew(block) or (block.type == "html_block" and _DETAILS.match(block.content or "")):
                break  # never closed: it ends where the next question starts
            end += 1
            if block.type == "html_block" and _DETAILS_END.search(block.content or ""):
                break
            back.extend(block.to_tokens())
    above = ctx.previous
    if _ANSWER_SUMMARY.match(summary) or not summary:
        asked = trim(inline_children(above)) if above is not None and not ctx.previous_rule else []
        if not asked or not plain(asked).rstrip().endswith(("?", "？")):
            return None  # the answer of a question another rule already made (a question heading), or of none
        front, where = asked, ctx.location(above)
    elif summary.endswith(("?", "？")) or question_like(summary):
        inline = parser().parseInline(summary)
        front, where = trim(inline[0].children or []) if inline else [text_token(summary)], ctx.location(node)
    else:
        return None
    if not _has_content(back):
        ctx.warn(where, "empty-answer", "this question has nothing inside its <details>")
        return end
    ctx.add_pair(NoteKind.QA, front, back, where)
    return end


_DEFINITION_BOXES = ("definition", "def", "define", "term", "concept", "定义", "概念")


def admonition_definition(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`> [!definition] Learning rate` (or `!!! definition "…"`) ⏎ what it is: the box names a term and defines it."""
    node = nodes[i]
    kind = str((node.meta or {}).get("tag", "")).lower()
    title = next((c for c in node.children if c.type == "admonition_title"), None)
    if kind not in _DEFINITION_BOXES or title is None:
        return None
    children = trim(inline_children(title))
    body = [c for c in node.children if c.type != "admonition_title"]
    text = plain(children).strip()
    if not text or text.casefold() in _DEFINITION_BOXES or generic(text):
        return None  # `> [!definition]` without a name: the body's own terms make the notes
    if not body:
        ctx.warn(ctx.location(node), "empty-answer", "definition box has nothing inside it")
        return i + 1
    ctx.add_pair(NoteKind.CONCEPT, children, blocks_of(body), ctx.location(node))
    return i + 1
