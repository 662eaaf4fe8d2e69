"""Every question of the ICO's DPIA template, answered from the audit or shown as a blank to fill.

The questions are data (vocab/ico_template.yaml). A question is answered either by the auditor in
audit.yaml (`audit:<section.key>`) or by the report from the inventory and the notice
(`computed:<name>`, one function each below). Nothing is invented: a question the audit does not
answer stays open, and the report shows it as a visible blank.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import vocab
from ..schemas import SIGN_OFF_ITEMS, as_text
from ..vocab import NOT_STATED, split_codes
from ..words import agree, plural

if TYPE_CHECKING:
    from .content import DpiaReport

OPEN = "To be completed"
SILENT = "Not stated: the provider does not say."


@dataclass(frozen=True)
class Answer:
    code: str
    step: int
    question: str  # the short label
    asks: str  # the question in full
    text: str | None  # None while the question is open
    in_template: bool = True  # False for a question this DPIA adds to the ICO template's

    @property
    def open(self) -> bool:
        return self.text is None

    @property
    def shown(self) -> str:
        return OPEN if self.text is None else self.text


COMPUTED: dict[str, Callable[[DpiaReport], str | None]] = {}


def computed(name: str):
    """Register the function that answers ``computed:<name>`` questions."""
    def register(fn: Callable[[DpiaReport], str | None]) -> Callable[[DpiaReport], str | None]:
        COMPUTED[name] = fn
        return fn
    return register


def _from_audit(meta: dict, path: str) -> str | None:
    value: object = meta
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = " ".join(as_text(value).split())
    return SILENT if text.lower() == NOT_STATED else text[:1].upper() + text[1:]


def answers(report: DpiaReport) -> list[Answer]:
    """Every question of the template in order, with its answer or None where it is open."""
    out = []
    for term in vocab.get("ico_template"):
        kind, _, where = term["answer"].partition(":")
        text = _from_audit(report.audit.meta, where) if kind == "audit" else COMPUTED[where](report)
        out.append(Answer(term.code, term["step"], term.label, term.description, text, term["in_template"]))
    return out


def _list(items: list[str], none: str) -> str:
    items = list(dict.fromkeys(i for i in items if i))
    return "; ".join(items) if items else none


@computed("screening")
def _screening(r: DpiaReport) -> str:
    n = len(r.screening.reasons)
    if r.screening.required:
        return "A DPIA is required, for the reason set out below." if n == 1 else \
            f"A DPIA is required, for the {n} reasons set out below."
    return "A DPIA is not mandatory; the screening below records why."


@computed("legitimate_interests")
def _legitimate_interests(r: DpiaReport) -> str | None:
    art6 = vocab.in_force("art6", r.audit.law_date)
    balancing = [c for c in art6.codes() if art6.terms[c]["balancing"]]
    relies = any(art6.resolve(c) in balancing for cell in r.audit.activities.art6_basis for c in split_codes(cell))
    if not relies:
        return "Not applicable: no activity relies on legitimate interests."
    return _from_audit(r.audit.meta, "necessity.legitimate_interests_assessment")


@computed("sources")
def _sources(r: DpiaReport) -> str:
    day = r.audit.law_date
    return _list([vocab.labels(("data_subjects", "recipient_types"), c, on=day) for cell in r.audit.activities.sources
                  for c in split_codes(cell)], "No source recorded.")


@computed("sharing")
def _sharing(r: DpiaReport) -> str:
    return _list(list(r.audit.flows.recipient), "No recipient recorded: the data is not shared.")


@computed("high_risk_types")
def _high_risk_types(r: DpiaReport) -> str:
    from .summary import restated

    criteria = r.screening.criteria
    met = criteria[criteria.met & ~criteria.code.isin(restated(r.screening).values())]  # a fact once
    return _list(list(met.label), "None of the types of processing likely to be high risk is involved.")


@computed("data")
def _data(r: DpiaReport) -> str:
    day = r.audit.law_date
    special = _list([vocab.labels("special_categories", c, on=day) for cell in r.audit.activities.special_categories
                     for c in split_codes(cell)], "")
    kinds = _list([c for cell in r.audit.activities.data_categories for c in split_codes(cell)], "none recorded")
    return f"{kinds}. " + (f"Special category or criminal offence data: {special}." if special
                           else "No special category or criminal offence data.")


@computed("retention")
def _retention(r: DpiaReport) -> str:
    rows = [f"{row['name']}: {row['retention']}" for row in r.audit.activities.to_dict("records")]
    return _list(rows, "No activity recorded.")


@computed("vulnerable")
def _vulnerable(r: DpiaReport) -> str | None:
    said = _from_audit(r.audit.meta, "context.vulnerable")
    met = r.screening.criteria.set_index("code").met.get("wp248_vulnerable", False)
    derived = "Yes: the people include vulnerable data subjects (WP248 criterion 7)." if met else ""
    return " ".join(x for x in (derived, said) if x) or None


@computed("consultation")
def _consultation(r: DpiaReport) -> str | None:
    plan = _from_audit(r.audit.meta, "consultation_plan.individuals")
    done = [f"{c.get('with', '')} ({as_text(c.get('date', ''))})" for c in r.audit.meta.get("consultation") or []
            if isinstance(c, dict)]
    held = f"Consulted: {'; '.join(done)}." if done else ""
    return " ".join(x for x in (plan, held) if x) or None


@computed("lawful_basis")
def _lawful_basis(r: DpiaReport) -> str:
    day = r.audit.law_date
    rows = []
    for row in r.audit.activities.to_dict("records"):
        parts = [vocab.labels("art6", row["art6_basis"], on=day, cite=True)]
        if row.get("art9_condition"):
            parts.append(vocab.labels("art9", row["art9_condition"], on=day, cite=True))
        if row.get("schedule1_condition"):
            parts.append(vocab.labels("schedule1", row["schedule1_condition"], on=day, cite=True))
        rows.append(f"{row['name']}: {', '.join(parts)}")
    return _list(rows, "No activity recorded.")


@computed("information")
def _information(r: DpiaReport) -> str:
    from .. import applicability

    p = r.profile
    present, applicable = applicability.coverage(p, r.applies)  # the report's one answer, made once
    updated = f"was last updated {vocab.long_date(p.last_updated)}" if p.last_updated else "gives no date of its last update"
    return (f"The published privacy notice covers {present} of the {applicable} items of information that apply "
            f"(Art 13 and 14), and {updated}; see the notice review below.")


ROUTE = {"ok": "lawful route", "check": "to check", "gap": "route not stated", "missing": "no lawful route",
         "unknown": "location unknown"}


@computed("transfers")
def _transfers(r: DpiaReport) -> str:
    t = r.transfers
    placed = t[(t.location != "uk") & ~t.unplaced]
    unknown = int(t.unplaced.sum())
    if not len(placed) and not unknown:
        return "No data leaves the UK."
    parts = [f"{row.recipient} ({row.country_label}): " + ("the provider's own staff, not a transfer" if row.own_staff
                                                          else ROUTE[row.verdict]) for row in placed.itertuples()]
    if unknown:
        parts.append(f"{plural(unknown, 'recipient')} whose location is unknown")
    return _list(parts, "")


@computed("risks")
def _risks(r: DpiaReport) -> str:
    s = r.scored
    counts = ", ".join(f"{int((s.inherent == lv).sum())} {lv}" for lv in ("high", "medium", "low"))
    method = vocab.get("risk_methods").label(r.method)
    return f"{plural(len(s), 'risk')} assessed with the {method} method: {counts} before measures." if len(s) \
        else "No risk is recorded."


@computed("measures")
def _measures(r: DpiaReport) -> str | None:
    s = r.scored
    if not len(s):
        return None
    after = ", ".join(f"{int((s.residual == lv).sum())} {lv}" for lv in ("high", "medium", "low"))
    approved = sum(str(v).strip().lower() == "yes" for v in (s["measure_approved"] if "measure_approved" in s else []))
    return (f"After measures: {after}. {approved} of {plural(len(s), 'risk')} "
            f"{agree(approved, 'has its', 'have their')} measures approved.")


def sign_off_entries(meta: dict, item: str) -> list[dict]:
    """The sign-off entries for one item; an entry with no item approves the DPIA, so its residual risks."""
    return [e for e in meta.get("sign_off") or [] if isinstance(e, dict) and (e.get("item") or "residual_risks") == item]


def _sign_off(r: DpiaReport, item: str) -> str | None:
    entries = sign_off_entries(r.audit.meta, item)
    if not entries:
        return None
    return "; ".join(f"{e.get('name', '')}, {e.get('role', '')} ({as_text(e.get('date', ''))}): {e.get('decision', '')}"
                     for e in entries)


for _item in SIGN_OFF_ITEMS:
    computed(f"sign_off.{_item}")(lambda r, item=_item: _sign_off(r, item))


@computed("dpo_advice.provided")
def _dpo_provided(r: DpiaReport) -> str | None:
    advice = r.audit.meta.get("dpo_advice")
    if not isinstance(advice, dict):
        return None
    return f"Yes: {advice.get('by', '')}, {as_text(advice.get('date', ''))}."


@computed("dpo_advice.accepted")
def _dpo_accepted(r: DpiaReport) -> str | None:
    advice = r.audit.meta.get("dpo_advice")
    accepted = advice.get("accepted") if isinstance(advice, dict) else None
    if accepted is None:
        return None
    return "Accepted." if accepted else f"Overruled: {advice.get('reason') or 'no reason recorded'}."


@computed("review")
def _review(r: DpiaReport) -> str | None:
    review = r.audit.meta.get("review")
    by = review.get("by") if isinstance(review, dict) else None
    return str(by).strip() or None if by else None


def next_review(r: DpiaReport) -> str:
    """The date the DPIA is next reviewed (audit.yaml review.next_date), or a blank to fill."""
    review = r.audit.meta.get("review")
    day = as_text(review.get("next_date") or "").strip() if isinstance(review, dict) else ""
    if not day:
        return OPEN
    try:
        return vocab.long_date(dt.date.fromisoformat(day))
    except ValueError:
        return day
