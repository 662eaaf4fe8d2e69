"""The DPIA report's content, computed from an audit folder: one Section per step of the ICO's DPIA
process. The notebook, the CLI and the tests all call ``build_report`` and show what it returns.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import risk, transfers, vocab
from ..audit import Audit, load
from ..errors import AuditInvalid
from ..flows import build as build_graph
from ..notice import NoticeProfile, analyse, read_notice
from ..notice.detect import RIGHTS
from ..notice.render import checklist, findings_table
from ..screening import Screening, screen
from ..vocab import NOT_STATED, split_codes
from . import figures, large
from .parts import Heading, Image, Items, Section, Table, Text

GAP = {NOT_STATED: "gap", "✗": "gap", "high": "high", "medium": "medium", "low": "low", "missing": "gap", "gap": "gap",
       "check": "medium", "ok": "ok", "✓": "ok"}


@dataclass
class DpiaReport:
    audit: Audit
    profile: NoticeProfile
    screening: Screening
    scored: pd.DataFrame
    transfers: pd.DataFrame
    method: str
    audit_date: str
    sections: list[Section]

    def __repr__(self) -> str:  # the notebook keeps the plain-text form too: the default held every row of a large audit
        return f"DpiaReport({self.audit!r})"

    def section(self, number: int) -> Section:
        return self.sections[number - 1]

    def summary(self) -> dict:
        """What the batch index shows for this provider."""
        return {
            "provider": self.audit.provider, "slug": self.audit.slug, "audit_date": self.audit_date,
            "dpia_required": self.screening.required,
            "highest_inherent": risk.highest(self.scored.inherent), "highest_residual": risk.highest(self.scored.residual),
            "findings": len(self.profile.findings),
            "high_findings": sum(f.severity == "high" for f in self.profile.findings),
        }

    def header(self) -> Header:
        return Header(self)

    def body_html(self) -> str:
        return self.header().html() + "\n".join(s.html() for s in self.sections)


@dataclass
class Header:
    report: DpiaReport

    def html(self) -> str:
        r, e = self.report, html.escape
        meta = r.audit.meta
        verdict = "DPIA required" if r.screening.required else "DPIA not required"
        signed = "signed off" if meta.get("sign_off") else "not yet signed off"
        facts = [("Provider", r.audit.provider), ("Kind", vocab.get("provider_kinds").label(meta.get("kind", "other"))),
                 ("Audit date", r.audit_date), ("Assessor", str(meta.get("assessor", ""))),
                 ("Risk method", vocab.get("risk_methods").label(r.method)),
                 ("Notice", str(meta.get("notice_url") or meta.get("notice", "")))]
        rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
        summary = r.summary()
        return (f'<header><p class="kicker">Data protection impact assessment</p><h1>{e(r.audit.provider)}</h1>'
                f'<table class="facts">{rows}</table>'
                f'<p class="verdict"><span class="badge {"high" if r.screening.required else "ok"}">{e(verdict)}</span> '
                f'<span class="badge">highest residual risk: {e(str(summary["highest_residual"]))}</span> '
                f'<span class="badge">{summary["findings"]} notice findings</span> '
                f'<span class="badge {"ok" if meta.get("sign_off") else "medium"}">{e(signed)}</span></p>'
                f'<p class="scope">{e(str(meta.get("scope", "")))}</p></header>')

    def _repr_html_(self) -> str:
        return self.html()


def _labels(name: str, cell: str) -> str:
    voc = vocab.get(name)
    out = []
    for code in split_codes(cell):
        resolved = voc.resolve(code)
        out.append(voc.terms[resolved].label if resolved else code)
    return "; ".join(out)


def _codes_with_labels(name: str, cell: str) -> str:
    if str(cell).strip().lower() == NOT_STATED:
        return NOT_STATED
    voc = vocab.get(name)
    out = []
    for code in split_codes(cell):
        resolved = voc.resolve(code)
        out.append(f"{resolved} {voc.terms[resolved].label}" if resolved else code)
    return "; ".join(out)


def build_report(audit_path: str | Path, *, audit_date: str | None = None, risk_method: str | None = None,
                 attachments: str | Path | None = None) -> DpiaReport:
    """Everything the DPIA report shows, computed from one audit folder. Invalid audits raise AuditInvalid."""
    audit = load(audit_path)
    if not audit.valid:
        raise AuditInvalid(audit.errors)
    date = str(audit_date or audit.meta.get("audit_date") or dt.date.today().isoformat())
    method = risk_method or audit.risk_method
    vocab.lookup("risk_methods", method)
    notice = read_notice(audit.notice_path())
    profile = analyse(notice, source=notice.source, audit_date=date)
    screening = screen(audit)
    scored = risk.register(audit.risks, audit.risk_method, method)
    checked = transfers.check_flows(audit.flows)
    report = DpiaReport(audit, profile, screening, scored, checked, method, date, [])
    report.sections = [_need(report), _description(report), _consultation(report), _necessity(report),
                       _risks(report), _measures(report), _sign_off(report)]
    if large.is_large(audit):  # counts above are on every row; the tables now keep what matters (report/large.py)
        report.sections = large.summarise(report.sections, audit, attachments)
    return report


# ---- 1. Need for a DPIA --------------------------------------------------------------------


def _need(r: DpiaReport) -> Section:
    s = r.screening
    parts = [Text(("A DPIA is required. " if s.required else "A DPIA is not required. ") +
                  "Screening follows UK GDPR Art 35(3), the ICO's list of processing likely to result in high risk, "
                  "and the nine criteria of the EDPB-endorsed WP248 guidelines (two or more: a DPIA is likely to be needed).",
                  "alert" if s.required else "ok"),
             Heading("Why"), Items(s.reasons)]
    met = s.criteria[s.criteria.met]
    scheme = {"wp248": "WP248", "ico": "ICO high-risk list", "art35_3": "Art 35(3)"}
    table = pd.DataFrame({"Criterion": met.label, "Source": met.scheme.map(scheme),
                          "What meets it": [_grouped(b) for b in met.basis]})
    parts += [Heading("Criteria met"), Table(table, widths=[28, 14, 58])]
    if s.factors:
        parts += [Heading("Other factors"), Items(s.factors)]
    return Section(1, "need", "Need for a DPIA", parts)


def _grouped(basis: list[str]) -> str:
    """'inventory: A2 Care: Health', 'inventory: A2 Care: Ethnicity' -> 'A2 Care (Health, Ethnicity)'."""
    groups: dict[str, list[str]] = {}
    for item in basis:
        if item.startswith("inventory: ") and item.count(": ") >= 2:
            where, what = item.removeprefix("inventory: ").rsplit(": ", 1)
            groups.setdefault(where, []).append(what)
        else:
            groups.setdefault(item, [])
    return "; ".join(f"{k} ({', '.join(dict.fromkeys(v))})" if v else k for k, v in groups.items())


# ---- 2. Description of the processing ------------------------------------------------------


def _description(r: DpiaReport) -> Section:
    a = r.audit.activities
    activities = pd.DataFrame({
        "ID": a.activity_id, "Activity": a.name, "Purpose": a.purpose,
        "Data subjects": [_labels("data_subjects", c) for c in a.data_subjects],
        "Data": a.data_categories.str.replace(";", "; "),
        "Sources": [_labels("data_subjects", c) if all(vocab.get("data_subjects").resolve(x) for x in split_codes(c))
                    else _sources(c) for c in a.sources],
    })
    special = pd.DataFrame({"ID": a.activity_id, "Activity": a.name,
                            "Special categories": [_labels("special_categories", c) or "none" for c in a.special_categories],
                            "Techniques": [_labels("techniques", c) or "none" for c in a.techniques]})
    subjects = {}
    for row in a.itertuples():
        for code in split_codes(row.data_subjects):
            subjects.setdefault(vocab.get("data_subjects").label(code), []).append(row.activity_id)
    subject_table = pd.DataFrame({"Data subjects": list(subjects), "Activities": [", ".join(v) for v in subjects.values()]})
    retention = pd.DataFrame({"ID": a.activity_id, "Activity": a.name, "Retention": a.retention})
    graph = build_graph(r.audit)
    fig = figures.svg(figures.flow_diagram(graph))
    return Section(2, "description", "Description of the processing", [
        Text(f"Scope: {r.audit.meta.get('scope', '')}"),
        Heading("Processing activities"), Table(activities, widths=[5, 14, 22, 15, 28, 16]),
        Heading("Data flows"),
        Image(fig, f"Data flows of {r.audit.provider}: {len(graph.layer(1))} activities, {len(graph.layer(2))} recipients, "
                   f"{len(graph.transfers)} flows leaving the UK or to an unnamed destination.", "Data-flow diagram"),
        Heading("Data subjects"), Table(subject_table, widths=[35, 65]),
        Heading("Special category data and risky techniques"), Table(special, widths=[6, 30, 40, 24]),
        Heading("Retention"), Table(retention, widths=[6, 34, 60], marks=GAP),
    ])


def _sources(cell: str) -> str:
    out = []
    for code in split_codes(cell):
        for name in ("data_subjects", "recipient_types"):
            resolved = vocab.get(name).resolve(code)
            if resolved:
                out.append(vocab.get(name).terms[resolved].label)
                break
        else:
            out.append(code)
    return "; ".join(out)


# ---- 3. Consultation -----------------------------------------------------------------------


def _consultation(r: DpiaReport) -> Section:
    entries = r.audit.meta.get("consultation") or []
    if not entries:
        return Section(3, "consultation", "Consultation", [
            Text("No consultation is recorded. The ICO expects the views of data subjects or their representatives "
                 "(for example residents' and relatives' meetings), staff, processors and the DPO to be sought where "
                 "appropriate (UK GDPR Art 35(9)). Record who was consulted, when and what they said in audit.yaml.", "alert")])
    frame = pd.DataFrame([{"With": str(c.get("with", "")), "Date": str(c.get("date", "")),
                           "What they said": str(c.get("summary", ""))} for c in entries])
    return Section(3, "consultation", "Consultation", [Table(frame, widths=[25, 12, 63])])


# ---- 4. Necessity and proportionality ------------------------------------------------------


def _necessity(r: DpiaReport) -> Section:
    a = r.audit.activities
    bases = pd.DataFrame({
        "ID": a.activity_id, "Activity": a.name,
        "Art 6 basis": [_codes_with_labels("art6", c) for c in a.art6_basis],
        "Legitimate interest": a.legitimate_interest,
        "Art 9 condition": [_codes_with_labels("art9", c) if c else "" for c in a.art9_condition],
        "Schedule 1": [_codes_with_labels("schedule1", c) if c else "" for c in a.schedule1_condition],
    })
    t = r.transfers
    transfer_table = pd.DataFrame({"Flow": t.flow_id, "Recipient": t.recipient, "Destination": t.country_label,
                                   "Adequacy": t.adequacy, "Mechanism": t.mechanism.replace("", "none"),
                                   "Verdict": t.verdict, "Why": t.message})
    restricted = transfer_table[t.restricted.fillna(True).astype(bool)]
    p = r.profile
    stated = f"The notice's retention is {p.retention_status}" + (
        f": {'; '.join(p.retention_periods)}." if p.retention_periods else ".")
    not_stated = int((a.retention.str.lower() == NOT_STATED).sum())
    parts: list = [
        Heading("Lawful basis of each activity"), Table(bases, widths=[5, 17, 20, 18, 20, 20], marks=GAP),
        Heading("International transfers"),
        Text(f"{len(restricted)} of {len(t)} flows leave the UK or go to a destination the notice does not name. "
             f"Each is checked against the UK adequacy list (as of {vocab.get('adequacy').terms['CH'].as_of}) and its mechanism."),
        Table(restricted, widths=[6, 18, 14, 9, 11, 8, 34], marks=GAP) if len(restricted) else Text("No restricted transfers.", "ok"),
        Heading("Retention"),
        Text(f"{stated} {not_stated} of {len(a)} activities have no retention period stated in the notice.",
             "alert" if not_stated else "ok"),
    ]
    parts += _transparency(p)
    return Section(4, "necessity", "Necessity and proportionality", parts)


def _transparency(p: NoticeProfile) -> list:
    present = sum(e.present for k, e in p.elements.items() if p.applicable(k))
    applicable = sum(1 for k in p.elements if p.applicable(k))
    missing_rights = [r.removeprefix("right_") for r in RIGHTS if not p.elements[r].present]
    return [
        Heading("Transparency: the privacy notice against Art 13 and 14"),
        Text(f"The notice covers {present} of {applicable} applicable elements ({p.transparency_score:.0%}); "
             f"last updated {p.last_updated or 'with no date'}."
             + (f" Rights not mentioned: {', '.join(missing_rights)}." if missing_rights else "")),
        Table(checklist(p), widths=[4, 36, 60], marks=GAP),
        Heading("Notice findings"),
        Table(findings_table(p), widths=[9, 24, 40, 27], marks=GAP),
    ]


# ---- 5. Risks ------------------------------------------------------------------------------


def _risks(r: DpiaReport) -> Section:
    s = r.scored
    register = pd.DataFrame({"ID": s.risk_id, "Risk": s.title, "Source and harm": s.description, "Activities": s.activity_ids,
                             "Likelihood": s.likelihood, "Severity": s.severity, "Level": s.inherent})
    fig = figures.svg(figures.risk_map(s, r.method))
    counts = risk.summary(s)["inherent"]
    return Section(5, "risks", "Risks", [
        Text(f"{len(s)} risks assessed with the {vocab.get('risk_methods').label(r.method)} method: "
             + ", ".join(f"{n} {lv}" for lv, n in counts.items()) + " before measures."),
        Table(register, widths=[5, 17, 42, 10, 9, 9, 8], marks=GAP),
        Image(fig, "Risk map: each risk before (hollow) and after (filled) its measures.", "Risk map"),
    ])


# ---- 6. Measures and residual risk ---------------------------------------------------------


def _measures(r: DpiaReport) -> Section:
    s = r.scored
    table = pd.DataFrame({"ID": s.risk_id, "Measures": s.measures, "Before": s.inherent,
                          "After": s.residual, "Reduced": s.reduced.map({True: "yes", False: "no"}),
                          "Owner": s.owner, "Status": s.status})
    high = risk.needs_prior_consultation(s)
    if len(high):
        consult = Text(f"{len(high)} risk(s) stay high after measures ({', '.join(high.risk_id)}). Unless further measures "
                       "reduce them, UK GDPR Art 36(1) requires consulting the ICO before the processing starts.", "alert")
    else:
        consult = Text("No risk stays high after its measures: prior consultation with the ICO (Art 36) is not required.", "ok")
    return Section(6, "measures", "Measures and residual risk", [Table(table, widths=[5, 45, 9, 9, 8, 13, 11], marks=GAP), consult])


# ---- 7. Sign-off ---------------------------------------------------------------------------


def _sign_off(r: DpiaReport) -> Section:
    meta = r.audit.meta
    parts: list = []
    advice = meta.get("dpo_advice")
    if advice:
        accepted = advice.get("accepted")
        parts += [Heading("DPO advice"), Table(pd.DataFrame([{
            "By": str(advice.get("by", "")), "Date": str(advice.get("date", "")), "Advice": str(advice.get("advice", "")),
            "Accepted": {True: "yes", False: "no"}.get(accepted, "not recorded")}]), widths=[18, 12, 55, 15])]
    else:
        parts.append(Text("No DPO advice recorded (UK GDPR Art 35(2) requires seeking the DPO's advice).", "alert"))
    approvals = meta.get("sign_off") or []
    if approvals:
        parts += [Heading("Approvals"), Table(pd.DataFrame([{
            "Name": str(x.get("name", "")), "Role": str(x.get("role", "")), "Date": str(x.get("date", "")),
            "Decision": str(x.get("decision", ""))} for x in approvals]), widths=[25, 25, 15, 35])]
    else:
        parts.append(Text("NOT YET SIGNED OFF: no approval of the residual risks is recorded.", "alert"))
    return Section(7, "sign-off", "Sign-off and outcomes", parts)
