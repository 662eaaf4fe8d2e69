"""Audit findings raised from a notice profile (codes and meanings fixed by the contract)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import rules
from .document import Evidence

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
STALE_MONTHS = 24


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "evidence": [e.to_dict() for e in self.evidence]}


def make(code: str, evidence: list[Evidence] | None = None, **values) -> Finding:
    spec = rules.findings()[code]
    return Finding(code, spec["severity"], spec["message"].format(**values), evidence or [])


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)


def is_stale(last_updated: dt.date, audit_date: dt.date) -> bool:
    return months_between(last_updated, audit_date) > STALE_MONTHS


def ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))
