"""What the audit knows about a notice finding: a notice may describe a flow wrongly (own staff abroad as a
derogation transfer) or leave out transfers the audit records."""

from __future__ import annotations

import pandas as pd

from ..words import agree, joined, plural

LEAD = "In this audit: "


def audit_view(code: str, transfers: pd.DataFrame) -> str:
    """A sentence on what the audit's flows show about the notice finding ``code``, or "" where they add nothing."""
    said = _VIEWS[code](transfers) if code in _VIEWS else ""
    return LEAD + said if said else ""


def _named(rows: pd.DataFrame) -> str:
    return joined([f"{f} {n}" for f, n in zip(rows.flow_id, rows.recipient)])


def _derogation(t: pd.DataFrame) -> str:
    relying = t[t.mechanism_kind == "derogation"]
    own = relying[relying.own_staff]
    real = relying.drop(own.index)
    said = []
    if len(own):
        said.append(f"{agree(len(own), 'the flow', 'the flows')} the notice describes this way ({_named(own)}) "
                    f"{agree(len(own), 'goes', 'go')} to the provider's own staff, which is not a restricted transfer: the "
                    "notice misdescribes it and should say instead where those staff work and how their access is secured")
    if len(real):
        said.append(f"{plural(len(real), 'flow')} {agree(len(real), 'relies', 'rely')} on a derogation ({_named(real)})")
    if not len(relying):
        said.append("no flow relies on a derogation; the notice should describe the routes the audit records")
    return "; ".join(said) + "."


def _leaving(t: pd.DataFrame) -> str:
    leaving = t[t.restricted == True]  # noqa: E712
    return f"{plural(len(leaving), 'flow')} {agree(len(leaving), 'leaves', 'leave')} the UK ({_named(leaving)})." if len(leaving) else ""


def _abroad(t: pd.DataFrame) -> str:
    """Where the audit's flows outside the UK go: own staff (no transfer) and restricted transfers."""
    out = t[(t.restricted == True) | t.own_staff]  # noqa: E712 - restricted holds True, False or None
    if not len(out):
        return ""
    kind = {True: "a restricted transfer", False: "the provider's own staff, so not a transfer"}
    said = [f"{f} {n} — {kind[rest]}" for f, n, rest in zip(out.flow_id, out.recipient, out.restricted)]
    return "data outside the UK goes to " + (said[0] if len(said) == 1 else "; ".join(said[:-1]) + "; and " + said[-1]) + "."


_VIEWS = {"TRANSFER_DEROGATION_RELIANCE": _derogation, "TRANSFERS_NOT_ADDRESSED": _leaving,
          "TRANSFER_STATEMENT_CONTRADICTION": _abroad, "TRANSFER_DESTINATIONS_UNNAMED": _abroad}
