"""The note rules, in the order they are tried: one small named function per form, markdown-it-py style.

The walk offers each block to the enabled rules in this order; the first that claims it wins. The
explicit syntax comes first, so it always beats a heuristic; precision guards come before the
heuristics they protect. The names are what `[rules]` in `anki-build.toml` switches off and what
`anki-build build --explain` prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markdown_it.tree import SyntaxTreeNode

from ..context import Context
from . import explicit, formulas, guards, tables, terms

RuleFn = Callable[[Context, list[SyntaxTreeNode], int], "int | None"]


@dataclass(frozen=True)
class Rule:
    name: str
    applies_to: frozenset[str]  # the block types it looks at
    fn: RuleFn
    example: str  # one line of markdown it turns into a note (or, for a guard, keeps from becoming one)
    explicit: bool = True
    also: bool = False  # looks at every block, claimed or not, and claims none (terms named inside prose)


def _rule(name: str, types: str, fn: RuleFn, example: str, *, explicit: bool = True, also: bool = False) -> Rule:
    return Rule(name, frozenset(types.split()), fn, example, explicit, also)


RULES: tuple[Rule, ...] = (
    # explicit syntax: the author marked the card
    _rule(
        "checked-derivation", "math_block paragraph", formulas.checked_derivation, "<!-- check: w real --> then $$…$$"
    ),
    _rule("qa-prefix", "paragraph", explicit.qa_prefix, "Q: 为什么…？ / A: 因为…"),
    _rule("qa-table", "table", tables.qa_table, "| Question | Answer | ⏎ | 什么是过拟合？ | … |"),
    _rule("cloze", "paragraph", explicit.cloze, "动量系数常取 ==0.9==。"),
    _rule("bold-colon", "paragraph", explicit.bold_colon, "**过拟合**：模型记住了训练集里的噪声。"),
    _rule("definition-line", "paragraph", explicit.definition_line, "条件数 :: 最大与最小特征值之比。"),
    _rule("definition-list", "dl", explicit.definition_list, "Epoch ⏎ : 全部样本使用一次。"),
    _rule("heading-question", "heading", explicit.heading_question, "### 为什么 Adam 需要偏差修正？"),
    _rule(
        "details-question",
        "html_block",
        explicit.details_question,
        "<details><summary>什么是过拟合？</summary> ⏎ the answer ⏎ </details>",
    ),
    _rule(
        "admonition-question",
        "admonition",
        explicit.admonition_question,
        '!!! question "卷积核的尺寸为什么是奇数？" (or > [!question] …) ⏎ the answer inside',
    ),
    _rule(
        "admonition-definition",
        "admonition",
        explicit.admonition_definition,
        "> [!definition] Learning rate ⏎ > the step size of each update",
    ),
    _rule(
        "display-formula", "math_block paragraph", formulas.display_formula, "梯度下降： ⏎ $$\\theta \\leftarrow …$$"
    ),
    # precision guards: what looks like a note and is not
    _rule("skip-toc", "paragraph heading", guards.toc, "[TOC], or a 目录 heading with its list", explicit=False),
    _rule("skip-link-list", "bullet_list ordered_list", guards.link_list, "- [为什么…？](url)", explicit=False),
    _rule("skip-metadata", "paragraph", guards.metadata, "作者：… / 2023-04-06：…", explicit=False),
    _rule(
        "skip-exercises",
        "heading",
        guards.exercises,
        "## Exercises / ## 练习 (or ### 举个例子), and what is under it",
        explicit=False,
    ),
    # heuristics: notes as people write them
    _rule("facet", "paragraph heading", terms.facet, "### Sigmoid 函数 ⏎ 特点：输出在 (0, 1) 之间……", explicit=False),
    _rule(
        "definition-label",
        "paragraph",
        terms.definition_label,
        "**定义 3.1（线性模型）** 给定…… / **Theorem 2 (Bayes).** …",
        explicit=False,
    ),
    _rule("bold-question", "paragraph", terms.bold_question, "**RetinaNet 有哪些创新点？** ⏎ 答案段落", explicit=False),
    _rule("question-line", "paragraph", terms.question_line, "err 对学习有什么影响？ ⏎ 答案段落", explicit=False),
    _rule("term-colon", "paragraph", terms.term_colon, "- 向量的1范数：各元素绝对值之和", explicit=False),
    _rule("bold-term", "paragraph", terms.bold_term, "**Sigmoid function** is …", explicit=False),
    _rule(
        "dash-term", "paragraph", terms.dash_term, "- Precision — the share of predicted positives …", explicit=False
    ),
    _rule("heading-asks", "heading", terms.heading_asks, "### 如何判断模型过拟合", explicit=False),
    _rule("heading-term", "heading", terms.heading_term, "### Dropout ⏎ 训练时随机丢弃神经元……", explicit=False),
    _rule("heading-topic", "heading", terms.heading_topic, "#### 评估观测序列的概率 ⏎ 说明……", explicit=False),
    _rule(
        "item-heading",
        "bullet_list ordered_list paragraph",
        terms.item_heading,
        "- 学习率(Learning rate) ⏎ 学习率记作…, or `AlexNet` ⏎ a list about it",
        explicit=False,
    ),
    _rule("term-table", "table", tables.term_table, "| 术语 | 定义 | ⏎ | 过拟合 | … |", explicit=False),
    _rule("title-term", "paragraph", terms.title_term, "Gradient Descent.md: `Gradient descent is …`", explicit=False),
    _rule("list-term", "paragraph", terms.list_term, "1. 回归，输出为连续变量。", explicit=False),
    _rule(
        "symbol-term", "paragraph", terms.symbol_term, "状态集 $S=\\{s_1,…,s_N\\}$ ，即有 N 个状态。", explicit=False
    ),
    _rule("named-term", "paragraph", terms.named_term, '……我们称该方面的信息为"标记"。', explicit=False, also=True),
    _rule("alias-term", "paragraph", terms.alias_term, "交叉熵（cross entropy）是…", explicit=False, also=True),
    _rule(
        "subject-term", "paragraph", terms.subject_term, "Baum-Welch 算法是一种 EM 算法，……", explicit=False, also=True
    ),
)
NAMES = tuple(rule.name for rule in RULES)
