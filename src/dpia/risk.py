"""Risk scoring: likelihood x severity on the ICO 3x3 or CNIL 4x4 matrix, before and after measures."""

from __future__ import annotations

import pandas as pd

from . import vocab
from .errors import DpiaError

LEVELS = ("low", "medium", "high")
DEFAULT_METHOD = "ico"
NOT_ASSESSED = "not yet assessed"


def method(name: str = DEFAULT_METHOD) -> vocab.Term:
    return vocab.lookup("risk_methods", name)


def scale(name: str, axis: str) -> list[str]:
    """The codes of one axis ('likelihood' or 'severity') of a method, lowest first."""
    return [lv["code"] for lv in method(name)[axis]]


def convert(level: str, axis: str, source: str, target: str) -> str:
    """A likelihood or severity level written on one method's scale, read on another's."""
    level = level.strip().lower()
    if source == target:
        return level
    for lv in method(source)[axis]:
        if lv["code"] == level:
            return lv["equivalent"][target]
    raise DpiaError(f"{level!r} is not a {axis} level of the {source} method; use one of {', '.join(scale(source, axis))}")


def score(likelihood: str, severity: str, name: str = DEFAULT_METHOD) -> str:
    """low, medium or high, read off the method's matrix."""
    m = method(name)
    likelihood, severity = likelihood.strip().lower(), severity.strip().lower()
    if likelihood not in m["matrix"]:
        raise DpiaError(f"{likelihood!r} is not a likelihood level of the {name} method; use one of {', '.join(scale(name, 'likelihood'))}")
    severities = scale(name, "severity")
    if severity not in severities:
        raise DpiaError(f"{severity!r} is not a severity level of the {name} method; use one of {', '.join(severities)}")
    return m["matrix"][likelihood][severities.index(severity)]


def rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


def register(risks: pd.DataFrame, recorded_in: str = DEFAULT_METHOD, method_name: str | None = None) -> pd.DataFrame:
    """The risk register scored with ``method_name`` (default: the method it was recorded in).

    Adds likelihood/severity on the scoring method's scale, ``inherent`` and ``residual`` levels and
    ``reduced`` (whether the measures lowered the level).
    """
    target = method_name or recorded_in
    out = risks.copy()
    for col, axis in (("likelihood", "likelihood"), ("severity", "severity"),
                      ("residual_likelihood", "likelihood"), ("residual_severity", "severity")):
        out[col] = [convert(v, axis, recorded_in, target) for v in risks[col]]
    out["inherent"] = [score(a, b, target) for a, b in zip(out.likelihood, out.severity)]
    out["residual"] = [score(a, b, target) for a, b in zip(out.residual_likelihood, out.residual_severity)]
    out.loc[~assessed(risks), "residual"] = NOT_ASSESSED
    out["reduced"] = [rank(i) > rank(r) >= 0 for i, r in zip(out.inherent, out.residual)]
    out["method"] = target
    return out


def assessed(risks: pd.DataFrame) -> pd.Series:
    """False for a drafted risk with no measures (as `dpia new` drafts them): its residual risk is not known
    yet, so it is "not yet assessed" rather than a high residual risk calling for prior consultation."""
    if risks.empty or not {"status", "measures"} <= set(risks.columns):
        return pd.Series(True, index=risks.index)
    return ~((risks.status.astype(str).str.strip() == "draft") & (risks.measures.astype(str).str.strip() == ""))


def highest(levels) -> str | None:
    ranked = [lv for lv in levels if lv in LEVELS]
    return max(ranked, key=rank) if ranked else None


def needs_prior_consultation(scored: pd.DataFrame) -> pd.DataFrame:
    """Risks still high after measures: Art 36(1) requires consulting the ICO before processing."""
    return scored[scored.residual == "high"]


def summary(scored: pd.DataFrame) -> dict[str, object]:
    return {
        "risks": len(scored),
        "inherent": {lv: int((scored.inherent == lv).sum()) for lv in LEVELS},
        "residual": {lv: int((scored.residual == lv).sum()) for lv in LEVELS},
        "highest_inherent": highest(scored.inherent),
        "highest_residual": highest(scored.residual),
        "prior_consultation": int((scored.residual == "high").sum()),
        "not_assessed": int((scored.residual == NOT_ASSESSED).sum()),
    }
