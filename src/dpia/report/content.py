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

DONE = ("mitigated", "accepted", "closed")  # risk statuses whose measures are in place or whose risk is accepted
GAP = {NOT_STATED: "gap", "✗": "gap", "high": "high", "medium": "medium", "low": "low", "missing": "gap", "gap": "gap",
       "check": "medium", "unknown": "medium", "ok": "ok", "✓": "ok"}


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


def _labels(name, cell: str, day, cite: bool = False) -> str:
    return vocab.labels(name, cell, on=day, cite=cite)


def build_report(audit_path: str | Path, *, audit_date: str | None = None, risk_method: str | None = None,
                 attachments: str | Path | None = None) -> DpiaReport:
    """Everything the DPIA report shows, computed from one audit folder. Invalid audits raise AuditInvalid."""
    audit = load(audit_path)
    if not audit.valid:
        raise AuditInvalid(audit.errors)
    date = str(audit_date or audit.meta.get("audit_date") or dt.date.today().isoformat())
    if audit_date:
        audit.meta["audit_date"] = date  # judge everything, the law included, as of the date asked for
    method = risk_method or audit.risk_method
    vocab.lookup("risk_methods", method)
    notice = read_notice(audit.notice_path())
    profile = analyse(notice, source=notice.source, audit_date=date)
    screening = screen(audit)
    scored = risk.register(audit.risks, audit.risk_method, method)
    checked = transfers.check_flows(audit.flows, on=audit.law_date)
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
    a, day = r.audit.activities, r.audit.law_date
    activities = pd.DataFrame({
        "ID": a.activity_id, "Activity": a.name, "Purpose": a.purpose,
        "Data subjects": [_labels("data_subjects", c, day) for c in a.data_subjects],
        "Data": a.data_categories.str.replace(";", "; "),
        "Sources": [_labels(("data_subjects", "recipient_types"), c, day) for c in a.sources],
    })
    special = pd.DataFrame({"ID": a.activity_id, "Activity": a.name,
                            "Special categories": [_labels("special_categories", c, day) or "none" for c in a.special_categories],
                            "Techniques": [_labels("techniques", c, day) or "none" for c in a.techniques]})
    subjects = {}
    for row in a.itertuples():
        for code in split_codes(row.data_subjects):
            subjects.setdefault(_labels("data_subjects", code, day), []).append(row.activity_id)
    subject_table = pd.DataFrame({"Data subjects": list(subjects), "Activities": [", ".join(v) for v in subjects.values()]})
    retention = pd.DataFrame({"ID": a.activity_id, "Activity": a.name, "Retention": a.retention})
    graph = build_graph(r.audit)
    fig = figures.svg(figures.flow_diagram(graph))
    return Section(2, "description", "Description of the processing", [
        Text(f"Scope: {r.audit.meta.get('scope', '')}"),
        Heading("Processing activities"), Table(activities, widths=[5, 14, 22, 15, 28, 16]),
        Heading("Data flows"),
        Image(fig, f"Data flows of {r.audit.provider}: {len(graph.layer(1))} activities, {len(graph.layer(2))} recipients, "
                   f"{len(graph.transfers)} restricted transfers out of the UK, {len(graph.unknown)} flows to a recipient whose "
                   "location is unknown.", "Data-flow diagram"),
        Heading("Data subjects"), Table(subject_table, widths=[35, 65]),
        Heading("Special category data and risky techniques"), Table(special, widths=[6, 30, 40, 24]),
        Heading("Retention"), Table(retention, widths=[6, 34, 60], marks=GAP),
    ])


# ---- 3. Consultation -----------------------------------------------------------------------


def _consultation(r: DpiaReport) -> Section:
    entries = r.audit.meta.get("consultation") or []
    if not entries:
        return Section(3, "consultation", "Consultation", [
            Text("No consultation is recorded. Where appropriate, the controller must seek the views of data subjects or "
                 "their representatives (UK GDPR Art 35(9)), for example at residents' and relatives' meetings. The ICO also "
                 "advises consulting staff, processors and information security experts.", "alert")])
    frame = pd.DataFrame([{"With": str(c.get("with", "")), "Date": str(c.get("date", "")),
                           "What they said": str(c.get("summary", ""))} for c in entries])
    return Section(3, "consultation", "Consultation", [Table(frame, widths=[25, 12, 63])])


# ---- 4. Necessity and proportionality ------------------------------------------------------


def _necessity(r: DpiaReport) -> Section:
    a, day = r.audit.activities, r.audit.law_date
    bases = pd.DataFrame({
        "ID": a.activity_id, "Activity": a.name,
        "Art 6 basis": [_labels("art6", c, day, cite=True) for c in a.art6_basis],
        "Interest pursued": [_interest(row, day) for row in a.to_dict("records")],
        "Art 9 condition": [_labels("art9", c, day, cite=True) for c in a.art9_condition],
        "Schedule 1": [_labels("schedule1", c, day, cite=True) for c in a.schedule1_condition],
    })
    p = r.profile
    stated = f"The notice's retention is {p.retention_status}" + (
        f": {'; '.join(p.retention_periods)}." if p.retention_periods else ".")
    not_stated = int((a.retention.str.lower() == NOT_STATED).sum())
    parts: list = [Heading("Lawful basis of each activity"), Table(bases, widths=[5, 17, 20, 18, 20, 20], marks=GAP)]
    parts += [Items(notes) for notes in [_condition_notes(a, day)] if notes]
    purpose = vocab.in_force("further_purposes", day)
    parts += [Heading("Purpose limitation"),
              Text(f"Data is used only for the purposes listed in section 2. {purpose.get('compatibility_test').description}"
                   + "".join(f" {t.label}: {t.description}" for t in purpose if t.code != "compatibility_test"))]
    parts += [Heading("International transfers"), *_transfers(r), Heading("Processors"), _processors(r.audit)]
    parts += [Heading("Retention"),
              Text(f"{stated} {not_stated} of {len(a)} activities have no retention period stated in the notice.",
                   "alert" if not_stated else "ok")]
    findings = _legal_findings(r.audit)
    parts += [Heading(f"Compliance checks under the law in force on {vocab.long_date(day)}"),
              Table(findings, widths=[22, 78]) if len(findings) else Text("No compliance check raised a finding.", "ok")]
    parts += _transparency(p)
    return Section(4, "necessity", "Necessity and proportionality", parts)


def _interest(row: dict, day) -> str:
    """The legitimate interest stated for (f), or the Annex 1 condition for (ea)."""
    annex1 = _labels("recognised_legitimate_interests", row.get("annex1_condition") or "", day)
    return "; ".join(x for x in (row.get("legitimate_interest", ""), annex1 and f"Annex 1: {annex1}") if x)


def _condition_notes(activities: pd.DataFrame, day) -> list[str]:
    """What a reader must know about the bases and conditions relied on: the balancing test of legitimate interests,
    the Art 9(3) secrecy condition of (h), and that Art 9 adds to an Art 6 basis."""
    art6, art9 = vocab.in_force("art6", day), vocab.in_force("art9", day)
    bases = {code for cell in activities.art6_basis for c in split_codes(cell) if (code := art6.resolve(c))}
    conditions = {code for cell in activities.art9_condition for c in split_codes(cell) if (code := art9.resolve(c))}
    notes = [f"{art6.terms[c].label} ({art6.terms[c]['cite']}) needs a legitimate interests assessment: the interest must be "
             "necessary and weighed against the person's interests, rights and freedoms." for c in art6.codes()
             if c in bases and art6.terms[c]["balancing"]]
    if conditions:
        notes.append("An Art 9(2) condition adds to an Art 6(1) basis; it does not replace it.")
    return notes + [art9.terms[c]["note"] for c in art9.codes() if c in conditions and art9.terms[c].get("note")]


LOCATION = {"abroad": "Outside the UK", "unknown": "Location unknown"}


def _transfers(r: DpiaReport) -> list:
    t = r.transfers
    shown = t[t.location.isin(["abroad", "unknown"])]
    restricted = int((shown.restricted == True).sum())  # noqa: E712 - restricted holds True, False or None
    unknown = int((shown.location == "unknown").sum())
    intro = Text(f"{restricted} of {len(t)} flows are restricted transfers out of the UK, and {unknown} go to a recipient "
                 "whose location the notice does not give. Every destination outside the UK, the EEA included, makes a "
                 "transfer; each is checked against the destinations approved on the audit date and its transfer route. "
                 "Data given to the provider's own staff abroad is not a restricted transfer.")
    if not len(shown):
        return [intro, Text("Every flow stays in the UK.", "ok")]
    table = pd.DataFrame({"Flow": shown.flow_id, "Recipient": shown.recipient, "Where": shown.location.map(LOCATION),
                          "Destination": shown.country_label,
                          "Route": [_labels("transfer_mechanisms", m, r.audit.law_date, cite=True) or "none" for m in shown.mechanism],
                          "Verdict": shown.verdict, "Why": shown.message})
    return [intro, Table(table, widths=[6, 16, 10, 12, 14, 8, 34], marks=GAP)]


def _processors(audit) -> Text:
    """Flows to processors, each of which needs an Art 28 contract."""
    kinds = vocab.get("recipient_types")
    named = [f"{f['flow_id']} {f['recipient']}" for f in audit.flows.to_dict("records")
             if (code := kinds.resolve(f["recipient_type"])) and kinds.terms[code]["processor"]]
    if not named:
        return Text("No flow goes to a processor acting on the provider's instructions.")
    return Text(f"{len(named)} flows go to processors acting on the provider's instructions; each needs a contract that meets "
                f"UK GDPR Art 28(3), and the provider must check their security (Art 28(1)): {'; '.join(named)}.")


def _legal_findings(audit) -> pd.DataFrame:
    """The warnings of the legal rules, each placed by the row it concerns."""
    from ..rules import LEGAL_FINDINGS

    ids = {"activities.csv": "activity_id", "flows.csv": "flow_id", "risks.csv": "risk_id"}
    # line -> row index, once per table: searching every row for each finding took minutes at 100,000 activities
    position = {t: {audit.line(t, i): i for i in range(len(audit.tables[t]))} for t in ids if t in audit.tables}
    rows = []
    for problem in audit.warnings:
        if problem.rule not in LEGAL_FINDINGS:
            continue
        where = "The provider"
        if problem.file in ids:
            frame = audit.tables[problem.file]
            index = position.get(problem.file, {}).get(problem.row)
            if index is not None:
                row = frame.iloc[index]
                where = f"{row[ids[problem.file]]} {row.get('name', row.get('recipient', ''))}".strip()
        rows.append({"Where": where, "Finding": problem.message[0].upper() + problem.message[1:]})
    return pd.DataFrame(rows, columns=["Where", "Finding"])


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
    open_ = s[~s.status.isin(DONE)]
    if len(high):
        consult = Text(f"{len(high)} risk(s) stay high after measures ({', '.join(high.risk_id)}). Unless further measures "
                       "reduce them, UK GDPR Art 36(1) requires consulting the ICO before the processing starts.", "alert")
    elif len(open_) or not r.audit.meta.get("sign_off"):
        consult = Text("No risk stays high after its measures, so prior consultation with the ICO (Art 36) is not required, "
                       "provided the measures are implemented and approved: "
                       f"{len(open_)} of {len(s)} risks still have measures to implement, and "
                       + ("the residual risks are approved." if r.audit.meta.get("sign_off") else
                          "the residual risks are not yet approved."), "medium")
    else:
        consult = Text("No risk stays high after its measures, which are implemented and approved: prior consultation with "
                       "the ICO (Art 36) is not required.", "ok")
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
        parts.append(Text("No DPO advice is recorded. Where a data protection officer is designated, the controller must seek "
                          "their advice on the DPIA (UK GDPR Art 35(2)).", "alert"))
    approvals = meta.get("sign_off") or []
    if approvals:
        parts += [Heading("Approvals"), Table(pd.DataFrame([{
            "Name": str(x.get("name", "")), "Role": str(x.get("role", "")), "Date": str(x.get("date", "")),
            "Decision": str(x.get("decision", ""))} for x in approvals]), widths=[25, 25, 15, 35])]
    else:
        parts.append(Text("NOT YET SIGNED OFF: no approval of the residual risks is recorded.", "alert"))
    return Section(7, "sign-off", "Sign-off and outcomes", parts)
