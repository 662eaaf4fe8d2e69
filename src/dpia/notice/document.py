"""A notice prepared for detection: its text, segments, and ways to find sentences."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from .rules import Rx, automaton
from .segment import Segments
from .triggers import DIGIT

_DIGITS = re.compile(r"\d+")
_NONE: frozenset[int] = frozenset()
URL = Rx(re.compile(r"\b(?:https?://|www\.)[^\s<>\"()]{1,300}"))
DOMAIN = Rx(re.compile(r"\b[\w-]{1,63}(?:\.[\w-]{1,63}){0,3}(?:\.co\.uk|\.org\.uk|\.gov\.uk|\.nhs\.uk|\.com|\.org|\.net)\b"
                       r"[^\s<>\"()]{0,200}", re.IGNORECASE | re.ASCII),
             literals=frozenset([".co.uk", ".org.uk", ".gov.uk", ".nhs.uk", ".com", ".org", ".net"]))
MAX_EVIDENCE = 3


@dataclass(frozen=True)
class Evidence:
    text: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


class Document:
    def __init__(self, text: str):
        self.text = text
        lower = text.lower()
        # Offsets must line up; the few characters whose lower case is longer keep their case.
        self.lower = lower if len(lower) == len(text) else "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        self.segs = Segments(text)
        self._literals: dict[str, set[int]] = {}
        self._known: frozenset[str] = frozenset()
        self._indexed = False
        self._context: dict[int, str] = {}
        self._masked: str | None = None

    @property
    def without_urls(self) -> str:
        """The text with web addresses blanked (same length), so a URL's words are not read as prose."""
        if self._masked is None:
            spans = sorted({m.span() for pattern in (URL, DOMAIN) for m in self.scan(pattern)})
            parts, pos = [], 0
            for start, end in spans:
                if start >= pos:
                    parts += [self.text[pos:start], " " * (end - start)]
                    pos = end
            self._masked = "".join(parts) + self.text[pos:]
        return self._masked

    def sentence(self, index: int) -> str:
        return self.segs.span(index)

    def context(self, index: int) -> str:
        """The segment with its section heading and lead-in line."""
        return self.sentence(index) + "\n" + self.framing(index)

    def framing(self, index: int) -> str:
        """The section heading and lead-in line a segment sits under (plain text has no deeper nesting)."""
        if index not in self._context:
            seg = self.segs.items[index]
            parts = [self.segs.span(i) for i in (seg.heading, seg.lead) if i >= 0]
            if seg.heading >= 0 and parts[0].endswith(":") and self.segs.items[seg.heading].heading >= 0:
                parts.append(self.segs.span(self.segs.items[seg.heading].heading))  # "You have these rights:"
            self._context[index] = "\n".join(parts)
        return self._context[index]

    def _index_literals(self) -> None:
        """Find every known trigger literal in one pass (see rules.automaton)."""
        machine, self._known = automaton()
        starts, items = self.segs.starts, self.segs.items
        found: dict[str, set[int]] = {}
        done: dict[str, int] = {}  # per literal, the end of the last segment recorded: later hits there add nothing
        for end, literal in machine.iter(self.lower):
            if end < done.get(literal, -1):
                continue
            index = bisect_right(starts, end - len(literal) + 1) - 1
            found.setdefault(literal, set()).add(index)
            done[literal] = items[index].end
        self._literals = found
        self._literals[DIGIT] = {bisect_right(starts, m.start()) - 1 for m in _DIGITS.finditer(self.text)}
        self._indexed = True

    def segments_with(self, literal: str) -> set[int] | frozenset[int]:
        """Segments whose lower-cased text contains ``literal``."""
        if not self._indexed:
            self._index_literals()
        found = self._literals.get(literal)
        if found is None and literal in self._known:
            return _NONE
        if found is None:
            hits: set[int] = set()
            lower, at, items = self.lower, self.segs.at, self.segs.items
            pos = lower.find(literal)
            while pos >= 0:
                index = at(pos)
                hits.add(index)
                pos = lower.find(literal, max(pos + 1, items[index].end))
            found = self._literals[literal] = hits
        return found

    def candidates(self, pattern: Rx) -> list[int] | None:
        """Segments that can hold a match of ``pattern``, or None when it has no prefilter."""
        if pattern.triggers is None:
            return None
        found: set[int] = set()
        for literal in pattern.triggers:
            found |= self.segments_with(literal)
        return sorted(found)

    def scan(self, pattern: Rx, haystack: str | None = None, first: bool = False):
        """Every match of ``pattern`` in the text (or a same-length copy of it); with ``first``, only
        the first match in each segment.

        A prefiltered pattern runs sentence by sentence over the sentences holding one of its
        literals, so its matches never cross a sentence; parts of a split alternation come
        one after the other, not in text order."""
        haystack = self.text if haystack is None else haystack
        items = self.segs.items
        for part in pattern.parts:
            indices = self.candidates(part)
            if indices is None:
                if not first:
                    yield from part.regex.finditer(haystack)
                    continue
                search, pos = part.regex.search, 0
                while (match := search(haystack, pos)) is not None:
                    yield match
                    pos = max(match.end(), items[self.segs.at(match.start())].end)
                continue
            if first:
                search = part.regex.search
                for index in indices:
                    seg = items[index]
                    if (match := search(haystack, seg.start, seg.end)) is not None:
                        yield match
                continue
            finditer = part.regex.finditer
            for index in indices:
                seg = items[index]
                yield from finditer(haystack, seg.start, seg.end)

    def hits(self, pattern: Rx | None, *, exclude: Rx | None = None,
             context: Rx | None = None, masked: bool = False) -> list[int]:
        """Indices of segments in which ``pattern`` matches, in order, each once."""
        if pattern is None:
            return []
        found: list[int] = []
        seen: set[int] = set()
        haystack = self.without_urls if masked else self.text
        for match in self.scan(pattern, haystack, first=True):
            index = self.segs.at(match.start())
            if index in seen:
                continue
            seen.add(index)
            if exclude is not None and exclude.search(self.sentence(index)):
                continue
            if context is not None and not context.search(self.context(index)):
                continue
            found.append(index)
        return sorted(found)

    def matches(self, pattern: Rx | None, indices):
        """(segment index, match) for every match of ``pattern`` inside the given segments."""
        if pattern is None:
            return
        for index in indices:
            seg = self.segs.items[index]
            for match in pattern.finditer(self.text, seg.start, seg.end):
                yield index, match

    def evidence(self, indices, limit: int = MAX_EVIDENCE) -> list[Evidence]:
        out = []
        for index in list(dict.fromkeys(indices))[:limit]:
            seg = self.segs.items[index]
            out.append(Evidence(self.text[seg.start:seg.end], seg.start, seg.end))
        return out

    def span_evidence(self, start: int, end: int) -> Evidence:
        return Evidence(self.text[start:end], start, end)
