"""Legal vocabularies: load the YAML under ``dpia/vocab``, check it, and look codes up.

This module is the one place to look a code up. Every term carries ``code``, ``label``,
``description``, ``source`` and ``as_of``; a vocabulary's header supplies ``source`` and
``as_of`` to entries that do not give their own.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .errors import UnknownCodeError, VocabularyError

__all__ = ["NOT_STATED", "Term", "UnknownCodeError", "Vocabulary", "VocabularyError", "get", "load_all", "lookup",
           "split_codes"]

NOT_STATED = "not stated"
LIST_SEPARATOR = ";"
_REQUIRED = ("code", "label", "description", "source", "as_of")


def normalise(text: str) -> str:
    """Fold case, spacing and punctuation so '6 (1) (b)', 'Art. 6(1)(b)' and '6(1)(b)' compare equal."""
    key = re.sub(r"[^a-z0-9]", "", str(text).lower())
    return re.sub(r"^(article|art)(?=\d)", "", key)


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    description: str
    source: str
    as_of: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.extra[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.extra.get(key, default)


@dataclass
class Vocabulary:
    name: str
    title: str
    terms: dict[str, Term]
    aliases: dict[str, str]
    _index: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for code in self.terms:
            self._index.setdefault(normalise(code), code)
        for alias, code in self.aliases.items():
            self._index.setdefault(normalise(alias), code)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.resolve(code) is not None

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms.values())

    def __len__(self) -> int:
        return len(self.terms)

    def codes(self) -> list[str]:
        return list(self.terms)

    def resolve(self, text: str) -> str | None:
        """The canonical code for a code or alias, or None."""
        text = str(text).strip()
        if text in self.terms:
            return text
        return self._index.get(normalise(text))

    def suggest(self, text: str, n: int = 3) -> list[str]:
        keys = list(self._index)
        close = difflib.get_close_matches(normalise(text), keys, n=n, cutoff=0.6)
        seen: list[str] = []
        for key in close:
            code = self._index[key]
            if code not in seen:
                seen.append(code)
        return seen

    def get(self, text: str) -> Term:
        code = self.resolve(text)
        if code is None:
            raise UnknownCodeError(self.name, str(text), self.suggest(text), self.codes())
        return self.terms[code]

    def label(self, text: str) -> str:
        return self.get(text).label


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where PyYAML has it: about ten times faster


def read_yaml(name: str) -> Any:
    """The parsed vocab/<name>.yaml of the package."""
    path = resources.files("dpia") / "vocab" / f"{name}.yaml"
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise VocabularyError(f"vocab/{name}.yaml is not valid YAML: {exc}") from None


def _read(name: str) -> dict:
    data = read_yaml(name)
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise VocabularyError(f"vocab/{name}.yaml needs a mapping with an 'entries' list")
    return data


def _build(name: str, data: dict) -> Vocabulary:
    terms: dict[str, Term] = {}
    for i, entry in enumerate(data["entries"], start=1):
        merged = {"source": data.get("source"), "as_of": data.get("as_of"), **entry}
        missing = [k for k in _REQUIRED if not merged.get(k)]
        if missing:
            raise VocabularyError(f"vocab/{name}.yaml entry {i} ({entry.get('code')!r}) lacks {', '.join(missing)}")
        code = str(merged["code"])
        if code in terms:
            raise VocabularyError(f"vocab/{name}.yaml: code {code!r} appears twice")
        extra = {k: v for k, v in merged.items() if k not in _REQUIRED}
        terms[code] = Term(code, str(merged["label"]), str(merged["description"]),
                           str(merged["source"]), str(merged["as_of"]), extra)
    aliases = {str(k): str(v) for k, v in (data.get("aliases") or {}).items()}
    return Vocabulary(name, str(data.get("title", name)), terms, aliases)


VOCABULARIES = (
    "art6", "art9", "schedule1", "special_categories", "data_subjects", "recipient_types",
    "transfer_mechanisms", "countries", "adequacy", "screening_criteria", "techniques",
    "risk_methods", "provider_kinds",
)


@cache
def load_all() -> dict[str, Vocabulary]:
    """Every vocabulary, loaded once and checked; raises VocabularyError on the first fault."""
    vocabs = {name: _build(name, _read(name)) for name in VOCABULARIES}
    faults = check(vocabs)
    if faults:
        raise VocabularyError("vocabulary faults:\n" + "\n".join(faults))
    return vocabs


def get(name: str) -> Vocabulary:
    vocabs = load_all()
    if name not in vocabs:
        raise UnknownCodeError("vocabulary", name, difflib.get_close_matches(name, vocabs), list(vocabs))
    return vocabs[name]


def lookup(name: str, code: str) -> Term:
    """The term for ``code`` in vocabulary ``name``; unknown codes raise with close matches."""
    return get(name).get(code)


def split_codes(cell: str) -> list[str]:
    """A multi-valued cell ('6(1)(b); 6(1)(e)') as its stripped, non-empty parts."""
    return [p.strip() for p in str(cell).split(LIST_SEPARATOR) if p.strip()]


def _ref_faults(vocabs: dict[str, Vocabulary], name: str, key: str, target: str, extra_ok=()) -> list[str]:
    faults = []
    for term in vocabs[name]:
        refs = term.get(key)
        refs = refs if isinstance(refs, list) else [refs]
        for ref in refs:
            if ref is not None and ref not in extra_ok and ref not in vocabs[target].terms:
                faults.append(f"{name}: {term.code}.{key} refers to unknown {target} code {ref!r}")
    return faults


def check(vocabs: dict[str, Vocabulary]) -> list[str]:
    """Every reference between vocabularies resolves, aliases point at codes, keys don't collide."""
    faults: list[str] = []
    for voc in vocabs.values():
        for alias, code in voc.aliases.items():
            if code not in voc.terms:
                faults.append(f"{voc.name}: alias {alias!r} points at unknown code {code!r}")
        seen: dict[str, str] = {}
        for code in voc.terms:
            key = normalise(code)
            if key in seen:
                faults.append(f"{voc.name}: codes {seen[key]!r} and {code!r} are indistinguishable")
            seen[key] = code
    faults += _ref_faults(vocabs, "schedule1", "serves", "art9", extra_ok=("art10",))
    for name in ("special_categories", "data_subjects", "techniques"):
        faults += _ref_faults(vocabs, name, "screening", "screening_criteria")
    for term in vocabs["adequacy"]:
        if term.code not in vocabs["countries"].terms:
            faults.append(f"adequacy: {term.code!r} is not an ISO 3166 country code")
    for method in vocabs["risk_methods"]:
        faults += _method_faults(method, vocabs["risk_methods"])
    return faults


def _method_faults(method: Term, methods: Vocabulary) -> list[str]:
    faults = []
    likelihood = [lv["code"] for lv in method["likelihood"]]
    severity = [lv["code"] for lv in method["severity"]]
    matrix = method["matrix"]
    if list(matrix) != likelihood:
        faults.append(f"risk_methods: {method.code} matrix rows {list(matrix)} != likelihood {likelihood}")
    for row, cells in matrix.items():
        if len(cells) != len(severity) or not set(cells) <= {"low", "medium", "high"}:
            faults.append(f"risk_methods: {method.code} matrix row {row!r} must give low/medium/high per severity")
    for axis in ("likelihood", "severity"):
        for level in method[axis]:
            for other, code in (level.get("equivalent") or {}).items():
                if other not in methods.terms or code not in [lv["code"] for lv in methods.terms[other][axis]]:
                    faults.append(f"risk_methods: {method.code} {axis} {level['code']} equivalent {other}:{code} is unknown")
    return faults
