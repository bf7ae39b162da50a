"""The card files of a build: the packaged `cards/`, overridden file by file by the project's own `cards/`.

Two kinds of template live there. The Jinja2 field templates (`fields/*.html.j2`) turn a note into the
HTML of its fields at build time; the Anki templates (`basic/`, `cloze/`) and `style.css` become the note
types Anki shows the fields with. A project file that does not compile is an error at its path:line and
the packaged file stands in for it, so one typo never costs the whole deck.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import (
    BaseLoader,
    Environment,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..files import read_regular, why_unreadable
from ..notetypes import BASIC_FIELDS, CLOZE_FIELDS, TEMPLATE_FILES, CardFiles, packaged_cards

if TYPE_CHECKING:
    from ..diagnostics import Report

PROJECT_FOLDER = "cards"
MAX_TEMPLATE_BYTES = 256 * 1024
KINDS = ("concept", "formula", "qa", "cloze", "derivation")
MACROS = {
    **{f"fields/{kind}.html.j2": ("front", "back") for kind in KINDS if kind != "cloze"},
    "fields/cloze.html.j2": ("back",),
    "fields/derivation.html.j2": ("front", "back", "extra"),
    "fields/context.html.j2": ("context",),
}
_TEMPLATE_LIKE = {".html", ".htm", ".j2", ".jinja", ".jinja2", ".css", ".js", ".mustache"}
ANKI_SPECIAL = {"FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag", "CardID"}
_ANKI_TAG = re.compile(r"\{\{(?!\s*[!=])\s*([#^/]?)\s*([^{}]*?)\s*\}\}")


class _Loader(BaseLoader):
    """Serves the build's card files; a template's file name is its shown path, so an error names it."""

    def __init__(self, cards: CardFiles) -> None:
        self.cards = cards

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        if template not in self.cards.texts:
            raise TemplateNotFound(template)
        return self.cards.texts[template], self.cards.origins[template], lambda: True


def _environment(cards: CardFiles) -> Environment:
    """Sandboxed: a notes project from a stranger may bring its own templates, and they must not run code."""
    return ImmutableSandboxedEnvironment(
        loader=_Loader(cards), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )


@lru_cache(maxsize=8)
def _compiled(cards: CardFiles) -> dict[str, Template]:
    env = _environment(cards)
    return {name: env.get_template(f"fields/{name}.html.j2") for name in (*KINDS, "context")}


@lru_cache(maxsize=8)
def field_templates(cards: CardFiles | None = None) -> dict[str, Any]:
    """Each note kind's template module (its macros), and `context`; compiled once per set of card files."""
    return {name: template.module for name, template in _compiled(cards or packaged_cards()).items()}


def template_line(exc: BaseException, cards: CardFiles) -> tuple[str, int] | None:
    """The card file and line a template error happened at (Jinja2 keeps a map from its code to the lines)."""
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return exc.filename, exc.lineno or 1
    return _line_in(list(_compiled(cards).values()), exc)


def _line_in(templates: list[Template], exc: BaseException) -> tuple[str, int] | None:
    by_name = {template.filename: template for template in templates}
    tb = exc.__traceback__
    found = None
    while tb is not None:
        template = by_name.get(tb.tb_frame.f_code.co_filename)
        if template is not None:
            found = template.filename or "", template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return found


def load_cards(root: Path, display_root: str, report: Report) -> CardFiles:
    """The packaged card files with the project's `cards/` laid over them; problems become diagnostics."""
    cards = packaged_cards()
    folder = root / PROJECT_FOLDER
    if not folder.is_dir():
        return cards
    resolved_root = root.resolve()
    prefix = "" if display_root.rstrip("/") in ("", ".") else display_root.rstrip("/") + "/"
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        shown = f"{prefix}{PROJECT_FOLDER}/{rel}"
        if any(part.startswith(".") for part in path.relative_to(folder).parts) or path.is_dir():
            continue
        if rel not in TEMPLATE_FILES:
            hint = difflib.get_close_matches(rel, TEMPLATE_FILES, n=1, cutoff=0.8)
            if path.suffix.lower() in _TEMPLATE_LIKE or hint:
                report.warning(
                    shown,
                    1,
                    1,
                    "unknown-template",
                    "anki-build does not use this card file"
                    + (f" (did you mean {PROJECT_FOLDER}/{hint[0]}?)" if hint else "")
                    + "; the files it reads are listed by `anki-build init-templates --list`",
                )
            continue
        if not path.resolve().is_relative_to(resolved_root):
            report.error(shown, 1, 1, "template-error", "a symlink to a file outside the notes folder; not read")
            continue
        try:
            text = read_regular(path, MAX_TEMPLATE_BYTES).decode("utf-8-sig")
        except OSError as exc:
            report.error(shown, 1, 1, "template-error", f"cannot read this card file: {why_unreadable(exc)}")
            continue
        except UnicodeDecodeError as exc:
            report.error(shown, 1, 1, "template-error", f"card file is not UTF-8 ({exc.reason})")
            continue
        trial = cards.replaced(rel, text.replace("\r\n", "\n"), shown)
        if _usable(rel, trial.texts[rel], shown, trial, report):
            cards = trial
    return cards


def _usable(name: str, text: str, shown: str, trial: CardFiles, report: Report) -> bool:
    """Whether a project's card file can stand in for the packaged one; if not, an error says why."""
    if name.endswith(".j2"):
        return _usable_jinja(name, shown, trial, report)
    if name.endswith(".html"):
        return _usable_anki(name, text, shown, report)
    return True


def _usable_jinja(name: str, shown: str, trial: CardFiles, report: Report) -> bool:
    try:
        template = _environment(trial).get_template(name)
    except TemplateSyntaxError as exc:
        report.error(shown, exc.lineno or 1, 1, "template-error", f"{exc.message}")
        return False
    except TemplateError as exc:
        report.error(shown, 1, 1, "template-error", f"{exc.message or exc}")
        return False
    try:
        module = template.module
    except Exception as exc:  # the template's top level ran and failed: its fault, not the build's
        where = _line_in([template], exc)
        line = where[1] if where else 1
        report.error(shown, line, 1, "template-error", f"{type(exc).__name__}: {exc}")
        return False
    missing = [macro for macro in MACROS[name] if not callable(getattr(module, macro, None))]
    if missing:
        wanted = ", ".join(f"{{% macro {m}(n) %}}" for m in missing)
        report.error(shown, 1, 1, "template-error", f"must define {wanted}")
        return False
    return True


def _usable_anki(name: str, text: str, shown: str, report: Report) -> bool:
    """Anki shows an error on every card for an unknown field, and makes no card from a front without one."""
    fields = CLOZE_FIELDS if name.startswith("cloze/") else BASIC_FIELDS
    usable = True
    seen: set[str] = set()
    reported: set[str] = set()
    for match in _ANKI_TAG.finditer(text):
        field = match[2].split(":")[-1].strip()
        if match[2].startswith("tts ") or not field:
            continue
        seen.add(field)
        if field not in fields and field not in ANKI_SPECIAL and field not in reported:
            reported.add(field)
            line = text.count("\n", 0, match.start()) + 1
            col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            hint = difflib.get_close_matches(field, [*fields, *sorted(ANKI_SPECIAL)], n=1)
            report.error(
                shown,
                line,
                col,
                "template-unknown-field",
                f"the note type has no field '{field}'"
                + (f" (did you mean '{hint[0]}'?)" if hint else "")
                + f"; its fields are {', '.join(fields)} (a template cannot add fields)",
            )
            usable = False
    if name == "cloze/front.html" and not re.search(r"\{\{\s*cloze:\s*Text\s*\}\}", text):
        report.error(shown, 1, 1, "template-error", "a cloze front must show {{cloze:Text}}")
        usable = False
    elif name == "basic/front.html" and usable and not seen & set(fields):
        report.error(
            shown,
            1,
            1,
            "template-error",
            "the front shows no field, so Anki would make no card",
        )
        usable = False
    return usable
