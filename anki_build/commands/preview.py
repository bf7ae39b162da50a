"""`anki-build preview`: a static, offline gallery of every card, front and back, day and night, at phone width.

It opens from the file system: MathJax 3.2.2 and Anki's configuration are copied next to it
(the loader path made relative), the card CSS is the note types' CSS, media sit beside it.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..config import load_config
from ..diagnostics import Report
from ..notetypes import note_types
from ..parse.discover import natural_key
from ..phone.cards import CardSides

_STYLE = re.compile(r"<style>.*?</style>", re.S)

GALLERY_CSS = """
body.gallery { margin: 0; padding: 16px; background: #e9e9ec; font-family: system-ui, sans-serif; }
.gallery h1 { font-size: 20px; }
.gallery h2 { font-size: 17px; margin: 28px 0 8px; }
.gallery .row { display: flex; flex-wrap: nowrap; overflow-x: auto; gap: 12px; margin-bottom: 18px; }
.gallery .phone { flex: 0 0 auto; }
.gallery .tools { position: sticky; top: 0; z-index: 2; background: #e9e9ec; padding: 8px 0; display: flex; gap: 12px;
  flex-wrap: wrap; align-items: center; font-size: 14px; border-bottom: 1px solid #c8c8cc; }
.gallery .toc { columns: 3 260px; font-size: 14px; margin: 8px 0 16px; }
.gallery .toc a { color: #0a58b0; }
.gallery .problems { font-size: 13px; color: #8c1d18; margin: 2px 0 6px; padding-left: 18px; }
.gallery .bad { color: #8c1d18; font-weight: 600; }
body.gallery.only-day .phone.night, body.gallery.only-night .phone.day { display: none; }
.gallery .phone { width: 390px; box-sizing: border-box; border: 1px solid #c8c8cc; border-radius: 14px;
  overflow: hidden; background: #fdfdfc; }
.gallery .phone.night { background: #1e1e20; }
.gallery .label { font-size: 11px; color: #6e6e73; padding: 4px 10px; border-bottom: 1px solid #ddd; }
.gallery .night .label { color: #9a9aa0; border-color: #333; }
.gallery .source { font-size: 12px; color: #515154; margin: 4px 0; }
"""

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}
{gallery_css}</style>
<script src="_anki/js/mathjax.js"></script>
<script src="_anki/js/vendor/mathjax/tex-chtml-full.js"></script>
<script>
window.addEventListener("load", async () => {{
  await MathJax.startup.promise;
  await MathJax.typesetPromise();
  const items = Array.from(MathJax.startup.document.getMathItemsWithin(document.body));
  let errors = 0, undefinedMacros = 0;
  for (const item of items) {{
    const mml = MathJax.startup.toMML(item.root);
    if (/data-mjx-error=/.test(mml)) errors++;
    if (/<mtext mathcolor="red"[^>]*>\\\\[A-Za-z]+<\\/mtext>/.test(mml)) undefinedMacros++;
  }}
  Object.assign(document.body.dataset, {{typeset: "done", math: items.length, errors, undefinedMacros}});
}});
</script>
</head>
<body class="gallery" data-typeset="pending">
<h1>{title}: {count} cards</h1>
<p>{measured}</p>
<div class="tools">
<label>chapter <select id="f-chapter"><option value="">all</option>{chapter_options}</select></label>
<label>kind <select id="f-kind"><option value="">all</option>{kind_options}</select></label>
<label>problem <select id="f-problem"><option value="">all cards</option>
<option value="*">any problem</option>{problem_options}</select></label>
<label>show <select id="f-mode"><option value="">day and night</option>
<option value="only-day">day</option><option value="only-night">night</option></select></label>
<span id="f-count"></span>
</div>
<nav class="toc">{toc}</nav>
{body}
<script>
(() => {{
  const pick = id => document.getElementById(id);
  const blocks = Array.from(document.querySelectorAll(".card-block"));
  function apply() {{
    const chapter = pick("f-chapter").value, kind = pick("f-kind").value, problem = pick("f-problem").value;
    let shown = 0;
    for (const b of blocks) {{
      const problems = b.dataset.problems.split(" ").filter(Boolean);
      const ok = (!chapter || b.dataset.chapter === chapter) && (!kind || b.dataset.kind === kind) &&
        (!problem || (problem === "*" ? problems.length > 0 : problems.includes(problem)));
      b.style.display = ok ? "" : "none";
      if (ok) shown++;
    }}
    document.body.classList.remove("only-day", "only-night");
    if (pick("f-mode").value) document.body.classList.add(pick("f-mode").value);
    pick("f-count").textContent = `${{shown}} of ${{blocks.length}} cards`;
  }}
  for (const id of ["f-chapter", "f-kind", "f-problem", "f-mode"]) pick(id).addEventListener("change", apply);
  apply();
}})();
</script>
</body></html>
"""


@dataclass
class PreviewResult:
    index: Path
    cards: int


def _frame(side_html: str, label: str, night: bool) -> str:
    mode = " nightMode night_mode" if night else ""
    return (
        f'<div class="phone {"night" if night else "day"}"><div class="label">{html.escape(label)}</div>'
        f'<div class="card card1{mode}">{_STYLE.sub("", side_html)}</div></div>'
    )


def _measure(cards: list[CardSides], assets: Path, media: Path) -> tuple[dict[str, list[dict[str, str]]], str]:
    """The render check's findings per card (none when Chromium is missing: the gallery is then unmeasured)."""
    import subprocess

    from ..derive.worker import cache_dir
    from ..phone.browser import BrowserUnavailable, Phone
    from ..phone.memo import SideMemo, renderer_id
    from .check import measure_sides

    found: dict[str, list[dict[str, str]]] = {}
    sides = [(f"{c.id}/{side}", h) for c in cards for side, h in (("front", c.question), ("back", c.answer))]
    try:
        with Phone(assets, media) as phone:
            memo = SideMemo(cache_dir() / "render", renderer_id("chromium", phone.height))
            for mode, results in measure_sides(phone.check, memo, sides, phone).items():
                for result in results:
                    card_id, side = result.id.rsplit("/", 1)
                    for problem in result.problems:
                        entry = {"kind": str(problem["kind"]), "text": f"{side}, {mode}: {problem['message']}"}
                        if entry not in found.setdefault(card_id, []):
                            found[card_id].append(entry)
    except (BrowserUnavailable, RuntimeError, OSError, subprocess.SubprocessError) as exc:
        return {}, f"Not measured ({html.escape(str(exc)[:200])}); anki-build check --render measures every side."
    bad = sum(1 for v in found.values() if v)
    return found, f"Measured at 390×844, day and night, with Anki's MathJax: {bad} card(s) with problems, shown first."


def _options(values: list[str]) -> str:
    return "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in values)


def _block(card: CardSides, found: list[dict[str, str]]) -> str:
    rows = [
        _frame(card.question, "front · day", False),
        _frame(card.answer, "back · day", False),
        _frame(card.question, "front · night", True),
        _frame(card.answer, "back · night", True),
    ]
    kinds = " ".join(sorted({p["kind"] for p in found}))
    listed = "".join(f"<li>{html.escape(p['kind'])}: {html.escape(p['text'])}</li>" for p in found)
    flag = f" · <span class=bad>{html.escape(kinds)}</span>" if found else ""
    return (
        f'<section class="card-block" data-chapter="{html.escape(card.deck)}" data-kind="{html.escape(card.kind)}" '
        f'data-problems="{html.escape(kinds)}"><div class="source">{html.escape(card.source)} · '
        f"{html.escape(card.id)}{flag}</div>{f'<ul class=problems>{listed}</ul>' if found else ''}"
        f'<div class="row">{"".join(rows)}</div></section>'
    )


def preview(
    root: Path, display_root: str, out: Path, *, measure: bool = True
) -> tuple[PreviewResult | None, list[object]]:
    import tempfile

    from ..derive.worker import cache_dir
    from ..phone.assets import mathjax_root
    from ..phone.cards import CardsMemo, deck_cards, renderer_version, require_backend
    from .build import scratch_build

    assets = mathjax_root(cache_dir())
    require_backend()
    with tempfile.TemporaryDirectory(prefix="anki-build-preview-") as scratch:
        built, deck, mods = scratch_build(root, display_root, Path(scratch) / "deck.apkg")
        if deck is None:
            return None, list(built.diagnostics)
        memo = CardsMemo(cache_dir() / "anki-cards", renderer_version())
        cards, media, _ = deck_cards(deck, mods, Path(scratch), memo)
        out.mkdir(parents=True, exist_ok=True)
        for item in media.iterdir():
            shutil.copy2(item, out / item.name)
        problems, measured = _measure(cards, assets, media) if measure else ({}, "")
        blocks = {card.id: _block(card, problems.get(card.id, [])) for card in cards}
    _copy_mathjax(assets, out)
    chapters: dict[str, list[str]] = {}
    flagged = [blocks[c.id] for c in cards if problems.get(c.id)]
    if flagged:
        chapters["⚠ cards with problems"] = flagged
    for card in sorted(cards, key=lambda c: natural_key(c.deck)):  # `Course::2 …` before `Course::10 …`
        if not problems.get(card.id):
            chapters.setdefault(card.deck, []).append(blocks[card.id])
    anchors = {deck: f"ch{n}" for n, deck in enumerate(chapters)}
    body = "\n".join(
        f'<h2 id="{anchors[deck]}">{html.escape(deck)}</h2>\n' + "\n".join(items) for deck, items in chapters.items()
    )
    toc = "<br>".join(f'<a href="#{anchors[d]}">{html.escape(d)}</a> ({len(items)})' for d, items in chapters.items())
    page = _PAGE.format(
        lang="zh",
        title=html.escape(built.deck),
        css=note_types(load_config(root, display_root, Report()).cards)["basic"].css,
        gallery_css=GALLERY_CSS,
        body=body,
        count=len(cards),
        measured=measured,
        toc=toc,
        chapter_options=_options(sorted({c.deck for c in cards}, key=natural_key)),
        kind_options=_options(sorted({c.kind for c in cards})),
        problem_options=_options(sorted({p["kind"] for found in problems.values() for p in found})),
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return PreviewResult(index=index, cards=len(cards)), list(built.diagnostics)


def _copy_mathjax(assets: Path, out: Path) -> None:
    """Anki's config with the loader path made relative, so the gallery works from file://."""
    target = out / "_anki"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(assets / "_anki", target)
    config = target / "js" / "mathjax.js"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"/_anki/js/vendor/mathjax"', '"_anki/js/vendor/mathjax"'),
        encoding="utf-8",
    )
