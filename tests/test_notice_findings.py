"""Lawful bases, special categories, transfers, retention, dates, and every finding: raised and not."""

import pytest

from dpia.notice import analyse


def profile(text, date="2026-11-23"):
    return analyse(text, audit_date=date)


def codes(text, date="2026-11-23"):
    return {f.code for f in profile(text, date).findings}


# ---- lawful bases --------------------------------------------------------------------------


@pytest.mark.parametrize("text,letters", [
    ("We process your data under Article 6(1)(b) of the UK GDPR.", ["b"]),
    ("Lawful basis: 6 (1) (e) and Art. 6(1)(c).", ["c", "e"]),
    ("Article 6.1(f) applies to our CCTV.", ["f"]),
    ("Your consent is our lawful basis for processing enquiries.", ["a"]),
    ("Processing is necessary for the performance of a contract with you.", ["b"]),
    ("We rely on legitimate interests to keep our premises secure.", ["f"]),
    ("Our lawful basis\nWe use your data because we need it to fulfil our contract with you, "
     "and because of a legal obligation.", ["b", "c"]),
    ("We need to protect your vital interests in an emergency.", ["d"]),
    ("We perform a public task as a commissioned NHS provider.", ["e"]),
])
def test_art6_bases_by_article_or_by_name(text, letters):
    assert profile(text).art6 == letters


@pytest.mark.parametrize("text", [
    "We ask for your consent before taking photographs.",  # consent, but not stated as a basis
    "We will tell you about changes to your contract.",
    "You can object where we rely on legitimate interests.",  # a right, not a basis relied on
    "We meet our legitimate interests by protecting staff.",
])
def test_names_outside_a_statement_of_basis_are_not_bases(text):
    assert profile(text).art6 == []


def test_art9_by_article_and_by_statutory_wording():
    assert profile("We rely on Article 9(2)(h) and Art. 9(2)(a).").art9 == ["a", "h"]
    assert profile("With your explicit consent we record your religion.").art9 == ["a"]
    # conditions in plain words count where the sentence is about special category data
    assert profile("We may use special category data where necessary for legal cases.").art9 == ["f"]
    assert profile("We may use your data where necessary for legal cases.").art9 == []
    # explicit consent to a disclosure is consent to share, not the Art 9 condition
    assert profile("With your explicit consent, I may disclose your information to your GP.").art9 == []
    # ...and so is explicit consent asked for before doing what the sentence before describes
    assert profile("We never share your details with other charities for fundraising. "
                   "Should we wish to, we would ask for your explicit consent before doing so.").art9 == []
    assert profile("We hold notes about your health. We ask for your explicit consent to do so.").art9 == ["a"]


def test_article_49_is_not_read_as_article_9():
    assert profile("This transfer is under Article 49(1)(b).").art9 == []


def test_schedule1_citation():
    assert profile("We rely on DPA 2018 Schedule 1, Part 1, paragraph 2.").dpa2018_schedule1
    assert profile("Sch1,Part 1-Health or social care").dpa2018_schedule1
    assert not profile("We rely on Article 9(2)(h).").dpa2018_schedule1


# ---- special categories --------------------------------------------------------------------


@pytest.mark.parametrize("text,category", [
    ("We record your ethnicity for monitoring.", "racial_ethnic_origin"),
    ("Your care plan includes your medical conditions.", "health"),
    ("We note any mental health needs.", "health"),
    ("We ask about your religion so we can respect your faith.", "religious_beliefs"),
    ("We record your sexuality if you tell us.", "sexual_orientation"),
    ("Staff must have a DBS check and we record criminal convictions.", "criminal_offence"),
    ("Before you start we ask for your PVG scheme record.", "criminal_offence"),
    ("Staff in Northern Ireland need an AccessNI check.", "criminal_offence"),
    ("Fingerprint readers use biometric data.", "biometric"),
    ("We hold genetic test results.", "genetic"),
    ("Information about your trade union membership.", "trade_union"),
    ("We record your political opinions only if relevant.", "political_opinions"),
    ("Information about your sex life is held only where relevant.", "sex_life"),
])
def test_special_categories(text, category):
    assert category in profile(text).special_categories


@pytest.mark.parametrize("text", [
    "We record your sex and gender.", "Harmony Care Services helps people at home.",
    "We share data with health professionals and the NHS.", "We work with health authorities.",
    "We do not collect biometric data.",
])
def test_words_that_are_not_special_categories(text):
    assert profile(text).special_categories == []


# ---- transfers -----------------------------------------------------------------------------


def test_transfers_stay_in_uk():
    p = profile("All personal data is stored on servers in the UK.")
    assert p.transfer_status == "uk_eea_only" and p.transfer_countries == []


def test_transfers_outside_with_mechanism_and_country():
    p = profile("Our payroll provider is based in India. Transfers are covered by the International Data Transfer "
                "Agreement and standard contractual clauses with the UK Addendum.")
    assert p.transfer_status == "outside_uk_eea"
    assert p.transfer_countries == ["IN"] and p.transfer_mechanisms == ["idta", "sccs", "uk_addendum"]


def test_negated_transfer_is_uk_only():
    assert profile("We do not transfer your data outside the UK.").transfer_status == "uk_eea_only"


def test_northern_ireland_is_not_ireland():
    p = profile("Our office in Northern Ireland stores your records.")
    assert "IE" not in p.transfer_countries


def test_nothing_about_transfers():
    assert profile("We keep your records safe.").transfer_status == "not_stated"


# ---- retention -----------------------------------------------------------------------------


def test_specific_retention_and_its_periods():
    p = profile("We keep care records for 8 years after your care ends. Enquiries are deleted after 12 months.")
    assert p.retention_status == "specific"
    assert p.retention_periods == ["8 years after your care ends", "12 months"]


def test_response_deadlines_are_not_retention():
    p = profile("We will respond within one month. We hold your data as long as necessary.")
    assert p.retention_status == "vague" and p.retention_periods == []


def test_no_retention():
    assert profile("We use your data to provide care.").retention_status == "none"


# ---- dates and organisation ----------------------------------------------------------------


@pytest.mark.parametrize("text,date", [
    ("Last reviewed 04/01/2023 by the manager.", "2023-01-04"),
    ("This notice was last updated on April 25th 2019.", "2019-04-25"),
    ("Last updated: 2025-02-14", "2025-02-14"),
    ("Effective from 1 June 2022.", "2022-06-01"),
    ("Updated March 2024", "2024-03-01"),
])
def test_last_updated_dates(text, date):
    assert profile(text).last_updated == date


def test_a_date_without_a_review_keyword_is_not_the_review_date():
    assert profile("On the 25th May 2018 the law changed.").last_updated is None


@pytest.mark.parametrize("text,name", [
    ("We are Case Management Cymru Ltd. We help people.", "Case Management Cymru Ltd"),
    ("Oakwood Surgery Privacy Notice\nWe care.", "Oakwood Surgery"),
    ("BEST2CARE is a domiciliary care provider.", "BEST2CARE"),
    ("This policy outlines how Harmony Care Services (\u201cHCS\u201d) uses data.", "Harmony Care Services"),
])
def test_organisation(text, name):
    assert profile(text).organisation == name


# ---- findings ------------------------------------------------------------------------------

FINDINGS = {
    "ART6_LABEL_MISMATCH": ("6 (1) (e) Contract", "Article 6(1)(b) \u2013 necessary for the performance of our contract"),
    "SPECIAL_CATEGORY_NO_ART9": ("We hold information about your physical health.",
                                 "We hold information about your health under Article 9(2)(h)."),
    "RETENTION_MISSING": ("We use your data to provide care.", "We keep records for 6 years."),
    "RETENTION_VAGUE": ("We keep your data only as long as necessary.", "We keep records for 6 years."),
    "TRANSFER_DEROGATION_RELIANCE": ("Transfers outside the UK rely on Article 49(1)(a) explicit consent.",
                                     "Transfers outside the UK rely on the IDTA."),
    "OUTDATED_LAW": ("We comply with the Data Protection Act 1998.",
                     "We comply with the UK GDPR and the Data Protection Act 2018."),
    "DPO_CONTACT_MISSING": ("Email us at info@acme.example.com.", "Our DPO can be emailed at dpo@acme.example.com."),
    "COMPLAINT_RIGHT_MISSING": ("Tell us if you are unhappy.", "You can complain to the ICO."),
    "RIGHTS_INCOMPLETE": ("You have the right of access.",
                          "You have rights of access, rectification, erasure, restriction, portability and the right to object."),
    "TRANSFER_DESTINATIONS_UNNAMED": ("Some data is processed outside the UK.",
                                      "Some data is processed outside the UK, in the United States."),
    "TRANSFER_STATEMENT_CONTRADICTION": ("All data is stored in the UK. Some data is transferred outside the UK.",
                                         "Data is stored in the UK. Some data is transferred outside the UK."),
    "ART9H_NO_SCHEDULE1": ("We rely on Article 9(2)(h).", "We rely on Article 9(2)(h) and DPA 2018 Schedule 1."),
    "NO_REVIEW_DATE": ("We care about privacy.", "Last updated: 1 June 2026."),
    "TRANSFERS_NOT_ADDRESSED": ("We care about privacy.", "All data stays in the UK."),
    "REGULATOR_LINK_INVALID": ("Complain to the ICO at www.ico.co.uk.", "Complain to the ICO at www.ico.org.uk."),
    "MARKETING_ON_LEGITIMATE_INTERESTS": ("We rely on legitimate interests, which include:\n\u2022 direct marketing by email",
                                          "We rely on legitimate interests, which include:\n\u2022 fraud prevention"),
    "AUTOMATED_DECISIONS_PRESENT": ("Our care planning system uses a scoring tool to set care hours.",
                                    "We do not use automated decision-making."),
}


@pytest.mark.parametrize("code", FINDINGS)
def test_finding_is_raised(code):
    assert code in codes(FINDINGS[code][0])


@pytest.mark.parametrize("code", FINDINGS)
def test_finding_is_not_raised(code):
    assert code not in codes(FINDINGS[code][1])


def test_stale_notice_depends_on_the_audit_date():
    text = "Last updated: 1 January 2024."
    assert "STALE_NOTICE" in codes(text, "2026-11-23")
    assert "STALE_NOTICE" not in codes(text, "2025-06-01")


def test_eu_gdpr_presented_as_uk_law_is_outdated():
    assert "OUTDATED_LAW" in codes("The General Data Protection Regulation, which applies across the European Union, "
                                   "governs how we handle data.")
    # a URL mentioning the GDPR is not the notice relying on it
    assert "OUTDATED_LAW" not in codes("See https://ico.org.uk/guide-to-the-general-data-protection-regulation-gdpr/ "
                                       "in the European Union.")


def test_findings_come_high_first_with_messages_and_evidence():
    p = profile("We hold information about your health. Article 6(1)(e) Contract.")
    severities = [f.severity for f in p.findings]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)
    mismatch = next(f for f in p.findings if f.code == "ART6_LABEL_MISMATCH")
    assert "6(1)(e)" in mismatch.message and mismatch.evidence[0].text == "Article 6(1)(e) Contract"
