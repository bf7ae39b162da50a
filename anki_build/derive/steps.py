"""Deciding each row of a derivation: proved, plausible, refuted, unsupported or timeout.

Staged, cheapest first (measured in the research notes): exact canonical forms, then
`simplify` under a time budget (with a Piecewise rewrite for |x|, max, sign), then exact
rational sample points evaluated at 50 digits. Numeric agreement alone is only *plausible*;
a sample point where the sides differ is a *refutation* and is reported.
"""

from __future__ import annotations

import itertools
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
from .syntax import Block, Directive, split_top

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
    for part in split_top(text, ","):  # `x_{1,1}, y` is two names
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
    bounds: dict[sp.Symbol, list[tuple[sp.Expr, bool, bool]]] = {}
    for left, op, right in slack:
        _case(reader, left, op, right, bounds)
    substitutions.update(_cases(reader, bounds))
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


def _case(
    reader: Reader, left: str, op: str, right: str, bounds: dict[sp.Symbol, list[tuple[sp.Expr, bool, bool]]]
) -> None:
    """`a > \\lambda`: a bound on a lone symbol (above or below, strict or not); all of them are kept."""
    lhs, rhs = reader.read(left), reader.read(right)
    strict = op in (">", "<")
    if isinstance(lhs, sp.Symbol):
        target, other, above = lhs, rhs, op in (">", "\\ge", "\\geq")
    elif isinstance(rhs, sp.Symbol):
        target, other, above = rhs, lhs, op in ("<", "\\le", "\\leq")
    else:
        raise Unsupported(f"the case '{left} {op} {right}' needs a lone symbol on one side")
    bounds.setdefault(target, []).append((other, above, strict))


def _cases(reader: Reader, bounds: dict[sp.Symbol, list[tuple[sp.Expr, bool, bool]]]) -> dict[str, sp.Expr]:
    """Each bounded symbol becomes its bound plus a slack (`a = λ + t`, t > 0); a symbol bounded on both
    sides is `lo + (hi - lo)·u` with u in (0, 1). Every bound is also a condition a sample point must meet,
    so a point outside the case (hi ≤ lo, or a mixed strict bound at its edge) is never a counterexample."""
    substitutions: dict[str, sp.Expr] = {}
    for target, found in bounds.items():
        lows = [b for b, above, _ in found if above]
        highs = [b for b, above, _ in found if not above]
        if lows and highs:
            low, high = sp.Max(*lows), sp.Min(*highs)
            u = sp.Symbol(f"u_{{{target}}}", positive=True)
            reader.domains[str(u)] = Domain(
                assumptions={"real": True, "positive": True}, interval=(Fraction(0), Fraction(1))
            )
            value = low + (high - low) * u
            reader.conditions.append((high - low, True))
        elif all(strict for _, _, strict in found):
            value = (
                (sp.Max(*lows) + sp.Symbol(f"t_{{{target}}}", positive=True))
                if lows
                else (sp.Min(*highs) - sp.Symbol(f"t_{{{target}}}", positive=True))
            )
        else:
            slack = sp.Symbol(f"u_{{{target}}}", nonnegative=True)
            value = sp.Max(*lows) + slack if lows else sp.Min(*highs) - slack
        substitutions[str(target)] = value
        for bound, above, strict in found:
            reader.conditions.append(((value - bound) if above else (bound - value), strict))
    return substitutions


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


def _allowed(point: dict[sp.Symbol, sp.Rational], reader: Reader, rng: random.Random) -> bool:
    """The point satisfies every case condition (symbols a condition needs but `d` lacks are sampled too)."""
    for condition, strict in reader.conditions:
        extra = {s: sample(s, reader.domains.get(str(s)), rng) for s in condition.free_symbols if s not in point}
        point.update(extra)
        value = condition.subs(point)
        if not value.is_number or not value.is_real or (value <= 0 if strict else value < 0):
            return False
    return True


def _breakpoints(d: sp.Expr) -> list[sp.Expr]:
    """Where |·|, sign, max/min, floor/ceil, ReLU switch branches: a wrong step often differs only there."""
    found: list[sp.Expr] = []
    for node in sp.preorder_traversal(d):
        if isinstance(node, sp.Abs | sp.sign | sp.Heaviside):
            found.append(node.args[0])
        elif isinstance(node, sp.Max | sp.Min):
            found.extend(a - b for a, b in itertools.combinations(node.args, 2))
        elif isinstance(node, sp.floor | sp.ceiling | sp.frac):
            found.append(node.args[0])
        elif isinstance(node, sp.Piecewise):
            for _, condition in node.args:
                if isinstance(condition, sp.core.relational.Relational):
                    found.append(condition.lhs - condition.rhs)
    return found[:40]


_NUDGES = (0, 0, sp.Rational(1, 10**6), -sp.Rational(1, 10**6), 0, sp.Rational(1, 10**15))


def _near_breakpoint(
    point: dict[sp.Symbol, sp.Rational], breakpoints: list[sp.Expr], reader: Reader, rng: random.Random, nudge: sp.Expr
) -> None:
    """Move one symbol onto (or just beside) a branch switch, solving the switch for it when it is linear."""
    if not breakpoints:
        return
    g = rng.choice(breakpoints)
    candidates = [s for s in g.free_symbols if s in point and not s.is_integer]
    if not candidates:
        return
    x = rng.choice(sorted(candidates, key=str))
    others = {k: v for k, v in point.items() if k != x}
    g = g.subs(others)
    if isinstance(g, sp.Expr) and g.has(sp.floor, sp.ceiling, sp.frac):
        return
    try:
        if not g.is_polynomial(x) or sp.degree(g, x) != 1:
            return
        coefficient, constant = sp.Poly(g, x).all_coeffs()
    except (sp.PolynomialError, ValueError, TypeError):
        return
    target = -constant / coefficient
    if isinstance(g, sp.Expr) and not target.is_Rational:
        return
    target += nudge
    domain = reader.domains.get(str(x))
    if (x.is_positive and target <= 0) or (x.is_nonnegative and target < 0) or (x.is_negative and target >= 0):
        return
    if x.is_nonpositive and target > 0:
        return
    if domain and domain.interval and not (domain.interval[0] < target < domain.interval[1]):
        return
    point[x] = target


def _numeric(d: sp.Expr, reader: Reader, seed: int) -> tuple[str, dict[str, str]]:
    rng = random.Random(seed)
    symbols = sorted(d.free_symbols, key=str)
    breakpoints = _breakpoints(d)
    good = 0
    for trial in range(SAMPLES * 3):
        point = {s: sample(s, reader.domains.get(str(s)), rng) for s in symbols}
        if trial < len(_NUDGES):  # the first points sit on a branch switch, or just beside it
            _near_breakpoint(point, breakpoints, reader, rng, _NUDGES[trial])
        if not _allowed(point, reader, rng):
            continue
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
            roots = sp.solve(equation.doit(), unknown, dict=False)
    except (StepTimeout, NotImplementedError, ValueError, TypeError):
        return "a solution (whether it is the only one was not decided)"
    if isinstance(roots, list) and len(roots) == 1:
        return "the unique solution"
    if isinstance(roots, list) and len(roots) > 1:
        return f"one of {len(roots)} solutions (the others are not ruled out as the optimum)"
    return "a solution (whether it is the only one was not decided)"


def check_order(a: sp.Expr, op: str, b: sp.Expr, reader: Reader, seed: int, limit: float) -> tuple[str, str, dict]:
    """`a op b` for every allowed value: decided by sympy for one real variable (a polynomial or rational
    function on the declared domain); otherwise only a counterexample can be found (refuted) or not."""
    gap = sp.Add(b, -a) if op in ("<", "<=") else sp.Add(a, -b)  # must be > 0 (strict) or >= 0
    strict = op in ("<", ">")
    try:
        with budget(limit):
            gap = sp.cancel(gap.doit())
            symbols = sorted(gap.free_symbols, key=str)
            if not symbols and gap.is_number:
                holds = bool(gap > 0) if strict else bool(gap >= 0)
                return (PROVED, "sympy decides it", {}) if holds else (REFUTED, "the inequality is false", {})
            if len(symbols) == 1 and gap.is_rational_function(symbols[0]) and not symbols[0].is_integer:
                x = symbols[0]
                domain = _domain_set(x, reader.domains.get(str(x)))
                where = sp.solve_univariate_inequality(
                    (gap > 0) if strict else (gap >= 0), x, relational=False, domain=domain
                )
                if domain.is_subset(where):
                    return PROVED, "sympy decides it for every allowed value", {}
                witness = _witness(sp.Complement(domain, where))
                if witness is not None and gap.subs(x, witness).is_finite:
                    return REFUTED, "the inequality fails", {str(x): str(witness)}
    except (StepTimeout, NotImplementedError, ValueError, TypeError):
        pass
    try:
        with budget(limit):
            rng = random.Random(seed)
            tried = 0
            for _ in range(SAMPLES * 3):
                point = {s: sample(s, reader.domains.get(str(s)), rng) for s in sorted(gap.free_symbols, key=str)}
                if not _allowed(point, reader, rng):
                    continue
                value = gap.subs(point)
                if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_real:
                    continue
                tried += 1
                if (value <= 0) if strict else (value < 0):
                    return REFUTED, "the inequality fails", {str(k): str(v) for k, v in point.items()}
    except (StepTimeout, TypeError, ValueError):
        tried = 0
    return UNSUPPORTED, f"not decided by sympy (it holds at {tried} sample points)", {}


def _domain_set(x: sp.Symbol, domain: Domain | None) -> sp.Set:
    if domain and domain.interval:
        low, high = domain.interval
        return sp.Interval(sp.Rational(low.numerator, low.denominator), sp.Rational(high.numerator, high.denominator))
    if x.is_positive:
        return sp.Interval.open(0, sp.oo)
    if x.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if x.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if x.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    return sp.S.Reals


def _witness(gaps: sp.Set) -> sp.Expr | None:
    """A point of a set where the inequality fails (an end point, or the middle of an interval)."""
    for part in gaps.args if isinstance(gaps, sp.Union) else (gaps,):
        if isinstance(part, sp.FiniteSet) and part.args:
            return part.args[0]
        if isinstance(part, sp.Interval):
            low, high = part.start, part.end
            if low.is_finite and high.is_finite:
                return (low + high) / 2
            if low.is_finite:
                return low + 1
            if high.is_finite:
                return high - 1
            return sp.Integer(0)
    return None


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

    def compare(self, a: sp.Expr, op: str, b: sp.Expr, seed: int, limit: float) -> tuple[str, str, dict[str, str]]:
        return check_order(a, op, b, self.reader, seed, limit)

    def unknown(self, target: sp.Expr, equation: sp.Expr) -> sp.Symbol | None:
        return _base_symbol(target, equation)

    def substitute(self, equation: sp.Expr, unknown: sp.Symbol, value: sp.Expr) -> sp.Expr:
        return equation.subs(unknown, value)

    def identity(self, equation: sp.Expr, limit: float) -> bool:
        return _identically_zero(equation, limit)

    def show(self, expr: sp.Expr) -> str:
        return str(expr)

    def kind_of_point(self, gradient: sp.Expr, unknown: sp.Symbol, value: sp.Expr, limit: float) -> str:
        """The sign of the gradient's slope there: a stationary point is not always a minimum."""
        try:
            with budget(limit):
                slope = sp.simplify(sp.diff(gradient.doit(), unknown).subs(unknown, value))
        except (StepTimeout, TypeError, ValueError, NotImplementedError):
            return ""
        if slope.is_positive:
            return " (a minimum: the second derivative is positive there)"
        if slope.is_negative:
            return " (a maximum, not a minimum: the second derivative is negative there)"
        return " (whether it is a minimum was not decided)"

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
    first_derivative = False  # `\Rightarrow` solves "last right side = 0" (a gradient, or a row set to zero)
    gradient = False  # … and that is a first-order condition
    ordered = False  # the chain since its start has an inequality: no equation for `\Rightarrow`
    refuted_line: int | None = None
    after_skip: int | None = None
    for index, row in enumerate(block.rows):
        started = time.perf_counter()
        out = RowResult(line=row.line, text=row.text, verdict=SKIPPED, detail=row.reason)
        result.rows.append(out)
        if row.kind == "skip":
            after_skip, previous_rhs = row.line, None
            continue
        if row.kind == "relation":  # decided where sympy can; the next row continues from its right side
            left, ordered = previous_rhs, True
            if row.lhs:
                chain_lhs, first_derivative = None, False
            previous_rhs = None
            try:
                rhs = algebra.read(row.rhs)
                previous_rhs = rhs
                if not row.relation:
                    raise Unsupported(row.reason)
                if row.lhs:
                    left = algebra.read(row.lhs)
                elif left is None:
                    raise Unsupported("continues a chain, but the row above is not checked")
                out.verdict, out.detail, out.counterexample = algebra.compare(
                    left, row.relation, rhs, index, step_limit
                )
            except Unsupported as exc:
                out.verdict, out.detail = UNSUPPORTED, str(exc)
            except StepTimeout:
                out.verdict, out.detail = TIMEOUT, f"sympy needed more than {step_limit:g} s"
            if out.verdict != PROVED:
                after_skip = row.line
            if out.verdict == REFUTED and refuted_line is None:
                refuted_line = row.line
            elif refuted_line is not None:
                out.depends_on_refuted = refuted_line
            out.seconds = round(time.perf_counter() - started, 4)
            continue
        try:
            rhs = algebra.read(row.rhs)
            following = next((r.kind for r in block.rows[index + 1 :] if r.kind != "skip"), "")
            if row.rhs.strip() == "0" and row.kind in ("start", "continue") and following == "implies":
                # `L'(w) &= 0` / `&= 0` right before `\Rightarrow`: setting it to zero, a condition, not a claim
                if row.kind == "start":
                    raw_lhs = algebra.parse(row.lhs)
                    gradient = algebra.has_derivative(raw_lhs)
                    previous_rhs = chain_lhs = algebra.prepare(raw_lhs)
                elif previous_rhs is None:
                    raise Unsupported("'&= 0' sets the row above to zero, but it is not checked")
                first_derivative, ordered = True, False
                out.detail = "sets the expression to zero: a condition to solve, not a claim"
                continue
            if row.kind == "start" and row.lhs.strip() == "0":
                # `0 = g(x)`: a condition to solve (e.g. a subgradient condition), not a claim
                chain_lhs, previous_rhs, first_derivative, gradient = algebra.zero, rhs, False, False
                out.detail = "a condition to solve, not a claim; the rows below are checked against it"
                continue
            if row.kind == "start":
                ordered = False
                raw_lhs = algebra.parse(row.lhs)
                # `\frac{d}{dw}L`, `-\frac{d}{dp}(…)`, `\frac12\frac{d}{dw}…`, a sum of derivatives: a gradient,
                # which `\Rightarrow` sets to zero (a first-order condition)
                first_derivative = gradient = algebra.has_derivative(raw_lhs)
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
                if ordered:
                    raise Unsupported("the chain above has an inequality: there is no equation to solve")
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
                    if gradient:
                        out.detail += " of the first-order condition" + algebra.kind_of_point(
                            equation, unknown, rhs, step_limit
                        )
                # what follows the conclusion continues from it, not from the equation
                chain_lhs, previous_rhs, first_derivative, gradient = target, rhs, False, False
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
