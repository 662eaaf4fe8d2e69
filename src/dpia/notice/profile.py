"""The notice profile: what `dpia analyse` reports (contract: shared/contracts/NOTICE-PROFILE.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import detect, rules
from .detect import RIGHTS, Element
from .document import Document, Evidence
from .findings import Finding, is_stale, make, ordered
from .text import NoticeText, normalise

SCHEMA_VERSION = 1
ELEMENT_IDS = (
    "controller_identity", "controller_contact", "dpo_contact", "purposes", "lawful_basis", "legitimate_interests",
    "recipients", "international_transfers", "retention", *RIGHTS, "right_automated_decisions",
    "right_withdraw_consent", "right_complain", "statutory_contractual_requirement", "automated_decision_making",
    "source_of_data", "cookies",
)


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
    # Beyond the contract: what `dpia new` drafts an audit from.
    subjects: dict[str, list[Evidence]] = field(default_factory=dict, repr=False)
    recipient_types: dict[str, list[Evidence]] = field(default_factory=dict, repr=False)

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
        """Legitimate interests are only expected where that basis is relied on."""
        return element_id != "legitimate_interests" or self.legitimate_interests_relied_on

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
    elements = {k: detect.element(doc, r) if not r.derived else Element(False) for k, r in element_rules.items()}

    organisation, org_segments = detect.organisation(doc)
    if organisation and not elements["controller_identity"].present:
        elements["controller_identity"] = Element(True, doc.evidence(org_segments))

    bases = detect.lawful_bases(doc)
    art6 = sorted(bases.art6)
    elements["lawful_basis"] = Element(bool(art6), doc.evidence(sorted({i for v in bases.art6.values() for i in v})))
    relies_on_li = "f" in bases.art6
    elements["legitimate_interests"] = (detect.legitimate_interests(doc, bases.art6["f"]) if relies_on_li
                                        else Element(False))

    dpo = detect.element(doc, element_rules["dpo_contact"])
    if dpo.present and elements["controller_contact"].present:
        elements["dpo_contact"] = Element(True, dpo.evidence[:2] + elements["controller_contact"].evidence[:1])

    transfers = detect.transfers(doc)
    elements["international_transfers"] = Element(transfers.status != "not_stated", doc.evidence(transfers.evidence_segments))
    retention = detect.retention(doc)
    elements["retention"] = Element(retention.status != "none", doc.evidence(retention.segments))
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
    )
    profile.subjects = {k: doc.evidence(v) for k, v in detect.groups(doc, "data_subjects").items()}
    sharing = set(doc.hits(element_rules["recipients"].patterns))
    sharing |= {i for i, seg in enumerate(doc.segs.items) if seg.lead in sharing or seg.heading in sharing}
    sharing = sorted(sharing)
    profile.recipient_types = {k: doc.evidence(v) for k, v in detect.groups(doc, "recipients", sharing).items()}
    profile.findings = ordered(_findings(doc, profile, bases, special, transfers, adm_segments, updated,
                                         updated_evidence, audit))
    return profile


def _findings(doc, profile, bases, special, transfers, adm_segments, updated, updated_evidence, audit) -> list[Finding]:
    el = profile.elements
    out: list[Finding] = []
    for cited, named, label, where in bases.mismatches:
        out.append(make("ART6_LABEL_MISMATCH", [where], letter=cited, label=label.strip(), other=named))
    if profile.special_categories and not profile.art9:
        segments = sorted({i for v in special.values() for i in v})
        out.append(make("SPECIAL_CATEGORY_NO_ART9", doc.evidence(segments),
                        categories=", ".join(c.replace("_", " ") for c in profile.special_categories)))
    if profile.retention_status == "none":
        out.append(make("RETENTION_MISSING"))
    elif profile.retention_status == "vague":
        out.append(make("RETENTION_VAGUE", el["retention"].evidence))
    if "derogation" in transfers.mechanisms:
        out.append(make("TRANSFER_DEROGATION_RELIANCE", doc.evidence(transfers.mechanisms["derogation"])))
    law, law_segments = detect.outdated_law(doc)
    if law:
        out.append(make("OUTDATED_LAW", doc.evidence(law_segments), law=law))
    if not el["dpo_contact"].present:
        out.append(make("DPO_CONTACT_MISSING"))
    if not el["right_complain"].present:
        out.append(make("COMPLAINT_RIGHT_MISSING"))
    missing = [r.removeprefix("right_") for r in RIGHTS if not el[r].present]
    if missing:
        out.append(make("RIGHTS_INCOMPLETE", rights=", ".join(missing)))
    if transfers.status == "outside_uk_eea" and not transfers.countries:
        out.append(make("TRANSFER_DESTINATIONS_UNNAMED", doc.evidence(transfers.outside)))
    if transfers.status == "outside_uk_eea" and transfers.absolute_uk_only:
        out.append(make("TRANSFER_STATEMENT_CONTRADICTION",
                        doc.evidence(transfers.absolute_uk_only[:1] + transfers.outside[:1])))
    if transfers.status == "not_stated":
        out.append(make("TRANSFERS_NOT_ADDRESSED"))
    if "h" in bases.art9 and not bases.schedule1:
        out.append(make("ART9H_NO_SCHEDULE1", doc.evidence(bases.art9["h"])))
    if updated is None:
        out.append(make("NO_REVIEW_DATE"))
    elif is_stale(updated, audit):
        out.append(make("STALE_NOTICE", [updated_evidence], last_updated=updated.isoformat(),
                        audit_date=audit.isoformat()))
    for url, index in detect.regulator_links(doc)[:1]:
        out.append(make("REGULATOR_LINK_INVALID", doc.evidence([index]), url=url))
    if "f" in bases.art6:
        marketing = detect.marketing_on_legitimate_interests(doc, bases.art6["f"])
        if marketing:
            out.append(make("MARKETING_ON_LEGITIMATE_INTERESTS", doc.evidence(marketing)))
    if profile.automated_decision_making == "described":
        out.append(make("AUTOMATED_DECISIONS_PRESENT", doc.evidence(adm_segments)))
    return out
