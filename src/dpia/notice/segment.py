"""Split notice text into headings, bullets and sentences, each with offsets and its section.

Headings matter as context: the lines under "Your rights" are about rights. Each segment
knows the heading above it and, for a bullet, the lead-in line the bullet list hangs from.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_LINE = re.compile(r"[^\n]+")
_BULLET = re.compile(r"(?:[•·\-*–—▪◦●○■□➢➤✓]|\(?\d{1,2}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}\))(?=\s)\s*")
_MD_HEADING = re.compile(r"#{1,6}\s+")
_BOUNDARY = re.compile(r"[.!?][\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9•])")
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|art|arts|no|nos|mr|mrs|ms|dr|st|vs|approx|para|paras|reg|sch|inc|co|cf|ref)"
                     r"|\b[A-Z])\.$", re.IGNORECASE)
_TRAILING = re.compile(r"[\s\"“”'‘’*_]+$")


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    kind: str  # heading | bullet | sentence
    heading: int  # index of the section heading segment, or -1
    lead: int  # for a bullet, index of the lead-in sentence; else -1
    line: int  # index of the line it comes from


def _is_heading(line: str) -> bool:
    if _MD_HEADING.match(line):
        return True
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


class Segments:
    """The segments of a text, and the lookups the detectors need."""

    def __init__(self, text: str):
        self.text = text
        self.items: list[Segment] = []
        self._split()
        self.starts = [s.start for s in self.items]

    def _split(self) -> None:
        text, heading, lead = self.text, -1, -1
        for line_no, match in enumerate(_LINE.finditer(text)):
            start, end = match.span()
            line = match.group()
            bullet = _BULLET.match(line)
            if bullet and bullet.end() < len(line):
                start += bullet.end()
                kind = "bullet"
            elif _is_heading(line):
                md = _MD_HEADING.match(line)
                hs = start + (md.end() if md else 0)
                self.items.append(Segment(hs, end, "heading", heading, -1, line_no))
                heading, lead = len(self.items) - 1, -1
                continue
            else:
                kind = "sentence"
            first = True
            for s, e in self._sentences(start, end):
                self.items.append(Segment(s, e, kind if first else "sentence", heading,
                                          lead if kind == "bullet" else -1, line_no))
                first = False
            if kind == "sentence":
                lead = len(self.items) - 1

    def _sentences(self, start: int, end: int):
        text, pos = self.text, start
        for b in _BOUNDARY.finditer(text, start, end):
            if _ABBREV.search(text, max(pos, b.start() - 8), b.start() + 1):
                continue
            yield from self._trim(pos, b.end())
            pos = b.end()
        yield from self._trim(pos, end)

    def _trim(self, s: int, e: int):
        while s < e and self.text[s].isspace():
            s += 1
        while e > s and self.text[e - 1].isspace():
            e -= 1
        if e > s:
            yield s, e

    def __len__(self) -> int:
        return len(self.items)

    def at(self, offset: int) -> int:
        """Index of the segment holding ``offset`` (or the one before it)."""
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def span(self, index: int) -> str:
        seg = self.items[index]
        return self.text[seg.start:seg.end]
