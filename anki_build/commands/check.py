"""`anki-build check`: every derivation row with its verdict; exit 1 when a step is refuted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import load_config
from ..derive.results import REFUTED, BlockResult
from ..diagnostics import Diagnostic, Report, Severity
from ..parse.discover import find_files

if TYPE_CHECKING:
    from ..phone.browser import Phone, SideResult
    from ..phone.memo import SideMemo
    from ..progress import Progress


@dataclass
class CheckSummary:
    blocks: list[BlockResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def refuted(self) -> int:
        return sum(1 for b in self.blocks for r in b.rows if r.verdict == REFUTED)

    @property
    def exit_code(self) -> int:
        config_errors = any(d.code.startswith("config") for d in self.diagnostics)
        return 1 if self.refuted or config_errors else 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for block in self.blocks:
            for row in block.rows:
                out[row.verdict] = out.get(row.verdict, 0) + 1
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "derivations": [b.to_json() for b in self.blocks],
            "counts": self.counts(),
            "exit_code": self.exit_code,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def check(
    root: Path, display_root: str, *, cache: Path | None = None, step_limit: float = 5.0, block_limit: float = 30.0
) -> CheckSummary:
    """Check every derivation; when no file with a derivation changed, answer from the memo at once."""
    report = Report()
    config = load_config(root, display_root, report)
    if report.errors:
        return CheckSummary(diagnostics=report.sorted())
    paths = find_files(root, config.exclude, set()).notes
    memo_key = _memo_key(root, f"{display_root}\0{step_limit:g}\0{block_limit:g}", config.source, paths)
    memo = _Memo(cache)
    remembered = _remembered(memo.data.get(memo_key))
    if remembered is not None:
        return remembered
    from ..derive import check_project
    from ..parse import parse_project

    project = parse_project(root, display_root, config, report, containing="check")
    results = check_project(project, report, cache=cache, step_limit=step_limit, block_limit=block_limit)
    summary = CheckSummary(blocks=list(results.values()), diagnostics=report.sorted())
    from ..derive.worker import is_final

    blocks = [b.to_json() for b in summary.blocks]
    if all(is_final(b) for b in blocks):  # a timeout or a dead worker is asked again next time
        memo.store(memo_key, {"blocks": blocks, "diagnostics": [d.to_json() for d in summary.diagnostics]})
    return summary


def _remembered(data: object) -> CheckSummary | None:
    """A memo entry as `store` wrote it, or None (a damaged or foreign memo only costs a re-check)."""
    keys = {"path", "line", "col", "severity", "code", "message"}

    def diagnostic(d: object) -> Diagnostic:
        if not (isinstance(d, dict) and set(d) == keys and d["severity"] in ("warning", "error")):
            raise ValueError("not a diagnostic")
        if not all(isinstance(d[k], str) for k in ("path", "code", "message")):
            raise ValueError("not a diagnostic")
        if not all(isinstance(d[k], int) and not isinstance(d[k], bool) for k in ("line", "col")):
            raise ValueError("not a diagnostic")
        return Diagnostic(**{**d, "severity": Severity(d["severity"])})

    if not (isinstance(data, dict) and isinstance(data.get("blocks"), list)):
        return None
    if not isinstance(data.get("diagnostics"), list):
        return None
    try:
        blocks = [BlockResult.from_json(b) for b in data["blocks"]]
        return CheckSummary(blocks=blocks, diagnostics=[diagnostic(d) for d in data["diagnostics"]])
    except (TypeError, ValueError):
        return None


def _memo_key(root: Path, display_root: str, config: Path | None, paths: list[Path]) -> str:
    """Everything the answer depends on: the checker, the config and every file that may hold a derivation."""
    import hashlib

    from ..derive.worker import checker_version
    from ..files import read_regular
    from ..parse.source import MAX_FILE_BYTES

    digest = hashlib.sha256(f"{checker_version()}\0{display_root}".encode())
    for path in [p for p in (config,) if p] + paths:
        try:
            data = read_regular(path, MAX_FILE_BYTES)
        except OSError:
            continue
        if path == config or b"check" in data.lower():
            digest.update(str(path.relative_to(root.resolve()) if path.is_absolute() else path).encode())
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


class _Memo:
    """`check` answers for whole projects, next to the per-block cache (same folder)."""

    def __init__(self, folder: Path | None) -> None:

        from ..derive.worker import cache_dir, load_json_cache

        self.path = (folder or cache_dir()) / "check-projects.json"
        self.data = load_json_cache(self.path)

    def store(self, key: str, value: dict[str, object]) -> None:
        import contextlib
        import json

        from ..files import write_atomic

        self.data = {k: v for k, v in list(self.data.items())[-31:]}  # keep the 32 most recent projects
        self.data[key] = value
        with contextlib.suppress(OSError):  # a memo that cannot be written only costs time
            write_atomic(self.path, json.dumps(self.data, ensure_ascii=False))


# What a reader can still use, only worse: reported, never a failed check (unless --strict).
RENDER_WARNINGS = frozenset({"too-wide", "contrast", "small-text", "too-tall"})


@dataclass
class RenderSummary:
    sides: int = 0
    math: int = 0
    isolation: str = ""
    seconds: float = 0.0
    strict: bool = False
    engines: tuple[str, ...] = ("chromium",)
    reused: int = 0  # sides whose measurements came from the render memo (this exact HTML, renderer, mode)
    imported: int = 0  # notes Anki rendered this time (the others' cards came from the memo of its rendering)
    disagreements: list[dict[str, object]] = field(default_factory=list)  # what one engine reports and not the other
    problems: list[dict[str, object]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(d.severity is Severity.ERROR for d in self.diagnostics):
            return 1
        return 1 if self.strict and self.diagnostics else 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for problem in self.problems:
            out[str(problem["kind"])] = out.get(str(problem["kind"]), 0) + 1
        return dict(sorted(out.items()))

    def to_json(self) -> dict[str, object]:
        return {
            "sides": self.sides,
            "math": self.math,
            "isolation": self.isolation,
            "seconds": round(self.seconds, 2),
            "reused": self.reused,
            "imported": self.imported,
            "engines": list(self.engines),
            "disagreements": self.disagreements,
            "counts": self.counts(),
            "problems": self.problems,
            "exit_code": self.exit_code,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


ENGINES = ("chromium", "webkit")


def render(
    root: Path,
    display_root: str,
    *,
    strict: bool = False,
    engines: tuple[str, ...] = ("chromium",),
    progress: Progress | None = None,
) -> RenderSummary:
    """Build to a scratch deck, render both sides of every card like a phone, day and night, and report
    at each note's line what a reader would see go wrong.

    Raises the phone module's *Unavailable errors when Chromium, the Anki backend or MathJax is missing.
    """
    import subprocess
    import tempfile
    import time

    from ..derive.worker import cache_dir
    from ..files import due_for_pruning, prune_folder
    from ..phone.assets import mathjax_root
    from ..phone.browser import Phone, find_chromium, find_webkit
    from ..phone.cards import CardsMemo, deck_cards, renderer_version, require_backend
    from ..phone.memo import SideMemo, renderer_id
    from .build import scratch_build

    started = time.perf_counter()
    memo_folder = cache_dir() / "render"
    find_chromium()
    if "webkit" in engines:
        find_webkit()
    assets = mathjax_root(cache_dir())
    results: list[tuple[str, str, SideResult]] = []
    require_backend()
    with tempfile.TemporaryDirectory(prefix="anki-build-render-") as scratch:
        built, deck, mods = scratch_build(root, display_root, Path(scratch) / "deck.apkg", progress)
        summary = RenderSummary(diagnostics=list(built.diagnostics), strict=strict, engines=engines)
        if deck is None:
            return summary
        if progress is not None:
            progress("import into Anki", 0, 1)
        cards_folder = cache_dir() / "anki-cards"
        cards, media, summary.imported = deck_cards(
            deck, mods, Path(scratch), CardsMemo(cards_folder, renderer_version())
        )
        sides = [(f"{c.id}/{side}", html) for c in cards for side, html in (("front", c.question), ("back", c.answer))]
        sources = {c.id: c.source for c in cards}
        with Phone(assets, media) as phone:
            for engine in engines:
                memo = SideMemo(memo_folder, renderer_id(engine, phone.height))
                run = phone.check if engine == "chromium" else phone.check_webkit
                if progress is not None:
                    progress(f"render in {engine}", 0, 1)
                try:
                    for mode, found in measure_sides(run, memo, sides, phone).items():
                        results += [(engine, mode, r) for r in found]
                except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                    summary.diagnostics.append(_render_failed(display_root, f"{engine}: {exc}"))
                summary.reused += memo.reused
            summary.isolation, blocked = phone.isolation, list(phone.blocked)
        if due_for_pruning(cache_dir() / "render-pruned"):
            prune_folder(memo_folder)
            prune_folder(cards_folder)
    prefix = "" if display_root in ("", ".") else display_root.rstrip("/") + "/"
    report = Report()
    summary.sides = sum(1 for engine, mode, _ in results if mode == "day" and engine == engines[0])
    seen: set[tuple[str, str, str, str, str]] = set()
    by_engine: dict[str, set[tuple[str, str, str, str]]] = {engine: set() for engine in engines}
    for engine, mode, result in results:
        if mode == "day" and engine == engines[0]:
            summary.math += result.math
        card_id, side = result.id.rsplit("/", 1)
        rel, _, line = sources[card_id].rpartition(":")
        for problem in result.problems:
            kind = problem["kind"]
            by_engine[engine].add((card_id, side, mode, kind))
            if (engine, card_id, side, kind, problem.get("tex", "")) in seen and kind not in ("contrast", "small-text"):
                continue  # the same formula too wide at night as by day: one report
            seen.add((engine, card_id, side, kind, problem.get("tex", "")))
            where = f"{prefix}{rel}"
            tex = f" in \\({problem['tex']}\\)" if problem.get("tex") else ""
            shown_mode = f" ({mode})" if kind in ("contrast", "small-text") else ""
            if len(engines) > 1 or engine != "chromium":
                shown_mode = f" [{engine}]{shown_mode}"
            message = f"{side} of {card_id.rsplit('/', 1)[0]}{shown_mode}: {problem['message']}{tex}"
            number = int(line) if line.isdigit() else 1
            severity = Severity.WARNING if kind in RENDER_WARNINGS else Severity.ERROR
            report.add(where, number, 1, severity, f"render-{kind}", message)
            summary.problems.append(
                {
                    "path": where,
                    "line": number,
                    "card": card_id,
                    "side": side,
                    "mode": mode,
                    "engine": engine,
                    **problem,
                }
            )
    if len(engines) > 1:
        first, other = (by_engine[e] for e in engines[:2])
        for only, engine in ((first - other, engines[0]), (other - first, engines[1])):
            for card_id, side, mode, kind in sorted(only):
                summary.disagreements.append(
                    {"card": card_id, "side": side, "mode": mode, "kind": kind, "only_in": engine}
                )
    if blocked and not any(p["kind"] == "network" for p in summary.problems):
        report.error(
            display_root,
            1,
            1,
            "render-network",
            f"the browser asked for {len(blocked)} thing(s) on the network, all refused (first: {blocked[0]})",
        )
        summary.problems.append({"path": display_root, "line": 1, "kind": "network", "message": blocked[0]})
    summary.diagnostics += report.sorted()
    summary.seconds = time.perf_counter() - started
    return summary


SMALL_BATCH = 80  # side renderings: below this, one browser launch for day and night beats two


def measure_sides(
    run: Callable[..., list[SideResult]],
    memo: SideMemo,
    sides: list[tuple[str, str]],
    phone: Phone,
    modes: tuple[str, ...] = ("day", "night"),
) -> dict[str, list[SideResult]]:
    """Each side's result in each mode, from the memo when this exact side was measured before; the rest
    in one browser launch, or in two at once (a share of the sides each) when there are many.

    A launch during which the page asked for the network is not remembered: that finding belongs to the
    run, and a later check must see it again."""
    from concurrent.futures import ThreadPoolExecutor

    keys = {(mode, i): memo.key(mode, side_html) for mode in modes for i, (_, side_html) in enumerate(sides)}
    known = {slot: memo.get(key, sides[slot[1]][0]) for slot, key in keys.items()}
    todo = [slot for slot, result in known.items() if result is None]
    chunks = [todo] if len(todo) <= SMALL_BATCH else [todo[: len(todo) // 2], todo[len(todo) // 2 :]]

    def launch(chunk: list[tuple[str, int]]) -> tuple[list[SideResult], bool]:
        blocked = len(phone.blocked)
        entries = [(sides[i][0], sides[i][1], mode == "night") for mode, i in chunk]
        fresh = run(entries) if entries else []
        if len(fresh) != len(chunk):
            raise RuntimeError(f"the browser returned {len(fresh)} results for {len(chunk)} card sides")
        return fresh, len(phone.blocked) == blocked

    with ThreadPoolExecutor(len(chunks)) as pool:
        for chunk, (fresh, clean) in zip(chunks, pool.map(launch, chunks), strict=True):
            for slot, result in zip(chunk, fresh, strict=True):
                known[slot] = result
                if clean:
                    memo.put(keys[slot], result)
    return {mode: [known[(mode, i)] for i in range(len(sides))] for mode in modes}  # type: ignore[misc]


def _render_failed(display_root: str, why: str) -> Diagnostic:
    return Diagnostic(display_root, 1, 1, Severity.ERROR, "render-failed", f"the cards could not be rendered: {why}")
