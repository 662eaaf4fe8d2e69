"""ICO step 4: necessity and proportionality: lawful bases, purpose limitation, transfers, processors,
retention, the compliance checks of the law in force, and the privacy notice against Art 13 and 14."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .. import vocab
from ..html.parts import Heading, Items, Questions, Section, Table, Text
from ..principles import TO_BE_JUDGED
from ..vocab import NOT_STATED, split_codes
from ..words import agree, plural, unmark
from .notice_vs_audit import audit_view

if TYPE_CHECKING:
    from .content import DpiaReport

GAP = {NOT_STATED: "gap", "✗": "gap", "high": "high", "medium": "medium", "low": "low", "No lawful route": "gap",
       "Gap": "gap", "To check": "medium", "Location unknown": "medium", "Lawful route": "ok", "Not a transfer": "ok", "✓": "ok"}
VERDICTS = {"ok": "Lawful route", "check": "To check", "gap": "Gap", "missing": "No lawful route", "unknown": "Location unknown"}
LOCATION = {"abroad": "Outside the UK", "unknown": "Location unknown"}
RETENTION = {"none": "The notice gives no retention period", "vague": "The notice describes retention only vaguely",
             "specific": "The notice states retention periods", "partial": "The notice states some retention periods"}
OPEN = "To be completed"
QUOTE = 220  # characters of the notice quoted beside each Art 13/14 element


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
    stated = RETENTION.get(p.retention_status, f"The notice's account of retention is {p.retention_status}") + (
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
                   + "".join(f" {t.description}" for t in purpose if t.code != "compatibility_test"),
                   name="purpose_limitation")]
    parts += [Heading("International transfers"), *_transfers(r)]
    parts += [Heading("Processors"), Questions([questions["s4.processors"]], name="processors_question"), _processors(r.audit)]
    parts += [Heading("Retention"),
              Text(f"{stated} {not_stated} of {plural(len(a), 'activity', 'activities')} {agree(not_stated, 'has', 'have')} no "
                   "retention period stated in the notice.",
                   "alert" if not_stated else "ok", name="retention")]
    findings = _legal_findings(r.audit)
    parts += [Heading(f"Compliance checks under the law in force on {vocab.long_date(day)}"),
              Table(findings, widths=[24, 76], name="compliance") if len(findings)
              else Text("No compliance check raised a finding.", "ok", name="compliance")]
    parts += _complaints(r.audit)
    parts += _transparency(r)
    parts += principles_parts(r)
    return Section(4, "necessity", "Necessity and proportionality", parts)


# The judgements in the report's marks: acceptable as met, improvable as a medium concern, to correct as a gap.
JUDGED = {"Acceptable": "ok", "Improvable": "medium", "To correct": "gap", TO_BE_JUDGED: "blank", OPEN: "blank"}


def principles_parts(r: DpiaReport) -> list:
    """The auditor's judgement on each fundamental principle, why (their reason, then what the audit and the notice
    show), and the corrective action with its owner and due date. An unjudged principle shows a blank to fill."""
    shown = r.principles
    judged = [p for p in shown if p.judged]
    table = pd.DataFrame({"Principle": [p.cited for p in shown], "Judgement": [p.judgement_label for p in shown],
                          "Why": [_why(p) for p in shown], "Corrective action": [corrective(p) for p in shown]})
    intro = (f"The fundamental principles as CNIL's PIA method sets them out, each judged by the assessor under the law in "
             f"force on {vocab.long_date(r.audit.law_date)}: acceptable, improvable or to correct. Beside each judgement, what "
             "the audit and the privacy notice show: they inform the judgement, which is the assessor's alone. "
             f"{len(judged)} of the {plural(len(shown), 'principle')} {agree(len(judged), 'is', 'are')} judged.")
    return [Heading("Principles: judgement and corrective actions"), Text(intro, "p" if len(judged) == len(shown) else "medium",
                                                                          name="principles_intro"),
            Table(table, widths=[18, 14, 44, 24], marks=JUDGED, name="principles")]


def _why(p) -> str:
    reason = p.reason.rstrip()
    if p.judged and not reason:
        reason = "No reason is given."
    elif reason and reason[-1] not in ".!?)":
        reason += "."
    facts = " ".join(p.facts)
    return " ".join(x for x in (reason, f"What the audit shows: {facts}" if facts else "") if x)


def corrective(p) -> str:
    """The corrective action with its owner and due date; a blank to fill where one is needed and missing."""
    if not p.judged:
        return p.action
    if not p.action:
        return OPEN if p.needs_action else "None needed."
    action = p.action if p.action[-1] in ".!?)" else f"{p.action}."
    if not p.needs_action and not (p.owner or p.due):
        return action
    return f"{action} Owner: {p.owner or OPEN.lower()}. Due: {vocab.long_date(p.due) if p.due else OPEN.lower()}."


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
    unknown = shown[shown.unplaced]
    intro = Text(f"{restricted} of {plural(len(t), 'flow')} {agree(restricted, 'is a restricted transfer', 'are restricted transfers')} "
                 f"out of the UK, and {len(unknown)} {agree(len(unknown), 'goes', 'go')} to a recipient "
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
            "Route": [_route(m, approval, r.audit.law_date) for m, approval in zip(named.mechanism, named.approval)],
            "Verdict": [("Not a transfer" if rest is False else VERDICTS[v]) for v, rest in zip(named.verdict, named.restricted)],
            "Why": named.message})
        parts.append(Table(table, widths=[6, 15, 10, 12, 15, 10, 32], marks=GAP, name="transfers"))
    if len(unknown):
        parts.append(Text(f"Location unknown: the notice does not say where these recipients hold the data: "
                          f"{'; '.join(f'{f} {n}' for f, n in zip(unknown.flow_id, unknown.recipient))}. Confirm each; any "
                          "outside the UK is a restricted transfer that needs a lawful route.", "medium", name="unknown"))
    return parts


def _route(mechanism: str, approval: str, day) -> str:
    """The transfer route recorded; a flow to an approved destination (an EEA state) needs none beyond that approval."""
    if mechanism:
        return vocab.labels("transfer_mechanisms", mechanism, on=day, cite=True)
    if approval == "full":
        return vocab.labels("transfer_mechanisms", "adequacy", on=day, cite=True)
    return "None recorded"


def _processors(audit) -> Text:
    """Flows to processors, each of which needs an Art 28 contract."""
    kinds = vocab.get("recipient_types")
    named = [f"{f['flow_id']} {f['recipient']}" for f in audit.flows.to_dict("records")
             if (code := kinds.resolve(f["recipient_type"])) and kinds.terms[code]["processor"]]
    if not named:
        return Text("No flow goes to a processor acting on the provider's instructions.", name="processors")
    return Text(f"{plural(len(named), 'flow')} {agree(len(named), 'goes to a processor', 'go to processors')} acting on the "
                "provider's instructions; each needs a contract that meets "
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
        if problem.rule not in LEGAL_FINDINGS or problem.rule == "complaints_handling":  # shown apart (_complaints)
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


# The complaint duties a notice must itself state (Art 13(2)(d), 14(2)(e)); the others (s.164A) are practices, which a
# notice's silence does not show to be missing: on a desk review they are questions to put to the provider.
NOTICE_DUTIES = ("ico_route",)


def _complaints(audit) -> list:
    """How the provider takes complaints (DPA 2018 ss.164A-165, from 19 June 2026): what to confirm and what is missing."""
    duties = vocab.in_force("complaint_duties", audit.law_date)
    if not len(duties):
        return []
    record = audit.meta.get("complaints") if isinstance(audit.meta.get("complaints"), dict) else {}
    confirm, missing, met = [], [], []
    for duty in duties:
        value = record.get(duty["audit_key"])
        duty_text = duty.description.rstrip(".")
        if duty["cite"] not in duty_text:
            duty_text += f" ({duty['cite']})"
        silent = value is None or str(value).strip().lower() == NOT_STATED
        if silent and not (value is not None and duty.code in NOTICE_DUTIES):
            confirm.append(f"Confirm that {vocab.lower_first(duty_text)}.")
        elif silent:
            missing.append(f"The notice must make sure that {vocab.lower_first(duty_text)}; it says nothing of it.")
        elif value is False:
            missing.append(f"The provider must make sure that {vocab.lower_first(duty_text)}; the audit records that it does not.")
        elif duty["kind"] == "days" and isinstance(value, int) and value > duty["limit"]:
            missing.append(f"Complaints are acknowledged in {value} days, more than the {duty['limit']} the law allows "
                           f"({duty['cite']}).")
        else:
            met.append(vocab.lower_first(duty.label))
    items = missing + confirm
    parts: list = [Heading("Complaints about the use of personal data")]
    if items:
        parts.append(Items(items, name="complaints"))
    if met:
        note = str(record.get("notes") or "").strip().rstrip(".")
        said = f" The audit notes: {note}." if note else ""  # what "in place" rests on, and what it lacks
        parts.append(Text(f"Recorded as in place: {'; '.join(met)}.{said}", "ok" if not items else "p", name="complaints_met"))
    return parts


def _findings(profile, transfers: pd.DataFrame) -> pd.DataFrame:
    """The notice's findings, most severe first, in words: what is wrong, what the audit's flows show of it, and the
    passage concerned."""
    quote = [" ".join(unmark(f.evidence[0].text).split()) if f.evidence else "" for f in profile.findings]
    meaning = [" ".join(filter(None, [f.message, audit_view(f.code, transfers)])) for f in profile.findings]
    return pd.DataFrame({"Severity": [f.severity for f in profile.findings], "What it means": meaning,
                         "The notice's words": quote}, columns=["Severity", "What it means", "The notice's words"])


def _transparency(r: DpiaReport) -> list:
    from .. import applicability

    p = r.profile
    facts = r.audit_facts
    applies = r.applies  # applicability.elements(p, facts): the comparison's answer too
    present, applicable = applicability.coverage(p, applies)
    return [
        Heading("Information given to people: the privacy notice against Art 13 and 14"),
        Text(f"The notice covers {present} of the {applicable} items that apply ({present / max(applicable, 1):.0%}); "
             + (f"it was last updated {vocab.long_date(p.last_updated)}." if p.last_updated else "it gives no date of its last update.")
             + " Each tick quotes the passage that shows it.", name="notice"),
        Table(applicability.checklist(p, applies, width=QUOTE, audit_facts=facts), widths=[5, 35, 60], marks=GAP, name="checklist"),
        Heading("What the notice gets wrong or leaves out"),
        Table(_findings(p, r.transfers), widths=[10, 50, 40], marks=GAP, name="findings") if p.findings
        else Text("The notice raises no finding.", "ok", name="findings"),
    ]
