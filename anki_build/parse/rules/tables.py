"""Term tables: `| 术语 | 定义 |` (one concept per row), or a header row of terms with their cells below;
question tables: `| Question | Answer |` (one question per row)."""

from __future__ import annotations

import re

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from ...structure import NoteKind
from ..context import Context, Location
from ..tokens import inline_children, paragraph_tokens, plain, text_token, trim
from .terms import _subject
from .words import bare, term_like

_NAME_HEADER = re.compile(
    r"^(?:术语|名词|名称|概念|指标|方法|模型|算法|函数|激活函数|损失函数|符号|记号|参数|变量|层|类型|定义|"
    r"网络|网络结构|架构|优化器|技术|框架|"
    r"term|terms|name|concept|metric|method|model|algorithm|function|symbol|notation|parameter|variable|layer|type|"
    r"network|architecture|optimi[sz]er|technique|framework)$",
    re.IGNORECASE,
)


_QUESTION_HEADER = re.compile(r"^(?:问题|问|题目|面试题|question|questions|q)$", re.IGNORECASE)
_ANSWER_HEADER = re.compile(r"^(?:答案|回答|答|解答|参考答案|answer|answers|a)$", re.IGNORECASE)


def qa_columns(table: SyntaxTreeNode) -> tuple[int, int] | None:
    """The (question, answer) columns of a table whose header names them (`| # | Question | Answer |`)."""
    header, _ = _rows(table)
    heads = [bare(plain(_cell(h))).strip() for h in header]
    asks = [n for n, h in enumerate(heads) if _QUESTION_HEADER.match(h)]
    says = [n for n, h in enumerate(heads) if _ANSWER_HEADER.match(h)]
    return (asks[0], says[0]) if len(asks) == 1 and len(says) == 1 and asks[0] < says[0] else None


def qa_table(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    """`| Question | Answer |` (or `| 问题 | 答案 |`): the author wrote one question and its answer per row."""
    table = nodes[i]
    columns = qa_columns(table)
    if columns is None:
        return None
    asks, says = columns
    _, body = _rows(table)
    for index, row in enumerate(body):
        line = _row_line(table, index)
        if len(row) <= says or not _cell(row[asks]):
            continue
        if not _cell(row[says]):
            ctx.warn(Location(ctx.file.display, line, 1), "empty-answer", "this row's question has no answer")
            continue
        ctx.add_pair(
            NoteKind.QA,
            _cell(row[asks]),
            paragraph_tokens(_cell(row[says]), row[0].map),
            Location(ctx.file.display, line, 1),
        )
    return i + 1


def _rows(table: SyntaxTreeNode) -> tuple[list[SyntaxTreeNode], list[list[SyntaxTreeNode]]]:
    header: list[SyntaxTreeNode] = []
    body: list[list[SyntaxTreeNode]] = []
    for part in table.children:
        for row in part.children:
            cells = [c for c in row.children if c.type in ("th", "td")]
            if part.type == "thead":
                header = cells
            else:
                body.append(cells)
    return header, body


def _cell(cell: SyntaxTreeNode) -> list[Token]:
    return trim(inline_children(cell))


def _labelled(header: SyntaxTreeNode | None, cell: SyntaxTreeNode) -> list[Token]:
    label = bare(plain(_cell(header))) if header is not None else ""
    prefix = (
        [Token("strong_open", "strong", 1), text_token(label), Token("strong_close", "strong", -1), text_token("：")]
        if label
        else []
    )
    return [*prefix, *_cell(cell)]


def term_table(ctx: Context, nodes: list[SyntaxTreeNode], i: int) -> int | None:
    table = nodes[i]
    header, body = _rows(table)
    if len(header) < 2 or not body:
        return None
    first = [plain(_cell(row[0])) if row else "" for row in body]
    terms = [t for t in first if term_like(t, max_cjk=16)]
    named_header = bool(_NAME_HEADER.match(bare(plain(_cell(header[0])))))
    filled = all(len(row) == len(header) and all(plain(_cell(c)).strip() or _cell(c) for c in row[1:]) for row in body)
    prose = sum(_says_something(plain(_cell(c))) for row in body for c in row[1:]) >= len(body)
    if (
        filled
        and prose
        and len(body) >= 2
        and len(set(terms)) == len(terms) == len(first)
        and (len(header) == 2 or named_header)
    ):
        for row in body:
            back: list[Token] = []
            for column in range(1, len(header)):
                back += paragraph_tokens(
                    _labelled(header[column] if len(header) > 2 else None, row[column]), row[0].map
                )
            line = _row_line(table, body.index(row))
            front = _cell(row[0])
            subject = _subject(ctx, 8) if _math_only(row[0]) else ""
            if subject:  # `| $\boldsymbol{B}$ | 观测概率矩阵 |` under `### HMM`: "HMM 中的 B"
                front = [text_token(subject + (" 中的 " if ctx.language == "zh" else " — ")), *front]
            ctx.add_pair(NoteKind.CONCEPT, front, back, Location(ctx.file.display, line, 1))
        return i + 1
    heads = [plain(_cell(h)) for h in header]
    named = [
        h
        for h in heads
        if h
        and term_like(h, max_cjk=12)
        and _worded(h)
        and (len(h) >= 3 or len(re.findall(r"[\u4e00-\u9fff]", h)) >= 2)
    ]
    # rows named in the first column (in words, not formulas): no transpose
    worded = [bool(row) and not _math_only(row[0]) for row in body]
    keyed = sum(term_like(t, max_cjk=8) and w for t, w in zip(first, worded, strict=True)) == len(first)
    enough = 2 if len(body) == 1 else 3  # `| k-fold | Leave-p-out |` over one row that explains each
    if len(body) <= 3 and not keyed and len(named) == len([h for h in heads if h]) >= enough:
        for column, head in enumerate(header):  # a header row of terms (`| Sigmoid | Tanh | ReLU |`)
            if not plain(_cell(head)):
                continue
            back = [tok for row in body if column < len(row) for tok in paragraph_tokens(_cell(row[column]), None)]
            if back:
                ctx.add_pair(NoteKind.CONCEPT, _cell(head), back, Location(ctx.file.display, _row_line(table, -1), 1))
        return i + 1
    return None


def _math_only(cell: SyntaxTreeNode) -> bool:
    tokens = [t for t in _cell(cell) if not (t.type == "text" and not t.content.strip())]
    return bool(tokens) and all(t.type.startswith("math") for t in tokens)


def _worded(text: str) -> bool:
    """A name in words, not a symbol (`$\\widehat{\\phi}$` heads a column of estimates; it names nothing to learn)."""
    return bool(re.search(r"[\u4e00-\u9fff]|[A-Za-z]{2,}", re.sub(r"\\[A-Za-z]+|\$[^$]*\$", " ", text)))


def _says_something(text: str) -> bool:
    """A cell that explains (words), not a symbol, a size or a number."""
    text = re.sub(r"\$[^$]*\$|\\[A-Za-z]+", " ", text)
    return len(re.findall(r"[\u4e00-\u9fff]", text)) >= 4 or len(re.findall(r"[A-Za-z]{2,}", text)) >= 3


def _row_line(table: SyntaxTreeNode, index: int) -> int:
    """The 1-based line of body row `index` (-1: the header row): tables map a line per row."""
    start = (table.map[0] if table.map else 0) + 1
    return start if index < 0 else start + 2 + index
