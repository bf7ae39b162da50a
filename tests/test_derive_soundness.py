"""Soundness of the derivation checker on tagged rows (`tests/derive_cases/`, written for this suite, and the
shared adversarial cases when present): no false row proved or plausible, no true row refuted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import REPO, SHARED

pytest.importorskip("sympy")
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_derive_cases import tagged_rows, verdicts

OURS = REPO / "tests" / "derive_cases"
FOLDERS = [OURS] + ([SHARED / "derive-cases"] if (SHARED / "derive-cases").is_dir() else [])


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_no_false_row_is_proved_or_plausible_and_no_true_row_refuted(folder: Path) -> None:
    tags, seen = tagged_rows(folder), verdicts(folder)
    assert len(tags) >= 60
    wrong = []
    for place, tag in sorted(tags.items()):
        verdict = seen.get(place, "no verdict")
        if (tag == "F" and verdict in ("proved", "plausible")) or (tag in "TU" and verdict == "refuted"):
            wrong.append((place, tag, verdict))
    assert wrong == []


def test_true_rows_of_our_cases_are_mostly_proved() -> None:
    """Soundness by refusing everything would pass the test above: most true rows must still be proved."""
    tags, seen = tagged_rows(OURS), verdicts(OURS)
    true = [place for place, tag in tags.items() if tag == "T"]
    proved = [place for place in true if seen.get(place) == "proved"]
    assert len(proved) >= 0.85 * len(true), (len(proved), len(true))
