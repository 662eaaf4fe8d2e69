"""Split notice text into headings, bullets and sentences, each with offsets and its section.

Headings matter as context: the lines under "Your rights" are about rights. Each segment
knows the heading above it and, for a bullet, the lead-in line the bullet list hangs from.
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

_BULLET = re.compile(r"(?:[•·\-*–—▪◦●○■□➢➤✓]|\(?\d{1,2}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}\))(?=\s)\s*")
_MD_HEADING = re.compile(r"#{1,6}\s+")
# The end of a sentence (group 1 ends it) and the space before the next.
_BOUNDARY = re.compile(r"([.!?][\"”’')\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9•])")
# The same for a line without "!" or "?": re finds a leading literal far faster than a class.
_FULL_STOP = re.compile(r"(\.[\"”’')\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9•])")
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|art|arts|no|nos|mr|mrs|ms|dr|st|vs|approx|para|paras|reg|sch|inc|co|cf|ref)"
                     r"|\b[A-Z])\.$", re.IGNORECASE)


class Segment(NamedTuple):
    start: int
    end: int
    kind: str  # heading | bullet | sentence
    heading: int  # index of the section heading segment, or -1
    lead: int  # for a bullet, index of the lead-in sentence; else -1
    line: int  # index of the line it comes from


def _is_heading(line: str) -> bool:
    if line[0] == "#" and _MD_HEADING.match(line):
        return True
    if line[-1] in ".;,":  # a sentence (the test on the core below, made cheaply first)
        return False
    core = line.strip("*_ #").strip()
    if not core or len(core) > 90 or core[0].islower():
        return False
    if core[-1] in ".;,":
        return False
    words = core.split()
    if len(words) > 12:
        return False
    if core.endswith(":") and len(words) > 9:
        return False
    return any(c.isalpha() for c in core)


_NUMBER = re.compile(r"\(?\d{1,2}[.)]")


def _numbered_heading(line: str, bullet: re.Match, lines: list[tuple[int, int, str]], line_no: int) -> bool:
    """"3. How we use your information" is a numbered heading, not a list item, when what
    follows it is not the next item of a numbered list."""
    if not _NUMBER.match(line) or not _is_heading(line[bullet.end():]):
        return False
    following = lines[line_no + 1][2] if line_no + 1 < len(lines) else ""
    return not _NUMBER.match(following)


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, line) for every line that is not blank, without the spaces around it."""
    out, pos = [], 0
    for raw in text.split("\n"):
        if raw and not raw.isspace():
            if raw[0].isspace() or raw[-1].isspace():
                line = raw.strip()
                start = pos + len(raw) - len(raw.lstrip())
                out.append((start, start + len(line), line))
            else:
                out.append((pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


# What a line may start with if it starts with a bullet (see _BULLET): a cheap test before the pattern.
_BULLET_FIRST = frozenset("•·-*–—▪◦●○■□➢➤✓(")
_new = tuple.__new__  # a Segment without the Python-level __new__ of a named tuple


class Segments:
    """The segments of a text, and the lookups the detectors need."""

    def __init__(self, text: str):
        self.text = text
        self.items: list[Segment] = []
        self._split()
        self.starts = [s.start for s in self.items]

    def _split(self) -> None:
        text, items, heading, lead = self.text, self.items, -1, -1
        add, bullet_at, abbreviation = items.append, _BULLET.match, _ABBREV.search
        boundaries, full_stops = _BOUNDARY.finditer, _FULL_STOP.finditer
        lines = _lines(text)
        for line_no, (start, end, line) in enumerate(lines):
            first = line[0]
            bullet = bullet_at(line) if first in _BULLET_FIRST or first.isdecimal() or "a" <= first <= "z" else None
            if bullet and bullet.end() < len(line) and _numbered_heading(line, bullet, lines, line_no):
                add(_new(Segment, (start + bullet.end(), end, "heading", heading, -1, line_no)))
                heading, lead = len(items) - 1, -1
                continue
            if bullet and bullet.end() < len(line):
                start += bullet.end()
                kind, lead_in = "bullet", lead
            elif _is_heading(line):
                md = _MD_HEADING.match(line)
                add(_new(Segment, (start + (md.end() if md else 0), end, "heading", heading, -1, line_no)))
                heading, lead = len(items) - 1, -1
                continue
            else:
                kind, lead_in = "sentence", -1
            prose, pos = kind == "sentence", start
            if "?" in line or "!" in line:
                ends = boundaries(text, start, end)
            elif "." in line:
                ends = full_stops(text, start, end)
            else:
                ends = ()
            for b in ends:
                stop = b.start()
                if text[stop] == ".":
                    # every abbreviation is a word of six letters or fewer (or one with a full stop in it)
                    word = text[max(pos, stop - 7):stop]
                    if not (len(word) == 7 and word.isalnum()) and abbreviation(text, max(pos, stop - 8), stop + 1):
                        continue
                add(_new(Segment, (pos, b.end(1), kind, heading, lead_in, line_no)))
                kind, pos = "sentence", b.end()
            add(_new(Segment, (pos, end, kind, heading, lead_in, line_no)))
            if prose:  # the lead-in for any bullets under it
                lead = len(items) - 1

    def __len__(self) -> int:
        return len(self.items)

    def at(self, offset: int) -> int:
        """Index of the segment holding ``offset`` (or the one before it)."""
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def span(self, index: int) -> str:
        seg = self.items[index]
        return self.text[seg.start:seg.end]
