"""Load the notice detection rules (YAML beside the vocabularies) and compile them once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..errors import VocabularyError
from ..vocab import read_yaml
from . import lowercase, prefilter

# ASCII: notices are English; case-insensitive matching is about twice as fast without Unicode case folding.
FLAGS = re.IGNORECASE | re.MULTILINE | re.ASCII


# Keys of patterns only ever tested against one sentence or its context, never searched for
# across the notice: they stay out of the prefilter.
CHECKS = frozenset({"context", "exclude", "heading_context", "sentence_context", "not_a_statement", "negation",
                    "transfer_verbs", "absolute", "not_retention", "rights_only"})


class Rx:
    """A compiled pattern; one searched for across a notice is registered with the prefilter
    that finds the sentences it may match (``id`` -1 for a sentence-level check). ``fast`` is
    its twin for lowercased text (lowercase.py), or None."""

    __slots__ = ("regex", "id", "search", "finditer", "match", "fast")

    def __init__(self, regex: re.Pattern, scan: bool = True):
        self.regex = regex
        self.id = prefilter.register(regex) if scan else -1
        self.search, self.finditer, self.match = regex.search, regex.finditer, regex.match
        self.fast = lowercase.twin(regex)


def any_of(patterns: list[str] | str | None, flags: int = FLAGS, scan: bool = True) -> Rx | None:
    """One compiled alternation of the patterns, or None for an empty list."""
    if not patterns:
        return None
    if isinstance(patterns, str):
        patterns = [patterns]
    return _compile(tuple(patterns), flags, scan)


@cache
def _compile(patterns: tuple[str, ...], flags: int, scan: bool) -> Rx:
    try:
        return Rx(re.compile("|".join(f"(?:{p})" for p in patterns), flags), scan)
    except re.error as exc:
        raise VocabularyError(f"a notice detection pattern does not compile: {exc} in {patterns}") from None


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
    data = read_yaml("notice_elements")["elements"]
    return {
        key: ElementRule(key, spec["label"], spec["article"], bool(spec.get("derived")), any_of(spec.get("patterns")),
                         any_of(spec.get("contextual")), any_of(spec.get("context"), scan=False),
                         any_of(spec.get("exclude"), scan=False))
        for key, spec in data.items()
    }


@cache
def raw() -> dict[str, Any]:
    return read_yaml("notice_rules")


def _node(path: str) -> Any:
    node: Any = raw()
    for part in path.split("."):
        node = node[part]
    return node


@cache
def compiled(path: str) -> Rx | None:
    """The compiled alternation at a dotted path of notice_rules.yaml, e.g. 'transfers.outside'."""
    return any_of(_node(path), scan=path.rsplit(".", 1)[-1] not in CHECKS)


@cache
def block(path: str) -> dict[str, Rx]:
    """Code -> compiled alternation, for a mapping of codes to patterns in notice_rules.yaml
    (e.g. 'data_subjects'); a sentence-level check beside the codes (a 'negation') is left out."""
    return {code: any_of(patterns) for code, patterns in _node(path).items() if code not in CHECKS}


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
    return Rx(re.compile("|".join(parts), FLAGS), scan=False)


@cache
def findings() -> dict[str, dict[str, str]]:
    return read_yaml("notice_findings")["findings"]


@cache
def country_pattern() -> tuple[Rx, dict[str, str]]:
    """Country names (case-sensitive) -> ISO code, from the countries vocabulary plus aliases."""
    names: dict[str, str] = {}
    # The raw file, not vocab.get: analysing a notice needs no other vocabulary, nor their checks.
    for term in read_yaml("countries")["entries"]:
        label, code = term["label"], term["code"]
        if term.get("destination_only"):  # EU institutions, an unnamed EEA state: not countries a notice names
            continue
        names[label] = code
        if "," in label:  # "Korea, Republic of" -> also "Korea"
            names[label.split(",")[0]] = code
    names.update(raw()["transfers"]["country_aliases"])
    for uk in ("United Kingdom", "UK", "Britain", "Great Britain"):
        names.pop(uk, None)
    ordered = sorted(names, key=len, reverse=True)
    # "Northern Ireland" and "New Jersey" are not the countries their last word names.
    pattern = re.compile(r"(?<![\w.])(?<!Northern )(?<!New )(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w])")
    return Rx(pattern), names


def load_all() -> None:
    """Compile every rule now, so that the prefilter is built once over all of them."""
    from . import detect, document  # noqa: F401 - their module-level patterns register on import

    elements()
    basis_names()
    all_basis_names()
    country_pattern()
    _compile_lists(raw())


def _compile_lists(node: Any, key: str = "") -> None:
    """Every list of strings in notice_rules.yaml is a list of patterns."""
    if isinstance(node, dict):
        for name, value in node.items():
            _compile_lists(value, name)
    elif isinstance(node, list) and node and all(isinstance(p, str) for p in node):
        any_of(node, scan=key not in CHECKS)
