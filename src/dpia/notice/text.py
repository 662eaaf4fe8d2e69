"""Notice text: decoding, HTML to text and whitespace normalisation.

The analysed text is the normalised text itself, so every evidence span is exactly
``text[start:end]`` of what ``prepare`` returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from ..errors import InputError

BOM = b"\xef\xbb\xbf"
MAX_BYTES = 5 * 1024 * 1024  # the longest real notices are well under 1 MB
_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|body|head|p|div|script|h[1-6]|ul|li|table|br)\b", re.IGNORECASE)


@dataclass(frozen=True)
class NoticeText:
    text: str  # the analysed text: decoded, HTML converted, whitespace normalised
    encoding: str  # utf-8, utf-8-sig or cp1252
    source: str
    was_html: bool = False


def decode(raw: bytes, source: str = "-") -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM), falling back to cp1252; refuse binary data."""
    if len(raw) > MAX_BYTES:
        raise InputError(f"{source}: {len(raw) // (1024 * 1024)} MB is too large for a privacy notice "
                         f"(limit {MAX_BYTES // (1024 * 1024)} MB); give the notice text alone")
    sample = raw[:8192]
    controls = sum(b < 9 or 13 < b < 32 for b in sample)
    if b"\x00" in sample or controls > len(sample) // 50:
        raise InputError(f"{source}: this is a binary file, not a text notice; save the notice as .txt, .md or .html")
    if raw.startswith(BOM):
        return raw[len(BOM):].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


class _TextExtractor(HTMLParser):
    BLOCK = {"p", "div", "br", "tr", "section", "article", "header", "footer", "ul", "ol", "table", "hr",
             "title", "main", "nav", "aside", "address", "blockquote", "dl", "dt", "dd", "pre", "form", "li",
             "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "caption", "figcaption"}
    SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "object", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n• " if tag == "li" else "\n\n")

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def looks_like_html(raw_head: bytes) -> bool:
    return len(_HTML_SNIFF.findall(raw_head)) >= 2


# Every Unicode space but the newline reads as a plain space.
_SPACE_CHARS = "\t\v\f\x1c\x1d\x1e\x1f\x85\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200b)))
_REPLACE = [("\r\n", "\n"), ("\r", "\n"), ("\u2028", "\n"), ("\u2029", "\n")] + [(c, " ") for c in _SPACE_CHARS]
# Removed: characters with no text in them. Zero-width ones (U+200B-U+200D, U+2060, U+FEFF) and soft hyphens
# would hide "8\u2060 years" or "6(1)(\u200de)" from the rules; direction marks and overrides reorder what a reader
# sees; control characters (escape sequences among them) could retitle or clear a terminal the text is printed to.
_INVISIBLE_CHAR = ("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                   "\u2066-\u2069\ufeff]")
# "[...][...]*", not "[...]+": re skips ahead to a character of a class that starts a pattern, where it
# would try a match at every position of the text before a repeat (a quarter of the time, same result).
_INVISIBLE = re.compile(_INVISIBLE_CHAR + _INVISIBLE_CHAR + "*")
# Any character normalise changes or removes: one pass finds which of them the text holds.
_CHANGED = re.compile(_INVISIBLE_CHAR[:-1] + "".join(re.escape(c) for c in "\r\u2028\u2029" + _SPACE_CHARS) + "]")
_RUNS = re.compile(r"  +")
_BLANKS = re.compile(r"\n\n\n+")


def normalise(text: str) -> str:
    """Unix newlines, single spaces, no trailing spaces, at most one blank line in a row, nothing invisible.

    Evidence offsets index this text, so removing characters here keeps every span exact.
    """
    present = "".join(set(_CHANGED.findall(text)))  # most of these are never there
    if present:
        if _INVISIBLE.search(present):
            text = _INVISIBLE.sub("", text)
        for char, replacement in _REPLACE:
            if char[0] in present:
                text = text.replace(char, replacement)
    text = _RUNS.sub(" ", text)
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    return _BLANKS.sub("\n\n", text).strip()


def prepare(raw: bytes, source: str = "-", *, html: bool | None = None) -> NoticeText:
    """Bytes of a .txt, .md or .html notice -> the text the analyser reads."""
    if not raw.strip():
        raise InputError(f"{source}: the notice is empty; give the text of a privacy notice")
    text, encoding = decode(raw, source)
    is_html = looks_like_html(raw[:4096]) if html is None else html
    if is_html:
        text = html_to_text(text)
    text = normalise(text)
    if not text:
        raise InputError(f"{source}: the notice has no text once markup is removed")
    return NoticeText(text, encoding, source, is_html)


def read_notice(path: Path) -> NoticeText:
    """A notice file, or standard input for ``-``: never more than MAX_BYTES + 1 bytes read, only a regular file opened."""
    return read_notice_bytes(path)[1]


def read_notice_bytes(path: Path) -> tuple[bytes, NoticeText]:
    """The bytes read (to keep a copy of the notice) and the text they give."""
    from ..files import read_bytes, read_stream

    if str(path) == "-":
        import sys

        raw = read_stream(sys.stdin.buffer, MAX_BYTES, "privacy notice", "standard input")
        return raw, prepare(raw, "-")
    suffix = path.suffix.lower()
    raw = read_bytes(path, MAX_BYTES, "notice file")
    return raw, prepare(raw, path.name, html=True if suffix in (".html", ".htm") else None)
