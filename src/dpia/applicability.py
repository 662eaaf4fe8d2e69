"""Which Art 13/14 elements a provider's notice must contain, on its audit date (LAW-2026 items 19, 23, 24).

One answer for the DPIA report's checklist and the comparison's score, so the two count the same items. Where
there is an audit its record of processing decides, with the bases the notice claims: the lawful bases relied on,
where the data comes from, whether a solely automated significant decision is taken, whether any flow leaves the UK,
whether a DPO is designated. Without one, the notice decides (what it claims), as the notice profile does.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import vocab
from .vocab import NOT_STATED, split_codes
from .words import agree, plural

if TYPE_CHECKING:
    import pandas as pd

    from .notice import NoticeProfile

ADM_ELEMENTS = ("right_automated_decisions", "automated_decision_making")  # Art 13(2)(f), 14(2)(g)
ADM_FINDING = "AUTOMATED_DECISIONS_PRESENT"  # the notice describes a solely automated significant decision


@dataclass(frozen=True)
class Facts:
    """What an audit records that decides whether an element applies."""

    consent: bool  # consent or explicit consent relied on: Art 6(1)(a) or 9(2)(a)
    legitimate_interests: bool  # Art 6(1)(f); not (ea), which needs no statement of interests (Art 13(1)(d))
    from_person: bool  # some data obtained from the person it is about (Art 13)
    from_others: bool  # some data obtained from someone else (Art 14)
    automated_decision: bool  # a solely automated significant decision (techniques: automated_decision)
    transfers: bool  # a restricted transfer: a flow known to leave the UK (LAW-2026 item 23: silence is a gap only then)
    law_date: dt.date
    dpo_designated: bool | None = None  # False where audit.yaml's controller.dpo says none is designated
    unplaced: int = 0  # flows to a recipient whose location is unknown: transfers, perhaps, to confirm
    public_task: bool = False  # Art 6(1)(e): with (f), what the general right to object (Art 21(1)) answers


@dataclass(frozen=True)
class Applicability:
    key: str
    label: str
    article: str  # the citation as the law stood on the audit date
    applies: bool
    because: str | None  # why it does not apply, in a client's words; None when it does


def facts(audit) -> Facts:
    """The audit's answers to the applicability questions, from its activities and flows."""
    from .transfers import assess

    day = audit.law_date
    acts = audit.activities.to_dict("records")
    art6, art9, techniques = vocab.get("art6"), vocab.get("art9"), vocab.get("techniques")

    def resolved(voc, cell) -> set[str]:
        return {code for c in split_codes(cell or "") if (code := voc.resolve(c))}

    bases = set().union(*(resolved(art6, a.get("art6_basis")) for a in acts)) if acts else set()
    conditions = set().union(*(resolved(art9, a.get("art9_condition")) for a in acts)) if acts else set()
    from_person = from_others = False
    for a in acts:
        sources = {s for s in split_codes(a.get("sources") or "") if s.lower() != NOT_STATED}
        subjects = {s for s in split_codes(a.get("data_subjects") or "") if s.lower() != NOT_STATED}
        if not sources:
            continue  # where the data comes from is not known: neither article is shown to apply by this row
        from_person |= bool(sources & subjects)
        # someone other than the people concerned gives data, or some of the people concerned give none themselves
        from_others |= bool(sources - subjects) or bool(subjects - sources)
    adm = any("automated_decision" in resolved(techniques, a.get("techniques")) for a in acts)
    flows = audit.flows.to_dict("records")
    checks = [assess(str(f.get("country") or ""), str(f.get("mechanism") or ""), recipient_type=str(f.get("recipient_type") or ""),
                     on=day) for f in flows]
    abroad = any(c.restricted is True for c in checks)
    return Facts(consent="6(1)(a)" in bases or "9(2)(a)" in conditions, legitimate_interests="6(1)(f)" in bases,
                 from_person=from_person or not acts, from_others=from_others, automated_decision=adm, transfers=abroad,
                 law_date=day, dpo_designated=dpo_designated(audit.meta), unplaced=sum(c.restricted is None for c in checks),
                 public_task="6(1)(e)" in bases)


NO_DPO = re.compile(r"^\s*(?:none\b|no\s+(?:dpo|data protection officer)\b|not\s+designated\b)", re.I)


def dpo_designated(meta: dict) -> bool | None:
    """Has the controller designated a DPO, as audit.yaml's controller.dpo records: False for 'none designated',
    None where it says nothing (or 'not stated'), True otherwise."""
    controller = meta.get("controller") if isinstance(meta.get("controller"), dict) else {}
    said = str(controller.get("dpo") or "").strip()
    if not said or said.lower() == NOT_STATED or said.lower().startswith("draft:"):
        return None
    return not NO_DPO.match(said)


def _adm_law(day: dt.date) -> str:
    """'Art 22' or 'Arts 22A-22D': the automated-decision articles in force on ``day``."""
    term = vocab.in_force("adm_rules", day).terms.get("solely_automated_decision")
    return term.label.split(" (")[0] if term is not None else "Art 22"


def article(key: str, day: Any) -> str:
    """The element's citation in the law in force on ``day``: Art 13(2)(f) cites Art 22 until 4 February 2026 and
    Arts 22A-22D from 5 February 2026, never both."""
    from .notice.rules import elements as element_rules

    return element_rules()[key].article_on(vocab.law_date(day))


def _with_audit(key: str, applies: str, f: Facts, profile: NoticeProfile) -> str | None:
    # A basis the notice tells people it relies on needs its statements (withdrawal of consent, the interests
    # pursued) whether or not the audit finds it relied on: people read the notice, not the audit.
    if applies == "consent" and not (f.consent or profile.consent_relied_on):
        return "neither the audit nor the notice relies on consent"
    if applies == "legitimate_interests" and not (f.legitimate_interests or profile.legitimate_interests_relied_on):
        return "neither the audit nor the notice relies on legitimate interests"
    if applies == "art14" and not f.from_others:
        return "the audit records no data obtained from others (Art 14 does not apply)"
    if applies == "art13" and not f.from_person:
        return "the audit records no data collected from the people themselves (Art 13 does not apply)"
    if key in ADM_ELEMENTS and not f.automated_decision:
        return f"the audit records no solely automated significant decision ({_adm_law(f.law_date)})"
    if key == "international_transfers" and not f.transfers:
        if f.unplaced:
            return (f"no flow is known to leave the UK; where {plural(f.unplaced, 'recipient')} "
                    f"{agree(f.unplaced, 'holds', 'hold')} the data is to be confirmed")
        return "the audit records no data sent outside the UK"
    if key == "dpo_contact" and f.dpo_designated is False:
        return "the audit records that no DPO is designated (Art 13(1)(b) asks for one's contact only where there is one)"
    return None


def elements(profile: NoticeProfile, audit_facts: Facts | None = None) -> dict[str, Applicability]:
    """Each Art 13/14 element of the profile: does it apply, and if not why. ``audit_facts`` (from ``facts``) decides
    where there is an audit; without one, the notice. Dated rules (complaints to the controller from 19 June 2026)
    and cookies (PECR, never Art 13/14) are the profile's."""
    from .notice.rules import elements as element_rules

    rules = element_rules()
    day = audit_facts.law_date if audit_facts is not None else profile.audit_date
    adm_described = any(f.code == ADM_FINDING for f in profile.findings)
    out = {}
    for key in profile.elements:
        rule = rules[key]
        if audit_facts is not None and rule.applies in ("consent", "legitimate_interests", "art14", "art13", "always"):
            because = _with_audit(key, rule.applies, audit_facts, profile)
        elif key in ADM_ELEMENTS and not adm_described:
            because = f"the notice describes no solely automated significant decision ({_adm_law(vocab.law_date(day))})"
        else:
            because = profile.not_applicable_because(key)
        out[key] = Applicability(key, rule.label, article(key, day), because is None, because)
    return out


def coverage(profile: NoticeProfile, applicability: dict[str, Applicability]) -> tuple[int, int]:
    """Elements present among those that apply, and how many apply: the report's coverage and the score's base."""
    keys = [k for k, a in applicability.items() if a.applies]
    return sum(profile.elements[k].present for k in keys), len(keys)


CONTACT = re.compile(r"@|\bwww\.|https?://|\d[\d ()-]{6,}\d|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")  # email, web, phone, postcode
MARKETING = re.compile(r"\bmarketing\b|\bnewsletters?\b|\bunsubscribe\b", re.I)


def checklist(profile: NoticeProfile, applicability: dict[str, Applicability], width: int = 220,
              audit_facts: Facts | None = None) -> pd.DataFrame:
    """One row per element: ✓ present, ✗ missing, n/a where it does not apply (with the notice's words if it says it
    anyway, not counted), each cited as the law stood on the audit date. A tick quotes what proves it and says what
    the notice's own findings fault in it."""
    import pandas as pd

    from .words import cut, unmark

    def quote(text: str) -> str:
        return cut(unmark(text), width)

    faulted = _faulted(profile)
    rows = []
    for key, a in applicability.items():
        element = profile.elements[key]
        said = _proof(key, element.evidence) if element.present else ""
        if not a.applies:
            # the reason is never cut: only the notice's words are shortened
            mark, text = "n/a", f"{quote(said)} (not counted: {a.because})" if said else f"not applicable: {a.because}"
        else:
            mark, text = ("✓" if element.present else "✗"), quote(said)
            if element.present:
                if faulted.get(key):
                    found = "; ".join(_lower(label) for label in faulted[key])
                    text += f" (See {'the findings' if len(faulted[key]) > 1 else 'the finding'} below: {found}.)"
                if key == "right_object" and _marketing_only(element.evidence, audit_facts):
                    text += (" (Only the objection to direct marketing (Art 21(2)) is stated, not the right to object to "
                             "processing on public task or legitimate interests (Art 21(1)), which this processing relies on.)")
        rows.append({"": mark, "Element": f"{a.label} ({a.article})", "What the notice says": text})
    return pd.DataFrame(rows, columns=["", "Element", "What the notice says"])


def _proof(key: str, evidence: list) -> str:
    """The passage that shows the element: the first evidence item, and for a contact the next one that holds the
    contact data where the first only names who to contact (a DPO is 'appointed'; the number is elsewhere)."""
    if not evidence:
        return ""
    first = evidence[0].text
    if key in ("dpo_contact", "controller_contact") and not CONTACT.search(first):
        contact = next((e.text for e in evidence[1:] if CONTACT.search(e.text)), "")
        return f"{first.rstrip()} … {contact.strip()}" if contact else first
    return first


def _lower(label: str) -> str:
    """'Cites repealed law' -> 'cites repealed law'; 'Art 9(2)(h) without…' and 'DPO contact' stay as they are."""
    head = label.split(" ", 1)[0]
    return label if head in ("Art", "Arts") or head[1:2].isupper() else label[:1].lower() + label[1:]


def _faulted(profile: NoticeProfile) -> dict[str, list[str]]:
    """element -> the labels of the notice's findings that fault how it states it (profile_terms' qualifies)."""
    terms = vocab.get("profile_terms")
    out: dict[str, list[str]] = {}
    for f in profile.findings:
        term = terms.terms.get(f"finding.{f.code}")
        for key in (term.get("qualifies") or []) if term else []:
            out.setdefault(key, []).append(term.label)
    return out


def _marketing_only(evidence: list, f: Facts | None) -> bool:
    """The notice states only the objection to direct marketing where the audit relies on (e) or (f), so the general
    right to object of Art 21(1) applies too."""
    return bool(f and (f.public_task or f.legitimate_interests) and evidence
                and all(MARKETING.search(e.text) for e in evidence))
