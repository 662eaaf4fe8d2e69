"""Named checks that span tables, or that warn rather than fail.

Each rule takes an Audit and yields Problems. A rule that reads a table is skipped when that
table could not be read, so one broken file does not bury the report in echoes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from . import risk, transfers, vocab
from .problems import Problem
from .tables import records
from .vocab import NOT_STATED, split_codes

Rule = Callable[["Audit"], Iterator[Problem]]  # noqa: F821 - Audit is only a type here
RULES: dict[str, tuple[tuple[str, ...], Rule]] = {}


def rule(name: str, *tables: str):
    """Register a rule under a name; it runs only when every table it reads was readable."""
    def register(fn: Rule) -> Rule:
        RULES[name] = (tables, fn)
        return fn
    return register


def run_rules(audit) -> list[Problem]:
    out: list[Problem] = []
    for name, (tables, fn) in RULES.items():
        if audit.unreadable.intersection(tables):
            continue
        out += [p if p.rule else Problem(p.file, p.row, p.column, p.message, p.severity, name) for p in fn(audit)]
    return out


def _rows(audit, table: str):
    for i, row in enumerate(records(audit.tables[table])):
        yield audit.line(table, i), row


@rule("flow_activity_exists", "activities.csv", "flows.csv")
def flow_activity_exists(audit) -> Iterator[Problem]:
    known = set(audit.activities.get("activity_id", []))
    for line, row in _rows(audit, "flows.csv"):
        ref = row.get("activity_id", "")
        if ref and ref not in known:
            yield Problem("flows.csv", line, "activity_id",
                          f"flow points to activity {ref!r}, which is not in activities.csv "
                          f"(known: {', '.join(sorted(known)) or 'none'})")


@rule("risk_activities_exist", "activities.csv", "risks.csv")
def risk_activities_exist(audit) -> Iterator[Problem]:
    known = set(audit.activities.get("activity_id", []))
    for line, row in _rows(audit, "risks.csv"):
        for ref in split_codes(row.get("activity_ids", "")):
            if ref not in known:
                yield Problem("risks.csv", line, "activity_ids",
                              f"risk refers to activity {ref!r}, which is not in activities.csv "
                              f"(known: {', '.join(sorted(known)) or 'none'})")


@rule("transfer_needs_mechanism", "flows.csv")
def transfer_needs_mechanism(audit) -> Iterator[Problem]:
    countries, mechanisms = vocab.get("countries"), vocab.get("transfer_mechanisms")
    for line, row in _rows(audit, "flows.csv"):
        country, mechanism = row.get("country", ""), row.get("mechanism", "")
        if not country or (country.lower() != NOT_STATED and countries.resolve(country) is None):
            continue  # the schema already reports a blank or unknown country
        if mechanism and mechanism.lower() != NOT_STATED and mechanisms.resolve(mechanism) is None:
            continue
        checked = transfers.assess(country, mechanism)
        if checked.severity:
            yield Problem("flows.csv", line, "mechanism", checked.message, checked.severity)


@rule("risk_levels_match_method", "risks.csv")
def risk_levels_match_method(audit) -> Iterator[Problem]:
    method = audit.risk_method
    if vocab.get("risk_methods").resolve(method) is None:
        return
    for line, row in _rows(audit, "risks.csv"):
        for col, axis in (("likelihood", "likelihood"), ("severity", "severity"),
                          ("residual_likelihood", "likelihood"), ("residual_severity", "severity")):
            value = str(row.get(col, "")).strip().lower()
            levels = risk.scale(method, axis)
            other = [m.code for m in vocab.get("risk_methods") if value in risk.scale(m.code, axis)]
            if value and other and value not in levels:
                yield Problem("risks.csv", line, col, f"{value!r} is on the {other[0]} scale but audit.yaml's "
                              f"risk_method is {method}; use one of {', '.join(levels)}")


@rule("residual_not_above_inherent", "risks.csv")
def residual_not_above_inherent(audit) -> Iterator[Problem]:
    method = audit.risk_method
    for line, row in _rows(audit, "risks.csv"):
        try:
            before = risk.score(row["likelihood"], row["severity"], method)
            after = risk.score(row["residual_likelihood"], row["residual_severity"], method)
        except Exception:  # noqa: BLE001 - bad levels are reported by the schema and the rule above
            continue
        if risk.rank(after) > risk.rank(before):
            yield Problem("risks.csv", line, "residual_likelihood",
                          f"residual risk ({after}) is higher than the risk before measures ({before})", "warning")


_GAPS = {
    "activities.csv": {
        "art6_basis": "the notice states no Art 6 lawful basis for this activity (Art 13(1)(c))",
        "art9_condition": "the notice cites no Art 9(2) condition for this special category data",
        "schedule1_condition": "the notice cites no DPA 2018 Schedule 1 condition for this Art 9 condition",
        "retention": "the notice states no retention period for this activity (Art 13(2)(a))",
    },
    "flows.csv": {"country": "the notice does not name the destination country (Art 13(1)(f))"},
}


@rule("not_stated_is_a_gap", "activities.csv", "flows.csv")
def not_stated_is_a_gap(audit) -> Iterator[Problem]:
    for table, columns in _GAPS.items():
        for line, row in _rows(audit, table):
            for col, message in columns.items():
                if str(row.get(col, "")).strip().lower() == NOT_STATED:
                    yield Problem(table, line, col, f"gap recorded: {message}", "warning")


@rule("draft_rows_need_review", "activities.csv", "flows.csv", "risks.csv")
def draft_rows_need_review(audit) -> Iterator[Problem]:
    for table in ("activities.csv", "flows.csv", "risks.csv"):
        for line, row in _rows(audit, table):
            if row.get("status") == "draft":
                yield Problem(table, line, "status", "draft row: review it against the notice and set status to "
                              "confirmed (or open, for a risk)", "warning")


@rule("dpia_needs_risks", "activities.csv", "flows.csv", "risks.csv")
def dpia_needs_risks(audit) -> Iterator[Problem]:
    if len(audit.risks):
        return
    from .screening import screen

    try:
        required = screen(audit).required
    except Exception:  # noqa: BLE001 - an audit too broken to screen has its errors reported elsewhere
        return
    if required:
        yield Problem("risks.csv", 0, "-", "the risk register is empty, but screening says a DPIA is required: record the "
                      "risks to individuals, their likelihood, severity and measures (ICO DPIA step 5)", "warning")
