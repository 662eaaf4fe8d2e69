"""DPIA screening: which WP248 and ICO criteria an audit meets, and whether a DPIA is required.

Criteria come from the inventory (special categories, data subjects and techniques each name the
criteria they indicate, in the vocabularies) and from the answers in audit.yaml's ``screening``
section for what an inventory cannot show (scale, denial of service...).

The decision follows UK GDPR Art 35(3) (always required), the ICO's list of processing likely to
result in high risk (any one item; some only together with a WP248 criterion other than the one the
item itself indicates), WP248 rev.01 (two or more criteria: a DPIA is likely to be required), and
Art 35(1) itself: a risk the register rates high before measures means the processing is likely to
result in a high risk, so screening and the register never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import risk, vocab
from .tables import records
from .vocab import split_codes
from .words import agree, joined, plural

WP248_THRESHOLD = 2
SCHEMES = {"wp248": "WP248", "ico": "ICO high-risk list", "art35_3": "Art 35(3)"}


@dataclass
class Screening:
    required: bool
    reasons: list[str]
    criteria: pd.DataFrame  # code, scheme, label, met, basis
    factors: list[str] = field(default_factory=list)
    high_risks: list[str] = field(default_factory=list)  # risk ids rated high before measures

    @property
    def met(self) -> list[str]:
        return list(self.criteria.loc[self.criteria.met, "code"])

    @property
    def verdict(self) -> str:
        return "DPIA required" if self.required else "DPIA not required"


def _derived(audit, day) -> dict[str, list[str]]:
    """criterion code -> why the inventory meets it."""
    found: dict[str, list[str]] = {}
    sources = (("special_categories", "special_categories"), ("data_subjects", "data_subjects"),
               ("techniques", "techniques"))
    for row in records(audit.activities):
        for column, name in sources:
            voc = vocab.in_force(name, day)
            for code in split_codes(row.get(column, "")):
                term = voc.terms.get(vocab.get(name).resolve(code) or "")
                for criterion in (term.get("screening") or []) if term else []:
                    found.setdefault(criterion, []).append(f"{row['activity_id']} {row.get('name', '')}: {term.label}")
    return found


def _answers(audit) -> dict[str, tuple[bool, str]]:
    answers = {}
    criteria = vocab.get("screening_criteria")
    for code, answer in (audit.meta.get("screening") or {}).items():
        canonical = criteria.resolve(str(code))
        if canonical is None:
            continue
        value, reason = (answer.get("answer"), answer.get("reason", "")) if isinstance(answer, dict) else (answer, "")
        if isinstance(value, bool):
            answers[canonical] = (value, str(reason or ""))
    return answers


def _implied(term: vocab.Term, met: set[str], audit) -> bool:
    needs = term.get("implied_by") or []
    if not needs or not set(needs) <= met:
        return False
    column = term.get("implied_with")
    return not column or any(split_codes(cell) for cell in audit.activities.get(column, []))


def screen(audit) -> Screening:
    day = audit.law_date
    derived, answers = _derived(audit, day), _answers(audit)
    criteria = vocab.in_force("screening_criteria", day)
    rows = []
    for term in criteria:
        basis = [f"inventory: {w}" for w in dict.fromkeys(derived.get(term.code, []))]
        answer = answers.get(term.code)
        if answer and answer[0]:
            basis.append("audit.yaml: " + (answer[1] or "answered yes"))
        if basis and answer and not answer[0] and answer[1]:
            basis = []  # the auditor's "no", with a reason, overrides what the inventory implies
        rows.append({"code": term.code, "scheme": term["scheme"], "label": term.label,
                     "with_wp248": bool(term.get("with_wp248")), "same_as": list(term.get("same_as") or []),
                     "met": bool(basis), "answered_no": bool(answer and not answer[0]), "basis": basis})
    table = pd.DataFrame(rows)
    met = set(table.loc[table.met, "code"])
    for term in criteria:
        if term.code not in met and _implied(term, met, audit):
            i = table.index[table.code == term.code][0]
            table.at[i, "met"] = True
            table.at[i, "basis"] = [" and ".join(criteria.terms[c].label.lower() for c in term["implied_by"])
                                    + f", with {term['implied_with'].replace('_', ' ')}"]
    wp248 = set(table.loc[(table.scheme == "wp248") & table.met, "code"])
    facts = dict(zip(table.code, table.basis))
    places = {code: {_activity(f) for f in basis} for code, basis in facts.items()}
    other_wp248 = pd.Series([not row.with_wp248 or _another(row, wp248, facts, places) for row in table.itertuples()],
                            index=table.index, dtype=bool)
    ico = table[(table.scheme == "ico") & table.met & other_wp248]
    art35 = table[(table.scheme == "art35_3") & table.met]
    # Strongest first, as the executive summary leads with the first: a case Art 35(3) names, a risk the register
    # rates high, the WP248 criteria together (special category data, vulnerable people, large scale), then the ICO
    # items that stand alone, and last those that need another WP248 criterion.
    reasons = [f"{r.label}: a DPIA is mandatory (UK GDPR Art 35(3))" for r in art35.itertuples()]
    high = _high_risks(audit)
    if high:
        reasons.append(f"The risk register rates {plural(len(high), 'risk')} high before measures ({', '.join(high)}): "
                       "processing likely to result in a high risk needs a DPIA (UK GDPR Art 35(1))")
    same = restated(table) if len(wp248) >= WP248_THRESHOLD else {}
    if len(wp248) >= WP248_THRESHOLD:
        labels = [criteria.terms[c].label for c in table.code if c in wp248]
        also = [criteria.terms[c].label for c in same]
        reasons.append(f"{len(wp248)} WP248 criteria are met ({', '.join(labels)}): two or more make a DPIA likely "
                       "to be required (WP248 rev.01)"
                       + (f"; {joined(also)} {agree(len(also), 'is', 'are')} also on the ICO's list, the same facts" if also else ""))
    reasons += [f"{r.label} is on the ICO's list of processing likely to result in high risk"
                for r in sorted(ico.itertuples(), key=lambda r: r.with_wp248) if r.code not in same]
    required = bool(reasons)
    if not required:
        reasons.append(f"{plural(len(wp248), 'WP248 criterion', 'WP248 criteria')} met, no ICO high-risk item, no Art 35(3) "
                       "case and no risk rated high: a DPIA is not mandatory, but record this screening decision and review "
                       "it when the processing changes")
    return Screening(required, reasons, table, _factors(audit), high)


def _another(item, wp248: set[str], facts: dict[str, list[str]], places: dict[str, set]) -> bool:
    """Is a WP248 criterion met by a fact other than the ones that meet this ICO item, in the same processing? A
    criterion the item itself indicates (its same_as) counts only where something else meets it too (LAW-2026 item
    28); one met only by another activity (care records beside the website's cookies) is not the same processing. A
    screening answer in audit.yaml speaks for the whole processing. ``places``: each criterion's activities (None for
    an answer in audit.yaml), made once."""
    where = places[item.code]
    for code in wp248:
        if code in item.same_as:
            own = set(facts[item.code])
            acts = {_activity(f) for f in facts[code] if f not in own}
        else:
            acts = places[code]
        if acts and (None in where or None in acts or acts & where):
            return True
    return False


def _activity(fact: str) -> str | None:
    """The activity id of an inventory fact ('inventory: A3 Website: Tracking'); None for an answer in audit.yaml."""
    return fact.removeprefix("inventory: ").split(" ", 1)[0] if fact.startswith("inventory: ") else None


def _high_risks(audit) -> list[str]:
    """Risks rated high before measures, on the audit's own scale."""
    out = []
    for row in audit.risks.to_dict("records"):
        try:
            if risk.score(row["likelihood"], row["severity"], audit.risk_method) == "high":
                out.append(row["risk_id"])
        except Exception:  # noqa: BLE001 - a bad level is a validation error, reported there
            continue
    return out


def restated(criteria: pd.DataFrame) -> dict[str, str]:
    """ICO items met by exactly the facts that meet the WP248 criterion they restate (their same_as): ICO code -> WP248
    code. A chatbot meets both 'Innovative technology' and 'Innovative use'; it is one fact, counted once."""
    met = criteria[criteria.met].set_index("code")
    out = {}
    for code, row in met[met.scheme == "ico"].iterrows():
        for other in row.same_as:
            if other in met.index and set(met.basis[other]) == set(row.basis):
                out[code] = other
    return out


def _factors(audit) -> list[str]:
    """Other things the screening should mention: transfers, own staff abroad, and recipients whose location is unknown."""
    from .transfers import assess

    out, unknown = [], []
    for flow in records(audit.flows):
        try:
            checked = assess(flow["country"], flow.get("mechanism", ""), recipient_type=flow.get("recipient_type", ""),
                             on=audit.law_date)
        except vocab.UnknownCodeError:
            continue
        if checked.unplaced:
            unknown.append(flow["flow_id"])
        elif checked.location != "uk":
            out.append(f"{flow['flow_id']} {flow['recipient']} ({checked.country_label}): {checked.message}")
    if unknown:
        out.append(f"{plural(len(unknown), 'recipient')} whose location the notice does not give ({', '.join(unknown)}): "
                   "confirm where each holds the data")
    return out
