"""One pass over a notice tells, for every detection pattern at once, which sentences it may match.

Python's ``re`` costs microseconds per search of a sentence, and a notice has hundreds of
sentences and a hundred patterns. Hyperscan compiles all the patterns into one automaton and
scans the whole text once. Each pattern is first rewritten looser (superset.py), so what
Hyperscan reports is a superset of the true matches; ``re`` then confirms in the reported
sentences only, so the results are exactly those of ``re``.

``build(patterns)`` compiles the automata for one rule set (rules.RuleSet) once. Compiling
takes a few seconds, so the automata are kept in a cache directory (``$DPIA_CACHE_DIR``, else
``$XDG_CACHE_HOME/dpia``, else ``~/.cache/dpia``) under a hash of everything that can make a
saved automaton wrong or unloadable: the patterns as written, the rewriting code (superset.py),
the binding's version, the Hyperscan library it was built with, and the CPU. Files not used for a month are pruned. A cache that cannot be
read or written only costs that compile.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import time
from bisect import bisect_right
from functools import cache
from pathlib import Path

import hyperscan

from ..files import write_atomic
from .superset import Unsupported, rewrite

CALLBACKS_PER_SEGMENT = 100  # past this many reports, repetitive text is flooding the scan (see candidates)
CACHE_PREFIX = "notice-patterns-"
CACHE_MAX_AGE = 30 * 24 * 3600  # seconds a cached automaton may go unused before it is pruned
CACHE_KEEP = 8  # automata kept at most (several checkouts of the project may share one cache)


def encode(text: str) -> bytes:
    """The text as Hyperscan scans it: one byte per character, OTHER ("?") for each beyond
    ASCII, so that byte offsets are character offsets."""
    return text.encode("ascii", "replace")


def translate(regex: re.Pattern) -> tuple[bytes, int]:
    """The pattern as Hyperscan takes it, with its flags; flags -1 for one it is not given."""
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


def cache_dir() -> Path:
    if os.environ.get("DPIA_CACHE_DIR"):
        return Path(os.environ["DPIA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dpia"


@cache
def environment() -> str:
    """What besides the patterns decides whether a saved automaton is valid here: the binding's
    version, the Hyperscan library compiled into it (its file), and the CPU it was built for."""
    try:
        ext = Path(hyperscan._hs_ext.__file__).stat()
        library = f"{ext.st_size}:{int(ext.st_mtime)}"
    except (AttributeError, OSError):
        library = "unknown"
    flags = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith(("flags", "Features")):
                flags = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return repr((hyperscan.__version__, library, platform.machine(), flags))


class Prefilter:
    """The automata for one list of patterns; a pattern's index in that list is its id."""

    def __init__(self, patterns: list[re.Pattern]):
        self.every, self.once, self.refused, self.slot = _cached(patterns)  # slot: pattern id -> automaton id
        self.count = len(set(self.slot))
        self.every_scratch, self.once_scratch = hyperscan.Scratch(self.every), hyperscan.Scratch(self.once)

    def candidates(self, text: str, starts: list[int]) -> list[list[int] | None]:
        """For each automaton id, the segments (given by their start offsets) where a match may
        end, ascending, or None for a pattern that must be searched in every segment."""
        encoded = encode(text)
        found: list[list[int] | None] = [[] for _ in range(self.count)]
        unordered: set[int] = set()
        budget = CALLBACKS_PER_SEGMENT * len(starts) + 10_000
        ids: list[int] = []
        ends: list[int] = []
        add_id, add_end = ids.append, ends.append

        def report(pattern: int, start: int, end: int, flags: int, context) -> bool:
            add_id(pattern)  # the least work per report: they come by the hundred
            add_end(end)
            return len(ids) > budget

        try:
            self.every.scan(encoded, match_event_handler=report, scratch=self.every_scratch)
            for pattern, end in zip(ids, ends):
                segment = bisect_right(starts, end - 1) - 1
                segments = found[pattern]
                if not segments or segments[-1] < segment:
                    segments.append(segment)
                elif segments[-1] > segment:  # Hyperscan reports in order of end offset; this is insurance
                    segments.append(segment)
                    unordered.add(pattern)
        except hyperscan.ScanTerminated:
            # Repetitive text floods the scan with reports. Ask only which patterns match at all,
            # and search those in every segment.
            found = [[] for _ in range(self.count)]
            unordered.clear()

            def anywhere(pattern: int, start: int, end: int, flags: int, context) -> None:
                found[pattern] = None

            self.once.scan(encoded, match_event_handler=anywhere, scratch=self.once_scratch)
        for pattern in unordered:
            found[pattern] = sorted(set(found[pattern]))
        for pattern in self.refused:
            found[pattern] = None
        return found

    def patterns_in(self, piece: str) -> set[int]:
        """Automaton ids of the patterns that may match somewhere in ``piece``."""
        found: set[int] = set(self.refused)
        self.once.scan(encode(piece), match_event_handler=lambda pattern, *_: found.add(pattern),
                       scratch=self.once_scratch)
        return found


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


def _rewrites(patterns: list[re.Pattern]) -> tuple[list[tuple[bytes, int]], list[int]]:
    """The distinct rewrites for Hyperscan, and for each pattern the index of its rewrite."""
    keys: list[tuple[bytes, int]] = []
    index: dict[tuple[bytes, int], int] = {}
    slot = []
    for regex in patterns:
        key = translate(regex)
        if key not in index:
            index[key] = len(keys)
            keys.append(key)
        slot.append(index[key])
    return keys, slot


@cache
def _rewriter() -> str:
    """The rewriting code itself (superset.py): a change to it changes every rewrite."""
    return hashlib.sha256(Path(rewrite.__code__.co_filename).read_bytes()).hexdigest()


def _cached(patterns: list[re.Pattern]) -> tuple[hyperscan.Database, hyperscan.Database, frozenset[int], list[int]]:
    # Keyed on the patterns as written, so a start from the cache skips rewriting them.
    source = [(p.pattern, p.flags) for p in patterns]
    digest = hashlib.sha256(repr((environment(), _rewriter(), source)).encode()).hexdigest()[:24]
    folder = cache_dir()
    path = folder / f"{CACHE_PREFIX}{digest}.hsdb"
    try:
        refused_line, slot_line, size, blob = path.read_bytes().split(b"\n", 3)
        refused = frozenset(int(i) for i in refused_line.split())
        slot = [int(i) for i in slot_line.split()]
        every, once = (hyperscan.loadb(part, hyperscan.HS_MODE_BLOCK) for part in (blob[:int(size)], blob[int(size):]))
        if len(slot) != len(patterns):
            raise ValueError("the cached automaton is for another rule set")
        _touch(path)
        return every, once, refused, slot
    except (OSError, ValueError, hyperscan.error):
        pass
    keys, slot = _rewrites(patterns)
    every, refused = _compile(keys)
    once, _ = _compile([(p, f) if i not in refused else (p, -1) for i, (p, f) in enumerate(keys)],
                       hyperscan.HS_FLAG_SINGLEMATCH)
    blobs = [hyperscan.dumpb(every), hyperscan.dumpb(once)]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        header = b"%s\n%s\n%d\n" % (" ".join(map(str, sorted(refused))).encode(), " ".join(map(str, slot)).encode(),
                                    len(blobs[0]))
        write_atomic(path, header + b"".join(blobs))
        prune(folder, keep=path)
    except OSError:
        pass
    return every, once, refused, slot


def _touch(path: Path) -> None:
    """Mark a cached automaton as used (at most once a day), so that pruning spares it."""
    try:
        if time.time() - path.stat().st_mtime > 24 * 3600:
            os.utime(path)
    except OSError:
        pass


def prune(folder: Path, keep: Path | None = None, now: float | None = None) -> list[Path]:
    """Delete cached automata unused for CACHE_MAX_AGE, and all but the CACHE_KEEP newest."""
    now = time.time() if now is None else now
    files = []
    for path in folder.glob(f"{CACHE_PREFIX}*.hsdb"):
        try:
            files.append((path.stat().st_mtime, path))
        except OSError:
            continue
    files.sort(reverse=True)
    removed = []
    for rank, (mtime, path) in enumerate(files):
        if path != keep and (rank >= CACHE_KEEP or now - mtime > CACHE_MAX_AGE):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed
