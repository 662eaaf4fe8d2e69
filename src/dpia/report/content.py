"""The DPIA report's content, computed from an audit folder: an executive summary, one Section per step
of the ICO's DPIA template, and the document control. The notebook, the CLI and the tests all call
``build_report`` and show what it returns; every output format renders the same sections.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import risk, transfers, vocab
from ..audit import Audit, load, validate
from ..errors import AuditInvalid
from ..html.parts import Section
from ..notice import NoticeProfile, analyse, read_notice
from ..screening import Screening, screen
from . import large
from . import questions as ico


@dataclass
class DpiaReport:
    audit: Audit
    profile: NoticeProfile
    screening: Screening
    scored: pd.DataFrame
    transfers: pd.DataFrame
    method: str
    audit_date: str
    sections: list[Section]
    _answers: list[ico.Answer] | None = None
    _principles: list | None = None
    _applies: dict | None = None
    _audit_facts: object | None = None

    def __repr__(self) -> str:  # the notebook keeps the plain-text form too: the default held every row of a large audit
        return f"DpiaReport({self.audit!r})"

    def section(self, which: int | str) -> Section:
        """A section by its ICO step number (1-7) or its key ('summary', 'need', ..., 'document')."""
        for section in self.sections:
            if which in (section.key, section.number if section.number else None):
                return section
        raise KeyError(f"no section {which!r}; the sections are {[s.key for s in self.sections]}")

    def questions(self, step: int | None = None) -> list[ico.Answer]:
        """The ICO template's questions with their answers (None while open), of one step or all."""
        if self._answers is None:
            self._answers = ico.answers(self)
        return [a for a in self._answers if step is None or a.step == step]

    @property
    def principles(self) -> list:
        """The fundamental principles with the auditor's judgement and the facts beside each (dpia.principles)."""
        if self._principles is None:
            from ..principles import principles

            self._principles = principles(self.audit, self.profile, self.transfers, self.applies)
        return self._principles

    @property
    def audit_facts(self):
        """What the audit records that decides which Art 13/14 elements apply (applicability.facts), once."""
        if self._audit_facts is None:
            from .. import applicability

            self._audit_facts = applicability.facts(self.audit)
        return self._audit_facts

    @property
    def applies(self) -> dict:
        """Which Art 13/14 elements the notice must contain, decided by the audit (dpia.applicability), once."""
        if self._applies is None:
            from .. import applicability

            self._applies = applicability.elements(self.profile, self.audit_facts)
        return self._applies

    @property
    def signed_off(self) -> bool:
        return bool(ico.sign_off_entries(self.audit.meta, "residual_risks"))

    @property
    def draft(self) -> bool:
        """A desk review, or a DPIA whose residual risks no one has approved, is a draft."""
        return bool(self.audit.meta.get("desk_review")) or not self.signed_off

    def summary(self) -> dict:
        """What the batch index shows for this provider."""
        return {
            "provider": self.audit.provider, "slug": self.audit.slug, "audit_date": self.audit_date,
            "dpia_required": self.screening.required,
            "highest_inherent": risk.highest(self.scored.inherent), "highest_residual": risk.highest(self.scored.residual),
            "findings": len(self.profile.findings),
            "high_findings": sum(f.severity == "high" for f in self.profile.findings),
            "signed_off": self.signed_off, "draft": self.draft,
            "open_questions": sum(a.open for a in self.questions()),
        }

    def header(self) -> Header:
        return Header(self)

    def body_html(self) -> str:
        return self.header().html() + "\n".join(s.html() for s in self.sections)


@dataclass
class Header:
    report: DpiaReport

    @property
    def kind(self) -> str:
        return "Draft data protection impact assessment" if self.report.draft else "Data protection impact assessment"

    def facts(self) -> list[tuple[str, str]]:
        r = self.report
        meta = r.audit.meta
        document = meta.get("document") if isinstance(meta.get("document"), dict) else {}
        controller = meta.get("controller") if isinstance(meta.get("controller"), dict) else {}
        dpo = next(a for a in r.questions(0) if a.code == "controller.dpo")
        return [("Controller", r.audit.controller), ("Kind of provider", vocab.get("provider_kinds").label(meta.get("kind", "other"))),
                (dpo.question, dpo.shown), ("ICO registration", str(controller.get("ico_registration") or "").strip() or ico.OPEN),
                ("Audit date", vocab.long_date(r.audit.law_date)), ("Assessor", str(meta.get("assessor", ""))),
                ("Version", str(document.get("version") or ico.OPEN)),
                ("Privacy notice", str(meta.get("notice_url") or "the provider's published notice"))]

    def html(self) -> str:
        r, e = self.report, html.escape
        kind, facts = self.kind, self.facts()
        blank = ' class="blank"'
        rows = "".join(f"<tr><th>{e(k)}</th><td{blank if v == ico.OPEN else ''}>{e(v)}</td></tr>" for k, v in facts)
        badges = " ".join(f'<span class="badge{f" {css}" if css else ""}">{e(text)}</span>' for text, css in self.badges())
        return (f'<header><p class="kicker">{e(kind)}</p><h1>{e(r.audit.provider)}</h1>'
                f'<table class="facts">{rows}</table><p class="verdict">{badges}</p></header>')

    def badges(self) -> list[tuple[str, str]]:
        """The verdict line: (text, style) for the screening, the highest residual risk and the sign-off."""
        r = self.report
        verdict = "DPIA required" if r.screening.required else "DPIA not required"
        highest = risk.highest(r.scored.residual) or "none recorded"
        return [(verdict, "high" if r.screening.required else "ok"),
                (f"highest risk after measures: {highest}", highest if highest in ("high", "medium", "low") else ""),
                ("signed off" if r.signed_off else "not yet signed off", "ok" if r.signed_off else "medium")]

    def _repr_html_(self) -> str:
        return self.html()


def build_report(audit_path: str | Path, *, audit_date: str | None = None, risk_method: str | None = None,
                 attachments: str | Path | None = None) -> DpiaReport:
    """Everything the DPIA report shows, computed from one audit folder. Invalid audits raise AuditInvalid."""
    audit = load(audit_path)
    if audit_date:  # judge everything, the law included, as of the date asked for
        audit.meta["audit_date"] = str(audit_date)
        audit.problems = validate(audit)
    if not audit.valid:
        raise AuditInvalid(audit.errors)
    date = str(audit.meta.get("audit_date") or dt.date.today().isoformat())
    method = risk_method or audit.risk_method
    vocab.lookup("risk_methods", method)
    notice = read_notice(audit.notice_path())
    profile = analyse(notice, source=notice.source, audit_date=date)
    screening = screen(audit)
    scored = risk.register(audit.risks, audit.risk_method, method)
    checked = transfers.check_flows(audit.flows, on=audit.law_date)
    report = DpiaReport(audit, profile, screening, scored, checked, method, date, [])
    report.sections = [executive_summary(report), need(report), description(report), consultation(report),
                       necessity(report), risks(report), measures(report), sign_off(report), document_control(report)]
    if large.is_large(audit):  # counts above are on every row; the tables now keep what matters (report/large.py)
        report.sections = large.summarise(report.sections, audit, attachments)
    return report


from .necessity import necessity  # noqa: E402 - the section builders take a DpiaReport
from .register import measures, risks  # noqa: E402
from .signoff import document_control, sign_off  # noqa: E402
from .steps import consultation, description, need  # noqa: E402
from .summary import executive_summary  # noqa: E402


