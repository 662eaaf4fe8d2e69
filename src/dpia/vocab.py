"""Legal vocabularies: load the YAML under ``dpia/vocab``, check it, and look codes up.

This module is the one place to look a code up. Every term carries ``code``, ``label``,
``description``, ``source``, ``as_of`` and the dates it is in force (``in_force_from``, and
``in_force_until`` where it was repealed or replaced); a vocabulary's header supplies ``source``,
``as_of`` and ``in_force_from`` to entries that do not give their own.

A code may appear more than once when the law changed its wording: each version carries its own
dates, and :func:`in_force` gives the version in force on a date. An audit is judged under the
law in force on its audit date, so validation, screening, transfers, the forms and the reports
all ask :func:`in_force` for the terms of that date.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .errors import UnknownCodeError, VocabularyError

__all__ = ["NOT_STATED", "Term", "UnknownCodeError", "Vocabulary", "VocabularyError", "get", "in_force", "labels",
           "law_date", "load_all", "lookup", "split_codes"]

NOT_STATED = "not stated"
LIST_SEPARATOR = ";"
_REQUIRED = ("code", "label", "description", "source", "as_of", "in_force_from")
_DATES = ("as_of", "in_force_from", "in_force_until")


def normalise(text: str) -> str:
    """Fold case, spacing and punctuation so '6 (1) (b)', 'Art. 6(1)(b)' and '6(1)(b)' compare equal."""
    key = re.sub(r"[^a-z0-9]", "", str(text).lower())
    return re.sub(r"^(article|art)(?=\d)", "", key)


def law_date(value: Any = None) -> dt.date:
    """A date to judge by: a date, an ISO 'YYYY-MM-DD' text, or today when None or unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value:
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            pass
    return dt.date.today()


def first_day() -> dt.date:
    """The first day of the law the workbench applies: the UK GDPR's (1 January 2021)."""
    return min(t.in_force_from for versions in get("art6").versions.values() for t in versions)


def before_the_law(day: dt.date) -> str:
    return (f"an audit dated {long_date(day)} predates the UK GDPR, in force from {long_date(first_day())}, which is the law "
            "this workbench applies; date the audit on or after that day")


def cited(term: Term) -> str:
    """A term as a reader sees it with its citation where it has one: 'Contract (Art 6(1)(b))'."""
    return f"{term.label} ({term['cite']})" if term.get("cite") else term.label


def lower_first(text: str) -> str:
    """A label inside a sentence: 'A way to complain' -> 'a way to complain', but 'ICO route' and 'DPO advice' stay."""
    first = text.split(" ", 1)[0]
    return text if len(first) > 1 and first.isupper() else text[:1].lower() + text[1:]


def long_date(day: dt.date | str) -> str:
    """5 February 2026: how the law and the reports write dates (an ISO date string too; other text as it is)."""
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            return day
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    description: str
    source: str
    as_of: str
    in_force_from: dt.date = dt.date(1900, 1, 1)
    in_force_until: dt.date | None = None  # the last day in force; None while it is
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.extra[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.extra.get(key, default)

    def in_force(self, on: dt.date) -> bool:
        return self.in_force_from <= on and (self.in_force_until is None or on <= self.in_force_until)

    def dates(self) -> str:
        """'from 5 February 2026', 'until 4 February 2026', or both."""
        parts = [f"from {long_date(self.in_force_from)}"]
        if self.in_force_until:
            parts.append(f"until {long_date(self.in_force_until)}")
        return " ".join(parts)


@dataclass
class Vocabulary:
    name: str
    title: str
    terms: dict[str, Term]  # code -> its latest version
    aliases: dict[str, str]
    as_of: str = ""
    versions: dict[str, tuple[Term, ...]] = field(default_factory=dict, repr=False)  # code -> every version, oldest first
    header: dict[str, Any] = field(default_factory=dict, repr=False)
    on_date: dt.date | None = None  # set on the view that in_force returns
    _index: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.versions:
            self.versions = {code: (term,) for code, term in self.terms.items()}
        for code in self.terms:
            self._index.setdefault(normalise(code), code)
        for alias, code in self.aliases.items():
            if code in self.terms:
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

    def on(self, day: dt.date) -> Vocabulary:
        """The terms in force on ``day``, each in the version of that day."""
        terms = {}
        for code, versions in self.versions.items():
            current = next((t for t in versions if t.in_force(day)), None)
            if current is not None:
                terms[code] = current
        return Vocabulary(self.name, self.title, terms, self.aliases, self.as_of, header=self.header, on_date=day)

    def not_in_force(self, text: str, day: dt.date) -> str | None:
        """Why a known code cannot be used on ``day`` ('... in force from 5 February 2026'), or None if it can."""
        code = self.resolve(text)
        if code is None or any(t.in_force(day) for t in self.versions[code]):
            return None
        versions = self.versions[code]
        if day < versions[0].in_force_from:
            term, when = versions[0], f"in force only from {long_date(versions[0].in_force_from)}"
        else:
            term = max((t for t in versions if t.in_force_until and t.in_force_until < day), key=lambda t: t.in_force_until)
            when = f"in force only until {long_date(term.in_force_until)}"
        return f"{cited(term)}: {when}, so not on the audit date, {long_date(day)}"


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where PyYAML has it: about ten times faster


def read_yaml(name: str) -> Any:
    """The parsed vocab/<name>.yaml of the package."""
    path = resources.files("dpia") / "vocab" / f"{name}.yaml"
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise VocabularyError(f"vocab/{name}.yaml is not valid YAML: {exc}") from None


def _read(name: str) -> dict:
    from .vocab_schema import check_file, defaults

    data = read_yaml(name)
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise VocabularyError(f"vocab/{name}.yaml needs a mapping with an 'entries' list")
    faults = check_file(name, data)
    if faults:
        raise VocabularyError(f"vocab/{name}.yaml: " + "; ".join(faults))
    optional = defaults(name)
    return {**data, "entries": [{**optional, **entry} for entry in data["entries"]]}


def _date(value: Any, name: str, code: Any, key: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise VocabularyError(f"vocab/{name}.yaml entry {code!r}: {key} {value!r} is not a date (YYYY-MM-DD)") from None


def _build(name: str, data: dict) -> Vocabulary:
    versions: dict[str, list[Term]] = {}
    header = {k: data.get(k) for k in ("source", "as_of", "in_force_from")}
    for i, entry in enumerate(data["entries"], start=1):
        merged = {**header, **entry}
        missing = [k for k in _REQUIRED if not merged.get(k)]
        if missing:
            raise VocabularyError(f"vocab/{name}.yaml entry {i} ({entry.get('code')!r}) lacks {', '.join(missing)}")
        code = str(merged["code"])
        dates = {k: _date(merged[k], name, code, k) for k in _DATES if merged.get(k)}
        extra = {k: v for k, v in merged.items() if k not in _REQUIRED and k != "in_force_until"}
        term = Term(code, str(merged["label"]), str(merged["description"]).strip(), str(merged["source"]),
                    dates["as_of"].isoformat(), dates["in_force_from"], dates.get("in_force_until"), extra)
        versions.setdefault(code, []).append(term)
    for code, terms in versions.items():
        terms.sort(key=lambda t: t.in_force_from)
        for before, after in zip(terms, terms[1:]):
            if before.in_force_until is None or before.in_force_until >= after.in_force_from:
                raise VocabularyError(f"vocab/{name}.yaml: code {code!r} appears twice with overlapping dates in force; "
                                      "give the earlier version an in_force_until before the later one's in_force_from")
    aliases = {str(k): str(v) for k, v in (data.get("aliases") or {}).items()}
    latest = {code: terms[-1] for code, terms in versions.items()}
    as_of = _date(data["as_of"], name, "(header)", "as_of").isoformat() if data.get("as_of") else ""
    extra_header = {k: v for k, v in data.items() if k not in ("entries", "aliases")}
    return Vocabulary(name, str(data.get("title", name)), latest, aliases, as_of,
                      {c: tuple(t) for c, t in versions.items()}, extra_header)


VOCABULARIES = (
    "art6", "recognised_legitimate_interests", "further_purposes", "art9", "schedule1", "special_categories",
    "data_subjects", "recipient_types", "abolished_bodies", "transfer_mechanisms", "countries", "adequacy",
    "screening_criteria", "techniques", "adm_safeguards", "adm_rules", "complaint_duties", "risk_methods", "feared_events",
    "measure_effects", "provider_kinds", "time_units", "ico_template", "profile_terms",
    "principles", "principle_judgements",
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
    """Every term a vocabulary has ever held, each in its latest version."""
    vocabs = load_all()
    if name not in vocabs:
        raise UnknownCodeError("vocabulary", name, difflib.get_close_matches(name, vocabs), list(vocabs))
    return vocabs[name]


@cache
def _in_force(name: str, day: dt.date) -> Vocabulary:
    return get(name).on(day)


def in_force(name: str, on: Any = None) -> Vocabulary:
    """The terms of vocabulary ``name`` in force on ``on`` (a date or 'YYYY-MM-DD'; today when None)."""
    return _in_force(name, law_date(on))


def lookup(name: str, code: str) -> Term:
    """The term for ``code`` in vocabulary ``name``; unknown codes raise with close matches."""
    return get(name).get(code)


def split_codes(cell: str) -> list[str]:
    """A multi-valued cell ('6(1)(b); 6(1)(e)') as its stripped, non-empty parts."""
    return [p.strip() for p in str(cell).split(LIST_SEPARATOR) if p.strip()]


def labels(names: str | Iterable[str], cell: Any, *, on: Any = None, cite: bool = False, empty: str = "") -> str:
    """A cell of codes as a reader sees it: each code's label (in the version in force ``on``), joined by '; '.

    ``names`` is a vocabulary, or several tried in turn (a source may be a data subject or a recipient).
    With ``cite`` the label is followed by the code where the code is itself a citation ('Contract (Art 6(1)(b))').
    'not stated' stays as it is; a code no vocabulary knows is shown as written.
    """
    text = "" if cell is None else str(cell)
    if text.strip().lower() == NOT_STATED:
        return NOT_STATED
    vocabs = [get(n) for n in ([names] if isinstance(names, str) else names)]
    day = law_date(on) if on is not None else None
    out = []
    for code in split_codes(text):
        for voc in vocabs:
            resolved = voc.resolve(code)
            if resolved:
                term = voc.terms[resolved]
                if day is not None:
                    term = next((t for t in voc.versions[resolved] if t.in_force(day)), term)
                out.append(cited(term) if cite else term.label)
                break
        else:
            out.append(code)
    return "; ".join(out) or empty


def _refs(term: Term, key: str) -> list:
    refs = term.get(key)
    return refs if isinstance(refs, list) else [refs]


def _ref_faults(vocabs: dict[str, Vocabulary], name: str, key: str, target: str, extra_ok=()) -> list[str]:
    faults = []
    for versions in vocabs[name].versions.values():
        for term in versions:
            for ref in _refs(term, key):
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
    for key in ("same_as", "implied_by"):
        faults += _ref_faults(vocabs, "screening_criteria", key, "screening_criteria")
    served = {ref for versions in vocabs["schedule1"].versions.values() for t in versions for ref in t["serves"]}
    for term in vocabs["art9"]:
        if term["needs_schedule1"] != (term.code in served):
            faults.append(f"art9: {term.code} needs_schedule1 is {term['needs_schedule1']} but "
                          f"{'no' if term.code not in served else 'a'} Schedule 1 condition serves it")
    for term in vocabs["adm_rules"]:
        for code in (term.get("refused_art6") or []) + (term.get("allowed_art6") or []):
            if code not in vocabs["art6"].terms:
                faults.append(f"adm_rules: {term.code} refers to unknown art6 code {code!r}")
        for option in term["special"]:
            if option.get("art9") not in vocabs["art9"].terms or any(c not in vocabs["art6"].terms for c in option.get("art6", [])):
                faults.append(f"adm_rules: {term.code} special option {option} refers to an unknown code")
    for term in vocabs["abolished_bodies"]:
        try:
            re.compile(term["pattern"])
        except re.error as exc:
            faults.append(f"abolished_bodies: {term.code} pattern does not compile ({exc})")
    for term in vocabs["adequacy"]:
        if term.code not in vocabs["countries"].terms:
            faults.append(f"adequacy: {term.code!r} is not a country code")
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
