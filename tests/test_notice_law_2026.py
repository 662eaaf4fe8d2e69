"""What a notice must say under the law in force on the audit date (shared/reviews/LAW-2026.md).

Each test is named after the LAW-2026 item it checks; each failed on the analyser of contract
version 1 (before the Data (Use and Access) Act 2025 changes were applied)."""

import pytest

from dpia.notice import analyse, rules


def codes(text: str, date: str = "2026-12-02") -> set[str]:
    return {f.code for f in analyse(text, audit_date=date).findings}


def finding(text: str, code: str, date: str = "2026-12-02"):
    return next(f for f in analyse(text, audit_date=date).findings if f.code == code)


SCORED = ("A number of our care assessment systems employ a scoring system to set the hours of care. "
          "However, in all cases, human intervention is required when deciding on the care to be provided.")
AUTOMATIC = "Our care planning system uses a scoring tool that sets your care hours automatically."


def test_law19_scoring_reviewed_by_a_person_is_not_an_automated_decision():
    profile = analyse(SCORED, audit_date="2026-12-02")
    assert profile.automated_decision_making == "described"  # the notice does say it scores
    assert "AUTOMATED_DECISIONS_PRESENT" not in codes(SCORED)


def test_law19_profiling_with_no_decision_about_the_person_is_not_an_automated_decision():
    text = ("We sometimes use profiling and screening methods to understand our supporters better. "
            "We do not currently carry out any automated decision-making.")
    assert "AUTOMATED_DECISIONS_PRESENT" not in codes(text)


def test_law19_solely_automated_decisions_cite_art_22_before_and_arts_22a_to_22d_from_5_february_2026():
    assert "Art 22 restrictions" in finding(AUTOMATIC, "AUTOMATED_DECISIONS_PRESENT", "2025-11-01").message
    after = finding(AUTOMATIC, "AUTOMATED_DECISIONS_PRESENT", "2026-02-05").message
    assert "Art 22A-22D" in after and "Art 22C" in after


def test_law21_a_complaint_to_the_organisation_is_its_own_element():
    text = "If you have a concern about how we use your information, please contact our office at hello@acme.example.com."
    profile = analyse(text, audit_date="2026-12-02")
    assert profile.elements["right_complain_controller"].present
    assert not profile.elements["right_complain"].present


def test_law21_a_complaint_to_the_ico_is_not_a_complaint_to_the_controller():
    text = "If you are unhappy with how we have handled your information you can complain to the ICO at ico.org.uk."
    profile = analyse(text, audit_date="2026-12-02")
    assert profile.elements["right_complain"].present
    assert not profile.elements["right_complain_controller"].present


def test_law21_controller_complaints_are_required_only_from_19_june_2026():
    text = "You can complain to the Information Commissioner's Office."
    assert "CONTROLLER_COMPLAINTS_MISSING" not in codes(text, "2026-06-18")
    assert "CONTROLLER_COMPLAINTS_MISSING" in codes(text, "2026-06-19")
    before = analyse(text, audit_date="2026-06-18")
    assert not before.applicable("right_complain_controller")


def test_law21_the_complaint_to_the_ico_is_under_section_165_from_19_june_2026():
    assert "s.165" not in finding("We care.", "COMPLAINT_RIGHT_MISSING", "2026-06-18").message
    assert "DPA 2018 s.165" in finding("We care.", "COMPLAINT_RIGHT_MISSING", "2026-06-19").message


@pytest.mark.parametrize("role", ["Caldicott Guardian", "Senior Information Risk Owner", "Information Governance Lead",
                                  "privacy lead"])
def test_law22_a_caldicott_guardian_siro_or_ig_lead_alone_is_not_a_dpo(role):
    text = f"Our {role} is Dr Jane Roe. You can email her at jane.roe@acme.example.com."
    assert not analyse(text, audit_date="2026-12-02").elements["dpo_contact"].present
    assert "DPO_CONTACT_MISSING" in codes(text)


def test_law22_a_named_dpo_with_a_way_to_reach_them_is_a_dpo_contact():
    text = "Our Data Protection Officer is Dr Jane Roe. You can email her at dpo@acme.example.com."
    assert analyse(text, audit_date="2026-12-02").elements["dpo_contact"].present


def test_law23_silence_on_transfers_is_a_gap_only_where_data_is_transferred():
    message = finding("We care.", "TRANSFERS_NOT_ADDRESSED").message
    assert "where data is transferred" in message


def test_law24_withdrawal_of_consent_is_expected_only_where_consent_is_relied_on():
    contract = analyse("We process your data under Article 6(1)(b).", audit_date="2026-12-02")
    assert not contract.applicable("right_withdraw_consent")
    consent = analyse("Your consent is our lawful basis for processing.", audit_date="2026-12-02")
    assert consent.applicable("right_withdraw_consent")


def test_law24_sources_are_an_art14_element_and_cookies_a_pecr_one():
    own = analyse("All the personal information we hold about you is provided by you.", audit_date="2026-12-02")
    assert not own.applicable("source_of_data")
    assert analyse("We care for you.", audit_date="2026-12-02").applicable("source_of_data")
    cookies = analyse("Our website uses cookies.", audit_date="2026-12-02")
    assert cookies.elements["cookies"].present and not cookies.applicable("cookies")


def test_law24_element_descriptions_cite_art14_beside_art13():
    elements = rules.elements()
    assert "14(2)(e)" in elements["right_complain"].article
    assert "14(2)(d)" in elements["right_withdraw_consent"].article
    assert "14(2)(g)" in elements["right_automated_decisions"].article
    assert "14(2)(b)" in elements["legitimate_interests"].article
    assert "Art 14" in elements["source_of_data"].article and "14" not in elements["statutory_contractual_requirement"].article
    assert "PECR" in elements["cookies"].article


def test_law25_postal_marketing_on_legitimate_interests_is_no_gap():
    text = ("Some examples of where we rely on legitimate interests are where we contact you about our work via post. "
            "Marketing: we will only contact you by email if you have agreed to it.")
    assert "MARKETING_ON_LEGITIMATE_INTERESTS" not in codes(text)


def test_law25_email_marketing_on_legitimate_interests_without_consent_or_soft_opt_in_is_raised():
    text = "We rely on legitimate interests, which include:\n\u2022 direct marketing by email"
    assert "MARKETING_ON_LEGITIMATE_INTERESTS" in codes(text)
    assert "Art 6(11)(a)" in finding(text, "MARKETING_ON_LEGITIMATE_INTERESTS").message


def test_law14_servers_in_ireland_are_a_transfer_to_the_eea_not_silence():
    profile = analyse("Your records are stored on servers in Ireland.", audit_date="2026-12-02")
    assert profile.transfer_status == "uk_eea_only" and profile.transfer_countries == ["IE"]
    assert profile.elements["international_transfers"].present


def test_law14_eea_destinations_are_named_beside_others():
    profile = analyse("Our supplier hosts data in the United States and Ireland.", audit_date="2026-12-02")
    assert profile.transfer_status == "outside_uk_eea" and profile.transfer_countries == ["IE", "US"]


@pytest.mark.parametrize("text", ["We rely on Article 6(1)(ea) to safeguard vulnerable adults.",
                                  "We share concerns with the local authority on the basis of recognised legitimate interests."])
def test_law26_art6_1_ea_recognised_legitimate_interests_is_read(text):
    assert analyse(text, audit_date="2026-12-02").art6 == ["ea"]


@pytest.mark.parametrize(("date", "cited"), [("2026-02-04", "Art 22"), ("2026-02-05", "Arts 22A-22D")])
def test_law19_analyse_cites_the_automated_decision_articles_in_force_on_its_audit_date(date, cited):
    from dpia.notice.render import checklist, to_text

    profile = analyse(AUTOMATIC, audit_date=date)
    for key in ("right_automated_decisions", "automated_decision_making"):
        assert rules.elements()[key].article_on(date) == f"Art 13(2)(f), 14(2)(g); {cited}"
    text = to_text(profile)
    assert f"(Art 13(2)(f), 14(2)(g); {cited})" in text and "from 5 February" not in text
    assert f"Rights about automated decision-making (Art 13(2)(f), 14(2)(g); {cited})" in set(checklist(profile).Element)
