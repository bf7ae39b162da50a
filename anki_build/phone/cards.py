"""Every card of a built deck, as Anki itself renders it (the real backend, in a throwaway collection)."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import JsonMemo

if TYPE_CHECKING:
    from ..render import RenderedDeck, RenderedNote


class BackendUnavailable(RuntimeError):
    pass


@dataclass
class CardSides:
    id: str  # "<note key>/<card ordinal>"
    source: str  # "rel/path.md:line" from the note's Source field
    kind: str
    deck: str
    question: str
    answer: str


@dataclass
class RenderedCards:
    cards: list[CardSides]
    media: Path  # the throwaway collection's media folder (kept until `close`)
    _tmp: tempfile.TemporaryDirectory[str]

    def close(self) -> None:
        self._tmp.cleanup()


def require_backend() -> None:
    """Fail early, without loading the backend (a re-check may never need it)."""
    from importlib.util import find_spec

    if find_spec("anki") is None:
        raise BackendUnavailable("rendering cards needs the Anki backend: pip install 'anki-build[anki]'")


def cards_of(apkg: Path) -> RenderedCards:
    """Import `apkg` into a fresh collection and read each card's question and answer HTML."""
    try:
        from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
    except ImportError:
        raise BackendUnavailable("rendering cards needs the Anki backend: pip install 'anki-build[anki]'") from None
    tmp = tempfile.TemporaryDirectory(prefix="anki-build-render-")
    col = Collection(str(Path(tmp.name) / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions()))
        cards = []
        for cid in sorted(col.find_cards("")):
            card = col.get_card(cid)
            note = card.note()
            cards.append(
                CardSides(
                    id=f"{note['Key']}/{card.ord + 1}",
                    source=html.unescape(note["Source"]),
                    kind=note["Kind"],
                    deck=col.decks.name(card.did),
                    question=card.question(),
                    answer=card.answer(),
                )
            )
        media = Path(col.media.dir())
    finally:
        col.close()
    return RenderedCards(cards=cards, media=media, _tmp=tmp)


def note_fingerprint(fields: dict[str, str], notetype: str, deck: str, cards: str) -> str:
    """What Anki's rendering of a note depends on: its fields, note type and deck, and the card files
    (`cards`, their fingerprint); not its GUID or times, which a scratch build may vary."""
    parts = [cards, notetype, deck, json.dumps(fields, sort_keys=True, ensure_ascii=False)]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


MEMO_FORMAT = 1


def renderer_version() -> str:
    """What Anki's rendering of a note depends on besides the note: the backend's version, and anki-build's
    own code (which assembles the note types and the package)."""
    from importlib.metadata import PackageNotFoundError, version

    from ..incremental import code_version

    try:
        backend = version("anki")
    except PackageNotFoundError:
        backend = "unknown"
    return f"{backend}\x00{code_version()}"


class CardsMemo(JsonMemo):
    """Anki's question and answer HTML for each note, one JSON file per note fingerprint, keyed by the
    renderer's version too (`renderer_version`)."""

    format = MEMO_FORMAT

    def __init__(self, folder: Path | None, version: str) -> None:
        super().__init__(folder)
        self.version = version

    def _key(self, fingerprint: str) -> str:
        return hashlib.sha256(f"{self.version}\x00{fingerprint}".encode()).hexdigest()

    def get(self, fingerprint: str) -> list[CardSides] | None:
        key = self._key(fingerprint)
        data = self.read(key)
        if data is None:
            return None
        try:
            cards = [CardSides(**{name: str(card[name]) for name in _SIDE_FIELDS}) for card in data["cards"]]  # type: ignore[attr-defined]
        except (KeyError, TypeError, AttributeError):
            return None
        self.hit(key)
        return cards

    def put(self, fingerprint: str, cards: list[CardSides]) -> None:
        if cards:
            self.write(self._key(fingerprint), {"cards": [dataclasses.asdict(card) for card in cards]})


_SIDE_FIELDS = ("id", "source", "kind", "deck", "question", "answer")


def render_in_anki(
    deck: RenderedDeck, notes: list[RenderedNote], mods: dict[str, int], part: Path
) -> dict[str, list[CardSides]]:
    """The cards of `notes` (from `deck`), rendered by Anki through a package of their own at `part`, by note key."""
    from ..package import write_package
    from ..render.html import Media

    write_package(dataclasses.replace(deck, notes=notes, media=Media()), part, mods)
    rendered = cards_of(part)
    try:
        by_key: dict[str, list[CardSides]] = {}
        for card in rendered.cards:
            by_key.setdefault(card.id.rsplit("/", 1)[0], []).append(card)
    finally:
        rendered.close()
    return by_key


def deck_cards(
    deck: RenderedDeck, mods: dict[str, int], scratch: Path, memo: CardsMemo
) -> tuple[list[CardSides], Path, int]:
    """Every card of `deck` as Anki renders it, in note order, a folder holding the deck's media, and how
    many notes went through Anki this time.

    Notes whose rendering the memo holds are not imported again: only the others go, in a package of
    their own, through a scratch collection (importing a whole book takes most of a re-check)."""
    media = scratch / "media"
    media.mkdir(parents=True, exist_ok=True)
    for name, data in deck.media.files.items():
        (media / name).write_bytes(data)
    prints = [note_fingerprint(n.fields, n.notetype, n.deck, deck.cards.fingerprint) for n in deck.notes]
    known = {fp: memo.get(fp) for fp in dict.fromkeys(prints)}
    missing = {fp: note for note, fp in zip(deck.notes, prints, strict=True) if known[fp] is None}
    if missing:
        by_key = render_in_anki(deck, list(missing.values()), mods, scratch / "changed.apkg")
        for fp, note in missing.items():
            known[fp] = by_key.get(note.fields["Key"], [])
            memo.put(fp, known[fp])
    return [card for fp in prints for card in known[fp] or []], media, len(missing)
