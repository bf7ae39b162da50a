"""Matrix derivations: a small reader for matrix TeX, shape inference, and two honest checks.

sympy's LaTeX parser reads every letter as a commuting scalar, so matrix rows get their own
reader (a tiny precedence parser over TeX tokens, never eval). Each side becomes an `Expr` tree;
shapes are inferred by unification (`X \\in \\mathbb{R}^{n \\times d}` fixes some, products fix the
rest). A row is then

- *proved for every size* when both sides have the same normal form in the free algebra of
  matrices: products expanded as words, transposes pushed to the letters, symmetric letters,
  `A A^{-1} = I` and `M (…)^{-1}`-cancellation, 1×1 words equal to their transposes. Equal normal
  forms are equal matrices for every size where the shapes fit and the inverses exist;
- otherwise *plausible* when the sides agree exactly on random rational matrices of several
  sizes (random sizes per dimension), and *refuted* with the sizes where they differ.
"""

from __future__ import annotations

import copy
import itertools
import random
import re
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from .latex import GREEK, Domain, Unsupported
from .results import EVERY_SIZE, PLAUSIBLE, PROVED, REFUTED, TIMEOUT, UNSUPPORTED
from .sampling import StepTimeout, budget, sample
from .syntax import Directive, split_top

# -- declarations ---------------------------------------------------------------------------------
_SHAPE = re.compile(r"^(.+?)\s*\\in\s*\\mathbb\{R\}\s*\^\s*(?:\{(.+)\}|(\w))\s*$")


@dataclass
class Declarations:
    """What the check comment says about matrices: kinds, shapes, symmetric ones."""

    kinds: dict[str, str] = field(default_factory=dict)  # name → "matrix" | "vector"
    shapes: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (rows, cols): digits or dim names
    symmetric: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.kinds)


def split_declarations(clauses: tuple[str, ...]) -> tuple[Declarations, list[str]]:
    """Matrix clauses out of the comment; the rest (scalar domains, cases) is returned untouched."""
    decl = Declarations()
    rest = []
    for clause in clauses:
        words = clause.split(None, 1)
        head = words[0].lower() if words else ""
        if head in ("matrix", "matrices", "vector", "vectors", "symmetric") and len(words) == 2:
            for name in _names(words[1]):
                decl.kinds[name] = "vector" if head.startswith("vector") else "matrix"
                if head == "symmetric":
                    decl.symmetric.add(name)
            continue
        tail = clause.rsplit(None, 1)
        if len(tail) == 2 and tail[1].lower() in ("matrix", "matrices", "vector", "vectors", "symmetric"):
            kind = tail[1].lower()
            for name in _names(tail[0]):
                decl.kinds[name] = "vector" if kind.startswith("vector") else "matrix"
                if kind == "symmetric":
                    decl.symmetric.add(name)
            continue
        shape = _SHAPE.match(clause)
        if shape:
            dims = [d.strip() for d in re.split(r"\\times|×|\*", shape[2] or shape[3])]
            if len(dims) > 2 or not all(re.fullmatch(r"\d+|\\?[A-Za-z]+(?:_\{?\w+\}?)?", d) for d in dims):
                raise Unsupported(f"cannot read the shape in '{clause}'")
            dims = [d.lstrip("\\") for d in dims]
            for name in _names(shape[1]):
                if len(dims) == 1:
                    decl.kinds[name], decl.shapes[name] = "vector", (dims[0], "1")
                else:
                    decl.kinds[name], decl.shapes[name] = "matrix", (dims[0], dims[1])
            continue
        rest.append(clause)
    for name in decl.symmetric:
        if name in decl.shapes and decl.shapes[name][0] != decl.shapes[name][1]:
            raise Unsupported(f"{name} is declared symmetric but not square")
    return decl, rest


def _names(text: str) -> list[str]:
    names = []
    for part in split_top(text, ","):  # `x_{1,1}, y` is two names
        part = part.strip()
        if not part:
            continue
        parser = Parser(part, Declarations(), set())
        parser.naming = True
        node = parser.parse()
        if not isinstance(node, Atom):
            raise Unsupported(f"'{part}' in the check comment is not a name")
        names.append(node.name)
    return names


# -- expression trees -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Expr:
    pass


@dataclass(frozen=True)
class Num(Expr):
    value: Fraction


@dataclass(frozen=True)
class Atom(Expr):
    name: str  # canonical: `xhat_{k}^-`, `P^-`, `lambda`


@dataclass(frozen=True)
class Ident(Expr):
    pass


@dataclass(frozen=True)
class Add(Expr):
    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Mul(Expr):
    factors: tuple[Expr, ...]


@dataclass(frozen=True)
class Neg(Expr):
    arg: Expr


@dataclass(frozen=True)
class Div(Expr):
    num: Expr
    den: Expr  # a scalar


@dataclass(frozen=True)
class Transpose(Expr):
    arg: Expr


@dataclass(frozen=True)
class Inverse(Expr):
    arg: Expr


@dataclass(frozen=True)
class Power(Expr):
    base: Expr
    exp: Expr


@dataclass(frozen=True)
class Call(Expr):
    name: str  # tr, diag, softmax, exp, log, sqrt
    arg: Expr


@dataclass(frozen=True)
class Deriv(Expr):
    """∂(body)/∂var: a gradient (scalar body, same shape as var) or a Jacobian (vector body)."""

    var: str
    body: Expr


# -- reading --------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\\[A-Za-z]+|\\\||\\[{}]|\d+(?:\.\d+)?|[A-Za-z]|[+\-^_(){}\[\]|,'*/]|\S")
_DROP = re.compile(
    r"\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg|displaystyle|"
    r"quad|qquad)(?![A-Za-z])|\\[,;:! ]|\\text\{[^{}]*\}(?=\s*$)"
)
_BOLD = re.compile(
    r"\\(?:mathbf|boldsymbol|bm|vec|mathbb)\{\s*(\\?[A-Za-z]+)\s*\}|\\(?:mathbf|boldsymbol|bm)\s*(\\[A-Za-z]+|[A-Za-z])"
)
_FUNCTIONS = {"tr": "tr", "Tr": "tr", "trace": "tr", "diag": "diag", "softmax": "softmax", "exp": "exp", "log": "log"}
_DECORATIONS = {"hat": "hat", "bar": "bar", "tilde": "tilde", "widehat": "hat", "overline": "bar", "check": "check"}
_STARS = (
    ["^", "*"],
    ["^", "\\ast"],
    ["^", "\\star"],
    ["^", "{", "*", "}"],
    ["^", "{", "\\ast", "}"],
    ["^", "{", "\\star", "}"],
)
_WORDS = re.compile(r"(?<![\\A-Za-z])(?:tr|Tr|diag|softmax|det|rank|exp|log|sign|trace)(?![A-Za-z])")


def normalise(tex: str) -> str:
    text = _DROP.sub(" ", tex.strip())
    text = _BOLD.sub(lambda m: m[1] or m[2], text)
    text = re.sub(r"\\(?:operatorname|mathrm|text|textrm)\*?\{\s*(\w+)\s*\}", r"\\\1", text)
    text = re.sub(r"\\[dt]frac", r"\\frac", text)
    text = re.sub(r"\\(?:lVert|rVert|Vert)", r"\\|", text)
    text = re.sub(r"\\(?:lvert|rvert|vert)", "|", text)
    text = re.sub(r"\\ln(?![A-Za-z])", r"\\log", text)
    text = re.sub(r"\\var(epsilon|theta|phi|rho|sigma|pi)(?![A-Za-z])", r"\\\1", text)
    if _WORDS.search(text):
        raise Unsupported(f"'{_WORDS.search(text)[0]}' written in letters: write \\operatorname{{…}}")  # type: ignore[index]
    return text.strip().rstrip(".,;")


class Parser:
    """Precedence parser: sums of products of postfixed primaries. Juxtaposition is the product."""

    def __init__(self, tex: str, decl: Declarations, scalars: set[str], defined: frozenset[str] = frozenset()) -> None:
        self.tokens = _TOKEN.findall(normalise(tex))
        self.pos = 0
        self.decl = decl
        self.scalars = scalars  # declared scalar names: `\lambda (w - a)` is a product
        self.defined = defined  # names a `where` clause defines
        self.naming = False  # reading the names of a declaration: any name goes
        self.closers: list[str] = []  # `\|` or `|` that would close the norm being read

    def parse(self) -> Expr:
        if not self.tokens:
            raise Unsupported("empty side")
        node = self.sum()
        if self.pos != len(self.tokens):
            raise Unsupported(f"cannot read '{''.join(self.tokens[self.pos :])}'")
        return node

    # helpers
    def peek(self, ahead: int = 0) -> str:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if not token or (expected is not None and token != expected):
            raise Unsupported(f"expected '{expected}'" if expected else "unexpected end")
        self.pos += 1
        return token

    def group(self) -> Expr:
        """`{…}` or a single token as an argument (`\\frac12`)."""
        if self.peek() == "{":
            self.take("{")
            node = self.sum()
            self.take("}")
            return node
        return self.postfix(self.primary())

    def raw_group(self) -> str:
        if self.peek() != "{":
            return self.take()
        depth, out = 0, []
        while True:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                return "".join(out[1:])
            out.append(token)

    # grammar
    def sum(self) -> Expr:
        terms: list[Expr] = []
        sign = 1
        if self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
        while True:
            term = self.product()
            terms.append(term if sign > 0 else Neg(term))
            if self.peek() in ("+", "-"):
                sign = -1 if self.take() == "-" else 1
                continue
            break
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def product(self) -> Expr:
        factors: list[Expr] = []
        while self.peek() and self.peek() not in ("+", "-", ")", "}", "]", ",", "="):
            if self.closers and self.peek() == self.closers[-1]:
                break
            if self.peek() in ("\\cdot", "*"):
                self.take()
                continue
            if self.peek() == "\\times":
                raise Unsupported("'\\times' may be a cross product: write \\cdot for a product")
            if self.peek() in ("\\nabla", "\\frac") and self._derivative_ahead():
                var = self.derivative_head()
                rest = self.product()
                factors.append(Deriv(var, rest))
                break
            factors.append(self.postfix(self.primary()))
        if not factors:
            raise Unsupported(f"expected a term at '{self.peek() or 'the end'}'")
        return factors[0] if len(factors) == 1 else Mul(tuple(factors))

    def _derivative_ahead(self) -> bool:
        if self.peek() == "\\nabla":
            return True
        operator = self.tokens[self.pos + 1 : self.pos + 5]
        return operator in (["{", "\\partial", "}", "{"], ["{", "d", "}", "{"]) and self.peek(5) in ("\\partial", "d")

    def derivative_head(self) -> str:
        """`\\nabla_w` or `\\frac{\\partial}{\\partial w}`: the variable, as a name."""
        if self.take() == "\\nabla":
            self.take("_")
            atom = self.group()
        else:
            self.take("{")
            self.take()
            self.take("}")
            self.take("{")
            self.take()
            atom = self.postfix(self.primary())
            self.take("}")
        if not isinstance(atom, Atom):
            raise Unsupported("a derivative must be taken with respect to a name")
        return atom.name

    def postfix(self, node: Expr) -> Expr:
        while self.peek() in ("^", "'"):
            if self.take() == "'":
                raise Unsupported("primes (f') are not read in matrix derivations")
            text = self.raw_group().replace(" ", "")
            if text in ("\\top", "T", "\\intercal", "\\mathsf{T}", "\\mathrm{T}") and not (
                text == "T" and "T" in self.scalars
            ):
                node = Transpose(node)
            elif text == "-1":
                node = Inverse(node)
            elif text in ("-\\top", "-T"):
                node = Inverse(Transpose(node))
            elif text in ("-",) and isinstance(node, Atom):
                node = Atom(node.name + "^-")
            elif text in ("*", "\\ast", "\\star") and isinstance(node, Atom):
                node = Atom(node.name + "^*")
            elif text.startswith("("):
                raise Unsupported("superscript indices such as x^{(t)} are not checked: write x_t")
            else:
                node = Power(node, Parser(text, self.decl, self.scalars, self.defined).parse())
        return node

    def primary(self) -> Expr:
        token = self.take()
        if re.fullmatch(r"\d+(?:\.\d+)?", token):
            return Num(Fraction(token))
        if token in ("(", "["):
            node = self.sum()
            self.take(")" if token == "(" else "]")
            return node
        if token == "{":
            node = self.sum()
            self.take("}")
            return node
        if token == "\\|":
            self.closers.append("\\|")
            inner = self.sum()
            self.closers.pop()
            self.take("\\|")
            if self.peek() == "_":
                self.take()
                if self.raw_group() not in ("2", "F"):
                    raise Unsupported("only the Euclidean (2) and Frobenius (F) norms are read")
            if self.peek() == "^" and self.peek(1) == "2":
                self.take()
                self.take()
                return Call("sqnorm", inner)
            if self.peek() == "^" and self.peek(1) == "{" and self.peek(2) == "2" and self.peek(3) == "}":
                self.pos += 4
                return Call("sqnorm", inner)
            return Call("sqrt", Call("sqnorm", inner))
        if token == "|":
            self.closers.append("|")
            inner = self.sum()
            self.closers.pop()
            self.take("|")
            return Call("abs", inner)
        if token == "\\frac" and self.peek() == "{" and self.peek(1) == "\\partial" and self.peek(2) != "}":
            self.take("{")
            self.take("\\partial")
            body = self.sum()
            self.take("}")
            self.take("{")
            self.take("\\partial")
            var = self.postfix(self.primary())
            self.take("}")
            if not isinstance(var, Atom):
                raise Unsupported("a derivative must be taken with respect to a name")
            return Deriv(var.name, body)
        if token == "\\frac":
            num = self.group()
            den = self.group()
            return Div(num, den)
        if token == "\\sqrt":
            return Call("sqrt", self.group())
        if token.startswith("\\") and token[1:] in _FUNCTIONS:
            name = _FUNCTIONS[token[1:]]
            if self.peek() in ("(", "["):
                return Call(name, self.primary())
            return Call(name, self.group())
        if token == "\\operatorname" or token == "\\mathrm":
            raise Unsupported(f"the operator '{self.raw_group()}' is not known to the matrix checker")
        name = self.name(token)
        if name == "I" and name not in self.decl.kinds and "I" not in self.scalars:
            return Ident()
        if name in ("pi", "e") and name not in self.scalars and name not in self.decl.kinds:
            return Call("const", Atom(name))
        known = self.naming or name in self.decl.kinds or name in self.scalars or name in self.defined
        if not known:
            # read as a number, an undeclared x would "prove" `x y^T = y x^T`: every name is declared
            raise Unsupported(
                f"is {name} a number, a vector or a matrix? declare it ('{name} real', 'vector {name}' or "
                f"'matrix {name}')"
            )
        return Atom(name)

    def name(self, token: str) -> str:
        """A letter, Greek letter or decorated letter with its subscript: the canonical name."""
        if token.startswith("\\") and token[1:] in _DECORATIONS:
            inner = self.raw_group()
            base = re.sub(r"\\(mathbf|boldsymbol|bm)\{?|\}", "", inner).lstrip("\\")
            sub = ""
            if "_" in base:
                base, sub = base.split("_", 1)
            if not (re.fullmatch(r"[A-Za-z]", base) or base in GREEK):
                raise Unsupported(f"cannot read the decorated name '{inner}'")
            name = base + _DECORATIONS[token[1:]]
            if sub:
                name += "_{" + sub.strip("{}") + "}"
        elif token.startswith("\\"):
            if token[1:] not in GREEK:
                raise Unsupported(f"'{token}' is not read by the matrix checker")
            name = token[1:]
        elif re.fullmatch(r"[A-Za-z]", token):
            name = token
        else:
            raise Unsupported(f"cannot read '{token}'")
        if self.peek() == "_":
            self.take()
            sub = self.raw_group().replace(" ", "")
            if not re.fullmatch(r"[A-Za-z0-9+\-|,\\]+", sub):
                raise Unsupported(f"cannot read the subscript '{sub}'")
            name += "_{" + sub + "}"
        ahead = self.tokens[self.pos : self.pos + 4]
        for suffix, forms in (("^-", (["^", "-"], ["^", "{", "-", "}"])), ("^*", _STARS)):
            for form in forms:
                if ahead[: len(form)] == form and not (suffix == "^-" and len(form) == 2 and self.peek(2) == "1"):
                    self.pos += len(form)
                    return name + suffix
        return name


# -- shapes ---------------------------------------------------------------------------------------
class Shapes:
    """Union-find over dimensions: ints are fixed sizes, other names are unknown sizes."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.fixed: dict[str, int] = {}
        self.rigid: set[str] = set()  # sizes the check comment names (n, d): never unified with each other
        self.nonunit: dict[str, str] = {}  # a matrix's or vector's unknown size → its name: never forced to 1
        self.fresh = 0

    def new(self) -> str:
        self.fresh += 1
        return f"?{self.fresh}"

    def dim(self, text: str) -> str:
        if text.isdigit():
            key = f"#{text}"
            self.fixed.setdefault(key, int(text))
            return self.find(key)
        return self.find(text)

    def find(self, d: str) -> str:
        self.parent.setdefault(d, d)
        while self.parent[d] != d:
            self.parent[d] = self.parent[self.parent[d]]
            d = self.parent[d]
        return d

    def size(self, d: str) -> int | None:
        return self.fixed.get(self.find(d))

    def unify(self, a: str, b: str, what: str) -> None:
        a, b = self.find(a), self.find(b)
        if a == b:
            return
        sa, sb = self.fixed.get(a), self.fixed.get(b)
        if sa is not None and sb is not None and sa != sb:
            raise ShapeError(f"{what}: {sa} ≠ {sb}")
        named = [x for x in (a, b) if x in self.rigid]
        if len(named) == 2 or (named and (sa is not None or sb is not None)):
            sizes = [x.lstrip("#") for x in (a, b)]
            raise ShapeError(f"{what}: it needs {sizes[0]} = {sizes[1]}")
        for x, other in ((a, sb), (b, sa)):
            if x in self.nonunit and other == 1:
                raise ShapeError(f"{what}: the shapes only fit if {self.nonunit[x]} has a size 1")
        if a in self.rigid:
            a, b = b, a
        if a in self.nonunit:
            self.nonunit.setdefault(b, self.nonunit[a])
        self.parent[a] = b
        if sa is not None:
            self.fixed[b] = sa

    def is_one(self, d: str) -> bool:
        return self.size(d) == 1


class ShapeError(Exception):
    """The shapes of a side do not fit: the row is not a true matrix equation."""


SCALAR = ("#1", "#1")


@dataclass
class Typer:
    decl: Declarations
    shapes: Shapes = field(default_factory=Shapes)
    atoms: dict[str, tuple[str, str]] = field(default_factory=dict)
    dim_names: set[str] = field(default_factory=set)
    idents: dict[int, tuple[str, str]] = field(default_factory=dict)  # id(node) → its size: each `I` its own

    def __post_init__(self) -> None:
        self.shapes.dim("1")
        for name, kind in self.decl.kinds.items():
            if name in self.decl.shapes:
                rows, cols = self.decl.shapes[name]
                self.dim_names.update(d for d in (rows, cols) if not d.isdigit())
                self.shapes.rigid.update(d for d in (rows, cols) if not d.isdigit())
                self.atoms[name] = (self.shapes.dim(rows), self.shapes.dim(cols))
            elif kind == "vector":
                self.atoms[name] = (self.shapes.new(), self.shapes.dim("1"))
                self.shapes.nonunit[self.atoms[name][0]] = name
            else:
                rows = self.shapes.new()
                self.atoms[name] = (rows, rows if name in self.decl.symmetric else self.shapes.new())
                for d in self.atoms[name]:
                    self.shapes.nonunit[d] = name
            if name in self.decl.symmetric:
                self.shapes.unify(*self.atoms[name], f"{name} is symmetric, so square")

    def scalar(self, shape: tuple[str, str]) -> bool:
        return self.shapes.is_one(shape[0]) and self.shapes.is_one(shape[1])

    def shape(self, node: Expr) -> tuple[str, str]:
        s = self.shapes
        one = s.dim("1")
        if isinstance(node, Num | Call) and (not isinstance(node, Call) or node.name in ("const",)):
            return (one, one)
        if isinstance(node, Atom):
            return self.atoms.get(node.name, (one, one))
        if isinstance(node, Ident):
            if id(node) not in self.idents:
                d = s.new()
                self.idents[id(node)] = (d, d)
            return self.idents[id(node)]
        if isinstance(node, Neg):
            return self.shape(node.arg)
        if isinstance(node, Add):
            terms = [t for t in node.terms if t != Num(Fraction(0))] or list(node.terms)
            shapes = [self.shape(t) for t in terms]
            first = shapes[0]
            for other in shapes[1:]:
                s.unify(first[0], other[0], "terms of a sum have different numbers of rows")
                s.unify(first[1], other[1], "terms of a sum have different numbers of columns")
            return first
        if isinstance(node, Mul):
            current = self.shape(node.factors[0])
            for factor in node.factors[1:]:
                nxt = self.shape(factor)
                if self.scalar(current):
                    current = nxt
                elif self.scalar(nxt):
                    continue
                else:
                    s.unify(current[1], nxt[0], "a product's inner sizes differ")
                    current = (current[0], nxt[1])
            return current
        if isinstance(node, Div):
            den = self.shape(node.den)
            if not self.scalar(den):
                raise ShapeError("a fraction's denominator is not a scalar")
            return self.shape(node.num)
        if isinstance(node, Transpose):
            if isinstance(node.arg, Atom) and node.arg.name not in self.atoms:
                raise Unsupported(
                    f"{node.arg.name}^T transposes a number: declare {node.arg.name} a vector or a matrix"
                )
            rows, cols = self.shape(node.arg)
            return (cols, rows)
        if isinstance(node, Inverse):
            rows, cols = self.shape(node.arg)
            s.unify(rows, cols, "only a square matrix has an inverse")
            return (rows, cols)
        if isinstance(node, Power):
            base = self.shape(node.base)
            if not self.scalar(self.shape(node.exp)):
                raise ShapeError("an exponent is not a scalar")
            if not self.scalar(base):
                if not (isinstance(node.exp, Num) and node.exp.value.denominator == 1 and node.exp.value > 0):
                    raise Unsupported("a matrix power must be a positive integer")
                s.unify(base[0], base[1], "only a square matrix has powers")
            return base
        if isinstance(node, Call):
            arg = self.shape(node.arg)
            if node.name == "tr":
                s.unify(arg[0], arg[1], "the trace of a matrix that is not square")
                return (one, one)
            if node.name == "sqnorm":
                if not s.is_one(arg[1]):
                    raise Unsupported("the norm of a matrix is not read: write \\operatorname{tr}(A^\\top A)")
                return (one, one)
            if node.name == "diag":
                s.unify(arg[1], one, "diag of something that is not a vector")
                return (arg[0], arg[0])
            if node.name == "softmax":
                s.unify(arg[1], one, "softmax of something that is not a vector")
                return arg
            if node.name in ("exp", "log", "sqrt", "abs") and not self.scalar(arg):
                raise Unsupported(f"\\{node.name} of a matrix is not read (elementwise or matrix function?)")
            return (one, one)
        if isinstance(node, Deriv):
            body = self.shape(node.body)
            var = self.atoms.get(node.var, (one, one))
            if self.scalar(body):
                return var
            if node.var in self.atoms and not self.shapes.is_one(var[1]):
                raise Unsupported("derivatives of a matrix-valued expression by a matrix are not read")
            if not self.shapes.is_one(body[1]):
                raise Unsupported("the derivative of a matrix by a vector is not read")
            return (body[0], var[0])
        raise Unsupported(f"cannot type {type(node).__name__}")


# -- substitution ---------------------------------------------------------------------------------
def substitute(node: Expr, name: str, value: Expr) -> Expr:
    if isinstance(node, Atom):
        return value if node.name == name else node
    if isinstance(node, Add):
        return Add(tuple(substitute(t, name, value) for t in node.terms))
    if isinstance(node, Mul):
        return Mul(tuple(substitute(f, name, value) for f in node.factors))
    if isinstance(node, Neg | Transpose | Inverse):
        return type(node)(substitute(node.arg, name, value))
    if isinstance(node, Div):
        return Div(substitute(node.num, name, value), substitute(node.den, name, value))
    if isinstance(node, Power):
        return Power(substitute(node.base, name, value), substitute(node.exp, name, value))
    if isinstance(node, Call):
        return Call(node.name, substitute(node.arg, name, value))
    if isinstance(node, Deriv):
        if node.var == name:
            raise Unsupported(f"'where {name} = …' replaces a variable a derivative is taken by")
        return Deriv(node.var, substitute(node.body, name, value))
    return node


def mentions(node: Expr, name: str) -> bool:
    if isinstance(node, Atom):
        return node.name == name
    if isinstance(node, Deriv):
        return node.var == name or mentions(node.body, name)
    return any(mentions(child, name) for child in _children(node))


def has_derivative(node: Expr) -> bool:
    if isinstance(node, Deriv):
        return True
    return any(has_derivative(child) for child in _children(node))


def _children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Add):
        return node.terms
    if isinstance(node, Mul):
        return node.factors
    if isinstance(node, Neg | Transpose | Inverse | Call):
        return (node.arg,)
    if isinstance(node, Div):
        return (node.num, node.den)
    if isinstance(node, Power):
        return (node.base, node.exp)
    if isinstance(node, Deriv):
        return (node.body,)
    return ()


# -- the free algebra: a normal form that holds for every size ------------------------------------
class NotFree(Exception):
    """The expression leaves the free algebra (trace, softmax, a scalar function of a matrix…)."""


Letter = tuple[str, bool, bool, object]  # (name, transposed, inverted, inner polynomial or word)
INV, TR = "(…)^-1", "tr(…)"  # names of the composite letters: the inverse of a sum, the trace of a word
Word = tuple[Letter, ...]
Poly = dict[Word, sp.Expr]


class Free:
    """Polynomials in noncommuting letters with scalar (sympy) coefficients."""

    def __init__(self, typer: Typer, scalar: ScalarReader) -> None:
        self.typer = typer
        self.scalar = scalar

    def is_matrix(self, name: str) -> bool:
        return name in self.typer.decl.kinds

    def poly(self, node: Expr) -> Poly:
        if isinstance(node, Num):
            return _clean({(): sp.Rational(node.value.numerator, node.value.denominator)})
        if isinstance(node, Ident):
            return {(): sp.Integer(1)}
        if isinstance(node, Atom):
            if self.is_matrix(node.name):
                return {((node.name, False, False, None),): sp.Integer(1)}
            return {(): self.scalar.symbol(node.name)}
        if isinstance(node, Neg):
            return {w: -c for w, c in self.poly(node.arg).items()}
        if isinstance(node, Add):
            out: Poly = {}
            for term in node.terms:
                for w, c in self.poly(term).items():
                    out[w] = out.get(w, 0) + c
            return self.normal(_clean(out))
        if isinstance(node, Mul):
            result: Poly = {(): sp.Integer(1)}
            for factor in node.factors:
                result = self.times(result, self.poly(factor))
            return result
        if isinstance(node, Div):
            den = self.poly(node.den)
            if set(den) != {()}:
                raise NotFree
            return {w: c / den[()] for w, c in self.poly(node.num).items()}
        if isinstance(node, Transpose):
            return self.transpose(self.poly(node.arg))
        if isinstance(node, Inverse):
            return self.inverse(self.poly(node.arg))
        if isinstance(node, Power):
            exp = self.poly(node.exp)
            base = self.poly(node.base)
            if set(exp) != {()}:
                raise NotFree
            if set(base) <= {()}:
                return _clean({(): sp.Pow(base.get((), 0), exp[()])})
            n = exp[()]
            if not (n.is_Integer and 0 < n <= 8):
                raise NotFree
            result = {(): sp.Integer(1)}
            for _ in range(int(n)):
                result = self.times(result, base)
            return result
        if isinstance(node, Call) and node.name == "tr":
            out: Poly = {}
            for w, c in self.poly(node.arg).items():
                word = self._cyclic(w)
                if not self._strict_scalar(word):
                    word = ((TR, False, False, word),)
                out[word] = out.get(word, 0) + c
            return self.normal(_clean(out))
        if isinstance(node, Call) and node.name == "sqnorm":
            inner = self.poly(node.arg)
            return self.times(self.transpose(inner), inner)
        if isinstance(node, Call) and node.name == "const":
            return {(): self.scalar.symbol(node.arg.name)}  # type: ignore[attr-defined]
        if isinstance(node, Call) and node.name in ("exp", "log", "sqrt", "abs"):
            inner = self.poly(node.arg)
            if set(inner) != {()}:
                raise NotFree
            fn = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs}[node.name]
            return _clean({(): fn(inner[()])})
        if isinstance(node, Deriv):
            return self.derivative(node.var, self.poly(node.body))
        raise NotFree

    def times(self, a: Poly, b: Poly) -> Poly:
        out: Poly = {}
        for wa, ca in a.items():
            for wb, cb in b.items():
                word = _cancel(wa + wb)
                out[word] = out.get(word, 0) + ca * cb
        return self.normal(_clean(out))

    def _cyclic(self, word: Word) -> Word:
        """tr(AB) = tr(BA) and tr(A) = tr(Aᵀ): the smallest rotation of the word or of its transpose."""
        if not word or (len(word) == 1 and word[0][0] == TR):
            raise NotFree  # tr(I) is the size; a trace of a trace is a scalar times tr(I)
        candidates = []
        for w in (word, self.transpose_word(word)):
            for k in range(len(w)):
                rotated = _cancel(w[k:] + w[:k])
                if not rotated:
                    raise NotFree
                candidates.append(rotated)
        scalar = [self.canonical_word(c) for c in candidates if self._strict_scalar(c)]
        if scalar:  # tr(A x xᵀ) = xᵀ A x: the trace of a 1×1 product is the product
            return min(scalar, key=repr)
        return min(candidates, key=repr)

    def transpose_word(self, word: Word) -> Word:
        letters = []
        for name, transposed, inverted, inner in reversed(word):
            if name == INV:
                letters.append(self._inverse_letter(self.transpose(dict(inner))))  # type: ignore[call-overload]
            elif name == TR:
                letters.append((name, transposed, inverted, inner))
            elif name in self.typer.decl.symmetric:
                letters.append((name, False, inverted, None))
            else:
                letters.append((name, not transposed, inverted, None))
        return tuple(letters)

    def transpose(self, poly: Poly) -> Poly:
        out: Poly = {}
        for w, c in poly.items():
            t = self.transpose_word(w)
            out[t] = out.get(t, 0) + c
        return self.normal(_clean(out))

    def _inverse_letter(self, inner: Poly) -> Letter:
        words = [w for w in inner if w]
        if len(inner) == 1 and len(words) == 1 and len(words[0]) == 1 and words[0][0][3] is None:
            name, transposed, inverted, _ = words[0][0]
            coefficient = inner[words[0]]
            if coefficient == 1:
                return (name, transposed, not inverted, None)
        return (INV, False, True, tuple(sorted(inner.items(), key=lambda wc: repr(wc[0]))))

    def inverse(self, poly: Poly) -> Poly:
        if set(poly) <= {()}:
            if not poly:
                raise NotFree
            return {(): 1 / poly[()]}
        words = [w for w in poly if w]
        if len(poly) == 1 and all(letter[3] is None and self._square(letter) for letter in words[0]):
            # (c A B)^{-1} = c^{-1} B^{-1} A^{-1} when every factor is square
            word = tuple((n, t, not i, None) for n, t, i, _ in reversed(words[0]))
            return {_cancel(word): 1 / poly[words[0]]}
        return {(self._inverse_letter(poly),): sp.Integer(1)}

    def _square(self, letter: Letter) -> bool:
        rows, cols = self._letter_shape(letter)
        return self.typer.shapes.find(rows) == self.typer.shapes.find(cols)

    def normal(self, poly: Poly) -> Poly:
        """Cancel `M (M)^{-1}` groups and write each 1×1 word as the smaller of it and its transpose."""
        for _ in range(200):
            changed = self._reduce_once(poly)
            if changed is None:
                break
            poly = changed
        out: Poly = {}
        for w, c in poly.items():
            w = self.canonical_word(w)
            out[w] = out.get(w, 0) + c
        return _clean(out)

    def canonical_word(self, word: Word) -> Word:
        """1×1 blocks are scalars: they move to the front, sorted, each the smaller of it and its transpose.

        A block is a contiguous run that is a true 1×1 product (`b^T c` in `a b^T c`); it is taken out
        only where what is left still multiplies as matrices, so the value never changes."""
        blocks: list[Word] = []
        rest = list(word)
        i = 0
        while i < len(rest):
            for j in range(i + 1, len(rest) + 1):
                block = tuple(rest[i:j])
                left, right = rest[:i], rest[j:]
                if not self._strict_scalar(block):
                    continue
                if left and right and not self._fits(left[-1], right[0]):
                    continue
                blocks.append(min(block, self.transpose_word(block), key=repr))
                rest = list(_cancel(tuple(left + right)))
                i = -1
                break
            i += 1
        return tuple(letter for block in sorted(blocks, key=repr) for letter in block) + tuple(rest)

    def _fits(self, a: Letter, b: Letter) -> bool:
        find = self.typer.shapes.find
        return find(self._letter_shape(a)[1]) == find(self._letter_shape(b)[0])

    def _strict_scalar(self, block: Word) -> bool:
        """A true matrix product (every inner size equal) whose result is 1×1."""
        one = self.typer.shapes.is_one
        first, last = self._letter_shape(block[0]), self._letter_shape(block[-1])
        if not (one(first[0]) and one(last[1])):
            return False
        return all(self._fits(a, b) for a, b in itertools.pairwise(block))

    def _reduce_once(self, poly: Poly) -> Poly | None:
        for word, coefficient in poly.items():
            for i, letter in enumerate(word):
                if letter[0] != INV:
                    continue
                inner: Poly = dict(letter[3])  # type: ignore[arg-type]
                for side in (1, -1):
                    for ref, ref_c in inner.items():
                        if not ref:
                            continue
                        if side == 1 and word[i + 1 : i + 1 + len(ref)] == ref:
                            u, v = word[:i], word[i + 1 + len(ref) :]
                            needed = {(*u, letter, *m, *v): c for m, c in inner.items()}
                        elif side == -1 and i >= len(ref) and word[i - len(ref) : i] == ref:
                            u, v = word[: i - len(ref)], word[i + 1 :]
                            needed = {u + m + (letter,) + v: c for m, c in inner.items()}
                        else:
                            continue
                        k = coefficient / ref_c
                        needed = {_cancel(w): c for w, c in needed.items()}
                        if not all(w in poly for w in needed):
                            continue
                        out = dict(poly)
                        for w, c in needed.items():
                            out[w] = out[w] - k * c
                        target = _cancel(u + v)
                        out[target] = out.get(target, 0) + k
                        out = _clean(out)
                        if len(out) < len(poly):
                            return out
        return None

    def _is_scalar_word(self, word: Word) -> bool:
        """1×1, read the way the typer reads products: a 1×1 block times anything is a scalar multiple."""
        one = self.typer.shapes.is_one
        current: tuple[str, str] | None = None
        for letter in word:
            shape = self._letter_shape(letter)
            if current is None or (one(current[0]) and one(current[1])):
                current = shape
            elif not (one(shape[0]) and one(shape[1])):
                current = (current[0], shape[1])
        return current is not None and one(current[0]) and one(current[1])

    def _letter_shape(self, letter: Letter) -> tuple[str, str]:
        name, transposed, _, inner = letter
        if name == TR:
            return ("#1", "#1")
        if inner is not None:
            return ("?", "?")
        rows, cols = self.typer.atoms[name]
        return (cols, rows) if transposed else (rows, cols)

    def _gradient_word(self, u: Word, v: Word, transposed: bool) -> Word:
        """d/dX of u·X·v is uᵀvᵀ, of u·Xᵀ·v it is v·u (for a 1×1 word or a trace)."""
        return _cancel(v + u if transposed else self.transpose_word(u) + self.transpose_word(v))

    def derivative(self, var: str, poly: Poly) -> Poly:
        """∂/∂var of a scalar polynomial: for each occurrence u·X·v → uᵀvᵀ, u·Xᵀ·v → v·u."""
        if var not in self.typer.decl.kinds:
            raise NotFree
        out: Poly = {}
        for word, c in poly.items():
            if not word:
                continue
            if not self._is_scalar_word(word):
                raise NotFree
            for i, (name, transposed, inverted, inner) in enumerate(word):
                if name == TR and _mentions_letter(inner, var) and len(word) == 1:
                    # d/dX tr(u X v) = uᵀvᵀ and d/dX tr(u Xᵀ v) = v u: the same rule as a 1×1 word
                    for j, (n, t, inv, _) in enumerate(inner):  # type: ignore[arg-type]
                        if n == var and inv:
                            raise NotFree
                        if n == var:
                            grad = self._gradient_word(inner[:j], inner[j + 1 :], t)  # type: ignore[index]
                            out[grad] = out.get(grad, 0) + c
                    continue
                if inner is not None and _mentions_letter(inner, var):
                    raise NotFree
                if name != var:
                    continue
                if inverted:
                    raise NotFree
                grad = self._gradient_word(word[:i], word[i + 1 :], transposed)
                out[grad] = out.get(grad, 0) + c
        return self.normal(_clean(out))


def _mentions_letter(inner: object, var: str) -> bool:
    return f"'{var}'" in repr(inner)


def _cancel(word: Word) -> Word:
    """A A^{-1} = I for single letters (also Aᵀ (Aᵀ)^{-1})."""
    out: list[Letter] = []
    for letter in word:
        last = out[-1] if out else None
        if last and last[0] == letter[0] and last[1] == letter[1] and last[3] == letter[3] and last[2] != letter[2]:
            out.pop()
            continue
        out.append(letter)
    return tuple(out)


def _clean(poly: Poly) -> Poly:
    out = {}
    for w, c in poly.items():
        c = sp.cancel(c)
        if c != 0:
            out[w] = c
    return out


# -- concrete evaluation --------------------------------------------------------------------------
class ScalarReader:
    """Scalar names of a matrix block (domains, cases): symbols, or with `rng` sampled values."""

    def __init__(
        self, domains: dict[str, Domain], substitutions: dict[str, sp.Expr], rng: random.Random | None = None
    ) -> None:
        self.domains = domains
        self.substitutions = substitutions
        self.rng = rng
        self.cache: dict[str, sp.Symbol] = {}
        self.point: dict[str, sp.Rational] = {}
        self.symbolic: set[str] = set()  # names a derivative is taken by: kept as symbols

    def symbol(self, name: str) -> sp.Expr:
        if name == "pi":
            return sp.pi
        if name == "e":
            return sp.E
        if name not in self.cache:
            self.cache[name] = self.domains.get(name, Domain()).symbol(name)
        expr = self.substitutions.get(name, self.cache[name])
        if self.rng is None or name in self.symbolic:
            return expr
        swap = {}
        for sym in expr.free_symbols:
            key = str(sym)
            if key not in self.point:
                self.point[key] = sample(sym, self.domains.get(key), self.rng)
            swap[sym] = self.point[key]
        return expr.xreplace(swap)


@dataclass
class Evaluator:
    """Both sides with concrete matrices: exact random rationals at the sizes chosen for each dimension."""

    typer: Typer
    scalar: ScalarReader
    values: dict[str, sp.Matrix]
    sizes: dict[str, int]

    def size(self, d: str) -> int:
        root = self.typer.shapes.find(d)
        fixed = self.typer.shapes.size(root)
        return fixed if fixed is not None else self.sizes[root]

    def value_of(self, node: Expr) -> sp.Matrix:
        if isinstance(node, Num):
            return sp.Matrix([[sp.Rational(node.value.numerator, node.value.denominator)]])
        if isinstance(node, Atom):
            if node.name in self.values:
                return self.values[node.name]
            if node.name in self.typer.dim_names:
                return sp.Matrix([[self.size(node.name)]])
            return sp.Matrix([[self.scalar.symbol(node.name)]])
        if isinstance(node, Ident):
            return sp.eye(self.size(self.typer.idents[id(node)][0]))
        if isinstance(node, Neg):
            return -self.value_of(node.arg)
        if isinstance(node, Add):
            return _sum([self.value_of(t) for t in node.terms])
        if isinstance(node, Mul):
            result = self.value_of(node.factors[0])
            for factor in node.factors[1:]:
                result = _times(result, self.value_of(factor))
            return result
        if isinstance(node, Div):
            return self.value_of(node.num) / self.value_of(node.den)[0, 0]
        if isinstance(node, Transpose):
            return self.value_of(node.arg).T
        if isinstance(node, Inverse):
            value = self.value_of(node.arg)
            if value.shape == (1, 1):
                return sp.Matrix([[1 / value[0, 0]]])
            return value.inv()
        if isinstance(node, Power):
            exponent = self.value_of(node.exp)[0, 0]
            base = self.value_of(node.base)
            if base.shape == (1, 1):
                return sp.Matrix([[base[0, 0] ** exponent]])
            return base ** int(exponent)
        if isinstance(node, Call):
            if node.name == "const":
                return sp.Matrix([[self.scalar.symbol(node.arg.name)]])  # type: ignore[attr-defined]
            arg = self.value_of(node.arg)
            if node.name == "tr":
                return sp.Matrix([[arg.trace()]])
            if node.name == "sqnorm":
                return sp.Matrix([[sum(x * x for x in arg)]])
            if node.name == "diag":
                return sp.diag(*list(arg))
            if node.name == "softmax":
                exps = [sp.exp(x) for x in arg]
                total = sum(exps)
                return sp.Matrix([[e / total] for e in exps])
            fn = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs}[node.name]
            return sp.Matrix([[fn(arg[0, 0])]])
        if isinstance(node, Deriv):
            return self.derivative(node)
        raise Unsupported(f"cannot evaluate {type(node).__name__}")

    def derivative(self, node: Deriv) -> sp.Matrix:
        value = self.values.get(node.var)
        if value is None:
            if node.var in self.scalar.substitutions:
                raise Unsupported(f"d/d{node.var} of a symbol a case clause replaces")
            at = self.scalar.symbol(node.var)
            self.scalar.symbolic.add(node.var)
            try:
                symbol = self.scalar.symbol(node.var)
                body = self.value_of(node.body)
            finally:
                self.scalar.symbolic.discard(node.var)
            return body.diff(symbol).subs(symbol, at)
        entries = sp.Matrix(value.shape[0], value.shape[1], lambda i, j: sp.Dummy(f"d{i}_{j}"))
        inner = Evaluator(self.typer, self.scalar, {**self.values, node.var: entries}, self.sizes)
        body = inner.value_of(node.body)
        swap = {entries[i, j]: value[i, j] for i in range(value.shape[0]) for j in range(value.shape[1])}
        if body.shape == (1, 1):
            grad = entries.applyfunc(lambda e: sp.diff(body[0, 0], e))
        elif body.shape[1] == 1 and value.shape[1] == 1:
            grad = body.jacobian(entries)
        else:
            raise Unsupported("the derivative of a matrix by a vector is not read")
        return grad.subs(swap)


def _sum(parts: list[sp.Matrix]) -> sp.Matrix:
    total = parts[0]
    for part in parts[1:]:
        if total.shape == (1, 1) and part.shape != (1, 1):
            raise ShapeError("a scalar added to a matrix")
        total = total + part
    return total


def _times(a: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
    if a.shape == (1, 1):
        return a[0, 0] * b
    if b.shape == (1, 1):
        return a * b[0, 0]
    return a * b


def random_matrix(rows: int, cols: int, rng: random.Random, symmetric: bool = False) -> sp.Matrix:
    def entry() -> sp.Rational:
        return sp.Rational(rng.randint(-30, 30), rng.choice((1, 1, 2, 3, 7, 11)))

    m = sp.Matrix(rows, cols, lambda i, j: entry())
    if symmetric:
        m = sp.Matrix(rows, cols, lambda i, j: m[min(i, j), max(i, j)])
    return m


# -- the algebra a chain of matrix rows uses ------------------------------------------------------
SIZES = (2, 3, 4, 2, 3, 1, 5)
TRIALS = 8


class MatrixAlgebra:
    """Matrix rows: parse, apply `where` definitions, compare (free-algebra proof, then exact samples)."""

    zero: Expr = Num(Fraction(0))

    def __init__(self, decl: Declarations, directive: Directive) -> None:
        from .steps import configure

        reader, substitutions, where_texts = configure(directive)
        self.decl = decl
        self.domains = reader.domains
        self.substitutions = substitutions
        targets = [_loose_name(text.partition("=")[0]) for text in where_texts]
        dims = {d for shape in decl.shapes.values() for d in shape if not d.isdigit()}
        named = set(reader.declared) | set(reader.domains) | set(substitutions) | (set(reader.scalars) - set(targets))
        clash = named & set(decl.kinds)
        if clash:
            raise Unsupported(f"{', '.join(sorted(clash))} declared both a number and a matrix or vector")
        self.scalars = named | dims
        self.defined = frozenset(targets)
        self.wheres = [
            (name, self.parse(text.partition("=")[2])) for name, text in zip(targets, where_texts, strict=True)
        ]

    def parse(self, tex: str) -> Expr:
        return Parser(tex, self.decl, self.scalars, self.defined).parse()

    def target(self, tex: str) -> Expr:
        """The left side of `\\Rightarrow w^* = …`: a new name for the unknown."""
        parser = Parser(tex, self.decl, self.scalars, self.defined)
        parser.naming = True
        return parser.parse()

    def prepare(self, node: Expr) -> Expr:
        for _ in range(len(self.wheres) + 1):
            before = node
            for name, value in self.wheres:
                if mentions(node, name):
                    node = substitute(node, name, copy.deepcopy(value))
            if node == before:
                return node
        raise Unsupported("the where clauses define each other in a circle")

    def read(self, tex: str) -> Expr:
        return self.prepare(self.parse(tex))

    def has_derivative(self, node: Expr) -> bool:
        return has_derivative(node)

    def difference(self, a: Expr, b: Expr) -> Expr:
        return Add((a, Neg(b)))

    def compare(self, a: Expr, op: str, b: Expr, seed: int, limit: float) -> tuple[str, str, dict[str, str]]:
        raise Unsupported("inequalities between matrices are not checked")

    def unknown(self, target: Expr, equation: Expr) -> str | None:
        if not isinstance(target, Atom):
            return None
        name = target.name
        for candidate in (name, re.sub(r"\^\*$", "", name), re.sub(r"(?:hat|bar|tilde)(?=(_\{.*\})?$)", "", name)):
            if mentions(equation, candidate) and candidate in self.decl.kinds:
                return candidate
        return None

    def substitute(self, equation: Expr, unknown: str, value: Expr) -> Expr:
        return substitute(equation, unknown, value)

    def identity(self, equation: Expr, limit: float) -> bool:
        return self.equal(equation, self.zero, 0, limit)[0] in (PROVED, PLAUSIBLE)

    def show(self, node: Expr) -> str:
        return show(node)

    def kind_of_point(self, gradient: Expr, unknown: str, value: Expr, limit: float) -> str:
        return " (whether it is a minimum was not decided)"

    def how_many(self, equation: Expr, unknown: str, value: Expr, limit: float) -> str:
        return "a solution for every size where the inverses exist (whether it is the only one was not decided)"

    def equal(self, a: Expr, b: Expr, seed: int, limit: float) -> tuple[str, str, dict[str, str]]:
        target = a if b == self.zero else b if a == self.zero else Add((a, Neg(b)))
        typer = Typer(self.decl)
        try:
            typer.shape(target)
        except ShapeError as exc:
            return REFUTED, f"the two sides do not have the same shape ({exc})", {}
        scalar = ScalarReader(self.domains, self.substitutions)
        try:
            with budget(limit):
                if not Free(typer, scalar).poly(target):
                    # the normal form is the proof; exact samples are a second, independent look at it
                    verdict, detail, point = self._sampled(target, typer, seed, wanted=3)
                    if verdict == REFUTED:
                        return verdict, detail, point
                    return PROVED, EVERY_SIZE, {}
        except (NotFree, StepTimeout):
            pass
        try:
            with budget(limit):
                return self._sampled(target, typer, seed)
        except StepTimeout:
            return TIMEOUT, f"sympy needed more than {limit:g} s", {}

    def _sampled(self, target: Expr, typer: Typer, seed: int, wanted: int = TRIALS) -> tuple[str, str, dict[str, str]]:
        rng = random.Random(seed)
        roots = sorted(
            {typer.shapes.find(d) for shape in [*typer.atoms.values(), *typer.idents.values()] for d in shape}
        )
        free = [r for r in roots if typer.shapes.size(r) is None]
        good, tried = 0, set()
        for trial in range(wanted * 2):
            sizes = {r: SIZES[(trial + i) % len(SIZES)] if trial < 4 else rng.randint(1, 5) for i, r in enumerate(free)}
            scalar = ScalarReader(self.domains, self.substitutions, rng)
            values = {
                name: random_matrix(
                    *(sizes.get(typer.shapes.find(d)) or typer.shapes.size(d) for d in shape),
                    rng,
                    symmetric=name in self.decl.symmetric,
                )
                for name, shape in typer.atoms.items()
            }
            evaluator = Evaluator(typer, scalar, values, sizes)
            try:
                value = evaluator.value_of(target)
                lhs_scale = 1 + max((abs(sp.N(x, 30)) for x in value), default=0)
                verdict = _zero_matrix(value, lhs_scale)
            except (ValueError, ZeroDivisionError, TypeError, ShapeError):
                continue
            if verdict is None:
                continue
            described = _describe({k: v for k, v in values.items() if mentions(target, k)})
            tried.add(described)
            if not verdict:
                point = {"sizes": described, **{k: str(v) for k, v in scalar.point.items()}}
                return REFUTED, "the two sides differ for random exact matrices", point
            good += 1
            if good >= wanted:
                break
        if good >= wanted // 2:
            sizes_text = "; ".join(sorted(tried)[:3])
            return PLAUSIBLE, f"equal for random exact matrices ({sizes_text}), but not proved for every size", {}
        return UNSUPPORTED, "could not evaluate the step for any random matrices", {}


def _loose_name(text: str) -> str:
    try:
        parser = Parser(text, Declarations(), set())
        parser.naming = True
        node = parser.parse()
    except Unsupported:
        return text.strip()
    return node.name if isinstance(node, Atom) else text.strip()


def _zero_matrix(value: sp.Matrix, scale: sp.Expr) -> bool | None:
    """True if every entry is 0 (exactly, or to 60 and 120 digits relative to `scale`); None if not a number."""
    for entry in value:
        if entry.is_Rational:
            if entry != 0:
                return False
            continue
        low, high = entry.evalf(60), entry.evalf(120)
        if not (low.is_number and high.is_number) or low.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return None
        if abs(low) > sp.Float("1e-45", 60) * scale or abs(high) > sp.Float("1e-100", 120) * scale:
            return False
    return True


def _describe(values: dict[str, sp.Matrix]) -> str:
    return ", ".join(f"{name} {m.shape[0]}×{m.shape[1]}" for name, m in sorted(values.items()))


def show(node: Expr) -> str:
    """A short, readable text of a tree (for verdict details)."""
    if isinstance(node, Num):
        return str(node.value)
    if isinstance(node, Atom):
        return node.name
    if isinstance(node, Ident):
        return "I"
    if isinstance(node, Neg):
        return "-" + _wrapped(node.arg)
    if isinstance(node, Add):
        text = show(node.terms[0])
        for term in node.terms[1:]:
            text += " - " + _wrapped(term.arg) if isinstance(term, Neg) else " + " + show(term)
        return text
    if isinstance(node, Mul):
        return " ".join(_wrapped(f) for f in node.factors)
    if isinstance(node, Div):
        return f"{_wrapped(node.num)}/{_wrapped(node.den)}"
    if isinstance(node, Transpose):
        return _wrapped(node.arg) + "^T"
    if isinstance(node, Inverse):
        return _wrapped(node.arg) + "^-1"
    if isinstance(node, Power):
        return f"{_wrapped(node.base)}^{_wrapped(node.exp)}"
    if isinstance(node, Call):
        return f"‖{show(node.arg)}‖²" if node.name == "sqnorm" else f"{node.name}({show(node.arg)})"
    if isinstance(node, Deriv):
        return f"∂/∂{node.var} {_wrapped(node.body)}"
    return "?"


def _wrapped(node: Expr) -> str:
    text = show(node)
    return f"({text})" if isinstance(node, Add | Neg | Mul | Div | Deriv) else text
