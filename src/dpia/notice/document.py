"""A notice prepared for detection: its text, segments, and ways to find sentences."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from .lowercase import lower
from .rules import RuleSet, Rx, ruleset
from .segment import Segments

MAX_EVIDENCE = 3
LIST_LIMIT = 800  # characters of a list under a lead-in that its evidence takes in
# The word before a semicolon that makes the line a lead-in ("legitimate interests, which include;")
INTRODUCING = frozenset(("include", "includes", "including", "following", "follows", "are", "namely", "below", "these"))
# An email or web address that ends a sentence without its full stop, and the next sentence:
# "...via info@example.co.uk Your rights apply..." (the segmenter splits only at a full stop).
RUN_ON = re.compile(r"(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b(?:https?://|www\.)[^\s<>\"()]+)(?<![.,;:])\s+(?=[A-Z])")
TITLE_STARTS = ("how", "wha", "why", "who", "whe", "whi")  # a list item asked as a question is a title (see ranked)


class Evidence(NamedTuple):
    text: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


class Document:
    """Patterns match within one segment (sentence, bullet or heading), never across two."""

    def __init__(self, text: str, rules: RuleSet | None = None):
        self.text = text
        self.rules = rules or ruleset()
        self.segs = Segments(text)
        self._flags: list[list[int] | None] | None = None  # per pattern id, from prefilter.candidates
        self._framings: dict[int, list[int]] = {}  # segment -> the segments that frame it
        self._masked: str | None = None
        self._lowered: dict[bool, str] = {}  # masked? -> that text with A-Z lowered
        self._url_spans: list[tuple[int, int]] = []
        self._url_segments: set[int] = set()
        self._url_candidates: dict[int, set[int]] | None = None
        self._hits: dict[tuple, list[int]] = {}
        self._overview: set[int] | None = None
        self._shapes: dict[int, tuple[bool, bool, bool, bool, bool]] = {}  # see _shape
        self._in_section: dict[Rx, dict[int, int]] = {}  # section pattern -> segment -> 0 in it, 1 outside
        self._said: dict[tuple, bool] = {}
        self._candidate_sets: dict[Rx, set[int] | range] = {}
        self._matched: dict[Rx, set[int]] = {}
        self._aboves: dict[int, int] = {}
        self._frames: dict[int, list[int]] | None = None  # see under
        self._low: str | None = None
        self._which: dict[tuple, dict[int, tuple[int, int]]] = {}  # (alternation, masked) -> see _parts

    @property
    def without_urls(self) -> str:
        """The text with web addresses blanked (same length), so a URL's words are not read as prose."""
        self._find_urls()
        return self._masked

    def _find_urls(self) -> None:
        if self._masked is not None:
            return
        pos = 0
        patterns = (self.rules.rx("web.url"), self.rules.rx("web.domain"))
        for start, end in sorted({m.span() for pattern in patterns for m in self.scan(pattern)}):
            if start >= pos:
                self._url_spans.append((start, end))
                self._url_segments.add(self.segs.at(start))
                pos = end
        self._masked = self._blank(self.text)

    def _blank(self, text: str) -> str:
        parts, pos = [], 0
        for start, end in self._url_spans:
            parts += [text[pos:start], " " * (end - start)]
            pos = end
        return "".join(parts) + text[pos:]

    def lowered(self, masked: bool = False) -> str:
        """The text (or the text without URLs) with A-Z lowered, for the patterns' lowercase twins."""
        if masked not in self._lowered:
            if masked:
                self._find_urls()
            self._lowered[masked] = self._blank(self.lowered()) if masked else lower(self.text)
        return self._lowered[masked]

    @property
    def url_segments(self) -> set[int]:
        """The segments that hold a web address."""
        self._find_urls()
        return self._url_segments

    def sentence(self, index: int) -> str:
        return self.segs.span(index)

    def context(self, index: int) -> str:
        """The segment with its section heading and lead-in line."""
        return self._join([index, *self._framing(index)], self.text)

    def framing(self, index: int) -> str:
        """The section heading and lead-in line a segment sits under (plain text has no deeper nesting)."""
        return self._join(self._framing(index), self.text)

    def _framing(self, index: int) -> list[int]:
        framing = self._framings.get(index)
        if framing is None:
            seg = self.segs.items[index]
            framing = [i for i in (seg.heading, seg.lead, self._above(seg.heading)) if i >= 0]
            self._framings[index] = framing
        return framing

    def _above(self, heading: int) -> int:
        """The heading a heading sits under where it carries the meaning on: "You have these
        rights:" under "Your rights", "Donations" under "How we use your data"; else -1."""
        if heading < 0:
            return -1
        above = self._aboves.get(heading)
        if above is None:
            items, text = self.segs.items, self.text
            seg = items[heading]
            above = seg.heading if seg.heading >= 0 and (
                text[seg.end - 1] == ":" or text.count(" ", seg.start, seg.end) < 4) else -1
            self._aboves[heading] = above
        return above

    def _join(self, indices: list[int], text: str) -> str:
        return "\n".join([text[self.segs.items[i].start:self.segs.items[i].end] for i in indices])

    def found(self, pattern: Rx, start: int, end: int) -> bool:
        """Whether ``pattern`` matches ``text[start:end]`` (within one segment) searched on its own."""
        if pattern.fast is not None:
            low = self._low
            if low is None:
                low = self._low = self.lowered()
            return pattern.fast_in_line(low[start:end]) is not None
        return pattern.in_line(self.text[start:end]) is not None

    def says(self, pattern: Rx, index: int) -> bool:
        """Whether ``pattern`` matches in segment ``index``, searched on its own (remembered:
        detectors and evidence ranking ask the same questions of the same sentences)."""
        key = (pattern, index)
        said = self._said.get(key)
        if said is None:
            if pattern.id >= 0 and not self.may_match(pattern, index):
                said = False  # the prefilter rules it out
            else:
                seg = self.segs.items[index]
                if pattern.fast is not None:
                    low = self._low
                    if low is None:
                        low = self._low = self.lowered()
                    said = pattern.fast_in_line(low[seg.start:seg.end]) is not None
                else:
                    said = pattern.in_line(self.text[seg.start:seg.end]) is not None
            self._said[key] = said
        return said

    def framed(self, pattern: Rx, index: int) -> bool:
        """Whether ``pattern`` matches in the framing of segment ``index`` (its heading or lead-in)."""
        if pattern.id >= 0 and not pattern.alone:  # the segments it matches are known at once
            return not self._matching(pattern).isdisjoint(self._framing(index))
        for j in self._framing(index):
            if self.says(pattern, j):
                return True
        return False

    def in_context(self, pattern: Rx, index: int) -> bool:
        """Whether ``pattern`` matches in segment ``index`` or its framing."""
        if pattern.id >= 0 and not pattern.alone:
            matching = self._matching(pattern)
            return index in matching or not matching.isdisjoint(self._framing(index))
        return self.says(pattern, index) or any(self.says(pattern, j) for j in self._framing(index))

    def under(self, pattern: Rx) -> list[int]:
        """The segments whose heading or lead-in matches ``pattern`` (each heading is asked once)."""
        if self._frames is None:
            self._frames = {}  # a heading or lead-in -> the segments it frames
            above: dict[int, int] = {}
            for i, seg in enumerate(self.segs.items):
                heading = seg.heading
                if heading >= 0:
                    self._frames.setdefault(heading, []).append(i)
                    over = above.get(heading)
                    if over is None:
                        over = above[heading] = self._above(heading)
                    if over >= 0:
                        self._frames.setdefault(over, []).append(i)
                if seg.lead >= 0:
                    self._frames.setdefault(seg.lead, []).append(i)
        says, frames = self.says, self._frames
        if pattern.id >= 0:
            possible = self._possible(pattern)
            matching = [j for j in frames if j in possible and says(pattern, j)]
        else:
            matching = [j for j in frames if says(pattern, j)]
        if not matching:
            return []
        if len(matching) == 1:
            return list(dict.fromkeys(frames[matching[0]]))
        return sorted({i for j in matching for i in frames[j]})

    def in_context_all(self, pattern: Rx) -> list[int]:
        """Every segment that ``pattern`` (a scanned one) matches, or whose framing it matches."""
        return sorted(set(self._matching(pattern)) | set(self.under(pattern)))

    def _matching(self, pattern: Rx) -> set[int]:
        found = self._matched.get(pattern)
        if found is None:
            found = self._matched[pattern] = set(self.hits(pattern))
        return found

    def _in(self, pattern: Rx, indices: list[int]) -> bool:
        """Whether ``pattern`` matches the segments joined a line each, searched on their own."""
        if pattern.fast is not None:
            return pattern.fast.search(self._join(indices, self.lowered())) is not None
        return pattern.regex.search(self._join(indices, self.text)) is not None

    def candidates(self, pattern: Rx, masked: bool = False) -> list[int] | range:
        """Segments, in order, where ``pattern`` may match (see prefilter.py); with ``masked``, in
        the text with URLs blanked, where the segments that held a URL are scanned again."""
        if pattern.id < 0:
            if pattern.parts:
                return self._union(pattern.parts, masked)
            return range(len(self.segs))
        prefilter = self.rules.prefilter
        if self._flags is None:
            self._flags = prefilter.candidates(self.text, self.segs.starts)
        slot = prefilter.slot[pattern.id]
        found = self._flags[slot]
        if found is None:
            return range(len(self.segs))
        if not masked:
            return found
        if self.url_segments:
            rescanned = self.url_candidates().get(slot, set())
            if rescanned or not self.url_segments.isdisjoint(found):
                return sorted((set(found) - self.url_segments) | rescanned)
        return found

    def _union(self, parts: tuple[Rx, ...], masked: bool) -> list[int] | range:
        found: set[int] = set()
        for part in parts:
            candidates = self.candidates(part, masked)
            if isinstance(candidates, range):
                return candidates
            found.update(candidates)
        return sorted(found)

    def may_match(self, pattern: Rx, index: int) -> bool:
        """Whether the prefilter lets ``pattern`` match in segment ``index`` (a cheap test before ``says``)."""
        return index in self._possible(pattern)

    def _possible(self, pattern: Rx) -> set[int] | range:
        found = self._candidate_sets.get(pattern)
        if found is None:
            candidates = self.candidates(pattern)
            found = self._candidate_sets[pattern] = candidates if isinstance(candidates, range) else set(candidates)
        return found

    def url_candidates(self) -> dict[int, set[int]]:
        """Automaton id -> the segments that held a URL where it may match once the URL is blanked."""
        if self._url_candidates is None:
            self._url_candidates = {}
            for index in self.url_segments:
                seg = self.segs.items[index]
                for pattern in self.rules.prefilter.patterns_in(self.without_urls[seg.start:seg.end]):
                    self._url_candidates.setdefault(pattern, set()).add(index)
        return self._url_candidates

    def scan(self, pattern: Rx, first: bool = False):
        """Every match of ``pattern`` in the text, in order; with ``first``, only the first in each segment."""
        items, text = self.segs.items, self.text
        search, finditer = pattern.regex.search, pattern.regex.finditer
        for index in self.candidates(pattern):
            seg = items[index]
            if not first:
                yield from finditer(text, seg.start, seg.end)
            elif (match := search(text, seg.start, seg.end)) is not None:
                yield match

    def hits(self, pattern: Rx | None, *, exclude: Rx | None = None,
             context: Rx | None = None, masked: bool = False) -> list[int]:
        """Indices of segments in which ``pattern`` matches, in order, each once."""
        if pattern is None:
            return []
        key = (pattern, exclude, context, masked)
        if key not in self._hits:  # detectors share some patterns
            self._hits[key] = self._search(pattern, exclude, context, masked)
        return list(self._hits[key])

    def _search(self, pattern: Rx, exclude: Rx | None, context: Rx | None, masked: bool) -> list[int]:
        search = None
        if pattern.parts:  # each pattern of the alternation confirmed on its own: its rank comes with it
            candidates = sorted(self._parts(pattern, masked))
        else:
            candidates = self.candidates(pattern, masked)
            if pattern.fast is not None:
                haystack, search = self.lowered(masked), pattern.fast_in_line
            else:
                haystack, search = (self.without_urls if masked else self.text), pattern.in_line
        if not candidates:
            return []
        if context is not None and context.id >= 0 and not context.alone:  # the context is known at once: test it first
            candidates = [i for i in candidates if self.in_context(context, i)]
            context = None
        items, found = self.segs.items, []
        for index in candidates:
            if search is not None:
                seg = items[index]
                if search(haystack, seg.start, seg.end) is None:
                    continue
            if exclude is not None and self.says(exclude, index):
                continue
            if context is not None and not self.in_context(context, index):
                continue
            found.append(index)
        return found

    def _parts(self, pattern: Rx, masked: bool = False) -> dict[int, tuple[int, int]]:
        """For an alternation of scanned patterns: segment -> (the first of its patterns that matches
        there, where that match starts), for every segment where one does. Each pattern is searched
        only where the prefilter lets it match, and only in segments no earlier pattern has met."""
        key = (pattern, masked)
        found = self._which.get(key)
        if found is None:
            found = self._which[key] = {}
            items = self.segs.items
            for position, part in enumerate(pattern.parts):
                if part.fast is not None:
                    haystack, search = self.lowered(masked), part.fast_in_line
                else:
                    haystack, search = (self.without_urls if masked else self.text), part.in_line
                for index in self.candidates(part, masked):
                    if index in found:
                        continue
                    seg = items[index]
                    match = search(haystack, seg.start, seg.end)
                    if match is not None:
                        found[index] = (position, match.start())
        return found

    def matches(self, pattern: Rx | None, indices):
        """(segment index, match) for every match of ``pattern`` inside the given segments."""
        if pattern is None:
            return
        possible = set(self.candidates(pattern))
        for index in indices:
            if index not in possible:
                continue
            seg = self.segs.items[index]
            for match in pattern.finditer(self.text, seg.start, seg.end):
                yield index, match

    def ranked(self, indices, tiers: dict[int, int] | Callable[[int], int] | None = None, section: Rx | None = None,
               short: bool = False, limit: int | None = None) -> list[int]:
        """The segments, each once, best evidence first: a heading, an overview of the notice or a
        restatement of the principles, a bare label of three words or fewer (unless ``short``), or
        a lead-in whose list items are themselves candidates come last; then those under a
        heading matching ``section``; then by ``tiers`` (lower first); then in order. ``tiers``
        may be a function, asked only for the best groups (with ``limit``, enough to fill it)."""
        if len(indices) < 2:
            return list(indices)
        items, shapes = self.segs.items, self._shapes
        indices = set(indices)
        leads = {i for j in indices for i in (items[j].lead, items[j].heading) if i in indices and i != j}
        in_section = None if section is None else self._in_section.setdefault(section, {})

        def key(index: int) -> tuple[int, int, int]:
            shape = shapes.get(index)
            if shape is None:
                shape = self._shape(index)
            heading, overview, colon, title, few = shape
            if heading and not short:
                penalty = 3
            elif overview:
                penalty = 2
            elif index in leads and colon or title:
                penalty = 1
            else:
                penalty = not short and few
            if in_section is None:
                return penalty, 0, index
            outside = in_section.get(index)
            if outside is None:
                outside = in_section[index] = 0 if self.framed(section, index) or self.framed(
                    section, self.block_start(index)) else 1
            return penalty, outside, index

        full = {index: key(index) for index in indices}
        order = sorted(indices, key=full.__getitem__)
        if not tiers:
            return order
        rank = tiers if callable(tiers) else tiers.get
        keys = {index: full[index][:2] for index in order}
        out: list[int] = []
        start = 0
        while start < len(order) and (limit is None or len(out) < limit):
            group = keys[order[start]]
            end = start
            while end < len(order) and keys[order[end]] == group:
                end += 1
            out += self._by_rank(order[start:end], rank, None if limit is None else limit - len(out))
            start = end
        return out

    def _shape(self, index: int) -> tuple[bool, bool, bool, bool, bool]:
        """What ranks a segment low as evidence, whatever the element: a heading, an overview of the
        notice, a line ending in a colon (a lead-in, where its list items are candidates too), a list
        item asked as a question (a title), fewer than three spaces (a bare label)."""
        if self._overview is None:
            self._overview = set(self.hits(self.rules.rx("evidence.overview")))
        seg, text, title = self.segs.items[index], self.text, self.rules.rx("evidence.title")
        title = self.lowered()[seg.start:seg.start + 3] in TITLE_STARTS and self.says(title, index)
        shape = self._shapes[index] = (seg.kind == "heading", index in self._overview, text[seg.end - 1] == ":", title,
                                       text.count(" ", seg.start, seg.end) < 3)
        return shape

    @staticmethod
    def _by_rank(group: list[int], rank: Callable[[int], int], wanted: int | None) -> list[int]:
        """The group ordered by rank, then position; once ``wanted`` of the best rank (0) are found
        in order, no other needs ranking."""
        ranks: dict[int, int] = {}
        best = 0
        for index in group:
            ranks[index] = rank(index)
            best += ranks[index] == 0
            if wanted is not None and best >= wanted:
                break
        chosen = sorted(ranks, key=lambda index: (ranks[index], index))
        return chosen if len(ranks) == len(group) else chosen[:wanted]

    def which(self, pattern: Rx, index: int) -> int:
        """Which of an alternation's patterns is the first to match segment ``index`` (a sentence's
        strongest statement of the element, as the patterns are ordered)."""
        return self._parts(pattern)[index][0]

    def where(self, pattern: Rx, index: int) -> int:
        """Where in the text the match of ``which`` pattern starts in segment ``index``."""
        return self._parts(pattern)[index][1]

    def evidence_in_order(self, indices, limit: int = MAX_EVIDENCE) -> list[Evidence]:
        """The first ``limit`` segments as evidence, in the order given (findings point at them)."""
        return self.evidence(indices, limit, ranked=False)

    def block_start(self, index: int) -> int:
        """The first segment of the block of lines (broken by single newlines, as in an address)
        that segment ``index`` belongs to."""
        items, text = self.segs.items, self.text
        while index > 0 and items[index - 1].line == items[index].line - 1 and \
                text.count("\n", items[index - 1].end, items[index].start) == 1:
            index -= 1
        return index

    def evidence(self, indices, limit: int = MAX_EVIDENCE, *, tiers: dict[int, int] | None = None,
                 section: Rx | None = None, short: bool = False, ranked: bool = True) -> list[Evidence]:
        """The best ``limit`` segments as evidence (see ``ranked``), or the first in order. A lead-in
        ranked first takes in the list under it: the items are what it introduces."""
        out = []
        chosen = self.ranked(indices, tiers, section, short, limit) if ranked else list(dict.fromkeys(indices))
        text = self.text
        for index in chosen[:limit]:
            seg = self.segs.items[index]
            end = self.list_end(index) if ranked and not out and text[seg.end - 1] in ":;" else seg.end
            out.append(Evidence(text[seg.start:end], seg.start, end))
        return out

    def indent(self, index: int) -> int:
        """The spaces before the line a segment starts (before its bullet, for a list item)."""
        text, start = self.text, self.segs.items[index].start
        line = text.rfind("\n", 0, start) + 1
        return len(text[line:start]) - len(text[line:start].lstrip(" \t"))

    def list_end(self, index: int) -> int:
        """Where the list that segment ``index`` introduces ends, or the segment's own end: a line
        ending in a colon introduces the list items under it; one ending in a semicolon does when
        the word before it introduces ("which include;") or its items sit deeper than it. Whole
        items are taken, up to LIST_LIMIT characters (the first always)."""
        items, text = self.segs.items, self.text
        seg = items[index]
        end = seg.end
        if seg.kind == "heading" or text[end - 1] not in ":;":
            return end
        deeper = False
        if text[end - 1] == ";":
            word = text[max(seg.start, end - 16):end - 1].split()
            deeper = not word or word[-1].strip("*_").lower() not in INTRODUCING
        indent = self.indent(index) if seg.kind == "bullet" else -1
        previous = seg.line
        for j in range(index + 1, len(items)):
            item = items[j]
            if item.line == previous:  # a further sentence of the item just taken
                if end != seg.end and item.end - seg.start <= LIST_LIMIT:
                    end = item.end
                    continue
                break
            if item.kind != "bullet" or (seg.kind != "bullet" and item.lead != index):
                break
            if seg.kind == "bullet":
                depth = self.indent(j)
                if depth < indent or (deeper and depth <= indent):
                    break
            elif deeper:
                break
            if end != seg.end and item.end - seg.start > LIST_LIMIT:
                break
            end, previous = item.end, item.line
        return end

    def aside(self, index: int, position: int) -> tuple[int, int] | None:
        """The span of the aside in brackets that ``position`` falls in, where segment ``index``
        is more than that aside, or None."""
        seg, text = self.segs.items[index], self.text
        opening = text.rfind("(", seg.start, position)
        if opening < 0 or text.find(")", opening, position) >= 0:
            return None
        closing = text.find(")", position, seg.end)
        if closing < 0 or (opening == seg.start and closing >= seg.end - 2):
            return None
        return opening, closing + 1

    def sentence_at(self, index: int, position: int) -> Evidence:
        """The sentence of segment ``index`` that holds ``position``, where the segment runs two
        sentences together after an email or web address without its full stop."""
        seg, text = self.segs.items[index], self.text
        start, end = seg.start, seg.end
        if "@" in text[start:end] or "www." in text[start:end] or "http" in text[start:end]:
            for match in RUN_ON.finditer(text, start, end):
                if match.end() <= position:
                    start = match.end()
                else:
                    end = match.start() + len(match.group().rstrip())
                    break
        return Evidence(text[start:end], start, end)

    def span_evidence(self, start: int, end: int) -> Evidence:
        return Evidence(self.text[start:end], start, end)
