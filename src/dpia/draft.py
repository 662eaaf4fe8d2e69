"""Draft an audit folder from a privacy notice (`dpia new`): every row a draft carrying the notice's
words that produced it, for the auditor to confirm, correct or remove in the notebooks."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pandas as pd

from . import durations, schemas, vocab
from .audit import Audit, save
from .errors import DpiaError, OutputError
from .files import ensure_dir
from .notice import NoticeProfile, analyse
from .notice.text import read_notice_bytes
from .vocab import NOT_STATED
from .words import joined

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # whole name: fullmatch, since $ would let a trailing newline in
# The notice profile's mechanism names (contract v2) that name one route of ours. "sccs" and "derogation" do
# not: clauses without the UK Addendum are refused, and a derogation must be named; the auditor confirms them.
MECHANISM_FOR = {"adequacy": "adequacy", "idta": "idta", "uk_addendum": "uk_addendum", "bcr": "bcr"}
RISK_LEVELS = {"high": ("probable", "significant"), "medium": ("possible", "significant"), "low": ("possible", "minimal")}


def _quote(evidence) -> str:
    return " ... ".join(" ".join(e.text.split()) for e in evidence[:2])


def _row(table: str, **values) -> dict:
    row = {c: "" for c in schemas.columns(table) if c != "notes"}
    row.update(values, status="draft")
    return row


def schedule1_for(art9_code: str) -> str | None:
    """The one Schedule 1 condition that completes an Art 9(2) letter, where the letter has one (DPA 2018 s.10(2))."""
    part1 = [t.code for t in vocab.get("schedule1") if t.get("part") == 1 and art9_code in t["serves"]]
    return part1[0] if len(part1) == 1 else None


def _uk_body(code: str) -> bool:
    return bool(vocab.get("recipient_types").get(code).get("uk_public_body"))


def draft_tables(profile: NoticeProfile) -> dict[str, pd.DataFrame]:
    """Activities, flows and risks drafted from a notice profile, under the law in force on its audit date."""
    day = vocab.law_date(profile.audit_date)
    bases = [f"6(1)({letter})" for letter in profile.art6]
    art6 = ";".join(c for c in bases if vocab.get("art6").not_in_force(c, day) is None) or NOT_STATED
    art9 = ";".join(f"9(2)({letter})" for letter in profile.art9)
    sch1 = NOT_STATED
    completing = [c for letter in profile.art9 if (c := schedule1_for(f"9(2)({letter})"))]
    needing = [letter for letter in profile.art9 if vocab.lookup("art9", f"9(2)({letter})").get("needs_schedule1")]
    # Drafted only where every cited letter that needs a condition gets one and none needs a policy document
    # the notice cannot show; otherwise the auditor states it (notices that list many Art 9 letters).
    complete = len(needing) <= len(completing) and not any(
        vocab.get("schedule1").get(c).get("policy_document") == "required" for c in completing)
    if profile.dpa2018_schedule1 and completing and complete:
        sch1 = ";".join(completing)
    needs_sch1 = any(vocab.lookup("art9", f"9(2)({letter})").get("needs_schedule1") for letter in profile.art9)
    retention = next((p for p in profile.retention_periods if durations.find(p)), NOT_STATED)
    li = _quote(profile.elements["legitimate_interests"].evidence) if "f" in profile.art6 else ""
    if "f" in profile.art6 and not li:
        li = NOT_STATED
    subjects = profile.subjects or {"service_user": profile.elements["purposes"].evidence}
    special_home = "service_user" if "service_user" in subjects else next(iter(subjects))
    activities = []
    for n, (code, evidence) in enumerate(subjects.items(), start=1):
        label = vocab.get("data_subjects").label(code)
        special = ";".join(profile.special_categories) if code == special_home else ""
        quote = _quote(evidence) or _quote(profile.elements["purposes"].evidence) or "(the notice does not describe this)"
        activities.append(_row(
            "activities.csv", activity_id=f"A{n}", name=f"Processing about {label.lower()}",
            purpose="draft: state the purpose from the notice", data_subjects=code,
            data_categories="draft: list the data categories", special_categories=special, sources=code,
            art6_basis=art6, legitimate_interest=li, annex1_condition=NOT_STATED if "6(1)(ea)" in art6 else "",
            art9_condition=(art9 or NOT_STATED) if special else "",
            schedule1_condition=sch1 if special and (needs_sch1 or not art9) else "", retention=retention,
            evidence=quote))
    home = next(a["activity_id"] for a in activities if a["data_subjects"] == special_home)
    flows = []
    for n, (code, evidence) in enumerate(profile.recipient_types.items(), start=1):
        uk = _uk_body(code)
        flows.append(_row("flows.csv", flow_id=f"F{n}", activity_id=home, recipient=vocab.get("recipient_types").label(code),
                          recipient_type=code, data_categories="draft: what is shared", country="GB" if uk else NOT_STATED,
                          mechanism="" if uk else NOT_STATED, evidence=_quote(evidence)))
    countries = profile.transfer_countries or ([NOT_STATED] if profile.transfer_status == "outside_uk_eea" else [])
    mechanisms = [MECHANISM_FOR[m] for m in profile.transfer_mechanisms if m in MECHANISM_FOR]
    approved = vocab.in_force("adequacy", day)
    evidence = _quote(profile.elements["international_transfers"].evidence)
    for country in countries:
        route = "adequacy" if country in approved.terms else (next((m for m in mechanisms if m != "adequacy"), NOT_STATED))
        flows.append(_row("flows.csv", flow_id=f"F{len(flows) + 1}", activity_id=home, recipient="draft: recipient abroad",
                          recipient_type="processor_it", data_categories="draft: what is transferred", country=country,
                          mechanism=route, evidence=evidence))
    every = ";".join(a["activity_id"] for a in activities)
    risks = []
    for n, finding in enumerate(profile.findings, start=1):
        likelihood, severity = RISK_LEVELS[finding.severity]
        risks.append(_row("risks.csv", risk_id=f"R{n}", title=finding.code.replace("_", " ").capitalize(),
                          description=finding.message, activity_ids=every, likelihood=likelihood, severity=severity,
                          residual_likelihood=likelihood, residual_severity=severity))
    return {"activities.csv": pd.DataFrame(activities, columns=schemas.columns("activities.csv")[:-1]),
            "flows.csv": pd.DataFrame(flows, columns=schemas.columns("flows.csv")[:-1]),
            "risks.csv": pd.DataFrame(risks, columns=schemas.columns("risks.csv")[:-1])}


POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
ICO_NUMBER = re.compile(r"regist[^.]{0,80}?\b(Z[A-Z0-9]\d{6})\b", re.IGNORECASE)


def _said(evidence, limit: int = 2) -> str:
    return " ... ".join(f"“{' '.join(e.text.split())}”" for e in evidence[:limit])


def draft_answers(profile: NoticeProfile, source: str) -> dict:
    """The ICO template's answers a notice supports, each a draft ("draft: ...") quoting the notice, and the document's
    first version. A question the notice does not answer is left out: it stays open for the auditor."""
    elements = profile.elements
    out: dict = {"document": {"version": "0.1", "change_log": [
        {"version": "0.1", "date": dt.date.today().isoformat(), "by": "dpia new", "change": f"drafted by dpia new from {source}"}]}}
    controller = {}
    if elements["dpo_contact"].present:
        controller["dpo"] = f"draft: the notice says {_said(elements['dpo_contact'].evidence, 1)}"
    number = ICO_NUMBER.search(profile.text or "")
    if number:
        controller["ico_registration"] = f"draft: {number.group(1).upper()}"
    address = next((e for e in elements["controller_contact"].evidence if POSTCODE.search(e.text)), None)
    if address is not None:
        controller["address"] = f"draft: the notice gives {_said([address], 1)}"
    if controller:
        out["controller"] = controller
    if elements["purposes"].present:
        out["aims"] = f"draft: the notice describes the processing as {_said(elements['purposes'].evidence)}"
    lifecycle = []
    if elements["retention"].present:
        lifecycle.append(f"on keeping it, the notice says {_said(elements['retention'].evidence)}")
    if elements["international_transfers"].present:
        lifecycle.append(f"on where it is stored or sent, {_said(elements['international_transfers'].evidence, 1)}")
    if lifecycle:
        out["nature"] = {"lifecycle": "draft: " + "; ".join(lifecycle)}
    if profile.subjects:
        people = joined([vocab.get("data_subjects").label(c).lower() for c in profile.subjects])
        out["context"] = {"relationship": f"draft: the provider and the people its notice is about: {people}"}
    if elements["right_access"].present:
        out["necessity"] = {"rights": f"draft: the notice says {_said(elements['right_access'].evidence)}"}
    if len(vocab.in_force("complaint_duties", vocab.law_date(profile.audit_date))):
        quoted = elements["right_complain_controller"].evidence or elements["right_complain"].evidence
        out["complaints"] = {"ico_route": bool(elements["right_complain"].present),
                             "evidence": f"draft: the notice says {_said(quoted, 1)}" if quoted else
                             "draft: the notice says nothing of complaints"}
    return out


def new_audit(slug: str, notice_file: str | Path, into: str | Path = "data/audits", audit_date: str | None = None) -> Path:
    """Create ``into/slug`` from a notice. Refuses to touch an existing folder."""
    if not SLUG.fullmatch(slug):
        raise DpiaError(f"{slug!r} is not a usable folder name: use lower-case letters, digits and hyphens, e.g. acme-care")
    target = Path(into) / slug
    if target.exists() or target.is_symlink():
        raise DpiaError(f"{target} already exists; dpia new never overwrites an audit. Choose another name or remove it")
    notice_path = Path(notice_file)
    raw, notice = read_notice_bytes(notice_path)
    date = audit_date or dt.date.today().isoformat()
    profile = analyse(notice, source=notice.source, audit_date=date)
    suffix = notice_path.suffix.lower() if notice_path.suffix.lower() in (".txt", ".md", ".html", ".htm") else ".txt"
    meta = {"provider": profile.organisation or slug, "kind": "other", "notice": f"notice{suffix}", "audit_date": date,
            "assessor": "draft: your name", "scope": f"draft: drafted by dpia new from {notice.source}; review every row",
            "risk_method": "ico", **draft_answers(profile, notice.source), "screening": {}, "consultation": [],
            "dpo_advice": None, "sign_off": None}
    staging = ensure_dir(Path(into)) / f".{slug}.new"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        (staging / meta["notice"]).write_bytes(raw)
        audit = Audit(staging, meta, draft_tables(profile))
        save(audit, staging)
        if target.exists() or target.is_symlink():
            raise DpiaError(f"{target} appeared while drafting; dpia new never overwrites an audit. Choose another name")
        staging.rename(target)
    except OSError as exc:
        raise OutputError(f"cannot create {target}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
