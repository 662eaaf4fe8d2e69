"""The record of processing activities (UK GDPR Art 30) as an Excel workbook, in the layout of the ICO's
documentation template for controllers.

One sheet per controller (provider), one row per processing activity: the Art 30(1) items, then the
additions the ICO's template recommends (lawful bases and conditions, the appropriate policy document,
legitimate interests and their assessment, rights, automated decision-making, source, location).
Then a sheet of every data flow and one of every risk with its action plan. Codes appear as their
labels; a cell never starts with a formula character (tables.defuse_formula), so a spreadsheet runs
nothing that came from a notice or an audit file.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from . import risk, vocab
from .audit import Audit, load
from .errors import DpiaError
from .files import write_atomic
from .schemas import as_text
from .tables import defuse_formula
from .transfers import assess
from .vocab import NOT_STATED, split_codes

OPEN = "To be completed"
NONE = "None"  # the audit records none
NOT_APPLICABLE = "Not applicable"
# The ICO template's columns, in its order: Art 30(1) first, then its recommended additions.
ACTIVITY_COLUMNS = [
    "Ref", "Business function or activity", "Purpose of processing", "Categories of individuals", "Categories of personal data",
    "Special category or criminal offence data", "Categories of recipients", "Third countries or international organisations",
    "Safeguards for transfers", "Retention schedule", "Technical and organisational security measures", "Planned actions",
    "Article 6 lawful basis", "Article 9 condition", "DPA 2018 Schedule 1 condition", "Link to appropriate policy document",
    "Legitimate interests", "Legitimate interests assessment", "Rights available to individuals",
    "Automated decision-making, including profiling", "Source of the personal data", "Location of personal data",
]
FLOW_COLUMNS = ["Controller", "Flow", "Activity", "Recipient", "Kind of recipient", "Data shared", "Destination",
                "Transfer mechanism"]
RISK_COLUMNS = ["Controller", "Risk", "Title", "Source of risk and nature of potential impact", "Activities", "Likelihood",
                "Severity", "Overall risk", "Measures", "Effect on risk", "Residual likelihood", "Residual severity",
                "Residual risk", "Measure approved", "Owner", "Due", "Status"]
IN_PLACE = ("mitigated", "closed")  # a risk's measures are in place; 'accepted' says only that the residual risk is borne
ADM = ("automated_decision", "profiling", "scoring")  # techniques that are, or may feed, automated decisions
HEADER_ROW = 5  # rows 1-3 name the controller, as the template's header does
WIDEST, NARROWEST = 60, 8
LINE = 15  # points a line of 11-point text takes


def _meta(meta: dict, path: str) -> str:
    value: object = meta
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    text = " ".join(as_text(value).split()) if value is not None else ""
    return text


def activity_rows(audit: Audit) -> pd.DataFrame:
    """The provider's record of processing: one row per activity, in the template's columns, codes as labels."""
    a, f, day, meta = audit.activities, audit.flows, audit.law_date, audit.meta
    art6 = vocab.in_force("art6", day)
    balancing = {c for c in art6.codes() if art6.terms[c]["balancing"]}
    in_place, planned = _measures_by_activity(audit, done=True), _measures_by_activity(audit, done=False)
    policy = meta.get("appropriate_policy_document") if isinstance(meta.get("appropriate_policy_document"), dict) else {}
    rows = []
    for row in a.to_dict("records"):
        flows = f[f.activity_id == row["activity_id"]]
        checks = [assess(str(r.country), str(r.mechanism), recipient_type=str(r.recipient_type), on=day) for r in flows.itertuples()]
        abroad = [(c, m) for c, m in zip(checks, flows.mechanism) if c.restricted]
        unknown = sum(c.restricted is None for c in checks)
        relies_li = any(art6.resolve(c) in balancing for c in split_codes(row["art6_basis"]))
        sch1 = str(row.get("schedule1_condition") or "").strip()
        techniques = [c for c in split_codes(row.get("techniques", "")) if c in ADM]
        rows.append({
            "Ref": row["activity_id"],
            "Business function or activity": row["name"],
            "Purpose of processing": row["purpose"],
            "Categories of individuals": vocab.labels("data_subjects", row["data_subjects"], on=day),
            "Categories of personal data": "; ".join(split_codes(row["data_categories"])),
            "Special category or criminal offence data": vocab.labels("special_categories", row["special_categories"], on=day,
                                                                      empty=NONE),
            "Categories of recipients": "; ".join(dict.fromkeys(
                f"{r.recipient} ({vocab.labels('recipient_types', r.recipient_type, on=day)})" for r in flows.itertuples()))
            or NONE,
            "Third countries or international organisations": _third_countries(abroad, unknown),
            "Safeguards for transfers": ("; ".join(dict.fromkeys(
                vocab.labels("transfer_mechanisms", m, on=day, cite=True) for _, m in abroad if str(m).strip()))
                or NOT_STATED) if abroad or unknown else NOT_APPLICABLE,
            "Retention schedule": row["retention"],
            "Technical and organisational security measures": in_place.get(row["activity_id"]) or OPEN,
            "Planned actions": planned.get(row["activity_id"]) or NONE,
            "Article 6 lawful basis": vocab.labels("art6", row["art6_basis"], on=day, cite=True),
            "Article 9 condition": vocab.labels("art9", row["art9_condition"], on=day, cite=True, empty=NONE),
            "DPA 2018 Schedule 1 condition": vocab.labels("schedule1", sch1, on=day, cite=True, empty=NONE),
            "Link to appropriate policy document": (_meta(policy, "where") or OPEN) if sch1 else NOT_APPLICABLE,
            "Legitimate interests": "; ".join(x for x in (
                str(row.get("legitimate_interest") or ""),
                vocab.labels("recognised_legitimate_interests", row.get("annex1_condition") or "", on=day)) if x)
            or ("Not stated" if relies_li else NOT_APPLICABLE),
            "Legitimate interests assessment": (_meta(meta, "necessity.legitimate_interests_assessment") or OPEN) if relies_li
            else NOT_APPLICABLE,
            "Rights available to individuals": _meta(meta, "necessity.rights") or OPEN,
            "Automated decision-making, including profiling": (
                vocab.labels("techniques", ";".join(techniques), on=day)
                + (f"; safeguards: {vocab.labels('adm_safeguards', row.get('adm_safeguards'), on=day)}"
                   if str(row.get("adm_safeguards") or "").strip() else "")) if techniques else NONE,
            "Source of the personal data": vocab.labels(("data_subjects", "recipient_types"), row["sources"], on=day,
                                                        empty=NOT_STATED),
            "Location of personal data": _meta(meta, "nature.systems") or OPEN,
        })
    return pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)


def _measures_by_activity(audit: Audit, done: bool) -> dict[str, str]:
    """Each activity's measures from the risk register: those in place (``done``: the risk is mitigated or closed) or
    those still planned (the risk is open or a draft), each with its risk's id."""
    out: dict[str, list[str]] = {}
    for r in audit.risks.to_dict("records"):
        if (str(r.get("status") or "").strip().lower() in IN_PLACE) != done or not str(r["measures"]).strip():
            continue
        for activity in split_codes(r["activity_ids"]):
            out.setdefault(activity, []).append(f"{r['risk_id']}: {r['measures']}")
    return {k: "; ".join(v) for k, v in out.items()}


def _third_countries(abroad: list, unknown: int) -> str:
    """Where the activity's restricted transfers go: 'None' when the audit records no flow outside the UK, 'not stated'
    where a recipient's location is unknown (Art 30(1)(e)). Own staff abroad are not a transfer."""
    named = "; ".join(dict.fromkeys(c.country_label for c, _ in abroad))
    if unknown:
        where = f"{NOT_STATED} for {unknown} recipient{'s' if unknown > 1 else ''}"
        return f"{named}; {where}" if named else NOT_STATED
    return named or NONE


def flow_rows(audit: Audit) -> pd.DataFrame:
    f, day = audit.flows, audit.law_date
    names = dict(zip(audit.activities.activity_id, audit.activities.name))
    return pd.DataFrame({
        "Controller": audit.provider, "Flow": f.flow_id, "Activity": [f"{a} {names.get(a, '')}".strip() for a in f.activity_id],
        "Recipient": f.recipient, "Kind of recipient": [vocab.labels("recipient_types", c, on=day) for c in f.recipient_type],
        "Data shared": f.data_categories.map(lambda c: "; ".join(split_codes(c))),
        "Destination": [vocab.labels("countries", c, on=day) for c in f.country],
        "Transfer mechanism": [vocab.labels("transfer_mechanisms", m, on=day, cite=True) or NONE for m in f.mechanism],
    }, columns=FLOW_COLUMNS)


def risk_rows(audit: Audit) -> pd.DataFrame:
    s = risk.register(audit.risks, audit.risk_method)

    def column(name: str) -> list[str]:
        return [str(v).strip() for v in s[name].fillna("")] if name in s else [""] * len(s)

    return pd.DataFrame({
        "Controller": audit.provider, "Risk": s.risk_id, "Title": s.title, "Source of risk and nature of potential impact": s.description,
        "Activities": s.activity_ids.map(lambda c: "; ".join(split_codes(c))),
        "Likelihood": s.likelihood.astype(str).str.capitalize(), "Severity": s.severity.astype(str).str.capitalize(),
        "Overall risk": s.inherent.astype(str), "Measures": s.measures,
        "Effect on risk": [vocab.labels("measure_effects", e) if e else OPEN for e in column("effect")],
        "Residual likelihood": s.residual_likelihood.astype(str).str.capitalize(),
        "Residual severity": s.residual_severity.astype(str).str.capitalize(), "Residual risk": s.residual.astype(str),
        "Measure approved": [{"yes": "Yes", "no": "No"}.get(a.lower(), OPEN) for a in column("measure_approved")],
        "Owner": [o or OPEN for o in column("owner")], "Due": [d or OPEN for d in column("due")],
        "Status": s.status.astype(str).str.capitalize(),
    }, columns=RISK_COLUMNS)


def _audits(paths: Iterable[str | Path]) -> tuple[list[Audit], list[str]]:
    audits, problems = [], []
    for path in paths:
        path = Path(path)
        if not path.is_dir():
            problems.append(f"{path}: not an audit folder")
            continue
        audit = load(path)
        if not audit.valid:
            problems.append(f"{path}: invalid audit ({len(audit.errors)} errors); run `dpia validate {path}`")
            continue
        audits.append(audit)
    return audits, problems


def workbook(audits: list[Audit]) -> bytes:
    """The workbook's bytes: a record of processing sheet per controller, then Data flows, then Risks and action plan."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = {"data flows", "risks and action plan"}
    for audit in audits:
        sheet = book.create_sheet(_sheet_name(audit.provider, taken))
        meta = audit.meta
        controller = [("Controller", audit.controller), ("Data protection officer", _meta(meta, "controller.dpo") or OPEN),
                      ("Record as of", vocab.long_date(audit.law_date))]
        _table(sheet, activity_rows(audit), HEADER_ROW)
        for i, (key, value) in enumerate(controller, start=1):
            _cell(sheet, i, 1, key, bold=True)
            _cell(sheet, i, 3, value)
            sheet.merge_cells(start_row=i, start_column=1, end_row=i, end_column=2)
            sheet.merge_cells(start_row=i, start_column=3, end_row=i, end_column=8)
            width = sum(sheet.column_dimensions[get_column_letter(j)].width for j in range(3, 9))
            sheet.row_dimensions[i].height = LINE * _lines(value, width)
    flows = pd.concat([flow_rows(a) for a in audits], ignore_index=True) if audits else pd.DataFrame(columns=FLOW_COLUMNS)
    risks = pd.concat([risk_rows(a) for a in audits], ignore_index=True) if audits else pd.DataFrame(columns=RISK_COLUMNS)
    _table(book.create_sheet("Data flows"), flows, 1)
    _table(book.create_sheet("Risks and action plan"), risks, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write(paths: Iterable[str | Path], target: str | Path) -> list[str]:
    """Write the workbook of every valid audit in ``paths``; returns the problems of those left out."""
    audits, problems = _audits(paths)
    if not audits:
        raise DpiaError("no valid audit to write a record of processing for: " + "; ".join(problems or ["none given"]))
    write_atomic(Path(target), workbook(audits))
    return problems


_BAD_SHEET = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def _sheet_name(provider: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique without case."""
    base = _BAD_SHEET.sub(" ", provider).strip().strip("'")[:31] or "Controller"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[:31 - len(str(n)) - 1]} {n}"
    taken.add(name.lower())
    return name


def _cell(sheet, row: int, column: int, value, bold: bool = False):
    from openpyxl.styles import Alignment, Font

    cell = sheet.cell(row=row, column=column, value=defuse_formula(value) if isinstance(value, str) else value)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if bold:
        cell.font = Font(bold=True)
    return cell


def _table(sheet, frame: pd.DataFrame, header_row: int) -> None:
    """The frame as a table: bold filled header, frozen below it, filters, fitted widths, wrapped text."""
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    fill = PatternFill("solid", fgColor="E8EBF0")
    for j, name in enumerate(frame.columns, start=1):
        _cell(sheet, header_row, j, str(name), bold=True).fill = fill
    for i, values in enumerate(frame.itertuples(index=False), start=header_row + 1):
        for j, value in enumerate(values, start=1):
            _cell(sheet, i, j, "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))
    last = get_column_letter(max(1, len(frame.columns)))
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + max(1, len(frame))}"
    widths = []
    for j, name in enumerate(frame.columns, start=1):
        longest = max([len(str(name))] + [max((len(line) for line in str(v).splitlines()), default=0) for v in frame.iloc[:, j - 1]])
        widths.append(max(NARROWEST, min(WIDEST, longest + 2)))
        sheet.column_dimensions[get_column_letter(j)].width = widths[-1]
    # Excel and LibreOffice do not grow a row for wrapped text written by openpyxl: each row is given its height.
    sheet.row_dimensions[header_row].height = LINE * max(_lines(str(n), w) for n, w in zip(frame.columns, widths))
    for i, values in enumerate(frame.itertuples(index=False), start=header_row + 1):
        sheet.row_dimensions[i].height = min(409, LINE * max((_lines(v, w) for v, w in zip(values, widths)), default=1))
    sheet.page_setup.orientation = "landscape"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_title_cols = "A:A"


def _lines(value, width: float) -> int:
    """How many lines a wrapped cell of this width (in characters) takes."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return max(1, sum(max(1, math.ceil(len(line) * 1.1 / max(1.0, width - 1))) for line in text.splitlines() or [""]))
