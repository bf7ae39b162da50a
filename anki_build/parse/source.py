"""Reading a notes file into clean text: encodings, BOM, line endings, invisible characters.

Old notes exist in GBK, or as UTF-8 with a few stray cp1252 bytes; both are read with a
warning that names what happened, and a file that cannot be read is one error for that file.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ..diagnostics import Report

MAX_FILE_BYTES = 8 * 1024 * 1024
# U+200B/U+FEFF are invisible and break math and headings; Typora pastes them with a tab indent.
_INVISIBLE_INDENT = re.compile(r"^[\u200b\ufeff]+[ \t]*", re.MULTILINE)
_INVISIBLE = re.compile(r"[\u200b\ufeff\u2060]")


def _position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, col


def _utf8_with_stray_bytes(data: bytes) -> tuple[str, int]:
    """Decode UTF-8, reading each invalid byte as cp1252 (the usual culprit, e.g. 0xD7 = ×)."""
    parts: list[str] = []
    bad = 0
    pos = 0
    if data.startswith(b"\xef\xbb\xbf"):
        pos = 3
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


def decode(data: bytes, display: str, report: Report) -> str | None:
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                text = data[2:].decode(codec)
            except UnicodeDecodeError:
                break
            report.warning(
                display, 1, 1, "encoding", f"file is {codec.upper()}; decoded it (save it as UTF-8 to silence this)"
            )
            return text
    if b"\x00" in data[:8192]:
        report.error(display, 1, 1, "binary-file", "file looks binary (NUL bytes); skipped")
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


def clean(text: str) -> str:
    """Normalise line endings and drop invisible characters without moving any line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE_INDENT.sub("", text)
    text = _INVISIBLE.sub("", text)
    return unicodedata.normalize("NFC", text)


def read_source(path: Path, display: str, report: Report) -> str | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            report.error(
                display,
                1,
                1,
                "file-too-large",
                f"file is {size // 1024} KiB; the limit is {MAX_FILE_BYTES // 1024} KiB",
            )
            return None
        data = path.read_bytes()
    except OSError as exc:
        report.error(display, 1, 1, "unreadable", f"cannot read file: {exc.strerror or exc}")
        return None
    text = decode(data, display, report)
    return None if text is None else clean(text)
