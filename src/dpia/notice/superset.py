"""Rewrite a Python regular expression for Hyperscan as a looser one: wherever the original
matches within a sentence, the rewrite matches too, ending inside that same sentence.

The prefilter (prefilter.py) only needs to know which sentences may hold a match, so the
rewrite may match more, never less. It drops what Hyperscan cannot do or does slowly:
- lookarounds, anchors and atomic or possessive forms (dropping a condition only adds matches);
- long bounded gaps such as ``[^.\\n]{0,80}``, which become unbounded (one automaton state, not 80);
- whatever may follow the last mandatory part: ``we are [A-Z]\\w+(?: \\w+){0,6}`` becomes
  ``we are [A-Z]\\w``, so a match is reported once, not at every character of its tail.
- a short word and the gap after it, where a longer word follows: ``\\bwe\\b[^.\\n]{0,40}\\bprofiling``
  becomes ``\\bprofiling`` (see _cut).
Hyperscan scans bytes, one per character: every character beyond ASCII is scanned as OTHER,
the byte of "?". So a literal beyond ASCII becomes OTHER, a class that may match such a
character names OTHER, and a negated class never excludes OTHER. Without re.ASCII, ``\\w``,
``\\d`` and ``\\s`` also match OTHER, and ``\\b`` is dropped.
"""

from __future__ import annotations

import re
from re import _constants as C  # noqa: N812 - the stdlib names these in capitals
from re import _parser as parser

LOOSEN_ABOVE = 8
MIN_ANCHOR = 6
OTHER = ord("?")  # the byte every character beyond ASCII is scanned as (see prefilter.encode)
_OTHER = "\\x3f"
_ASCII_END = 0x7F
_CATEGORIES = {
    C.CATEGORY_DIGIT: ("\\d", _OTHER), C.CATEGORY_WORD: ("\\w", _OTHER), C.CATEGORY_SPACE: ("\\s", "\\x1c-\\x1f" + _OTHER),
    C.CATEGORY_NOT_DIGIT: ("\\D", ""), C.CATEGORY_NOT_WORD: ("\\W", ""), C.CATEGORY_NOT_SPACE: ("\\S", ""),
}
_ANY_BYTE = "[\\x00-\\xff]"
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)


class Unsupported(ValueError):
    """The pattern has a construct the rewrite cannot loosen safely; search it everywhere instead."""


def rewrite(regex: re.Pattern) -> str:
    """The looser pattern, for Hyperscan with CASELESS/MULTILINE/DOTALL as the original's flags say."""
    unicode = not regex.flags & re.ASCII
    if unicode and regex.flags & re.IGNORECASE:
        raise Unsupported("Unicode case folding")
    try:
        parsed = parser.parse(regex.pattern, regex.flags)
    except re.error as exc:
        raise Unsupported(str(exc)) from None
    items = _cut(_trim(list(parsed)))
    if not items:
        raise Unsupported("the pattern can match an empty string")
    return _Writer(unicode).sequence(items)


def _nullable(op, av) -> bool:
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return True
    if op in _REPEATS:
        return av[0] == 0 or all(_nullable(*item) for item in av[2])
    if op is C.SUBPATTERN:
        return all(_nullable(*item) for item in av[-1])
    if op is C.ATOMIC_GROUP:
        return all(_nullable(*item) for item in av)
    if op is C.BRANCH:
        return any(all(_nullable(*item) for item in branch) for branch in av[1])
    return False


def _trim(items: list) -> list:
    """The items up to the last that must match something, with that one cut to its own start."""
    items = list(items)
    while items and _nullable(*items[-1]):
        items.pop()
    if not items:
        return items
    op, av = items[-1]
    if op in _REPEATS:  # X{2,5} -> X X, the second cut short
        low, _, body = av
        items[-1:] = [(C.SUBPATTERN, (None, 0, 0, list(body)))] * (low - 1) + [(C.SUBPATTERN, (None, 0, 0, _trim(body)))]
    elif op is C.SUBPATTERN:
        items[-1] = (op, (*av[:-1], _trim(av[-1])))
    elif op is C.ATOMIC_GROUP:
        items[-1] = (C.SUBPATTERN, (None, 0, 0, _trim(av)))
    elif op is C.BRANCH:
        items[-1] = (op, (av[0], [_trim(branch) for branch in av[1]]))
    return items


def _width(items) -> int:
    """The fewest characters the items can match."""
    total = 0
    for op, av in items:
        if op in _REPEATS:
            total += av[0] * _width(av[2])
        elif op is C.SUBPATTERN:
            total += _width(av[-1])
        elif op is C.ATOMIC_GROUP:
            total += _width(av)
        elif op is C.BRANCH:
            total += min(_width(branch) for branch in av[1])
        elif op not in (C.AT, C.ASSERT, C.ASSERT_NOT):
            total += 1
    return total


def _gap(op, av) -> bool:
    return op in _REPEATS and av[0] == 0 and (av[1] is C.MAXREPEAT or av[1] > LOOSEN_ABOVE)


def _cut(items: list) -> list:
    """Drop what comes before a gap where a short, common word (``we``) leads to a longer one.

    Hyperscan is slow on a pattern that starts at a word found in every sentence and then
    waits across a gap. A suffix of a match lies in the same sentence, so keeping only what
    follows the gap still reports every sentence the pattern matches in."""
    gaps = [j for j, item in enumerate(items) if _gap(*item)]
    bounds = [-1, *gaps, len(items)]
    for k in range(len(gaps), 0, -1):
        before, after = items[bounds[k - 1] + 1:bounds[k]], items[bounds[k] + 1:bounds[k + 1]]
        if _width(before) < MIN_ANCHOR <= _width(after):
            return items[bounds[k] + 1:]
    core = [item for item in items if item[0] not in (C.AT, C.ASSERT, C.ASSERT_NOT)]
    if len(core) == 1:
        op, av = core[0]
        if op is C.SUBPATTERN and not (av[1] or av[2]):
            inner = _cut(list(av[-1]))
            if inner != list(av[-1]):
                return inner
        if op is C.BRANCH:
            branches = [_cut(list(branch)) for branch in av[1]]
            if any(len(cut) < len(branch) for cut, branch in zip(branches, av[1])):
                return [(op, (av[0], branches))]
    return items


def _char(code: int) -> str:
    if code > _ASCII_END:
        return _OTHER
    return chr(code) if chr(code).isalnum() else f"\\x{{{code:x}}}"


class _Writer:
    def __init__(self, unicode: bool):
        self.unicode = unicode

    def sequence(self, items) -> str:
        return "".join(self.item(op, av) for op, av in items)

    def item(self, op, av) -> str:
        if op is C.LITERAL:
            return _char(av)
        if op is C.NOT_LITERAL:
            return f"[^{_char(av)}]" if av <= _ASCII_END and av != OTHER else _ANY_BYTE
        if op is C.ANY:
            return "."
        if op is C.IN:
            return self.char_class(av)
        if op is C.AT:
            return "\\b" if av is C.AT_BOUNDARY and not self.unicode else ""
        if op in (C.ASSERT, C.ASSERT_NOT):
            return ""
        if op is C.BRANCH:
            return "(?:" + "|".join(self.sequence(branch) for branch in av[1]) + ")"
        if op is C.SUBPATTERN:
            if av[1] or av[2]:
                raise Unsupported("flags set inside the pattern")
            return "(?:" + self.sequence(av[-1]) + ")"
        if op is C.ATOMIC_GROUP:
            return "(?:" + self.sequence(av) + ")"
        if op in _REPEATS:
            low, high, body = av
            top = "" if high is C.MAXREPEAT or high > LOOSEN_ABOVE else str(high)
            return "(?:" + self.sequence(body) + f"){{{low},{top}}}"
        raise Unsupported(f"{op} is not rewritten")

    @staticmethod
    def char_range(low: int, high: int, negated: bool) -> list[str]:
        if negated:  # what a negated class leaves out must not be OTHER
            spans = [(low, min(high, OTHER - 1)), (max(low, OTHER + 1), min(high, _ASCII_END))]
        else:
            spans = [(low, min(high, _ASCII_END))] + ([(OTHER, OTHER)] if high > _ASCII_END else [])
        return [_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in spans if a <= b]

    def char_class(self, items) -> str:
        """A class of bytes; beyond ASCII, a class names OTHER if it may match any such character."""
        negated = bool(items) and items[0][0] is C.NEGATE
        parts = []
        for op, av in items[1:] if negated else items:
            if op is C.LITERAL:
                if not (negated and (av > _ASCII_END or av == OTHER)):
                    parts.append(_char(av))
            elif op is C.RANGE:
                parts += self.char_range(*av, negated)
            elif op is C.CATEGORY and av in _CATEGORIES:
                escape, wider = _CATEGORIES[av]
                if negated and self.unicode and escape.isupper():
                    raise Unsupported("a negated Unicode category inside a negated class")
                parts.append(escape + (wider if self.unicode and not negated else ""))
            else:
                raise Unsupported(f"{op} {av} in a character class")
        if not parts:  # a negated class of characters beyond ASCII only
            return _ANY_BYTE
        return "[" + ("^" if negated else "") + "".join(parts) + "]"
