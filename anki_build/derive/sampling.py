"""Time budgets and sample points shared by the scalar and the matrix checks."""

from __future__ import annotations

import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction

import sympy as sp

from .latex import Domain


class StepTimeout(Exception):
    pass


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """SIGALRM-based limit for pure-Python sympy work (the worker runs it in its main thread)."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise StepTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def magnitude(rng: random.Random) -> Fraction:
    """A positive number from every scale a wrong step hides in: the unit box most often, then awkward
    rationals, large and tiny values (so `|x-5| = 5-x` or `\\lfloor 100x \\rfloor/100 = x` cannot pass)."""
    kind = rng.random()
    if kind < 0.45:
        return Fraction(rng.randint(10, 300), 100)
    if kind < 0.6:
        return Fraction(rng.randint(1, 7918), 7919)
    if kind < 0.78:
        return Fraction(rng.randint(4, 1000)) + Fraction(1, rng.randint(2, 97))
    if kind < 0.9:
        return Fraction(rng.randint(1, 9), 10 ** rng.randint(3, 9))
    return Fraction(10 ** rng.randint(4, 7) + rng.randint(1, 99), rng.randint(1, 7))


def sample(symbol: sp.Symbol, domain: Domain | None, rng: random.Random) -> sp.Rational:
    if domain and domain.interval:
        low, high = domain.interval
        value = low + (high - low) * Fraction(rng.randint(1, 99), 100)
    elif symbol.is_positive:
        value = magnitude(rng)
    elif symbol.is_negative:
        value = -magnitude(rng)
    elif symbol.is_nonnegative:
        value = Fraction(0) if rng.random() < 0.05 else magnitude(rng)
    elif symbol.is_nonpositive:
        value = Fraction(0) if rng.random() < 0.05 else -magnitude(rng)
    else:
        value = Fraction(0) if rng.random() < 0.05 else magnitude(rng) * rng.choice((1, -1))
    if symbol.is_integer:
        size = rng.choice((1, 1, 2, 3, 5, 12, 97, 10**6 + 3))  # small ones most, and a few large
        if symbol.is_positive:
            value = Fraction(size)
        elif symbol.is_negative:
            value = Fraction(-size)
        elif symbol.is_nonnegative:
            value = Fraction(rng.choice((0, size)))
        elif symbol.is_nonpositive:
            value = Fraction(rng.choice((0, -size)))
        else:
            value = Fraction(rng.choice((size, -size, 0)))
    return sp.Rational(value.numerator, value.denominator)
