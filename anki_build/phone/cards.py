"""Every card of a built deck, as Anki itself renders it (the real backend, in a throwaway collection)."""

from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
    import hashlib
    import json

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


class CardsMemo:
    """Anki's question and answer HTML for each note, one JSON file per note fingerprint under `folder`
    (None: remember nothing), keyed by the Anki version too. An entry that fails to parse or whose key does
    not match is rendered again; deleting the folder is safe."""

    def __init__(self, folder: Path | None, version: str) -> None:
        self.folder, self.version = folder, version
        self.reused = 0

    def _key(self, fingerprint: str) -> str:
        import hashlib

        return hashlib.sha256(f"{MEMO_FORMAT}\x00{self.version}\x00{fingerprint}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.json"

    def get(self, fingerprint: str) -> list[CardSides] | None:
        import contextlib
        import json
        import os

        if self.folder is None:
            return None
        key = self._key(fingerprint)
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if data.get("format") != MEMO_FORMAT or data.get("key") != key:
                return None
            cards = [CardSides(**{name: str(card[name]) for name in _SIDE_FIELDS}) for card in data["cards"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(self._path(key))  # still in use: prune keeps it
        self.reused += 1
        return cards

    def put(self, fingerprint: str, cards: list[CardSides]) -> None:
        import dataclasses
        import json

        from ..files import write_cache

        if self.folder is None or not cards:
            return
        key = self._key(fingerprint)
        data = {"format": MEMO_FORMAT, "key": key, "cards": [dataclasses.asdict(card) for card in cards]}
        write_cache(self._path(key), json.dumps(data, ensure_ascii=False).encode())

    def prune(self, age: float = 30 * 86400) -> None:
        """Notes nobody has rendered for a month go (old versions of edited notes)."""
        from .memo import prune_folder

        prune_folder(self.folder, age)


_SIDE_FIELDS = ("id", "source", "kind", "deck", "question", "answer")


def render_in_anki(
    deck: RenderedDeck, notes: list[RenderedNote], mods: dict[str, int], part: Path
) -> dict[str, list[CardSides]]:
    """The cards of `notes` (from `deck`), rendered by Anki through a package of their own at `part`, by note key."""
    import dataclasses

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
