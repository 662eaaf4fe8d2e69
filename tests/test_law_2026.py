"""The law review of 2 December 2026 (../shared/reviews/LAW-2026.md): one test per error or omission it
found in the vocabularies and the engine, named by its item number, and the same audit judged under
the law of 1 November 2025 and of 1 December 2026. Items 19 and 21-25 concern what a notice says; the
analyser's tests hold those (test_notice_law_2026.py)."""

import datetime as dt
import re

import pytest
from conftest import edit_csv

from dpia import rules, transfers, vocab
from dpia.audit import load
from dpia.errors import AuditInvalid
from dpia.report.content import build_report
from dpia.screening import screen

OLD, NEW = "2025-11-01", "2026-12-01"


def _dated(folder, day: str):
    path = folder / "audit.yaml"
    path.write_text(re.sub(r"audit_date: '[0-9-]+'", f"audit_date: '{day}'", path.read_text()))
    return folder


def _activity(folder, **values):
    """Set columns of activity A5 (BEST2CARE's billing row) and return the folder."""
    import csv
    import io

    path = folder / "activities.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    fields = list(rows[0]) + [k for k in values if k not in rows[0]]
    for row in rows:
        if row["activity_id"] == "A5":
            row.update(values)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return folder


def _problems(folder, rule=None, severity=None):
    return [p for p in load(folder).problems if (rule is None or p.rule == rule) and (severity is None or p.severity == severity)]


def _art9_activity(folder, sch1, special="criminal_offence", art9=""):
    return _activity(folder, special_categories=special, art9_condition=art9, schedule1_condition=sch1)


# ---- Schedule 1 --------------------------------------------------------------------------------


@pytest.mark.parametrize("para", [23, 24, 25])
def test_law01_schedule1_paras_23_to_25_need_a_policy_document(sample_copy, para):
    assert vocab.lookup("schedule1", f"sch1.{para}")["policy_document"] == "required"
    folder = _art9_activity(sample_copy(), f"sch1.{para}", "health", "9(2)(g)")
    [problem] = _problems(folder, "policy_document")
    assert problem.is_error and "appropriate policy document" in problem.message


def test_law02_schedule1_para_13_needs_no_policy_document(sample_copy):
    assert vocab.lookup("schedule1", "sch1.13")["policy_document"] == "not_required"
    assert _problems(_art9_activity(sample_copy(), "sch1.13", "health", "9(2)(g)"), "policy_document") == []


def test_law03_schedule1_paras_35_and_37_need_a_policy_document():
    assert vocab.lookup("schedule1", "sch1.35")["policy_document"] == "required"
    assert vocab.lookup("schedule1", "sch1.37")["policy_document"] == "required"
    assert "para 20" in vocab.lookup("schedule1", "sch1.37")["exemption"]


def test_law04_schedule1_labels_follow_the_statute_and_its_amendment():
    assert vocab.in_force("schedule1", "2025-08-19").get("sch1.10").label == "Preventing or detecting unlawful acts"
    assert vocab.in_force("schedule1", "2025-08-20").get("sch1.10").label == "Preventing etc unlawful acts"
    assert vocab.lookup("schedule1", "sch1.6").label == "Statutory etc and government purposes"
    assert vocab.lookup("schedule1", "sch1.11").label == "Protecting the public against dishonesty etc"


@pytest.mark.parametrize("sch1", ["sch1.1", "sch1.6", "sch1.10", "sch1.18", "sch1.29", "official_authority"])
def test_law05_criminal_offence_data_rests_on_schedule1_parts_1_2_or_3(sample_copy, sch1):
    folder = _art9_activity(sample_copy(), sch1)
    folder.joinpath("audit.yaml").write_text(folder.joinpath("audit.yaml").read_text()
                                             + "appropriate_policy_document: {exists: true, where: intranet}\n")
    assert [p for p in _problems(folder, severity="error")] == []


def test_law05_criminal_offence_data_without_a_schedule1_condition_is_refused(sample_copy):
    [problem] = _problems(_art9_activity(sample_copy(), ""), severity="error")
    assert problem.column == "schedule1_condition"


def test_law06_partial_exemption_of_para_10_warns_instead_of_refusing(sample_copy):
    assert vocab.lookup("schedule1", "sch1.10")["policy_document"] == "partial"
    [problem] = _problems(_art9_activity(sample_copy(), "sch1.10", "health", "9(2)(g)"), "policy_document")
    assert problem.severity == "warning" and "competent authority" in problem.message


def test_law06_a_recorded_policy_document_satisfies_the_condition(sample_copy):
    folder = _art9_activity(sample_copy(), "sch1.6", "health", "9(2)(g)")
    assert _problems(folder, "policy_document", "error")
    folder.joinpath("audit.yaml").write_text(folder.joinpath("audit.yaml").read_text()
                                             + "appropriate_policy_document:\n  exists: true\n  where: https://example.org/apd\n")
    assert _problems(folder, "policy_document") == []


def test_law06_a_schedule1_condition_must_complete_its_art9_letter(sample_copy):
    [problem] = _problems(_art9_activity(sample_copy(), "sch1.6", "health", "9(2)(h)"), "schedule1_completes_art9")
    assert "Sch 1 para 2" in problem.message


# ---- Art 6 and Art 9 ---------------------------------------------------------------------------


def test_law07_art9_2_f_covers_tribunals_from_20_august_2025():
    assert "tribunals" not in vocab.in_force("art9", "2025-08-19").get("9(2)(f)").description
    assert "courts or tribunals" in vocab.in_force("art9", "2025-08-20").get("9(2)(f)").description


def test_law08_health_data_is_data_revealing_health_status():
    health = vocab.lookup("special_categories", "health")
    assert "health care services" in health.description and "health status" in health.description
    assert "social care" not in health.description.split(".")[0]


def test_law09_art9_2_h_carries_its_secrecy_condition_and_working_capacity():
    term = vocab.lookup("art9", "9(2)(h)")
    assert "working capacity" in term.description and "Art 9(3)" in term["note"] and "s.11(1)" in term["note"]
    report = build_report("data/samples/optimise-healthcare").body_html()
    assert "duty of confidentiality" in report


# ---- transfers ---------------------------------------------------------------------------------


def test_law10_approval_regulations_replace_adequacy_on_5_february_2026():
    assert "adequacy regulations (Art 45)" in transfers.assess("IN", "adequacy", on="2026-02-04").message
    after = transfers.assess("IN", "adequacy", on="2026-02-05").message
    assert "approval regulations (Art 45A)" in after
    assert vocab.in_force("transfer_mechanisms", NEW).get("adequacy")["cite"] == "Art 45A"


def test_law11_eea_and_gibraltar_are_schedule21_para5_and_eu_bodies_are_approved():
    assert vocab.lookup("adequacy", "IE").source.startswith("DPA 2018 Sch 21 para 5(1)(a)")
    assert vocab.lookup("adequacy", "GI").source.startswith("DPA 2018 Sch 21 para 5(1)(b)")
    assert transfers.assess("EU", "").verdict == "ok"
    for region in ("GP", "MQ", "GF", "RE", "YT", "MF", "AX"):
        assert transfers.assess(region, "").approval == "full"


def test_law12_idta_relies_on_the_data_protection_test_from_5_february_2026():
    assert "transfer risk assessment" in vocab.in_force("transfer_mechanisms", OLD).get("idta").description
    new = vocab.in_force("transfer_mechanisms", NEW).get("idta")
    assert "data protection test" in new.description and "transfer risk assessment" not in new.description
    assert "Sch 9 para 27" in new.description


def test_law13_old_eu_clauses_lapsed_and_2021_clauses_alone_are_refused():
    assert transfers.assess("IN", "old_eu_sccs", on="2024-03-21").verdict == "ok"
    lapsed = transfers.assess("IN", "old_eu_sccs", on="2024-03-22")
    assert lapsed.verdict == "missing" and "21 March 2024" in lapsed.message
    assert transfers.assess("IN", "eu_sccs", on=NEW).severity == "error"


def test_law14_the_eea_is_an_approved_destination_but_still_a_transfer():
    checked = transfers.assess("IE", "", on=NEW)
    assert checked.restricted is True and checked.location == "abroad" and checked.verdict == "ok"
    assert "approved destination" in checked.message and "Art 13(1)(f)" in checked.message


def test_law15_derogations_point_regular_transfers_to_approval_or_an_art46_safeguard():
    message = transfers.assess("IN", "art49_1_b", on=NEW).message
    assert "occasional" in message and "Art 46 safeguard" in message and "approval regulations" in message


def test_law16_own_staff_abroad_is_not_a_restricted_transfer(sample_copy):
    checked = transfers.assess("PH", "", recipient_type="internal", on=NEW)
    assert checked.restricted is False and checked.severity == "warning" and "security" in checked.message
    assert transfers.assess("PH", "", recipient_type="group_company", on=NEW).verdict == "missing"


def test_law16_an_unknown_location_is_neither_abroad_nor_a_transfer_gap():
    checked = transfers.assess("not stated", "not stated", on=NEW)
    assert (checked.location, checked.restricted, checked.verdict) == ("unknown", None, "unknown")
    assert "Art 13(1)(f)" not in checked.message


@pytest.mark.parametrize("code", ["public_body_instrument", "code_of_conduct", "certification", "ico_authorised_clauses",
                                  "public_body_arrangements", "sos_clauses"])
def test_law17_every_art46_and_47a_route_is_known(code):
    assert transfers.assess("IN", code, on=NEW).verdict == "ok"


def test_law17_secretary_of_state_clauses_are_art47a_from_5_february_2026():
    assert vocab.in_force("transfer_mechanisms", OLD).get("sos_clauses")["cite"] == "Art 46(2)(c)"
    assert vocab.in_force("transfer_mechanisms", NEW).get("sos_clauses")["cite"] == "Art 47A"


def test_law18_korea_israel_and_uruguay_are_partial_and_the_us_dates_from_october_2023():
    for code in ("KR", "IL", "UY"):
        assert vocab.lookup("adequacy", code)["coverage"] == "partial"
    assert transfers.assess("US", "", on="2023-10-11").approval == "none"
    assert transfers.assess("US", "", on="2023-10-12").approval == "partial"


# ---- automated decisions and complaints (the engine's side) ------------------------------------------


def test_law19_automated_decision_technique_follows_arts_22a_to_22d():
    assert "Art 22)" in vocab.in_force("techniques", OLD).get("automated_decision").description
    assert "Art 22C" in vocab.in_force("techniques", NEW).get("automated_decision").description
    assert set(vocab.in_force("adm_safeguards", NEW).codes()) == {"human_intervention", "representations", "contest", "information"}
    assert "information" not in vocab.in_force("adm_safeguards", OLD).codes()


def _adm(folder, day, **values):
    return _activity(_dated(folder, day), techniques="automated_decision",
                     adm_safeguards="human_intervention;representations;contest;information" if day == NEW
                     else "human_intervention;representations;contest", **values)


def test_law20_automated_decision_on_special_category_data_needs_explicit_consent_or_law_with_9_2_g(sample_copy):
    refused = _adm(sample_copy(), NEW, special_categories="health", art9_condition="9(2)(h)", schedule1_condition="sch1.2")
    [problem] = _problems(refused, "automated_decisions", "error")
    assert problem.column == "art9_condition" and "explicit consent" in problem.message
    consent = _adm(sample_copy(), NEW, special_categories="health", art9_condition="9(2)(a)")
    assert _problems(consent, "automated_decisions", "error") == []


def test_law20_automated_decision_on_recognised_legitimate_interests_is_refused(sample_copy):
    folder = _adm(sample_copy(), NEW, art6_basis="6(1)(ea)", annex1_condition="annex1.4")
    [problem] = _problems(folder, "automated_decisions", "error")
    assert "Art 22B(4)" in problem.message


def test_law20_automated_decision_needs_its_safeguards_recorded(sample_copy):
    folder = _activity(_dated(sample_copy(), NEW), techniques="automated_decision")
    [problem] = _problems(folder, "automated_decisions", "error")
    assert problem.column == "adm_safeguards"
    _activity(folder, adm_safeguards="human_intervention")
    [warning] = _problems(folder, "automated_decisions")
    assert warning.severity == "warning" and "information about the decision" in warning.message


def test_law21_complaints_to_the_controller_are_checked_from_19_june_2026(sample_copy):
    folder = sample_copy()
    path = folder / "audit.yaml"
    path.write_text(re.sub(r"complaints:\n(  .*\n)+", "", path.read_text()))
    assert _problems(_dated(folder, "2026-06-18"), "complaints_handling") == []
    [problem] = _problems(_dated(folder, "2026-06-19"), "complaints_handling")
    assert "s.164A" in problem.message
    path.write_text(path.read_text() + "complaints: {form: true, acknowledge_days: 45, respond: true, ico_route: true}\n")
    [late] = _problems(folder, "complaints_handling")
    assert "45 days" in late.message


def test_law21_every_complaint_duty_has_a_place_in_audit_yaml():
    from dpia import schemas

    for duty in vocab.get("complaint_duties"):
        assert duty["audit_key"] in schemas.COMPLAINT_KEYS


# ---- Art 6(1)(ea), purpose limitation -------------------------------------------------------------


def test_law26_recognised_legitimate_interests_and_annex1_are_in_force_from_5_february_2026(sample_copy):
    assert "6(1)(ea)" not in vocab.in_force("art6", "2026-02-04") and "6(1)(ea)" in vocab.in_force("art6", "2026-02-05")
    assert "Safeguarding vulnerable individuals" in [t.label for t in vocab.in_force("recognised_legitimate_interests", NEW)]
    term = vocab.lookup("art6", "6(1)(ea)")
    assert not term["balancing"] and not term["states_interest"] and not term["public_authorities"]
    folder = _activity(_dated(sample_copy(), NEW), art6_basis="6(1)(ea)")
    [problem] = _problems(folder, "recognised_legitimate_interest")
    assert problem.is_error and problem.column == "annex1_condition"
    _activity(folder, annex1_condition="annex1.5")
    assert _problems(folder, severity="error") == []


def test_law26_ea_and_f_are_flagged_for_a_public_authority(sample_copy):
    folder = _activity(_dated(sample_copy(), NEW), art6_basis="6(1)(ea);6(1)(f)", annex1_condition="annex1.5",
                       legitimate_interest="fraud prevention")
    path = folder / "audit.yaml"
    path.write_text(path.read_text().replace("public_authority: false", "public_authority: true"))
    flagged = _problems(folder, "bases_open_to_the_controller")
    assert {p.message.split(" (")[0] for p in flagged} == {"Recognised legitimate interests", "Legitimate interests"}


def test_law27_purpose_limitation_is_art_8a_and_annex2_from_5_february_2026():
    assert "Art 6(4)" in vocab.in_force("further_purposes", OLD).get("compatibility_test").source
    assert "Art 8A" in vocab.in_force("further_purposes", NEW).get("compatibility_test").source
    assert "annex2" in vocab.in_force("further_purposes", NEW) and "annex2" not in vocab.in_force("further_purposes", OLD)


def test_law27_the_report_states_the_purpose_limitation_rule_of_its_date(sample_copy):
    assert "Art 8A" in build_report(sample_copy()).body_html()
    assert "Art 6(4)" in build_report(_dated(sample_copy(), OLD)).body_html()


# ---- screening and risk --------------------------------------------------------------------------


def _only_activity(folder, techniques="", special="", subjects="website_visitor"):
    """An audit with one website activity (A2), no flows and no risks, for screening tests."""
    text = (folder / "activities.csv").read_text().splitlines()
    (folder / "activities.csv").write_text("\n".join([text[0], text[2]]) + "\n")
    _set_a2(folder, techniques=techniques, data_subjects=subjects, sources=subjects,
            special_categories=special, art9_condition="9(2)(a)" if special else "")
    for name in ("flows.csv", "risks.csv"):
        (folder / name).write_text((folder / name).read_text().splitlines()[0] + "\n")
    path = folder / "audit.yaml"
    path.write_text(re.sub(r"screening:\n(  .*\n)+", "screening: {}\n", path.read_text()))
    return folder


def _set_a2(folder, **values):
    import csv
    import io

    path = folder / "activities.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        row.update(values)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_law28_a_chatbot_alone_does_not_need_a_dpia(sample_copy):
    result = screen(load(_only_activity(sample_copy(), techniques="chatbot")))
    assert {"wp248_innovative", "ico_innovative_technology"} <= set(result.met) and not result.required


def test_law28_biometric_data_alone_does_not_need_a_dpia(sample_copy):
    result = screen(load(_only_activity(sample_copy(), special="biometric")))
    assert "ico_biometric" in result.met and not result.required


def test_law28_a_chatbot_with_another_wp248_criterion_needs_a_dpia(sample_copy):
    result = screen(load(_only_activity(sample_copy(), techniques="chatbot", subjects="service_user")))
    assert result.required and any("Innovative technology" in r for r in result.reasons)


def test_law29_employees_are_vulnerable_data_subjects(sample_copy):
    assert "wp248_vulnerable" in vocab.lookup("data_subjects", "staff")["screening"]
    assert "wp248_vulnerable" in screen(load(_only_activity(sample_copy(), subjects="staff"))).met


def test_law30_invisible_processing_cites_art_14_5_e_and_f_from_5_february_2026():
    assert "14(5)(b)" in vocab.in_force("screening_criteria", OLD).get("ico_invisible_processing").description
    assert "14(5)(e)-(f)" in vocab.in_force("screening_criteria", NEW).get("ico_invisible_processing").description


def test_law31_the_cnil_matrix_and_its_description_agree():
    cnil = vocab.lookup("risk_methods", "cnil")
    levels = [lv["code"] for lv in cnil["likelihood"]]
    significant = {"significant", "maximum"}
    for likelihood, row in cnil["matrix"].items():
        for severity, level in zip(levels, row):
            serious = (likelihood in significant) + (severity in significant)
            assert level == ["low", "medium", "high"][serious], (likelihood, severity)
    assert "medium when only one is" in cnil.description


def test_law32_cctv_counts_once(sample_copy):
    assert vocab.lookup("techniques", "cctv")["screening"] == ["wp248_systematic_monitoring"]
    result = screen(load(_only_activity(sample_copy(), techniques="cctv")))
    assert result.met == ["wp248_systematic_monitoring"]


def test_law33_art35_and_its_criteria_are_unchanged_by_the_act():
    for term in vocab.get("screening_criteria"):
        if term["scheme"] == "art35_3":
            assert len(vocab.get("screening_criteria").versions[term.code]) == 1 and term.in_force_until is None


def test_a_high_inherent_risk_makes_the_screening_required():
    audit = load("data/samples/harmony-community-care")
    result = screen(audit)
    assert result.required and result.high_risks == ["R2"]


# ---- report statements -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def best2care_report():
    return build_report("data/samples/best2care").body_html()


def test_report_art36_conclusion_holds_only_once_measures_are_implemented_and_approved(best2care_report):
    assert "provided the measures are implemented and approved" in best2care_report
    assert "prior consultation with the ICO (Art 36) is not required." not in best2care_report


def test_report_art35_9_is_data_subjects_or_their_representatives(sample_copy):
    html = build_report(sample_copy()).body_html()
    assert "data subjects or their representatives (UK GDPR Art 35(9))" in html
    assert "where a data protection officer is designated" in html.lower()


def test_report_flags_a_private_provider_on_public_task_and_an_abolished_recipient(best2care_report):
    assert "Public task (Art 6(1)(e)) is relied on by a provider not recorded as a public authority" in best2care_report
    assert "Clinical commissioning groups were abolished on 1 July 2022" in best2care_report


def test_report_names_the_date_of_the_law_it_applies(best2care_report):
    assert "Compliance checks under the law in force on 23 November 2026" in best2care_report


# ---- the same audit under two dates -----------------------------------------------------------------


@pytest.fixture
def two_dates(sample_copy):
    """BEST2CARE with an automated decision on legitimate interests and an old-clause transfer to India."""
    def at(day):
        folder = sample_copy()
        _activity(_dated(folder, day), techniques="automated_decision", art6_basis="6(1)(f)", legitimate_interest="credit control",
                  adm_safeguards="human_intervention;representations;contest;information" if day == NEW
                  else "human_intervention;representations;contest")
        edit_csv(folder / "flows.csv", "card payment details,not stated,not stated", "card payment details,IN,old_eu_sccs")
        return load(folder)
    return at


def test_the_same_audit_is_judged_under_the_old_law_on_1_november_2025(two_dates):
    audit = two_dates(OLD)
    errors = {(p.rule, p.column) for p in audit.errors}
    assert ("automated_decisions", "art6_basis") in errors  # Art 22(2): no legitimate interests
    assert ("codes_in_force", "mechanism") in errors  # the old clauses lapsed in March 2024
    assert not [p for p in audit.problems if p.rule == "complaints_handling"]  # the duty starts in June 2026


def test_the_same_audit_is_judged_under_the_new_law_on_1_december_2026(two_dates):
    audit = two_dates(NEW)
    errors = {(p.rule, p.column) for p in audit.errors}
    assert ("automated_decisions", "art6_basis") not in errors  # Arts 22A-22D allow it with the Art 22C safeguards
    assert ("codes_in_force", "mechanism") in errors
    assert [p for p in audit.problems if p.rule == "complaints_handling"]


def test_the_same_flow_is_an_adequacy_or_an_approval_transfer_by_date():
    assert "adequacy regulations" in transfers.assess("IN", "adequacy", on=OLD).message
    assert "approval regulations" in transfers.assess("IN", "adequacy", on=NEW).message


def test_legal_findings_are_rules_that_exist():
    assert set(rules.LEGAL_FINDINGS) <= set(rules.RULES)


def test_law_date_reads_the_audit_date_and_falls_back_to_today():
    assert vocab.law_date("2026-02-05") == dt.date(2026, 2, 5)
    assert vocab.law_date("2026-02-30") == dt.date.today()


# ---- found in review ---------------------------------------------------------------------------------


def test_an_audit_dated_before_the_uk_gdpr_is_one_clear_error(sample_copy):
    folder = _dated(sample_copy(), "2020-06-01")
    errors = [p for p in load(folder).errors]
    assert [(p.file, p.column) for p in errors] == [("audit.yaml", "audit_date")]
    assert "predates the UK GDPR" in errors[0].message
    assert "predates the UK GDPR" in transfers.assess("IN", "", on="2020-06-01").message


def test_official_authority_beside_an_art9_letter_is_a_message_not_a_crash(sample_copy):
    [problem] = _problems(_art9_activity(sample_copy(), "official_authority", "health", "9(2)(g)"), "schedule1_completes_art9")
    assert "Under the control of official authority" in problem.message


def test_a_flow_names_one_transfer_mechanism(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", "card payment details,not stated,not stated", "card payment details,IN,idta;art49_1_a")
    [problem] = _problems(folder, severity="error")
    assert problem.column == "mechanism" and "one code" in problem.message


def test_a_report_as_of_another_date_is_validated_under_that_date(sample_copy):
    folder = _activity(_dated(sample_copy(), NEW), art6_basis="6(1)(ea)", annex1_condition="annex1.5")
    with pytest.raises(AuditInvalid, match=r"6\(1\)\(ea\)"):
        build_report(folder, audit_date=OLD)
    old = build_report(sample_copy(), audit_date=OLD).body_html()
    assert "s.164A(3)" not in old and "1 November 2025" in old


def test_a_code_out_of_force_is_named_in_the_version_that_applied():
    assert "UK adequacy regulations (Art 45): in force only from 1 January 2021" in \
        vocab.get("transfer_mechanisms").not_in_force("adequacy", dt.date(2020, 6, 1))
    assert "Recognised legitimate interests (Art 6(1)(ea)): in force only from 5 February 2026" in \
        vocab.get("art6").not_in_force("6(1)(ea)", dt.date(2025, 11, 1))


def test_an_approved_destination_with_eu_clauses_alone_is_still_lawful():
    checked = transfers.assess("IE", "eu_sccs", on=NEW)
    assert checked.verdict == "ok" and "would not be valid alone" in checked.message


def test_storage_in_an_unnamed_eea_state_is_a_transfer_to_an_approved_destination():
    checked = transfers.assess("EEA", "", on=NEW)
    assert checked.restricted is True and checked.verdict == "ok" and "should name it" in checked.message


def test_an_ico_item_counts_a_wp248_criterion_met_by_another_fact_of_the_same_processing(sample_copy):
    result = screen(load(_only_activity(sample_copy(), techniques="web_tracking", subjects="website_visitor;service_user")))
    assert "ico_tracking" in result.met and result.required  # tracking people who are vulnerable: the same activity


def test_an_ico_item_does_not_count_a_wp248_criterion_met_only_by_another_activity(sample_copy):
    folder = _only_activity(sample_copy(), techniques="web_tracking")
    text = (folder / "activities.csv").read_text().splitlines()
    (folder / "activities.csv").write_text("\n".join([*text, text[1].replace("A2,", "A3,", 1).replace(",web_tracking,", ",cctv,")])
                                            + "\n")
    result = screen(load(folder))
    assert {"ico_tracking", "wp248_systematic_monitoring"} <= set(result.met) and not result.required
    path = folder / "audit.yaml"  # a screening answer speaks for the whole processing
    path.write_text(path.read_text().replace("screening: {}", "screening:\n  wp248_vulnerable: true"))
    assert screen(load(folder)).required


def test_location_tracking_alone_does_not_count_twice(sample_copy):
    result = screen(load(_only_activity(sample_copy(), techniques="location_tracking")))
    assert {"ico_tracking", "wp248_systematic_monitoring"} <= set(result.met) and not result.required


def test_the_forms_offer_the_new_columns_in_the_terms_of_the_audit_date(sample_copy):
    from dpia.widgets import FIELDS

    assert {"annex1_condition", "adm_safeguards"} <= {f.column for f in FIELDS["activities.csv"]}
    assert {"effect", "measure_approved", "due", "feared_event", "risk_sources"} <= {f.column for f in FIELDS["risks.csv"]}
