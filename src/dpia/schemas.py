"""The data dictionary of an audit folder: pandera models for the three inventory tables, the
row rules that need only one table, and the structure of audit.yaml.

Multi-valued cells separate codes with ';'. A blank cell means "not filled in yet" and fails
where the law needs a value; the literal ``not stated`` records that the provider's notice is
silent, which validates with a warning so the gap stays visible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from . import durations, vocab
from .vocab import NOT_STATED, split_codes

ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
STATUSES = ["confirmed", "draft"]
RISK_STATUSES = ["open", "mitigated", "accepted", "closed", "draft"]
REQUIRED = {"min_value": 1}


def _known(name: str, cell: str, *, not_stated: bool = False, also: tuple[str, ...] = ()) -> bool:
    if not_stated and cell.strip().lower() == NOT_STATED:
        return True
    vocabs = [vocab.get(name)] + [vocab.get(v) for v in also]
    return all(any(v.resolve(code) for v in vocabs) for code in split_codes(cell))


def _has(cell: str) -> bool:
    return bool(str(cell).strip())


def _codes(cell: str, name: str) -> set[str]:
    voc = vocab.get(name)
    return {voc.resolve(c) or c for c in split_codes(cell)}


def is_date_or_blank(cell: str) -> bool:
    text = str(cell).strip()
    if not text:
        return True
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def is_duration_or_not_stated(cell: str) -> bool:
    text = str(cell).strip()
    return text.lower() == NOT_STATED or durations.find(text) is not None


class Activities(pa.DataFrameModel):
    """activities.csv: the record of processing, one row per processing activity."""

    activity_id: Series[str] = pa.Field(unique=True, str_matches=ID, description="Short unique id, e.g. A1.")
    name: Series[str] = pa.Field(str_length=REQUIRED, description="What the activity is, in a few words.")
    purpose: Series[str] = pa.Field(str_length=REQUIRED, description="Why the data is processed (Art 13(1)(c)).")
    data_subjects: Series[str] = pa.Field(str_length=REQUIRED, description="Whose data: data_subjects codes, ';'-separated.")
    data_categories: Series[str] = pa.Field(str_length=REQUIRED, description="What data, in plain words, ';'-separated.")
    special_categories: Series[str] = pa.Field(description="Art 9(1) / Art 10 categories: special_categories codes, or blank.")
    sources: Series[str] = pa.Field(description="Where the data comes from: data_subjects or recipient_types codes.")
    art6_basis: Series[str] = pa.Field(str_length=REQUIRED, description="Art 6(1) basis codes such as 6(1)(b), or 'not stated'.")
    legitimate_interest: Series[str] = pa.Field(description="The interest pursued, where 6(1)(f) is relied on.")
    annex1_condition: Series[str] | None = pa.Field(
        description="Where 6(1)(ea) is relied on, the recognised legitimate interest: recognised_legitimate_interests codes, "
                    "or 'not stated'.")
    art9_condition: Series[str] = pa.Field(description="Art 9(2) condition codes such as 9(2)(h), 'not stated', or blank.")
    schedule1_condition: Series[str] = pa.Field(description="DPA 2018 Sch 1 condition codes such as sch1.2, 'not stated', or blank.")
    techniques: Series[str] = pa.Field(description="Techniques that raise risk (cctv, scoring, chatbot...): techniques codes.")
    adm_safeguards: Series[str] | None = pa.Field(
        description="For a solely automated significant decision, the safeguards in place: adm_safeguards codes, or 'not stated'.")
    retention: Series[str] = pa.Field(str_length=REQUIRED, description="How long it is kept: a duration ('6 years') or 'not stated'.")
    evidence: Series[str] = pa.Field(str_length=REQUIRED, description="The notice's words this row comes from, quoted.")
    status: Series[str] = pa.Field(isin=STATUSES, description="confirmed, or draft while unreviewed.")
    notes: Series[str] | None = pa.Field(description="Auditor's notes.")

    @pa.check("data_subjects", element_wise=True, name="codes:data_subjects")
    def _subjects(cls, cell: str) -> bool:
        return _known("data_subjects", cell)

    @pa.check("special_categories", element_wise=True, name="codes:special_categories")
    def _special(cls, cell: str) -> bool:
        return _known("special_categories", cell)

    @pa.check("sources", element_wise=True, name="codes:sources")
    def _sources(cls, cell: str) -> bool:
        return _known("data_subjects", cell, also=("recipient_types",))

    @pa.check("art6_basis", element_wise=True, name="codes:art6")
    def _art6(cls, cell: str) -> bool:
        return _known("art6", cell, not_stated=True)

    @pa.check("art9_condition", element_wise=True, name="codes:art9")
    def _art9(cls, cell: str) -> bool:
        return _known("art9", cell, not_stated=True)

    @pa.check("schedule1_condition", element_wise=True, name="codes:schedule1")
    def _sch1(cls, cell: str) -> bool:
        return _known("schedule1", cell, not_stated=True)

    @pa.check("techniques", element_wise=True, name="codes:techniques")
    def _techniques(cls, cell: str) -> bool:
        return _known("techniques", cell)

    @pa.check("annex1_condition", element_wise=True, name="codes:recognised_legitimate_interests")
    def _annex1(cls, cell: str) -> bool:
        return _known("recognised_legitimate_interests", cell, not_stated=True)

    @pa.check("adm_safeguards", element_wise=True, name="codes:adm_safeguards")
    def _adm(cls, cell: str) -> bool:
        return _known("adm_safeguards", cell, not_stated=True)

    @pa.check("retention", element_wise=True, name="retention_is_duration_or_not_stated")
    def _retention(cls, cell: str) -> bool:
        return is_duration_or_not_stated(cell)

    @pa.dataframe_check(name="special_category_needs_art9")
    def _special_needs_art9(cls, df: pd.DataFrame) -> Series[bool]:
        # Criminal offence data is Art 10 data: it needs a Schedule 1 condition, not an Art 9 one.
        art9_data = df.special_categories.map(lambda c: bool(_codes(c, "special_categories") - {"criminal_offence"}))
        return ~(art9_data & ~df.art9_condition.map(_has))

    @pa.dataframe_check(name="art9_condition_needs_schedule1")
    def _art9_needs_sch1(cls, df: pd.DataFrame) -> Series[bool]:
        def needs(cell: str) -> bool:
            voc = vocab.get("art9")
            return any(voc.resolve(c) and voc.get(c).get("needs_schedule1") for c in split_codes(cell))
        return ~(df.art9_condition.map(needs) & ~df.schedule1_condition.map(_has))

    @pa.dataframe_check(name="criminal_offence_needs_schedule1")
    def _art10_needs_sch1(cls, df: pd.DataFrame) -> Series[bool]:
        criminal = df.special_categories.map(lambda c: "criminal_offence" in _codes(c, "special_categories"))
        return ~(criminal & ~df.schedule1_condition.map(_has))

    @pa.dataframe_check(name="legitimate_interests_needs_interest")
    def _li_needs_interest(cls, df: pd.DataFrame) -> Series[bool]:
        stating = {t.code for t in vocab.get("art6") if t["states_interest"]}
        relies = df.art6_basis.map(lambda c: bool(_codes(c, "art6") & stating))
        return ~(relies & ~df.legitimate_interest.map(_has))

    class Config:
        strict = True
        coerce = True
        name = "activities.csv"


class Flows(pa.DataFrameModel):
    """flows.csv: who receives data from an activity, and where in the world it goes."""

    flow_id: Series[str] = pa.Field(unique=True, str_matches=ID, description="Short unique id, e.g. F1.")
    activity_id: Series[str] = pa.Field(str_length=REQUIRED, description="The activity the data flows from.")
    recipient: Series[str] = pa.Field(str_length=REQUIRED, description="Who receives the data, as the notice names them.")
    recipient_type: Series[str] = pa.Field(str_length=REQUIRED, description="recipient_types code.")
    data_categories: Series[str] = pa.Field(str_length=REQUIRED, description="What data is shared.")
    country: Series[str] = pa.Field(str_length=REQUIRED, description="Destination: ISO 3166 alpha-2 code (GB for the UK) or 'not stated'.")
    mechanism: Series[str] = pa.Field(description="Mechanism for a restricted transfer: transfer_mechanisms code, 'not stated', or blank.")
    evidence: Series[str] = pa.Field(str_length=REQUIRED, description="The notice's words this row comes from, quoted.")
    status: Series[str] = pa.Field(isin=STATUSES, description="confirmed, or draft while unreviewed.")
    notes: Series[str] | None = pa.Field(description="Auditor's notes.")

    @pa.check("recipient_type", element_wise=True, name="codes:recipient_types")
    def _recipient_type(cls, cell: str) -> bool:
        return _known("recipient_types", cell)

    @pa.check("country", element_wise=True, name="codes:countries")
    def _country(cls, cell: str) -> bool:
        return _known("countries", cell, not_stated=True) and len(split_codes(cell)) == 1

    @pa.check("mechanism", element_wise=True, name="codes:transfer_mechanisms")
    def _mechanism(cls, cell: str) -> bool:
        return _known("transfer_mechanisms", cell, not_stated=True) and len(split_codes(cell)) <= 1

    class Config:
        strict = True
        coerce = True
        name = "flows.csv"


def _level_codes(axis: str) -> list[str]:
    return sorted({lv["code"] for m in vocab.get("risk_methods") for lv in m[axis]})


class Risks(pa.DataFrameModel):
    """risks.csv: the risk register, before and after measures."""

    risk_id: Series[str] = pa.Field(unique=True, str_matches=ID, description="Short unique id, e.g. R1.")
    title: Series[str] = pa.Field(str_length=REQUIRED, description="The risk in a line.")
    description: Series[str] = pa.Field(str_length=REQUIRED, description="Source of risk, what could happen, and the harm to people.")
    activity_ids: Series[str] = pa.Field(str_length=REQUIRED, description="Activities the risk arises from, ';'-separated.")
    likelihood: Series[str] = pa.Field(description="Likelihood before measures, on the audit's risk method scale.")
    severity: Series[str] = pa.Field(description="Severity before measures, on the audit's risk method scale.")
    measures: Series[str] = pa.Field(description="Measures that reduce the risk.")
    residual_likelihood: Series[str] = pa.Field(description="Likelihood after measures.")
    residual_severity: Series[str] = pa.Field(description="Severity after measures.")
    owner: Series[str] = pa.Field(description="Who owns the risk.")
    status: Series[str] = pa.Field(isin=RISK_STATUSES, description="open, mitigated, accepted, closed, or draft.")
    effect: Series[str] | None = pa.Field(description="The measures' effect on the risk: eliminated, reduced or accepted.")
    measure_approved: Series[str] | None = pa.Field(description="Whether the measures are approved: yes or no.")
    due: Series[str] | None = pa.Field(description="When the measures are due, YYYY-MM-DD.")
    feared_event: Series[str] | None = pa.Field(
        description="The feared event the risk concerns (CNIL): illegitimate_access, unwanted_modification or disappearance.")
    risk_sources: Series[str] | None = pa.Field(description="Who or what could cause it: staff, hackers, processors, accidents...")
    notes: Series[str] | None = pa.Field(description="Auditor's notes.")

    @pa.check("likelihood", "residual_likelihood", element_wise=True, name="risk_level:likelihood")
    def _likelihood(cls, cell: str) -> bool:
        return cell.strip().lower() in _level_codes("likelihood")

    @pa.check("severity", "residual_severity", element_wise=True, name="risk_level:severity")
    def _severity(cls, cell: str) -> bool:
        return cell.strip().lower() in _level_codes("severity")

    @pa.check("effect", element_wise=True, name="codes:measure_effects")
    def _effect(cls, cell: str) -> bool:
        return _known("measure_effects", cell)

    @pa.check("feared_event", element_wise=True, name="codes:feared_events")
    def _feared(cls, cell: str) -> bool:
        return _known("feared_events", cell)

    @pa.check("measure_approved", element_wise=True, name="yes_no")
    def _approved(cls, cell: str) -> bool:
        return cell.strip().lower() in ("", "yes", "no")

    @pa.check("due", element_wise=True, name="date")
    def _due(cls, cell: str) -> bool:
        return is_date_or_blank(cell)

    class Config:
        strict = True
        coerce = True
        name = "risks.csv"


TABLES: dict[str, type[pa.DataFrameModel]] = {
    "activities.csv": Activities, "flows.csv": Flows, "risks.csv": Risks,
}

# The column each row rule points at, and what it says. Kept beside the checks it explains.
ROW_RULES: dict[str, tuple[str, str]] = {
    "special_category_needs_art9": (
        "art9_condition", "special category data needs an Art 9(2) condition: give its code "
        "(e.g. 9(2)(h)) or write 'not stated' if the notice gives none"),
    "art9_condition_needs_schedule1": (
        "schedule1_condition", "this Art 9(2) condition needs a DPA 2018 Schedule 1 condition that completes it (DPA 2018 "
        "s.10(2)-(3)): give its code (e.g. sch1.2 for health or social care) or write 'not stated'"),
    "criminal_offence_needs_schedule1": (
        "schedule1_condition", "criminal offence data (Art 10) needs a DPA 2018 Schedule 1 condition: "
        "give its code or write 'not stated'"),
    "legitimate_interests_needs_interest": (
        "legitimate_interest", "6(1)(f) legitimate interests is relied on, so state the interest pursued (Art 13(1)(d))"),
    "retention_is_duration_or_not_stated": (
        "retention", "retention must be a duration with a number and unit (e.g. '6 years after last contact') "
        "or the words 'not stated'"),
}

CODE_COLUMNS = {
    "codes:data_subjects": "data_subjects", "codes:special_categories": "special_categories",
    "codes:sources": "data_subjects", "codes:art6": "art6", "codes:art9": "art9",
    "codes:schedule1": "schedule1", "codes:techniques": "techniques",
    "codes:recipient_types": "recipient_types", "codes:countries": "countries",
    "codes:transfer_mechanisms": "transfer_mechanisms",
    "codes:recognised_legitimate_interests": "recognised_legitimate_interests", "codes:adm_safeguards": "adm_safeguards",
    "codes:measure_effects": "measure_effects", "codes:feared_events": "feared_events",
}
# The columns whose codes must be in force on the audit date, and their vocabularies.
DATED_COLUMNS: dict[str, dict[str, str]] = {
    "activities.csv": {"art6_basis": "art6", "annex1_condition": "recognised_legitimate_interests", "art9_condition": "art9",
                       "schedule1_condition": "schedule1", "adm_safeguards": "adm_safeguards"},
    "flows.csv": {"mechanism": "transfer_mechanisms"},
}


def columns(table: str) -> list[str]:
    """The columns of a table in their documented order (optional ones last)."""
    return list(TABLES[table].to_schema().columns)


def required_columns(table: str) -> list[str]:
    return [n for n, c in TABLES[table].to_schema().columns.items() if c.required]


def describe(table: str) -> pd.DataFrame:
    """The data dictionary of a table: column, required, description."""
    cols = TABLES[table].to_schema().columns
    return pd.DataFrame([{"column": n, "required": c.required, "description": c.description} for n, c in cols.items()])


# ---- audit.yaml ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One key of audit.yaml: its type, whether it must be there, and what it means."""

    kind: type | tuple[type, ...]
    required: bool
    description: str
    choices: str | None = None  # a vocabulary name whose codes are the allowed values


AUDIT_KEYS: dict[str, Key] = {
    "provider": Key(str, True, "The provider's name as its notice gives it."),
    "kind": Key(str, True, "What kind of provider it is.", choices="provider_kinds"),
    "notice": Key(str, True, "The notice file in this folder, e.g. notice.txt."),
    "notice_url": Key(str, False, "Where the notice was published."),
    "audit_date": Key(str, True, "The date the audit reflects, YYYY-MM-DD."),
    "assessor": Key(str, True, "Who carried out the assessment."),
    "scope": Key(str, True, "What processing the DPIA covers."),
    "risk_method": Key(str, False, "ico (default) or cnil: the scale risks.csv uses.", choices="risk_methods"),
    "desk_review": Key(bool, False, "true when the audit rests only on the published notice: the report is then a draft DPIA."),
    "public_authority": Key(bool, False, "true if the controller is a public authority or body (DPA 2018 s.7): it cannot then "
                            "rely on legitimate interests, 6(1)(f) or 6(1)(ea), for processing in performing its tasks."),
    "appropriate_policy_document": Key(dict, False, "The appropriate policy document that Schedule 1 conditions need (DPA 2018 "
                                       "Sch 1 Part 4): {exists: true/false, where: link or location, reviewed: YYYY-MM-DD}."),
    "complaints": Key(dict, False, "How the controller takes complaints (DPA 2018 s.164A, from 19 June 2026): {form: true/false, "
                      "acknowledge_days: number, respond: true/false, ico_route: true/false, evidence: the notice's words}."),
    "screening": Key(dict, False, "Answers to screening questions the inventory cannot show: criterion code -> "
                     "true/false, or {answer: true/false, reason: text}."),
    "document": Key(dict, False, "The DPIA as a document: {version, author, change_log: [{version, date, by, change}]}."),
    "controller": Key(dict, False, "The controller: {name (where it is not the provider alone), dpo, ico_registration, address}."),
    "aims": Key(str, False, "ICO step 1: what the project aims to achieve and what processing it involves."),
    "nature": Key(dict, False, "ICO step 2, nature: {lifecycle, systems}."),
    "scale": Key(dict, False, "ICO step 2, scope: {volume, frequency, individuals, geography}."),
    "context": Key(dict, False, "ICO step 2, context: {relationship, control, expectations, vulnerable, prior_concerns, "
                   "novelty, public_concern, codes}."),
    "purposes": Key(dict, False, "ICO step 2, purposes: {intended_effect, benefits}."),
    "consultation_plan": Key(dict, False, "ICO step 3: {individuals, internal, processors, experts}: who is consulted, "
                             "when and how, or why not."),
    "consultation": Key(list, False, "Who was consulted: a list of {with, date, summary}."),
    "necessity": Key(dict, False, "ICO step 4: {achieves_purpose, less_intrusive, function_creep, quality_minimisation, "
                     "rights, processors, legitimate_interests_assessment}."),
    "dpo_advice": Key((dict, type(None)), False, "The DPO's advice: {by, date, advice, accepted, reason (if overruled)}."),
    "sign_off": Key((list, type(None)), False, "ICO step 7 approvals: a list of {item, name, role, date, decision}, item "
                    "being measures, residual_risks or consultation_responses."),
    "review": Key(dict, False, "Who keeps the DPIA under review, and when next: {by, next_date}."),
    "principles": Key(dict, False, "The auditor's judgement on each fundamental principle (CNIL's method): principle code -> "
                      "{judgement: acceptable, improvable or to_correct, reason, action, owner, due: YYYY-MM-DD}."),
}
# The sub-keys of audit.yaml's narrative sections (the ICO template's questions); each holds text, or
# 'not stated' where the provider does not say. What is missing shows in the report as a blank to fill.
TEMPLATE_SECTIONS: dict[str, dict[str, str]] = {
    "controller": {"name": "the controller, where it is not the provider alone: its legal name, or each joint controller (Art 26)",
                   "dpo": "the DPO's name or title, or 'none designated'", "ico_registration": "the ICO registration number",
                   "address": "the controller's address"},
    "nature": {"lifecycle": "how the data is collected, used, stored and deleted",
               "systems": "the systems and services the data is held in"},
    "scale": {"volume": "how much data", "frequency": "how often it is collected and used",
              "individuals": "how many people are affected", "geography": "the geographical area"},
    "context": {"relationship": "the relationship with the people", "control": "how much control they have",
                "expectations": "whether they would expect this use", "vulnerable": "children or vulnerable groups among them",
                "prior_concerns": "prior concerns or security flaws", "novelty": "what is novel, and the state of the technology",
                "public_concern": "current issues of public concern", "codes": "codes of conduct or certification (the DSPT)"},
    "purposes": {"intended_effect": "what it should achieve, and its effect on people", "benefits": "its benefits"},
    "consultation_plan": {"individuals": "when and how people's views are sought, or why not",
                          "internal": "who within the organisation is involved", "processors": "whether processors help",
                          "experts": "security or other experts consulted"},
    "necessity": {"achieves_purpose": "whether it achieves the purpose", "less_intrusive": "a less intrusive way",
                  "function_creep": "how function creep is prevented",
                  "quality_minimisation": "how data quality and minimisation are ensured",
                  "rights": "how rights requests are handled in practice", "processors": "Art 28 contracts with processors",
                  "legitimate_interests_assessment": "the purpose, necessity and balancing tests of legitimate interests"},
    "review": {"by": "who keeps the DPIA under review", "next_date": "the next review, YYYY-MM-DD"},
    "document": {"version": "the document's version", "author": "who wrote it", "change_log": "a list of {version, date, by, change}"},
}
CONSULTATION_KEYS = ("with", "date", "summary")
DPO_KEYS = ("by", "date", "advice")
SIGN_OFF_KEYS = ("name", "role", "date", "decision")
SIGN_OFF_ITEMS = {"measures": "Measures approved by", "residual_risks": "Residual risks approved by",
                  "consultation_responses": "Consultation responses reviewed by"}
CHANGE_KEYS = ("version", "date", "by", "change")
POLICY_DOCUMENT_KEYS = {"exists": bool, "where": str, "reviewed": str}
PRINCIPLE_KEYS = {"judgement": str, "reason": str, "action": str, "owner": str, "due": str}
COMPLAINT_KEYS = {"form": bool, "acknowledge_days": int, "respond": bool, "ico_route": bool, "evidence": str, "notes": str}


def as_text(value: Any) -> str:
    """YAML reads unquoted dates as dates; the audit keeps them as ISO text."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
