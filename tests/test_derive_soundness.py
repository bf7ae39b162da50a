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
    assert len(tags) >= (300 if folder == OURS else 60)
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


def test_a_check_comment_that_checks_nothing_is_reported(tmp_path: Path) -> None:
    from conftest import cli, write_tree

    root = write_tree(
        tmp_path / "notes",
        {
            "01-a.md": "# 一\n\n<!-- check: w real -->\n\n推导如下：\n\n$$\n\\frac{d}{dw} w^2 = 2w\n$$\n",
        },
    )
    result = cli("build", str(root), "--plan")
    assert "01-a.md:3:1: warning: check-unattached" in result.stdout + result.stderr


def test_the_same_derivation_twice_gets_each_verdict_on_its_own_line(tmp_path: Path) -> None:
    """Results are cached by the TeX: a copy as a bare environment (one line shorter) must not shift lines."""
    from conftest import write_tree

    row = "\\frac{d}{dw}\\frac{1}{2}(w-a)^2 &= w + a \\tag{F}"
    text = (
        "# 一\n\n"
        f"<!-- check: w, a real -->\n$$\n\\begin{{aligned}}\n{row}\n\\end{{aligned}}\n$$\n\n"
        f"<!-- check: w, a real -->\n\\begin{{aligned}}\n{row}\n\\end{{aligned}}\n"
    )
    folder = write_tree(tmp_path / "cases", {"01-a.md": text})
    tags, seen = tagged_rows(folder), verdicts(folder)
    assert len(tags) == 2 and all(seen.get(place) == "refuted" for place in tags), (tags, seen)


def test_contradictory_assumptions_are_a_diagnostic(tmp_path: Path) -> None:
    from conftest import cli, write_tree

    root = write_tree(
        tmp_path / "notes",
        {"01-a.md": "# 一\n\n<!-- check: t positive; t negative -->\n$$\nt = t^2\n$$\n"},
    )
    result = cli("check", str(root))
    assert "Traceback" not in result.stderr and "contradictory" in result.stdout + result.stderr
