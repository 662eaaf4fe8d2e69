"""Load the notice detection rules (YAML beside the vocabularies) and compile them once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ..errors import VocabularyError
from .triggers import DIGIT, split, triggers

# ASCII: notices are English; case-insensitive matching is about twice as fast without Unicode case folding.
FLAGS = re.IGNORECASE | re.MULTILINE | re.ASCII


def _load(name: str) -> dict[str, Any]:
    path = resources.files("dpia") / "vocab" / f"{name}.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise VocabularyError(f"vocab/{name}.yaml is not valid YAML: {exc}") from None


_LITERALS: set[str] = set()


def automaton():
    """An Aho-Corasick automaton over every trigger literal compiled so far (rebuilt when that grows).

    One pass over a notice finds every literal, where str.find would rescan it once per literal."""
    global _AUTOMATON
    if _AUTOMATON is None or _AUTOMATON[1] != len(_LITERALS):
        import ahocorasick

        machine = ahocorasick.Automaton()
        for literal in _LITERALS:
            machine.add_word(literal, literal)
        machine.make_automaton()
        _AUTOMATON = (machine, len(_LITERALS), frozenset(_LITERALS))
    return _AUTOMATON[0], _AUTOMATON[2]


_AUTOMATON = None


class Rx:
    """A compiled pattern with its literal prefilter (see triggers.py).

    ``parts`` splits an alternation into the part that has triggers and the part that scans
    every line, so that one untriggerable alternative does not cost the others their filter.
    """

    __slots__ = ("regex", "triggers", "search", "finditer", "match", "parts")

    def __init__(self, regex: re.Pattern, parts: tuple[Rx, ...] = (), literals: frozenset[str] | None = None):
        self.regex = regex
        self.triggers = literals if literals is not None else triggers(regex)
        if self.triggers:
            _LITERALS.update(t for t in self.triggers if t != DIGIT)
        self.search, self.finditer, self.match = regex.search, regex.finditer, regex.match
        self.parts = parts or (self,)


def any_of(patterns: list[str] | str | None, flags: int = FLAGS) -> Rx | None:
    """One compiled alternation of the patterns, or None for an empty list."""
    if not patterns:
        return None
    if isinstance(patterns, str):
        patterns = [patterns]
    return _compile(tuple(patterns), flags)


@cache
def _compile(patterns: tuple[str, ...], flags: int) -> Rx:
    try:
        whole = re.compile("|".join(f"(?:{p})" for p in patterns), flags)
        with_triggers, without = split(patterns, flags)
    except re.error as exc:
        raise VocabularyError(f"a notice detection pattern does not compile: {exc} in {patterns}") from None
    if not with_triggers or not without:
        return Rx(whole)
    parts = tuple(Rx(re.compile("|".join(f"(?:{p})" for p in group), flags)) for group in (with_triggers, without))
    return Rx(whole, parts)


@dataclass(frozen=True)
class ElementRule:
    id: str
    label: str
    article: str
    derived: bool
    patterns: Rx | None
    contextual: Rx | None
    context: Rx | None
    exclude: Rx | None


@cache
def elements() -> dict[str, ElementRule]:
    data = _load("notice_elements")["elements"]
    return {
        key: ElementRule(key, spec["label"], spec["article"], bool(spec.get("derived")), any_of(spec.get("patterns")),
                         any_of(spec.get("contextual")), any_of(spec.get("context")), any_of(spec.get("exclude")))
        for key, spec in data.items()
    }


@cache
def raw() -> dict[str, Any]:
    return _load("notice_rules")


@cache
def compiled(path: str) -> Rx | None:
    """The compiled alternation at a dotted path of notice_rules.yaml, e.g. 'transfers.outside'."""
    node: Any = raw()
    for part in path.split("."):
        node = node[part]
    return any_of(node)


@cache
def basis_names() -> dict[str, tuple[Rx | None, Rx | None]]:
    """Art 6 letter -> (strong names, weak names)."""
    names = raw()["lawful_bases"]["names"]
    return {letter: (any_of(spec.get("strong")), any_of(spec.get("weak"))) for letter, spec in names.items()}


@cache
def all_basis_names() -> Rx:
    """Every Art 6 basis name with the letter as the group name, for reading a citation's label."""
    parts = []
    for letter, spec in raw()["lawful_bases"]["names"].items():
        pats = (spec.get("strong") or []) + (spec.get("weak") or [])
        parts.append(f"(?P<{letter}>" + "|".join(f"(?:{p})" for p in pats) + ")")
    return Rx(re.compile("|".join(parts), FLAGS))


@cache
def findings() -> dict[str, dict[str, str]]:
    return _load("notice_findings")["findings"]


@cache
def country_pattern() -> tuple[Rx, dict[str, str]]:
    """Country names (case-sensitive) -> ISO code, from the countries vocabulary plus aliases."""
    from .. import vocab

    names: dict[str, str] = {}
    for term in vocab.get("countries"):
        label = term.label
        names[label] = term.code
        if "," in label:  # "Korea, Republic of" -> also "Korea"
            names[label.split(",")[0]] = term.code
    names.update(raw()["transfers"]["country_aliases"])
    for uk in ("United Kingdom", "UK", "Britain", "Great Britain"):
        names.pop(uk, None)
    ordered = sorted(names, key=len, reverse=True)
    # "Northern Ireland" and "New Jersey" are not the countries their last word names.
    pattern = re.compile(r"(?<![\w.])(?<!Northern )(?<!New )(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w])")
    return Rx(pattern), names
