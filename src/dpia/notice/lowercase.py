"""Case-insensitive patterns matched as lowercase text against a case-sensitive twin.

Python's ``re`` folds the case of every character it compares when a pattern is IGNORECASE,
and tries each alternative of a group where a case-sensitive pattern skips on its first
character. The analyser's patterns are case-insensitive with re.ASCII, which folds A-Z only.
So each gets a twin with its capitals A-Z lowered, compiled case-sensitive, and is searched
in the text with A-Z lowered: the same matches at the same offsets, about twice as fast.

A twin is also told which characters a match can start with (``first_characters``) where
``re`` cannot see it itself: ``re`` skips ahead only for a pattern that starts with a literal
or a plain alternation of literals, and most of these start with ``\b`` or a group of groups,
so it would try a match at every position of a sentence.
"""

from __future__ import annotations

import _sre
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
    return _compile(parsed, regex.flags & ~re.IGNORECASE)


def started(regex: re.Pattern, parsed: parser.SubPattern) -> re.Pattern:
    """The pattern itself, compiled knowing the characters a match starts with (see _compile)."""
    if regex.flags & re.IGNORECASE and not regex.flags & re.ASCII:
        return regex  # Unicode case folding: the cases of a character are not listed here
    return _compile(parsed, regex.flags, regex.pattern)


def _compile(parsed: parser.SubPattern, flags: int, pattern: str | None = None) -> re.Pattern:
    """As re._compiler.compile, with the characters a match starts with in the pattern's info
    block where re found neither a literal prefix nor such a set: re's search then tries a
    match only at those characters (the same matches; see _sre's search)."""
    code = compiler._code(parsed, flags)
    flags |= parsed.state.flags
    lowest, highest = code[3], code[4]
    if code[0] == C.INFO and not code[2] & (C.SRE_INFO_PREFIX | C.SRE_INFO_CHARSET) and lowest > 0:
        firsts = first_characters(parsed)
        if firsts and flags & re.IGNORECASE:  # ASCII only (see started): both cases of A-Z
            firsts = _both_cases(firsts)
        if firsts:
            charset, _ = compiler._optimize_charset(firsts)
            info = [C.INFO, 0, C.SRE_INFO_CHARSET, lowest, highest]
            compiler._compile_charset(charset, flags, info)
            info[1] = len(info) - 1
            code = info + code[1 + code[1]:]
    groupindex = parsed.state.groupdict
    indexgroup = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return _sre.compile(pattern, flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup))


def _both_cases(items: list) -> list:
    out = list(items)
    for op, av in items:
        if op is C.LITERAL and (_A <= av <= _Z or _A + _CASE <= av <= _Z + _CASE):
            out.append((op, av ^ _CASE))
        elif op is C.RANGE:
            for low, high, shift in ((_A, _Z, _CASE), (_A + _CASE, _Z + _CASE, -_CASE)):
                a, b = max(av[0], low), min(av[1], high)
                if a <= b:
                    out.append((op, (a + shift, b + shift)))
    return out


class _Unknown(ValueError):
    pass


def first_characters(parsed: parser.SubPattern) -> list | None:
    """The set (as re's class items) of characters any match of the pattern starts with, or None
    where that is not known: the pattern can match nothing, or starts with any character, a
    negated class or a back-reference."""
    try:
        firsts, empty = _firsts(parsed.data)
    except _Unknown:
        return None
    return None if empty or not firsts else firsts


def _firsts(items) -> tuple[list, bool]:
    """(what the items' first character may be, whether they can match nothing)."""
    out: list = []
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):  # width 0: the match starts at what follows
            continue
        first, empty = _first(op, av)
        out += first
        if not empty:
            return out, False
    return out, True


def _first(op, av) -> tuple[list, bool]:
    if op is C.LITERAL:
        return [(op, av)], False
    if op is C.IN:
        if any(item not in (C.LITERAL, C.RANGE, C.CATEGORY) for item, _ in av):
            raise _Unknown(op)  # a negated class, or one folded for case
        return list(av), False
    if op is C.SUBPATTERN:
        if av[1] or av[2]:
            raise _Unknown("flags set inside the pattern")
        return _firsts(av[3].data)
    if op is C.ATOMIC_GROUP:
        return _firsts(av.data)
    if op is C.BRANCH:
        out, empty = [], False
        for branch in av[1]:
            first, nothing = _firsts(branch.data)
            out += first
            empty = empty or nothing
        return out, empty
    if op in _REPEATS:
        first, empty = _firsts(av[2].data)
        return first, empty or av[0] == 0
    raise _Unknown(op)


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
