"""The notice profile: what `dpia analyse` reports (contract: shared/contracts/NOTICE-PROFILE.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import detect, rules
from .detect import Element
from .document import Document, Evidence
from .findings import Context, Finding, raise_all
from .rules import ELEMENT_IDS
from .text import NoticeText, normalise

SCHEMA_VERSION = 2


@dataclass
class NoticeProfile:
    source: str
    organisation: str | None
    last_updated: str | None
    audit_date: str
    elements: dict[str, Element]
    art6: list[str]
    art9: list[str]
    dpa2018_schedule1: bool
    special_categories: list[str]
    transfer_status: str
    transfer_mechanisms: list[str]
    transfer_countries: list[str]
    retention_status: str
    retention_periods: list[str]
    automated_decision_making: str
    findings: list[Finding]
    text: str = field(repr=False, default="")
    encoding: str = "utf-8"
    legitimate_interests_relied_on: bool = False
    consent_relied_on: bool = False
    all_data_from_person: bool = False
    # Beyond the contract: what `dpia new` drafts an audit from, read from the document when first asked for.
    _doc: Document | None = field(default=None, repr=False, compare=False)
    _groups: dict[str, dict[str, list[Evidence]]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def subjects(self) -> dict[str, list[Evidence]]:
        """Groups of people the notice describes (data_subjects codes) and where."""
        if "subjects" not in self._groups:
            doc = self._doc
            self._groups["subjects"] = {} if doc is None else {
                k: doc.evidence(v, ranked=False) for k, v in detect.groups(doc, "data_subjects").items()}
        return self._groups["subjects"]

    @property
    def recipient_types(self) -> dict[str, list[Evidence]]:
        """Kinds of recipient (recipient_types codes) named in sentences about sharing, and where."""
        if "recipients" not in self._groups:
            doc = self._doc
            found: dict[str, list[Evidence]] = {}
            if doc is not None:
                sharing = set(doc.hits(doc.rules.elements["recipients"].any))
                sharing |= {i for i, seg in enumerate(doc.segs.items) if seg.lead in sharing or seg.heading in sharing}
                found = {k: doc.evidence(v, ranked=False) for k, v in detect.groups(doc, "recipients", sorted(sharing)).items()}
            self._groups["recipients"] = found
        return self._groups["recipients"]

    def __getstate__(self) -> dict:
        """Pickled without the parsed document (its Hyperscan scratch cannot be), the groups read from it first:
        `dpia compare` reads many providers in worker processes and sends their profiles back."""
        self.subjects, self.recipient_types  # noqa: B018 - answered from the document while it is here
        return {**self.__dict__, "_doc": None}

    def to_dict(self) -> dict:
        """Exactly the contract's object."""
        return {
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "organisation": self.organisation,
            "last_updated": self.last_updated,
            "audit_date": self.audit_date,
            "elements": {k: {"present": e.present, "evidence": [x.to_dict() for x in e.evidence]}
                         for k, e in self.elements.items()},
            "lawful_bases": {"art6": self.art6, "art9": self.art9, "dpa2018_schedule1": self.dpa2018_schedule1},
            "special_categories": self.special_categories,
            "transfers": {"status": self.transfer_status, "mechanisms": self.transfer_mechanisms,
                          "countries": self.transfer_countries},
            "retention": {"status": self.retention_status, "periods": self.retention_periods},
            "automated_decision_making": self.automated_decision_making,
            "findings": [f.to_dict() for f in self.findings],
        }

    def applicable(self, element_id: str) -> bool:
        """Whether the notice must contain the element (Art 13/14, LAW-2026 item 24)."""
        return self.not_applicable_because(element_id) is None

    def not_applicable_because(self, element_id: str) -> str | None:
        """Why an element is not expected of this notice, in words a client reads; None if it is."""
        rule = rules.elements()[element_id]
        if rule.applies == "legitimate_interests" and not self.legitimate_interests_relied_on:
            return "legitimate interests not relied on"
        if rule.applies == "consent" and not self.consent_relied_on:
            return "consent not relied on"
        if rule.applies == "complaints_to_controller" and rule.in_force_from and self.audit_date < rule.in_force_from:
            return f"required from {dt.date.fromisoformat(rule.in_force_from):%-d %B %Y}"
        if rule.applies == "art14" and self.all_data_from_person:
            return "the notice says all data comes from the person (Art 14 does not apply)"
        if rule.applies == "pecr":
            return "cookies fall under PECR reg 6, not Art 13/14"
        return None

    @property
    def transparency_score(self) -> float:
        applicable = [k for k in self.elements if self.applicable(k)]
        return sum(self.elements[k].present for k in applicable) / len(applicable) if applicable else 0.0


def _parse_audit_date(audit_date: str | dt.date | None) -> dt.date:
    if audit_date is None:
        return dt.date.today()
    if isinstance(audit_date, dt.date):
        return audit_date
    try:
        return dt.date.fromisoformat(str(audit_date))
    except ValueError:
        from ..errors import InputError

        raise InputError(f"audit date {audit_date!r} is not a date; write it as YYYY-MM-DD") from None


def analyse(text: str | NoticeText, *, source: str = "-", audit_date: str | dt.date | None = None) -> NoticeProfile:
    """Read a notice's text and return its profile. ``text`` may be raw text or a prepared NoticeText."""
    if isinstance(text, NoticeText):
        prepared, encoding, source = text.text, text.encoding, text.source
    else:
        prepared, encoding = normalise(text), "utf-8"
    audit = _parse_audit_date(audit_date)
    doc = Document(prepared)
    element_rules = rules.elements()
    special_cased = ("controller_identity", "controller_contact")  # read below
    elements = {k: detect.element(doc, r) if not r.derived and k not in special_cased else Element(False)
                for k, r in element_rules.items()}
    controller = detect.contact(doc, element_rules["controller_contact"])
    elements["controller_contact"], obfuscated = controller.element, controller.hidden

    organisation, org_segments = detect.organisation(doc)
    elements["controller_identity"] = detect.identity(doc, element_rules["controller_identity"], organisation, org_segments)

    bases = detect.lawful_bases(doc)
    art6 = sorted(bases.art6)
    elements["lawful_basis"] = Element(bool(art6), doc.evidence(sorted({i for v in bases.art6.values() for i in v})))
    relies_on_li = "f" in bases.art6
    elements["legitimate_interests"] = (detect.legitimate_interests(doc, bases.art6["f"]) if relies_on_li
                                        else Element(False))

    if elements["controller_contact"].present:
        elements["dpo_contact"] = detect.dpo(doc, element_rules["dpo_contact"], controller)

    transfers = detect.transfers(doc)
    elements["international_transfers"] = Element(transfers.status != "not_stated", doc.evidence(
        transfers.evidence_segments, tiers=transfers.tiers()))
    retention = detect.retention(doc)
    elements["retention"] = Element(retention.status != "none", doc.evidence(
        retention.segments, tiers={i: 0 if i in retention.specific else 1 for i in retention.segments}))
    adm, adm_segments = detect.automated_decisions(doc)
    elements["automated_decision_making"] = Element(adm != "not_mentioned", doc.evidence(adm_segments))
    special = detect.special_categories(doc)

    updated, updated_evidence = detect.last_updated(doc)
    profile = NoticeProfile(
        source=source, organisation=organisation, last_updated=updated.isoformat() if updated else None,
        audit_date=audit.isoformat(), elements={k: elements[k] for k in ELEMENT_IDS}, art6=art6, art9=sorted(bases.art9),
        dpa2018_schedule1=bool(bases.schedule1), special_categories=sorted(special),
        transfer_status=transfers.status, transfer_mechanisms=sorted(transfers.mechanisms),
        transfer_countries=sorted(transfers.countries), retention_status=retention.status,
        retention_periods=retention.periods, automated_decision_making=adm, findings=[], text=prepared,
        encoding=encoding, legitimate_interests_relied_on=relies_on_li,
        consent_relied_on="a" in bases.art6 or "a" in bases.art9,
        all_data_from_person=bool(doc.hits(doc.rules.rx("evidence.only_from_person"))),
    )
    profile._doc = doc
    profile.findings = raise_all(Context(doc, profile, bases, special, transfers, adm_segments, updated,
                                         updated_evidence, audit, obfuscated, retention.segments))
    return profile
