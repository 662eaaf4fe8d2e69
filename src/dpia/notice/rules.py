"""Load the notice detection rules (YAML beside the vocabularies) and compile them once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ..errors import VocabularyError

FLAGS = re.IGNORECASE | re.MULTILINE


def _load(name: str) -> dict[str, Any]:
    path = resources.files("dpia") / "vocab" / f"{name}.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise VocabularyError(f"vocab/{name}.yaml is not valid YAML: {exc}") from None


def any_of(patterns: list[str] | str | None, flags: int = FLAGS) -> re.Pattern | None:
    """One compiled alternation of the patterns, or None for an empty list."""
    if not patterns:
        return None
    if isinstance(patterns, str):
        patterns = [patterns]
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), flags)
    except re.error as exc:
        raise VocabularyError(f"a notice detection pattern does not compile: {exc} in {patterns}") from None


@dataclass(frozen=True)
class ElementRule:
    id: str
    label: str
    article: str
    derived: bool
    patterns: re.Pattern | None
    contextual: re.Pattern | None
    context: re.Pattern | None
    exclude: re.Pattern | None


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
def compiled(path: str) -> re.Pattern | None:
    """The compiled alternation at a dotted path of notice_rules.yaml, e.g. 'transfers.outside'."""
    node: Any = raw()
    for part in path.split("."):
        node = node[part]
    return any_of(node)


@cache
def basis_names() -> dict[str, tuple[re.Pattern | None, re.Pattern | None]]:
    """Art 6 letter -> (strong names, weak names)."""
    names = raw()["lawful_bases"]["names"]
    return {letter: (any_of(spec.get("strong")), any_of(spec.get("weak"))) for letter, spec in names.items()}


@cache
def all_basis_names() -> re.Pattern:
    """Every Art 6 basis name with the letter as the group name, for reading a citation's label."""
    parts = []
    for letter, spec in raw()["lawful_bases"]["names"].items():
        pats = (spec.get("strong") or []) + (spec.get("weak") or [])
        parts.append(f"(?P<{letter}>" + "|".join(f"(?:{p})" for p in pats) + ")")
    return re.compile("|".join(parts), FLAGS)


@cache
def findings() -> dict[str, dict[str, str]]:
    return _load("notice_findings")["findings"]


@cache
def country_pattern() -> tuple[re.Pattern, dict[str, str]]:
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
    pattern = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w])")
    return pattern, names
