"""A notice prepared for detection: its text, segments, and ways to find sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .segment import Segments

URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"()]{1,300}|\b[\w-]{1,63}(?:\.[\w-]{1,63}){0,3}\.(?:co\.uk|org\.uk|gov\.uk|nhs\.uk|com|org|net)\b[^\s<>\"()]{0,200}")
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
        self.segs = Segments(text)
        self._context: dict[int, str] = {}
        self._masked: str | None = None

    @property
    def without_urls(self) -> str:
        """The text with web addresses blanked (same length), so a URL's words are not read as prose."""
        if self._masked is None:
            self._masked = URL.sub(lambda m: " " * len(m.group()), self.text)
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
            self._context[index] = "\n".join(parts)
        return self._context[index]

    def hits(self, pattern: re.Pattern | None, *, exclude: re.Pattern | None = None,
             context: re.Pattern | None = None, masked: bool = False) -> list[int]:
        """Indices of segments in which ``pattern`` matches, in order, each once."""
        if pattern is None:
            return []
        found: list[int] = []
        seen: set[int] = set()
        haystack = self.without_urls if masked else self.text
        for match in pattern.finditer(haystack):
            index = self.segs.at(match.start())
            if index in seen:
                continue
            seen.add(index)
            if exclude is not None and exclude.search(self.sentence(index)):
                continue
            if context is not None and not context.search(self.context(index)):
                continue
            found.append(index)
        return found

    def matches(self, pattern: re.Pattern | None, indices: list[int]):
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
