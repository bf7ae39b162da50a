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

from ..notetypes import note_types

_STYLE = re.compile(r"<style>.*?</style>", re.S)

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}
body.gallery {{ margin: 0; padding: 16px; background: #e9e9ec; font-family: system-ui, sans-serif; }}
.gallery h1 {{ font-size: 20px; }}
.gallery h2 {{ font-size: 17px; margin: 28px 0 8px; }}
.gallery .row {{ display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 18px; }}
.gallery .phone {{ width: 390px; box-sizing: border-box; border: 1px solid #c8c8cc; border-radius: 14px;
  overflow: hidden; background: #fdfdfc; }}
.gallery .phone.night {{ background: #1e1e20; }}
.gallery .label {{ font-size: 11px; color: #6e6e73; padding: 4px 10px; border-bottom: 1px solid #ddd; }}
.gallery .night .label {{ color: #9a9aa0; border-color: #333; }}
.gallery .source {{ font-size: 12px; color: #515154; margin: 4px 0; }}
</style>
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
{body}
</body></html>
"""


@dataclass
class PreviewResult:
    index: Path
    cards: int


def _frame(side_html: str, label: str, night: bool) -> str:
    mode = " nightMode night_mode" if night else ""
    return (
        f'<div class="phone{" night" if night else ""}"><div class="label">{html.escape(label)}</div>'
        f'<div class="card card1{mode}">{_STYLE.sub("", side_html)}</div></div>'
    )


def preview(root: Path, display_root: str, out: Path) -> tuple[PreviewResult | None, list[object]]:
    import tempfile

    from ..derive.worker import cache_dir
    from ..phone.assets import mathjax_root
    from ..phone.cards import cards_of
    from .build import build

    assets = mathjax_root(cache_dir())
    with tempfile.TemporaryDirectory(prefix="anki-build-preview-") as scratch:
        built = build(root, display_root, Path(scratch) / "deck.apkg", write_lock=False)
        if built.output is None:
            return None, list(built.diagnostics)
        rendered = cards_of(built.output)
        try:
            out.mkdir(parents=True, exist_ok=True)
            for item in rendered.media.iterdir():
                shutil.copy2(item, out / item.name)
            chapters: dict[str, list[str]] = {}
            for card in rendered.cards:
                rows = [
                    _frame(card.question, "front · day", False),
                    _frame(card.answer, "back · day", False),
                    _frame(card.question, "front · night", True),
                    _frame(card.answer, "back · night", True),
                ]
                chapters.setdefault(card.deck, []).append(
                    f'<div class="source">{html.escape(card.source)} · {html.escape(card.id)}</div>'
                    f'<div class="row">{"".join(rows)}</div>'
                )
        finally:
            rendered.close()
    _copy_mathjax(assets, out)
    body = "\n".join(f"<h2>{html.escape(deck)}</h2>\n" + "\n".join(cards) for deck, cards in chapters.items())
    css = note_types()["basic"].css
    page = _PAGE.format(
        lang="zh", title=html.escape(built.deck), css=css, body=body, count=sum(len(c) for c in chapters.values())
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return PreviewResult(index=index, cards=sum(len(c) for c in chapters.values())), list(built.diagnostics)


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
