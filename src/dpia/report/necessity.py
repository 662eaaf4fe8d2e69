"""ICO step 4: necessity and proportionality: lawful bases, purpose limitation, transfers, processors,
retention, the compliance checks of the law in force, and the privacy notice against Art 13 and 14."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .. import vocab
from ..html.parts import Heading, Items, Questions, Section, Table, Text
from ..vocab import NOT_STATED, split_codes

if TYPE_CHECKING:
    from .content import DpiaReport

GAP = {NOT_STATED: "gap", "✗": "gap", "high": "high", "medium": "medium", "low": "low", "No lawful route": "gap",
       "Gap": "gap", "To check": "medium", "Location unknown": "medium", "Lawful route": "ok", "Not a transfer": "ok", "✓": "ok"}
VERDICTS = {"ok": "Lawful route", "check": "To check", "gap": "Gap", "missing": "No lawful route", "unknown": "Location unknown"}
LOCATION = {"abroad": "Outside the UK", "unknown": "Location unknown"}


def necessity(r: DpiaReport) -> Section:
    a, day = r.audit.activities, r.audit.law_date
    bases = pd.DataFrame({
        "ID": a.activity_id, "Activity": a.name,
        "Art 6 basis": [vocab.labels("art6", c, on=day, cite=True) for c in a.art6_basis],
        "Interest pursued": [_interest(row, day) for row in a.to_dict("records")],
        "Art 9 condition": [vocab.labels("art9", c, on=day, cite=True) for c in a.art9_condition],
        "Schedule 1": [vocab.labels("schedule1", c, on=day, cite=True) for c in a.schedule1_condition],
    })
    questions = {q.code: q for q in r.questions(4)}
    p = r.profile
    stated = f"The notice's retention is {p.retention_status}" + (
        f": {'; '.join(p.retention_periods)}." if p.retention_periods else ".")
    not_stated = int((a.retention.str.lower() == NOT_STATED).sum())
    parts: list = [Heading("Lawful basis of each activity"), Table(bases, widths=[5, 17, 20, 18, 20, 20], marks=GAP, name="bases")]
    parts += [Items(notes, name="basis_notes") for notes in [_condition_notes(a, day)] if notes]
    parts += [Questions([questions["s4.legitimate_interests"]], name="lia")]
    purpose = vocab.in_force("further_purposes", day)
    parts += [Heading("Purpose, minimisation and rights"),
              Questions([questions[c] for c in ("s4.achieves_purpose", "s4.less_intrusive", "s4.function_creep",
                                                "s4.quality_minimisation", "s4.rights")], name="proportionality"),
              Text(f"Purpose limitation: any use beyond the purposes in section 2 must meet the law of the audit date. "
                   f"{purpose.get('compatibility_test').description}"
                   + "".join(f" {t.label}: {t.description}" for t in purpose if t.code != "compatibility_test"),
                   name="purpose_limitation")]
    parts += [Heading("International transfers"), *_transfers(r)]
    parts += [Heading("Processors"), Questions([questions["s4.processors"]], name="processors_question"), _processors(r.audit)]
    parts += [Heading("Retention"),
              Text(f"{stated} {not_stated} of {len(a)} activities have no retention period stated in the notice.",
                   "alert" if not_stated else "ok", name="retention")]
    findings = _legal_findings(r.audit)
    parts += [Heading(f"Compliance checks under the law in force on {vocab.long_date(day)}"),
              Table(findings, widths=[24, 76], name="compliance") if len(findings)
              else Text("No compliance check raised a finding.", "ok", name="compliance")]
    parts += _transparency(r)
    return Section(4, "necessity", "Necessity and proportionality", parts)


def _interest(row: dict, day) -> str:
    """The legitimate interest stated for (f), or the Annex 1 condition for (ea)."""
    annex1 = vocab.labels("recognised_legitimate_interests", row.get("annex1_condition") or "", on=day)
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


def _transfers(r: DpiaReport) -> list:
    t = r.transfers
    shown = t[t.location.isin(["abroad", "unknown"])]
    restricted = int((shown.restricted == True).sum())  # noqa: E712 - restricted holds True, False or None
    unknown = shown[(shown.location == "unknown") & (shown.verdict == "unknown")]
    intro = Text(f"{restricted} of {len(t)} flows are restricted transfers out of the UK, and {len(unknown)} go to a recipient "
                 "whose location the notice does not give. Every destination outside the UK, the EEA included, makes a "
                 "transfer; each is checked against the destinations approved on the audit date and its transfer route. "
                 "Data given to the provider's own staff abroad is not a restricted transfer.", name="transfers_intro")
    if not len(shown):
        return [intro, Text("Every flow stays in the UK.", "ok", name="transfers")]
    named = shown.drop(unknown.index)
    parts: list = [intro]
    if len(named):
        table = pd.DataFrame({
            "Flow": named.flow_id, "Recipient": named.recipient, "Where": named.location.map(LOCATION),
            "Destination": named.country_label.replace(NOT_STATED, "not named"),
            "Route": [vocab.labels("transfer_mechanisms", m, on=r.audit.law_date, cite=True) or "none" for m in named.mechanism],
            "Verdict": [("Not a transfer" if rest is False else VERDICTS[v]) for v, rest in zip(named.verdict, named.restricted)],
            "Why": named.message})
        parts.append(Table(table, widths=[6, 15, 10, 12, 15, 10, 32], marks=GAP, name="transfers"))
    if len(unknown):
        parts.append(Text(f"Location unknown: the notice does not say where these recipients hold the data: "
                          f"{'; '.join(f'{f} {n}' for f, n in zip(unknown.flow_id, unknown.recipient))}. Confirm each; any "
                          "outside the UK is a restricted transfer that needs a lawful route.", "medium", name="unknown"))
    return parts


def _processors(audit) -> Text:
    """Flows to processors, each of which needs an Art 28 contract."""
    kinds = vocab.get("recipient_types")
    named = [f"{f['flow_id']} {f['recipient']}" for f in audit.flows.to_dict("records")
             if (code := kinds.resolve(f["recipient_type"])) and kinds.terms[code]["processor"]]
    if not named:
        return Text("No flow goes to a processor acting on the provider's instructions.", name="processors")
    return Text(f"{len(named)} flows go to processors acting on the provider's instructions; each needs a contract that meets "
                f"UK GDPR Art 28(3), and the provider must check their security (Art 28(1)): {'; '.join(named)}.",
                name="processors")


def _legal_findings(audit) -> pd.DataFrame:
    """The warnings of the legal rules, each placed by the row it concerns."""
    from ..rules import LEGAL_FINDINGS

    ids = {"activities.csv": ("activity_id", "name"), "flows.csv": ("flow_id", "recipient"), "risks.csv": ("risk_id", "title")}
    # line -> row index, once per table: searching every row for each finding took minutes at 100,000 activities
    position = {t: {audit.line(t, i): i for i in range(len(audit.tables[t]))} for t in ids if t in audit.tables}
    rows = []
    for problem in audit.warnings:
        if problem.rule not in LEGAL_FINDINGS:
            continue
        where = "The provider"
        if problem.file in ids:
            frame, (key, name) = audit.tables[problem.file], ids[problem.file]
            index = position.get(problem.file, {}).get(problem.row)
            if index is not None:
                row = frame.iloc[index]
                where = f"{row[key]} {row[name]}"
        rows.append({"Where": where, "Finding": problem.message[0].upper() + problem.message[1:]})
    return pd.DataFrame(rows, columns=["Where", "Finding"])


def _findings(profile) -> pd.DataFrame:
    """The notice's findings, most severe first, in words: what is wrong and the passage concerned."""
    quote = [" ".join(f.evidence[0].text.split()) if f.evidence else "" for f in profile.findings]
    return pd.DataFrame({"Severity": [f.severity for f in profile.findings], "What it means": [f.message for f in profile.findings],
                         "The notice's words": quote}, columns=["Severity", "What it means", "The notice's words"])


def _transparency(r: DpiaReport) -> list:
    from ..notice.render import checklist

    p = r.profile
    present = sum(e.present for k, e in p.elements.items() if p.applicable(k))
    applicable = sum(1 for k in p.elements if p.applicable(k))
    return [
        Heading("Information given to people: the privacy notice against Art 13 and 14"),
        Text(f"The notice covers {present} of the {applicable} items that apply ({p.transparency_score:.0%}); "
             f"last updated {p.last_updated or 'at no stated date'}. Each tick quotes the passage that shows it.", name="notice"),
        Table(checklist(p), widths=[5, 35, 60], marks=GAP, name="checklist"),
        Heading("What the notice gets wrong or leaves out"),
        Table(_findings(p), widths=[10, 50, 40], marks=GAP, name="findings") if p.findings
        else Text("The notice raises no finding.", "ok", name="findings"),
    ]
