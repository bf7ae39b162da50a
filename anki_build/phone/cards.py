"""Every card of a built deck, as Anki itself renders it (the real backend, in a throwaway collection)."""

from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass
from pathlib import Path


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
    try:
        import anki.collection  # noqa: F401
    except ImportError:
        raise BackendUnavailable("rendering cards needs the Anki backend: pip install 'anki-build[anki]'") from None


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
