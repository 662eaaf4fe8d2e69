"""Named checks that span tables, or that warn rather than fail.

Each rule takes an Audit and yields Problems. A rule that reads a table is skipped when that
table could not be read, so one broken file does not bury the report in echoes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from . import risk, schemas, transfers, vocab
from .problems import Problem
from .tables import records
from .vocab import NOT_STATED, split_codes

Rule = Callable[["Audit"], Iterator[Problem]]  # noqa: F821 - Audit is only a type here
RULES: dict[str, tuple[tuple[str, ...], Rule]] = {}
# Rules whose warnings are findings about the provider's compliance, which the report lists.
LEGAL_FINDINGS = ("policy_document", "recognised_legitimate_interest", "bases_open_to_the_controller", "consent_beside_another_basis",
                  "automated_decisions", "complaints_handling", "recipients_that_no_longer_exist", "dpo_independence")


def rule(name: str, *tables: str):
    """Register a rule under a name; it runs only when every table it reads was readable."""
    def register(fn: Rule) -> Rule:
        RULES[name] = (tables, fn)
        return fn
    return register


def run_rules(audit) -> list[Problem]:
    audit._rows_cache = {}  # rules only read rows; a 100,000-row table was turned into dicts 21 times
    try:
        return _run_rules(audit)
    finally:
        del audit._rows_cache


def _run_rules(audit) -> list[Problem]:
    out: list[Problem] = []
    for name, (tables, fn) in RULES.items():
        if audit.unreadable.intersection(tables):
            continue
        out += [p if p.rule else Problem(p.file, p.row, p.column, p.message, p.severity, name) for p in fn(audit)]
    return out


def _rows(audit, table: str):
    """(line, row as a dict) for each row; within one run_rules the rows are made once per table, not once per rule."""
    cache = getattr(audit, "_rows_cache", None)
    rows = cache.get(table) if cache is not None else None
    if rows is None:
        rows = [(audit.line(table, i), row) for i, row in enumerate(records(audit.tables[table]))]
        if cache is not None:
            cache[table] = rows
    yield from rows


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
    if _before_the_law(audit):
        return
    countries, mechanisms = vocab.get("countries"), vocab.get("transfer_mechanisms")
    for line, row in _rows(audit, "flows.csv"):
        country, mechanism = row.get("country", ""), row.get("mechanism", "")
        if not country or (country.lower() != NOT_STATED and countries.resolve(country) is None):
            continue  # the schema already reports a blank or unknown country
        if mechanism and mechanism.lower() != NOT_STATED and mechanisms.resolve(mechanism) is None:
            continue
        checked = transfers.assess(country, mechanism, recipient_type=row.get("recipient_type", ""), on=audit.law_date)
        if checked.severity:
            yield Problem("flows.csv", line, "country" if checked.verdict == "unknown" else "mechanism", checked.message,
                          checked.severity)


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


def _resolved(cell: str, name: str) -> list[str]:
    voc = vocab.get(name)
    return [code for c in split_codes(cell) if (code := voc.resolve(c))]


def _stated(cell: str) -> bool:
    return bool(str(cell).strip()) and str(cell).strip().lower() != NOT_STATED


def _before_the_law(audit) -> bool:
    """An audit dated before the UK GDPR: audit_date is the error, and dated checks would only echo it."""
    return audit.law_date < vocab.first_day()


@rule("codes_in_force", "activities.csv", "flows.csv")
def codes_in_force(audit) -> Iterator[Problem]:
    """A code the law did not yet have, or no longer has, on the audit date."""
    day = audit.law_date
    if _before_the_law(audit):
        return
    for table, columns in schemas.DATED_COLUMNS.items():
        for line, row in _rows(audit, table):
            for column, name in columns.items():
                for code in split_codes(row.get(column) or ""):
                    why = vocab.get(name).not_in_force(code, day)
                    if why:
                        yield Problem(table, line, column, why)


@rule("schedule1_completes_art9", "activities.csv")
def schedule1_completes_art9(audit) -> Iterator[Problem]:
    """The Schedule 1 condition must complete the Art 9 letter it is given for (DPA 2018 s.10(2)-(3)), and criminal
    offence data needs a condition in Part 1, 2 or 3, or official authority control (s.10(4)-(5))."""
    day = audit.law_date
    art9, sch1 = vocab.in_force("art9", day), vocab.in_force("schedule1", day)
    for line, row in _rows(audit, "activities.csv"):
        if not _stated(row.get("schedule1_condition", "")):
            continue
        conditions = [sch1.terms[c] for c in _resolved(row["schedule1_condition"], "schedule1") if c in sch1.terms]
        served = {s for term in conditions for s in term["serves"]}
        for code in _resolved(row.get("art9_condition", ""), "art9"):
            term = art9.terms.get(code)
            if term is None or not term["needs_schedule1"] or code in served:
                continue
            options = [t for t in sch1 if code in t["serves"] and t.get("part") == 1]
            hint = f"use {vocab.cited(options[0])}" if len(options) == 1 else "use a condition of Schedule 1 Part 2"
            yield Problem("activities.csv", line, "schedule1_condition",
                          f"{vocab.cited(term)} needs the Schedule 1 condition that completes it (DPA 2018 s.10(2)-(3)): {hint}; "
                          f"{', '.join(vocab.cited(t) for t in conditions) or 'the condition given'} does not")
        if "criminal_offence" in _resolved(row.get("special_categories", ""), "special_categories") and "art10" not in served:
            yield Problem("activities.csv", line, "schedule1_condition",
                          "criminal offence data needs a condition in Schedule 1 Part 1, 2 or 3 (DPA 2018 s.10(5)), or "
                          "processing under the control of official authority (official_authority)")


@rule("policy_document", "activities.csv")
def policy_document(audit) -> Iterator[Problem]:
    """A Schedule 1 condition that needs an appropriate policy document, used without one (DPA 2018 Sch 1 Part 4)."""
    record = audit.meta.get("appropriate_policy_document")
    if isinstance(record, dict) and record.get("exists") is True:
        return
    said = "the controller has no appropriate policy document" if isinstance(record, dict) and record.get("exists") is False \
        else "none is recorded (appropriate_policy_document)"
    sch1 = vocab.in_force("schedule1", audit.law_date)
    for line, row in _rows(audit, "activities.csv"):
        for code in _resolved(row.get("schedule1_condition", ""), "schedule1"):
            term = sch1.terms.get(code)
            if term is None or term["policy_document"] == "not_required":
                continue
            if term["policy_document"] == "partial":
                yield Problem("activities.csv", line, "schedule1_condition",
                              f"{vocab.cited(term)} needs an appropriate policy document, and {said}. {term['exemption']}", "warning")
            else:
                yield Problem("activities.csv", line, "schedule1_condition",
                              f"{vocab.cited(term)} needs an appropriate policy document ({term['policy_document_source']}), "
                              f"and {said}")


@rule("recognised_legitimate_interest", "activities.csv")
def recognised_legitimate_interest(audit) -> Iterator[Problem]:
    """Art 6(1)(ea) rests on a condition of Annex 1, not on a balancing test."""
    art6 = vocab.get("art6")
    for line, row in _rows(audit, "activities.csv"):
        relies = any(art6.terms[c]["needs_annex1"] for c in _resolved(row.get("art6_basis", ""), "art6"))
        cell = str(row.get("annex1_condition") or "").strip()
        named = _stated(cell)
        if relies and cell.lower() == NOT_STATED:
            yield Problem("activities.csv", line, "annex1_condition", "gap recorded: the notice relies on recognised "
                          "legitimate interests (Art 6(1)(ea)) without saying which Annex 1 condition applies", "warning")
        elif relies and not named:
            yield Problem("activities.csv", line, "annex1_condition",
                          "recognised legitimate interests (Art 6(1)(ea)) is relied on, so name its Annex 1 condition: "
                          "a recognised_legitimate_interests code such as annex1.5 (safeguarding vulnerable individuals)")
        elif named and not relies:
            yield Problem("activities.csv", line, "annex1_condition",
                          "an Annex 1 condition is given but the activity does not rely on Art 6(1)(ea)", "warning")


@rule("bases_open_to_the_controller", "activities.csv")
def bases_open_to_the_controller(audit) -> Iterator[Problem]:
    """Public authorities cannot use (f), or from 5 February 2026 (ea), for their tasks; a private provider on (e) needs
    a task set out in law (Art 6(1) second subparagraph, Art 6(3); DPA 2018 s.8)."""
    public = audit.meta.get("public_authority")
    art6 = vocab.in_force("art6", audit.law_date)
    for line, row in _rows(audit, "activities.csv"):
        for code in _resolved(row.get("art6_basis", ""), "art6"):
            term = art6.terms.get(code)
            if term is None:
                continue
            if public is True and not term["public_authorities"]:
                yield Problem("activities.csv", line, "art6_basis",
                              f"{vocab.cited(term)} is not available to a public authority for processing in the performance of "
                              "its tasks (Art 6(1), second subparagraph): confirm this activity is outside its tasks, or "
                              "use another basis", "warning")
            if public is not True and term["task_in_law"]:
                yield Problem("activities.csv", line, "art6_basis",
                              f"{vocab.cited(term)} is relied on by a provider not recorded as a public authority: a private "
                              "provider needs a task or function that the law gives it (Art 6(3), DPA 2018 s.8). Name that "
                              "law, or use another basis such as contract (Art 6(1)(b))", "warning")


@rule("consent_beside_another_basis", "activities.csv")
def consent_beside_another_basis(audit) -> Iterator[Problem]:
    """Consent cannot sit beside another basis for one purpose: if it is withdrawn, another basis may not be swapped in
    (ICO guidance on consent; Art 13(1)(c) asks for the basis of each purpose)."""
    art6 = vocab.get("art6")
    for line, row in _rows(audit, "activities.csv"):
        codes = _resolved(row.get("art6_basis", ""), "art6")
        if "6(1)(a)" in codes and len(codes) > 1:
            others = [vocab.cited(art6.terms[c]) for c in codes if c != "6(1)(a)"]
            yield Problem("activities.csv", line, "art6_basis",
                          f"consent (Art 6(1)(a)) is recorded beside {' and '.join(others)} for the same activity: say which "
                          "basis applies to which purpose (Art 13(1)(c)). Where consent is the basis, no other basis can be "
                          "relied on instead if it is withdrawn (ICO guidance on consent); where another basis applies, "
                          "asking for consent misleads people about their control", "warning")


DPO_ROLES = re.compile(r"\b(?:data controller|director|chief executive|ceo|owner|proprietor|managing|head of|manager)\b", re.I)


@rule("dpo_independence", "audit.yaml")
def dpo_independence(audit) -> Iterator[Problem]:
    """A DPO must not hold a post that decides the purposes and means of processing (Art 38(6))."""
    controller = audit.meta.get("controller") if isinstance(audit.meta.get("controller"), dict) else {}
    said = str(controller.get("dpo") or "").strip()
    role = DPO_ROLES.search(said)
    if role and not said.lower().startswith("draft:"):
        yield Problem("audit.yaml", audit.yaml_lines.get("controller", 0), "controller.dpo",
                      f"the DPO as recorded (“{said.rstrip('.')}”) also holds a post as {role.group(0).lower()}. The controller "
                      "must ensure a DPO's other duties cause no conflict of interest (Art 38(6)), and a post that decides the "
                      "purposes and means of processing does (Article 29 Working Party, Guidelines on DPOs, WP243 rev.01, "
                      "3.5). Confirm the DPO's independence, or designate another", "warning")


@rule("automated_decisions", "activities.csv")
def automated_decisions(audit) -> Iterator[Problem]:
    """A solely automated significant decision: its safeguards, and the bases it may rest on (Art 22 until
    4 February 2026; Arts 22A-22D from 5 February 2026)."""
    day = audit.law_date
    law = vocab.in_force("adm_rules", day).terms.get("solely_automated_decision")
    if law is None:  # before the UK GDPR: audit_date is already an error
        return
    required = vocab.in_force("adm_safeguards", day)
    for line, row in _rows(audit, "activities.csv"):
        if "automated_decision" not in _resolved(row.get("techniques", ""), "techniques"):
            continue
        given = str(row.get("adm_safeguards") or "").strip()
        if not given:
            yield Problem("activities.csv", line, "adm_safeguards",
                          f"a solely automated significant decision must be recorded with its safeguards ({law.label}): list "
                          f"those in place ({', '.join(required.codes())}) or write 'not stated'")
        elif given.lower() == NOT_STATED:
            yield Problem("activities.csv", line, "adm_safeguards",
                          f"gap recorded: the notice does not say which safeguards apply to this automated decision "
                          f"({law.label})", "warning")
        else:
            missing = [vocab.lower_first(t.label) for code, t in required.terms.items() if code not in _resolved(given, "adm_safeguards")]
            if missing:
                yield Problem("activities.csv", line, "adm_safeguards",
                              f"{law.label} require every safeguard for a solely automated significant decision; missing: "
                              f"{'; '.join(missing)}", "warning")
        yield from _adm_bases(line, row, law)


def _adm_bases(line: int, row: dict, law: vocab.Term) -> Iterator[Problem]:
    art6 = vocab.get("art6")
    bases = _resolved(row.get("art6_basis", ""), "art6")
    for code in set(bases) & set(law.get("refused_art6") or []):
        yield Problem("activities.csv", line, "art6_basis",
                      f"a solely automated significant decision may not rest on {vocab.cited(art6.terms[code])} (Art 22B(4))")
    allowed = law.get("allowed_art6")
    if allowed is not None and bases and not set(bases) & set(allowed):
        yield Problem("activities.csv", line, "art6_basis", f"under {law.label}: {law.description}")
    special = [c for c in _resolved(row.get("special_categories", ""), "special_categories") if c != "criminal_offence"]
    conditions = _resolved(row.get("art9_condition", ""), "art9")
    if special and conditions and not any(
            option["art9"] in conditions and (not option.get("art6") or set(bases) & set(option["art6"]))
            for option in law["special"]):
        yield Problem("activities.csv", line, "art9_condition",
                      f"this solely automated significant decision uses special category data, which {law.label} allow "
                      f"only as follows: {law.description}")


@rule("complaints_handling", "audit.yaml")
def complaints_handling(audit) -> Iterator[Problem]:
    """From 19 June 2026 a controller must take complaints itself (DPA 2018 s.164A) and point to the ICO (s.165)."""
    duties = vocab.in_force("complaint_duties", audit.law_date)
    if not len(duties):
        return
    record = audit.meta.get("complaints")
    line = audit.yaml_lines.get("complaints", 0)
    if not isinstance(record, dict):
        yield Problem("audit.yaml", line, "complaints",
                      "how the controller takes complaints is not recorded; since 19 June 2026 it must offer a way to "
                      "complain, acknowledge complaints within 30 days, respond without undue delay (DPA 2018 s.164A) and "
                      "point to the ICO (s.165)", "warning")
        return
    for duty in duties:
        value = record.get(duty["audit_key"])
        where = f"complaints.{duty['audit_key']}"
        what = f"{vocab.lower_first(duty.label)} ({duty['cite']})"
        if value is None:
            yield Problem("audit.yaml", line, where, f"not recorded: {what}", "warning")
        elif str(value).strip().lower() == NOT_STATED:
            yield Problem("audit.yaml", line, where, f"gap recorded: the provider says nothing of {what}", "warning")
        elif duty["kind"] == "yes_no" and value is False:
            yield Problem("audit.yaml", line, where, f"missing: {what}", "warning")
        elif duty["kind"] == "days" and isinstance(value, int) and value > duty["limit"]:
            yield Problem("audit.yaml", line, where, f"complaints are acknowledged in {value} days, more than the "
                          f"{duty['limit']} the law allows ({duty['cite']})", "warning")



@rule("recipients_that_no_longer_exist", "flows.csv")
def recipients_that_no_longer_exist(audit) -> Iterator[Problem]:
    """A notice naming an abolished public body as a current recipient is out of date."""
    bodies = vocab.in_force("abolished_bodies", audit.law_date)
    for line, row in _rows(audit, "flows.csv"):
        for body in bodies:
            if re.search(body["pattern"], str(row.get("recipient", "")), re.IGNORECASE):
                yield Problem("flows.csv", line, "recipient",
                              f"{body.description} The notice still names {body.label} as a recipient: the data now goes "
                              f"to {body['successor']}, and the notice needs correcting", "warning")


_GAPS = {
    "activities.csv": {
        "art6_basis": "the notice states no Art 6 lawful basis for this activity (Art 13(1)(c))",
        "art9_condition": "the notice cites no Art 9(2) condition for this special category data",
        "schedule1_condition": "the notice cites no DPA 2018 Schedule 1 condition for this data",
        "retention": "the notice states no retention period for this activity (Art 13(2)(a))",
    },
}


@rule("not_stated_is_a_gap", "activities.csv")
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
