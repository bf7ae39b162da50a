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
from . import explicit, formulas

RuleFn = Callable[[Context, list[SyntaxTreeNode], int], "int | None"]


@dataclass(frozen=True)
class Rule:
    name: str
    applies_to: frozenset[str]  # the block types it looks at
    fn: RuleFn
    example: str  # one line of markdown it turns into a note (or, for a guard, keeps from becoming one)
    explicit: bool = True


def _rule(name: str, types: str, fn: RuleFn, example: str, *, explicit: bool = True) -> Rule:
    return Rule(name, frozenset(types.split()), fn, example, explicit)


RULES: tuple[Rule, ...] = (
    _rule(
        "checked-derivation", "math_block paragraph", formulas.checked_derivation, "<!-- check: w real --> then $$…$$"
    ),
    _rule("qa-prefix", "paragraph", explicit.qa_prefix, "Q: 为什么…？ / A: 因为…"),
    _rule("cloze", "paragraph", explicit.cloze, "动量系数常取 ==0.9==。"),
    _rule("bold-colon", "paragraph", explicit.bold_colon, "**过拟合**：模型记住了训练集里的噪声。"),
    _rule("definition-line", "paragraph", explicit.definition_line, "条件数 :: 最大与最小特征值之比。"),
    _rule("definition-list", "dl", explicit.definition_list, "Epoch ⏎ : 全部样本使用一次。"),
    _rule("heading-question", "heading", explicit.heading_question, "### 为什么 Adam 需要偏差修正？"),
    _rule(
        "display-formula", "math_block paragraph", formulas.display_formula, "梯度下降： ⏎ $$\\theta \\leftarrow …$$"
    ),
)
NAMES = tuple(rule.name for rule in RULES)
