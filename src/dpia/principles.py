"""The fundamental principles a DPIA judges (CNIL's PIA method, section 2): the auditor's judgement on each, and the
facts the audit and the notice already show about it.

The facts are put beside the judgement for the auditor to weigh; they never make it. A principle the auditor has
not judged stays unjudged (the report shows "To be judged"), whatever its facts say. The principles, their
citations and CNIL's question for each are data (vocab/principles.yaml), in the version of the audit date; the
judgements are vocab/principle_judgements.yaml.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import vocab
from .schemas import as_text
from .vocab import NOT_STATED, split_codes
from .words import agree, cut, joined, plural

if TYPE_CHECKING:
    import pandas as pd

    from .audit import Audit
    from .notice import NoticeProfile

TO_BE_JUDGED = "To be judged"
FIELDS = ("judgement", "reason", "action", "owner", "due")
LISTED = 6  # rows named in a fact before "and N more"
QUOTE = 160  # characters of a notice finding's message quoted in a fact


@dataclass(frozen=True)
class Principle:
    """One principle as the report and the walk show it: what the auditor recorded, and the facts."""

    code: str
    label: str
    cite: str  # the article as the law stood on the audit date
    question: int  # CNIL's PIA question id (211 ... 227)
    judgement: str | None  # a principle_judgements code; None while unjudged
    reason: str = ""
    action: str = ""
    owner: str = ""
    due: dt.date | None = None
    facts: list[str] = field(default_factory=list)

    @property
    def cited(self) -> str:
        return f"{self.label} ({self.cite})"

    @property
    def judged(self) -> bool:
        return self.judgement is not None

    @property
    def judgement_label(self) -> str:
        return vocab.get("principle_judgements").terms[self.judgement].label if self.judgement else TO_BE_JUDGED

    @property
    def needs_action(self) -> bool:
        return bool(self.judgement) and bool(vocab.get("principle_judgements").terms[self.judgement]["needs_action"])


def in_force(day: Any) -> vocab.Vocabulary:
    """The principles in the version of ``day`` (the audit date), in CNIL's order."""
    return vocab.in_force("principles", day)


def recorded(meta: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """audit.yaml's ``principles`` section by canonical principle code, each with its five fields (None where
    absent or unreadable). A code or judgement no vocabulary knows is left out: validation names it."""
    section = meta.get("principles")
    if not isinstance(section, dict):
        return {}
    known, judgements = vocab.get("principles"), vocab.get("principle_judgements")
    out: dict[str, dict[str, Any]] = {}
    for key, entry in section.items():
        code = known.resolve(str(key))
        if code is None or code in out or not isinstance(entry, dict):
            continue
        values = {k: entry.get(k) for k in FIELDS}
        judgement = values["judgement"]
        values["judgement"] = judgements.resolve(str(judgement)) if judgement is not None and str(judgement).strip() else None
        for k in ("reason", "action", "owner"):
            values[k] = " ".join(as_text(values[k]).split()) if values[k] is not None else ""
        due = values["due"]
        try:
            values["due"] = due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due).strip()) if due else None
        except ValueError:
            values["due"] = None
        out[code] = values
    return out


def principles(audit: Audit, profile: NoticeProfile | None = None, checked: pd.DataFrame | None = None,
               applies: dict | None = None) -> list[Principle]:
    """Every principle in force on the audit date, in CNIL's order, with the auditor's judgement and the facts."""
    day = audit.law_date
    given = recorded(audit.meta)
    shown = facts(audit, profile, checked, applies)
    out = []
    for term in in_force(day):
        entry = given.get(term.code, {})
        out.append(Principle(term.code, term.label, term["cite"], int(term["cnil_question"]), entry.get("judgement"),
                             entry.get("reason") or "", entry.get("action") or "", entry.get("owner") or "", entry.get("due"),
                             shown.get(term.code, [])))
    return out


# ---- the facts -----------------------------------------------------------------------------------


def facts(audit: Audit, profile: NoticeProfile | None = None, checked: pd.DataFrame | None = None,
          applies: dict | None = None) -> dict[str, list[str]]:
    """For each principle, what the audit and the notice show about it, in a reader's words (no codes).

    ``profile`` is the notice's analysis (the notice is read and analysed when it is None and can be); ``checked``
    the flows checked against Chapter V (transfers.check_flows; computed when None); ``applies`` which Art 13/14
    elements apply (applicability.elements; computed when None)."""
    from . import transfers
    from .report.notice_vs_audit import audit_view

    if profile is None:
        profile = _profile(audit)
    if checked is None:
        checked = transfers.check_flows(audit.flows, on=audit.law_date)
    day = audit.law_date
    if applies is None:
        applies = _applicability(audit, profile)
    out: dict[str, list[str]] = {}
    for term in in_force(day):
        lines = list(SPECIFIC[term.code](audit, profile, checked, applies)) if term.code in SPECIFIC else []
        if profile is not None:
            lines += [_element(profile, applies, key) for key in term.get("notice_elements") or [] if key in profile.elements]
            lines += [" ".join(filter(None, [f"The notice analysis finds ({f.severity}): {cut(f.message, QUOTE)}",
                                             audit_view(f.code, checked)]))
                      for f in profile.findings if f.code in (term.get("notice_findings") or [])]
        out[term.code] = list(dict.fromkeys(x for x in lines if x))
    return out


def _profile(audit: Audit) -> NoticeProfile | None:
    from .errors import DpiaError
    from .notice import analyse, read_notice

    try:
        notice = read_notice(audit.notice_path())
        return analyse(notice, source=notice.source, audit_date=audit.law_date.isoformat())
    except (DpiaError, OSError):
        return None


def _applicability(audit: Audit, profile: NoticeProfile | None) -> dict:
    from . import applicability

    return applicability.elements(profile, applicability.facts(audit)) if profile is not None else {}


def _element(profile: NoticeProfile, applies: dict, key: str) -> str:
    a = applies.get(key)
    if a is None or not a.applies:  # an element the notice need not contain says nothing of the principle
        return ""
    said = "stated in the notice" if profile.elements[key].present else "not stated in the notice"
    return f"{a.label} ({a.article}): {said}."


def _rows(items: list[str]) -> str:
    shown = "; ".join(items[:LISTED])
    return shown + (f"; and {len(items) - LISTED} more" if len(items) > LISTED else "")


def _named(frame: pd.DataFrame, mask, key: str = "activity_id", name: str = "name") -> list[str]:
    return [f"{i} {n}" for i, n in zip(frame[key][mask], frame[name][mask])]


def _silent(cell: Any) -> bool:
    return str(cell).strip().lower() == NOT_STATED


def _answer(audit: Audit, code: str) -> str:
    """Whether the ICO template question ``code`` (an audit.yaml answer) is answered, in a sentence."""
    term = vocab.get("ico_template").terms[code]
    value: Any = audit.meta
    for key in term["answer"].partition(":")[2].split("."):
        value = value.get(key) if isinstance(value, dict) else None
    text = "" if value is None else as_text(value).strip()
    if not text:
        state = "not yet answered"
    elif text.lower() == NOT_STATED:
        state = "answered: the provider does not say"
    elif text.lower().startswith("draft:"):
        state = "drafted from the notice, not yet confirmed"
    else:
        state = "answered"
    return f"The DPIA's question “{term.label}” (step {term['step']}) is {state}."


def _purposes(audit, profile, checked, applies) -> list[str]:
    a = audit.activities
    drafts = int((a.status == "draft").sum())
    lines = [f"{plural(len(a), 'activity', 'activities')} recorded, each with its purpose."]
    if drafts:
        lines.append(f"{drafts} of them {agree(drafts, 'is', 'are')} still a draft to confirm against the notice.")
    return lines + [_answer(audit, "s4.function_creep"), _answer(audit, "s4.achieves_purpose")]


def _lawful_basis(audit, profile, checked, applies) -> list[str]:
    from .rules import LEGAL_FINDINGS

    a, day = audit.activities, audit.law_date
    lines = []
    for column, what in (("art6_basis", "No Art 6 lawful basis is stated"), ("art9_condition", "No Art 9 condition is stated"),
                         ("schedule1_condition", "No Schedule 1 condition is stated")):
        silent = _named(a, a[column].map(_silent))
        if silent:
            lines.append(f"{what} for {_rows(silent)}.")
    bases = list(dict.fromkeys(c for cell in a.art6_basis for c in split_codes(cell) if not _silent(c)))
    if bases:
        lines.insert(0, f"Bases relied on: {vocab.labels('art6', ';'.join(bases), on=day, cite=True)}.")
    about = [p for p in audit.warnings if p.rule in LEGAL_FINDINGS and p.rule not in ("complaints_handling",
                                                                                       "recipients_that_no_longer_exist")]
    if about:
        lines.append(f"The compliance checks raise {plural(len(about), 'finding')} about the bases and conditions "
                     "(listed under “Compliance checks”).")
    if any("6(1)(f)" == vocab.get("art6").resolve(c) for cell in a.art6_basis for c in split_codes(cell)):
        lines.append(_lia(audit))
    return lines


def _lia(audit) -> str:
    value = (audit.meta.get("necessity") or {}).get("legitimate_interests_assessment") \
        if isinstance(audit.meta.get("necessity"), dict) else None
    state = "recorded" if value and not _silent(value) else "not recorded"
    return f"Legitimate interests are relied on; the legitimate interests assessment is {state}."


def _minimisation(audit, profile, checked, applies) -> list[str]:
    a = audit.activities
    categories = {c.strip().lower() for cell in a.data_categories for c in split_codes(cell)}
    special = int(a.special_categories.map(lambda c: bool(split_codes(c))).sum())
    return [f"{plural(len(categories), 'kind')} of data recorded across {plural(len(a), 'activity', 'activities')}; "
            + (f"special category data in {special} of them." if special else "no special category data."),
            _answer(audit, "s4.quality_minimisation"), _answer(audit, "s4.less_intrusive")]


def _accuracy(audit, profile, checked, applies) -> list[str]:
    return [_answer(audit, "s4.quality_minimisation")]


def _storage(audit, profile, checked, applies) -> list[str]:
    from .report.necessity import RETENTION

    a = audit.activities
    silent = _named(a, a.retention.map(_silent))
    lines = [f"No retention period is stated for {len(silent)} of {plural(len(a), 'activity', 'activities')}: {_rows(silent)}."
             if silent else "A retention period is recorded for every activity."]
    if profile is not None:
        lines.append(RETENTION.get(profile.retention_status, f"The notice's account of retention is {profile.retention_status}")
                     + ".")
    return lines


def _information(audit, profile, checked, applies) -> list[str]:
    from . import applicability

    if profile is None:
        return ["The notice could not be analysed."]
    present, applicable = applicability.coverage(profile, applies)
    lines = [f"The notice covers {present} of the {applicable} Art 13 and 14 items that apply "
             f"({present / max(applicable, 1):.0%})."]
    counts = {s: sum(f.severity == s for f in profile.findings) for s in ("high", "medium", "low")}
    said = [f"{n} {s}" for s, n in counts.items() if n]
    lines.append(f"The notice analysis finds {plural(len(profile.findings), 'point')} to address ({joined(said)})."
                 if said else "The notice analysis raises no finding.")
    lines.append(f"The notice was last updated {vocab.long_date(profile.last_updated)}." if profile.last_updated
                 else "The notice gives no date of its last update.")
    return lines


def _consent(audit, profile, checked, applies) -> list[str]:
    a = audit.activities
    art6, art9 = vocab.get("art6"), vocab.get("art9")
    relying = _named(a, [any(art6.resolve(c) == "6(1)(a)" for c in split_codes(b)) or any(art9.resolve(c) == "9(2)(a)"
                                                                                          for c in split_codes(k))
                         for b, k in zip(a.art6_basis, a.art9_condition)])
    if not relying:
        return ["No activity relies on consent or explicit consent."]
    return [f"{plural(len(relying), 'activity', 'activities')} {agree(len(relying), 'relies', 'rely')} on consent: {_rows(relying)}."]


def _rights(audit, profile, checked, applies) -> list[str]:
    return [_answer(audit, "s4.rights")]


def _processors(audit, profile, checked, applies) -> list[str]:
    kinds = vocab.get("recipient_types")
    f = audit.flows
    mask = [bool((code := kinds.resolve(t)) and kinds.terms[code]["processor"]) for t in f.recipient_type]
    named = _named(f, mask, "flow_id", "recipient")
    if not named:
        return ["No flow goes to a processor acting on the provider's instructions."]
    value = (audit.meta.get("necessity") or {}).get("processors") if isinstance(audit.meta.get("necessity"), dict) else None
    text = as_text(value).strip() if value is not None else ""
    contract = ("not yet recorded" if not text else "not stated by the provider" if _silent(text)
                else "drafted from the notice, not yet confirmed" if text.lower().startswith("draft:") else "recorded (step 4)")
    return [f"{plural(len(named), 'flow')} {agree(len(named), 'goes to a processor', 'go to processors')}: {_rows(named)}.",
            f"Their Art 28 contracts are {contract}."]


def _transfers(audit, profile, checked, applies) -> list[str]:
    if not len(checked):
        return ["The audit records no data flow."]
    restricted = checked[checked.restricted == True]  # noqa: E712 - restricted holds True, False or None
    own = checked[checked.own_staff]
    lines = []
    if not len(restricted) and not (checked.location == "unknown").any():
        lines.append("Every flow stays in the UK or with the provider's own staff.")
    elif not len(restricted):
        lines.append("No flow is known to be a restricted transfer out of the UK.")
    else:
        lines.append(f"{plural(len(restricted), 'flow')} {agree(len(restricted), 'is a restricted transfer', 'are restricted transfers')}"
                     " out of the UK.")
    considered = checked.drop(own.index)
    for verdict, what in (("missing", "No lawful route recorded"), ("gap", "A gap in the route"), ("check", "A route to check"),
                          ("unknown", "Location not given by the notice")):
        rows = considered[considered.verdict == verdict]
        if len(rows):
            lines.append(f"{what}: {_rows([f'{i} {r}' for i, r in zip(rows.flow_id, rows.recipient)])}.")
    if len(own):
        lines.append(f"The provider's own staff outside the UK, which is not a restricted transfer: "
                     f"{_rows([f'{i} {r}' for i, r in zip(own.flow_id, own.recipient)])}.")
    return lines


SPECIFIC = {"purposes": _purposes, "lawful_basis": _lawful_basis, "minimisation": _minimisation, "accuracy": _accuracy,
            "storage_limitation": _storage, "information": _information, "consent": _consent,
            "access_portability": _rights, "rectification_erasure": _rights, "restriction_objection": _rights,
            "processors": _processors, "transfers": _transfers}
