"""Heuristic rules for terms and questions as people write them without any card syntax.

They run after the explicit rules and the guards, and each one insists on the shape it expects: a
short term, a real definition, a heading that names something. A block they decline stays prose;
`--explain` says why.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from ...structure import NoteKind
from ..context import Context
from ..tokens import (
    COLONS,
    blocks_of,
    inline_children,
    inline_fragment,
    is_cloze,
    leading_bold,
    node_text,
    only_images,
    paragraph_tokens,
    plain,
    split_lines,
    strip_trailing_colon,
    text_token,
    trim,
    with_content,
    without_attributes,
)
from ..tokens import bold_term as bold_colon_shape
from .explicit import VALUE, section_end
from .formulas import display_token, example_label, naming_content, weak_label
from .words import (
    NUMBERING,
    SECTION_HEADINGS,
    TOPIC_WORDS,
    action,
    asked_about,
    bare,
    describes_use,
    generic,
    points_label,
    points_lead,
    question_like,
    question_mark,
    tag_line,
    technical,
    term_like,
    word_set,
)

_CUE = re.compile(
    r"^\s*(?:[(（][^()（）]{0,60}[)）]\s*)?(?:[-—–]\s|[,，]\s*(?:又称|也称|也叫|即|简称|or\b|also\b|(?:often|sometimes|commonly|usually)\s+(?:called|known\s+as|referred\s+to\s+as)\b)|"
    r"是指|指的是|指|是|就是|即|表示|定义为|被定义为|称为|被称为|叫做|也称为|又称|也叫|用于|用来|"
    r"is\b|are\b|refers to|means|denotes|is defined as|represents|describes|stands for|describe)",
    re.IGNORECASE,
)
_DEFINITION_START = re.compile(
    r"是指(?!数)|指的是|是一种|是一个|是用|是将|是对|就是|即|表示|定义为|称为|用于|用来|"
    r"\bis\b|\bare\b|\brefers to\b|\bmeans\b|\bdenotes\b|\bdefined as\b|\bdescribes\b",
    re.IGNORECASE,
)
# In a sentence, a term marked by quotes or bold (\x01…\x02 below) after a naming verb:
# `称估计值和真值之间的差为"估计误差"`, `称这个权重为**卡尔曼增益**`, `其中 $\alpha$ 是**学习率**`.
_OPEN, _CLOSE = '["“「『\x01]', '["”」』\x02]'
_NAMED = re.compile(
    r"(?:称(?:[^，。；,;\x01\x02\"“”]{0,30}?)(?:为|作)|叫做|叫作|所谓|被称为|被称作|称之为|记作|简称|又称|也称|也叫|"
    r"(?:^|其中|这里|此处|where)\s*\$[^$]{1,40}\$\s*(?:是|为|表示|称为|is|denotes)(?:the|a|an|\s)*)"
    rf"\s*{_OPEN}([^\"”」』\x01\x02]{{1,24}}){_CLOSE}"
    r"|(?:被称为|称为|称作|被称作)\s*"
    r"(?P<aliased>[\u4e00-\u9fffA-Za-z0-9 -]{1,16}?\s*[（(][A-Za-z][^（）()]{1,40}[)）])",
    re.IGNORECASE,
)
# Unmarked, at the end of a defining sentence: `若……，则称序列 $Q$ 是齐次 Markov 链。`, `……称为拉格朗日乘数。`
_NAMED_PLAIN = re.compile(
    r"(?:(?:则|我们|通常|一般)称(?:[^，。；,;\x01\x02\"“”]{0,30}?)(?:为|是)|称之为|被称为|(?<![被以])称为|(?<!所以)(?<!因此)叫[做作])"
    r"\s*(?P<plain>[^，。；,;：:、（()）\"“”$\x01\x02]{2,16}?)\s*(?:[。；;]|$)"
)
_MAX_TERM_CJK = 16
# A definition that is really a procedure step or a pointer (`将…代入`, `如下`), not what the term is.
_DOES_START = re.compile(r"^\s*(?:将|把|对|代入|带入|如下|可得|得到|即可|then|so|we)", re.IGNORECASE)
_MAX_NAMED = 4  # terms named in one paragraph, each of which gets the paragraph as its back
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
            if at >= 0 and token.content[at : at + 2] == "::":
                return None  # `std::vector`, `Term::definition`: not a colon that ends a term
            if at >= 0:
                term = [*line[:n], with_content(token, token.content[:at])]
                rest = [with_content(token, token.content[at + 1 :]), *line[n + 1 :]]
                return trim(term), trim(rest)
        elif token.type not in ("text", "code_inline", "math_inline", "math_inline_double", "softbreak"):
            return None
    return None


# Verbs that make a longer phrase before a colon a clause: `长序列存在一个问题`, `LeNet、AlexNet和VGG都有一个共同的特点`
_CLAUSE_CJK = re.compile(
    r"(?<=[\u4e00-\u9fff\w])(?:有(?!监督|向|限|效|偏|损)|是(?!否)|存在|告诉|希望|代表|来自|考虑|回到|需要|可以|能够|包含|允许|"
    r"使用|采用|通过|为例)"
)


def _clause(text: str) -> bool:
    core = re.sub(r"\s*[(（][^()（）]*[)）]", "", bare(text))
    return len(re.findall(r"[\u4e00-\u9fff]", core)) > 5 and _CLAUSE_CJK.search(core) is not None


_EXERCISE_ASKS = re.compile(r"[，,]\s*(?:问|求|试求)(?=\s*\S)")
_ABOUT = re.compile(r"^\s*(?:关于|对于)\s*(?=\S{2})")


def _term_tokens(term: list[Token]) -> list[Token]:
    """The term without numbering (`1.`, `（7）`), a leading `关于` (about) or a trailing `定义`/`的定义`."""
    if term and term[0].type == "text":
        term = [with_content(term[0], _ABOUT.sub("", NUMBERING.sub("", term[0].content))), *term[1:]]
    if term and term[-1].type == "text":
        term = [*term[:-1], with_content(term[-1], re.sub(r"(?:的)?定义$", "", term[-1].content.rstrip()))]
    return trim(term)


def _marked_term(term: list[Token]) -> list[Token]:
    """`定义**前向变量**：…`: the bold words after a naming verb are the term."""
    named = trim(term)
    if (
        len(named) >= 4
        and named[0].type == "text"
        and re.fullmatch(r"\s*(?:定义|记|令|设|称|define|let)\s*", named[0].content, re.IGNORECASE)
        and named[1].type == "strong_open"
        and named[-1].type == "strong_close"
    ):
        return trim(named[2:-1])
    return term


def _item_defines(item: SyntaxTreeNode) -> bool:
    paragraph = next((c for c in item.children if c.type == "paragraph"), None)
    return paragraph is not None and _item_defines_paragraph(paragraph)


def _item_defines_paragraph(paragraph: SyntaxTreeNode, *, commas: bool = True) -> bool:
    """`**术语**：定义`, `术语：定义` or (with `commas`) `术语，定义`: a named term, then what it is."""

    children = trim(inline_children(paragraph))
    found = bold_colon_shape(children)
    if found is not None:  # `**Objective**:` labels a point, `**输入层**: 0.2` gives a value: neither defines
        return not generic(plain(found[0])) and not VALUE.match(plain(found[1]))
    found = _split_at_colon(split_lines(children)[0]) if children else None
    if found is not None and bool(found[1]) and term_like(plain(found[0])):
        return True
    return commas and comma_term(children) is not None


def _lead(item: SyntaxTreeNode) -> str:
    """The term an item starts with: its bold words, or what comes before its colon."""

    paragraph = next((c for c in item.children if c.type == "paragraph"), None)
    if paragraph is None:
        return ""
    children = trim(inline_children(paragraph))
    found = bold_colon_shape(children) or leading_bold(children)
    if found is None and children:
        found = _split_at_colon(split_lines(children)[0])
    return plain(found[0]) if found else ""


def defining_list(node: SyntaxTreeNode) -> bool:
    """`- **精确率**：预测为正例中实际为正例的比例`, …: nearly every item says what its term is (a noun phrase),
    not what it does (`- **梯度裁剪**：限制梯度大小`)."""

    rests = []
    for item in (c for c in node.children if c.type == "list_item"):
        paragraph = next((c for c in item.children if c.type == "paragraph"), None)
        found = bold_colon_shape(trim(inline_children(paragraph))) if paragraph is not None else None
        if found is None or not found[1]:
            return False
        rests.append(plain(found[1]))
    return len(rests) >= 2 and sum(not describes_use(r) for r in rests) >= 0.8 * len(rests)


def steps_list(node: SyntaxTreeNode) -> bool:
    """A list of steps (`1. **计算梯度**：…`, `2. **更新参数**：…`): its bold words are actions, not terms."""

    if node.type not in ("bullet_list", "ordered_list"):
        return False
    leads = [_lead(c) for c in node.children if c.type == "list_item"]
    leads = [lead for lead in leads if lead]
    actions = sum(action(lead) for lead in leads)
    return actions >= 2 and actions >= 0.6 * len(leads)


def facet_items(node: SyntaxTreeNode) -> bool:
    """A list of the facets of one thing (`- 惩罚项：λ∑|w|`, `- 特点：产生稀疏解`, `- **例子**: 随机森林`): some of
    its labels are the generic words of a description, so the list describes the label above it."""
    if node.type not in ("bullet_list", "ordered_list"):
        return False
    leads = [bare(_lead(c)) for c in node.children if c.type == "list_item"]
    leads = [lead for lead in leads if lead]
    facets = sum(generic(lead) for lead in leads)
    return len(leads) >= 2 and facets >= 1 and facets * 4 >= len(leads)


def group_label(nodes: list[SyntaxTreeNode], i: int) -> bool:
    """`**变种**：` over a list of `**X**：…` items names the group; the items are the notes."""
    if i + 1 >= len(nodes) or nodes[i + 1].type not in ("bullet_list", "ordered_list"):
        return False
    if facet_items(nodes[i + 1]):
        return False
    items = [c for c in nodes[i + 1].children if c.type == "list_item"]
    return bool(items) and sum(_item_defines(item) for item in items) >= 0.5 * len(items)


_GROUP = re.compile(
    r"\d+\s*[个种类大项点条]|[两二三四五六七八九十几]\s*[个种类大项点条]|哪些|各种|常见|常用|主要|"
    r"\b(?:two|three|four|five|six|seven|eight|several|types|kinds|\d+)\b",
    re.IGNORECASE,
)


_BARE_KINDS = re.compile(
    r"(?:常见|主要|常用|典型|其他|其它|几种|(?:common|main|typical|other)\s+)?"
    r"(?:的)?(?:变种|变体|类型|种类|分类|方法|算法|策略|模型|技术|方式|形式|指标|应用|改进|"
    r"variants|variations|types|kinds|methods|algorithms|strategies|models|techniques|applications|extensions)",
    re.IGNORECASE,
)


_PROCEDURE = re.compile(
    r"^\S.{1,30}(?:的)?(?:步骤|流程|过程|算法流程|具体步骤|训练流程)$"
    r"|^(?:steps|procedure|workflow) (?:of|for) .{2,40}$",
    re.IGNORECASE,
)


def group_note(ctx: Context, term: list[Token], nodes: list[SyntaxTreeNode], i: int) -> None:
    """`机器学习的一般模型：` over a list: asked as "…有哪些？" when the list holds its members (definitions, or
    a counted label); otherwise the list defines the term. The items make notes of their own."""

    text = bare(plain(term))
    if generic(text) or not term_like(text) or ctx.answering or action(text) or _DESCRIPTION.search(text):
        return  # inside an answer, a label over a list is one of its points; a step is not a term
    back = blocks_of([nodes[i + 1]])
    where = ctx.location(nodes[i])
    if question_like(text):
        mark = "" if text.endswith(("?", "？")) else question_mark(text)
        ctx.add_pair(NoteKind.QA, [*term, *([text_token(mark)] if mark else [])], back, where)
    elif steps_list(nodes[i + 1]):
        question = f"{text}的步骤？" if re.search(r"[\u4e00-\u9fff]", text) else f"Steps of {text}?"
        ctx.add_pair(NoteKind.QA, [text_token(question)], back, where)
    elif group_label(nodes, i) or _GROUP.search(text):
        zh = re.search(r"[\u4e00-\u9fff]", text) is not None
        if _BARE_KINDS.fullmatch(text):
            return  # `常见变种`: of what? (of the term just above, or of the section: a guess either way)
        ctx.add_pair(NoteKind.QA, [*term, text_token("有哪些？" if zh else "?")], back, where)
    else:
        ctx.add_pair(NoteKind.CONCEPT, term, back, where)


def _next_definition(nodes: list[SyntaxTreeNode], i: int) -> list[SyntaxTreeNode]:
    """The blocks right after a bare `术语：` that define it: a paragraph or a list (not a formula: that is a label)."""
    if i + 1 >= len(nodes) or nodes[i + 1].type not in ("paragraph", "bullet_list", "ordered_list"):
        return []
    if group_label(nodes, i):
        return []
    if nodes[i + 1].type == "paragraph" and display_token(nodes[i + 1]) is not None:
        return []
    return [nodes[i + 1]]


def _substantive(tokens: list[Token], cjk_needed: int = 6) -> bool:
    """A definition says something: a few words, not `梯度下降` after `优化方法：`."""
    if any(_states_formula(t) for t in tokens):
        return True  # `Z-score Normalization: $x' = \frac{x-E(x)}{D(x)}$`: the formula is the definition
    text = plain(tokens)
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    words = len(re.findall(r"[A-Za-z]{2,}", text))
    return cjk >= cjk_needed or words >= 4 or (cjk >= 3 and words >= 2)


def _states_formula(token: Token) -> bool:
    """Inline math that states an equation with something on both sides (`$y = wx + b$`, not `$x$`)."""
    if token.type != "math_inline":
        return False
    sides = re.split(r"(?<![<>!\\])=", token.content, maxsplit=1)
    return len(sides) == 2 and all(len(re.sub(r"\s", "", side)) >= 1 for side in sides) and len(token.content) >= 8


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


# A phrase that describes or counts rather than names (`典型的四个VC维`, `两种重要的单点错误衡量`, `定义 δ`,
# `小的M`, `case 2`): a label over what follows, not a term to learn.
_DESCRIPTION = re.compile(
    r"^(?:典型|常用|常见|新|主要|重要|其他|其它|以下|下面|上述|如下|一些|部分|所有|各种|不同|"
    r"[两三四五六七八九十几多]|\d+)\s*(?:的|种|个|类|大|项|条|点)"
    r"|^(?:定义|一句话|总之|简单来说|形象记忆|举例|有(?:较|很|一定|一些|多|着|了|助于)|具有|没有|存在|[小大高低长短多少强弱]的)"
    r"|^(?:case|情况|情形|场景|步骤|step)\s*\d+$|^(?:the|some|two|three|several|common|typical|main)\s",
    re.IGNORECASE,
)
_PREDICATE = re.compile(
    r"非常|很|较为|更加|特别|十分|严重|容易|难以|不能|无法|能够|可以|需要|应该|导致|使得|比[^较]|让|有利于|利于|"
    r"更(?![新换改正替迭])[\u4e00-\u9fff]|由.{1,12}(?:构成|组成)|分为|分成|"
    r"(?:包含|包括|含有|共有|分)\s*(?:\d+|[两二三四五六七八九十几多])\s*(?:个|种|步|类|部分|项|点|条|层|阶段)"
)
# The name of a step of an algorithm (`初始化：…`, `(Ⅲ) 终止：…`, `M 步(Maximization)：…`), not a term.
_STEP_NAME = re.compile(
    r"^(?:[(（]?[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+[)）.、]?\s*)?(?:初始化|递归|递推|终止|迭代|回溯|重复|结束|E\s*步|M\s*步|"
    r"第\s*[一二三四五六七八九十\d]+\s*步|step\s*\d+|initiali[sz]ation|termination|recursion)",
    re.IGNORECASE,
)
# `X的结构`, `X携带的信息`: an aspect of a thing described below, not a term (the heuristic rules only).
_ASPECT = re.compile(r"的(?:结构|信息|思路|原因|过程|结论|性质|组成|构成|情况|表现|部分)$")


def _term_ok(ctx: Context, term: list[Token]) -> bool:
    """A term before a colon: short, naming, not a clause; inside an answer, the name of a technique (or
    of what the question asks about).

    A link (`[[Backpropagation]]: computes gradients`) points at another note; it defines nothing here."""

    named = [t for t in term if t.type != "text" or t.content.strip()]
    if named and named[0].type == "link_open" and named[-1].type == "link_close":
        return False
    text = plain(term)
    if not term_like(text, max_cjk=_MAX_TERM_CJK) or not _names_something(text) or _PREDICATE.search(text):
        return False
    if announces(text):  # `本节介绍无向图模型的著名代表之一：`
        return False
    if _clause(text) and not question_like(text):  # `长序列存在一个问题：…`, `矩阵是有用的数据结构：…`
        return False
    if EQUATION_REF.search(text):  # `定理3.1：…`: a book's numbered statement; its number cannot be asked
        return False
    if _DESCRIPTION.search(bare(text)) or _STEP_NAME.match(text.strip()) or _ASPECT.search(bare(text)):
        return False
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    if any(t.type.startswith("math") for t in term) and cjk > 4:  # `$\beta_2 = 0.999$ 时二阶矩的偏差…`
        return False
    if ctx.points_only:
        return False
    return not ctx.answering or technical(text) or asked_about(text, ctx.question)


def _ends_in_colon(tokens: list[Token]) -> bool:
    return plain(tokens).rstrip().endswith(COLONS)


def _formula_next(nodes: list[SyntaxTreeNode], i: int) -> bool:

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
    if ":" not in node_text(node) and "：" not in node_text(node):
        return None
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
    term = _marked_term(term)
    text = plain(term)
    list_below = i + 1 < len(nodes) and nodes[i + 1].type in ("bullet_list", "ordered_list")
    one_phrase = not re.search(r"[。！？!?；;]", text) and not announces(text)
    if (
        list_below
        and not rest
        and len(lines) == 1
        and not ctx.answering
        and one_phrase
        and _PROCEDURE.search(bare(text))
    ):
        ctx.add_pair(
            NoteKind.QA,
            [*_term_tokens(term), text_token(question_mark(text))],
            blocks_of([nodes[i + 1]]),
            ctx.location(node),
        )
        return i + 1  # `梯度下降的步骤：` over its steps: asked as it stands
    aspect = _ASPECT.search(bare(text))
    if aspect is not None and not rest and len(lines) == 1 and not ctx.answering:
        return _aspect_question(ctx, nodes, i, term, bare(text)[: aspect.start()])
    if list_below and not rest and len(lines) == 1 and not ctx.answering and points_lead(text):
        asked = _announced(text)
        if asked:
            ctx.add_pair(NoteKind.QA, [text_token(asked)], blocks_of([nodes[i + 1]]), ctx.location(node))
            ctx.points.add(id(nodes[i + 1]))
            return i + 1  # `线性回归问题的3个特点：` over the points: asked as it stands
    facet_of = own_facet(bare(text)) if rest and len(lines) == 1 and not ctx.answering else None
    if facet_of is not None and _substantive(rest) and "的" in text:
        # `机器学习的基本目的：根据训练样本……`: one side of a thing, asked as it stands
        _make(
            ctx,
            NoteKind.QA,
            [*_term_tokens(term), text_token(question_mark(text))],
            paragraph_tokens(rest, node.map),
            node,
        )
        return i + 1
    if not _term_ok(ctx, term):
        asked = _ask_parts(text) if rest and len(lines) == 1 and not ctx.answering else ""
        if asked and _substantive(rest, 4):
            # `通常有三种典型问题：线性可分问题，……`: the parts it counts answer the question it implies
            _make(ctx, NoteKind.QA, [text_token(asked)], paragraph_tokens(rest, node.map), node)
            return i + 1
        ctx.explain(ctx.location(node).line, f"'{text[:30]}' before the colon is not a term", rule=ctx.rule)
        if (
            (points_label(text) or points_lead(text) or example_label(text))
            and not rest
            and i + 1 < len(nodes)
            and nodes[i + 1].type in ("bullet_list", "ordered_list")
        ):
            ctx.points.add(id(nodes[i + 1]))  # `比如，它会学习：` ⏎ `- 猫的特点：…`: examples, not terms
        return None
    if len(lines) == 1 and _ends_in_colon(rest) and _formula_next(nodes, i):
        # `MMSE 估计：给定观测后最小化条件期望的二次误差：` then its formula: the term is defined here, and the
        # sentence still labels the formula (the formula rule sees this paragraph next)

        definition = strip_trailing_colon(rest)
        formula = display_token(nodes[i + 1]) if i + 1 < len(nodes) else None  # not a checked derivation's
        stated = formula is not None and not re.search(r"\\(?:Rightarrow|implies|therefore)\b", formula.content)
        if stated and _substantive(definition) and not question_like(text) and not _DOES_START.match(plain(definition)):
            back = [*paragraph_tokens(definition, node.map), *blocks_of([nodes[i + 1]])]
            _make(ctx, NoteKind.CONCEPT, _term_tokens(term), back, node)
            return i + 1
        return None  # `一维卡尔曼滤波：两个高斯…相乘：` then a formula: the sentence labels the formula
    if rest and not _substantive(rest) and not (_in_term_list(node) and _substantive(rest, 3)):
        ctx.explain(ctx.location(node).line, f"what follows '{text[:30]}：' is too short to define it", rule=ctx.rule)
        return None
    rest = trim([*rest, *[t for line in lines[1:] for t in [Token("softbreak", "br", 0), *line]]])
    back: list[Token] = paragraph_tokens(rest, node.map) if rest else []
    end = i + 1
    if not rest:
        following = _next_definition(nodes, i)
        if len(lines) == 1 and i + 1 < len(nodes) and nodes[i + 1].type in ("bullet_list", "ordered_list"):
            group_note(ctx, _term_tokens(term), nodes, i)
            if question_like(text):  # `PCA 的优缺点分析：` ⏎ `1. 优点：…`: the list answers it, item by item
                ctx.answers.add(id(nodes[i + 1]))
            return i + 1  # the items may make notes of their own
        if not following:
            return None
        back, end = blocks_of(following), i + 2
    kind = NoteKind.QA if question_like(text) else NoteKind.CONCEPT
    front = _term_tokens(term)
    if kind is NoteKind.QA:
        front = [*front, text_token(question_mark(text))]
    _make(ctx, kind, front, back, node)
    return end


def _aspect_question(ctx: Context, nodes: list[SyntaxTreeNode], i: int, term: list[Token], subject: str) -> int | None:
    """`VC维的性质：` over the lines that state them: asked as it stands ("VC维的性质？"), answered by the blocks
    below it up to the next heading or label."""

    if not term_like(subject, max_cjk=12, max_words=5) or _DESCRIPTION.search(subject) or describes_use(subject):
        return None
    body: list[SyntaxTreeNode] = []
    for block in nodes[i + 1 :]:
        if block.type in ("heading", "hr") or len(body) >= _MAX_ANSWER_BLOCKS:
            break
        if block.type == "paragraph" and _ends_in_colon(inline_children(block)) and body:
            break
        body.append(block)
    if not body:
        return None
    ctx.add_pair(
        NoteKind.QA,
        [*_term_tokens(term), text_token(question_mark(plain(term)))],
        blocks_of(body),
        ctx.location(nodes[i]),
    )
    return i + 1


def bold_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`**Term** is …`, `**偏差** 是指 …`, `**Term** - …`; or a bold-only term line defined by the next block."""
    node = nodes[i]
    children = inline_children(node)
    found = leading_bold(children)
    if found is None:
        return _article_bold_term(ctx, node, children, i)
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
    if not body or nodes[i + 1].type != "paragraph" or not node_text(nodes[i + 1]).strip():
        return None
    _make(ctx, NoteKind.CONCEPT, front, blocks_of(body), node)
    return i + 1


_ARTICLE = re.compile(r"^(?:The|An?)\s+$")


def _article_bold_term(ctx: Context, node: SyntaxTreeNode, children: list[Token], i: int) -> int | None:
    """`The **Gradient Descent Algorithm** is a …`: English puts an article before the bold term."""
    if len(children) < 3 or children[0].type != "text" or not _ARTICLE.match(children[0].content):
        return None
    found = leading_bold(children[1:])
    if found is None:
        return None
    term, rest = found
    text = plain(term)
    if not rest or not _CUE.match(plain(trim(rest))) or not term_like(text) or generic(text) or question_like(text):
        return None
    _make(ctx, NoteKind.CONCEPT, trim(term), paragraph_tokens(trim(children), node.map), node)
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
    if found is None:
        return None
    after = found[1]
    text = bare(plain(found[0]))
    below_line = bool(after) and after[0].type in ("softbreak", "hardbreak") and bool(trim(after))
    named = len(text.split()) >= 3 or len(re.findall(r"[\u4e00-\u9fff]", text)) >= 4  # not `**Why?** Because…`
    same_line = not below_line and text.endswith(("?", "？")) and named and _substantive(trim(after), 4)
    if trim(after) and not below_line and not same_line:
        return None  # `**What is an embedding?** A dense vector …`: the answer may follow on the same line
    below_line = below_line or same_line
    if not (text.endswith(("?", "？")) or (question_like(text) and len(text) <= 60)):
        return None
    body = _answer(nodes, i + 1)
    same = paragraph_tokens(trim(after), node.map) if below_line else []  # `**1. What is X?**` ⏎ `the answer`
    if not body and not same:
        return None
    question = trim(found[0])
    if question and question[0].type == "text":
        question = [with_content(question[0], NUMBERING.sub("", question[0].content)), *question[1:]]
    _make(ctx, NoteKind.QA, trim(question), [*same, *blocks_of(body)], node)
    ctx.answers.update(id(b) for b in body if b.type in ("bullet_list", "ordered_list"))
    return i + 1  # what the answer holds may make notes of its own (inside an answer, its terms only)


_ASKED = re.compile(r"^(?P<q>[^。！!？?]{4,100}[？?])\s*(?:答[:：]|答案[:：]|A[:：])\s*(?P<a>\S.*)$", re.S)
# A question the same paragraph answers at once (`LN 能减轻 ICS 吗？当然可以，……`, `Is it convex? Yes, because …`).
_SELF_ANSWERED = re.compile(
    r"^(?P<q>[^。！!？?]{4,60}[？?])\s*(?P<a>(?:当然|是的|不是|不能|不会|可以|因为|答案是|答案在|原因是|原因在于|简单来说|"
    r"其实|事实上|并不|没有|yes\b|no\b|because\b|the answer)\S.{8,})$",
    re.S | re.IGNORECASE,
)
# A question that leans on the text before it (`那么这个问题怎么解决呢？`, `So what does it mean?`).
_LEANING = re.compile(
    r"^\s*(?:那么|那|所以|因此|于是|然后|而|但|但是|可是|这|那|它|其|此|该|上述|上面|以上|这个|这种|这样|"
    r"so|then|but|and|this|that|these|those|it|they)(?![A-Za-z])",
    re.IGNORECASE,
)
_MAX_QUESTION_LINE = 100
_MAX_QUESTION_ANSWER = 3


def question_line(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A paragraph that is one question (`err对学习过程有什么影响？`, `> 为什么叫全连接呢？`, `（当 M 为无穷大时……
    会出什么问题？）`) answered by the blocks below it, or with `答：` after it on the same line."""

    node = nodes[i]
    if "?" not in node_text(node) and "？" not in node_text(node):
        return None  # every question this rule reads ends in a question mark
    if any(_EXERCISES.search(section.plain()) for section in ctx.sections.values()):
        return None  # exercises ask; the notes do not answer
    children = trim(inline_children(node))
    lines = split_lines(children)
    below: list[Token] = []
    if len(lines) > 1 and plain(lines[0]).strip().endswith(("?", "？")):
        children = trim(lines[0])  # `为什么叫全连接呢？` ⏎ `因为……`: the answer on the next lines
        rest = lines[1:]
        if len(rest) > 1 and re.fullmatch(r"\s*\?{1,2}\s*", plain(rest[0])):
            rest = rest[1:]  # Obsidian's multi-line card: `question` ⏎ `?` ⏎ `answer`
        below = trim([t for line in rest for t in [Token("softbreak", "br", 0), *line]])
    text = re.sub(r"\s+", " ", plain(children)).strip()
    same_line = _ASKED.match(text) or _SELF_ANSWERED.match(text)
    question = same_line["q"] if same_line else text
    question = re.sub(r"^[(（](.*)[)）]$", r"\1", question.strip()).strip()
    if not question.endswith(("?", "？")) or len(question) > _MAX_QUESTION_LINE:
        return None
    if _EXERCISE_ASKS.search(question):
        return None  # `给定 ε = 0.1、d_vc = 3，问 N 需要多大？`: a problem to work, not a question the notes answer
    words_only = re.sub(r"\s+", " ", plain([t for t in children if not t.type.startswith("math")])).strip()
    words_only = re.sub(r"^[(（](.*)[)）]$", r"\1", words_only) if not same_line else question
    if re.search(r"[。！!；;]|[？?](?=.)|\.\s", words_only) or _LEANING.match(question):
        return None  # several sentences (outside its math), or a question that points back at the text before it
    if not question_like(question) and not re.search(r"[？?]$", question):
        return None
    cjk, words = naming_content(question)
    if cjk < 4 and words < 3:
        return None
    if same_line:
        split = _split_after(children, same_line["q"])
        if split is None:
            return None
        front, answer = split
        _make(ctx, NoteKind.QA, _unwrapped(front), _after_answer_mark(answer), node)
        return i + 1
    front = _unwrapped(children)
    if below and not _TASK.match(plain(below)):
        _make(ctx, NoteKind.QA, front, paragraph_tokens(below, node.map), node)
        return i + 1
    body: list[SyntaxTreeNode] = []
    for block in nodes[i + 1 :]:
        if block.type in ("heading", "hr", "html_block") or len(body) >= _MAX_QUESTION_ANSWER:
            break
        if block.type == "paragraph" and question_paragraph(block):
            break  # the next question (`……吗？`, `（……吗？）`)
        body.append(block)
    said = [b for b in body if not (b.type == "paragraph" and only_images(b))]  # a figure may come first
    if not said or not (_prose(said[0]) or said[0].type in ("bullet_list", "ordered_list", "math_block")):
        return None
    if said[0].type == "paragraph" and _TASK.match(node_text(said[0])):
        return None
    _make(ctx, NoteKind.QA, front, blocks_of(body), node)
    ctx.answers.update(id(b) for b in body if b.type in ("bullet_list", "ordered_list"))
    return i + 1  # what the answer holds may make notes of its own (inside an answer, its terms only)


_EXERCISES = re.compile(r"exercises?|problems|quiz|习题|练习|思考题|作业|课后题", re.IGNORECASE)
# What follows a question in an exercise: another task, not an answer.
_TASK = re.compile(
    r"^\s*(?:give|show|prove|find|calculate|compute|plot|derive|explain why|try|请|试|尝试|证明|计算|画出)(?![A-Za-z])",
    re.IGNORECASE,
)


def _split_after(children: list[Token], question: str) -> tuple[list[Token], list[Token]] | None:
    """The tokens up to the end of `question` (which ends in a question mark inside a text token) and the rest."""
    mark = question[-1]
    for n, token in enumerate(children):
        if token.type == "text" and mark in token.content:
            cut = token.content.index(mark) + 1
            head = [*children[:n], with_content(token, token.content[:cut])]
            if re.sub(r"\s+", " ", plain(head)).strip().endswith(question.strip()[-8:]):
                return trim(head), trim([with_content(token, token.content[cut:]), *children[n + 1 :]])
    return None


def _after_answer_mark(tokens: list[Token]) -> list[Token]:
    if tokens and tokens[0].type == "text":
        tokens = [with_content(tokens[0], re.sub(r"^\s*(?:答案|答|A)\s*[:：]\s*", "", tokens[0].content)), *tokens[1:]]
    return trim(tokens)


def _unwrapped(children: list[Token]) -> list[Token]:
    """A question without the parentheses around it: `（……会出什么问题？）` → `……会出什么问题？`."""
    if len(children) >= 1 and children[0].type == "text" and children[-1].type == "text":
        first, last = children[0].content.lstrip(), children[-1].content.rstrip()
        if first[:1] in "(（" and last[-1:] in ")）":
            if len(children) == 1:
                return [with_content(children[0], first[1:-1].strip())]
            return trim([with_content(children[0], first[1:]), *children[1:-1], with_content(children[-1], last[:-1])])
    return children


def question_paragraph(node: SyntaxTreeNode) -> bool:
    """The block is one question on its own (what `question-line` turns into a card)."""
    if node.type != "paragraph":
        return False
    text = re.sub(r"^[(（](.*)[)）]$", r"\1", re.sub(r"\s+", " ", node_text(node)).strip())
    return text.endswith(("?", "？")) and len(text) <= _MAX_QUESTION_LINE and not _LEANING.match(text)


def heading_text(node: SyntaxTreeNode) -> tuple[list[Token], str]:
    """A heading's words without numbering and without a trailing source link (`[[src](…)]`, `[src](…)`)."""
    found = node.__dict__.get("_heading_text")
    if found is None:
        found = node.__dict__["_heading_text"] = _heading_text(node)
    return list(found[0]), found[1]


def _heading_text(node: SyntaxTreeNode) -> tuple[list[Token], str]:
    children = without_attributes(trim(inline_children(node)))
    while children and children[-1].type in ("link_close", "text") and _trailing_link(children):
        children = _trailing_link(children)
    if children and children[0].type == "text":
        children = [with_content(children[0], NUMBERING.sub("", children[0].content)), *children[1:]]
    children = trim(children)
    if children and children[0].type == "strong_open" and children[-1].type == "strong_close":
        children = trim(children[1:-1])  # `#### **Q8: Explain …**`: the numbering is inside the bold
        if children and children[0].type == "text":
            children = trim([with_content(children[0], NUMBERING.sub("", children[0].content)), *children[1:]])
    return children, bare(plain(children))


def _trailing_link(children: list[Token]) -> list[Token] | None:
    """Drop a final `[src](url)` (with its brackets); None when the heading does not end in one."""
    if not children or children[-1].type not in ("link_close", "text"):
        return None
    end = len(children)
    if children[-1].type == "text" and children[-1].content.strip() in ("]", ")") and end >= 2:
        end -= 1
    if children[end - 1].type != "link_close" or (children[end - 1].meta or {}).get("wikilink"):
        return None  # `### Relation to [[Adam]]`: the wikilink is part of the heading
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
    from .explicit import QUESTION

    if node.type != "paragraph" or only_images(node):
        return False
    children = inline_children(node)
    text = plain(children).strip()
    explicit = bold_colon_shape(children) is not None or is_cloze(children) or QUESTION.match(text) or " :: " in text
    leads_in = text.endswith(("：", ":")) and len(re.findall(r"[\u4e00-\u9fff]", text)) >= 5  # `算法包含2步：`
    long_enough = len(text) >= 8 or leads_in
    return long_enough and not explicit


def heading_asks(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A heading that asks without a question mark (`如何判断过拟合`, `Why does … work`), answered below."""
    children, text = heading_text(nodes[i])
    if not text or generic(text) or not question_like(text) or _framing(nodes[i], text):
        return None
    from .explicit import answer_end, unfold_details

    body = [
        n
        for n in nodes[i + 1 : answer_end(ctx, nodes, i)]
        if not (n.type == "html_block" and "<details" not in n.content)
    ]
    if not any(n.type in ("paragraph", "bullet_list", "ordered_list", "math_block", "table", "fence") for n in body):
        return None
    mark = question_mark(text)
    if children and children[-1].type == "text" and children[-1].content.rstrip().endswith((".", "。")):
        children = [*children[:-1], with_content(children[-1], children[-1].content.rstrip()[:-1])]  # `… works.`
    front = children if text.endswith(("?", "？")) else [*children, text_token(mark)]
    _make(ctx, NoteKind.QA, front, unfold_details(body), nodes[i])
    return i + 1


def _placeholder(text: str) -> bool:
    return ("contribute" in text.lower() or "待补充" in text or "TODO" in text) and len(text) < 80


def _defines(term: str, text: str) -> bool:
    """The first sentence of `text` defines `term`: it starts with it, or uses a definition cue."""
    first = re.split(r"(?<=[。！？!?])|(?<=\.)\s", text.strip(), maxsplit=1)[0][:200]
    core = re.sub(r"\s*[(（].*?[)）]", "", term).strip().casefold()
    if (bool(core) and first.casefold().startswith(core)) or _DEFINITION_START.search(first):
        return True
    # `### ReLU函数` over `ReLU（rectified linear unit）函数提供了…`, `### 隐藏层` over `…引入了隐藏层（hidden layer）`:
    # the first sentence names the term (without its kind word) and glosses or explains it
    if re.match(r"(?:an?|one of the|a kind of|a type of)\s+\S+(?:\s+\S+){2,}", first, re.IGNORECASE):
        return True  # a glossary's `## Affine layer` over `A fully-connected layer in a neural network.`
    head = re.sub(r"(?:函数|模型|算法|方法)$", "", core).strip()
    plain_first = re.sub(r"\s*[(（][^()（）]*[)）]", "", first).casefold()
    return len(head) >= 2 and head in plain_first and (len(first) >= 20 or len(first.split()) >= 6)


def _facet_list(node: SyntaxTreeNode) -> bool:
    """A list whose items are labelled parts (`1. **Objective**: …`, `2. **Key Actions**: …`)."""
    if node.type not in ("bullet_list", "ordered_list"):
        return False
    leads = [_lead(c) for c in node.children if c.type == "list_item"]
    return len(leads) >= 2 and sum(bool(lead) and generic(lead) for lead in leads) >= 0.5 * len(leads)


def _says_more_than_the_lead_in(term: str, text: str) -> bool:
    """Besides naming the term and leading into the formula (`状态外插方程，用矩阵形式描述为：`), the paragraph says
    something about it (`sigmoid 函数可以将元素的值变换到 0 和 1 之间：`)."""

    core = re.sub(r"\s*[(（].*?[)）]", "", term).strip().casefold()
    rest = re.sub(r"\s+", " ", text).casefold().replace(core, " ") if core else text
    rest = re.sub(r"(?:如下|所示|描述为|表示为|写作|写成|写为|记为|定义为|推导出|得到|形式)", " ", rest)
    cjk, words = naming_content(rest)
    return cjk >= 5 or words >= 4


# A sentence the formula after it completes (`The regularized cost function is`, `损失函数定义为`)
_OPEN_END = re.compile(r"(?:\b(?:is|are|as|by|be|equals|gives|reads)|为|是|如下|即)\s*$", re.IGNORECASE)
# `硬投票和软投票的解释`, `AdaBoost的个人推导`: a heading over an explanation or a derivation of something
_EXPLAINS = re.compile(r"(?<=\S)的\s*(?:个人)?(?:解释|推导|证明|理解|说明|补充|总结|介绍)$")


_QUESTION_SET = re.compile(
    r"\b(?:questions|faqs?|quiz(?:zes)?|interview)\b|面试题?|问答|习题|问题集|常见问题", re.IGNORECASE
)


def heading_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A heading that names a term (`### Dropout`, `## 3.8.1 隐藏层`), defined by the prose right below it
    (or by a list of its labelled parts: `- **Objective**: …`)."""
    children, text = heading_text(nodes[i])
    if nodes[i].tag == "h1" or not term_like(text, max_cjk=12, max_words=5) or text.casefold() in _generic_headings():
        return None
    if _framing(nodes[i], text) or EQUATION_REF.search(text):
        return None  # `式(14.2)的解释`: about the book's numbered equations, not a term
    if _GROUP_NAME.search(text):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' names a group (its items are the notes)")
        return None
    if _EXPLAINS.search(text):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' titles an explanation of something, not a term")
        return None
    if _QUESTION_SET.search(text):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' titles a set of questions, not a term")
        return None
    body = _section_body(nodes, i)
    if _code_step(body):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' is a step of code (`加载数据`), not a term")
        return None
    if body and _facet_list(body[0]):
        _make(ctx, NoteKind.CONCEPT, children, blocks_of(body[:1]), nodes[i])
        return i + 1
    if not body or not _prose(body[0]):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' has no prose right below it", rule=ctx.rule)
        return None
    first = node_text(body[0])
    if _placeholder(first):
        return None
    leads_in = first.rstrip().endswith(COLONS) or _OPEN_END.search(first) is not None
    if leads_in and _formula_next(body, 0) and not _says_more_than_the_lead_in(text, first):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' names the formula below; that is the note")
        return None
    one_sentence = len([part for part in re.split(r"[。！？!?]|\.\s", first) if part.strip()]) <= 1
    points_away = re.search(r"(?:参考|参见|详见|见)\s*$", re.sub(r"[。.]\s*$", "", first)) is not None
    if (announces(first) and one_sentence) or points_away:
        ctx.explain(
            ctx.location(nodes[i]).line, f"the prose below '{text[:30]}' announces or points elsewhere", rule=ctx.rule
        )
        return None
    bold = leading_bold(inline_children(body[0]))
    if bold is not None and _DEFINITION_LABEL.match(plain(bold[0])):
        return None  # `**定义 3.1（线性模型）** …` below it: that is the note
    if _item_defines_paragraph(body[0], commas=False):
        ctx.explain(ctx.location(nodes[i]).line, f"the line below '{text[:30]}' defines a term itself", rule=ctx.rule)
        return None

    # `### 5.1.3 Dropout` over `在训练过程中……将输出节点以一定概率置为 0。`: a technique named by its heading
    # and explained in a sentence or two right below it
    named = len(text.split()) <= 3 and not re.search(r"[与和及&]|\b(?:and|vs|of)\b|^\w+ing\b", text, re.IGNORECASE)
    story = re.match(r"\W*(?:chapter|part|lesson|episode)\s*\d", node_text(nodes[i]), re.IGNORECASE)
    explained = (
        named
        and not story
        and technical(text)
        and len(first) <= 200
        and len(re.findall(r"[。！？!?]|\.\s", first)) <= 2
        and not first.rstrip().endswith(COLONS)
        and not _formula_next(body, 0)
    )
    if not _defines(text, first) and not explained:
        ctx.explain(ctx.location(nodes[i]).line, f"the prose below '{text[:30]}' does not define it", rule=ctx.rule)
        return None
    answer = [body[0]] + [n for n in body[1:3] if n.type in ("paragraph", "bullet_list", "ordered_list", "math_block")]
    _make(ctx, NoteKind.CONCEPT, children, blocks_of(answer), nodes[i])
    return i + 1


# Headings that frame a text (an example, a recap, a chapter of a story, an index) rather than name a topic.
_FRAME = re.compile(
    r"例子|示例|举例|例题|场景|口诀|索引|目录|小结|总结|回顾|基础知识|预备知识|数学基础|用.{0,6}讲清楚|"
    r"^(?:chapter|part|lesson|lecture|section|step)\s*\d+\b|\bexamples?\b|\bsummary\b|\brecap\b|\bindex\b",
    re.IGNORECASE,
)


# A book's numbered equations (`式(14.2)的解释`, `Derivation of Eq. (3)`): a front about them needs the page.
EQUATION_REF = re.compile(
    r"式\s*[(（]\s*\d|公式\s*[(（]?\s*\d|(?:图|表|引理|定理|例)\s*[(（]?\s*\d+\.\d|"
    r"\b(?:eq|equation)s?\.?\s*\(?\d|\b(?:figure|fig\.|table|lemma|theorem)\s*\d+\.\d",
    re.IGNORECASE,
)


_STORY = re.compile(r"(?:chapter|part|episode)\s*\d+\s*[:：.]", re.IGNORECASE)  # `Chapter 3: The Greedy Wizard`


def _framing(node: SyntaxTreeNode, text: str) -> bool:
    """The heading frames the text (an example, a recap, an index), whatever it is numbered or decorated."""
    raw = (
        re.sub(r"^[\W_]+", "", node_text(node)) if node.type == "heading" else ""
    )  # `Chapter 3: …` before numbering goes
    return bool(_FRAME.search(text) or _FRAME.search(re.sub(r"^[\W_]+", "", text)) or (raw and _STORY.match(raw)))


# Prose that announces what follows or points elsewhere (`讨论二分类问题的感知机模型。`, `常见激活函数汇总`,
# `关于参数初始化，参考[模型优化](…)`, `In this section we look at …`): it says nothing about the heading's term.
_ANNOUNCES = re.compile(
    r"^(?:(?:本节|本章|本文|下面|下文|以下|接下来|这里|此处)(?:将|我们|主要)?(?:来|先|再)?"
    r"(?:讨论|介绍|讲解|讲|列出|列举|总结|梳理|分析|看|给出|说明)|讨论|介绍|总结|汇总|"
    r"让我们|我们(?:来|先|再)?(?:考虑|看一下|看看|讨论)|常见.{0,12}(?:汇总|总结|如下)|"
    r"关于.{0,30}[，,]?\s*(?:请)?(?:参考|参见|详见|见)|"
    r"(?:in )?this (?:section|chapter|note)|we (?:will |now )?(?:discuss|introduce|consider|look at|review)|"
    r"let(?: u|')s|see\b|refer to|for (?:more|details))"
    r"|(?:参考|参见|详见|请见|见)\s*\[|(?:其他|其它|更多).{0,12}(?:参考|参见|见)",
    re.IGNORECASE,
)


# Prose that announces the notes below (`下面梳理各个术语`, `下面分别介绍`, `we now list the main ones`).
_ANNOUNCES_ALL = re.compile(
    r"下面(?:梳理|分别|逐一|逐个|一一|列出|列举|介绍|给出)|以下(?:分别|逐一|列出|列举)|"
    r"\b(?:below|the following) (?:we )?(?:list|summari[sz]e|go through)",
    re.IGNORECASE,
)


def announces(text: str) -> bool:
    return bool(_ANNOUNCES.search(text.strip()))


def heading_topic(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """Any other heading whose section explains something (`#### 评估观测序列的概率`): asked as "explain …"."""

    children, text = heading_text(nodes[i])
    if nodes[i].tag == "h1" or not text or text.casefold() in _generic_headings() or len(text) > 60:
        return None
    if _framing(nodes[i], text):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' frames the text around it", rule=ctx.rule)
        return None
    if EQUATION_REF.search(text):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' points at numbered equations the card cannot show")
        return None
    short = len(re.findall(r"[\u4e00-\u9fff]", text)) <= 8 and len(text.split()) <= 5
    explains = _EXPLAINS.search(text)
    if explains and all(t.type == "text" for t in children):
        if not re.search(r"推导|证明$", text):  # `Stacking算法的解释` asks to explain Stacking算法
            children = [text_token(text[: explains.start()].strip())]
    elif short and technical(text) and term_like(text):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' names a thing; it is not asked about", rule=ctx.rule)
        return None
    body = _section_body(nodes, i)
    listed = bool(body) and body[0].type in ("bullet_list", "ordered_list") and len(body[0].children) >= 2
    if listed and sum(_item_defines(c) for c in body[0].children) >= 0.5 * len(body[0].children):
        return None  # a list of definitions: they are the notes
    if not body or not (_prose(body[0]) or listed) or (_prose(body[0]) and _placeholder(node_text(body[0]))):
        return None
    if _formula_next(body, 0):  # the prose only leads into a formula: the formulas are the notes
        return None
    if _code_step(body):
        ctx.explain(ctx.location(nodes[i]).line, f"'{text[:30]}' is a step of code (`加载数据`), not a topic")
        return None
    lead = node_text(body[0]) if _prose(body[0]) else ""
    if lead and (_ANNOUNCES_ALL.search(lead) or announces(lead)):
        ctx.explain(ctx.location(nodes[i]).line, f"the prose below '{text[:30]}' only announces what follows")
        return None
    if "question-line" in ctx.rules and question_paragraph(body[0]):
        return None  # the section opens with its own question: that is the card
    prompt = "讲解：" if ctx.language == "zh" else "Explain: "
    _make(ctx, NoteKind.QA, [text_token(prompt), *children], blocks_of(body[:_MAX_ANSWER_BLOCKS]), nodes[i])
    return i + 1


_MAX_CODE_STEP_PROSE = 150  # characters of prose in a section that is mostly code (a tutorial's step)


def _code_step(body: list[SyntaxTreeNode]) -> bool:
    """A section that is code with a line or two around it: a tutorial's step (`读取数据集`), not a topic."""
    if not any(n.type in ("fence", "code_block") for n in body):
        return False
    return sum(len(node_text(n)) for n in body if n.type == "paragraph") < _MAX_CODE_STEP_PROSE


def _generic_headings() -> set[str]:

    return SECTION_HEADINGS


def _bare_item(node: SyntaxTreeNode) -> list[Token] | None:
    """The words of a one-item list whose item is only a short name (`- 学习率(Learning rate)`)."""
    items = [c for c in node.children if c.type == "list_item"]
    if len(items) != 1 or [c.type for c in items[0].children] != ["paragraph"]:
        return None
    children = trim(inline_children(items[0].children[0]))
    text = plain(children)
    if not children or "\n" in text or text.rstrip().endswith(COLONS) or text.rstrip().endswith(("。", ".")):
        return None
    return children


def _bare_line(node: SyntaxTreeNode) -> list[Token] | None:
    """A paragraph that is only a short name on one line (`AlexNet`, `（4）**分类器**`, `t-SNE（…）`)."""
    if node.type != "paragraph" or (node.parent is not None and node.parent.type == "list_item"):
        return None
    children = trim(inline_children(node))
    text = plain(children)
    if not children or "\n" in text or len(text) > 60 or re.search(r"[。，,.;；:：!！?？$]\s*$|[。；;]", text):
        return None
    if re.search(r"[=→⇒》«»<>|~]|->", text):
        return None  # `数据 ==》 模型 ==》 预测` is a diagram in words, not a name
    allowed = ("text", "strong_open", "strong_close", "em_open", "em_close", "code_inline")
    if any(t.type not in allowed or (t.meta or {}).get("wikilink") for t in children):
        return None
    return _name_tokens(children) or None


def _name_tokens(children: list[Token]) -> list[Token]:
    """A name's words without its numbering (`3. `) and without bold around the whole of it."""
    if children and children[0].type == "text" and NUMBERING.match(children[0].content):
        children = trim([with_content(children[0], NUMBERING.sub("", children[0].content)), *children[1:]])
    if len(children) >= 3 and children[0].type == "strong_open" and children[-1].type == "strong_close":
        children = trim(children[1:-1])
    return children


def _labelled(node: SyntaxTreeNode) -> bool:
    """The paragraph starts with `label：` (plain or bold)."""

    children = trim(inline_children(node))
    if bold_colon_shape(children) is not None:
        return True
    found = _split_at_colon(split_lines(children)[0]) if children else None
    if found is None or not found[0]:
        return False
    label = plain(found[0])
    return generic(label) or (term_like(label) and not _PREDICATE.search(label))


# A name for a group of things (`主要指标 (Main metrics)`, `门类型`): its items are the notes.
_GROUP_NAME = re.compile(
    r"[^\s](?:类型|种类|变种|变体|类别|指标|词汇|术语|概念)\s*(?:[(（][^()（）]*[)）])?$|"
    r"^(?:types|kinds|variants) of\b|\b(?:metrics|vocabulary|terminology|glossary)\s*\)?$",
    re.IGNORECASE,
)


_PARTS = re.compile(
    r"(?:以下|下列|如下)(?:的|几)?(?=[\u4e00-\u9fff]{1,4}$)|(?<![哪第\d])(?=(?:\d+|[两二三四五六七八九十几])\s*(?:个|种|类|条|点|步|方面)"
    r"[\u4e00-\u9fffA-Za-z]{1,6}$)"
)


_POINTS_AT = re.compile(r"^(?:本节|本章|本文|这里|此处|上面|上式|下面|等式|该式|此式)")
_STATES = re.compile(r"(?:分别|依次)?(?:为|是|有|如下)$")


def _ask_parts(text: str) -> str:
    """`学习问题可以划分成两个核心问题` → `…划分成哪两个核心问题？`; `通过X可以了解到以下事实` → `…哪些事实？`:
    a sentence that announces the parts listed below it, turned into the question they answer ('' when it
    announces nothing)."""
    core = text.strip().rstrip("：:。.")
    if len(core) > 30 or re.search(r"[，,。；;！？!?]", core) or _POINTS_AT.match(core) or _STATES.search(core):
        return ""  # a whole sentence, `本节介绍了3种…` (this section), `…分别为` (then says what they are)
    match = _PARTS.search(core)
    if match is None or len(re.findall(r"[\u4e00-\u9fff]", core)) < 6:
        return ""
    replacement = "哪些" if match.group(0) else "哪"
    return core[: match.start()] + replacement + core[match.end() :] + "？"


def item_heading(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`- 学习率(Learning rate)` or `AlexNet` on its own line, then paragraphs or a list: a list item or a
    line used as a heading, defined below it."""

    node = nodes[i]
    if node.type == "paragraph" and _outline_head(nodes, i):
        return _outline_term(ctx, nodes, i)
    children = _bare_item(node) if node.type != "paragraph" else _bare_line(node)
    if children is None or ctx.points_only:
        return None
    emphasised = node.type == "paragraph" and any(t.type == "strong_open" for t in inline_children(node))
    if node.type == "paragraph" and ctx.answering and not (emphasised and technical(plain(children))):
        return None  # inside an answer, only `**1. Sigmoid 函数**` stands for a heading

    text = bare(plain(children))
    if weak_label(text) or generic(text) or _FRAME.search(text):
        return None  # `同理`, `Proof`, `示例`: a connective, a label or a frame, not a name
    if _GROUP_NAME.search(text):
        ctx.explain(ctx.location(node).line, f"'{text[:30]}' names a group (its items are the notes)", rule=ctx.rule)
        return None
    asks = question_like(text) or action(text)
    if not (asks or term_like(text, max_cjk=16, max_words=6)):
        asked = _ask_parts(text)
        below = nodes[i + 1] if i + 1 < len(nodes) else None
        if asked and below is not None and below.type in ("bullet_list", "ordered_list") and not ctx.answering:
            # `- 学习问题可以划分成两个核心问题` over its two items: asked for the parts it announces
            ctx.add_pair(NoteKind.QA, [text_token(asked)], blocks_of([below]), ctx.location(node))
            ctx.points.add(id(below))
            return i + 2
        return None
    body: list[SyntaxTreeNode] = []
    for block in nodes[i + 1 :]:
        if block.type in ("heading", "hr", "html_block") or len(body) >= _MAX_ANSWER_BLOCKS:
            break
        if block.type in ("bullet_list", "ordered_list") and _bare_item(block) is not None:
            break
        if block.type in ("bullet_list", "ordered_list") and not body and node.type != "paragraph":
            break  # `- A` then `- B …`: one list, not a heading and its body
        if _bare_line(block) is not None:
            break
        body.append(block)
    if body:
        ctx.subject = inline_fragment(children)  # it names what is below it (`特点：…` are its)
    listed = node.type == "paragraph" and bool(body) and body[0].type in ("bullet_list", "ordered_list", "fence")
    if not body or not (_prose(body[0]) or body[0].type == "math_block" or listed):
        return None
    if body[0].type == "paragraph" and _labelled(body[0]):
        return None  # `例如：…` shows, `类内一致性：…` defines something else: neither says what the name is
    ctx.sections[7] = inline_fragment(children)  # it names the formulas below it, as a heading would
    core = re.sub(r"\s*[(（].*?[)）]", "", text).strip().casefold()
    says_what = body[0].type == "paragraph" and node_text(body[0]).strip().casefold().startswith(core)
    leads_in = _ends_in_colon(inline_children(body[0])) and _formula_next(body, 0) and not says_what
    if body[0].type == "math_block" or leads_in:
        ctx.explain(ctx.location(node).line, f"'{text[:40]}' names the formula below; that is the note")
        return i + 1
    if asks:
        mark = question_mark(text)
        prompt = [] if question_like(text) else [text_token("讲解：" if ctx.language == "zh" else "Explain: ")]
        front = [*prompt, *children, *([] if text.endswith(("?", "？")) or prompt else [text_token(mark)])]
        _make(ctx, NoteKind.QA, front, blocks_of(body), node)
    else:
        _make(ctx, NoteKind.CONCEPT, children, blocks_of(body), node)
        for block in body:
            if block.type in ("bullet_list", "ordered_list") and not defining_list(block):
                ctx.points.add(id(block))  # `GoogleNet` ⏎ `- 使用 Inception 结构：…`: its features, shown on its card
    return i + 1


def _announced(text: str) -> str:
    """`从最简单的线性回归说起。线性回归问题的3个特点` → `线性回归问题的3个特点？`; empty when the sentence
    does not name its subject (`它的优点如下`)."""
    sentence = re.split(r"[。！？!?；;]\s*", bare(text))[-1].strip()
    sentence = re.sub(r"^(?:因此|所以|那么|总之|综上|总的来说)[，,]?\s*", "", sentence)
    if len(sentence) < 5 or len(sentence) > 40 or _NOT_SUBJECT.match(sentence) or "，" in sentence:
        return ""
    if re.search(
        r"\b(?:it|this|that|them|these|those|they)\b|它|其(?!中|他|余)|这些|这个|那些", sentence, re.IGNORECASE
    ):
        return ""  # `Options to address it`: what "it" is stays on the page
    if re.match(r"^(?:以下|下面|如下|其|上述|前者|后者|两者|二者)", sentence):
        return ""
    return sentence + question_mark(sentence)


def _outline_head(nodes: list[SyntaxTreeNode], i: int) -> bool:
    """`- Forget Gate` whose nested list explains it: an outline item that names what its sub-items say."""
    node = nodes[i]
    if i != 0 or len(nodes) != 2 or node.parent is None or node.parent.type != "list_item":
        return False
    return nodes[1].type in ("bullet_list", "ordered_list")


def _outline_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """The outline item names a term; its nested items that say something are the definition (sub-outlines
    contribute their name only: they become notes of their own)."""

    node, below = nodes[i], nodes[i + 1]
    children = _name_tokens(trim(inline_children(node)))
    text = bare(plain(children))
    allowed = ("text", "strong_open", "strong_close", "em_open", "em_close", "code_inline")
    if (
        not children
        or ctx.points_only
        or any(t.type not in allowed for t in children)
        or "\n" in text
        or re.search(r"[。，,.;；:：!！?？=→]", text)
    ):
        return None
    if ctx.answering and not technical(text):
        return None
    if weak_label(text) or generic(text) or _FRAME.search(text) or _GROUP_NAME.search(text) or action(text):
        return None
    if question_like(text) or not term_like(text, max_cjk=16, max_words=6):
        asked = _ask_parts(text)
        if asked and not question_like(text):  # `- 通过X可以了解到以下事实` over its facts
            ctx.add_pair(NoteKind.QA, [text_token(asked)], _outline_tokens(below), ctx.location(node))
            ctx.points.add(id(below))
            return i + 1
        return None
    outer = node.parent.parent if node.parent is not None else None
    if outer is not None and outer.type == "ordered_list" and not all(_named(_head(c)) for c in outer.children):
        return None  # `1. 初始化` ⏎ `2. 测量` …: the steps of a procedure, not terms
    items = [item for item in below.children if item.type == "list_item"]
    said = [
        item
        for item in items
        if item.children and _prose(item.children[0]) and not _labelled(item.children[0]) and not _linked(item)
    ]
    if not said or any(_labelled(item.children[0]) for item in items if item.children):
        return None  # only names below (kinds of it), or `label：…` items that define other terms
    back = _outline_tokens(below)
    ctx.subject = inline_fragment(children)
    _make(ctx, NoteKind.CONCEPT, children, back, node)
    return i + 1


def _named(text: str) -> bool:
    """A name, not a bare verb or a two-word point: Latin letters in it, or four characters or more."""
    core = bare(text)
    return bool(re.search(r"[A-Za-z]{2}", core)) or len(core) >= 4


def _head(item: SyntaxTreeNode) -> str:
    first = item.children[0] if item.children else None
    return node_text(first) if first is not None and first.type == "paragraph" else ""


def _linked(item: SyntaxTreeNode) -> bool:
    """`- [[GAN]]`, `- [论文](url)`: a pointer to reading, not something said."""
    words = [t for t in inline_children(item.children[0]) if t.type == "text" and t.content.strip()]
    links = [t for t in inline_children(item.children[0]) if t.type == "link_open" or (t.meta or {}).get("wikilink")]
    return bool(links) and len(words) <= len(links)


def _outline_tokens(node: SyntaxTreeNode) -> list[Token]:
    """The list without its deeper lists: each sub-outline is a note of its own."""
    out: list[Token] = []
    depth = 0
    for token in node.to_tokens():
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        if depth <= 1:
            out.append(token)
        if token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
    return out


def _marked(children: list[Token], *, emphasis: bool = False) -> str:
    """The text with bold spans between \x01 and \x02 (with `emphasis`, italic ones between \x03 and \x04)
    and inline math as `$…$`."""
    out = []
    for token in children:
        if token.type == "strong_open":
            out.append("\x01")
        elif token.type == "strong_close":
            out.append("\x02")
        elif emphasis and token.type in ("em_open", "em_close"):
            out.append("\x03" if token.type == "em_open" else "\x04")
        elif token.type.startswith("math_inline"):
            out.append(f"${token.content}$")
        elif token.type in ("text", "code_inline"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


def _marked_node(node: SyntaxTreeNode, *, emphasis: bool = False) -> str:
    """`_marked` of a block's text, computed once per block (several rules read it)."""
    key = "_marked_emphasis" if emphasis else "_marked"
    found = node.__dict__.get(key)
    if found is None:
        found = node.__dict__[key] = _marked(inline_children(node), emphasis=emphasis)
    return found


# `**线性高斯模型**（状态转移、观测都是线性的，噪声为高斯分布）`: a bold term glossed in words right after it.
_GLOSSED = re.compile(
    r"\x01(?P<term>[^\x01\x02$]{2,20})\x02\s*[（(](?P<gloss>[^()（）]{6,80})[)）]"
    r"|(?<![A-Za-z\x01])(?P<latin>[A-Z][A-Za-z-]{2,}(?: [A-Za-z-]{2,}){0,2})[（(](?P<latin_gloss>[^()（）]{8,80})[)）]"
)
# `**线性判别函数** LDF（Linear Discriminant Function）`, `**独立同分布 (independent and identically distributed)**`:
# a bold name with its English name in brackets, inside or right after the bold, is a term being introduced.
_ENGLISHED = re.compile(
    r"\x01(?P<term>[^\x01\x02$（()）]{2,20}?)\s*(?:[（(](?P<inner>[A-Za-z][^()（）\x01\x02$]{2,60})[)）]\s*\x02|"
    r"\x02\s*(?P<code>[A-Z]{2,6})?\s*[（(](?P<outer>[A-Za-z][^()（）\x01\x02$]{2,60})[)）])"
)
_NOT_GLOSS = re.compile(r"\s*(?:如|例如|比如|譬如|或|或者|即|也就是|e\.g\.|i\.e\.|[A-Za-z])", re.IGNORECASE)
# English prose naming a term it marks: `This term is called a *limit*`, `f is said to be *differentiable*`.
_CALLED = re.compile(
    r"\b(?:is|are|be)\s+(?:(?:often|also|usually|commonly)\s+)?(?:called|known\s+as|termed|referred\s+to\s+as|"
    r"said\s+to\s+be)\s+(?:an?\s+|the\s+)?[\x01\x03](?P<term>[^\x01-\x04]{2,40})[\x02\x04]",
    re.IGNORECASE,
)
_HEAD_NOUN = re.compile(
    r"\s+(norms?|functions?|matri(?:x|ces)|vectors?|distributions?|loss(?:es)?|layers?|networks?|models?|rates?|"
    r"errors?|spaces?|sets?|process(?:es)?|problems?|methods?|algorithms?|theorems?|rules?|variables?|values?|"
    r"products?|units?|gates?|kernels?|decompositions?|inequalit(?:y|ies)|estimators?)\b",
    re.IGNORECASE,
)
_CALLING = ("called", "known", "termed", "referred", "said")  # every verb _CALLED needs
_NAMING = "称叫谓记$"  # a character every form of _NAMED needs
_ALIAS_VERB = re.compile(r"^(?:也|又|亦|或)(?:称|叫|被称)|^简称")


def named_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A term introduced in a sentence: `…称为"版本空间"`, `我们称该方面的信息为"标记"`."""
    if ctx.claimed_by in ("cloze", "qa-prefix"):
        return None  # the author made this paragraph the card they wanted (a cloze of the very name, say)
    node = nodes[i]
    text = _marked_node(node)
    terms = []
    glosses = _GLOSSED.finditer(text) if "(" in text or "（" in text else ()
    for glossed in glosses:
        term = (glossed["term"] or glossed["latin"]).strip()
        gloss = glossed["gloss"] or glossed["latin_gloss"]
        worded = len(re.findall(r"[\u4e00-\u9fff]", gloss)) >= (6 if glossed["term"] else 8)
        named = term_like(term, max_cjk=12) and not generic(term) and not question_like(term)
        if worded and named and not _NOT_GLOSS.match(gloss):
            terms.append(term)
    for englished in _ENGLISHED.finditer(text) if "(" in text or "（" in text else ():
        term = NUMBERING.sub("", englished["term"]).strip()
        english = (englished["inner"] or englished["outer"]).strip()
        if re.search(r"[\u4e00-\u9fff]", english) or not re.search(r"[\u4e00-\u9fff]", term):
            continue  # `**分类任务**（one-hot 标签）` qualifies; an English name has no Chinese in it
        if term_like(term, max_cjk=12) and not generic(term) and not action(term):
            code = f" {englished['code']}" if englished["code"] and englished["code"] not in term else ""
            terms.append(f"{term}{code}（{english}）")
    lowered = text.lower()
    calling = any(word in lowered for word in _CALLING)
    called_in = _marked_node(node, emphasis=True) if calling else ""
    for called in _CALLED.finditer(called_in):
        term = " ".join(called["term"].split())
        head = _HEAD_NOUN.match(called_in, called.end())  # `the *spectral* norm`: the name goes on past the marks
        term = f"{term} {head[1]}" if head else term
        if term_like(term, max_words=4) and not generic(term) and not re.search(r"[\x01-\x04$]", term):
            terms.append(term)
    for match in _NAMED.finditer(text) if any(c in text for c in _NAMING) else ():
        term = (match[1] or match["aliased"]).strip()
        if "$" in term:
            continue  # `"$\epsilon$不敏感损失函数"`: a name with math in it is not shown as plain text
        if ctx.claimed_by and _ALIAS_VERB.search(text[max(0, match.start() - 1) : match.end()]):
            continue  # `**样本空间**：也称为"输入空间"`: another name for the term this paragraph defines
        if term_like(term, max_cjk=12) and not generic(term):
            terms.append(term)
        if len(terms) > _MAX_NAMED:
            ctx.explain(ctx.location(node).line, "a paragraph that names this many terms is a list of names")
            return None
    if not terms and any(c in text for c in "称叫"):
        for match in _NAMED_PLAIN.finditer(text):
            term = match["plain"].strip()
            if term_like(term, max_cjk=10, max_words=3) and not generic(term) and not _NOT_A_NAME.search(term):
                terms.append(term)
    terms = [t for t in (_QUANTIFIER.sub("", t).strip() for t in terms) if t and not _SLUG.match(t)]
    for term in terms:
        ctx.add_pair(NoteKind.CONCEPT, [text_token(term)], node.to_tokens(), ctx.location(node))
    return i + 1 if terms else None


_NOT_A_NAME = re.compile(r"^(?:是|一种|一个|这|那|它|其)|的|了|可能|应该|可以")  # `称为是一种…`, `一致的`
_QUANTIFIER = re.compile(r"^(?:一个|一种|一组|一类|一些|某个|某种|每个)(?=\S{2})")  # `一个样本（sample）` names 样本
_SLUG = re.compile(r"^[\w.-]+/[\w.-]+$")  # `d2l-ai/d2l-zh`: a repository, not a term


_ALIASED = re.compile(
    r"(?:^|(?<=[，。；：、,;:\s]))(?:其中|这里|此处|所谓)?[，,]?\s*"
    r"(?P<term>[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z][A-Za-z0-9-]*){1,4}|[\u4e00-\u9fffA-Za-z0-9-]{2,16}?)"
    r"\s*[（(](?P<alias>[A-Za-z][A-Za-z0-9 '’/-]{1,48})[)）]"
    r"(?P<cue>\s*(?:是指|指的是|是一种|是一个|是|指|就是|即|表示|定义为|称为|用于|用来|可以|被|通过|解决))"
)


_ALIAS_OPEN = re.compile(r"[（(][A-Za-z]")


def alias_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`交叉熵（cross entropy）是…`: a term introduced with its English name, as the subject of its sentence."""
    node = nodes[i]
    if ctx.answering or ctx.claimed_by:
        return None  # inside an answer, or a note already made here
    text = node_text(node)
    made = 0
    if not 0 < len(_ALIAS_OPEN.findall(text)) < 3:
        return None  # no English name in brackets (the pattern below needs one), or a list of names
    for match in _ALIASED.finditer(text):
        term = f"{match['term']}（{match['alias'].strip()}）"
        if not term_like(term, max_cjk=12) or generic(match["term"]) or action(match["term"]):
            continue  # `利用残差块（residual blocks）` says what is done with it
        ctx.add_pair(NoteKind.CONCEPT, [text_token(term)], node.to_tokens(), ctx.location(node))
        made += 1
    return i + 1 if made else None


# `Baum-Welch 算法是一种 EM 算法……`, `召回率是“……”，精确率是“……”`: a name as the subject of a defining verb,
# at the start of the paragraph or of a sentence or clause.
_SUBJECT = re.compile(
    r"(?:^|(?<=[。；;！!]))\s*(?P<term>[^，。,；;：:“”\"（）()\s][^，。,；;：:“”\"（）()]{1,23}?)\s*"
    r"(?:是一种|是一类|是一个|是一项|是一门|是指|指的是|是用来|是用于|就是指|是由|是“|是\")"
    r"|(?:(?<=[，,])\s*)(?P<next>[^，。,；;：:“”\"（）()\s][^，。,；;：:“”\"（）()]{1,11}?)\s*(?:是“|是\"|是指)"
)
_NOT_SUBJECT = re.compile(
    r"^(?:这|那|它|其|该|此|本|我们|我|你|他|她|每|所有|任何|一个|一种|如果|若|当|而|但|也|都|就)"
)


def subject_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`Baum-Welch 算法是一种 EM 算法，……`: a term named as the subject of a defining sentence."""
    if ctx.claimed_by or ctx.points_only:
        return None
    node = nodes[i]
    text = node_text(node).strip()
    if len(text) < 12 or "是" not in text:  # every defining verb of the pattern has 是
        return None
    terms: list[str] = []
    for match in _SUBJECT.finditer(text):
        term = (match["term"] or match["next"]).strip()
        if (
            _NOT_SUBJECT.match(term)
            or _PREDICATE.search(term)
            or "\\" in term
            or re.search(r"[都也就才还则只仅正]$", term)
        ):
            continue  # `卡尔曼滤波都是指`: an adverb, not part of the name; TeX is not a name either
        if term_like(term, max_cjk=12, max_words=5) and not generic(term) and _names_something(term):
            terms.append(term)
    if not terms or len(terms) > _MAX_NAMED:
        return None
    for term in terms:
        ctx.add_pair(NoteKind.CONCEPT, [text_token(term)], node.to_tokens(), ctx.location(node))
    return i + 1


# `状态集 $S=\{s_1,…\}$ ，即……`, `乘法次数 FLOPs（考虑偏置）为 $…$`, `通过推导得到**投影向量**为 $w=…$`: a name
# introduced with its symbol or formula at the start of a paragraph.
_SYMBOL_TERM = re.compile(
    r"^\s*(?:[(（][^()（）]{0,12}[)）]\s*)?(?:(?:定义|通过推导得到|推导得到|最终得到|得到|记|令)\s*)?"
    r"(?:\x01(?P<bold>[^\x01\x02$]{1,24})\x02|(?P<plain>[^\x01\x02$，。,.；;：:（(\s][^\x01\x02$，。,.；;：:（(]{1,19}?))"
    r"\s*(?:[（(][^()（）$]{0,30}[)）])?\s*(?P<cue>为|是)?\s*(?P<colon>[:：])?\s*\$(?P<math>[^$]{1,300})\$\s*"
    r"(?:[，,。.；;]|$|即|其中|表示|最常用)"
)
_NOT_SYMBOL_SUBJECT = re.compile(
    r"^(?:假设|如果|对于|在|由|根据|因为|所以|则|求|计算|使用|考虑|取|当|若|设|给定|记|令|同理|其中|即|为|用|以|把|将|"
    r"随机|通常|一般)|(?:记作|记为|使用|加入|满足|表示|采用|通常|分别)$"
)


# `- $\boldsymbol{u}_n: n_u\times 1$ 为控制向量，是系统的一个可测量的输入。`: a symbol named, then said more about.
_SYMBOL_FIRST = re.compile(
    r"^\s*\$(?P<math>[^$]{1,80})\$\s*(?:为|是|表示|代表)\s*\x01?(?P<term>[^\x01\x02$，,。；;：:（(\s]{2,14}?)\x02?"
    r"\s*(?:[（(][^()（）$]{0,30}[)）])?(?:或[^\x01\x02$，,。；;：:（(\s]{2,14})?\s*[，,。；;]\s*(?P<after>\S.*)$",
    re.S,
)


def _symbol_first(ctx: Context, node: SyntaxTreeNode, text: str) -> int | None:
    found = _SYMBOL_FIRST.match(text)
    if found is None:
        return None
    term, after = found["term"], found["after"]
    said = len(re.findall(r"[\u4e00-\u9fff]", after)) >= 6 or len(re.findall(r"[A-Za-z]{2,}", after)) >= 4
    if not said and "$" not in after:
        return None  # `$F$ 为状态转移矩阵。`: a name only; what it is, is not said
    if not term_like(term, max_cjk=12) or generic(term) or not _names_something(term) or _PREDICATE.search(term):
        return None
    quantity = re.search(
        r"(?:矩阵|向量|变量|参数|常数|函数|噪声|协方差|方差|均值|概率|集合?|空间|系数|因子|率|值|量)$", term
    )
    if not quantity or re.search(r"(?:数量|个数|数目|次数|维度|维数)$", term):
        return None  # `$n$ 为样本数，…`: only quantities and objects are named this way, not counts or steps
    ctx.add_pair(NoteKind.CONCEPT, [text_token(term)], node.to_tokens(), ctx.location(node))
    return 1


def symbol_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`状态集 $S$ ，即有 N 个不同状态。`: a term introduced with its symbol or formula, defined by the sentence;
    or the other way round: `$\boldsymbol{u}$ 为控制向量，是系统可测量的输入。`."""

    if ctx.points_only:
        return None
    node = nodes[i]
    text = _marked_node(node)
    if "$" not in text:
        return None  # both shapes name a symbol or a formula
    if _symbol_first(ctx, node, text):
        return i + 1
    found = _SYMBOL_TERM.match(text)
    if found is None or len(re.findall(r"[\u4e00-\u9fffA-Za-z]", text)) < 8:
        return None
    term = (found["bold"] or found["plain"]).strip()
    if _NOT_SUBJECT.match(term) or _NOT_SYMBOL_SUBJECT.search(term) or _PREDICATE.search(term):
        return None
    if _STEP_NAME.match(term) or action(term) or weak_label(term) or _DESCRIPTION.search(term):
        return None  # `初始化：$…$`, `选择初值 $…$`, `同理 $…$`: a step or a connective, not a name
    after = text[found.end() :]
    if text.rstrip().endswith(COLONS):
        return None  # `记卡尔曼增益 $K=…$，融合后的方差为：` leads into a formula; it is that formula's label
    said = found["cue"] or found["colon"] or found["bold"]
    # one of a run of such paragraphs (`状态集 $S=…$，…` ⏎ `观测集 $O=…$ .`): the run lists named symbols
    run = ctx.previous_rule == "symbol-term" and not found["colon"]
    if (
        not said
        and not run
        and not re.match(r"[\s，,]*(?:即|其中|表示|代表|是|指|称为|为)", text[found.end("math") + 1 :])
    ):
        return None  # `判别模型学习条件分布 $p(y|x)$，生成模型则……`: a clause, not a name and what it is
    explained = len(re.findall(r"[\u4e00-\u9fff]", after)) >= 4 or len(re.findall(r"[A-Za-z]{2,}", after)) >= 3
    if not explained and not (found["cue"] or found["bold"] or run):
        return None  # `状态预测：$…$` alone: a formula in a list (the formula is the card), not a definition
    if not term_like(term, max_cjk=12, max_words=5) or generic(term) or not _names_something(term):
        return None
    ctx.add_pair(NoteKind.CONCEPT, [text_token(term)], node.to_tokens(), ctx.location(node))
    return i + 1


_ACTION = re.compile(r"适用|具有|使用|允许|包括|包含|组成|由|对|在|从|将|把|会|能|可|要|应|有|无|不|没")
_CLAUSE_END = re.compile(r"^(?P<term>[^，。,.:：]{1,40}?)\s*(?P<sep>[，。,.])\s*(?P<rest>\S.*)$", re.S)


def comma_term(children: list[Token]) -> tuple[str, list[Token]] | None:
    """`回归，输出为连续变量。` → ("回归", the rest): a technical term, a comma, what it is."""

    children = trim(children)
    if not children or children[0].type != "text":
        return None
    match = _CLAUSE_END.match(children[0].content)
    term = match["term"].strip() if match else ""
    if not match or not technical(term) or not term_like(term, max_cjk=8):
        return None
    latin_named = match["sep"] in "，。" and re.match(r"[\u4e00-\u9fff]", match["rest"]) is not None
    if not re.search(r"[\u4e00-\u9fff]", term) and not (latin_named and len(term.split()) <= 4):
        return None  # `Dropout，训练时随机丢弃神经元。` names a term; `First, we …` does not
    rest = trim([with_content(children[0], match["rest"]), *children[1:]])
    if not _substantive(rest, 5) or _PREDICATE.search(term) or _ACTION.search(term) or "的" in term:
        return None  # `合理的参数初始化，…` describes what to do; it names nothing
    return term, rest


def list_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A list item `1. 回归，输出为连续变量。`: a technical term, a comma, what it is."""
    node = nodes[i]
    if node.parent is None or node.parent.type != "list_item":
        return None
    found = comma_term(inline_children(node))
    if found is None:
        return None
    term, rest = found
    aliased = re.search(r"[（(][A-Za-z][^()（）]*[)）]$", term) is not None
    if ctx.points_only or (ctx.answering and not aliased):
        return None
    ctx.add_pair(NoteKind.CONCEPT, [text_token(term)], paragraph_tokens(rest, node.map), ctx.location(node))
    return i + 1


_FACETS = word_set(
    "特点|特性|优点|缺点|优势|劣势|不足|局限|局限性|缺陷|作用|用途|应用|应用场景|适用场景|原理|基本原理|工作原理|"
    "核心思想|思想|思路|目的|意义|步骤|流程|本质|效果|影响|优缺点|注意事项|适用范围|使用场景|"
    "pros|cons|advantages|disadvantages|limitations|benefits|drawbacks|applications|"
    "challenges|challenges and solutions|common challenges|pitfalls|common pitfalls|挑战|难点"
)
# A heading that names its subject and one side of it (`BN的问题`, `BN计算过程`); without `的` only the facets
# that cannot end a name (`马尔可夫过程`, `优化问题` are names).
_TRAILING_FACETS = _FACETS | word_set("过程|问题|主要问题|存在的问题|好处|弊端|优劣|异同|适用条件|计算方法|计算方式")
_BARE_FACETS = word_set(
    "计算过程|训练过程|推导过程|求解过程|优缺点|优点|缺点|原理|工作原理|基本原理|步骤|流程|作用|特点|局限性|适用场景"
)


def _alternatives(words: set[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_BRINGS = "带来|产生|具有|存在|解决|面临|遇到|引起|导致"  # `带来的优势`: what a verb brings, not a thing's name
_VERB_SUBJECT = re.compile(rf"(?:^|[\s\d.、])(?:{_BRINGS}|有)$")
_OWN_FACET = re.compile(
    rf"^(?P<subject>\S.{{1,24}}?)\s*(?:的\s*(?P<facet>(?:基本|主要|核心|根本)?(?:{_alternatives(_TRAILING_FACETS)}))"
    rf"|(?P<bare>{_alternatives(_BARE_FACETS)}))$"
    r"|^(?P<facet_en>advantages|disadvantages|limitations|benefits|drawbacks|applications|properties|pros and cons)"
    r"\s+of\s+(?:the\s+)?(?P<subject_en>\S.{1,40})$",
    re.IGNORECASE,
)


def own_facet(text: str) -> tuple[str, str] | None:
    """(subject, facet) of a heading that asks about one side of a thing: `BN的作用`, `Limitations of ReLU`."""
    found = _OWN_FACET.match(text)
    if found is None or question_like(text):  # `解释 MLP 的工作原理` asks: heading-asks answers it
        return None
    subject = (found["subject"] or found["subject_en"]).strip()
    facet_name = found["facet"] or found["bare"] or found["facet_en"]
    if not term_like(subject, max_cjk=12, max_words=5) or generic(subject) or _VERB_SUBJECT.search(subject):
        return None  # `带来的优势`, `解决的问题`: what a verb brings, not the name of a thing
    return subject, facet_name


_STEPS_LABEL = re.compile(
    r"^(?:具体|主要|基本|详细|完整)?的?(?:算法|计算|训练|求解|实现|迭代)?(?:步骤|流程)(?:如下)?$"
    r"|^(?:the\s+)?(?:algorithm\s+)?steps$",
    re.IGNORECASE,
)


def _label_and_rest(children: list[Token]) -> tuple[list[Token], list[Token]] | None:
    """`特点：…` or `**特点**：…` / `**特点：**…` → (label, what follows the colon)."""

    found = bold_colon_shape(children)
    if found is not None:
        return found
    return _split_at_colon(split_lines(children)[0]) if children else None


def _subject(ctx: Context, below: int) -> str:
    """What a facet is of: the nearest section above level `below` that names something, else the chapter."""

    for level in sorted((lv for lv in ctx.sections if lv < below), reverse=True):
        text = bare(ctx.sections[level].plain())
        framing = _FRAME.search(text) is not None  # `#### 数学基础` under `### HMM`: HMM is the subject
        if (
            text
            and not framing
            and not generic(text)
            and not TOPIC_WORDS.search(text)
            and not any(f in text for f in _FACETS)
        ):
            return text if len(text) <= 30 else ""
    return bare(ctx.chapter.title) if len(ctx.chapter.title) <= 30 else ""


def _facet_question(subject: str, name: str) -> str:
    zh = re.search(r"[\u4e00-\u9fff]", subject + name) is not None
    return f"{subject}的{name}？" if zh else f"{name} of {subject}?"


def facet_heading(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`#### 优点` under `## 线性回归`: asked as "线性回归的优点？", answered by the section."""
    node = nodes[i]
    _, name = heading_text(node)
    if node.tag == "h1":
        return None
    own = own_facet(name)
    verb = _VERB_FACET.match(name)
    if own is not None:  # `### BN的作用`: the heading names its subject itself
        subject, name = own
    elif name.casefold() not in _FACETS and verb is None:
        return None
    else:
        subject = _subject(ctx, int(node.tag[1]))
    body = [n for n in _section_body(nodes, i) if n.type != "hr"][:_MAX_ANSWER_BLOCKS]
    if not subject or not body:
        return None
    # `#### 带来的优势` under `## 批归一化`: "批归一化带来的优势？"
    question = f"{subject}{name}？" if verb is not None else _facet_question(subject, name)
    ctx.add_pair(NoteKind.QA, [text_token(question)], blocks_of(body), ctx.location(node))
    return i + 1


_VERB_FACET = re.compile(rf"^(?:{_BRINGS})的(?:{_alternatives(_TRAILING_FACETS)})$")


def _item_subject(node: SyntaxTreeNode) -> str:
    """`1. **Batch Gradient Descent**:` ⏎ `- **Pros**: …`: the bold name of the list item a facet is nested in."""
    item = node.parent
    outer = item.parent.parent if item is not None and item.type == "list_item" and item.parent is not None else None
    if outer is None or outer.type != "list_item":
        return ""
    first = next((c for c in outer.children if c.type == "paragraph"), None)
    found = leading_bold(inline_children(first)) if first is not None else None
    name = bare(plain(found[0])).rstrip(":：").strip() if found is not None else ""
    return name if term_like(name, max_cjk=12, max_words=5) and not generic(name) else ""


def facet(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`特点：…` under `### Sigmoid 函数`: asked as "Sigmoid 函数的特点？" (not inside a question's own answer)."""
    node = nodes[i]
    if node.type == "heading":
        return facet_heading(ctx, nodes, i)
    if ctx.answering or ctx.section is None or (":" not in node_text(node) and "：" not in node_text(node)):
        return None
    found = _label_and_rest(trim(inline_children(node)))
    if found is None:
        return None
    label, rest = found
    name = bare(plain(label))
    owner = _item_subject(node)
    if owner:  # the card of `**Batch Gradient Descent**:` shows its nested `**Pros**: …` already
        ctx.explain(ctx.location(node).line, f"a facet of '{owner[:30]}', shown on its card", rule=ctx.rule)
        return None
    subject = bare((ctx.subject or ctx.section).plain())
    if len(subject) > 30:  # `批量梯度下降法(Batch Gradient Descent, BGD)`: the name without its long gloss
        subject = re.sub(r"\s*[(（][^()（）]*[)）]\s*", " ", subject).strip()
    steps = not rest and _STEPS_LABEL.match(name) is not None
    if steps:
        name = "步骤" if re.search(r"[\u4e00-\u9fff]", name) else "steps"
    if name.casefold() not in _FACETS or not subject or len(subject) > 30:
        return None
    if steps:  # `具体算法步骤：` over `(Ⅰ) 初始化：…`, `(Ⅱ) 递归：…`: the steps down to the next heading
        body = [n for n in _section_body(nodes, i)[: 2 * _MAX_ANSWER_BLOCKS] if n.type != "hr"]
        back = blocks_of(body)
    else:
        back = paragraph_tokens(rest, node.map) if rest else blocks_of(_next_definition(nodes, i))
    if not back:
        return None
    ctx.add_pair(NoteKind.QA, [text_token(_facet_question(subject, name))], back, ctx.location(node))
    return i + 1


_DASH = re.compile(r"\s+[-–—]{1,2}\s+|\s*——\s*")
_MARKS = ("em_open", "em_close", "strong_open", "strong_close")


def _split_at_dash(children: list[Token]) -> tuple[list[Token], list[Token]] | None:
    """(`term`, `definition`) of `Term — definition` / `*Term* - definition`; the dash sits in top-level text."""
    for n, token in enumerate(children):
        if token.type != "text":
            continue
        found = _DASH.search(token.content)
        if found is None:
            continue
        head = token.content[: found.start()]
        tail = token.content[found.end() :]
        term = trim([*children[:n], *([text_token(head)] if head.strip() else [])])
        rest = trim([*([text_token(tail)] if tail.strip() else []), *children[n + 1 :]])
        return (term, rest) if term and rest else None
    return None


def _dash_shape(item: SyntaxTreeNode) -> bool:
    first = item.children[0] if item.children else None
    return first is not None and first.type == "paragraph" and _split_at_dash(trim(inline_children(first))) is not None


def dash_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`- Precision — the share of predicted positives that are correct`, `- *Batch size* - the number of…`: a
    glossary item whose term and definition a dash separates. An unmarked term needs a list of such items."""
    node = nodes[i]
    item = node.parent
    if i != 0 or item is None or item.type != "list_item" or item.parent is None or ctx.points_only:
        return None
    children = trim(inline_children(node))
    if any(t.type in ("softbreak", "hardbreak") for t in children):
        return None
    found = _split_at_dash(children)
    if found is None:
        return None
    term, rest = found
    marked = [t for t in term if t.type not in _MARKS]
    wrapped = (term[0].type in ("em_open", "strong_open") and term[-1].type in ("em_close", "strong_close")) or (
        len(term) == 1 and term[0].type == "code_inline"
    )
    text = bare(plain(term)).strip()
    siblings = [c for c in item.parent.children if c.type == "list_item"]
    dashed = sum(_dash_shape(c) for c in siblings)
    defining = sum(_dash_shape(c) or _item_defines(c) for c in siblings)  # `- 感受野：…` ⏎ `- 步长 stride —— …`
    listed = len(siblings) >= 2 and (dashed >= max(2, 0.6 * len(siblings)) or defining >= max(3, 0.75 * len(siblings)))
    if not (wrapped or listed) or not marked or any(t.type in ("math_inline", "link_open", "image") for t in marked):
        return None
    if not term_like(text, max_cjk=12, max_words=4) or generic(text) or question_like(text) or action(text):
        return None
    if re.search(r"\d{3,}|^\d", text) or not _substantive(rest, 4):
        return None
    back = [*paragraph_tokens(rest, node.map), *blocks_of(nodes[1:])]
    front = trim([t for t in term if t.type not in _MARKS]) if wrapped else term
    _make(ctx, NoteKind.CONCEPT, front, back, node)
    return len(nodes)


_DEFINITION_LABEL = re.compile(
    r"^\s*(?:定义|定理|引理|命题|推论|Definition|Def\.|Theorem|Lemma|Proposition|Corollary)\s*[\d.\-]*\s*"
    r"[（(](?P<term>[^（）()]{1,30})[)）]\s*[.。:：]?\s*$",
    re.IGNORECASE,
)


def definition_label(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """A textbook's `**定义 3.1（线性模型）** 给定……` / `**Definition 2.1 (Convex set).** A set is convex if …`: the
    name in brackets is the term (a definition) or the result's name (a theorem); the rest states it."""
    node = nodes[i]
    found = leading_bold(inline_children(node))
    if found is None:
        return None
    label = _DEFINITION_LABEL.match(plain(found[0]))
    rest = trim(found[1])
    if rest and rest[0].type == "text":
        rest = trim([with_content(rest[0], rest[0].content.lstrip(" .。:：")), *rest[1:]])
    if label is None or not rest or not _substantive(rest, 4):
        return None
    term = label["term"].strip()
    if not term_like(term, max_cjk=16, max_words=6) or generic(term):
        return None
    theorem = not re.match(r"\s*(?:定义|Def)", plain(found[0]), re.IGNORECASE)
    if theorem:
        front = [text_token(f"{term}的内容？" if ctx.language == "zh" else f"State {term}.")]
        ctx.add_pair(NoteKind.QA, front, paragraph_tokens(rest, node.map), ctx.location(node))
    else:
        ctx.add_pair(NoteKind.CONCEPT, [text_token(term)], paragraph_tokens(rest, node.map), ctx.location(node))
    return i + 1


def _file_title(ctx: Context) -> str:
    return re.sub(r"[_-]+", " ", NUMBERING.sub("", PurePosixPath(ctx.file.rel).stem)).strip()


def title_term(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """An Obsidian note named after its term, whose first paragraph defines it: `Gradient Descent.md` opening with
    `Gradient descent is an iterative optimization algorithm …`."""
    node = nodes[i]
    if ctx.answering or node.parent is None or node.parent.type != "root":
        return None
    earlier = [n for n in nodes[:i] if n.type == "paragraph" and not tag_line(node_text(n))]
    if earlier or any(1 < level < 7 for level in ctx.sections):
        return None  # only the note's opening paragraph, before any sub-heading
    title = _file_title(ctx)
    text = node_text(node).strip()
    if not title or not term_like(title, max_cjk=12, max_words=5) or generic(title):
        return None
    lead = re.match(
        rf"^(?:the\s+|an?\s+)?{re.escape(title)}\s*(?:[(（][^()（）]{{1,40}}[)）]\s*)?"
        r"(?:is|are|refers to|means|describes|是|指|就是|是指)(?![A-Za-z])",
        text,
        re.IGNORECASE,
    )
    if lead is None or not _substantive([text_token(text[lead.end() :])], 6):
        return None
    ctx.add_pair(NoteKind.CONCEPT, [text_token(title)], node.to_tokens(), ctx.location(node))
    return i + 1
