"""Retention periods: does a text state a duration ('6 years', 'ninety days'), and how long is it.

The units and number words are data (vocab/time_units.yaml); the audit's validation and the
comparison of providers read periods through this one module.
"""

from __future__ import annotations

import re
from functools import cache

from . import vocab


@cache
def _pattern() -> re.Pattern[str]:
    units = vocab.get("time_units")
    words = "|".join(units.header["numbers"])
    qualifiers = "|".join(units.header["qualifiers"])
    return re.compile(rf"\b(\d+(?:\.\d+)?|{words})\s*[- ]?\s*(?:(?:{qualifiers}) )?({'|'.join(units.codes())})s?\b", re.IGNORECASE)


def find(text: str) -> re.Match[str] | None:
    """The first duration in ``text``, or None."""
    return _pattern().search(str(text))


def days(text: str) -> float | None:
    """The length of the first duration in ``text`` in days ('7 years' -> 2556.75), or None if it states none."""
    match = find(text)
    if not match:
        return None
    units = vocab.get("time_units")
    number = match.group(1).lower()
    value = float(units.header["numbers"].get(number, number) if not number[0].isdigit() else number)
    return value * units.get(match.group(2).lower())["days"]
