"""The record of processing activities (UK GDPR Art 30) as an Excel workbook, in the layout of the ICO's
documentation template for controllers.

One sheet per controller (provider), one row per processing activity: the Art 30(1) items, then the
additions the ICO's template recommends (lawful bases and conditions, the appropriate policy document,
legitimate interests and their assessment, rights, automated decision-making, source, location).
Then a sheet of every data flow and one of every risk with its action plan. Codes appear as their
labels; a cell never starts with a formula character (tables.defuse_formula), so a spreadsheet runs
nothing that came from a notice or an audit file.

Where a cell has no answer it says why, in one of four phrases: "Not stated" (the notice does not say),
"To be completed" (the auditor must fill it in), "To be decided" (a legal condition the provider has
not shown it relies on), or "Not applicable". An answer that is "none" is written out ("No transfer
outside the UK").
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
from .report.necessity import VERDICTS  # the report's words for each flow (step 4), so the record and the DPIA agree
from .schemas import as_text
from .tables import defuse_formula
from .transfers import TransferCheck, assess
from .vocab import NOT_STATED, split_codes

OPEN = "To be completed"  # the auditor must fill it in
SILENT = "Not stated"  # the notice does not say
TO_DECIDE = "To be decided"  # a condition the provider must choose and the notice does not show
NOT_APPLICABLE = "Not applicable"
NOT_A_TRANSFER = "Not a transfer"
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
                "Transfer route", "Verdict"]
RISK_COLUMNS = ["Controller", "Risk", "Title", "Source of risk and nature of potential impact", "Activities", "Likelihood",
                "Severity", "Overall risk", "Measures", "Effect on risk", "Residual likelihood", "Residual severity",
                "Residual risk", "Measure approved", "Owner", "Due", "Status"]
IN_PLACE = ("mitigated", "closed")  # a risk's measures are in place; 'accepted' says only that the residual risk is borne
ADM = ("automated_decision", "profiling", "scoring")  # techniques that are, or may feed, automated decisions
HEADER_ROW = 7  # rows 1-5 name the controller and its contact details (Art 30(1)(a)), as the template's header does
# Columns wrap at 34 characters, the header's at its longest word: a sheet printed one page wide is then less wide
# to shrink, and its rows fill the page's height.
WIDEST, NARROWEST = 34, 8
LINE = 15  # points a line of 11-point text takes


def _meta(meta: dict, path: str) -> str:
    value: object = meta
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    text = " ".join(as_text(value).split()) if value is not None else ""
    return text


def activity_rows(audit: Audit) -> pd.DataFrame:
    """The provider's record of processing: one row per activity, in the template's columns, codes as labels."""
    a, day, meta = audit.activities, audit.law_date, audit.meta
    art6 = vocab.in_force("art6", day)
    balancing = {c for c in art6.codes() if art6.terms[c]["balancing"]}
    in_place, planned = _measures_by_activity(audit, done=True), _measures_by_activity(audit, done=False)
    by_activity: dict[str, list[TransferCheck]] = {}
    for activity, check in zip(audit.flows.activity_id, _checks(audit)):
        by_activity.setdefault(activity, []).append(check)
    rows = []
    for row in a.to_dict("records"):
        flows = audit.flows[audit.flows.activity_id == row["activity_id"]]
        checks = by_activity.get(row["activity_id"], [])
        relies_li = any(art6.resolve(c) in balancing for c in split_codes(row["art6_basis"]))
        techniques = [c for c in split_codes(row.get("techniques", "")) if c in ADM]
        art9, sch1, policy = _conditions(row, meta, day)
        rows.append({
            "Ref": row["activity_id"],
            "Business function or activity": row["name"],
            "Purpose of processing": row["purpose"],
            "Categories of individuals": vocab.labels("data_subjects", row["data_subjects"], on=day),
            "Categories of personal data": "; ".join(split_codes(row["data_categories"])),
            "Special category or criminal offence data": vocab.labels("special_categories", row["special_categories"], on=day,
                                                                      empty="No special category or criminal offence data"),
            "Categories of recipients": "; ".join(dict.fromkeys(
                f"{r.recipient} ({vocab.labels('recipient_types', r.recipient_type, on=day)})" for r in flows.itertuples()))
            or "No recipient recorded",
            "Third countries or international organisations": _third_countries(checks),
            "Safeguards for transfers": _safeguards(checks, day),
            "Retention schedule": row["retention"],
            "Technical and organisational security measures": in_place.get(row["activity_id"]) or OPEN,
            "Planned actions": planned.get(row["activity_id"]) or "No action planned",
            "Article 6 lawful basis": vocab.labels("art6", row["art6_basis"], on=day, cite=True),
            "Article 9 condition": art9,
            "DPA 2018 Schedule 1 condition": sch1,
            "Link to appropriate policy document": policy,
            "Legitimate interests": "; ".join(x for x in (
                str(row.get("legitimate_interest") or ""),
                vocab.labels("recognised_legitimate_interests", row.get("annex1_condition") or "", on=day)) if x)
            or (SILENT if relies_li else NOT_APPLICABLE),
            "Legitimate interests assessment": (_meta(meta, "necessity.legitimate_interests_assessment") or OPEN) if relies_li
            else NOT_APPLICABLE,
            "Rights available to individuals": _meta(meta, "necessity.rights") or OPEN,
            "Automated decision-making, including profiling": (
                vocab.labels("techniques", ";".join(techniques), on=day)
                + (f"; safeguards: {vocab.labels('adm_safeguards', row.get('adm_safeguards'), on=day)}"
                   if str(row.get("adm_safeguards") or "").strip() else "")) if techniques else "No automated decision-making",
            "Source of the personal data": vocab.labels(("data_subjects", "recipient_types"), row["sources"], on=day,
                                                        empty=SILENT),
            "Location of personal data": _meta(meta, "nature.systems") or OPEN,
        })
    return pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)


def _stated(cell) -> bool:
    text = str(cell or "").strip()
    return bool(text) and text.lower() != NOT_STATED


def _conditions(row: dict, meta: dict, day) -> tuple[str, str, str]:
    """The Art 9 condition, the Schedule 1 condition and the appropriate policy document, as the record shows them.

    Special category data needs an Art 9(2) condition; (b), (g), (h), (i) and (j) need a Schedule 1 condition to
    complete them (DPA 2018 s.10(2)-(3)), and criminal offence data needs one in Part 1, 2 or 3 (s.10(5)). Only some of
    those conditions need an appropriate policy document (the vocabulary's policy_document: Sch 1 para 1(1)(b), para
    5(1), Part 4): para 2 (health or social care), for one, does not. Where the condition is not stated, what it needs
    is to be decided, not "not applicable".
    """
    art9, sch1 = vocab.in_force("art9", day), vocab.in_force("schedule1", day)
    specials = vocab.get("special_categories")
    special = {specials.resolve(c) or c for c in split_codes(str(row.get("special_categories") or ""))}
    art9_data, criminal = bool(special - {"criminal_offence"}), "criminal_offence" in special
    art9_cell, sch1_cell = row.get("art9_condition") or "", row.get("schedule1_condition") or ""
    if _stated(art9_cell):
        art9_shown = vocab.labels("art9", art9_cell, on=day, cite=True)
    else:
        art9_shown = f"{TO_DECIDE} ({NOT_STATED})" if art9_data else NOT_APPLICABLE
    completing = [art9.terms[c] for c in (art9.resolve(x) for x in split_codes(str(art9_cell))) if c]
    needs_sch1 = criminal or any(t["needs_schedule1"] for t in completing) or (art9_data and not _stated(art9_cell))
    if _stated(sch1_cell):
        sch1_shown = vocab.labels("schedule1", sch1_cell, on=day, cite=True)
    elif needs_sch1:
        sch1_shown = f"{TO_DECIDE} ({NOT_STATED})" if str(sch1_cell).strip() or _stated(art9_cell) \
            else f"{TO_DECIDE}: it depends on the Art 9 condition"
        return art9_shown, sch1_shown, f"{TO_DECIDE} with the Schedule 1 condition"
    else:
        return art9_shown, NOT_APPLICABLE, NOT_APPLICABLE
    conditions = [sch1.terms[c] for c in (sch1.resolve(x) for x in split_codes(str(sch1_cell))) if c]
    return art9_shown, sch1_shown, _policy_document(conditions, meta)


def _policy_document(conditions: list[vocab.Term], meta: dict) -> str:
    """Whether the Schedule 1 conditions relied on need an appropriate policy document, and where it is."""
    if not conditions:
        return OPEN  # a condition not in force on the audit date: validation names it
    cites = ", ".join(dict.fromkeys(t.get("cite") or vocab.lower_first(t.label) for t in conditions))
    needing = [t for t in conditions if t["policy_document"] in ("required", "partial")]
    if not needing:
        return f"Not required ({cites})"
    record = meta.get("appropriate_policy_document") if isinstance(meta.get("appropriate_policy_document"), dict) else {}
    which = ", ".join(dict.fromkeys(t.get("cite") or vocab.lower_first(t.label) for t in needing))
    if record.get("exists") is False:
        shown = f"Required for {which}, and the provider has none"
    elif record.get("exists") is True:
        shown = _meta(record, "where") or f"In place, link {OPEN.lower()} (required for {which})"
    else:
        shown = _meta(record, "where") or f"{OPEN}: required for {which}"
    exemptions = [t["exemption"] for t in needing if t["policy_document"] == "partial" and t.get("exemption")]
    return "; ".join([shown, *(vocab.lower_first(e) for e in exemptions)])


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


def _checks(audit: Audit) -> list[TransferCheck]:
    """Each flow checked against Chapter V under the law of the audit date, as the report checks it."""
    day = audit.law_date
    return [assess(str(r.country), str(r.mechanism), recipient_type=str(r.recipient_type), on=day) for r in audit.flows.itertuples()]


def _own_staff(check: TransferCheck) -> str:
    where = "country not stated" if check.location == "unknown" else f"in {check.country_label}"
    return f"not a restricted transfer: the provider's own staff ({where})"


def _route(check: TransferCheck, day) -> str:
    """The flow's transfer route as the report gives it (step 4): the mechanism recorded, or the approval of the
    destination (an EEA state) where none is recorded. Own staff abroad need none: they are no transfer."""
    if check.location == "uk":
        return NOT_APPLICABLE
    if check.own_staff:
        return _capital(_own_staff(check))
    if check.mechanism:
        return vocab.labels("transfer_mechanisms", check.mechanism, on=day, cite=True)
    if check.approval == "full":
        return vocab.labels("transfer_mechanisms", "adequacy", on=day, cite=True)
    return OPEN


def _verdict(check: TransferCheck) -> str:
    return NOT_A_TRANSFER if check.restricted is False else VERDICTS.get(check.verdict, OPEN)


def _third_countries(checks: list[TransferCheck]) -> str:
    """Where the activity's restricted transfers go (Art 30(1)(e)): the countries named, 'not stated' where a recipient's
    location is unknown, and the provider's own staff abroad, who are no transfer."""
    parts = list(dict.fromkeys(c.country_label for c in checks if c.restricted))
    unknown = sum(c.restricted is None for c in checks)
    if unknown:
        parts.append(NOT_STATED if not parts else f"{NOT_STATED} for {unknown} recipient{'s' if unknown > 1 else ''}")
    parts += list(dict.fromkeys(_own_staff(c) for c in checks if c.own_staff))
    return _capital("; ".join(parts)) or "No transfer outside the UK"


def _safeguards(checks: list[TransferCheck], day) -> str:
    """The routes of the activity's transfers and of the flows whose destination is unknown, in the order of
    _third_countries; own staff abroad and flows within the UK need none."""
    routes = list(dict.fromkeys(_route(c, day) for c in checks if c.restricted))
    unknown = [_route(c, day) for c in checks if c.restricted is None]
    silent = sum(r == NOT_STATED for r in unknown)
    routes += [r for r in dict.fromkeys(unknown) if r != NOT_STATED and r not in routes]
    if silent:
        routes.append(NOT_STATED if not routes else f"{NOT_STATED} for {silent} recipient{'s' if silent > 1 else ''}")
    return _capital("; ".join(routes)) or NOT_APPLICABLE


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def flow_rows(audit: Audit) -> pd.DataFrame:
    f, day = audit.flows, audit.law_date
    names = dict(zip(audit.activities.activity_id, audit.activities.name))
    checks = _checks(audit)
    return pd.DataFrame({
        "Controller": audit.provider, "Flow": f.flow_id, "Activity": [f"{a} {names.get(a, '')}".strip() for a in f.activity_id],
        "Recipient": f.recipient, "Kind of recipient": [vocab.labels("recipient_types", c, on=day) for c in f.recipient_type],
        "Data shared": f.data_categories.map(lambda c: "; ".join(split_codes(c))),
        "Destination": [vocab.labels("countries", c, on=day) for c in f.country],
        "Transfer route": [_route(c, day) for c in checks],
        "Verdict": [_verdict(c) for c in checks],
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


def controller_rows(audit: Audit) -> list[tuple[str, str]]:
    """The name and contact details of the controller and its DPO (Art 30(1)(a)), from audit.yaml's controller section."""
    meta = audit.meta
    return [("Controller", audit.controller), ("Address", _capital(_meta(meta, "controller.address")) or OPEN),
            ("Data protection officer", _capital(_meta(meta, "controller.dpo")) or OPEN),
            ("ICO registration", _meta(meta, "controller.ico_registration") or OPEN),
            ("Record as of", vocab.long_date(audit.law_date))]


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
        _table(sheet, activity_rows(audit), HEADER_ROW)
        for i, (key, value) in enumerate(controller_rows(audit), start=1):
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

    if isinstance(value, str) and value.strip().lower() == NOT_STATED:
        value = SILENT
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
        longest = max([max(len(word) for word in str(name).split() or [""])]
                      + [max((len(line) for line in str(v).splitlines()), default=0) for v in frame.iloc[:, j - 1]])
        widths.append(max(NARROWEST, min(WIDEST, longest + 2)))
        sheet.column_dimensions[get_column_letter(j)].width = widths[-1]
    # Excel and LibreOffice do not grow a row for wrapped text written by openpyxl: each row is given its height.
    sheet.row_dimensions[header_row].height = LINE * max(_lines(str(n), w) for n, w in zip(frame.columns, widths))
    for i, values in enumerate(frame.itertuples(index=False), start=header_row + 1):
        sheet.row_dimensions[i].height = min(409, LINE * max((_lines(v, w) for v, w in zip(values, widths)), default=1))
    _print_setup(sheet, header_row, sum(widths))


PAGE_WIDTH = 320  # characters of column width a landscape A4 page holds at about 45%, the smallest readable on paper


def _print_setup(sheet, header_row: int, width: float = 0) -> None:
    """Landscape A4, as few pages wide as keep it readable (a wide sheet repeats its first two columns on each page),
    however many pages long, the header row repeated on every page, and a footer that names the sheet and the page:
    without it the record printed as 208 pages, two columns to a page."""
    from openpyxl.worksheet.page import PageMargins

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    wide = max(1, math.ceil(width / PAGE_WIDTH))
    sheet.page_setup.fitToWidth = wide
    sheet.page_setup.fitToHeight = 0  # as many pages long as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.2, footer=0.3)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    if wide > 1:
        sheet.print_title_cols = "A:B"
    sheet.oddFooter.center.text = "&A: page &P of &N"


def _lines(value, width: float) -> int:
    """How many lines a wrapped cell of this width (in characters) takes."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return max(1, sum(max(1, math.ceil(len(line) * 1.1 / max(1.0, width - 1))) for line in text.splitlines() or [""]))
