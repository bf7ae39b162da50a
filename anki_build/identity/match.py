"""Which earlier note a note of this build is: renames, notes that share a key, and cloze ordinals.

All three follow content, never position, so reordering a file, adding a same-named note earlier
or removing one highlight cannot hand one note's review history to another.
"""

from __future__ import annotations

import difflib
import html
import re
from collections import Counter
from collections.abc import Iterable

from ..render import RenderedNote
from .lock import LockEntry

_TEXT_LIMIT = 240
_MAX_POSTINGS = 1000  # a token in more old keys than this says nothing about which one a note was
_MAX_CANDIDATES = 30  # old notes compared (with difflib) per new note, the most alike first
_MAX_GROUP = 50  # notes sharing one key compared pairwise at most; beyond that, exact content only


def plain(fragment: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"\s+", " ", text).strip()


def front_back(note: RenderedNote) -> tuple[str, str]:
    if note.notetype == "cloze":
        text = plain(note.fields["Text"])
        return text[:_TEXT_LIMIT], text[:_TEXT_LIMIT]
    return plain(note.fields["Front"])[:_TEXT_LIMIT], plain(note.fields["Back"])[:_TEXT_LIMIT]


def similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() if a or b else 1.0


def term_of(key: str) -> str:
    """What the key names, without its kind and numbering: `concept:过拟合 #2` → `过拟合`."""
    text = key.split(":", 1)[1] if ":" in key else key
    return re.sub(r" #\d+$", "", text)


def _tokens(text: str) -> set[str]:
    """What two terms must share to be alike at all: CJK characters, and words or 3-grams of other text."""
    found = {ch for ch in text if ord(ch) >= 0x2E80}
    for word in re.findall(r"[^\W_]+", text.casefold()):
        if ord(word[0]) >= 0x2E80:
            continue
        found.update([word] if len(word) < 3 else (word[i : i + 3] for i in range(len(word) - 2)))
    return found


_MIN_SAME_BACK = 12  # a definition this long, word for word, names one concept whatever the term is called


def _bare(text: str) -> str:
    """A definition without spacing and punctuation: what must be identical for a renamed term to keep its note."""
    return re.sub(r"[\W_]+", "", text.casefold())


def family(kind: str) -> str:
    """Kinds a note may change between and stay the same note: a term's card rephrased as a question."""
    return "prompt" if kind in ("concept", "qa") else kind


def _frame(cloze_text: str) -> str:
    """A cloze's sentence without what it deletes: the same frame with other deletions is the same note."""
    return _bare(CLOZE_DELETION.sub("", cloze_text))


_SIGNS = re.compile(r"\d+|[A-Za-z]+")
_SHORT_TERM = 24
_CJK = re.compile(r"[\u3400-\u9fff]")


def same_thing(new_term: str, old_term: str, back_similarity: float, *, cloze: bool = False) -> bool:
    """Is a note with `new_term` the earlier note with `old_term`, edited?

    Terms are compared without the card's prompt ("什么是 …"). A changed number or Latin word
    (`L2 正则化` → `L1 正则化`) or a changed character of a short Chinese term (`过拟合` → `欠拟合`)
    makes a different term, unless the definition is nearly the same (then it was a typo).
    """
    f = similar(new_term, old_term)
    if f < 0.5:
        return False
    short = len(old_term) <= _SHORT_TERM and not cloze  # a name, not a sentence (a cloze's key is its sentence)
    signs_changed = Counter(_SIGNS.findall(new_term.casefold())) != Counter(_SIGNS.findall(old_term.casefold()))
    short_cjk = len(_CJK.findall(old_term)) <= 8 and set(_CJK.findall(new_term)) != set(_CJK.findall(old_term))
    if short and (signs_changed or short_cjk):
        return back_similarity >= 0.9
    return (f >= 0.8 and back_similarity >= 0.5) or back_similarity >= 0.9


def rename_pairs(new: list[RenderedNote], gone: dict[str, LockEntry]) -> dict[str, str]:
    """New key → old key, for notes that are edits of a note that disappeared (or was removed earlier).

    Only old notes sharing something with a new note's term are compared, the most alike first, so
    a large reorganisation (or a lock with a million entries) costs time linear in the notes.
    """
    if not new or not gone:
        return {}
    index: dict[tuple[str, str], list[str]] = {}
    by_back: dict[tuple[str, str], list[str]] = {}
    for old_key, entry in gone.items():
        for token in _tokens(term_of(old_key)):
            index.setdefault((family(entry.kind), token), []).append(old_key)
        same = _frame(entry.back) if entry.kind == "cloze" else _bare(entry.back)
        if len(same) >= _MIN_SAME_BACK:
            by_back.setdefault((family(entry.kind), same), []).append(old_key)
    candidates: list[tuple[float, str, str]] = []
    for note in new:
        _, back = front_back(note)
        term = term_of(note.key)
        shared: Counter[str] = Counter()
        for token in _tokens(term):
            postings = index.get((family(note.kind.value), token), [])
            if len(postings) <= _MAX_POSTINGS:
                shared.update(postings)
        for old_key, _ in shared.most_common(_MAX_CANDIDATES):
            b = similar(back, gone[old_key].back)
            if same_thing(term, term_of(old_key), b, cloze=note.notetype == "cloze"):
                candidates.append((similar(term, term_of(old_key)) + b, note.key, old_key))
        same = _frame(back) if note.notetype == "cloze" else _bare(back)
        same_back = by_back.get((family(note.kind.value), same), [])
        if len(same_back) == 1:  # a new name for the same definition, or
            candidates.append((1.0, note.key, same_back[0]))  # the same sentence with other deletions
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for _, new_key, old_key in sorted(candidates, reverse=True):
        if new_key not in pairs and old_key not in taken:
            pairs[new_key] = old_key
            taken.add(old_key)
    return pairs


def assign_keys(
    notes: list[RenderedNote],
    old: dict[str, LockEntry],
    content: dict[int, str],
    used: set[str],
    *,
    live: set[str] | None = None,
    blocked: frozenset[str] = frozenset(),
) -> dict[int, str]:
    """For notes that share a root (`#2` duplicates, several formulas under one label), which key each one keeps.

    `content` maps id(note) → its content hash; `used` holds every key the lock knows; `live` the keys of
    the last build (default: all of `old`); `blocked` keys of notes that are still away (a paused file).
    A note keeps the key of the earlier note whose content it has (exactly; then most alike, and nearly
    the same for a deleted note), else its own position's key if a note of the last build had it and no
    other note took it, else a new `#n` key that no note ever had. Returns id(note) → key.
    """
    live = set(old) if live is None else live
    groups: dict[str, list[RenderedNote]] = {}
    for note in notes:
        groups.setdefault(note.root or note.key, []).append(note)
    roots_now = {note.key: note.root for note in notes if note.root}
    old_groups: dict[str, list[str]] = {}
    for key, entry in old.items():  # a lock without roots (version 1, recovered): as the note with that key has it
        if key in blocked:
            continue
        root = entry.root or roots_now.get(key) or re.sub(r" #\d+$", "", key)
        old_groups.setdefault(root, []).append(key)
    result: dict[int, str] = {}
    taken_keys = {note.key for note in notes}
    for root, members in groups.items():
        previous = old_groups.get(root, [])
        only = members[0].key
        if len(members) == 1 and (not previous or (previous == [only] and only in live)) and only not in blocked:
            result[id(members[0])] = members[0].key
            continue
        chosen: dict[int, str] = {}
        free = set(previous)
        for note in members:  # the same content as before
            same = [k for k in previous if k in free and old[k].hash == content[id(note)]]
            if same:
                pick = note.key if note.key in same else same[0]
                chosen[id(note)] = pick
                free.discard(pick)
        for pool, least in ((live, 0.5), (free - live, 0.9)):  # edited: the most alike note of the last build,
            rest = [n for n in members if id(n) not in chosen]  # then a deleted one written again, nearly the same
            keys = [k for k in free if k in pool]
            if not rest or not keys or len(members) > _MAX_GROUP:
                continue
            scored = []
            for note in rest:
                _, back = front_back(note)
                for key in keys:
                    scored.append((similar(back, old[key].back), note.key == key, id(note), key))
            for score, _, nid, key in sorted(scored, reverse=True):
                if score >= least and nid not in chosen and key in free:
                    chosen[nid] = key
                    free.discard(key)
        claimed = set(chosen.values())
        for note in members:
            if id(note) in chosen:
                continue
            if (note.key in free and note.key in live) or (note.key not in claimed and note.key not in used):
                chosen[id(note)] = note.key  # its own place: an edit of the note there, or a new key
                free.discard(note.key)
                claimed.add(note.key)
                continue
            n = 2
            while f"{root} #{n}" in claimed or f"{root} #{n}" in used or f"{root} #{n}" in taken_keys:
                n += 1
            chosen[id(note)] = f"{root} #{n}"
            claimed.add(chosen[id(note)])
        result.update(chosen)
    return result


CLOZE_DELETION = re.compile(r"\{\{c(\d+)::(.*?)\}\}", re.S)


def remap_clozes(text: str, auto_from: int, known: dict[str, int]) -> tuple[str, dict[str, int]]:
    """Give each `==…==` deletion (ordinals ≥ `auto_from`) the card ordinal it had before, by its text.

    `known` maps deletion text → ordinal: positive for the deletions of the last build, negative for ones
    removed earlier (their ordinals stay reserved). A deletion keeps its ordinal when its text is the same,
    or nearly the same as one of the last build's; a removed deletion written again gets its card back; any
    other deletion takes an ordinal no deletion of this note ever had, so an old card's reviews never move
    to a different question. Returns the text and the updated map.
    """
    if not auto_from:
        return text, dict(known)
    deletions = [(int(m[1]), plain(m[2])) for m in CLOZE_DELETION.finditer(text) if int(m[1]) >= auto_from]
    if not deletions:
        return text, dict(known)
    mapping: dict[int, int] = {}
    taken: set[int] = set()
    for number, body in deletions:  # exactly the same text
        if body in known and abs(known[body]) not in taken:
            mapping[number] = abs(known[body])
            taken.add(mapping[number])
    last_build = {body: o for body, o in known.items() if o > 0 and o not in taken}
    for number, body in deletions:  # a small edit of one of the last build's deletions keeps its card
        if number in mapping:
            continue
        best = max(((similar(body, old), old) for old in last_build if last_build[old] not in taken), default=None)
        if best and best[0] >= 0.8:
            mapping[number] = last_build.pop(best[1])
            taken.add(mapping[number])
    ceiling = max([auto_from - 1, *(abs(o) for o in known.values()), *mapping.values()])
    for number, _ in deletions:
        if number not in mapping:
            ceiling += 1
            mapping[number] = ceiling

    def renumber(match: re.Match[str]) -> str:
        number = int(match[1])
        return f"{{{{c{mapping.get(number, number)}::{match[2]}}}}}" if number >= auto_from else match[0]

    now = {mapping[number] for number, _ in deletions}
    updated = {body: -abs(o) for body, o in known.items() if abs(o) not in now}
    for number, body in deletions:
        updated[body] = mapping[number]
    return CLOZE_DELETION.sub(renumber, text), updated


def unused_guid(make: Iterable[str], taken: set[str]) -> str:
    """The first candidate GUID that no note of the lock has (a renamed note keeps its old key's GUID)."""
    for guid in make:
        if guid not in taken:
            return guid
    raise AssertionError("unreachable: the candidates never end")
