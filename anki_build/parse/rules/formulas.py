"""Display formulas: what each one is called on its card, and which formulas are one derivation.

A formula's front names what it asks for: the bold term or the sentence before it, unless that
sentence only points at context the card does not show ("所以", "将其代入上式可得", "this gives"); then
the nearest heading names it (with the formula's left-hand side, so that several formulas under one
heading stay distinct) and the sentence goes to the back. Display blocks linked only by such
sentences continue one derivation and become one derivation card.
"""

from __future__ import annotations

import re

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from ...structure import Fragment, NoteKind
from ..context import Context, normalise_key
from ..tokens import (
    Node,
    bold_term,
    inline_children,
    inline_fragment,
    lone_math,
    node_text,
    plain,
    strip_trailing_colon,
    text_token,
    trim,
)
from .words import NUMBERING as HEADING_NUMBERING
from .words import term_like

WHERE = re.compile(r"^\s*(?:其中|式中|这里|where\b)", re.IGNORECASE)
NUMBERING = re.compile(r"^\s*(?:(?:\d+\.)+\d*|\d+[.)、]|[(（]\d+[)）]|[一二三四五六七八九十]+[、.]|Q\d+[:：.]?)\s*")
_LEAD = (
    "所以|因此|最终|最后|此外|另外|首先|其次|接下来|可以看到|可见|我们注意到|注意到|因而|于是|从而|即|则|故|可得|"
    "得到|可以得到|得|有|同理|同样地|同样|类似地|类似的|代入|带入|将|把|综上|由此|如下|那么|此时|这时|"
    "也就是说|也就是|也即|进而|接着|然后|其中|又因为|又|再|而|且|解得|整理得|展开得|化简得|推出|可知|由|根据|依据|对其|对上式|"
    "显然|易知|易得|已知|移项|令|"
    "so|thus|hence|therefore|then|which gives|giving|we get|we have|we obtain|this gives|that is|i\\.e\\.|where|and|"
    "similarly|likewise|finally|next|now|moreover|furthermore|in addition|recall that|note that|plugging|substituting|"
    "this|these|it|"
    "after all|in other words|in particular|as a result|consequently|it follows that|combining|putting"
)
_CJK_LEAD = "|".join(w for w in _LEAD.split("|") if re.search(r"[\u4e00-\u9fff]", w))
_EN_LEAD = "|".join(w for w in _LEAD.split("|") if not re.search(r"[\u4e00-\u9fff]", w))
# `已知E = …，所以`: a Chinese lead may touch a Latin symbol; an English one must end a word (`so` is not `some`)
_LEADING = re.compile(rf"^(?:{_CJK_LEAD}|(?:{_EN_LEAD})(?![A-Za-z]))", re.IGNORECASE)
_POINTER = re.compile(
    r"上式|前式|该式|此式|上述|上面|以上|代入|带入|式\s*[(（]?\s*\d|公式\s*[(（]?\d|第\s*\d+\s*(?:[项步行]|个等号)|"
    r"图\s*\d+\.\d+|\bfig(?:ure)?\.?\s*\d|"
    r"\bthe (?:above|previous|last)\b|\bequation\s*\(?\d|\beq\.?\s*\(?\d",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(r"其|它|该|此(?!外)|这个|这些|同样|同理|\b(?:its|it|this|these|them|likewise)\b", re.IGNORECASE)
_FUNCTION = set("的了是为有将其把对于在中上下式可以就都也还如等和与及或并且而若则即得到出来这那此该一个些我们它们")
_STOP = {"the", "a", "an", "of", "to", "is", "are", "and", "in", "for", "with", "we", "can", "be", "by", "on", "as"}
_STOP |= {"this", "that", "these", "then", "thus", "so", "which", "gives", "get", "have", "obtain", "where", "it"}
# Words of the writing around a formula (`In this case we will write`, `By the same reasoning as above, we see that`)
_STOP |= {"will", "write", "written", "could", "may", "might", "see", "case", "denote", "express", "expressed"}
_STOP |= {"calculate", "compute", "now", "here", "just", "also", "us", "let", "our", "following", "above", "below"}
_STOP |= {"same", "reasoning", "way", "follows", "yields", "yield", "find", "note", "recall", "point", "at", "from"}
_RELATION = re.compile(
    r"(?<![<>!\\])=|\\approx|\\sim(?![A-Za-z])|\\equiv|\\triangleq|\\le(?:q)?(?![A-Za-z])|\\ge(?:q)?(?![A-Za-z])|\\propto"
)


def naming_content(text: str) -> tuple[int, int]:
    """(CJK characters that are not function words, English content words): how much a label names."""
    text = re.sub(r"\\[A-Za-z]+", " ", text)  # TeX command names name nothing
    cjk = sum(1 for ch in re.findall(r"[\u4e00-\u9fff]", text) if ch not in _FUNCTION)
    words = sum(1 for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in _STOP)
    return cjk, words


def weak_label(text: str) -> bool:
    """A sentence that only connects or points ("所以", "代入上式可得", "this gives"), not one that names."""
    text = NUMBERING.sub("", re.sub(r"\s+", " ", text)).strip(" :：,，.。;；")
    if not text:
        return True
    rest = _POINTER.sub(" ", _LEADING.sub(" ", text))
    cjk, words = naming_content(rest)
    words_shown = re.findall(r"[A-Za-z]{2,}", re.sub(r"\\[A-Za-z]+", " ", text))  # TeX commands are not words
    short = len(re.findall(r"[\u4e00-\u9fff]", text)) <= 16 and len(words_shown) <= 6
    if _LEADING.match(text) and short and cjk < 6 and words < 3:
        return True
    if _POINTER.search(text) and cjk < 6 and words < 2:
        return True
    if _ANAPHORA.search(text) and not _POSSESSIVE.match(text) and short and cjk < 6 and words < 2:
        return True  # `求解其最小值`, `对噪声同样有`: a step of the derivation above, about what it derived
    return (cjk < 2 and words == 0) or _ALONE.fullmatch(text) is not None


# A paragraph that is only a connective between two display blocks; as the start of a longer label
# (`进一步地，根据式(2.24)…可以恒等变形为`) it still leads into a formula of its own.
_ALONE = re.compile(r"进一步地?|更进一步地?|further(?:more)?|moreover", re.IGNORECASE)


def display_token(node: SyntaxTreeNode) -> Token | None:
    """The formula of a display block: `$$…$$`/`\\[…\\]` etc., or a paragraph that is one `$…$` alone."""
    if node.type == "math_block":
        return node.token if node.token is not None else None
    if node.type != "paragraph":
        return None
    math = node.lone_math if isinstance(node, Node) else lone_math(inline_children(node))
    if math is None:
        return None
    token = Token("math_block", "math", 0)
    token.block, token.content, token.markup, token.map = True, math.content, "$", node.map
    return token


def block_tokens(node: SyntaxTreeNode) -> list[Token]:
    token = display_token(node)
    return node.to_tokens() if node.type == "math_block" or token is None else [token]


def left_side(tex: str) -> str | None:
    """The left-hand side of the formula's first relation, when it is short enough to ask with."""
    first = re.split(r"\\\\", re.sub(r"\\begin\{[a-z*]+\}(?:\{[^}]*\})?", "", tex), maxsplit=1)[0]
    depth = 0
    for i, ch in enumerate(first):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0 and _RELATION.match(first, i):
            lhs = first[:i].replace("&", "").strip()
            return lhs if 0 < len(lhs) <= 40 else None
    return None


def _label_of(node: SyntaxTreeNode | None) -> tuple[list[Token], bool] | None:
    """The formula's label from the paragraph before it: a bold term, or the whole sentence (True)."""
    if node is None or node.type != "paragraph" or display_token(node) is not None:
        return None
    children = inline_children(node)
    found = bold_term(children)
    if found:
        return found[0], False
    if children and children[0].type == "strong_open":
        close = next((i for i, t in enumerate(children) if t.type == "strong_close"), None)
        if close:
            return trim(children[1:close]), False
    text = last_sentence(trim(children))
    if not text:
        return None
    return strip_trailing_colon(text), True


_END = re.compile(r"[。！？!?；;]|(?<!e\.g)(?<!i\.e)(?<!etc)(?<!\bvs)\.(?=\s|$)")  # `. ` ends an English sentence
_MAX_LABEL = 80


def last_sentence(children: list[Token]) -> list[Token]:
    """The sentence that leads into the formula: the paragraph's last one (or last clause, when that is long)."""
    for marks in (_END, re.compile(r"[，,]")):
        if _shown_length(children) <= _MAX_LABEL:
            break
        for n in range(len(children) - 1, -1, -1):
            token = children[n]
            if token.type != "text":
                continue
            content = token.content.rstrip(" :：")
            cut = max((m.end() for m in marks.finditer(content)), default=-1)
            if cut > 0 and (n < len(children) - 1 or cut < len(content)):
                rest = token.content[cut:]  # the softbreak after it stays: `vectors ⏎ by` is `vectors by`
                shorter = trim([*([_text(rest)] if rest.strip() else []), *children[n + 1 :]])
                cjk, words = naming_content(plain(shorter))
                if marks is not _END and cjk < 4 and words < 3:
                    break  # `…for $g$, respectively`: the last clause alone says nothing
                children = shorter
                break
    return children


def _shown_length(children: list[Token]) -> int:
    """Characters a reader sees: a formula counts as a few, not as its TeX source."""
    return sum(4 if t.type.startswith("math") else len(t.content) for t in children if t.type != "softbreak")


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _heading_label(ctx: Context) -> list[Token]:
    """The nearest heading (else the chapter's title), without its numbering (`1.2`, `第1章`)."""

    if ctx.section is not None:
        tokens = list(ctx.section.tokens)
        if tokens and tokens[0].type == "text":
            tokens[0] = _text(HEADING_NUMBERING.sub("", NUMBERING.sub("", tokens[0].content)))
        if trim(tokens):
            return trim(tokens)
    return [text_token(HEADING_NUMBERING.sub("", ctx.chapter.title).strip() or ctx.chapter.title)]


def _named(label: list[Token], tex: str) -> list[Token]:
    """A heading label made specific to one formula by its left-hand side: `范数：\\(\\|x\\|_1\\)`."""
    lhs = left_side(tex)
    if lhs is None:
        return label
    math = Token("math_inline", "math", 0)
    math.content = lhs
    return [*label, text_token("："), math]


_AS_FOLLOWS = re.compile(
    r"(?:如下所示|如下|as follows|is given by|is defined as|defined by)\s*[:：]?\s*$", re.IGNORECASE
)
# `whose i-th element is …`, `yielding an equivalent model …`: the rest of a sentence a formula interrupted
_CONTINUES = re.compile(r"^\s*(?:whose|which|yielding|where|giving|resulting in)\b")
_PARALLEL = re.compile(
    r"^\s*(?:同理|类似地|类似的|同样地?|此外|另外|similarly|likewise|analogously|moreover|furthermore|in addition)",
    re.IGNORECASE,
)
# A derivation announced by its first label (`推导过程如下`, `Proof:`): the steps below it are one card.
_DERIVES = re.compile(
    r"推导过程|推导如下|推导[:：]|证明[:：]|证明如下|证明过程|"
    r"^\s*(?:proof|derivation)\b|\bthe derivation\b|\bproof\b[:.]",
    re.IGNORECASE,
)
# A worked example, not a formula to learn (`例如，长度为 4 的序列……的概率为`): the label starts with the cue,
# or its last clause does; `例如逻辑回归中` names the model the formula belongs to, and is not an example.
_EXAMPLE_CUE = r"(?:例如|比如|譬如|举例来说|举个例子|for example|for instance|e\.g\.|as an example)"
_EXAMPLE = re.compile(rf"^{_EXAMPLE_CUE}|[，,；;。]\s*{_EXAMPLE_CUE}[^，,；;。]*$", re.IGNORECASE)
_INSTANCE = re.compile(rf"{_EXAMPLE_CUE}\s*[\u4e00-\u9fffA-Za-z ]{{2,16}}[中里]$", re.IGNORECASE)
_MAX_STEP = 120  # shown characters of a sentence between two steps of one announced derivation


# A step of a derivation (`对 w 求偏导可得`, `将式(3)代入上式`, `Differentiating both sides gives`): the label
# says what was done to get the formula, and names nothing a learner would ask for.
_STEP = re.compile(
    r"求导|求偏导|求解|联立|代入|带入|移项|(?<!泰勒)展开(?!式|为)|化简|整理|变形|递推$|两边|消去|解得|"
    r"取对数|取自然对数|"
    r"^\s*(?:differentiating|substituting|plugging|expanding|solving|rearranging|simplifying)\b",
    re.IGNORECASE,
)
_NAMES_RESULT = re.compile(
    r"(?:公式|方程|定理|定律|(?:的|闭式|解析|最优|数值|近似|通|特)解|函数|问题|向量|矩阵|表达式|条件|形式|准则|规则|模型|算法|损失|分布|"
    r"formula|equation|theorem|rule|solution|function|problem)\s*(?:如下|为|是)?\s*$",
    re.IGNORECASE,
)


_DERIVATION_SECTION = re.compile(r"推导|证明|\b(?:derivation|proof)\b", re.IGNORECASE)  # its steps are one card


def step_label(text: str) -> bool:
    """Only when the step is all the label says: `判别函数为……的平方，化简为` names the formula before the step."""
    text = re.sub(r"[（(][^()（）]*[)）]", "", text)  # `反向传播（递推表达式）`: the name is outside the brackets
    clauses = re.split(r"[，,。；;]", re.sub(r"\s+", " ", text).strip(" :：,，.。"))
    before = "，".join(clauses[:-1])
    if _DERIVES.search(text) or (before and not weak_label(before)):
        return False
    return _STEP.search(clauses[-1]) is not None and _NAMES_RESULT.search(clauses[-1]) is None


def example_label(text: str) -> bool:
    text = re.sub(r"\s+", " ", text).strip(" :：")
    return _EXAMPLE.search(text) is not None and _INSTANCE.search(text) is None


def _weak_paragraph(node: SyntaxTreeNode) -> bool:
    """A sentence that links two display blocks of one derivation (`所以`, `代入上式可得`), not a parallel one."""
    label = _label_of(node)
    if label is None or not label[1]:
        return False
    text = plain(label[0])
    return weak_label(text) and not _PARALLEL.match(text)


def _formula_items(node: SyntaxTreeNode) -> list[SyntaxTreeNode] | None:
    """The formulas of a list whose every item is one formula alone (the item of `node` among them)."""
    item = node.parent
    if item is None or item.type != "list_item" or item.parent is None or len(item.children) != 1:
        return None
    items = [c for c in item.parent.children if c.type == "list_item"]
    if len(items) < 2 or any(len(c.children) != 1 or display_token(c.children[0]) is None for c in items):
        return None
    return [c.children[0] for c in items]


def _link(node: SyntaxTreeNode, derivation: bool) -> bool:
    """A sentence between two display blocks that continues the same card: a connective, or (in an announced
    derivation) any short sentence that does not announce a derivation of its own."""
    if node.type != "paragraph":
        return False
    if _weak_paragraph(node):
        return True
    label = _label_of(node)
    if label is None or not label[1]:
        return False
    text = node_text(node)
    short = _shown_length(inline_children(node)) <= _MAX_STEP
    return derivation and short and not example_label(text) and _DERIVES.search(text) is None


_WRAPPER = re.compile(r"\\(?:boldsymbol|mathbf|mathrm|bm|hat|bar|tilde|vec)\s*(?=\{)")
_MATRIX = re.compile(r"\\begin\{([bpvBV]?matrix)\}(.*?)\\end\{\1\}", re.DOTALL)
_SYMBOL = re.compile(r"[A-Za-z](?:_\{?[\w,()]+\}?)?(?:\^\{?\(?[\w]+\)?\}?)?(?:_\{?[\w,()]+\}?)?|\\[cvdl]?dots|0|1")


def _unwrapped(tex: str) -> str:
    while True:
        match = _WRAPPER.search(tex)
        if match is None:
            return tex
        depth, j = 0, match.end()
        for j in range(match.end(), len(tex)):
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            if depth == 0:
                break
        tex = tex[: match.start()] + tex[match.end() + 1 : j] + tex[j + 1 :]


def layout_only(tex: str) -> bool:
    """`$$\\boldsymbol{x} = \\begin{bmatrix}x_1 & x_2\\end{bmatrix}$$` spells out a symbol's entries: notation,
    not a fact to learn."""
    text = _unwrapped(tex)
    matrices = _MATRIX.findall(text)
    if not matrices:
        return False
    for _, body in matrices:
        entries = [e.strip() for row in re.split(r"\\\\", body) for e in row.split("&")]
        if not all(_SYMBOL.fullmatch(e) for e in entries if e):
            return False
    rest = _MATRIX.sub(" M ", text)
    rest = re.sub(r"\\(?:quad|qquad|,|;|!|left|right)|[\s,.;]", "", rest)
    return re.fullmatch(r"(?:(?:[A-Za-z](?:_\{?[\w,()]+\}?)?(?:\^\{?\(?\w+\)?\}?)?)=M)+", rest) is not None


def display_formula(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """Display math: one formula card per block, or one derivation card for a chain linked by connectives."""
    if display_token(nodes[i]) is None:
        return None
    siblings = _formula_items(nodes[i])
    if siblings is not None:
        if siblings[0] is not nodes[i]:
            return i + 1  # shown on the card of the list's first formula
        nodes, i = siblings, 0  # `1. $z = Wx + b$` ⏎ `2. $a = g(z)$`: a list of formulas is one card
    head = _label_of(ctx.previous)
    if head is not None and head[1] and example_label(plain(head[0])) and not ctx.block_check:
        ctx.explain(ctx.location(nodes[i]).line, "a worked example, not a formula to learn", rule=ctx.rule)
        return i + 1
    derivation = head is not None and _DERIVES.search(plain(head[0])) is not None
    chain = [nodes[i]]
    end = i + 1
    linked = False
    while end < len(nodes):
        if display_token(nodes[end]) is not None:
            chain.append(nodes[end])
            end += 1
        elif end + 1 < len(nodes) and _link(nodes[end], derivation) and display_token(nodes[end + 1]) is not None:
            chain += [nodes[end], nodes[end + 1]]
            linked = True
            end += 2
        else:
            break
    derived = ctx.section is not None and _DERIVATION_SECTION.search(ctx.section.plain()) is not None
    shown = any(n.kind.value in ("formula", "derivation") and n.section is ctx.section for n in ctx.notes)
    step = head is not None and head[1] and step_label(plain(head[0]))
    task = (
        head is not None and _STEP.fullmatch(plain(head[0]).strip(" :：,，.。")) is not None
    )  # `求解：` ⏎ the problem
    tokens = [display_token(node) for node in chain]
    if not ctx.block_check and all(t is not None and layout_only(t.content) for t in tokens):
        ctx.explain(ctx.location(nodes[i]).line, "spells out a symbol's entries, not a formula to learn", rule=ctx.rule)
        return end
    if step and shown and not task and not linked and not ctx.block_check and not derived:
        ctx.explain(ctx.location(nodes[i]).line, "a step of a derivation, not a formula to learn", rule=ctx.rule)
        return end  # one step after the section's formula; steps linked by `所以`, `代入可得` are one card
    extra_nodes: list[SyntaxTreeNode] = []
    if end < len(nodes) and nodes[end].type == "paragraph" and WHERE.match(node_text(nodes[end])):
        extra_nodes.append(nodes[end])
        end += 1

    label = head
    sentence = False
    context: list[SyntaxTreeNode] = []
    fallback = False
    named_above = 7 in ctx.sections  # a list item used as a heading (`- 交叉熵损失`) names what follows it
    as_follows = label is not None and label[1] and named_above and _AS_FOLLOWS.search(plain(label[0])) is not None
    if label is not None and label[1]:
        label = (_unnumbered(label[0]), True)
    if label is not None and label[1] and _POSSESSIVE.match(plain(label[0])):
        label = (_owned(ctx, label[0]), True)
    if (
        label is not None
        and normalise_key(plain(label[0]))
        and not (label[1] and (step or weak_label(plain(label[0])) or _CONTINUES.match(plain(label[0]))))
        and not as_follows
    ):
        label_tokens, sentence = label
        if sentence and _names_a_thing(plain(label_tokens)):
            ctx.subject = inline_fragment(label_tokens)  # `（3）Sigmoid 函数：` names what follows
    else:
        if label is not None and ctx.previous is not None:
            context.append(ctx.previous)  # the connective sentence, shown on the back
        label_tokens, fallback = _heading_label(ctx), True
    extra = _extra(context + extra_nodes)
    check = ctx.block_check if ctx.rule == "checked-derivation" else ""

    if linked and not check:
        back = [
            tok
            for node in chain
            for tok in (
                block_tokens(node) if node.type != "paragraph" or display_token(node) is not None else node.to_tokens()
            )
        ]
        ctx.add(
            NoteKind.DERIVATION,
            plain(label_tokens),
            inline_fragment(label_tokens),
            Fragment(back, inline=False),
            ctx.location(chain[0]),
            extra,
        )
        return end

    text = plain(label_tokens)
    if not check and len(chain) > 1:  # blocks side by side under one label: one card shows them all
        token = display_token(chain[0])
        assert token is not None
        front = _named(label_tokens, token.content) if fallback else label_tokens
        ctx.add(
            NoteKind.FORMULA,
            _counted(ctx, text),
            inline_fragment(front),
            Fragment([tok for node in chain for tok in block_tokens(node)], inline=False),
            ctx.location(chain[0]),
            extra,
            sentence_label=sentence,
            root_text=text,
        )
        return end
    for node in chain:
        token = display_token(node)
        if token is None or not token.content.strip():
            continue
        if check:  # a checkable derivation: the comment applies to this block only
            where = ctx.location(node)
            note = ctx.add(
                NoteKind.DERIVATION,
                text,
                inline_fragment(label_tokens),
                Fragment(block_tokens(node), inline=False),
                where,
                extra,
            )
            if note is not None:
                note.check = check
                note.check_line = _tex_start(ctx, node, token.content, where.line)
                note.check_tex = token.content
            ctx.checks_used.add(ctx.block_check_line)  # attached, even when `kinds.derivation = false` makes no note
            check = ""
            continue
        front = _named(label_tokens, token.content) if fallback else label_tokens
        ctx.add(
            NoteKind.FORMULA,
            _counted(ctx, text),
            inline_fragment(front),
            Fragment(block_tokens(node), inline=False),
            ctx.location(node),
            extra,
            sentence_label=sentence,
            root_text=text,
        )
    return end


def _counted(ctx: Context, key: str) -> str:
    """The label as the note's key (identity stays with the label; a left-hand side only makes the front
    specific); several formulas under one label are numbered in order."""
    counts = ctx.formula_labels
    counts[key] = counts.get(key, 0) + 1
    return key if counts[key] == 1 else f"{key} {counts[key]}"


# `其导数`, `its derivative`; not `其中` (where), `其实`, `其次`, `其他`/`其它`, `其余`
_POSSESSIVE = re.compile(r"^\s*(?:其(?![中实次他它余])|它的|它们的|their\s+|its\s+)(?=\S)", re.IGNORECASE)


def _unnumbered(children: list[Token]) -> list[Token]:
    """A label without its list numbering (`（3）Sigmoid 函数` → `Sigmoid 函数`)."""
    if children and children[0].type == "text" and NUMBERING.match(children[0].content):
        return trim([_text(NUMBERING.sub("", children[0].content)), *children[1:]])
    return children


def _names_a_thing(text: str) -> bool:

    return term_like(text, max_cjk=12, max_words=5) and not weak_label(text)


def _owned(ctx: Context, children: list[Token]) -> list[Token]:
    """`其导数为` after `Sigmoid 函数：` → `Sigmoid 函数的导数为`: the pronoun replaced by what it stands for."""
    owner = ctx.subject or ctx.sections.get(7) or ctx.section
    if owner is None or not children or children[0].type != "text":
        return children
    name = plain(list(owner.tokens)).strip()
    if not name or len(name) > 30:
        return children
    rest = _POSSESSIVE.sub("", children[0].content)
    zh = re.search(r"[\u4e00-\u9fff]", name + rest) is not None
    joined = [*_unnumbered(list(owner.tokens)), _text(("的" if zh else "'s ") + rest)]
    return trim([*joined, *children[1:]])


def checked_derivation(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """Display math right after a `<!-- check: … -->` comment: a derivation that sympy checks."""
    return display_formula(ctx, nodes, i) if ctx.block_check else None


def _extra(nodes: list[SyntaxTreeNode]) -> Fragment | None:
    tokens = [tok for node in nodes for tok in node.to_tokens()]
    return Fragment(tokens, inline=False) if tokens else None


def _tex_start(ctx: Context, node: SyntaxTreeNode, tex: str, fallback: int) -> int:
    """The line the TeX text starts on, as `split_rows` counts (its leading newlines included), so each row's
    diagnostic lands on the row's own line whether the block is `$$ … $$`, `\\[ … \\]` or a bare environment."""
    first = next((line.strip() for line in tex.split("\n") if line.strip()), "")
    lead = len(tex) - len(tex.lstrip("\n"))
    start = node.map[0] if node.map else max(fallback - 1, 0)
    end = node.map[1] if node.map else len(ctx.lines)
    for number in range(start, min(end, len(ctx.lines))):
        if first and first[:40] in ctx.lines[number]:
            return number + 1 - lead
    return fallback
