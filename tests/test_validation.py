"""Validation of audit folders: samples pass, and every kind of bad input gets a clear message."""

import shutil

import pytest
from conftest import SAMPLE_SLUGS, SAMPLES, edit_csv

from dpia import cli
from dpia.audit import load
from dpia.errors import DpiaError


def errors(folder):
    return [p for p in load(folder).problems if p.is_error]


def only(folder, rule_or_column):
    return [p for p in errors(folder) if rule_or_column in (p.rule, p.column)]


@pytest.mark.parametrize("slug", SAMPLE_SLUGS)
def test_every_sample_validates(slug):
    audit = load(SAMPLES / slug)
    assert audit.errors == [], [str(p) for p in audit.errors]


def test_optimise_records_its_missing_retention_as_a_gap_not_a_value():
    audit = load(SAMPLES / "optimise-healthcare")
    assert set(audit.activities.retention) == {"not stated"}
    gaps = [p for p in audit.warnings if p.column == "retention"]
    assert len(gaps) == len(audit.activities)


def test_missing_column_is_named(sample_copy):
    folder = sample_copy()
    text = (folder / "flows.csv").read_text().replace(",mechanism,", ",", 1)
    (folder / "flows.csv").write_text(text)
    # the header lost a column, so every row now has one field too many: both are reported
    problems = errors(folder)
    assert any(p.column == "mechanism" and "missing column" in p.message and p.row == 1 for p in problems)
    assert any("fields but the header has" in p.message for p in problems)


def test_missing_column_in_an_otherwise_consistent_file(sample_copy):
    folder = sample_copy()
    import csv
    rows = list(csv.DictReader(open(folder / "risks.csv", encoding="utf-8")))
    with open(folder / "risks.csv", "w", newline="", encoding="utf-8") as fh:
        cols = [c for c in rows[0] if c != "owner"]
        w = csv.DictWriter(fh, cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    problems = errors(folder)
    assert [p.message for p in problems] == [
        "missing column 'owner'; the header must have: risk_id, title, description, activity_ids, likelihood, "
        "severity, measures, residual_likelihood, residual_severity, owner, status"]


def test_unknown_column_suggests_the_right_name(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "activities.csv", ",retention,", ",retension,")
    messages = [p.message for p in errors(folder)]
    assert "unknown column 'retension'; did you mean 'retention'?" in messages


def test_unknown_art6_code_lists_close_matches(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "activities.csv", "6(1)(b);6(1)(e)", "6(1)(b);6(1)(q)")
    [problem] = only(folder, "art6_basis")
    assert problem.row == 5
    assert "unknown art6 code '6(1)(q)'" in problem.message and "did you mean" in problem.message


def test_bad_country_code(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", ",GB,", ",XK1,")
    [problem] = only(folder, "country")
    assert problem.file == "flows.csv" and problem.row == 2
    assert "unknown countries code 'XK1'" in problem.message


def test_duplicated_id(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "risks.csv", "\nR2,", "\nR1,")
    problems = only(folder, "risk_id")
    assert {p.row for p in problems} == {2, 3}
    assert all("duplicate risk_id 'R1'" in p.message for p in problems)


def test_empty_file(sample_copy):
    folder = sample_copy()
    (folder / "risks.csv").write_bytes(b"")
    [problem] = errors(folder)
    assert problem.file == "risks.csv" and "file is empty" in problem.message and "risk_id," in problem.message


def test_non_utf8_file_names_the_line(sample_copy):
    folder = sample_copy()
    text = (folder / "activities.csv").read_text(encoding="utf-8").replace("’", "'")
    lines = text.split("\n")
    lines[3] = lines[3].replace("Call tracking", "Call tracking \u00e9")
    (folder / "activities.csv").write_bytes("\n".join(lines).encode("cp1252"))
    [problem] = errors(folder)
    assert problem.file == "activities.csv" and problem.row == 4
    assert "not UTF-8 (byte 0xe9 on line 4)" in problem.message and "CSV UTF-8" in problem.message


def test_utf8_bom_is_accepted(sample_copy):
    folder = sample_copy()
    path = folder / "activities.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    audit = load(folder)
    assert audit.errors == [] and list(audit.activities.columns)[0] == "activity_id"


def test_binary_file(sample_copy):
    folder = sample_copy()
    (folder / "flows.csv").write_bytes(b"PK\x03\x04\x00\x00binary")
    [problem] = errors(folder)
    assert "binary file" in problem.message


def test_ragged_row_is_reported_not_dropped(sample_copy):
    folder = sample_copy()
    with open(folder / "flows.csv", "a", encoding="utf-8") as fh:
        fh.write("F99,A4,Someone,gp_nhs\n")
    [problem] = errors(folder)
    assert problem.row == 11 and "4 fields but the header has 10" in problem.message


def test_unclosed_quote_is_reported(sample_copy):
    folder = sample_copy()
    with open(folder / "risks.csv", "a", encoding="utf-8") as fh:
        fh.write('R99,"Unclosed title,desc\n')
    assert errors(folder)


def test_flow_to_missing_activity(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", "F1,A4,", "F1,A42,")
    [problem] = only(folder, "flow_activity_exists")
    assert problem.row == 2 and "activity 'A42', which is not in activities.csv" in problem.message


def test_risk_pointing_at_missing_activity(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "risks.csv", ",A4,possible,severe,", ",A4;A77,possible,severe,")
    [problem] = only(folder, "risk_activities_exist")
    assert "'A77'" in problem.message


def test_special_category_without_art9(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "activities.csv", ",9(2)(h),not stated,", ",,not stated,")
    [problem] = only(folder, "special_category_needs_art9")
    assert problem.column == "art9_condition" and problem.row == 5
    assert "special category data needs an Art 9(2) condition" in problem.message


def test_art9h_without_schedule1(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "activities.csv", ",9(2)(h),not stated,", ",9(2)(h),,")
    [problem] = only(folder, "art9_condition_needs_schedule1")
    assert problem.column == "schedule1_condition"


def test_legitimate_interests_needs_the_interest(sample_copy):
    folder = sample_copy("case-management-cymru")
    edit_csv(folder / "activities.csv", ',"Corporate due diligence and financial modelling, service development and innovation",',
             ",,")
    [problem] = only(folder, "legitimate_interests_needs_interest")
    assert problem.column == "legitimate_interest"


def test_retention_must_be_a_duration_or_not_stated(sample_copy):
    folder = sample_copy("case-management-cymru")
    edit_csv(folder / "activities.csv", ",7 years,", ",as long as necessary,")
    [problem] = only(folder, "retention_is_duration_or_not_stated")
    assert "duration" in problem.message


IT_SUPPORT = "processor_it,customer records,not stated,not stated,\"IT and"


def test_transfer_without_mechanism(sample_copy):
    folder = sample_copy("case-management-cymru")
    edit_csv(folder / "flows.csv", IT_SUPPORT, "processor_it,customer records,IN,,\"IT and")
    [problem] = only(folder, "transfer_needs_mechanism")
    assert problem.column == "mechanism" and "India (IN) is not an approved destination" in problem.message


def test_derogation_warns_that_it_suits_occasional_transfers_only(sample_copy):
    folder = sample_copy("case-management-cymru")
    edit_csv(folder / "flows.csv", IT_SUPPORT, "processor_it,customer records,IN,art49_1_b,\"IT and")
    warnings = [p for p in load(folder).warnings if p.rule == "transfer_needs_mechanism"]
    assert any("occasional" in p.message for p in warnings)


def test_transfer_to_adequate_country_needs_no_mechanism(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", ",GB,", ",FR,")
    assert errors(folder) == []


def test_risk_level_off_the_audit_scale(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "risks.csv", ",possible,severe,", ",maximum,severe,")
    [problem] = only(folder, "risk_levels_match_method")
    assert "cnil scale" in problem.message


def test_unknown_risk_level(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "risks.csv", ",possible,severe,", ",likely,severe,")
    [problem] = only(folder, "likelihood")
    assert "'likely' is not a likelihood level" in problem.message


def test_bad_status(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", ",confirmed,", ",done,")
    [problem] = only(folder, "status")
    assert "not one of: confirmed, draft" in problem.message


def test_blank_required_cell(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "activities.csv", "A1,Care enquiries,", "A1,,")
    [problem] = only(folder, "name")
    assert problem.message.startswith("name is empty")


def test_draft_rows_warn(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", ",confirmed,", ",draft,")
    audit = load(folder)
    assert audit.valid and any(p.rule == "draft_rows_need_review" for p in audit.warnings)


def test_a_broken_copy_reports_every_seeded_error_at_once(sample_copy):
    folder = sample_copy("case-management-cymru")
    edit_csv(folder / "activities.csv", "6(1)(b);6(1)(c)", "6(1)(z)")  # unknown Art 6
    edit_csv(folder / "flows.csv", "F1,A2,", "F1,A99,")  # flow to missing activity
    edit_csv(folder / "flows.csv", IT_SUPPORT, "processor_it,customer records,IN,,\"IT and")  # transfer without mechanism
    edit_csv(folder / "flows.csv", "\nF3,", "\nF2,")  # duplicated id
    edit_csv(folder / "risks.csv", ",probable,significant,", ",probable,huge,")  # bad severity
    (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text().replace("kind: case_management",
                                                                                   "kind: case_managment"))
    found = {(p.file, p.column) for p in errors(folder)}
    assert {("activities.csv", "art6_basis"), ("flows.csv", "activity_id"), ("flows.csv", "mechanism"),
            ("flows.csv", "flow_id"), ("risks.csv", "severity"), ("audit.yaml", "kind")} <= found


def test_audit_yaml_problems(sample_copy):
    folder = sample_copy()
    path = folder / "audit.yaml"
    text = path.read_text().replace("assessor:", "asessor:").replace("risk_method: ico", "risk_method: fmea")
    path.write_text(text + "screening_typo: true\n")
    messages = {p.column: p.message for p in errors(folder)}
    assert "did you mean 'assessor'" in messages["asessor"]
    assert messages["assessor"].startswith("assessor is required")
    assert "unknown risk_methods code 'fmea'" in messages["risk_method"]
    assert "screening_typo" in messages


def test_audit_yaml_syntax_error_names_the_line(sample_copy):
    folder = sample_copy()
    (folder / "audit.yaml").write_text("provider: X\nkind: [unclosed\n")
    [problem] = errors(folder)
    assert problem.file == "audit.yaml" and problem.row >= 2 and "not valid YAML" in problem.message


def test_missing_notice_and_bad_date(sample_copy):
    folder = sample_copy()
    (folder / "notice.txt").unlink()
    path = folder / "audit.yaml"
    path.write_text(path.read_text().replace("audit_date: '2026-11-23'", "audit_date: 23/11/2026"))
    columns = {p.column for p in errors(folder)}
    assert {"notice", "audit_date"} <= columns


def test_unknown_screening_criterion(sample_copy):
    folder = sample_copy()
    path = folder / "audit.yaml"
    path.write_text(path.read_text().replace("ico_physical_harm:", "ico_physical_harms:"))
    [problem] = errors(folder)
    assert problem.column == "screening.ico_physical_harms" and "did you mean" in problem.message


def test_missing_files(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    files = {p.file for p in errors(folder)}
    assert files == {"audit.yaml", "activities.csv", "flows.csv", "risks.csv"}


def test_load_of_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DpiaError, match="not an audit folder"):
        load(tmp_path / "nope")


def test_cli_validate_prints_file_row_column_and_fails(sample_copy, capsys):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", "F1,A4,", "F1,A42,")
    assert cli.main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"{folder}/flows.csv:2:activity_id: flow points to activity 'A42'" in out
    assert "Traceback" not in out


def test_cli_validate_passes_with_warnings(capsys):
    assert cli.main(["validate", str(SAMPLES / "best2care")]) == 0
    assert "warning: gap recorded" in capsys.readouterr().out


def test_cli_reports_a_missing_folder_without_traceback(tmp_path, capsys):
    assert cli.main(["validate", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dpia: error:") and "Traceback" not in err


def test_copy_with_extra_files_still_validates(sample_copy):
    folder = sample_copy()
    shutil.copy(folder / "notice.txt", folder / "notes.md")
    assert errors(folder) == []
