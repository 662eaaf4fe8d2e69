"""The notice rule set: every detection pattern, read from the YAML beside the vocabularies,
checked against a schema and compiled once (``ruleset()``).

Nothing registers itself on import. ``RuleSet`` reads vocab/notice_elements.yaml,
notice_rules.yaml and notice_findings.yaml, refuses a key it does not know (naming the file
and the key), compiles each list of patterns once, gives each pattern that is searched for
across a notice an id, and builds the prefilter over exactly those (prefilter.Prefilter).
Detectors ask the rule set for a pattern by its dotted path (``rs.rx("transfers.outside")``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..errors import VocabularyError
from ..vocab import read_yaml
from . import lowercase
from .prefilter import Prefilter

# ASCII: notices are English; case-insensitive matching is about twice as fast without Unicode case folding.
FLAGS = re.IGNORECASE | re.MULTILINE | re.ASCII


class Rx:
    """A compiled pattern. ``id`` is its index among the patterns the prefilter scans for, or -1
    for one it does not. ``alone``: tested against one sentence (or a short piece of text) on its
    own, never searched in place across the notice; the prefilter, where it scans for one, only
    rules sentences out. ``fast`` is its twin for lowercased text (lowercase.py), or None.
    ``in_line`` and ``fast_in_line`` search a piece of one line (a segment, or part of one) with
    the pattern and its twin: ``match`` where every match starts a line, else ``search``."""

    __slots__ = ("regex", "id", "alone", "search", "finditer", "match", "fast", "parts", "in_line", "fast_in_line")

    def __init__(self, regex: re.Pattern, id: int = -1, parts: tuple[Rx, ...] = (), alone: bool = False):  # noqa: A002
        parsed = lowercase.parse(regex)
        anchored = lowercase.anchored(regex, parsed)
        self.regex = regex = lowercase.started(regex, parsed)
        self.id = id
        self.alone = alone
        self.parts = parts  # an alternation of scanned patterns: it may match where any of them may
        self.search, self.finditer, self.match = regex.search, regex.finditer, regex.match
        self.fast = lowercase.twin(regex, parsed)
        self.in_line = regex.match if anchored else regex.search
        self.fast_in_line = None if self.fast is None else self.fast.match if anchored else self.fast.search


def _join(patterns: list[str] | tuple[str, ...]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def compile_pattern(pattern: str, flags: int = FLAGS, where: str = "") -> re.Pattern:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise VocabularyError(f"{where or 'a notice pattern'} does not compile: {exc} in {pattern!r}") from None


def any_of(patterns: list[str] | str | None, flags: int = FLAGS) -> Rx | None:
    """One alternation of the patterns, outside any rule set (not prefiltered), or None for none."""
    if not patterns:
        return None
    return Rx(compile_pattern(_join([patterns] if isinstance(patterns, str) else patterns), flags))


# ---- the schema of the three YAML files ------------------------------------------------------


@dataclass(frozen=True)
class Patterns:
    """A list of regular expressions, compiled as one alternation. ``scan``: given to the prefilter.
    ``alone``: only tested against one sentence or piece of text on its own, else searched for
    across the notice."""

    scan: bool = True
    alone: bool = False
    flags: int = FLAGS
    single: bool = False  # exactly one pattern, used on its own (e.g. with match)


@dataclass(frozen=True)
class Codes:
    """A mapping from codes (checked against ``known``) to what ``value`` describes."""

    value: Any
    known: tuple[str, ...] | str | None = None  # the codes allowed, or a vocabulary's name
    exact: bool = False  # every known code must be there


TEXT, DATE, ANY_MAP = "text", "date", "mapping of text"
TEMPLATES = "list of patterns with a {placeholder}"  # compiled by RuleSet._extra once the placeholder is filled
ELEMENT_IDS = (
    "controller_identity", "controller_contact", "dpo_contact", "purposes", "lawful_basis", "legitimate_interests",
    "recipients", "international_transfers", "retention", "right_access", "right_rectification", "right_erasure",
    "right_restriction", "right_portability", "right_object", "right_automated_decisions", "right_withdraw_consent",
    "right_complain", "right_complain_controller", "statutory_contractual_requirement", "automated_decision_making",
    "source_of_data", "cookies",
)
SCAN, CHECK = Patterns(), Patterns(scan=False, alone=True)
FILTERED = Patterns(alone=True)  # tested against one sentence at a time, where the prefilter lets it match
ART6 = ("a", "b", "c", "d", "e", "ea", "f")
ART9 = tuple("abcdefghij")
MECHANISMS = ("adequacy", "idta", "uk_addendum", "sccs", "bcr", "derogation")

ELEMENT = {"label": TEXT, "article": TEXT, "article_from": ANY_MAP, "derived": bool, "note": TEXT, "from": DATE,
           "applies": ("always", "art13", "art14", "consent", "legitimate_interests", "complaints_to_controller", "pecr"),
           "patterns": SCAN, "contextual": CHECK, "context": SCAN, "exclude": FILTERED, "section": CHECK}
ELEMENTS_SCHEMA = {"source": TEXT, "as_of": DATE, "elements": Codes(ELEMENT, ELEMENT_IDS, exact=True),
                   "evidence": {"overview": SCAN, "title": CHECK, "mention": CHECK, "only_from_person": SCAN}}
FINDING = {"severity": ("high", "medium", "low"), "message": TEXT, "from": DATE,
           "law": Codes(ANY_MAP, None)}
FINDINGS_SCHEMA = {"source": TEXT, "as_of": DATE, "findings": Codes(FINDING)}
RULES_SCHEMA = {
    "source": TEXT, "as_of": DATE,
    "web": {"url": Patterns(flags=0), "domain": Patterns(flags=re.IGNORECASE | re.ASCII),
            "obfuscated": SCAN},
    "lawful_bases": {
        "art6_citation": SCAN, "art9_citation": SCAN, "schedule1": SCAN, "heading_context": SCAN,
        "sentence_context": FILTERED, "not_a_statement": FILTERED, "interests_described": CHECK,
        "interests_listed": CHECK,
        "names": Codes({"strong": SCAN, "weak": SCAN}, ART6),
        "art9_names": Codes(SCAN, ART9), "art9_listed": Codes(SCAN, ART9), "art9_context": SCAN,
        "art9_not_a_condition": CHECK, "refers_back": CHECK,
        "label": {"gap_before": Patterns(scan=False, flags=re.IGNORECASE),
                  "gap_after": Patterns(scan=False, flags=0), "join": Patterns(scan=False, flags=re.IGNORECASE)},
    },
    "special_categories": Codes(SCAN, "special_categories"),
    "special_category_checks": {"negation": FILTERED, "definition": FILTERED, "held": CHECK},
    "transfers": {"outside": SCAN, "transfer_verbs": CHECK, "country_context": SCAN, "uk_only": SCAN,
                  "absolute": CHECK, "negation": CHECK, "mechanisms": Codes(SCAN, MECHANISMS),
                  "mechanism_context": SCAN, "country_aliases": ANY_MAP, "not_foreign": [str], "eea": [str],
                  "not_after": [str]},
    "retention": {"context": CHECK, "heading": CHECK, "duration": SCAN, "not_retention": CHECK, "vague": SCAN,
                  "period_lead": CHECK, "period_tail": CHECK},
    "automated_decisions": {"none": SCAN, "described": SCAN, "rights_only": CHECK, "decision": CHECK,
                            "human_review": SCAN},
    "marketing": {"mentions": SCAN, "negation": CHECK, "electronic": CHECK, "offline": CHECK,
                  "consent": CHECK},
    "law": {"uk_law": SCAN, "dpa1998": SCAN, "eu_gdpr": SCAN, "ico_url": SCAN, "ico_valid": TEXT},
    "dates": {"keywords": SCAN, "month": TEXT, "formats": TEMPLATES,
              "month_names": [str], "month_aliases": ANY_MAP},
    "organisation": {"name": TEXT, "patterns": TEMPLATES, "legal_name": Patterns(flags=re.MULTILINE), "registered": CHECK,
                     "not_names": Patterns(scan=False, flags=0),
                     "trailing": Patterns(scan=False, flags=0)},
    # read only when `dpia new` drafts an audit: not scanned for on every notice
    "data_subjects": Codes(Patterns(scan=False), "data_subjects"),
    "recipients": Codes(Patterns(scan=False), "recipient_types"),
}


class _Reader:
    """Checks one YAML file against its schema and compiles its patterns."""

    def __init__(self, ruleset: RuleSet, file: str):
        self.rs, self.file = ruleset, file

    def fail(self, path: str, problem: str) -> VocabularyError:
        return VocabularyError(f"vocab/{self.file}.yaml: {path or 'the file'}: {problem}")

    def read(self, schema: Any, node: Any, path: str = "") -> None:
        if isinstance(schema, dict):
            if not isinstance(node, dict):
                raise self.fail(path, "must be a mapping")
            for key in node:
                if key not in schema:
                    raise self.fail(_at(path, key), f"unknown key {key!r}; expected one of {', '.join(schema)}")
            for key, sub in schema.items():
                if key in node:
                    self.read(sub, node[key], _at(path, key))
        elif isinstance(schema, Codes):
            if not isinstance(node, dict):
                raise self.fail(path, "must be a mapping of codes")
            known = _known(schema.known)
            for code, value in node.items():
                if known is not None and code not in known:
                    raise self.fail(_at(path, code), f"unknown code {code!r}; expected one of {', '.join(known)}")
                self.read(schema.value, value, _at(path, code))
            if schema.exact and known is not None and set(node) != set(known):
                raise self.fail(path, f"missing {', '.join(k for k in known if k not in node)}")
            self.rs.values[path] = node
        elif isinstance(schema, Patterns):
            if isinstance(node, str):
                node = [node]
            if not isinstance(node, list) or not all(isinstance(p, str) for p in node):
                raise self.fail(path, "must be a list of regular expressions")
            self.rs.patterns(path, node, schema, f"vocab/{self.file}.yaml {path}")
        elif isinstance(schema, list):
            if not isinstance(node, list) or not all(isinstance(v, schema[0]) for v in node):
                raise self.fail(path, f"must be a list of {schema[0].__name__}")
            self.rs.values[path] = node
        elif isinstance(schema, tuple):
            if node not in schema:
                raise self.fail(path, f"{node!r} is not one of {', '.join(schema)}")
            self.rs.values[path] = node
        else:
            ok = {TEXT: isinstance(node, str), DATE: isinstance(node, dt.date | str), ANY_MAP: isinstance(node, dict),
                  bool: isinstance(node, bool),
                  TEMPLATES: isinstance(node, list) and all(isinstance(p, str) for p in node)}[schema]
            if not ok:
                raise self.fail(path, f"must be {schema if isinstance(schema, str) else 'true or false'}")
            self.rs.values[path] = node


def _at(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _known(known: tuple[str, ...] | str | None) -> tuple[str, ...] | None:
    if known is None or isinstance(known, tuple):
        return known
    return tuple(str(entry["code"]) for entry in read_yaml(known)["entries"])  # the raw file, as for countries


# ---- the rule set ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementRule:
    id: str
    label: str
    article: str
    derived: bool
    patterns: tuple[Rx, ...]  # each on its own: the first that matches ranks a sentence as evidence
    any: Rx | None  # their alternation
    contextual: Rx | None
    context: Rx | None
    exclude: Rx | None
    section: Rx | None  # headings of the section where the element is stated
    applies: str  # when the element is expected (Art 13 / Art 14 / where a basis is relied on)
    in_force_from: str | None  # the first audit date on which the element is required
    articles: tuple[tuple[str, str], ...] = ()  # (ISO date, citation from that date), oldest first, where the law changed

    def article_on(self, day: Any) -> str:
        """The element's citation in the law in force on ``day`` (an ISO date or a date)."""
        day = str(day)[:10]
        return next((cite for since, cite in reversed(self.articles) if day >= since), self.article)


class RuleSet:
    """Every notice pattern compiled once, with the prefilter over those searched for across a notice."""

    def __init__(self, elements: dict, rules: dict, findings: dict):
        self._rx: dict[str, Rx | None] = {}
        self.values: dict[str, Any] = {}
        self.scanned: list[re.Pattern] = []
        self._ids: dict[tuple[str, int], int] = {}
        self.used: set[str] = set()
        self.built: set[str] = {"source", "as_of"}  # read while building, or the files' own metadata
        _Reader(self, "notice_elements").read(ELEMENTS_SCHEMA, elements)
        _Reader(self, "notice_rules").read(RULES_SCHEMA, rules)
        _Reader(self, "notice_findings").read(FINDINGS_SCHEMA, findings)
        self.findings: dict[str, dict] = findings["findings"]
        self.elements = {key: self._element(key, spec) for key, spec in elements["elements"].items()}
        self._extra()
        self.prefilter = Prefilter(self.scanned)

    def patterns(self, path: str, patterns: list[str], kind: Patterns, where: str) -> None:
        if not patterns:
            self._rx[path] = None
            return
        regex = compile_pattern(_join(patterns), kind.flags, where)
        if path.startswith("elements.") and path.endswith(".patterns"):
            # each pattern scanned on its own: the first that matches a sentence is its rank as
            # evidence, and the sentences where any matches are those of the alternation
            parts = tuple(self._make(compile_pattern(p, kind.flags, where), True) for p in patterns)
            self._rx[path + "[]"] = parts
            self._rx[path] = Rx(regex, parts=parts)
        else:
            self._rx[path] = self._make(regex, kind.scan, kind.alone)

    def _make(self, regex: re.Pattern, scan: bool, alone: bool = False) -> Rx:
        if not scan:
            return Rx(regex, alone=alone)
        key = (regex.pattern, regex.flags)
        if key not in self._ids:
            self._ids[key] = len(self.scanned)
            self.scanned.append(regex)
        return Rx(regex, self._ids[key], alone=alone)

    def _element(self, key: str, spec: dict) -> ElementRule:
        at = f"elements.{key}."
        return ElementRule(key, spec["label"], spec["article"], bool(spec.get("derived")),
                           self._rx.get(at + "patterns[]", ()), self._rx.get(at + "patterns"), self._rx.get(at + "contextual"),
                           self._rx.get(at + "context"), self._rx.get(at + "exclude"), self._rx.get(at + "section"),
                           spec.get("applies", "always"), str(spec["from"]) if spec.get("from") else None,
                           tuple(sorted((str(k), str(v)) for k, v in (spec.get("article_from") or {}).items())))

    def _extra(self) -> None:
        """Patterns built from several entries: basis names by letter, country names, date formats, organisations."""
        names = self._take("lawful_bases.names")
        parts = [f"(?P<{letter}>" + _join((spec.get("strong") or []) + (spec.get("weak") or [])) + ")"
                 for letter, spec in names.items()]
        self._rx["lawful_bases.any_name"] = Rx(compile_pattern("|".join(parts)))
        self._rx["transfers.countries"], self.country_codes = self._countries()
        month = self._take("dates.month")
        self.date_formats = [compile_pattern(p.replace("{month}", month), re.IGNORECASE, "notice_rules.yaml dates.formats")
                             for p in self._take("dates.formats")]
        self.months = {m: i for i, m in enumerate(self._take("dates.month_names"), start=1)}
        self.months.update({m[:3]: i for m, i in list(self.months.items())})
        self.months.update(self._take("dates.month_aliases"))
        org = self._take("organisation.name")
        self.organisation_patterns = [
            self._make(compile_pattern(p.replace("{org}", org), re.MULTILINE, "notice_rules.yaml organisation.patterns"), True)
            for p in self._take("organisation.patterns")]

    def _countries(self) -> tuple[Rx, dict[str, str]]:
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
        names.update(self._take("transfers.country_aliases"))
        for uk in self._take("transfers.not_foreign"):
            names.pop(uk, None)
        ordered = sorted(names, key=len, reverse=True)
        not_after = "".join(f"(?<!{re.escape(w)} )" for w in self._take("transfers.not_after"))
        pattern = re.compile(r"(?<![\w.])" + not_after + "(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w])")
        return self._make(pattern, True), names

    def _take(self, path: str) -> Any:
        self.built.add(path)
        return self.values[path]

    def rx(self, path: str) -> Rx | None:
        """The compiled alternation at a dotted path, e.g. 'transfers.outside'."""
        self.used.add(path)
        return self._rx[path]

    def block(self, path: str) -> dict[str, Rx]:
        """Code -> compiled alternation, for a mapping of codes to patterns (e.g. 'data_subjects')."""
        self.used.add(path)
        return {code: self._rx[f"{path}.{code}"] for code in self.values[path]}

    def value(self, path: str) -> Any:
        self.used.add(path)
        return self.values[path]

    def paths(self) -> set[str]:
        """Every path a detector may ask for (for the test that each one is used)."""
        inner = {p.rsplit(".", 1)[0] for p in self._rx if p.rsplit(".", 1)[0] in self.values}
        paths = {p for p in self._rx if not p.endswith("[]") and not p.startswith("elements.")
                 and p.rsplit(".", 1)[0] not in inner} | inner | {p for p in self.values if not p.startswith(("elements", "findings"))}
        return paths - self.built


@cache
def ruleset() -> RuleSet:
    return RuleSet(read_yaml("notice_elements"), read_yaml("notice_rules"), read_yaml("notice_findings"))


def elements() -> dict[str, ElementRule]:
    return ruleset().elements


def findings() -> dict[str, dict]:
    return ruleset().findings
