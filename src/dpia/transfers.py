"""Each data flow checked against UK GDPR Chapter V under the law in force on the audit date.

Every destination outside the UK, the EEA included, makes a flow a restricted transfer (Art 44A;
before 5 February 2026, Art 44). A transfer is lawful when the destination is approved (adequacy
regulations under Art 45 until 4 February 2026, approval regulations under Art 45A from 5 February
2026), under an appropriate safeguard (Art 46, 47, 47A), or, for occasional transfers only, under an
Art 49 derogation. Two cases are not transfers at all: data that stays in the UK, and data given to
the provider's own staff wherever they work (ICO guidance: the same legal entity). A destination the
notice does not give is its own state, "unknown": neither a transfer nor a gap of one until confirmed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from . import vocab
from .vocab import NOT_STATED

UK = "GB"


@dataclass(frozen=True)
class TransferCheck:
    country: str  # ISO code, or 'not stated'
    country_label: str
    location: str  # uk | abroad | unknown
    restricted: bool | None  # a restricted transfer, so Chapter V applies; None while the location is unknown
    approval: str  # domestic | full | partial | none | unknown: how far the destination itself is approved
    mechanism: str  # canonical code, 'not stated' or ''
    mechanism_kind: str  # approval | safeguard | derogation | ''
    verdict: str  # ok | check | gap | missing | unknown
    message: str

    @property
    def unplaced(self) -> bool:
        """The notice does not say where the recipient is, and nothing recorded settles whether it is a transfer."""
        return self.location == "unknown" and self.verdict == "unknown"

    @property
    def own_staff(self) -> bool:
        """The provider's own staff outside the UK or at an unknown place: not a restricted transfer."""
        return self.location != "uk" and self.restricted is False

    @property
    def severity(self) -> str | None:
        """How validation treats the verdict: missing fails; gap, check and unknown warn."""
        return {"missing": "error", "gap": "warning", "check": "warning", "unknown": "warning"}.get(self.verdict)


def _country(code: str) -> tuple[str, str]:
    if code.strip().lower() == NOT_STATED or not code.strip():
        return NOT_STATED, "destination not named"
    term = vocab.lookup("countries", code)
    return term.code, term.label


SAFEGUARDS = "an Art 46 safeguard such as the IDTA, the UK Addendum or binding corporate rules"


def _safeguards(regime: vocab.Term) -> str:
    """The routes a regular transfer can use, in words, as the law stood on the audit date."""
    return f"{vocab.lower_first(vocab.cited(regime))} or {SAFEGUARDS}"


def assess(country: str, mechanism: str = "", *, recipient_type: str = "", on: Any = None) -> TransferCheck:
    """Where does the flow go, is that a restricted transfer, and is its route lawful on ``on`` (default today)?"""
    day = vocab.law_date(on)
    code, label = _country(country)
    mechanisms = vocab.in_force("transfer_mechanisms", day)
    text = mechanism.strip()
    known = vocab.get("transfer_mechanisms").resolve(text) if text else None
    mech = NOT_STATED if text.lower() == NOT_STATED else (known or text)
    term = mechanisms.terms.get(mech)
    kind = term["kind"] if term else ""
    named = vocab.cited(term) if term else ""
    recipient = vocab.get("recipient_types").terms.get(vocab.get("recipient_types").resolve(recipient_type) or "")
    own_staff = bool(recipient and recipient.get("same_entity"))
    approved = vocab.in_force("adequacy", day).terms.get(code)
    regime = mechanisms.terms.get("adequacy")
    location = "uk" if code == UK else ("unknown" if code == NOT_STATED else "abroad")
    approval = {"uk": "domestic", "unknown": "unknown"}.get(location) or (approved["coverage"] if approved else "none")

    def result(restricted: bool | None, verdict: str, message: str) -> TransferCheck:
        return TransferCheck(code, label, location, restricted, approval, mech, kind, verdict, message)

    if location == "uk":
        return result(False, "ok", "stays in the UK: not a restricted transfer")
    if regime is None:
        return result(None, "missing", vocab.before_the_law(day))
    if known and term is None:
        return result(location == "abroad" or None, "missing", vocab.get("transfer_mechanisms").not_in_force(known, day) or "")
    if own_staff:
        where = f"in {label}" if location == "abroad" else "at a location the notice does not give"
        unneeded = f"; the {named} recorded is not needed" if term else ""
        return result(False, "check",
                      f"the recipient is the provider's own staff {where}: the same organisation, so this is not a restricted "
                      f"transfer and needs no transfer mechanism (ICO guidance){unneeded}. What to check instead: the security "
                      "of their access to the data, wherever they work, and that the notice describes it accurately")
    if approved is not None and approved["coverage"] == "full":
        unsuitable = f" The {named} recorded are not needed, and would not be valid alone." if term and not term["suitable"] else ""
        cited = "" if approved.source.split(";")[0].strip() in approved.description else f" ({approved.source})"
        return result(True, "ok", f"a transfer to an approved destination: {approved.description.rstrip('.')}{cited}. It is "
                      f"still a transfer, which the notice must mention (Art 13(1)(f)).{unsuitable}")
    if term is not None and not term["suitable"]:
        return result(location == "abroad" or None, "missing",
                      f"{term.description} Record the UK Addendum (uk_addendum) or another safeguard instead")
    if location == "unknown":
        if kind == "safeguard":
            return result(None, "ok", f"the notice does not say where the recipient is; {named} covers the transfer if it "
                          "leaves the UK")
        if kind == "approval":
            return result(None, "check", f"the notice does not name the destination; {named} apply only if the destination "
                          "is approved (the EEA states are, for example): confirm the country")
        if kind == "derogation":
            return result(None, "check", f"the notice does not say where the recipient is, and relies on {named}, which suits "
                          f"only occasional transfers (Art 49): a regular transfer needs {_safeguards(regime)}")
        return result(None, "unknown", "location unknown: the notice does not say where this recipient holds the data. "
                      "Confirm it; if it is outside the UK, record the country and the transfer route")
    if kind == "safeguard":
        return result(True, "ok", f"{named} provides appropriate safeguards for the transfer to {label}")
    if approved is not None:
        return result(True, "check", f"{regime.label} cover only part of {label} ({approved.description}): confirm the "
                      f"recipient is covered, or use {SAFEGUARDS}")
    where = f"{label} ({code}) is not an approved destination: no {vocab.lower_first(vocab.cited(regime))} cover it"
    if not text:
        return result(True, "missing", f"{where}; this restricted transfer needs a route: give a transfer_mechanisms code "
                      "(idta, uk_addendum, bcr, art49_1_a...) or write 'not stated'")
    if mech == NOT_STATED:
        return result(True, "gap", f"{where}, and the notice names no transfer route (Art 13(1)(f))")
    if term is None:
        return result(True, "missing", f"unknown transfer mechanism {text!r}")
    if kind == "derogation":
        return result(True, "check", f"{where}; {named} suits only occasional transfers (Art 49; ICO guidance): a regular "
                      f"transfer needs {_safeguards(regime)}")
    return result(True, "gap", f"{where}, so approval cannot be the route; use {SAFEGUARDS}")


def check_flows(flows: pd.DataFrame, on: Any = None) -> pd.DataFrame:
    """One row per flow: the flow's id and recipient and its TransferCheck fields (with ``unplaced`` and ``own_staff``),
    judged on ``on``."""
    rows = []
    for flow in flows.to_dict("records"):
        try:
            check = assess(flow["country"], flow.get("mechanism", ""), recipient_type=flow.get("recipient_type", ""), on=on)
            checked = {**asdict(check), "unplaced": check.unplaced, "own_staff": check.own_staff}
        except vocab.UnknownCodeError as exc:
            checked = {"country": flow["country"], "verdict": "missing", "message": str(exc), "unplaced": False,
                       "own_staff": False}
        rows.append({"flow_id": flow["flow_id"], "activity_id": flow["activity_id"], "recipient": flow["recipient"], **checked})
    columns = ["flow_id", "activity_id", "recipient", "country", "country_label", "location", "restricted", "approval",
               "mechanism", "mechanism_kind", "verdict", "message", "unplaced", "own_staff"]
    return pd.DataFrame(rows, columns=columns).astype({"unplaced": bool, "own_staff": bool})
