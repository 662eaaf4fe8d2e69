"""ICO steps 5 and 6: the risks, in the template's columns and grouped by CNIL feared event where the
audit names them, and the measures with their effect, residual risk, approval and action plan."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from .. import risk, vocab
from ..html.parts import Heading, Image, Questions, Section, Table, Text
from ..words import agree, plural
from . import figures

if TYPE_CHECKING:
    from .content import DpiaReport

OPEN = "To be completed"
LEVELS = {"high": "high", "medium": "medium", "low": "low", OPEN: "blank"}
PLAN_MARKS = {**LEVELS, "To correct": "gap", "Improvable": "medium"}
DONE = ("mitigated", "accepted", "closed")  # risk statuses whose measures are in place or whose risk is accepted


def _column(s: pd.DataFrame, name: str) -> pd.Series:
    return s[name].fillna("").astype(str).str.strip() if name in s else pd.Series([""] * len(s), index=s.index)


def risks(r: DpiaReport) -> Section:
    s = r.scored
    sources = _column(s, "risk_sources")
    register = pd.DataFrame({
        "ID": s.risk_id,
        "Source of risk and nature of potential impact on individuals":
            [f"{t}. {d}" + (f" Risk sources: {src}." if src else "") for t, d, src in zip(s.title, s.description, sources)],
        "Likelihood of harm": s.likelihood.astype(str).str.capitalize(),
        "Severity of harm": s.severity.astype(str).str.capitalize(),
        "Overall risk": s.inherent})
    parts: list = [Questions(r.questions(5), name="questions")]  # its answer counts the risks by level
    events = _column(s, "feared_event")
    if events.astype(bool).any():
        feared = vocab.get("feared_events")
        for term in feared:
            rows = register[events == term.code]
            if len(rows):
                parts += [Heading(term.label), Table(rows, widths=[5, 59, 12, 12, 12], marks=LEVELS, name=f"risks_{term.code}")]
        other = register[~events.isin(feared.codes())]
        if len(other):
            parts += [Heading("Other risks"), Table(other, widths=[5, 59, 12, 12, 12], marks=LEVELS, name="risks_other")]
    else:
        parts.append(Table(register, widths=[5, 59, 12, 12, 12], marks=LEVELS, name="register"))
    fig = figures.risk_map(s, r.method)
    parts.append(Image(figures.svg(fig),
                       "Risk map: on the left, each risk as assessed before its measures (hollow circle); on the right, "
                       "the same risk after them (filled circle).", "Risk map", name="map", figure=fig))
    return Section(5, "risks", "Identify and assess risks", parts)


def measures(r: DpiaReport) -> Section:
    s = r.scored
    effects = vocab.get("measure_effects")
    effect = [vocab.labels("measure_effects", e) if e else OPEN for e in _column(s, "effect")]
    approved = [{"yes": "Yes", "no": "No"}.get(a.lower(), OPEN) for a in _column(s, "measure_approved")]
    table = pd.DataFrame({"Risk": [f"{i} {t}" for i, t in zip(s.risk_id, s.title)], "Options to reduce or eliminate risk": s.measures,
                          "Effect on risk": effect, "Residual risk": s.residual, "Measure approved": approved})
    plan = pd.DataFrame({"Risk or principle": s.risk_id, "Measures": s.measures, "Owner": _column(s, "owner").replace("", OPEN),
                         "Due": [_long(d) for d in _column(s, "due")], "Status": s.status.astype(str).str.capitalize()})
    corrections = [p for p in r.principles if p.needs_action]  # the corrective actions of step 4's principles
    if corrections:
        plan = pd.concat([plan, pd.DataFrame({
            "Risk or principle": [p.label for p in corrections], "Measures": [p.action or OPEN for p in corrections],
            "Owner": [p.owner or OPEN for p in corrections],
            "Due": [vocab.long_date(p.due) if p.due else OPEN for p in corrections],
            "Status": [p.judgement_label for p in corrections]})], ignore_index=True)
    parts: list = [Questions(r.questions(6), name="questions"),
                   Table(table, widths=[20, 38, 14, 12, 16], marks=LEVELS, name="measures"),
                   Text("Effect on risk: " + "; ".join(f"{t.label.lower()}: {t.description[0].lower()}{t.description[1:].rstrip('.')}"
                                                       for t in effects) + ".", "note", name="effects"),
                   Heading("Action plan"), Table(plan, widths=[15, 41, 16, 14, 14], marks=PLAN_MARKS, name="plan"),
                   Text(f"The last {plural(len(corrections), 'row is the corrective action', 'rows are the corrective actions')} "
                        "of the principles judged improvable or to correct in section 4.", "note", name="plan_principles")
                   if corrections else None,
                   _prior_consultation(r)]
    return Section(6, "measures", "Measures to reduce risk", [p for p in parts if p is not None])


def _long(due: str) -> str:
    """A due date as the report writes dates (5 February 2027); what is not a date stays as written."""
    try:
        return vocab.long_date(dt.date.fromisoformat(due)) if due else OPEN
    except ValueError:
        return due


def _prior_consultation(r: DpiaReport) -> Text:
    s = r.scored
    high = risk.needs_prior_consultation(s)
    undone = s[~s.status.isin(DONE)]
    approved = r.signed_off
    if len(high):
        n = len(high)
        return Text(f"{plural(n, 'risk')} {agree(n, 'stays', 'stay')} high after measures ({', '.join(high.risk_id)}). Unless "
                    f"further measures reduce {agree(n, 'it', 'them')}, UK GDPR Art 36(1) requires consulting the ICO before the "
                    "processing starts.", "alert", name="prior_consultation")
    if len(undone) or not approved:
        residual = "the residual risks are approved." if approved else "the residual risks are not yet approved."
        return Text("No risk stays high after its measures, so prior consultation with the ICO (Art 36) is not required, "
                    f"provided the measures are implemented and approved: {len(undone)} of {plural(len(s), 'risk')} still "
                    f"{agree(len(undone), 'has', 'have')} measures to implement, and {residual}", "medium", name="prior_consultation")
    return Text("No risk stays high after its measures, which are implemented and approved: prior consultation with the ICO "
                "(Art 36) is not required.", "ok", name="prior_consultation")
