"""The shape of every vocabulary file: which keys a header and an entry may carry, and their types.

A misspelt key ("negaton") or a value of the wrong type is an error naming the file, the entry
and the key, so a typo can never turn into a silent new code. Checked once when vocabularies load.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

Day = dt.date


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Entry(_Strict):
    code: str
    label: str
    description: str
    source: str | None = None
    as_of: Day | None = None
    in_force_from: Day | None = None
    in_force_until: Day | None = None
    cite: str | None = None  # how a client-facing text cites the term, where the code is a citation ('Art 6(1)(b)')


class Header(_Strict):
    vocabulary: str
    title: str
    kind: Literal["law", "classification", "method"]
    source: str | None = None
    as_of: Day
    in_force_from: Day
    aliases: dict[str, str] | None = None
    entries: list[Entry]


class Art6(Entry):
    letter: str
    public_authorities: bool  # may a public authority rely on it in performing its tasks (Art 6(1) second subparagraph)
    states_interest: bool  # the notice must state the interests (Art 13(1)(d), 14(2)(b))
    balancing: bool  # weighed against the person's interests, rights and freedoms
    needs_annex1: bool = False  # the activity names the Annex 1 condition (Art 6(1)(ea))
    task_in_law: bool = False  # the task must be set out in law (Art 6(3))


class Art9(Entry):
    letter: str
    needs_schedule1: bool
    note: str | None = None  # a further condition a reader must know (the Art 9(3) secrecy condition)


class Schedule1(Entry):
    part: int | None
    serves: list[str]
    policy_document: Literal["required", "not_required", "partial"]
    policy_document_source: str | None = None  # the provision that asks for the policy document
    exemption: str | None = None


class Screened(Entry):
    screening: list[str]


class SpecialCategory(Screened):
    article: str


class Recipient(Entry):
    processor: bool
    uk_public_body: bool = False
    same_entity: bool = False  # the provider's own staff: not a restricted transfer, wherever they are


class Abolished(Entry):
    successor: str
    pattern: str


class Country(Entry):
    destination_only: bool = False  # a transfer destination that is not a country a notice names (EU, EEA)


class Mechanism(Entry):
    kind: Literal["approval", "safeguard", "derogation"]
    suitable: bool


class Adequacy(Entry):
    coverage: Literal["full", "partial"]


class Criterion(Entry):
    scheme: Literal["wp248", "ico", "art35_3"]
    question: str
    with_wp248: bool = False
    same_as: list[str] = []  # WP248 criteria this item itself indicates: they do not count as the "other" criterion
    implied_by: list[str] = []  # met when all of these are met...
    implied_with: str | None = None  # ...and the inventory holds data in this activities column


class AdmRules(Entry):
    refused_art6: list[str] = []
    allowed_art6: list[str] | None = None  # None: any basis
    special: list[dict[str, Any]]  # each: {art9: code, art6: [codes] or absent}; one must hold for special category data


class Duty(Entry):
    audit_key: str
    kind: Literal["yes_no", "days"]
    limit: int | None = None


class Level(_Strict):
    code: str
    label: str
    rank: int
    equivalent: dict[str, str] | None = None


class RiskMethod(Entry):
    likelihood: list[Level]
    severity: list[Level]
    matrix: dict[str, list[str]]


class Question(Entry):
    step: int
    answer: str  # audit:<key.sub> (written in audit.yaml) or computed:<name> (derived by the report)
    in_template: bool = True  # false: a question this DPIA asks beyond the ICO template's own


class ProfileTerm(Entry):
    restates: list[str] = []  # notice elements whose absence the finding restates (not counted twice in a score)
    qualifies: list[str] = []  # notice elements the notice does state, but whose statement the finding faults


class ProviderKind(Entry):
    consult: str  # how such a provider can seek people's views (ICO DPIA template step 3), for the report's example


class Principle(Entry):
    cnil_question: int  # the question of CNIL's PIA tool the principle answers (interop/cnil_pia.yaml)
    notice_elements: list[str] = []  # the Art 13/14 elements of a notice that bear on it
    notice_findings: list[str] = []  # the notice findings that bear on it


class Judgement(Entry):
    needs_action: bool  # a corrective action, with owner and due date, is expected


class TimeUnit(Entry):
    days: float


class TimeUnits(Header):
    numbers: dict[str, int]
    qualifiers: list[str]


ENTRIES: dict[str, type[Entry]] = {
    "art6": Art6, "art9": Art9, "schedule1": Schedule1, "special_categories": SpecialCategory,
    "data_subjects": Screened, "techniques": Screened, "recipient_types": Recipient, "abolished_bodies": Abolished,
    "transfer_mechanisms": Mechanism, "countries": Country, "adequacy": Adequacy, "screening_criteria": Criterion, "adm_rules": AdmRules,
    "complaint_duties": Duty, "risk_methods": RiskMethod, "time_units": TimeUnit,
    "ico_template": Question, "profile_terms": ProfileTerm, "provider_kinds": ProviderKind, "principles": Principle,
    "principle_judgements": Judgement,
}
HEADERS: dict[str, type[Header]] = {"time_units": TimeUnits}


def _where(data: dict, loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        entries = data.get("entries") or []
        code = entries[loc[1]].get("code") if loc[1] < len(entries) and isinstance(entries[loc[1]], dict) else None
        rest = ".".join(str(p) for p in loc[2:])
        return f"entry {loc[1] + 1} ({code!r})" + (f" key {rest!r}" if rest else "")
    return "key " + repr(".".join(str(p) for p in loc))


def defaults(name: str) -> dict[str, Any]:
    """The values an entry of vocab/<name>.yaml takes for the optional keys it leaves out (its header supplies
    source, as_of and the dates)."""
    from pydantic_core import PydanticUndefined

    inherited = set(Entry.model_fields) - {"cite"}
    model = ENTRIES.get(name, Entry)
    return {k: f.default for k, f in model.model_fields.items() if k not in inherited and f.default is not PydanticUndefined}


def check_file(name: str, data: dict) -> list[str]:
    """Every fault in vocab/<name>.yaml's structure, worded to name the entry and key."""
    entry_model = ENTRIES.get(name, Entry)
    header_model = HEADERS.get(name, Header)
    model = type(f"{name}_file", (header_model,), {"__annotations__": {"entries": list[entry_model]}})
    try:
        model.model_validate(data)
    except ValidationError as exc:
        faults = []
        for error in exc.errors():
            if error["type"] == "extra_forbidden":
                faults.append(f"{_where(data, error['loc'])}: unknown key; check its spelling")
            else:
                faults.append(f"{_where(data, error['loc'])}: {error['msg']}")
        return faults
    return []
