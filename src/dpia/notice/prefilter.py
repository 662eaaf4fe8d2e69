"""One pass over a notice tells, for every detection pattern at once, which sentences it may match.

Python's ``re`` costs microseconds per search of a sentence, and a notice has hundreds of
sentences and a hundred patterns. Hyperscan compiles all the patterns into one automaton and
scans the whole text once. Each pattern is first rewritten looser (superset.py), so what
Hyperscan reports is a superset of the true matches; ``re`` then confirms in the reported
sentences only, so the results are exactly those of ``re``.

Compiling the automata takes a few seconds, so they are kept in a cache directory
(``$DPIA_CACHE_DIR``, else ``$XDG_CACHE_HOME/dpia``, else ``~/.cache/dpia``) under a hash of
the patterns. A cache that cannot be read or written only costs that compile.
"""

from __future__ import annotations

import hashlib
import os
import re
from bisect import bisect_right
from pathlib import Path
from typing import NamedTuple

import hyperscan

from ..files import write_atomic
from .superset import Unsupported, rewrite

CALLBACKS_PER_SEGMENT = 100  # past this many reports, repetitive text is flooding the scan (see candidates)

_patterns: list[tuple[bytes, int]] = []  # (rewritten pattern, flags); flags -1 for one Hyperscan is not given
_index: dict[tuple[bytes, int], int] = {}
_automata: Automata | None = None


def encode(text: str) -> bytes:
    """The text as Hyperscan scans it: one byte per character, OTHER ("?") for each beyond
    ASCII, so that byte offsets are character offsets."""
    return text.encode("ascii", "replace")


def _translate(regex: re.Pattern) -> tuple[bytes, int]:
    try:
        pattern = rewrite(regex)
    except Unsupported:
        return regex.pattern.encode("utf-8"), -1
    flags = 0  # bytes, not UTF-8: see encode
    if regex.flags & re.IGNORECASE:
        flags |= hyperscan.HS_FLAG_CASELESS
    if regex.flags & re.DOTALL:
        flags |= hyperscan.HS_FLAG_DOTALL
    return pattern.encode("utf-8"), flags


def register(regex: re.Pattern) -> int:
    """The pattern's id in the automaton (patterns registered after it is built are not prefiltered)."""
    key = _translate(regex)
    if key not in _index:
        _index[key] = len(_patterns)
        _patterns.append(key)
    return _index[key]


def _cache_dir() -> Path:
    if os.environ.get("DPIA_CACHE_DIR"):
        return Path(os.environ["DPIA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dpia"


class Automata(NamedTuple):
    every: hyperscan.Database  # reports every match
    once: hyperscan.Database  # the same patterns, each reported once per scan
    count: int  # patterns covered
    refused: frozenset[int]  # ids Hyperscan could not take: searched everywhere
    every_scratch: hyperscan.Scratch
    once_scratch: hyperscan.Scratch

    @classmethod
    def of(cls, every: hyperscan.Database, once: hyperscan.Database, count: int, refused: frozenset[int]) -> Automata:
        return cls(every, once, count, refused, hyperscan.Scratch(every), hyperscan.Scratch(once))


def _compile(patterns: list[tuple[bytes, int]], flag: int = 0) -> tuple[hyperscan.Database, frozenset[int]]:
    """Compile every pattern that Hyperscan can take; the ids of those it cannot are returned."""
    ids = [i for i, (_, flags) in enumerate(patterns) if flags != -1]
    refused = {i for i, (_, flags) in enumerate(patterns) if flags == -1}
    try:
        return _build(patterns, ids, flag), frozenset(refused)
    except hyperscan.error:
        for i in ids:
            try:
                _build(patterns, [i], flag)
            except hyperscan.error:
                refused.add(i)
    kept = [i for i in ids if i not in refused]
    if not kept:
        raise RuntimeError("no notice pattern compiles for the prefilter")
    return _build(patterns, kept, flag), frozenset(refused)


def _build(patterns: list[tuple[bytes, int]], ids: list[int], flag: int) -> hyperscan.Database:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[patterns[i][0] for i in ids], ids=ids, flags=[patterns[i][1] | flag for i in ids])
    return db


def _cached(patterns: list[tuple[bytes, int]]) -> Automata:
    digest = hashlib.sha256(repr((hyperscan.__version__, patterns)).encode()).hexdigest()[:24]
    path = _cache_dir() / f"notice-patterns-{digest}.hsdb"
    try:
        refused_line, size, blob = path.read_bytes().split(b"\n", 2)
        refused = frozenset(int(i) for i in refused_line.split())
        every, once = (hyperscan.loadb(part, hyperscan.HS_MODE_BLOCK) for part in (blob[:int(size)], blob[int(size):]))
        return Automata.of(every, once, len(patterns), refused)
    except (OSError, ValueError, hyperscan.error):
        pass
    every, refused = _compile(patterns)
    once, _ = _compile([(p, f) if i not in refused else (p, -1) for i, (p, f) in enumerate(patterns)],
                       hyperscan.HS_FLAG_SINGLEMATCH)
    blobs = [hyperscan.dumpb(every), hyperscan.dumpb(once)]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, b"%s\n%d\n" % (" ".join(map(str, sorted(refused))).encode(), len(blobs[0])) + b"".join(blobs))
    except OSError:
        pass
    return Automata.of(every, once, len(patterns), refused)


def automata() -> Automata:
    """The automata over every pattern registered so far."""
    global _automata
    if _automata is None or _automata.count != len(_patterns):
        from . import rules

        rules.load_all()  # build once over the full rule set, not again as rules load one by one
        _automata = _cached(list(_patterns))
    return _automata


def candidates(text: str, starts: list[int]) -> list[list[int] | None]:
    """For each registered pattern, the segments (given by their start offsets) where a match may
    end, ascending, or None for a pattern that must be searched in every segment."""
    machines = automata()
    encoded = encode(text)
    found: list[list[int] | None] = [[] for _ in range(machines.count)]
    unordered: set[int] = set()
    budget = CALLBACKS_PER_SEGMENT * len(starts) + 10_000

    def report(pattern: int, start: int, end: int, flags: int, context) -> bool:
        nonlocal budget
        segment = bisect_right(starts, end - 1) - 1
        segments = found[pattern]
        if not segments or segments[-1] < segment:
            segments.append(segment)
        elif segments[-1] > segment:  # Hyperscan reports in order of end offset; this is insurance
            segments.append(segment)
            unordered.add(pattern)
        budget -= 1
        return budget < 0

    try:
        machines.every.scan(encoded, match_event_handler=report, scratch=machines.every_scratch)
    except hyperscan.ScanTerminated:
        # Repetitive text floods the scan with reports. Ask only which patterns match at all,
        # and search those in every segment.
        found = [[] for _ in range(machines.count)]
        unordered.clear()

        def anywhere(pattern: int, start: int, end: int, flags: int, context) -> None:
            found[pattern] = None

        machines.once.scan(encoded, match_event_handler=anywhere, scratch=machines.once_scratch)
    for pattern in unordered:
        found[pattern] = sorted(set(found[pattern]))
    for pattern in machines.refused:
        found[pattern] = None
    return found


def patterns_in(piece: str) -> set[int]:
    """Ids of the registered patterns that may match somewhere in ``piece``."""
    machines = automata()
    found: set[int] = set(machines.refused)
    machines.once.scan(encode(piece), match_event_handler=lambda pattern, *_: found.add(pattern),
                       scratch=machines.once_scratch)
    return found
