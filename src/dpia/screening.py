"""DPIA screening: which WP248 and ICO criteria an audit meets, and whether a DPIA is required.

Criteria come from the inventory (special categories, vulnerable subjects and techniques each
name the criteria they indicate, in the vocabularies) and from the answers in audit.yaml's
``screening`` section for what an inventory cannot show (scale, denial of service...).

The decision follows UK GDPR Art 35(3) (always required), the ICO's list of processing likely to
result in high risk (any one item, some only together with a WP248 criterion), and WP248 rev.01
p.11 (two or more criteria: a DPIA is likely to be required).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import vocab
from .tables import records
from .vocab import split_codes

WP248_THRESHOLD = 2


@dataclass
class Screening:
    required: bool
    reasons: list[str]
    criteria: pd.DataFrame  # code, scheme, label, met, basis
    factors: list[str] = field(default_factory=list)

    @property
    def met(self) -> list[str]:
        return list(self.criteria.loc[self.criteria.met, "code"])

    @property
    def verdict(self) -> str:
        return "DPIA required" if self.required else "DPIA not required"


def _derived(audit) -> dict[str, list[str]]:
    """criterion code -> why the inventory meets it."""
    found: dict[str, list[str]] = {}
    sources = (("special_categories", "special_categories"), ("data_subjects", "data_subjects"),
               ("techniques", "techniques"))
    for row in records(audit.activities):
        for column, name in sources:
            voc = vocab.get(name)
            for code in split_codes(row.get(column, "")):
                term = voc.terms.get(voc.resolve(code) or "")
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


def screen(audit) -> Screening:
    derived, answers = _derived(audit), _answers(audit)
    rows = []
    for term in vocab.get("screening_criteria"):
        basis = [f"inventory: {w}" for w in dict.fromkeys(derived.get(term.code, []))]
        answer = answers.get(term.code)
        if answer and answer[0]:
            basis.append("audit.yaml: " + (answer[1] or "answered yes"))
        rows.append({"code": term.code, "scheme": term["scheme"], "label": term.label,
                     "with_wp248": bool(term.get("with_wp248")), "met": bool(basis),
                     "answered_no": bool(answer and not answer[0]), "basis": basis})
    table = pd.DataFrame(rows)
    met = set(table.loc[table.met, "code"])
    if {"wp248_large_scale", "wp248_sensitive_data"} <= met and "art35_3_b" not in met:
        table.loc[table.code == "art35_3_b", ["met", "basis"]] = [True, None]
        table.at[table.index[table.code == "art35_3_b"][0], "basis"] = ["large scale and special category data"]
    wp248 = table[(table.scheme == "wp248") & table.met]
    ico = table[(table.scheme == "ico") & table.met & (~table.with_wp248 | (len(wp248) > 0))]
    art35 = table[(table.scheme == "art35_3") & table.met]
    reasons = [f"{r.label}: mandatory under UK GDPR Art 35(3)" for r in art35.itertuples()]
    reasons += [f"{r.label}: on the ICO's list of processing likely to result in high risk" for r in ico.itertuples()]
    if len(wp248) >= WP248_THRESHOLD:
        reasons.append(f"{len(wp248)} WP248 criteria met ({', '.join(wp248.label)}): two or more make a DPIA likely "
                       "to be required (WP248 rev.01)")
    required = bool(reasons)
    if not required:
        criteria = "criterion" if len(wp248) == 1 else "criteria"
        reasons.append(f"{len(wp248)} WP248 {criteria} met and no ICO high-risk item or Art 35(3) case: a DPIA is not "
                       "mandatory, but record this screening decision and review it when the processing changes")
    return Screening(required, reasons, table, _factors(audit))


def _factors(audit) -> list[str]:
    """Other things the screening should mention: transfers out of the UK, and flows whose destination is unknown."""
    from .transfers import assess

    out, unknown = [], []
    for flow in records(audit.flows):
        try:
            checked = assess(flow["country"], flow.get("mechanism", ""))
        except vocab.UnknownCodeError:
            continue
        if checked.adequacy == "unknown" and checked.mechanism in ("", vocab.NOT_STATED):
            unknown.append(flow["flow_id"])
        elif checked.restricted:
            out.append(f"{flow['flow_id']} {flow['recipient']} ({checked.country_label}): {checked.message}")
    if unknown:
        out.append(f"{len(unknown)} flow(s) go to recipients whose location the notice does not give "
                   f"({', '.join(unknown)}): confirm they stay in the UK")
    return out
