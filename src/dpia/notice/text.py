"""Notice text: decoding, HTML to text, and the sentence and section structure, with offsets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class NoticeText:
    text: str
    encoding: str  # utf-8, utf-8-sig or cp1252
    source: str


def decode(raw: bytes, source: str = "-") -> NoticeText:
    """Decode UTF-8 (with or without BOM), falling back to cp1252; refuse binary data."""
    if not raw.strip():
        raise InputError(f"{source}: the notice is empty; give the text of a privacy notice")
    sample = raw[:4096]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) // 20:
        raise InputError(f"{source}: this is a binary file, not a text notice; save the notice as .txt, .md or .html")
    if raw.startswith(BOM):
        return NoticeText(raw[len(BOM):].decode("utf-8", errors="replace"), "utf-8-sig", source)
    try:
        return NoticeText(raw.decode("utf-8"), "utf-8", source)
    except UnicodeDecodeError:
        return NoticeText(raw.decode("cp1252", errors="replace"), "cp1252", source)


def read_notice(path: Path) -> NoticeText:
    if not path.is_file():
        raise InputError(f"{path}: no such notice file")
    return decode(path.read_bytes(), path.name)
