"""Audit findings raised from a notice profile: one ``@finding("CODE")`` function per finding.

The codes, severities and meanings are fixed by the notice-profile contract
(shared/contracts/NOTICE-PROFILE.md); vocab/notice_findings.yaml holds each one's severity,
message, the date it applies from and the law its message cites on a given audit date. Each
function reads one ``Context`` and returns the finding's evidence (a list, possibly empty) when
the finding is raised, with the values its message needs, or None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import detect
from .document import Document, Evidence

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
STALE_MONTHS = 24

Raised = tuple[list[Evidence], dict[str, Any]] | list[Evidence] | None
REGISTRY: dict[str, Callable[[Context], Raised]] = {}


def finding(code: str):
    """Register the function that decides whether ``code`` is raised."""
    def register(function: Callable[[Context], Raised]) -> Callable[[Context], Raised]:
        if code in REGISTRY:
            raise ValueError(f"finding {code} is registered twice")
        REGISTRY[code] = function
        return function
    return register


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "evidence": [e.to_dict() for e in self.evidence]}


@dataclass
class Context:
    """What the findings are judged from: the document, the profile and the detectors' results."""

    doc: Document
    profile: Any  # NoticeProfile
    bases: detect.LawfulBases
    special: dict[str, list[int]]
    transfers: detect.Transfers
    adm_segments: list[int]
    updated: dt.date | None
    updated_evidence: Evidence | None
    audit: dt.date
    obfuscated: list[tuple[int, str]] = field(default_factory=list)  # (segment, the hidden address as shown)
    retention_segments: list[int] = field(default_factory=list)

    @property
    def elements(self) -> dict:
        return self.profile.elements


def raise_all(ctx: Context) -> list[Finding]:
    """Every registered finding that applies on the audit date and is raised, most severe first."""
    specs = ctx.doc.rules.findings
    out = []
    for code, decide in REGISTRY.items():
        spec = specs[code]
        if "from" in spec and ctx.audit < _date(spec["from"]):
            continue
        raised = decide(ctx)
        if raised is None:
            continue
        evidence, values = raised if isinstance(raised, tuple) else (raised, {})
        if "law" in spec:
            values = {**law_on(spec, ctx.audit), **values}
        out.append(Finding(code, spec["severity"], spec["message"].format(**values), evidence))
    return ordered(out)


def law_on(spec: dict, audit: dt.date) -> dict[str, str]:
    """The message's legal citations as they stand on the audit date (``law`` in the YAML: date -> values)."""
    versions = sorted((_date(day), values) for day, values in (spec.get("law") or {}).items())
    current: dict[str, str] = {}
    for day, values in versions:
        if day <= audit:
            current = values
    return current


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def is_stale(last_updated: dt.date, audit_date: dt.date) -> bool:
    return months_between(last_updated, audit_date) > STALE_MONTHS


def ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))


# ---- the findings ----------------------------------------------------------------------------


@finding("ART6_LABEL_MISMATCH")
def _art6_label_mismatch(ctx: Context) -> Raised:
    if not ctx.bases.mismatches:
        return None
    cited, named, label, where = ctx.bases.mismatches[0]
    return [m[3] for m in ctx.bases.mismatches], {"letter": cited, "label": label.strip(), "other": named}


@finding("SPECIAL_CATEGORY_NO_ART9")
def _special_category_no_art9(ctx: Context) -> Raised:
    if not ctx.profile.special_categories or ctx.profile.art9:
        return None
    # the sentences saying the provider holds the data, where there are any, not a mission statement naming the needs it meets
    held = ctx.doc.rules.rx("special_category_checks.held")
    segments = sorted({i for v in ctx.special.values() for i in v})
    segments = [i for i in segments if ctx.doc.says(held, i)] or segments
    return ctx.doc.evidence_in_order(segments), {
        "categories": ", ".join(c.replace("_", " ") for c in ctx.profile.special_categories)}


@finding("RETENTION_MISSING")
def _retention_missing(ctx: Context) -> Raised:
    return [] if ctx.profile.retention_status == "none" else None


@finding("RETENTION_VAGUE")
def _retention_vague(ctx: Context) -> Raised:
    """The message quotes the notice's own general words ("as long as necessary", "indefinitely"),
    from the passage its evidence starts with."""
    if ctx.profile.retention_status != "vague":
        return None
    quoted = detect.vague_retention(ctx.doc, ctx.retention_segments)
    if not quoted:
        return ctx.elements["retention"].evidence, {"said": ""}
    return ctx.doc.evidence_in_order([i for i, _ in quoted]), {"said": f" ('{quoted[0][1]}')"}


@finding("TRANSFER_DEROGATION_RELIANCE")
def _transfer_derogation(ctx: Context) -> Raised:
    segments = ctx.transfers.mechanisms.get("derogation")
    return ctx.doc.evidence_in_order(segments) if segments else None


@finding("OUTDATED_LAW")
def _outdated_law(ctx: Context) -> Raised:
    law, segments = detect.outdated_law(ctx.doc)
    return (ctx.doc.evidence_in_order(segments), {"law": law}) if law else None


@finding("DPO_CONTACT_MISSING")
def _dpo_missing(ctx: Context) -> Raised:
    return None if ctx.elements["dpo_contact"].present else []


@finding("COMPLAINT_RIGHT_MISSING")
def _complaint_missing(ctx: Context) -> Raised:
    return None if ctx.elements["right_complain"].present else []


@finding("CONTROLLER_COMPLAINTS_MISSING")
def _controller_complaints_missing(ctx: Context) -> Raised:
    return None if ctx.elements["right_complain_controller"].present else []


@finding("RIGHTS_INCOMPLETE")
def _rights_incomplete(ctx: Context) -> Raised:
    missing = [r.removeprefix("right_") for r in detect.RIGHTS if not ctx.elements[r].present]
    return ([], {"rights": ", ".join(missing)}) if missing else None


@finding("TRANSFER_DESTINATIONS_UNNAMED")
def _destinations_unnamed(ctx: Context) -> Raised:
    t = ctx.transfers
    return ctx.doc.evidence_in_order(t.outside) if t.status == "outside_uk_eea" and not t.countries else None


@finding("TRANSFER_STATEMENT_CONTRADICTION")
def _transfer_contradiction(ctx: Context) -> Raised:
    t = ctx.transfers
    if t.status == "outside_uk_eea" and t.absolute_uk_only:
        return ctx.doc.evidence_in_order(t.absolute_uk_only[:1] + t.outside[:1])
    return None


@finding("TRANSFERS_NOT_ADDRESSED")
def _transfers_not_addressed(ctx: Context) -> Raised:
    return [] if ctx.transfers.status == "not_stated" else None


@finding("ART9H_NO_SCHEDULE1")
def _art9h_no_schedule1(ctx: Context) -> Raised:
    if "h" in ctx.bases.art9 and not ctx.bases.schedule1:
        return ctx.doc.evidence_in_order(ctx.bases.art9["h"])
    return None


@finding("NO_REVIEW_DATE")
def _no_review_date(ctx: Context) -> Raised:
    return [] if ctx.updated is None else None


@finding("STALE_NOTICE")
def _stale_notice(ctx: Context) -> Raised:
    if ctx.updated is None or not is_stale(ctx.updated, ctx.audit):
        return None
    return [ctx.updated_evidence], {"last_updated": _long(ctx.updated), "audit_date": _long(ctx.audit)}


@finding("REGULATOR_LINK_INVALID")
def _regulator_link(ctx: Context) -> Raised:
    links = detect.regulator_links(ctx.doc)
    if not links:
        return None
    url, index = links[0]
    return ctx.doc.evidence_in_order([index]), {"url": url}


@finding("MARKETING_ON_LEGITIMATE_INTERESTS")
def _marketing_on_li(ctx: Context) -> Raised:
    if "f" not in ctx.bases.art6:
        return None
    marketing = detect.marketing_on_legitimate_interests(ctx.doc, ctx.bases.art6["f"])
    if not marketing or not detect.marketing_is_unconsented_electronic(ctx.doc, marketing):
        return None
    return ctx.doc.evidence_in_order(marketing)


@finding("AUTOMATED_DECISIONS_PRESENT")
def _automated_decisions(ctx: Context) -> Raised:
    if ctx.profile.automated_decision_making != "described":
        return None
    decisions = detect.significant_automated_decisions(ctx.doc, ctx.adm_segments)
    return ctx.doc.evidence_in_order(decisions) if decisions else None


@finding("CONTACT_OBFUSCATED")
def _contact_obfuscated(ctx: Context) -> Raised:
    if not ctx.obfuscated:
        return None
    return ctx.doc.evidence_in_order([i for i, _ in ctx.obfuscated]), {"shown": ctx.obfuscated[0][1]}
