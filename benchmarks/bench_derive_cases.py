"""Soundness of the derivation checker on tagged rows: how many false rows it calls proved or plausible,
how many true rows it refutes, and how many tagged rows get no verdict at all.

Rows carry `\\tag{T}` (true), `\\tag{F}` (false) or `\\tag{U}` (true, in notation that may be refused).
Run: python benchmarks/bench_derive_cases.py [FOLDER ...]   (default: ../shared/derive-cases)
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "derive-cases"
_TAG = re.compile(r"\\tag\{([TFU])\}")


def tagged_rows(folder: Path) -> dict[tuple[str, int], str]:
    """(file, line) → tag, for every tagged row of the markdown files in `folder`."""
    rows = {}
    for path in sorted(folder.glob("*.md")):
        if path.name == "README.md":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _TAG.search(line)
            if match:
                rows[(path.name, number)] = match[1]
    return rows


def verdicts(folder: Path) -> dict[tuple[str, int], str]:
    """(file, line) → the checker's verdict, for every checked row."""
    from anki_build.config import load_config
    from anki_build.derive import check_project
    from anki_build.diagnostics import Report
    from anki_build.parse import parse_project

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cases"
        shutil.copytree(folder, root, ignore=shutil.ignore_patterns("README.md"))
        report = Report()
        project = parse_project(root, "cases", load_config(root, "cases", report), report)
        with tempfile.TemporaryDirectory() as cache:
            results = check_project(project, report, cache=Path(cache))
    found = {}
    for result in results.values():
        name = Path(result.path).name
        for row in result.rows:
            found[(name, row.line)] = row.verdict
    return found


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:]] or [DEFAULT]
    totals: Counter[str] = Counter()
    for folder in folders:
        tags, seen = tagged_rows(folder), verdicts(folder)
        table: Counter[tuple[str, str]] = Counter()
        for place, tag in tags.items():
            table[(tag, seen.get(place, "no verdict"))] += 1
        print(f"{folder.name}: {len(tags)} tagged rows")
        for (tag, verdict), n in sorted(table.items()):
            print(f"  {tag}  {verdict:<11} {n}")
        totals["false proved"] += table[("F", "proved")]
        totals["false plausible"] += table[("F", "plausible")]
        totals["true refuted"] += table[("T", "refuted")] + table[("U", "refuted")]
        totals["no verdict"] += sum(n for (_, verdict), n in table.items() if verdict == "no verdict")
        totals["rows"] += len(tags)
    print(
        f"total {totals['rows']} rows: {totals['false proved']} false proved, {totals['false plausible']} false "
        f"plausible, {totals['true refuted']} true refuted, {totals['no verdict']} without a verdict"
    )


if __name__ == "__main__":
    main()
