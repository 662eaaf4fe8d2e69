"""ICO step 7, sign-off and outcomes, in the template's table of items, names and notes; and the
document control: version, change log, the law applied, the method and its limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .. import vocab
from ..html.parts import Heading, Section, Table, Text
from ..schemas import as_text
from .questions import OPEN, next_review

if TYPE_CHECKING:
    from .content import DpiaReport

# The template's notes beside each sign-off item, keyed by question id.
NOTES = {
    "s7.measures_approved_by": "Integrate the actions into the project plan, with dates and owners.",
    "s7.residual_approved_by": "If any residual high risk is accepted, consult the ICO before going ahead (Art 36).",
    "s7.dpo_advice_provided": "Where a data protection officer is designated, the controller must seek their advice (UK GDPR "
                              "Art 35(2)): on compliance, the step 6 measures and whether the processing can proceed.",
    "s7.dpo_advice_summary": "",
    "s7.dpo_advice_accepted": "If overruled, the reasons must be explained.",
    "s7.consultation_reviewed_by": "If the decision departs from people's views, the reasons must be explained.",
    "s7.review_by": "The DPO should also review ongoing compliance with the DPIA.",
    "next_review": "Review the DPIA when the processing changes, and at least by this date.",
}


def sign_off(r: DpiaReport) -> Section:
    answers = r.questions(7)
    table = pd.DataFrame({"Item": [a.question for a in answers] + ["Next review date"],
                          "Name, date and decision": [a.shown for a in answers] + [next_review(r)],
                          "Notes": [NOTES.get(a.code, "") for a in answers] + [NOTES["next_review"]]})
    signed = r.signed_off
    status = Text("Signed off: the residual risks are approved." if signed else
                  "Not yet signed off: no one has approved the residual risks. Until they do, this is a draft DPIA.",
                  "ok" if signed else "alert", name="status")
    return Section(7, "sign-off", "Sign off and record outcomes",
                   [status, Table(table, widths=[26, 44, 30], marks={OPEN: "blank"}, name="sign_off")])


def document_control(r: DpiaReport) -> Section:
    meta = r.audit.meta
    document = meta.get("document") if isinstance(meta.get("document"), dict) else {}
    log = [e for e in document.get("change_log") or [] if isinstance(e, dict)]
    facts = pd.DataFrame({"": ["Version", "Author", "Assessor", "Audit date", "Law applied", "Risk method"],
                          "Value": [as_text(document.get("version") or OPEN), str(document.get("author") or OPEN),
                                    str(meta.get("assessor", "")), vocab.long_date(r.audit.law_date),
                                    f"UK GDPR and the Data Protection Act 2018 as in force on {vocab.long_date(r.audit.law_date)}",
                                    vocab.get("risk_methods").label(r.method)]})
    parts: list = [Table(facts, widths=[22, 78], marks={OPEN: "blank"}, name="facts"), Heading("Change log")]
    if log:
        parts.append(Table(pd.DataFrame([{"Version": as_text(e.get("version", "")), "Date": _day(e.get("date", "")),
                                          "By": str(e.get("by", "")), "Change": str(e.get("change", ""))} for e in log]),
                           widths=[10, 14, 26, 50], name="change_log"))
    else:
        parts.append(Text(f"{OPEN}: no change is recorded.", "medium", name="change_log"))
    parts += [Heading("Method and limits"), Text(method(r), name="method")]
    return Section(0, "document", "Document control, method and limits", parts)


def _day(value) -> str:
    """A date as the report writes dates (5 February 2026); anything else as written."""
    import datetime as dt

    text = as_text(value)
    try:
        return vocab.long_date(dt.date.fromisoformat(text))
    except ValueError:
        return text


def method(r: DpiaReport) -> str:
    desk = bool(r.audit.meta.get("desk_review"))
    basis = ("This is a draft DPIA from a desk review of the provider's published privacy notice. Nothing in it has been "
             "checked with the provider: the inventory records what the notice says, and every question the notice does "
             "not answer is left open for the provider to complete." if desk else
             "The assessment rests on the sources recorded with each row of the inventory.")
    return (f"{basis} The processing was screened against UK GDPR Art 35, the ICO's list of processing likely to result in "
            "high risk and the WP248 criteria; each lawful basis, condition and transfer was checked against the law in force "
            "on the audit date; risks were scored for their likelihood and severity of harm to people, before and after the "
            "measures; and the notice was read against Art 13 and 14, each finding quoting the passage concerned.")
