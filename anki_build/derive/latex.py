"""One side of a row → a sympy expression, faithfully or not at all.

sympy's ANTLR LaTeX parser (strict mode) behind a normaliser and a whitelist guard: notation
that cannot be read faithfully (transposes, expectations, argmin, norms of vectors, unknown
commands, undeclared decorated symbols…) raises :class:`Unsupported` with the reason; it is
never parsed into something else. Note text is never given to eval, sympify or parse_expr.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp
from sympy.core.facts import InconsistentAssumptions
from sympy.core.function import AppliedUndef
from sympy.parsing.latex import parse_latex
from sympy.parsing.latex.errors import LaTeXParsingError

GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Phi",
    "Psi",
    "Omega",
]
_BASE = r"(?:[A-Za-z]|" + "|".join(GREEK) + r")"
_NAME = re.compile(rf"^{_BASE}(?:hat|bar|tilde|dot|star|cal)?(?:_\{{[A-Za-z0-9 +\-,]+\}})?$")
_BARE_CALL = re.compile(rf"^(?:{_BASE}|[A-Za-z]cal)$")  # `p`, `\Phi`, `\mathcal{{N}}`: no subscript, no hat
DEFAULT_FUNCTIONS = {"f", "g", "h", "sigma", "phi", "psi", "ell", "L", "J"}
_REFUSE = [
    (
        re.compile(r"\^\s*\{?\s*(?:\\top|T|\\intercal)\b"),
        "a transpose: declare the matrices and vectors in the check comment (matrix X; vector w)",
    ),
    (re.compile(r"\\mathbb\{E\}|\\operatorname\{E\}|\\E\b|\bE\s*\["), "expectations are not checked"),
    (re.compile(r"\\arg|\\operatorname\*?\{arg"), "argmin/argmax are not checked"),
    (
        re.compile(r"\\lVert|\\rVert|\\Vert|\\\|"),
        "a vector norm: declare the vectors in the check comment (vector w), or write |x| for a scalar",
    ),
    (
        re.compile(r"\\nabla"),
        "a gradient: declare the vectors in the check comment (vector w), or write \\frac{d}{dw} for a scalar",
    ),
    (re.compile(r"\\partial\^"), "higher partial derivatives are not checked"),
    (re.compile(r"\\(?:leftarrow|gets|sim|mid|int|oint|lim|inf|sup|det|mathbb)(?![A-Za-z])"), None),
    (re.compile(r"\\prod(?!_\{)"), "products need explicit limits \\prod_{k=1}^{3}"),
    (re.compile(r"\\sum(?!_\{)"), "sums need explicit limits \\sum_{k=1}^{3}"),
    (re.compile(r"\\(?:boldsymbol|mathbf|bm|vec)\{"), "a bold vector: declare it in the check comment (vector x)"),
]
_DROP = re.compile(
    r"\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg|displaystyle|"
    r"quad|qquad)(?![A-Za-z])|\\[,;:! ]"
)
_DECORATION = re.compile(r"\\(hat|bar|overline|tilde|widetilde|dot|mathcal)\{\\?([A-Za-z]+)\}")
_STAR = re.compile(r"(\\?[A-Za-z]+)\s*\^\s*(?:\{\s*(?:\*|\\ast|\\star)\s*\}|\*|\\ast|\\star)")
_OPERATOR = re.compile(r"\\(?:operatorname|mathrm|text)\{(\w+)\}")
_OPERATOR_NAMES = {
    "sign": "sign",
    "sgn": "sign",
    "ReLU": "relu",
    "relu": "relu",
    "softplus": "softplus",
    **{name: name for name in ("exp", "log", "ln", "sin", "cos", "tan", "tanh", "sinh", "cosh", "max", "min")},
}
_TRAILING_TEXT = re.compile(r"(?:\\q?quad\s*|\\[,;]\s*)*\\text\{[^{}]*\}\s*$")  # `… \quad \text{(chain rule)}`
_HAT_SUBSCRIPT = re.compile(r"\\(hat|bar|tilde|widehat|overline)\{\s*([A-Za-z]|\\[A-Za-z]+)\s*_\s*(\{[^{}]*\}|\w)\s*\}")
_CASES = re.compile(r"\\begin\{cases\}(.*?)\\end\{cases\}", re.DOTALL)
_SECOND = re.compile(
    r"\\[dt]?frac\{\s*(?:d|\\mathrm\{d\})\s*\^\s*\{?\s*2\s*\}?\s*\}\{\s*(?:d|\\mathrm\{d\})\s*"
    r"(\\?[A-Za-z]+(?:_\{?\w+\}?)?)\s*\^\s*\{?\s*2\s*\}?\s*\}"
)
_BRACE_ARGS = re.compile(r"\\(max|min)\s*\\\{")
_FRAC_SHORT = re.compile(r"\\([dt]?frac)\s*(\\[A-Za-z]+|\w)\s*(\\[A-Za-z]+|\w)")


class Unsupported(Exception):
    """Notation this checker cannot read faithfully; the message says why."""


@dataclass
class Domain:
    """What the directive says about one symbol."""

    assumptions: dict[str, bool] = field(default_factory=lambda: {"real": True})
    interval: tuple[Fraction, Fraction] | None = None

    def symbol(self, name: str) -> sp.Symbol:
        try:
            return sp.Symbol(name, **self.assumptions)
        except InconsistentAssumptions:
            words = ", ".join(k for k, v in self.assumptions.items() if v and k != "real")
            raise Unsupported(f"the check comment says contradictory things about {name} ({words})") from None


def normalise(tex: str) -> str:
    text = _TRAILING_TEXT.sub("", tex.strip())
    text = re.sub(r"\\mathrm\{e\}", "e", text)
    text = _HAT_SUBSCRIPT.sub(lambda m: f"\\{m[1]}{{{m[2]}}}_{m[3]}", text)  # \hat{y_i} is \hat{y}_i
    text = _brace_arguments(text)
    text = _SECOND.sub(lambda m: rf"\frac{{d}}{{d{m[1]}}}\frac{{d}}{{d{m[1]}}}", text)  # d²/dx² is d/dx d/dx
    for pattern, reason in _REFUSE:
        match = pattern.search(text)
        if match:
            raise Unsupported(reason or f"'{match[0]}' is not checked")
    text = re.sub(r"\\[dt]frac", r"\\frac", text)
    text = _FRAC_SHORT.sub(lambda m: rf"\frac{{{m[2]}}}{{{m[3]}}}", text)
    text = _DROP.sub(" ", text)
    text = re.sub(r"\\mathrm\{d\}|\\text\{d\}", "d", text)
    text = re.sub(r"\\[lr]?vert|\\mid", "|", text)

    def operator(match: re.Match[str]) -> str:
        name = _OPERATOR_NAMES.get(match[1])
        if name is None:
            raise Unsupported(f"the operator '{match[1]}' is not known to the checker")
        return "\\" + name

    text = _OPERATOR.sub(operator, text)
    text = re.sub(
        r"\\(hat|bar|tilde|dot)\s*(\\[A-Za-z]+|(?<=\s)[A-Za-z](?![A-Za-z]))", r"\\\1{\2}", text
    )  # \hat p, \hat\mu
    text = _DECORATION.sub(
        lambda m: "\\" + m[2] + {"overline": "bar", "widetilde": "tilde", "mathcal": "cal"}.get(m[1], m[1]), text
    )
    text = _STAR.sub(lambda m: "\\" + m[1].lstrip("\\") + "star", text)
    if _BARE_ARGUMENT.search(text):
        raise Unsupported(
            "'\\sin x y' is read as sin(xy) by some and (sin x)·y by others: write \\sin(x y) or y\\sin x"
        )
    if _DOUBLE_POWER.search(text):
        raise Unsupported("'a^b^c' is a TeX error (double superscript): write a^{b^c} or (a^b)^c")
    text = re.sub(r"(?<![A-Za-z\\])e\s*\^\s*\{\s*\(([^(){}]*)\)\s*\}", r"e^{\1}", text)  # e^{(x)} is e^x
    if re.search(r"\^\s*\{\s*\(", text):  # x^{(2)}: the second of a sequence, neither x² nor x_2
        raise Unsupported("superscript indices such as x^{(t)} are not checked: write x_t")
    text = re.sub(r"\\ln(?![A-Za-z])", r"\\log", text)
    text = re.sub(r"\\var(epsilon|theta|phi|rho|sigma|pi)(?![A-Za-z])", r"\\\1", text)  # one letter, two glyphs
    text = _DECIMAL.sub(_decimal, text)  # 0.1 is 1/10, exactly
    return _powered_calls(text).strip().rstrip(".,;")


_BARE_ARGUMENT = re.compile(
    r"\\(?:sin|cos|tan|log|ln|exp)\s+(?:[A-Za-z0-9]|\\(?!prod|sum|frac)[A-Za-z]+(?![A-Za-z]))(?:_\{?\w+\}?)?\s*"
    r"(?:[A-Za-z]|\\(?!cdot|times)[A-Za-z]+)"
)
_DOUBLE_POWER = re.compile(r"\^\s*(?:\{[^{}]*\}|\\?[A-Za-z0-9]+)\s*\^")
_DECIMAL = re.compile(r"(?<![\w.{])\d+\.\d+(?![\w.])")


def _brace_arguments(text: str) -> str:
    """`\\max\\{a, b\\}` is `\\max(a, b)`."""
    while True:
        match = _BRACE_ARGS.search(text)
        if not match:
            return text
        depth, i = 1, match.end()
        while i < len(text) and depth:
            if text.startswith("\\{", i):
                depth, i = depth + 1, i + 2
            elif text.startswith("\\}", i):
                depth, i = depth - 1, i + 2
            else:
                i += 1
        if depth:
            raise Unsupported("unbalanced \\{ \\}")
        text = text[: match.start()] + f"\\{match[1]}(" + text[match.end() : i - 2] + ")" + text[i:]


_SUBSCRIPT = re.compile(r"_\{([^{}]*)\}")


def _encode_subscripts(text: str) -> tuple[str, dict[str, str]]:
    """`x_{1,1}` and `W_{hh}` in a form the parser reads as one name (it splits them), and the way back."""
    table: dict[str, str] = {}

    def encode(match: re.Match[str]) -> str:
        inner = match[1].replace(" ", "")
        if "," not in inner and not re.search(r"[A-Za-z]{2}", inner.replace("\\", "")):
            return match[0]
        if re.search(r"\\", inner):
            raise Unsupported(f"cannot read the subscript '{match[1]}'")
        code = table.setdefault(inner, str(7310000 + len(table)))
        return "_{" + code + "}"

    text = _SUBSCRIPT.sub(encode, text)
    return text, {f"_{{{code}}}": f"_{{{inner}}}" for inner, code in table.items()}


def _decode(name: str, table: dict[str, str]) -> str:
    for code, original in table.items():
        name = name.replace(code, original)
    return name


def _decimal(match: re.Match[str]) -> str:
    value = Fraction(match[0])
    return "{\\frac{" + str(value.numerator) + "}{" + str(value.denominator) + "}}"


_POWERED_CALL = re.compile(r"(\\(?:sigma|phi|psi)|(?<![A-Za-z\\])[fghLJ])\s*\^\s*(\{\s*\d+\s*\}|\d)\s*\(")


def _powered_calls(text: str) -> str:
    """`\\sigma^2(x)` is σ(x)², as every reader takes it, not σ² times x."""
    while True:
        match = _POWERED_CALL.search(text)
        if not match:
            return text
        depth, end = 0, None
        for i in range(match.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                end = i
                break
        if end is None:
            raise Unsupported("unbalanced parentheses")
        power = match[2].strip("{} ")
        text = (
            text[: match.start()] + f"{{({match[1]}{text[match.end() - 1 : end + 1]})^{{{power}}}}}" + text[end + 1 :]
        )


@dataclass
class Reader:
    """Parses LaTeX sides with one block's declarations."""

    declared: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    domains: dict[str, Domain] = field(default_factory=dict)
    lets: dict[str, sp.Lambda] = field(default_factory=dict)
    symbols: dict[str, sp.Symbol] = field(default_factory=dict)
    scalars: set[str] = field(default_factory=set)  # capitals declared scalars (`A, B scalar`, `where K = …`)
    conditions: list[tuple[sp.Expr, bool]] = field(default_factory=list)  # (e, strict): e > 0 / e ≥ 0 at a sample

    def symbol(self, name: str) -> sp.Symbol:
        if name not in self.symbols:
            self.symbols[name] = self.domains.get(name, Domain()).symbol(name)
        return self.symbols[name]

    def raw(self, tex: str) -> sp.Expr:
        """Parse after normalising; no assumptions applied yet."""
        tex, pieces = self._cases(tex)
        if pieces:
            expr = self.raw(tex)
            return expr.xreplace({sp.Symbol(name): piecewise for name, piecewise in pieces.items()})
        text = normalise(tex)
        if not text:
            raise Unsupported("empty side")
        text, subscripts = _encode_subscripts(text)
        text, renames = _derivative_variables(text)
        try:
            expr = parse_latex(text, strict=True)
        except LaTeXParsingError as exc:
            raise Unsupported(f"cannot parse '{_short(tex)}' ({str(exc).splitlines()[0]})") from None
        except Exception as exc:
            raise Unsupported(f"cannot parse '{_short(tex)}' ({type(exc).__name__})") from None
        if isinstance(expr, sp.Eq | sp.Rel) or not isinstance(expr, sp.Basic):
            raise Unsupported("a side must be an expression, not a relation")
        if renames:
            expr = expr.xreplace({s: sp.Symbol(renames[str(s)]) for s in expr.atoms(sp.Symbol) if str(s) in renames})
        if subscripts:
            expr = expr.xreplace(
                {s: sp.Symbol(_decode(str(s), subscripts)) for s in expr.atoms(sp.Symbol) if "_{731" in str(s)}
            )
            expr = expr.replace(
                lambda e: isinstance(e, AppliedUndef) and "_{731" in e.func.__name__,
                lambda e: sp.Function(_decode(e.func.__name__, subscripts))(*e.args),
            )
        capitals = {n for n in re.findall(r"(?<![\\A-Za-z])[A-Z](?![a-z])", text) if n not in self.scalars}
        if len(capitals) >= 2:  # `GH - HG` evaluates to 0 as it is parsed: look at the products as written
            with sp.evaluate(False), contextlib.suppress(LaTeXParsingError, TypeError, ValueError):
                self._no_matrix_products(parse_latex(text, strict=True))
        return expr

    def read(self, tex: str) -> sp.Expr:
        return self.finish(self.raw(tex))

    def _cases(self, tex: str) -> tuple[str, dict[str, sp.Piecewise]]:
        """`\\begin{cases} x & x > 0 \\\\ 0 & \\text{otherwise} \\end{cases}` → a Piecewise, in place."""
        pieces: dict[str, sp.Piecewise] = {}
        while True:
            match = _CASES.search(tex)
            if not match:
                return tex, pieces
            branches = []
            for row in re.split(r"\\\\|\\cr(?![A-Za-z])", match[1]):
                if not row.strip():
                    continue
                value, _, condition = row.partition("&")
                branches.append((self.raw(value), self._condition(condition)))
            if not branches:
                raise Unsupported("an empty cases environment")
            name = f"Q_{{{7320000 + len(pieces)}}}"
            pieces[name] = sp.Piecewise(*branches, evaluate=False)
            tex = tex[: match.start()] + " " + name + " " + tex[match.end() :]

    def _condition(self, text: str) -> sp.Basic:
        text = re.sub(r"\\(?:text|mathrm)\{\s*(?:if|for|when|where)?\s*\}|\\q?quad|\\[,;]", " ", text).strip(" ,;.")
        if re.fullmatch(r"(?:\\text\{\s*(?:otherwise|else|sonst|其他|否则)\s*\}|otherwise|else)?", text.strip()):
            return sp.true
        parts = re.split(r"(\\leq?|\\geq?|<|>)(?![A-Za-z])", text)
        if len(parts) < 3 or len(parts) % 2 == 0:
            raise Unsupported(f"cannot read the case condition '{text}'")
        ops = {"<": sp.Lt, ">": sp.Gt, "\\le": sp.Le, "\\leq": sp.Le, "\\ge": sp.Ge, "\\geq": sp.Ge}
        sides = [self.raw(p) for p in parts[0::2]]
        relations = [ops[op](a, b) for a, op, b in zip(sides, parts[1::2], sides[1:], strict=False)]
        return sp.And(*relations)

    def finish(self, expr: sp.Basic) -> sp.Expr:
        """Whitelist guard, then calls/constants/assumptions/definitions."""
        for node in sp.preorder_traversal(expr):
            if isinstance(node, sp.Derivative):
                target, variables = node.expr, [v for v, _ in node.variable_count]
                bare = target.free_symbols and not isinstance(target, AppliedUndef)
                if bare and any(v not in target.free_symbols for v in variables):
                    raise Unsupported(
                        f"d/d{variables[0]} of '{target}', which does not depend on it: declare it as a function, "
                        f"e.g. L(w)"
                    )
        mapping: dict[sp.Basic, sp.Basic] = {}
        for sym in expr.atoms(sp.Symbol):  # bound ones too: a Derivative's variable must be the same symbol
            name = str(sym)
            if name == "e" and "e" not in self.declared:
                mapping[sym] = sp.E
            elif name == "pi" and "pi" not in self.declared:
                mapping[sym] = sp.pi
            elif _NAME.match(name) or name in self.declared:
                mapping[sym] = self.symbol(name)
            else:
                raise Unsupported(f"'{name}' is not a symbol the checker knows (declare it in the check comment)")
        expr = expr.xreplace(mapping)
        self._no_matrix_products(expr)
        expr = _expand_indexed_sums(expr, self.symbol)
        expr = expr.replace(  # an odd root of a real number is real: \sqrt[3]{-8} = -2, not a complex root
            lambda e: isinstance(e, sp.Pow) and e.exp.is_Rational and e.exp.p == 1 and e.exp.q % 2 == 1 and e.exp.q > 1,
            lambda e: sp.real_root(e.base, e.exp.q),
        )
        for _ in range(50):  # innermost calls first: `\\max(\\max(a, b), c)`, `ReLU(ReLU(x))`
            inner = [a for a in expr.atoms(AppliedUndef) if not any(arg.atoms(AppliedUndef) for arg in a.args)]
            if not inner:
                break
            expr = expr.xreplace({atom: self._call(atom) for atom in inner})
        expr = expr.replace(
            lambda e: isinstance(e, sp.log) and len(e.args) == 2 and e.args[1] == sp.E, lambda e: sp.log(e.args[0])
        )
        for name, definition in self.lets.items():
            expr = expr.replace(sp.Function(name), definition)
        return expr

    def _no_matrix_products(self, expr: sp.Basic) -> None:
        """`AB`, `(G+H)(G-H)`: products whose factors hold two different capitals may be matrix products,
        which do not commute: read as scalars they "prove" `(AB)^{-1} = A^{-1}B^{-1}`. Capitals multiplied
        together must be declared scalars."""
        for node in sp.preorder_traversal(expr):
            if not isinstance(node, sp.Mul):
                continue
            per_factor = [self._capitals(factor) for factor in node.args]
            holding = [c for c in per_factor if c]
            names = set().union(*holding) if holding else set()
            if len(holding) >= 2 and len(names) >= 2:
                listed = ", ".join(sorted(names))
                raise Unsupported(
                    f"{listed} multiplied together may be matrices, whose products do not commute: say which "
                    f"('{listed} scalar', or 'matrix {listed}')"
                )

    def _capitals(self, expr: sp.Basic) -> set[str]:
        return {
            str(s)
            for s in expr.free_symbols
            if isinstance(s, sp.Symbol) and re.match(r"^[A-Z](?:_|$)", str(s)) and str(s) not in self.scalars
        }

    def _call(self, call: AppliedUndef) -> sp.Basic:
        name = call.func.__name__
        args = list(call.args)
        if name.endswith("'") and len(args) == 1:  # f'(x), \sigma''(x): derivatives of a declared function
            base, order = name.rstrip("'"), len(name) - len(name.rstrip("'"))
            if base not in self.lets and base not in self.functions and base not in DEFAULT_FUNCTIONS:
                raise Unsupported(f"'{name}(…)': declare {base} (functions {base}, or let {base}(x) = …)")
            t = sp.Dummy("t", real=True)
            body = self.lets[base](t) if base in self.lets else sp.Function(base)(t)
            return sp.diff(body, t, order).subs(t, args[0])
        if name in ("max", "min"):
            return (sp.Max if name == "max" else sp.Min)(*args)
        if name == "sign" and len(args) == 1:
            return sp.sign(args[0])
        if name == "relu" and len(args) == 1:
            return sp.Max(0, args[0])
        if name == "softplus" and len(args) == 1:
            return sp.log(1 + sp.exp(args[0]))
        if name in ("abs",):
            return sp.Abs(args[0])
        if name in self.functions or name in DEFAULT_FUNCTIONS or name in self.lets:
            return sp.Function(name)(*args)
        if name == "Gamma" and len(args) == 1 and "Gamma" not in self.declared:
            return sp.gamma(args[0])
        if name in self.scalars and len(args) == 1:
            # `where K = …`, `K scalar`: a number by definition (a `p > 0` may still be a density p(x))
            return self.symbol(name) * args[0]
        if _BARE_CALL.match(name) and len(args) == 1:
            # `p(x)` is a probability as often as `p(1-p)` is a product: reading either as the other would
            # "prove" false rows, so the checker asks (a subscripted or decorated name times a bracket,
            # `\hat{m}_t (1-\beta_1)`, stays a product)
            raise Unsupported(
                f"'{name}(…)' may be a function or a product: declare it (functions {name}) or write "
                f"{name} \\cdot (…) for a product"
            )
        if _NAME.match(name) and len(args) == 1:
            return self.symbol(name) * args[0]
        raise Unsupported(f"'{name}(…)' is not a known function (declare it: functions {name})")


_DIFF = re.compile(r"\\frac\{\s*(?:d|\\partial)\s*\}\{\s*(?:d|\\partial)\s*(\\?[A-Za-z]+(?:_\{[A-Za-z0-9]+\})?)\s*\}")
_PLACEHOLDERS = "QXYZqjkv"


def _derivative_variables(text: str) -> tuple[str, dict[str, str]]:
    """ANTLR reads `\\frac{d}{dx}` only for one plain letter: stand in a spare letter for `z_1`, `\\lambda`…"""
    text = re.sub(r"_([A-Za-z0-9])", r"_{\1}", text)
    renames: dict[str, str] = {}
    for match in list(_DIFF.finditer(text)):
        variable = match[1]
        if re.fullmatch(r"[A-Za-z]", variable):
            text = text.replace(match[0], rf"\frac{{d}}{{d{variable}}}", 1)
            continue
        spare = next((c for c in _PLACEHOLDERS if not re.search(rf"(?<![A-Za-z\\]){c}(?![A-Za-z])", text)), None)
        if spare is None:
            raise Unsupported("too many derivative variables in one side")
        original = str(parse_latex(variable, strict=True))
        text = text.replace(match[0], rf"\frac{{d}}{{d{spare}}}", 1)
        tail = r"(?![A-Za-z])" if "_" in variable else r"(?![A-Za-z_])"  # `\lambda` is not `\lambda_0`
        text = re.sub(re.escape(variable) + tail, " " + spare + " ", text)  # `\\log\\lambda` is not `\\logQ`
        renames[spare] = original
    return text, renames


def _expand_indexed_sums(expr: sp.Basic, symbol: Callable[[str], sp.Symbol]) -> sp.Basic:
    """`\\sum_{k=1}^{3} y_k` means y_1 + y_2 + y_3 (and `\\prod` the product): write the terms out (sympy
    would keep `y_k` one symbol)."""

    def expand(node: sp.Sum | sp.Product) -> sp.Basic:
        body = node.function
        combine = sp.Add if isinstance(node, sp.Sum) else sp.Mul
        for index, low, high in reversed(node.limits):
            if not (low.is_Integer and high.is_Integer) or high - low > 50:
                raise Unsupported("sums and products are only checked with small numeric limits, e.g. \\sum_{k=1}^{3}")
            name = str(index)
            terms = []
            for value in range(int(low), int(high) + 1):
                swap = {index: sp.Integer(value)}
                for sym in body.atoms(sp.Symbol):
                    renamed = _subscript_at(str(sym), name, value)
                    if renamed != str(sym):
                        swap[sym] = symbol(renamed)  # `y_1` with the domain the comment gives it
                terms.append(body.xreplace(swap))
            body = combine(*terms)
        return body

    return expr.replace(lambda e: isinstance(e, sp.Sum | sp.Product), expand)


def _subscript_at(symbol: str, index: str, value: int) -> str:
    """`x_{k-1}` at k = 2 is `x_{1}`; `w_{i,k}` at k = 2 is `w_{i,2}`. Only `index`, `index ± n` and
    `n ± index` are evaluated (a tiny grammar, never eval); any other use of the index is refused."""
    match = re.fullmatch(r"(.+?)_\{(.+)\}", symbol)
    if not match:
        return symbol
    parts = []
    for part in match[2].split(","):
        bare = part.replace(" ", "")
        if not re.search(rf"(?<![A-Za-z]){re.escape(index)}(?![A-Za-z])", bare):
            parts.append(part)
            continue
        form = re.fullmatch(rf"(?:(\d+)([+-]))?{re.escape(index)}(?:([+-])(\d+))?", bare)
        if not form:
            raise Unsupported(f"the subscript '{part}' uses the sum's index in a way the checker does not read")
        number = value
        if form[1]:
            number = int(form[1]) + value if form[2] == "+" else int(form[1]) - value
        if form[3]:
            number = number + int(form[4]) if form[3] == "+" else number - int(form[4])
        parts.append(str(number))
    return f"{match[1]}_{{{','.join(parts)}}}"


def _short(text: str) -> str:
    return text if len(text) <= 50 else text[:47] + "..."
