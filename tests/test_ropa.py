"""The record of processing in Excel: the ICO template's columns, one row per activity, read back cell by cell."""

import pytest
from conftest import SAMPLE_SLUGS, SAMPLES, edit_csv
from openpyxl import load_workbook

from dpia import cli, risk, vocab
from dpia.audit import load
from dpia.ropa import ACTIVITY_COLUMNS, HEADER_ROW, RISK_COLUMNS
from dpia.transfers import assess
from dpia.vocab import split_codes

FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("ropa") / "ropa.xlsx"
    assert cli.main(["ropa", *(str(SAMPLES / s) for s in SAMPLE_SLUGS), "--out", str(out)]) == 0
    return load_workbook(out)


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
        assert got["Retention schedule"] == a["retention"]
        assert got["Article 6 lawful basis"] == vocab.labels("art6", a["art6_basis"], on=day, cite=True)
        if a["art9_condition"]:
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
            assert third == "None" and got["Safeguards for transfers"] == "Not applicable"
        elif not any(c.restricted for c in checks):
            assert third == "not stated"
        assert third.lower() != "none" or third == "None"
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


def test_third_countries_say_none_only_where_no_flow_leaves_the_uk_and_not_stated_where_unknown(book):
    best2care = {r["Ref"]: r for r in _rows(book["BEST2CARE"], HEADER_ROW)}
    assert best2care["A1"]["Third countries or international organisations"] == "None"
    assert best2care["A5"]["Third countries or international organisations"] == "not stated"  # the payment processor
    assert best2care["A4"]["Third countries or international organisations"].startswith("An EEA state")
    a7 = {r["Ref"]: r for r in _rows(book["Case Management Cymru Ltd"], HEADER_ROW)}["A7"]
    assert a7["Third countries or international organisations"] == "None"  # its carer abroad is its own employee: no transfer
    assert a7["Safeguards for transfers"] == "Not applicable"


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
