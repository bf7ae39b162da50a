"""Stage 2, render: notes → Anki fields (HTML), through the Jinja2 templates in `cards/`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape as escape_html
from html import unescape

from markupsafe import Markup

from ..config import Config
from ..derive.results import EVERY_SIZE, PROVED, BlockResult
from ..derive.syntax import split_rows
from ..diagnostics import Report, internal_error
from ..notetypes import CardFiles, packaged_cards
from ..structure import Fragment, Location, Note, NoteKind, Project
from ..structure.notes import plain_text, walk_with_maps
from .html import CLOZE_NUMBER, Media, render_tokens
from .sanitise import CONTROL, MathSlots, finish
from .templates import field_templates, template_line
from .tex import math_html

__all__ = ["RenderedDeck", "RenderedNote", "render_project"]


@dataclass
class RenderedNote:
    key: str
    kind: NoteKind
    notetype: str  # "basic" or "cloze"
    fields: dict[str, str]
    deck: str  # full deck name, `Deck::03 模型正则化`
    tags: list[str]
    source: str
    guid: str = ""  # set by the identify stage
    mod: int = 0  # time the content last changed, set by the identify stage
    root: str = ""  # the key before positional numbering (identify keeps such notes apart by content)
    cloze_auto_from: int = 0  # the first `{{cN::` ordinal made from `==…==` (0: none); identify renumbers those
    location: Location = field(default_factory=lambda: Location("", 1))  # where its note starts, for diagnostics


@dataclass
class RenderedDeck:
    name: str
    namespace: str
    notes: list[RenderedNote] = field(default_factory=list)
    media: Media = field(default_factory=Media)
    cards: CardFiles = field(default_factory=packaged_cards)  # the card files its note types come from


def deck_component(text: str) -> str:
    """A deck name part: no `::` (Anki's separator), no line breaks or control characters, trimmed."""
    return re.sub(r"\s+", " ", CONTROL.sub(" ", text).replace("::", ":")).strip() or "-"


def chapter_tag(label: str) -> str:
    """`03 模型正则化` → `chapter::03_模型正则化` (Anki tags cannot hold spaces)."""
    return "chapter::" + re.sub(r"[\s\u3000]+", "_", CONTROL.sub(" ", label).replace("::", "_")).strip("_")


def _fragment(fragment: Fragment | None, media: Media, slots: MathSlots, *, cloze: bool = False) -> Markup:
    if fragment is None:
        return Markup("")
    return Markup(render_tokens(fragment.tokens, inline=fragment.inline, media=media, slots=slots, cloze=cloze))


def _whole(tex: str) -> bool:
    r"""Every `\left` has its `\right` and every `\begin` its `\end`."""
    left, right = len(re.findall(r"\\left(?![a-zA-Z])", tex)), len(re.findall(r"\\right(?![a-zA-Z])", tex))
    return left == right and tex.count("\\begin{") == tex.count("\\end{")


def _derivation_values(note: Note, check: BlockResult | None, slots: MathSlots) -> dict[str, object]:
    """Starting expression and verdicts for the derivation template (and its tag)."""
    rows = split_rows(next((t.content for t in note.back.tokens if t.type == "math_block"), ""), 0)
    first = next((r for r in rows if r.kind == "start"), None)
    if first is not None and not _whole(first.lhs):
        first = None  # a row cut out of an `array` or a `\left…\right` pair: not a formula of its own
    start = Markup(slots.add(math_html(first.lhs, True))) if first else ""
    if check is None:
        return {"start": start, "verdict": "", "rows": [], "every_size": False}
    every_size = any(r.verdict == PROVED and r.detail == EVERY_SIZE for r in check.rows)
    return {"start": start, "verdict": check.verdict, "rows": check.rows, "every_size": every_size}


def render_note(
    note: Note, config: Config, media: Media, rel_source: str, check: BlockResult | None = None
) -> RenderedNote:
    templates = field_templates(config.cards)
    cloze = note.kind is NoteKind.CLOZE
    slots = MathSlots()
    subdeck = note.deck or note.chapter.label
    deck = "::".join([deck_component(config.deck)] + [deck_component(p) for p in subdeck.split("::")])
    tags = list(dict.fromkeys([chapter_tag(note.chapter.label), *config.tags, *note.tags]))
    values = {  # the context every field template gets as `n`; the README lists it
        "kind": note.kind.value,
        "key": note.key,
        "lang": note.language,
        "language": note.language,
        "term": note.front.plain() if note.front is not None else "",
        "front": _fragment(note.front, media, slots),
        "back": _fragment(note.back, media, slots, cloze=cloze),
        "extra": Markup(""),
        "chapter": note.chapter.label,
        "section": _fragment(note.section, media, slots),
        "deck": deck,
        "tags": tags,
        "source": rel_source,
        "sentence_label": note.sentence_label,
    }
    module = templates[note.kind.value]
    context = str(templates["context"].context(values)).strip()
    extra = str(_fragment(note.extra, media, slots))
    values["extra"] = Markup(extra)
    derivation_tag: list[str] = []
    if note.kind is NoteKind.DERIVATION:
        values.update(_derivation_values(note, check, slots), where=Markup(extra))
        extra = str(module.extra(values)).strip()
        derivation_tag = [f"derivation::{values['verdict'] or 'unchecked'}"]
    shown = {"Extra": extra, "Context": context}
    if cloze:
        shown["Text"] = str(module.back(values)).strip()
    else:
        shown["Front"], shown["Back"] = str(module.front(values)).strip(), str(module.back(values)).strip()
    fields = {name: finish(value, media.files, slots) for name, value in shown.items()}
    # The key is searched for verbatim (`"Key:concept:…"`) and can hold no markup: words, ids, `< > = + - * / ^ |`.
    fields["Key"] = CONTROL.sub("", note.key)
    fields["Source"] = finish(escape_html(rel_source, quote=False), media.files)
    fields["Kind"] = note.kind.value
    tags = [tags[0], *derivation_tag, *tags[1:]]
    auto_from = 0
    if cloze and any(t.type == "mark_open" for t, _ in walk_with_maps(note.back.tokens)):
        written = [int(n) for n in CLOZE_NUMBER.findall(plain_text(note.back.tokens))]
        auto_from = max(written, default=0) + 1
    return RenderedNote(
        key=note.key,
        kind=note.kind,
        notetype="cloze" if cloze else "basic",
        fields=fields,
        deck=deck,
        tags=list(dict.fromkeys(tags)),
        source=rel_source,
        root=note.root,
        cloze_auto_from=auto_from,
        location=note.location,
    )


_SCREEN_LINES = 23  # lines of 19 px text on a 390×844 phone, after Anki's own bars
_LONG_FRONT = 120  # characters a reader takes in at a glance


def _screen_lines(field_html: str) -> float:
    """Roughly how many lines a field takes at 390 px: ~18 CJK or ~40 Latin characters a line, 3 a formula."""
    formulas = field_html.count("\\[")
    text = re.sub(r"\\\[.*?\\\]", " ", field_html, flags=re.S)
    text = re.sub(r"<(?:p|li|br|div|tr|h\d)\b[^>]*>", "\n", text)
    lines = 0.0
    for line in re.sub(r"<[^>]+>", "", text).split("\n"):
        cjk = len(re.findall(r"[\u3000-\u9fff\uff00-\uffef]", line))
        other = len(line.strip()) - cjk
        if line.strip():
            lines += max(1.0, cjk / 18 + other / 40)
    return lines + 3 * formulas


def _check_length(note: Note, rendered: RenderedNote, report: Report) -> None:
    """An answer longer than two phone screens, or a front longer than a glance, is worth a warning."""
    where = note.location
    back = rendered.fields.get("Back") or rendered.fields.get("Text") or ""
    screens = _screen_lines(back) / _SCREEN_LINES
    if screens > 2:
        report.warning(
            where.path,
            where.line,
            where.col,
            "answer-too-long",
            f"the answer fills about {screens:.1f} phone screens; split the note or shorten it",
        )
    if note.front is None:
        return
    shown = re.sub(r"\\\(.*?\\\)", "xxxx", _TAGS.sub("", str(_fragment_text(note))), flags=re.S)
    if len(shown.strip()) > _LONG_FRONT:
        report.warning(
            where.path,
            where.line,
            where.col,
            "front-too-long",
            f"the question is {len(shown.strip())} characters long; a card's front should be read at a glance",
        )


_TAGS = re.compile(r"<[^>]+>")


def _fragment_text(note: Note) -> str:
    """The front as a reader sees it, formulas as `\\(…\\)`."""
    parts = []
    for token in note.front.tokens if note.front else []:
        if token.type.startswith("math"):
            parts.append(f"\\({token.content}\\)")
        elif token.children:
            parts.append(Fragment(token.children, True).plain())
        else:
            parts.append(token.content)
    return "".join(parts)


_VISIBLE = re.compile(r"<(?:img|svg|video|audio|hr)\b|\\\(|\\\[", re.IGNORECASE)


def _shows_something(rendered: RenderedNote) -> bool:
    """A card whose back renders to nothing (an answer that was only a missing image) teaches nothing."""
    if rendered.notetype == "cloze":
        return True
    back = rendered.fields.get("Back", "")
    return bool(_VISIBLE.search(back)) or bool(unescape(re.sub(r"<[^>]*>", "", back)).strip())


def render_notes(
    notes: list[Note],
    config: Config,
    display_root: str,
    media: Media,
    report: Report,
    checks: dict[int, BlockResult] | None = None,
) -> list[RenderedNote]:
    """Render `notes` (one file's, or a project's); `checks` maps `id(note)` to its derivation's result."""
    prefix = display_root.rstrip("/") + "/"
    rendered_notes: list[RenderedNote] = []
    for note in notes:
        rel = note.location.path.removeprefix(prefix) if prefix != "./" else note.location.path
        source = f"{rel}:{note.location.line}"
        failed = len(media.failed)
        try:
            rendered = render_note(note, config, media, source, (checks or {}).get(id(note)))
        except Exception as exc:  # a bug costs this note, never the deck
            where = note.location
            failing = template_line(exc, config.cards)
            if failing is not None and failing[0] in config.cards.overridden_origins:
                report.error(
                    failing[0],
                    failing[1],
                    1,
                    "template-error",
                    f"{type(exc).__name__}: {exc}; every note it renders is left out",
                )
            else:
                report.error(where.path, where.line, where.col, "internal-error", internal_error(exc))
            continue
        for src, why in media.failed[failed:]:
            where = note.location
            report.warning(
                where.path, where.line, where.col, "image-missing", f"image '{src}' could not be read ({why}); left out"
            )
        _check_length(note, rendered, report)
        if note.kind is NoteKind.CLOZE and "{{c" not in rendered.fields["Text"]:
            where = note.location
            report.warning(
                where.path, where.line, where.col, "empty-cloze", "cloze has no deletion left after rendering; skipped"
            )
            continue
        if not _shows_something(rendered):
            where = note.location
            report.warning(
                where.path,
                where.line,
                where.col,
                "empty-answer",
                "nothing is left to show on the back (its only content was left out); skipped",
            )
            continue
        rendered_notes.append(rendered)
    return rendered_notes


def render_project(project: Project, report: Report, checks: dict[int, BlockResult] | None = None) -> RenderedDeck:
    deck = RenderedDeck(
        name=deck_component(project.config.deck),
        namespace=project.config.guid_namespace,
        media=Media(max_bytes=project.config.max_image_bytes),
        cards=project.config.cards,
    )
    deck.notes = render_notes(project.notes, project.config, project.display_root, deck.media, report, checks)
    return deck
