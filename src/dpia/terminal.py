"""Text bound for a terminal, made harmless: text from a notice or an audit file (or a file name) may
hold escape sequences that would retitle the window, clear the screen or write the clipboard."""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), and the bidi overrides
# and isolates that make a terminal show text in another order than it is.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # json.dumps already escapes C0
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _shown(match: re.Match) -> str:
    char = match.group()
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def clean(text: str, *, colour: bool = False) -> str:
    """Every control character shown as an escape (\\x1b) rather than obeyed; with ``colour``, SGR colour codes kept."""
    if not colour:
        return _UNSAFE.sub(_shown, text)
    kept = _COLOUR.split(text)
    codes = _COLOUR.findall(text)
    out = [_UNSAFE.sub(_shown, kept[0])]
    for code, part in zip(codes, kept[1:]):
        out += [code, _UNSAFE.sub(_shown, part)]
    return "".join(out)


def clean_json(text: str) -> str:
    """JSON text with the characters json.dumps(ensure_ascii=False) leaves raw written as \\u escapes (still valid JSON)."""
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
