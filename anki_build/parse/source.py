"""Reading a notes file into clean text: encodings, BOM, line endings, invisible and control characters.

Old notes exist in GBK, UTF-16, or as UTF-8 with a few stray cp1252 bytes; each is read with a
warning that names what happened, and a file that cannot be read is one error for that file.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ..diagnostics import Report
from ..files import TooLarge, read_regular, why_unreadable

MAX_FILE_BYTES = 8 * 1024 * 1024
# U+200B/U+FEFF are invisible and break math and headings; Typora pastes them with a tab indent.
_INVISIBLE_INDENT = re.compile(r"^[\u200b\ufeff]+[ \t]*", re.MULTILINE)
_INVISIBLE = re.compile(r"[\u200b\ufeff\u2060]")
# C0 controls but tab and newline, DEL, C1 controls, non-characters; `\x1f` is Anki's field separator.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, col


def _position_in_text(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _utf8_with_stray_bytes(data: bytes) -> tuple[str, int]:
    """Decode UTF-8, reading each invalid byte as cp1252 (the usual culprit, e.g. 0xD7 = ×)."""
    parts: list[str] = []
    bad = 0
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while pos < len(data):
        try:
            parts.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            parts.append(data[pos : pos + exc.start].decode("utf-8"))
            byte = data[pos + exc.start : pos + exc.start + 1]
            parts.append(byte.decode("cp1252", errors="replace"))
            bad += 1
            pos += exc.start + 1
    return "".join(parts), bad


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a BOM (some Windows editors): NULs in every other byte, and text once decoded."""
    if len(data) < 8:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    codec = "utf-16-le" if odd > 20 * even else "utf-16-be" if even > 20 * odd else None
    if codec is None or max(even, odd) < 0.05 * (len(data) // 2):
        return None
    text = data[: len(data) - len(data) % 2].decode(codec, errors="replace")
    readable = sum(1 for ch in text if ch.isprintable() or ch in "\t\n\r")
    return codec if readable >= 0.98 * len(text) else None


def _text_with_stray_nuls(data: bytes) -> bool:
    """Text with a few NULs pasted in (the control-character warning removes them), not a binary file.

    Binary files are almost never valid UTF-8; one that is (all NULs, say) is full of control characters,
    which text never is: more than one character in ten makes it binary.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return len(CONTROL.findall(text)) <= len(text) // 10


def _decode_wide(data: bytes, codec: str, skip: int, display: str, report: Report) -> str:
    payload = data[skip:]
    text = payload.decode(codec, errors="replace")
    problem = ""
    if len(payload) % (4 if "32" in codec else 2):
        problem = "; it ends in the middle of a character, which shows as �"
    elif "\ufffd" in text:
        line, col = _position_in_text(text, text.index("\ufffd"))
        problem = f"; bytes at line {line}, column {col} (and maybe more) are not valid {codec.upper()} and show as �"
    report.warning(
        display, 1, 1, "encoding", f"file is {codec.upper()}; decoded it{problem} (save it as UTF-8 to silence this)"
    )
    return text


def decode(data: bytes, display: str, report: Report) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode_wide(data, codec, len(bom), display, report)
    if b"\x00" in data:
        codec = _utf16_without_bom(data)
        if codec is not None:
            return _decode_wide(data, codec, 0, display, report)
        if not _text_with_stray_nuls(data):
            line, col = _position_of_byte(data, data.index(b"\x00"))
            report.error(display, line, col, "binary-file", "file looks binary (it has a NUL byte here); skipped")
            return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    line, col = _position_of_byte(data, first_bad)
    text, bad = _utf8_with_stray_bytes(data)
    non_ascii = len(re.findall(rb"[\x80-\xff]", data))
    if non_ascii - bad > 20 * bad:
        # Overwhelmingly UTF-8 with a few stray bytes: keep the UTF-8 reading, say where.
        report.warning(
            display,
            line,
            col,
            "encoding",
            f"{bad} byte(s) are not valid UTF-8 and were read as cp1252; the rest is UTF-8",
        )
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        report.error(display, line, col, "encoding", "cannot decode the file: not UTF-8 and no other encoding fits")
        return None
    report.warning(
        display,
        1,
        1,
        "encoding",
        f"file is not UTF-8; decoded as {best.encoding} (save it as UTF-8 to silence this)",
    )
    return str(best)


def clean(text: str, display: str, report: Report) -> str:
    """Normalise line endings, drop invisible and control characters, without moving any line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE_INDENT.sub("", text)
    text = _INVISIBLE.sub("", text)
    found = CONTROL.search(text)
    if found:
        line, col = _position_in_text(text, found.start())
        count = len(CONTROL.findall(text))
        report.warning(
            display,
            line,
            col,
            "control-character",
            f"{count} control character(s) removed (first U+{ord(found[0]):04X} here); "
            "Anki cannot store them in a note",
        )
        text = CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


def read_source(path: Path, display: str, report: Report, limit: int = MAX_FILE_BYTES) -> str | None:
    try:
        data = read_regular(path, limit)
    except OSError as exc:
        code = "file-too-large" if isinstance(exc, TooLarge) else "unreadable"
        report.error(display, 1, 1, code, f"cannot read this file: {why_unreadable(exc)}; skipped")
        return None
    text = decode(data, display, report)
    return None if text is None else clean(text, display, report)


# Each alternative stops at the next character that could open another, so the scan stays linear.
_NOT_PROSE = re.compile(r"\$\$[^$]*\$\$|\$[^$\n]*\$|`[^`\n]*`|https?://\S+|<[^<>\n]*>|\\[A-Za-z]+")
_FENCE = re.compile(r"^\s*(?:```|~~~)", re.M)


def detect_language(text: str) -> str:
    """`zh` when the prose (code, math and URLs aside) has a fair share of CJK characters, else `en`.

    On the 48 labelled corpus files, Chinese notes have ≥ 0.29 CJK characters per Latin letter (English
    terms and all) and English ones ≤ 0.08; the threshold sits between.
    """
    parts = _FENCE.split(text)
    prose = _NOT_PROSE.sub(" ", " ".join(parts[0::2]))  # outside code fences
    cjk = len(re.findall(r"[\u4e00-\u9fff]", prose))
    latin = len(re.findall(r"[A-Za-z]", prose))
    return "zh" if cjk >= max(5, 0.15 * latin) else "en"
