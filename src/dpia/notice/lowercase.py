"""Case-insensitive patterns matched as lowercase text against a case-sensitive twin.

Python's ``re`` folds the case of every character it compares when a pattern is IGNORECASE,
and tries each alternative of a group where a case-sensitive pattern skips on its first
character. The analyser's patterns are case-insensitive with re.ASCII, which folds A-Z only.
So each gets a twin with its capitals A-Z lowered, compiled case-sensitive, and is searched
in the text with A-Z lowered: the same matches at the same offsets, about twice as fast.
"""

from __future__ import annotations

import re
from re import _compiler as compiler
from re import _constants as C  # noqa: N812 - the stdlib names these in capitals
from re import _parser as parser

_A, _Z = ord("A"), ord("Z")
_CASE = ord("a") - ord("A")
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)


class _Refused(ValueError):
    pass


def lower(text: str) -> str:
    """``text`` with A-Z lowered and every other character as it was (so offsets agree)."""
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def parse(regex: re.Pattern) -> parser.SubPattern:
    """The pattern parsed, once for both ``anchored`` and ``twin`` (parsing is most of their cost)."""
    return parser.parse(regex.pattern, regex.flags)


def twin(regex: re.Pattern, parsed: parser.SubPattern | None = None) -> re.Pattern | None:
    """The case-sensitive twin of an ASCII case-insensitive pattern, for text passed through
    ``lower``; None where the pattern is not of that kind or has a construct not rewritten.
    ``parsed`` (from ``parse``) is used up."""
    if not (regex.flags & re.IGNORECASE and regex.flags & re.ASCII):
        return None
    if parsed is None:
        parsed = parse(regex)
    try:
        parsed.data = _lowered(parsed.data)
    except _Refused:
        return None
    parsed.state.flags &= ~re.IGNORECASE
    return compiler.compile(parsed, regex.flags & ~re.IGNORECASE)


def _low(code: int) -> int:
    return code + _CASE if _A <= code <= _Z else code


def _sub(pattern: parser.SubPattern) -> parser.SubPattern:
    return parser.SubPattern(pattern.state, _lowered(pattern.data))


def _lowered(items) -> list:
    out = []
    for op, av in items:
        if op in (C.LITERAL, C.NOT_LITERAL):
            out.append((op, _low(av)))
        elif op is C.IN:
            out.append((op, _class(av)))
        elif op is C.BRANCH:
            out.append((op, (av[0], [_sub(branch) for branch in av[1]])))
        elif op is C.SUBPATTERN:
            group, add_flags, del_flags, body = av
            if add_flags or del_flags:
                raise _Refused("flags set inside the pattern")
            out.append((op, (group, add_flags, del_flags, _sub(body))))
        elif op in _REPEATS:
            out.append((op, (av[0], av[1], _sub(av[2]))))
        elif op in (C.ASSERT, C.ASSERT_NOT):
            out.append((op, (av[0], _sub(av[1]))))
        elif op is C.ATOMIC_GROUP:
            out.append((op, _sub(av)))
        elif op in (C.AT, C.ANY):
            out.append((op, av))
        else:
            raise _Refused(f"{op} is not rewritten")
    return out


def _class(items) -> list:
    """A class that matches, in lowered text, what the original matched ignoring case: each
    capital it names is joined by its lowercase (capitals never occur in lowered text)."""
    out = list(items)
    for op, av in items:
        if op is C.LITERAL:
            if _A <= av <= _Z:
                out.append((op, av + _CASE))
        elif op is C.RANGE:
            low, high = max(av[0], _A), min(av[1], _Z)
            if low <= high:
                out.append((op, (low + _CASE, high + _CASE)))
        elif op not in (C.NEGATE, C.CATEGORY):
            raise _Refused(f"{op} in a character class")
    return out


def anchored(regex: re.Pattern, parsed: parser.SubPattern | None = None) -> bool:
    """Whether every match of the pattern starts at the beginning of a line (or of the text):
    in a piece of text without a newline, ``match`` then finds what ``search`` finds, without
    trying every other position first."""
    return _anchored((parsed if parsed is not None else parse(regex)).data)


_AT_START = (C.AT_BEGINNING, C.AT_BEGINNING_STRING)


def _anchored(items) -> bool:
    if not items:
        return False
    op, av = items[0]
    if op is C.AT:
        return av in _AT_START
    if op is C.SUBPATTERN:
        return _anchored(av[3].data)
    if op is C.ATOMIC_GROUP:
        return _anchored(av.data)
    if op is C.BRANCH:
        return all(_anchored(branch.data) for branch in av[1])
    return False
