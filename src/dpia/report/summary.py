"""The executive summary on page 1: the verdict, the highest residual risks, the top actions, what is
not yet decided, and the scope and method."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .. import risk, vocab
from ..html.parts import Heading, Items, Section, Table, Text
from ..screening import Screening
from ..words import agree, plural
from .signoff import method

if TYPE_CHECKING:
    from .content import DpiaReport

TOP = 3  # risks and actions the summary names
STEPS = {1: "need", 2: "description", 3: "consultation", 4: "necessity", 5: "risks", 6: "measures", 7: "sign-off"}


def _ranked(s: pd.DataFrame) -> pd.DataFrame:
    return s.assign(_after=s.residual.map(risk.rank), _before=s.inherent.map(risk.rank)).sort_values(
        ["_after", "_before"], ascending=False, kind="stable")


def restated(s: Screening) -> dict[str, str]:
    """The ICO items a screening counts inside the WP248 criterion they restate (screening.restated)."""
    from ..screening import restated as same

    return same(s.criteria)


def executive_summary(r: DpiaReport) -> Section:
    s = r.screening
    further = len(s.reasons) - 1  # as many as section 1 lists
    verdict = Text(("A DPIA is required. " if s.required else "A DPIA is not required. ") + s.reasons[0].rstrip(".")
                   + (f" (and {plural(further, 'further reason')} in section 1)." if further else "."),
                   "alert" if s.required else "ok", name="verdict")
    top = _ranked(r.scored).head(TOP)
    parts: list = [verdict]
    if len(top):
        parts += [Heading("Highest risks, ranked by the risk left after measures"), Table(pd.DataFrame({
            "Risk": [f"{i} {t}" for i, t in zip(top.risk_id, top.title)], "Before": top.inherent, "After": top.residual,
            "Top action": top.measures, "Owner": top.owner.replace("", "To be completed")}),
            widths=[28, 9, 9, 40, 14], marks={lv: lv for lv in ("high", "medium", "low")}, name="top_risks")]
    else:
        parts.append(Text("No risk is recorded yet.", "medium", name="top_risks"))
    parts += [Heading("Not yet decided"), Items(_undecided(r), name="undecided"),
              Heading("Scope and method"), Text(f"{r.audit.meta.get('scope', '')} {method(r)}", name="method")]
    return Section(0, "summary", "Executive summary", parts)


def _undecided(r: DpiaReport) -> list[str]:
    answers = r.questions()
    open_ = [a for a in answers if a.open]
    out = []
    if open_:
        by_step = {}
        for a in open_:
            by_step.setdefault(a.step, []).append(vocab.lower_first(a.question))
        template = [a for a in answers if a.in_template]
        added = sum(not a.in_template for a in open_)
        more = f", and {plural(added, 'further question')} this assessment asks," if added else ""
        where = "; ".join(f"{f'step {n}' if n else 'the header'}: {', '.join(q)}" for n, q in sorted(by_step.items()))
        out.append(f"{sum(a.in_template for a in open_)} of the {len(template)} questions of the ICO template{more} "
                   f"{agree(len(open_), 'is', 'are')} still open: {where}.")
    meta = r.audit.meta
    if not r.signed_off:
        out.append("No one has approved the residual risks: the DPIA is not signed off.")
    if not isinstance(meta.get("dpo_advice"), dict):
        out.append("The DPO's advice is not recorded.")
    if not meta.get("consultation"):
        out.append("No consultation with the people concerned or their representatives is recorded.")
    undone = r.scored[~r.scored.status.isin(("mitigated", "accepted", "closed"))]
    if len(undone):
        out.append(f"{len(undone)} of {plural(len(r.scored), 'risk')} still {agree(len(undone), 'has', 'have')} measures "
                   "to put in place.")
    unjudged = [p for p in r.principles if not p.judged]
    if unjudged:
        out.append(f"{len(unjudged)} of the {plural(len(r.principles), 'fundamental principle')} "
                   f"{agree(len(unjudged), 'is', 'are')} not yet judged (section 4).")
    to_correct = [p.label for p in r.principles if p.judgement == "to_correct"]
    if to_correct:
        out.append(f"{plural(len(to_correct), 'principle')} {agree(len(to_correct), 'is', 'are')} judged to correct: "
                   f"{'; '.join(to_correct)} (corrective actions in section 6).")
    high = [f for f in r.profile.findings if f.severity == "high"]
    if high:
        out.append(f"The privacy notice has {plural(len(high), 'serious finding')} to correct (section 4).")
    return out or ["Nothing: every question is answered and the DPIA is signed off."]
