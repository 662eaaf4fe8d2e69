"""Literal prefilters for regular expressions.

Scanning 15 KB with one case-insensitive pattern costs about half a millisecond in Python's
``re``; ``str.find`` for a literal costs a hundredth of that. So each pattern is paired with
the literal strings one of which every match must contain (read off the parsed pattern), and
the pattern runs only on the lines holding one of them. The results are the same as a full
scan for any match that stays within a line, which all notice patterns do.
"""

from __future__ import annotations

import re
from re import _constants as C  # noqa: N812 - the stdlib names these in capitals
from re import _parser as parser

MAX_TRIGGERS = 40
DIGIT = "\\d"  # a pseudo-literal: the segment holds a digit
# Words on nearly every line of a notice: as triggers they would filter nothing.
COMMON = frozenset("""a an and any are as at be by can data for from in information is it may not of on or our
personal that the this to us we will with you your""".split())


def _weight(literal: str) -> int:
    if literal == DIGIT:
        return 3
    core = literal.strip()
    if core in COMMON:
        return 0
    return len(core) + (3 if any(c.isdigit() for c in core) else 0)


def _is_digits(op, av) -> bool:
    """A character class that holds digits only (\\d, [0-9])."""
    if op is not C.IN:
        return False
    for kind, value in av:
        if kind is C.CATEGORY and value is C.CATEGORY_DIGIT:
            continue
        if kind is C.RANGE and value[0] >= ord("0") and value[1] <= ord("9"):
            continue
        if kind is C.LITERAL and chr(value).isdigit():
            continue
        return False
    return True


def _selectivity(triggers: frozenset[str]) -> tuple[int, int]:
    return min(_weight(t) for t in triggers), -len(triggers)


def _sequence(items) -> frozenset[str] | None:
    """Triggers for a sequence: the most selective mandatory part's, or None if nothing is literal."""
    best: frozenset[str] | None = None

    def consider(found: frozenset[str] | None) -> None:
        nonlocal best
        if found and (best is None or _selectivity(found) > _selectivity(best)):
            best = found

    run: list[str] = []

    def flush() -> None:
        if len(run) >= 2 or (run and not run[0].isalnum()):
            consider(frozenset(["".join(run).lower()]))
        elif run and run[0].isdigit():
            consider(frozenset([DIGIT]))
        run.clear()

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        flush()
        if op is C.SUBPATTERN:
            consider(_sequence(av[-1]))
        elif op is C.ATOMIC_GROUP:
            consider(_sequence(av))
        elif op is C.BRANCH:
            alternatives = [_sequence(branch) for branch in av[1]]
            if all(alternatives):
                consider(frozenset().union(*alternatives))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:
            consider(_sequence(av[2]))
        elif _is_digits(op, av):
            consider(frozenset([DIGIT]))
    flush()
    return best


def triggers(pattern: re.Pattern) -> frozenset[str] | None:
    """Lower-case literals, one of which is in every match; None when the pattern has none."""
    try:
        parsed = parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unparseable pattern simply gets no prefilter
        return None
    found = _sequence(parsed)
    if found is None or len(found) > MAX_TRIGGERS or _selectivity(found)[0] == 0:
        return None
    return found


def split(patterns: list[str], flags: int) -> tuple[list[str], list[str]]:
    """Patterns that have a literal prefilter, and those that must scan everything."""
    with_triggers, without = [], []
    for source in patterns:
        (with_triggers if triggers(re.compile(source, flags)) else without).append(source)
    return with_triggers, without
