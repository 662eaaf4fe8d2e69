"""Each data flow checked against the UK adequacy list and its transfer mechanism (UK GDPR Ch V)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from . import vocab
from .vocab import NOT_STATED

UK = "GB"
SAFEGUARDS = "idta, uk_addendum or bcr"


@dataclass(frozen=True)
class TransferCheck:
    country: str  # ISO code, or 'not stated'
    country_label: str
    restricted: bool  # leaves the UK, so Chapter V applies
    adequacy: str  # domestic | full | partial | none | unknown
    mechanism: str  # canonical code, 'not stated' or ''
    mechanism_kind: str  # adequacy | safeguard | derogation | ''
    verdict: str  # ok | check | gap | missing
    message: str

    @property
    def severity(self) -> str | None:
        """How validation treats the verdict: missing fails, gap and check warn."""
        return {"missing": "error", "gap": "warning", "check": "warning"}.get(self.verdict)


def _country(code: str) -> tuple[str, str]:
    if code.strip().lower() == NOT_STATED or not code.strip():
        return NOT_STATED, "destination not named"
    term = vocab.lookup("countries", code)
    return term.code, term.label


def assess(country: str, mechanism: str = "") -> TransferCheck:
    """Is the destination adequate, is a mechanism named, and is it suitable?"""
    code, label = _country(country)
    mech_text = mechanism.strip()
    mech = NOT_STATED if mech_text.lower() == NOT_STATED else (vocab.get("transfer_mechanisms").resolve(mech_text) or mech_text)
    term = vocab.get("transfer_mechanisms").terms.get(mech)
    kind = term["kind"] if term else ""

    def result(adequacy: str, verdict: str, message: str) -> TransferCheck:
        return TransferCheck(code, label, code != UK, adequacy, mech, kind, verdict, message)

    if code == UK:
        return result("domestic", "ok", "stays in the UK: not a restricted transfer")
    adequate = vocab.get("adequacy").terms.get(code)
    if adequate is not None and adequate["coverage"] == "full":
        return result("full", "ok", f"{label} is covered by UK adequacy regulations ({adequate.source})")
    if term is not None and kind == "safeguard" and term["suitable"]:
        status = "partial" if adequate is not None else ("unknown" if code == NOT_STATED else "none")
        return result(status, "ok", f"{term.label} provides appropriate safeguards (Art 46)")
    if adequate is not None:
        return result("partial", "check", f"UK adequacy covers only part of {label} ({adequate.description}); "
                      f"confirm the recipient is covered, or use {SAFEGUARDS}")
    where = "the destination is not named, so adequacy cannot be confirmed" if code == NOT_STATED \
        else f"{label} ({code}) has no UK adequacy regulations"
    status = "unknown" if code == NOT_STATED else "none"
    if not mech_text:
        return result(status, "missing", f"{where}; this restricted transfer needs a mechanism: give a "
                      f"transfer_mechanisms code ({SAFEGUARDS}, art49_1_a...) or write 'not stated'")
    if mech == NOT_STATED:
        if code == NOT_STATED:
            return result(status, "gap", "the notice names neither the destination nor a transfer mechanism (Art 13(1)(f))")
        return result(status, "gap", f"{where} and the notice names no transfer mechanism (Art 13(1)(f))")
    if term is None:
        return result(status, "missing", f"unknown transfer mechanism {mech_text!r}")
    if kind == "derogation":
        return result(status, "check", f"{where}; {term.label} suits only occasional, non-repetitive transfers "
                      f"(ICO guidance on Art 49): a regular transfer needs {SAFEGUARDS}")
    if kind == "adequacy":
        return result(status, "gap", f"{where}, so adequacy cannot be the mechanism; use {SAFEGUARDS}")
    return result(status, "gap", f"{where}; {term.label}: {term.description}")


def check_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """One row per flow: the flow's id and recipient and its TransferCheck fields."""
    rows = []
    for flow in flows.itertuples(index=False):
        try:
            checked = asdict(assess(flow.country, flow.mechanism))
        except vocab.UnknownCodeError as exc:
            checked = {"country": flow.country, "verdict": "missing", "message": str(exc)}
        rows.append({"flow_id": flow.flow_id, "activity_id": flow.activity_id, "recipient": flow.recipient, **checked})
    columns = ["flow_id", "activity_id", "recipient", "country", "country_label", "restricted", "adequacy",
               "mechanism", "mechanism_kind", "verdict", "message"]
    return pd.DataFrame(rows, columns=columns)
