"""Recall and precision of note extraction against the hand-labelled gold set in `tests/gold/`.

Each gold file lists, for one real notes file of `../shared/corpus/`, every item a learner would want
(kind, line range, a short key). The file is built alone, with the default configuration; a note
matches an item when its line falls in the item's range (or is the heading or label line right above
it, with only blank lines between) and the kinds agree (a concept, question or
cloze card for a concept or question item; a formula or derivation card for a formula or derivation
item); each note and each item is matched at most once (maximum bipartite matching).

Formula fronts that only point at context the card does not show ("所以", "代入上式可得", "this PMF")
are counted separately. Files marked `holdout` are reported only in aggregate unless `--show-holdout`.

Run: python benchmarks/bench_extraction.py [--show-holdout] [--json] [--file PART]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "tests" / "gold"
CORPUS = REPO.parent / "shared" / "corpus"
FAMILY = {"concept": "know", "qa": "know", "cloze": "know", "formula": "math", "derivation": "math"}

# Independent of the extractor's own rules: fronts that name nothing the learner could answer from.
_CONNECTIVE = re.compile(
    r"^(?:所以|因此|于是|从而|即|则|故|可得|得到|可以得到|有|同理|类似地|类似的|代入|将.{0,12}代入|综上|由此|如下|那么|此时|"
    r"这时|也就是说?|进而|接着|然后|又|再|而|且|其中|再由|带入|由上式|由此可得|解得|整理得|展开得|进一步地?|显然|易知|易得|已知|移项|"
    r"so|thus|hence|therefore|then|which gives|we get|we have|this gives|that is|i\.e\.|where)(?![A-Za-z])",
    re.IGNORECASE,
)
# Pointers back to what the card does not show ("如下"/"as follows" point at the formula itself, which it shows).
_POINTER = re.compile(r"上式|前式|上面|以上|上述|代入|第\s*\d+\s*[项步]|the above|previous|^this\b|^these\b", re.I)
_STOP = {"the", "a", "an", "of", "to", "is", "are", "and", "in", "for", "with", "we", "can", "be", "by", "on"}


def orphan(front: str) -> bool:
    """A formula front that cannot be answered without the page around it."""
    text = re.sub(r"^[\s\d.()（）、:：,，-]+", "", front).strip(" :：,，.。;；")
    rest = _POINTER.sub("", _CONNECTIVE.sub("", re.sub(r"\\[A-Za-z]+", " ", text), count=1)).strip(" :：,，.。;；")
    cjk = len(re.findall(r"[\u4e00-\u9fff]", re.sub(r"[的了是为有将其把对于在中可以得到这那此该我们]", "", rest)))
    words = [w for w in re.findall(r"[A-Za-z]{3,}", rest) if w.lower() not in _STOP]
    if _POINTER.search(text) and cjk < 6 and len(words) < 2:
        return True
    return cjk < 2 and not words


@dataclass
class FileResult:
    path: str
    split: str
    gold: int
    notes: int
    matched: int
    orphans: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    junk: list[str] = field(default_factory=list)
    rules: dict[str, list[int]] = field(default_factory=dict)  # rule -> [notes, matched]


def _covers(item: dict[str, object], line: int, lines: list[str]) -> bool:
    """The note starts inside the item's lines, or on the line that introduces them (a heading or a label
    line with only blank lines between it and the item)."""
    start, end = item["lines"]  # type: ignore[misc]
    if start <= line <= end:
        return True
    own = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    introduces = own.startswith("#") or own.rstrip("*_ ").endswith((":", "："))
    return introduces and line < start and all(not lines[k - 1].strip() for k in range(line + 1, start))


def _match(
    notes: list[tuple[str, int]], items: list[dict[str, object]], lines: list[str]
) -> tuple[int, set[int], set[int]]:
    """Maximum bipartite matching of notes to compatible gold items (Kuhn's algorithm)."""
    edges = [
        [j for j, item in enumerate(items) if FAMILY[kind] == FAMILY[str(item["kind"])] and _covers(item, line, lines)]
        for kind, line in notes
    ]
    owner: dict[int, int] = {}

    def augment(n: int, seen: set[int]) -> bool:
        for j in edges[n]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = n
                    return True
        return False

    for n in range(len(notes)):
        augment(n, set())
    return len(owner), set(owner.values()), set(owner)


def evaluate(gold_file: Path, off: tuple[str, ...] = ()) -> FileResult:
    from anki_build.config import load_config
    from anki_build.diagnostics import Report
    from anki_build.parse import parse_project
    from anki_build.render import render_project

    data = json.loads(gold_file.read_text(encoding="utf-8"))
    source = CORPUS / data["path"]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "notes"
        root.mkdir()
        shutil.copy(source, root / source.name)
        if off:
            (root / "anki-build.toml").write_text(
                "[rules]\n" + "".join(f'"{name}" = false\n' for name in off), encoding="utf-8"
            )
        report = Report()
        project = parse_project(root, "notes", load_config(root, "notes", report), report)
        deck = render_project(project, report)
    for bug in (d for d in report.items if d.code == "internal-error"):
        print(f"INTERNAL ERROR in {data['path']}: {bug.message}", file=sys.stderr)
    kept = {n.key for n in deck.notes}
    notes = [n for n in project.notes if n.key in kept]
    pairs = [(n.kind.value, n.location.line) for n in notes]
    lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
    matched, used_notes, used_items = _match(pairs, data["items"], lines)
    result = FileResult(data["path"], data["split"], len(data["items"]), len(notes), matched)
    for i, note in enumerate(notes):
        front = note.front.plain() if note.front else ""
        if note.kind.value in ("formula", "derivation") and orphan(front):
            result.orphans.append(f"{note.location.line}: {front[:50]}")
        tally = result.rules.setdefault(note.rule, [0, 0])
        tally[0] += 1
        tally[1] += i in used_notes
        if i not in used_notes:
            result.junk.append(f"{note.location.line} {note.kind.value} [{note.rule}] {note.key[:60]}")
    for j, item in enumerate(data["items"]):
        if j not in used_items:
            result.missed.append(f"{item['lines'][0]}-{item['lines'][1]} {item['kind']} {item['key']}")
    return result


def _totals(results: list[FileResult]) -> dict[str, float]:
    gold = sum(r.gold for r in results)
    notes = sum(r.notes for r in results)
    matched = sum(r.matched for r in results)
    return {
        "files": len(results),
        "gold": gold,
        "notes": notes,
        "matched": matched,
        "recall": matched / gold if gold else 1.0,
        "precision": matched / notes if notes else 1.0,
        "orphan_fronts": sum(len(r.orphans) for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-holdout", action="store_true", help="also print the held-out files one by one")
    parser.add_argument("--json", action="store_true", help="print the totals as JSON")
    parser.add_argument("--file", help="only gold files whose path contains this")
    parser.add_argument("--details", action="store_true", help="list missed items and unmatched notes per file")
    parser.add_argument("--rules", action="store_true", help="notes and precision per rule (tuning files)")
    parser.add_argument("--off", default="", help="rules to switch off, comma-separated (to measure one rule)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"the corpus is not at {CORPUS}")
    off = tuple(name for name in args.off.split(",") if name)
    results = [evaluate(p, off) for p in sorted(GOLD.glob("*.json")) if not args.file or args.file in p.name]
    tune = [r for r in results if r.split == "tune"]
    holdout = [r for r in results if r.split == "holdout"]
    totals = {"all": _totals(results), "tune": _totals(tune), "holdout": _totals(holdout)}
    if args.json:
        print(json.dumps(totals, indent=1))
        return
    print(f"{'file':70} {'gold':>5} {'notes':>5} {'hit':>5} {'recall':>7} {'prec':>6} {'orph':>4}")
    for r in results:
        if r.split == "holdout" and not args.show_holdout:
            continue
        recall = r.matched / r.gold if r.gold else 1.0
        precision = r.matched / r.notes if r.notes else 1.0
        print(
            f"{r.path[-70:]:70} {r.gold:5} {r.notes:5} {r.matched:5} {recall:7.0%} {precision:6.0%} {len(r.orphans):4}"
        )
        if args.details:
            for line in r.missed:
                print(f"    missed {line}")
            for line in r.junk:
                print(f"    extra  {line}")
            for line in r.orphans:
                print(f"    orphan {line}")
    if args.rules:
        per: dict[str, list[int]] = {}
        for r in tune:
            for name, (made, hit) in r.rules.items():
                per.setdefault(name, [0, 0])
                per[name][0] += made
                per[name][1] += hit
        for name, (made, hit) in sorted(per.items(), key=lambda kv: -kv[1][0]):
            print(f"    rule {name:22} notes {made:5}  matched {hit:5}  precision {hit / made:6.1%}")
    for name, t in totals.items():
        print(
            f"{name:8} files {t['files']:3}  gold {t['gold']:5}  notes {t['notes']:5}  matched {t['matched']:5}  "
            f"recall {t['recall']:.1%}  precision {t['precision']:.1%}  orphan formula fronts {t['orphan_fronts']}"
        )


if __name__ == "__main__":
    main()
