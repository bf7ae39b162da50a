"""How much do careful people agree on which cards a file should give? The ceiling for any extractor.

`tests/gold/second/` holds blind second labellings (labellers A and B, who saw neither the gold nor
the tool) of six tune files. With the same matching as `bench_extraction.py` (kind family, line
ranges, one-to-one), this prints each labelling scored against the gold, A against B, and the tool
against each labelling, per file and overall.

Run: python benchmarks/bench_agreement.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_extraction as bench

SECOND = bench.GOLD / "second"


def _score(found: list[dict[str, object]], wanted: list[dict[str, object]], lines: list[str]) -> int:
    notes = [(str(item["kind"]), int(item["lines"][0])) for item in found]  # type: ignore[index]
    return bench._match(notes, wanted, lines)[0]


def main() -> None:
    gold = {json.loads(p.read_text(encoding="utf-8"))["path"]: p for p in bench.GOLD.glob("*.json")}
    second: dict[str, dict[str, list[dict[str, object]]]] = {}
    for path in sorted(SECOND.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        second.setdefault(data["path"], {})[data["labeller"]] = data["items"]
    totals: dict[str, list[int]] = {}

    def add(name: str, matched: int, wanted: int, found: int) -> str:
        t = totals.setdefault(name, [0, 0, 0])
        t[0], t[1], t[2] = t[0] + matched, t[1] + wanted, t[2] + found
        return f"{name} {matched / wanted:4.0%}/{matched / max(found, 1):4.0%}"

    print("per file: recall/precision of the first against the second")
    for path, labels in sorted(second.items()):
        lines = (bench.CORPUS / path).read_text(encoding="utf-8", errors="replace").splitlines()
        gold_file = gold[path]
        gold_items = json.loads(gold_file.read_text(encoding="utf-8"))["items"]
        cells = []
        for name, items in sorted(labels.items()):
            cells.append(add(f"{name}~gold", _score(items, gold_items, lines), len(gold_items), len(items)))
        if {"A", "B"} <= set(labels):
            cells.append(add("A~B", _score(labels["A"], labels["B"], lines), len(labels["B"]), len(labels["A"])))
        tool = bench.evaluate(gold_file)
        cells.append(add("tool~gold", tool.matched, tool.gold, tool.notes))
        for name, items in sorted(labels.items()):
            with tempfile.TemporaryDirectory() as scratch:
                alternative = Path(scratch) / gold_file.name
                data = json.loads(gold_file.read_text(encoding="utf-8"))
                alternative.write_text(json.dumps({**data, "items": items}, ensure_ascii=False), encoding="utf-8")
                result = bench.evaluate(alternative)
            cells.append(add(f"tool~{name}", result.matched, result.gold, result.notes))
        print(f"{path[-45:]:45} " + "  ".join(cells))
    print()
    for name, (matched, wanted, found) in totals.items():
        recall, precision = matched / wanted, matched / max(found, 1)
        f1 = 2 * matched / (wanted + found)
        counts = f"({matched}/{wanted} vs {found})"
        print(f"{name:10} recall {recall:6.1%}  precision {precision:6.1%}  F1 {f1:6.1%}  {counts}")


if __name__ == "__main__":
    main()
