"""The record of processing in Excel: the ICO template's columns, one row per activity, read back cell by cell."""

import math
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import SAMPLE_SLUGS, SAMPLES, edit_csv
from openpyxl import load_workbook
from pypdf import PdfReader

from dpia import cli, risk, vocab
from dpia.audit import load
from dpia.report.necessity import _route as report_route
from dpia.ropa import ACTIVITY_COLUMNS, HEADER_ROW, PAGE_WIDTH, RISK_COLUMNS, activity_rows
from dpia.transfers import assess, check_flows
from dpia.vocab import NOT_STATED, split_codes

FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("ropa") / "ropa.xlsx"
    assert cli.main(["ropa", *(str(SAMPLES / s) for s in SAMPLE_SLUGS), "--out", str(out)]) == 0
    return load_workbook(out)


def _shown(text: str) -> str:
    """A whole cell the notice is silent on reads 'Not stated'."""
    return "Not stated" if text == NOT_STATED else text


def _rows(sheet, header_row: int) -> list[dict]:
    rows = list(sheet.iter_rows(min_row=header_row, values_only=True))
    head = rows[0]
    return [dict(zip(head, r)) for r in rows[1:]]


def test_one_sheet_per_controller_then_flows_and_risks(book):
    providers = [load(SAMPLES / s).provider for s in SAMPLE_SLUGS]
    assert book.sheetnames == providers + ["Data flows", "Risks and action plan"]


@pytest.mark.parametrize("slug", SAMPLE_SLUGS)
def test_each_activity_is_a_row_that_matches_the_audit_cell_by_cell(book, slug):
    audit = load(SAMPLES / slug)
    sheet = book[audit.provider]
    assert [c.value for c in sheet[HEADER_ROW]] == ACTIVITY_COLUMNS
    assert sheet["A1"].value == "Controller" and sheet["C1"].value == audit.controller
    rows = _rows(sheet, HEADER_ROW)
    day = audit.law_date
    assert len(rows) == len(audit.activities)
    for got, a in zip(rows, audit.activities.to_dict("records")):
        assert got["Ref"] == a["activity_id"]
        assert got["Business function or activity"] == a["name"]
        assert got["Purpose of processing"] == a["purpose"]
        assert got["Categories of individuals"] == vocab.labels("data_subjects", a["data_subjects"], on=day)
        assert got["Categories of personal data"] == "; ".join(split_codes(a["data_categories"]))
        assert got["Retention schedule"] == _shown(a["retention"])
        assert got["Article 6 lawful basis"] == _shown(vocab.labels("art6", a["art6_basis"], on=day, cite=True))
        if a["art9_condition"] and a["art9_condition"] != NOT_STATED:
            assert got["Article 9 condition"] == vocab.labels("art9", a["art9_condition"], on=day, cite=True)
        flows = audit.flows[audit.flows.activity_id == a["activity_id"]]
        for recipient in flows.recipient:
            assert recipient in got["Categories of recipients"]
        checks = [assess(r.country, r.mechanism, recipient_type=r.recipient_type, on=day) for r in flows.itertuples()]
        third = got["Third countries or international organisations"]
        for check in checks:
            if check.restricted:
                assert check.country_label in third
        if not any(c.restricted is not False for c in checks):
            assert got["Safeguards for transfers"] == "Not applicable"
            if not any(c.own_staff for c in checks):
                assert third == "No transfer outside the UK"
        elif not any(c.restricted for c in checks) and not any(c.own_staff for c in checks):
            assert third == "Not stated"
        for column in ACTIVITY_COLUMNS:  # every column answered or visibly open, and no code shown raw
            assert got[column], (slug, a["activity_id"], column)
        shown = " ".join(got[c] for c in ("Categories of individuals", "Source of the personal data", "Article 6 lawful basis",
                                          "Special category or criminal offence data", "Categories of recipients"))
        assert "_" not in shown  # codes such as service_user appear as their labels


def test_security_measures_are_those_in_place_and_planned_actions_have_their_own_column(book, tmp_path, sample_copy):
    rows = {r["Ref"]: r for r in _rows(book["BEST2CARE"], HEADER_ROW)}
    assert rows["A4"]["Technical and organisational security measures"] == "To be completed"  # every risk is still open
    assert rows["A4"]["Planned actions"].startswith("R1: Role-based access to the care system")
    assert "R4: Adopt a retention schedule" in rows["A4"]["Planned actions"]
    folder = sample_copy()
    edit_csv(folder / "risks.csv", "remote,severe,Registered manager,open,", "remote,severe,Registered manager,mitigated,")
    out = tmp_path / "ropa.xlsx"
    assert cli.main(["ropa", str(folder), "--out", str(out)]) == 0
    a4 = {r["Ref"]: r for r in _rows(load_workbook(out)["BEST2CARE"], HEADER_ROW)}["A4"]
    assert a4["Technical and organisational security measures"].startswith("R1: Role-based access")
    assert "R1:" not in a4["Planned actions"] and "R4: Adopt a retention schedule" in a4["Planned actions"]


def test_third_countries_say_no_transfer_only_where_no_flow_leaves_the_uk_and_not_stated_where_unknown(book):
    best2care = {r["Ref"]: r for r in _rows(book["BEST2CARE"], HEADER_ROW)}
    assert best2care["A1"]["Third countries or international organisations"] == "No transfer outside the UK"
    assert best2care["A5"]["Third countries or international organisations"] == "Not stated"  # the payment processor
    assert best2care["A4"]["Third countries or international organisations"].startswith("An EEA state")
    assert best2care["A4"]["Safeguards for transfers"] == "Approval regulations (Art 45A)"  # the EEA, as the DPIA says
    cmc = {r["Ref"]: r for r in _rows(book["Case Management Cymru Ltd"], HEADER_ROW)}
    assert cmc["A2"]["Third countries or international organisations"] == \
        "An EEA state the notice does not name; not stated for 5 recipients"
    assert cmc["A2"]["Safeguards for transfers"] == "Approval regulations (Art 45A); not stated for 5 recipients"
    # its carer abroad is its own employee: no transfer, and no derogation needed
    assert cmc["A7"]["Third countries or international organisations"] == \
        "Not a restricted transfer: the provider's own staff (country not stated)"
    assert cmc["A7"]["Safeguards for transfers"] == "Not applicable"


def test_the_risk_sheet_is_the_register_with_its_action_plan(book):
    rows = _rows(book["Risks and action plan"], 1)
    assert list(rows[0]) == RISK_COLUMNS
    expected = []
    for slug in SAMPLE_SLUGS:
        audit = load(SAMPLES / slug)
        scored = risk.register(audit.risks, audit.risk_method)
        expected += [(audit.provider, r.risk_id, r.title, r.measures, r.inherent, r.residual, r.owner or "To be completed")
                     for r in scored.itertuples()]
    assert [(r["Controller"], r["Risk"], r["Title"], r["Measures"], r["Overall risk"], r["Residual risk"], r["Owner"])
            for r in rows] == expected


def test_the_flow_sheet_has_every_flow(book):
    rows = _rows(book["Data flows"], 1)
    audits = [load(SAMPLES / s) for s in SAMPLE_SLUGS]
    expected = [(a.provider, f) for a in audits for f in a.flows.flow_id]
    assert [(r["Controller"], r["Flow"]) for r in rows] == expected


def test_sheets_have_frozen_headers_filters_fitted_wrapped_columns(book):
    for sheet in book.worksheets:
        header = HEADER_ROW if sheet.title not in ("Data flows", "Risks and action plan") else 1
        assert sheet.freeze_panes == f"A{header + 1}"
        assert sheet.auto_filter.ref.startswith(f"A{header}:")
        widths = [sheet.column_dimensions[c].width for c in "ABCDE"]
        assert all(8 <= w <= 60 for w in widths) and len(set(widths)) > 1
        assert sheet.cell(header + 1, 3).alignment.wrap_text


def test_no_cell_starts_with_a_formula_character(tmp_path, sample_copy):
    folder = sample_copy()
    edit_csv(folder / "activities.csv", "A1,Care enquiries,", "A1,=HYPERLINK(\"http://x\"),")
    edit_csv(folder / "risks.csv", "R1,Care records exposed or lost,", "R1,@SUM(1+1),")
    out = tmp_path / "ropa.xlsx"
    assert cli.main(["ropa", str(folder), "--out", str(out)]) == 0
    book = load_workbook(out)
    values = [c.value for s in book.worksheets for row in s.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [v for v in values if v.startswith(FORMULA)]
    assert "'=HYPERLINK(\"http://x\")" in values and "'@SUM(1+1)" in values
    assert all(c.data_type != "f" for s in book.worksheets for row in s.iter_rows() for c in row)


def test_the_comparison_writes_the_same_record_for_many_providers(tmp_path, book):
    out = tmp_path / "comparison.html"
    assert cli.main(["compare", *(str(SAMPLES / s) for s in SAMPLE_SLUGS[:2]), "--out", str(out), "--format", "xlsx"]) == 0
    compared = load_workbook(tmp_path / "comparison.xlsx")
    names = [load(SAMPLES / s).provider for s in SAMPLE_SLUGS[:2]]
    assert compared.sheetnames == names + ["Data flows", "Risks and action plan"]
    for name in names:
        assert [[c.value for c in r] for r in compared[name].iter_rows()] == [[c.value for c in r] for r in book[name].iter_rows()]


def test_bad_input_gets_a_message_not_a_traceback(tmp_path, sample_copy, capsys):
    assert cli.main(["ropa", str(tmp_path / "missing"), "--out", str(tmp_path / "r.xlsx")]) == 2
    assert "not an audit folder" in capsys.readouterr().err
    assert cli.main(["ropa", str(SAMPLES / "best2care"), "--out", str(tmp_path / "r.csv")]) == 2
    assert "ending .xlsx" in capsys.readouterr().err
    broken = sample_copy()
    edit_csv(broken / "flows.csv", "F1,A4,", "F1,A404,")
    assert cli.main(["ropa", str(broken), str(SAMPLES / "best2care"), "--out", str(tmp_path / "r.xlsx")]) == 1
    assert "invalid audit" in capsys.readouterr().err and (tmp_path / "r.xlsx").is_file()
    assert cli.main(["compare", str(SAMPLES / "best2care"), "--out", str(tmp_path / "c.html"), "--format", "xslx"]) == 2
    assert "unknown format 'xslx': did you mean 'xlsx'?" in capsys.readouterr().err


def _activity(book, provider: str, ref: str) -> dict:
    return {r["Ref"]: r for r in _rows(book[provider], HEADER_ROW)}[ref]


def test_the_policy_document_column_follows_schedule_1_not_every_condition_needs_one(book):
    a2 = _activity(book, "Optimise Healthcare Group", "A2")  # health or social care: Sch 1 para 2 needs no policy document
    assert a2["DPA 2018 Schedule 1 condition"] == "Health or social care purposes (Sch 1 para 2)"
    assert a2["Link to appropriate policy document"] == "Not required (Sch 1 para 2)"
    for slug in SAMPLE_SLUGS:  # every stated condition, by the vocabulary's policy_document flag
        audit = load(SAMPLES / slug)
        sch1 = vocab.in_force("schedule1", audit.law_date)
        for got, a in zip(_rows(book[audit.provider], HEADER_ROW), audit.activities.to_dict("records")):
            codes = [sch1.resolve(c) for c in split_codes(a["schedule1_condition"]) if sch1.resolve(c)]
            if codes:
                needed = any(sch1.terms[c]["policy_document"] != "not_required" for c in codes)
                assert got["Link to appropriate policy document"].startswith("Not required") is not needed, (slug, a["activity_id"])


def test_a_condition_not_stated_is_to_be_decided_not_not_applicable(book):
    a3 = _activity(book, "Optimise Healthcare Group", "A3")  # equalities monitoring: its R6 says Sch 1 para 8 and a policy document
    assert a3["Special category or criminal offence data"] == "Racial or ethnic origin; Health"
    assert a3["Article 9 condition"] == "To be decided (not stated)"
    assert a3["DPA 2018 Schedule 1 condition"] == "To be decided: it depends on the Art 9 condition"
    assert a3["Link to appropriate policy document"] == "To be decided with the Schedule 1 condition"
    a1 = _activity(book, "Optimise Healthcare Group", "A1")  # no special category data: the columns do not apply
    assert [a1[c] for c in ("Article 9 condition", "DPA 2018 Schedule 1 condition", "Link to appropriate policy document")] == \
        ["Not applicable"] * 3


APD = "https://example.org/appropriate-policy-document"


@pytest.mark.parametrize(("art9", "condition", "policy", "shown"), [
    ("9(2)(b)", "sch1.1", {"exists": True}, "In place, link to be completed (required for Sch 1 para 1)"),  # para 1(1)(b)
    ("9(2)(g)", "sch1.8", {"exists": True, "where": APD}, APD),
    ("9(2)(g)", "sch1.10", None, "To be completed: required for Sch 1 para 10; no policy document is needed where the processing "
                                 "consists of disclosure to a competent authority, or is done in preparation for it (para 10(2))."),
    ("9(2)(h);9(2)(g)", "sch1.2;sch1.18", {"exists": True}, "In place, link to be completed (required for Sch 1 para 18)"),
    ("9(2)(h)", "not stated", None, "To be decided with the Schedule 1 condition"),
])
def test_the_policy_document_is_asked_for_only_where_the_condition_needs_one(tmp_path, sample_copy, art9, condition, policy, shown):
    folder = sample_copy("optimise-healthcare")
    edit_csv(folder / "activities.csv", "9(2)(h),sch1.2,", f"{art9},{condition},")
    if policy is not None:
        _set(folder, appropriate_policy_document=policy)
    out = tmp_path / "ropa.xlsx"
    assert cli.main(["ropa", str(folder), "--out", str(out)]) == 0
    a2 = _activity(load_workbook(out), "Optimise Healthcare Group", "A2")
    assert a2["Link to appropriate policy document"] == shown
    if condition == NOT_STATED:
        assert a2["DPA 2018 Schedule 1 condition"] == "To be decided (not stated)"


def test_a_condition_that_needs_a_policy_document_the_provider_lacks_says_so(sample_copy):
    folder = sample_copy("optimise-healthcare")
    edit_csv(folder / "activities.csv", "9(2)(h),sch1.2,", "9(2)(g),sch1.8,")
    _set(folder, appropriate_policy_document={"exists": False})
    rows = activity_rows(load(folder))  # an invalid audit (validation fails it), so the workbook leaves it out
    assert rows.set_index("Ref").loc["A2", "Link to appropriate policy document"] == \
        "Required for Sch 1 para 8, and the provider has none"


def _set(folder, **keys) -> None:
    meta = yaml.safe_load((folder / "audit.yaml").read_text(encoding="utf-8"))
    meta.update(keys)
    (folder / "audit.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_each_flow_has_the_dpias_route_and_verdict(book):
    rows = {(r["Controller"], r["Flow"]): r for r in _rows(book["Data flows"], 1)}
    assert "Transfer mechanism" not in next(iter(rows.values()))
    for slug in SAMPLE_SLUGS:
        audit = load(SAMPLES / slug)
        for check in check_flows(audit.flows, on=audit.law_date).itertuples():
            got = rows[(audit.provider, check.flow_id)]
            if check.restricted is False:
                assert got["Verdict"] == "Not a transfer"
            else:
                assert got["Verdict"] == {"ok": "Lawful route", "check": "To check", "gap": "Gap", "missing": "No lawful route",
                                          "unknown": "Location unknown"}[check.verdict]
            if check.location == "uk":
                assert got["Transfer route"] == "Not applicable"
            elif check.restricted is not False:  # the route the report's step 4 gives
                assert got["Transfer route"] == _shown(report_route(check.mechanism, check.approval, audit.law_date))
    for key in [("BEST2CARE", "F9"), ("Case Management Cymru Ltd", "F13")]:  # the EEA: approved, no mechanism recorded
        assert (rows[key]["Transfer route"], rows[key]["Verdict"]) == ("Approval regulations (Art 45A)", "Lawful route")
    f12 = rows[("Case Management Cymru Ltd", "F12")]  # its own employee abroad, for whom the notice cites Art 49(1)(b)
    assert (f12["Transfer route"], f12["Verdict"]) == \
        ("Not a restricted transfer: the provider's own staff (country not stated)", "Not a transfer")


def test_the_route_to_the_eea_is_the_one_in_force_on_the_audit_date(tmp_path, sample_copy):
    folder = sample_copy("case-management-cymru")
    edit_csv(folder / "audit.yaml", "audit_date: '2026-11-23'", "audit_date: '2025-11-01'")
    edit_csv(folder / "flows.csv", "not stated,art49_1_b,", "IN,art49_1_b,")  # and the carer abroad is in India
    out = tmp_path / "ropa.xlsx"
    assert cli.main(["ropa", str(folder), "--out", str(out)]) == 0
    book = load_workbook(out)
    rows = {r["Flow"]: r for r in _rows(book["Data flows"], 1)}
    assert rows["F13"]["Transfer route"] == "UK adequacy regulations (Art 45)"  # before 5 February 2026
    assert rows["F12"]["Transfer route"] == "Not a restricted transfer: the provider's own staff (in India)"
    assert _activity(book, "Case Management Cymru Ltd", "A7")["Third countries or international organisations"] == \
        "Not a restricted transfer: the provider's own staff (in India)"


def test_no_cell_reads_none_and_silence_has_one_wording(book):
    values = [c.value for s in book.worksheets for row in s.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [v for v in values if v.strip().lower() in ("none", "nan", "null", "n/a")]
    assert not [v for v in values if v.lower() == NOT_STATED and v != "Not stated"]  # one spelling, capitalised like the others
    assert not [v for v in values if v.split(" ", 1)[0] in ("None", "none")]
    assert "Not stated" in values and "To be completed" in values and "Not applicable" in values


def test_each_controller_sheet_opens_with_the_controllers_contact_details(tmp_path, sample_copy, book):
    for slug in SAMPLE_SLUGS:
        audit = load(SAMPLES / slug)
        head = {book[audit.provider].cell(i, 1).value: book[audit.provider].cell(i, 3).value for i in range(1, HEADER_ROW - 1)}
        assert list(head) == ["Controller", "Address", "Data protection officer", "ICO registration", "Record as of"]
        assert head["Controller"] == audit.controller
        assert head["Address"] == head["ICO registration"] == "To be completed"  # no sample records them
    folder = sample_copy("harmony-community-care")
    controller = yaml.safe_load((folder / "audit.yaml").read_text(encoding="utf-8"))["controller"]
    _set(folder, controller={**controller, "name": "Harmony Community Care Services Ltd", "address": "1 High Street, Leeds LS1 1AA",
                             "ico_registration": "ZA123456"})
    out = tmp_path / "ropa.xlsx"
    assert cli.main(["ropa", str(folder), "--out", str(out)]) == 0
    sheet = load_workbook(out)["Harmony Community Care Services"]
    assert [(sheet.cell(i, 1).value, sheet.cell(i, 3).value) for i in range(1, 5)] == [
        ("Controller", "Harmony Community Care Services Ltd"), ("Address", "1 High Street, Leeds LS1 1AA"),
        ("Data protection officer", "HCCS's Data Protection Officer, reached at care@harmonyccs.co.uk (the notice gives no name)"),
        ("ICO registration", "ZA123456")]


def test_every_sheet_prints_landscape_few_pages_wide_with_its_header_and_first_columns_on_each_page(book):
    for sheet in book.worksheets:
        header = HEADER_ROW if sheet.title not in ("Data flows", "Risks and action plan") else 1
        setup = sheet.page_setup
        width = sum(sheet.column_dimensions[c].width or 0 for c in sheet.column_dimensions)
        wide = int(setup.fitToWidth)
        assert (setup.orientation, int(setup.fitToHeight)) == ("landscape", 0) and wide == max(1, math.ceil(width / PAGE_WIDTH))
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == f"${header}:${header}"
        assert (sheet.print_title_cols == "$A:$B") if wide > 1 else not sheet.print_title_cols
        assert "&P" in sheet.oddFooter.center.text
    assert int(book[load(SAMPLES / "best2care").provider].page_setup.fitToWidth) == 2  # 22 columns: two pages wide


def _calc() -> bool:
    """LibreOffice with its spreadsheet module (Debian's libreoffice-calc-nogui), which opens .xlsx files."""
    soffice = shutil.which("soffice")
    return bool(soffice) and any((Path(soffice).resolve().parent / lib).exists() for lib in ("libsclo.so", "libsclo.dylib"))


@pytest.mark.skipif(not _calc(), reason="LibreOffice Calc is not installed (apt-get install libreoffice-calc-nogui)")
def test_the_record_prints_as_a_few_pages_not_two_hundred(tmp_path):
    out = tmp_path / "ropa.xlsx"
    assert cli.main(["ropa", *(str(SAMPLES / s) for s in SAMPLE_SLUGS), "--out", str(out)]) == 0
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(out)], check=True, capture_output=True, timeout=180)
    pages = len(PdfReader(tmp_path / "ropa.pdf").pages)
    assert len(SAMPLE_SLUGS) + 2 <= pages <= 25  # a few pages a sheet; it was 208
