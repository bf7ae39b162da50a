"""Deciding each row of a derivation: proved, plausible, refuted, unsupported or timeout.

Staged, cheapest first (measured in the research notes): exact canonical forms, then
`simplify` under a time budget (with a Piecewise rewrite for |x|, max, sign), then exact
rational sample points evaluated at 50 digits. Numeric agreement alone is only *plausible*;
a sample point where the sides differ is a *refutation* and is reported.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import replace
from fractions import Fraction
from typing import Any

import sympy as sp

from .latex import Domain, Reader, Unsupported
from .results import PLAUSIBLE, PROVED, REFUTED, SKIPPED, TIMEOUT, UNSUPPORTED, BlockResult, RowResult
from .sampling import StepTimeout, budget, sample
from .syntax import Block, Directive

SAMPLES = 12
_RELATION = re.compile(r"^(.+?)\s*(>|<|\\ge|\\geq|\\le|\\leq|\\in)\s*(.+)$")
_WORDS = {
    "real": {"real": True},
    "positive": {"positive": True},
    "negative": {"negative": True},
    "nonnegative": {"nonnegative": True},
    "integer": {"integer": True},
    "natural": {"integer": True, "positive": True},
    "scalar": {"real": True},  # a capital that is a number, not a matrix
}


# -- directive → reader ---------------------------------------------------------------------------
def _names(reader: Reader, text: str) -> list[str]:
    names = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        expr = reader.raw(part)
        if not isinstance(expr, sp.Symbol):
            raise Unsupported(f"'{part}' in the check comment is not a symbol")
        names.append(str(expr))
    return names


def _interval(text: str) -> tuple[Fraction, Fraction, bool, bool] | None:
    match = re.match(r"^\s*([(\[])\s*(-?[\d./]+)\s*,\s*(-?[\d./]+)\s*([)\]])\s*$", text)
    if not match:
        return None
    return Fraction(match[2]), Fraction(match[3]), match[1] == "(", match[4] == ")"


def configure(directive: Directive) -> tuple[Reader, dict[str, sp.Expr], list[str]]:
    """A reader for the block, the case substitutions (slack variables) and the `where` clauses."""
    reader = Reader()
    reader.functions.update(_names_plain(directive.functions))
    slack: list[tuple[str, str, str]] = []
    for clause in directive.clauses:
        words = clause.split()
        if words and words[-1] in _WORDS:
            for name in _names(reader, clause[: clause.rfind(words[-1])]):
                reader.declared.add(name)
                if words[-1] == "scalar":
                    reader.scalars.add(name)
                reader.domains.setdefault(name, Domain()).assumptions.update(_WORDS[words[-1]])
            continue
        match = _RELATION.match(clause)
        if not match:
            raise Unsupported(f"cannot read the check clause '{clause}'")
        left, op, right = match[1].strip(), match[2], match[3].strip()
        if op == "\\in":
            names = _names(reader, left)
            interval = _interval(right)
            compact = right.replace(" ", "")
            if compact in ("\\mathbb{N}", "\\mathbb{Z}^+"):
                for name in names:
                    reader.domains.setdefault(name, Domain()).assumptions.update(integer=True, positive=True)
            elif interval:
                low, high, open_low, _ = interval
                for name in names:
                    domain = reader.domains.setdefault(name, Domain())
                    domain.interval = (low, high)
                    if low > 0 or (low == 0 and open_low):
                        domain.assumptions["positive"] = True
                    elif low == 0:
                        domain.assumptions["nonnegative"] = True
            elif compact != "\\mathbb{R}":
                raise Unsupported(f"cannot read the set in '{clause}'")
            reader.declared.update(names)
            continue
        if right.strip() == "0" and _safe_names(reader, left):
            kind = {
                ">": "positive",
                "<": "negative",
                "\\ge": "nonnegative",
                "\\geq": "nonnegative",
                "\\le": "nonpositive",
                "\\leq": "nonpositive",
            }[op]
            for name in _names(reader, left):
                reader.declared.add(name)
                reader.domains.setdefault(name, Domain()).assumptions.update({kind: True})
            continue
        slack.append((left, op, right))
    for name, domain in reader.domains.items():  # contradictory clauses (`x positive; x negative`): an error
        domain.symbol(name)
    substitutions: dict[str, sp.Expr] = {}
    for definition in directive.lets:
        _let(reader, definition)
    for left, op, right in slack:
        _case(reader, left, op, right, substitutions)
    for text in directive.wheres:  # `where K = …`: a scalar by definition
        target = text.partition("=")[0].strip().lstrip("\\")
        if re.fullmatch(r"[A-Za-z]+(?:_\{?\w+\}?)?", target):
            reader.scalars.add(re.sub(r"_(\w)$", r"_{\1}", target))
    return reader, substitutions, list(directive.wheres)


def _names_plain(names: tuple[str, ...]) -> list[str]:
    return [n.strip().lstrip("\\") for n in names]


def _safe_names(reader: Reader, text: str) -> list[str]:
    try:
        return _names(reader, text)
    except Unsupported:
        return []


_BUILT_IN = {"exp", "log", "ln", "sin", "cos", "tan", "sqrt", "max", "min", "sign", "frac", "sum", "Gamma", "e", "pi"}


def _let(reader: Reader, definition: str) -> None:
    left, _, right = definition.partition("=")
    head = re.match(r"^\s*\\?([A-Za-z]+)\s*\(([^()]*)\)\s*$", left)
    if not head or not right.strip():
        raise Unsupported(f"cannot read the definition 'let {definition}' (write let f(x) = …)")
    name = head[1]
    if name in _BUILT_IN:
        raise Unsupported(f"'let {name}(…)' would redefine the built-in \\{name}: use another name")
    reader.functions.add(name)
    params = [reader.symbol(p) for p in _names(reader, head[2])]
    reader.lets[name] = sp.Lambda(tuple(params), reader.read(right))


def _case(reader: Reader, left: str, op: str, right: str, substitutions: dict[str, sp.Expr]) -> None:
    """`a > \\lambda`: read the case as a = λ + t with t > 0 (a slack variable), and so on."""
    lhs, rhs = reader.read(left), reader.read(right)
    strict = op in (">", "<")
    if isinstance(lhs, sp.Symbol):
        target, other, above = lhs, rhs, op in (">", "\\ge", "\\geq")
    elif isinstance(rhs, sp.Symbol):
        target, other, above = rhs, lhs, op in ("<", "\\le", "\\leq")
    else:
        raise Unsupported(f"the case '{left} {op} {right}' needs a lone symbol on one side")
    slack = sp.Symbol(f"t_{{{target}}}", positive=True) if strict else sp.Symbol(f"u_{{{target}}}", nonnegative=True)
    substitutions[str(target)] = other + slack if above else other - slack


# -- one row --------------------------------------------------------------------------------------
def _prepare(expr: sp.Expr, substitutions: dict[str, sp.Expr], wheres: list[tuple[sp.Symbol, sp.Expr]]) -> sp.Expr:
    for sym, value in wheres:
        expr = expr.subs(sym, value)
    if substitutions:
        expr = expr.subs({s: substitutions[str(s)] for s in expr.free_symbols if str(s) in substitutions})
    return expr


def _zero_symbolic(d: sp.Expr) -> bool:
    for transform in (lambda e: e, sp.expand, sp.cancel, sp.together):
        if transform(d) == 0:
            return True
    if sp.simplify(d) == 0:
        return True
    if d.has(sp.Abs, sp.Max, sp.Min, sp.sign, sp.Piecewise):
        return bool(sp.simplify(sp.piecewise_fold(d.rewrite(sp.Piecewise))) == 0)
    return False


def _numeric(d: sp.Expr, reader: Reader, seed: int) -> tuple[str, dict[str, str]]:
    rng = random.Random(seed)
    symbols = sorted(d.free_symbols, key=str)
    good = 0
    for _ in range(SAMPLES * 3):
        point = {s: sample(s, reader.domains.get(str(s)), rng) for s in symbols}
        try:
            exact = d.subs(point)
            if exact.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
                continue
            if exact.is_Rational:  # exact arithmetic: no tolerance at all
                if exact != 0:
                    return REFUTED, {str(k): str(v) for k, v in point.items()}
                good += 1
                if good >= SAMPLES:
                    break
                continue
            value = exact.evalf(60)
        except (ZeroDivisionError, TypeError, ValueError):
            continue
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_number:
            continue
        # relative to the largest term (terms that cancel may be huge), at 60 digits and then at 120: a
        # difference of 10^-50 relative is a difference, not rounding
        terms = exact.args if isinstance(exact, sp.Add) else (exact,)
        try:
            scale = 1 + max(abs(sp.N(t, 30)) for t in terms)
            again = exact.evalf(120)
        except (ZeroDivisionError, TypeError, ValueError):
            continue
        if not again.is_number or again.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            continue
        if abs(value) > sp.Float("1e-45", 60) * scale or abs(again) > sp.Float("1e-100", 120) * scale:
            return REFUTED, {str(k): str(v) for k, v in point.items()}
        good += 1
        if good >= SAMPLES:
            break
    return (PLAUSIBLE if good >= SAMPLES // 2 else UNSUPPORTED), {}


def check_equal(a: sp.Expr, b: sp.Expr, reader: Reader, seed: int, limit: float) -> tuple[str, str, dict[str, str]]:
    """Symbolic first, then sample points; each stage gets `limit` seconds."""
    d: sp.Expr = sp.Add(a, -b)
    symbolic_timed_out = False
    try:
        with budget(limit):
            d = d.doit()
            if _zero_symbolic(d):
                return PROVED, "sympy shows both sides are equal", {}
    except StepTimeout:
        symbolic_timed_out = True
    try:
        with budget(limit):
            verdict, point = _numeric(d, reader, seed)
    except StepTimeout:
        return TIMEOUT, f"sympy needed more than {limit:g} s", {}
    if verdict == REFUTED:
        return REFUTED, "the two sides differ", point
    if verdict == PLAUSIBLE:
        why = "simplification timed out" if symbolic_timed_out else "sympy could not prove it"
        return PLAUSIBLE, f"equal at every sample point, but {why}", {}
    return UNSUPPORTED, "could not evaluate the step at any sample point", {}


def _base_symbol(expr: sp.Expr, equation: sp.Expr) -> sp.Symbol | None:
    """`w^*` (wstar) names the solution for w: the unknown is w if the equation has it."""
    if not isinstance(expr, sp.Symbol):
        return None
    name = str(expr)
    for suffix in ("star", "hat", "bar", "tilde"):
        if name.endswith(suffix) or re.search(rf"{suffix}(_\{{.*\}})?$", name):
            base = re.sub(rf"{suffix}(?=(_\{{.*\}})?$)", "", name)
            for sym in equation.free_symbols:
                if str(sym) == base:
                    return sym
    return expr if expr in equation.free_symbols else None


def _identically_zero(expr: sp.Expr, limit: float) -> bool:
    try:
        with budget(limit):
            return _zero_symbolic(expr.doit())
    except StepTimeout:
        return False


def _how_many(equation: sp.Expr, unknown: sp.Symbol, value: sp.Expr, limit: float) -> str:
    """ "the unique solution" only when sympy's solver says so; otherwise say what was shown."""
    try:
        with budget(limit):
            roots = sp.solve(equation, unknown, dict=False)
    except (StepTimeout, NotImplementedError, ValueError, TypeError):
        return "a solution (whether it is the only one was not decided)"
    if isinstance(roots, list) and len(roots) == 1:
        return "the unique solution"
    if isinstance(roots, list) and len(roots) > 1:
        return f"one of {len(roots)} solutions (the others are not ruled out as the optimum)"
    return "a solution (whether it is the only one was not decided)"


class ScalarAlgebra:
    """The operations a chain needs, on sympy scalar expressions."""

    zero = sp.Integer(0)

    def __init__(self, directive: Directive) -> None:
        self.reader, self.substitutions, where_texts = configure(directive)
        self.wheres = []
        for text in where_texts:
            left, _, right = text.partition("=")
            target = self.reader.read(left)
            if not isinstance(target, sp.Symbol):
                raise Unsupported(f"'where {text}' must set a symbol")
            self.wheres.append((target, self.reader.read(right)))

    def parse(self, tex: str) -> sp.Expr:
        return self.reader.read(tex)

    target = parse

    def prepare(self, expr: sp.Expr) -> sp.Expr:
        return _prepare(expr, self.substitutions, self.wheres)

    def read(self, tex: str) -> sp.Expr:
        return self.prepare(self.parse(tex))

    def has_derivative(self, expr: sp.Expr) -> bool:
        return bool(expr.has(sp.Derivative))

    def difference(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return sp.Add(a, -b)

    def equal(self, a: sp.Expr, b: sp.Expr, seed: int, limit: float) -> tuple[str, str, dict[str, str]]:
        return check_equal(a, b, self.reader, seed, limit)

    def unknown(self, target: sp.Expr, equation: sp.Expr) -> sp.Symbol | None:
        return _base_symbol(target, equation)

    def substitute(self, equation: sp.Expr, unknown: sp.Symbol, value: sp.Expr) -> sp.Expr:
        return equation.subs(unknown, value)

    def identity(self, equation: sp.Expr, limit: float) -> bool:
        return _identically_zero(equation, limit)

    def show(self, expr: sp.Expr) -> str:
        return str(expr)

    def how_many(self, equation: sp.Expr, unknown: sp.Symbol, value: sp.Expr, limit: float) -> str:
        return _how_many(equation, unknown, value, limit)


def algebra_for(directive: Directive) -> Any:
    """Matrix rows when the comment declares a matrix or vector, scalar rows otherwise."""
    from .matrix import MatrixAlgebra, split_declarations

    declarations, rest = split_declarations(directive.clauses)
    if declarations:
        return MatrixAlgebra(declarations, replace(directive, clauses=tuple(rest)))
    return ScalarAlgebra(directive)


def check_block(block: Block, step_limit: float = 5.0) -> BlockResult:
    result = BlockResult(path=block.path, line=block.line, rows=[])
    try:
        algebra = algebra_for(block.directive)
    except Unsupported as exc:
        result.error = f"check comment: {exc}"
        return result
    chain_lhs: Any = None
    previous_rhs: Any = None
    first_derivative = False
    refuted_line: int | None = None
    after_skip: int | None = None
    for index, row in enumerate(block.rows):
        started = time.perf_counter()
        out = RowResult(line=row.line, text=row.text, verdict=SKIPPED, detail=row.reason)
        result.rows.append(out)
        if row.kind in ("skip", "relation"):
            after_skip, previous_rhs = row.line, None
            if row.kind == "relation":  # not checked; the next row is compared with its right side, never earlier
                out.verdict = UNSUPPORTED
                try:
                    previous_rhs = algebra.read(row.rhs) if row.rhs else None
                except (Unsupported, StepTimeout):
                    previous_rhs = None
            continue
        try:
            rhs = algebra.read(row.rhs)
            if row.kind == "start" and row.lhs.strip() == "0":
                # `0 = g(x)`: a condition to solve (e.g. a subgradient condition), not a claim
                chain_lhs, previous_rhs, first_derivative = algebra.zero, rhs, False
                out.detail = "a condition to solve, not a claim; the rows below are checked against it"
                continue
            if row.kind == "start":
                raw_lhs = algebra.parse(row.lhs)
                # `\frac{d}{dw}L`, `-\frac{d}{dp}(…)`, `\frac12\frac{d}{dw}…`, a sum of derivatives: a gradient,
                # which `\Rightarrow` sets to zero (a first-order condition)
                first_derivative = algebra.has_derivative(raw_lhs)
                chain_lhs = algebra.prepare(raw_lhs)
                left = chain_lhs
            elif row.kind == "continue":
                if previous_rhs is None:
                    if after_skip is not None:
                        raise Unsupported(f"continues from the row on line {after_skip}, which is not checked")
                    raise Unsupported("'&= …' continues a chain, but no chain started above")
                left = previous_rhs
            else:  # implies: `\Rightarrow v = e` must satisfy the equation above
                if previous_rhs is None or chain_lhs is None:
                    raise Unsupported("'\\Rightarrow' needs an equation above it")
                target = algebra.target(row.lhs)
                equation = previous_rhs if first_derivative else algebra.difference(chain_lhs, previous_rhs)
                unknown = algebra.unknown(target, equation)
                if unknown is None:
                    raise Unsupported(f"'{row.lhs}' does not name an unknown of the equation above")
                if not first_derivative and algebra.identity(equation, step_limit):
                    raise Unsupported(
                        "the rows above are an identity, true for every value: there is no equation to solve "
                        "(set a derivative to 0, or write the equation '… = 0')"
                    )
                residual = algebra.substitute(equation, unknown, rhs)
                out.verdict, out.detail, out.counterexample = algebra.equal(residual, algebra.zero, index, step_limit)
                if out.verdict == PROVED:
                    claim = f"{algebra.show(target)} = {algebra.show(rhs)}"
                    out.detail = f"{claim} is {algebra.how_many(equation, unknown, rhs, step_limit)}"
                    if first_derivative:
                        out.detail += " of the first-order condition"
                # what follows the conclusion continues from it, not from the equation
                chain_lhs, previous_rhs, first_derivative = target, rhs, False
                if out.verdict == REFUTED and refuted_line is None:
                    refuted_line = row.line
                elif refuted_line is not None:
                    out.depends_on_refuted = refuted_line
                out.seconds = round(time.perf_counter() - started, 4)
                continue
            out.verdict, out.detail, out.counterexample = algebra.equal(left, rhs, index, step_limit)
            previous_rhs = rhs
        except Unsupported as exc:
            out.verdict, out.detail = UNSUPPORTED, str(exc)
            if row.kind != "implies":
                previous_rhs = None
        except StepTimeout:
            out.verdict, out.detail = TIMEOUT, f"sympy needed more than {step_limit:g} s"
        if out.verdict == REFUTED and refuted_line is None:
            refuted_line = row.line
        elif refuted_line is not None and out.verdict != SKIPPED:
            out.depends_on_refuted = refuted_line
        out.seconds = round(time.perf_counter() - started, 4)
    return result
