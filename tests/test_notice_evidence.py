"""An element's first evidence item shows the element; a hidden email is no contact."""

import re
from pathlib import Path

import pytest

from dpia.notice import analyse
from dpia.notice.text import read_notice

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def first(text: str, element: str) -> str:
    evidence = analyse(text, audit_date="2026-12-02").elements[element].evidence
    return evidence[0].text if evidence else ""


@pytest.mark.parametrize("text, element, shown", [
    # a heading with nothing under it is not the evidence, the sentence under it is
    ("How long we keep your information\nWe keep care records for 8 years after your care ends.", "retention",
     "We keep care records for 8 years after your care ends."),
    ("Right of access\nYou have the right to ask for a copy of the information we hold about you.", "right_access",
     "You have the right to ask for a copy of the information we hold about you."),
    # an overview of the notice names every subject and shows none
    ("This policy explains what we collect, why and how we use it, who we share it with and how long we keep it.\n"
     "We share your care plan with your GP and the local authority.", "recipients",
     "We share your care plan with your GP and the local authority."),
    # the word "controller" in a lawful-basis citation is not the controller's identity
    ("Article 6(1)(e): processing is necessary for a task in the exercise of official authority vested in the controller.\n"
     "Acme Care Ltd is the data controller for your information.", "controller_identity",
     "Acme Care Ltd is the data controller for your information."),
    # an opt-out from research is not the right to object; objecting to marketing is
    ("Participants may opt out of the research at any time.\nYou have the right to object to direct marketing.",
     "right_object", "You have the right to object to direct marketing."),
    # a sentence about getting data from others is not the right of access
    ("Your rights\nWe obtain personal information about you from other sources.\n"
     "You can make a subject access request to see what we hold.", "right_access",
     "You can make a subject access request to see what we hold."),
    # a concrete period ranks before a general statement
    ("We keep data only as long as necessary. Care records are kept for 8 years.", "retention",
     "Care records are kept for 8 years."),
    # the list items under a lead-in are the purposes, not the lead-in
    ("How we use your information\nWe use the information you provide to:\n- Arrange your care visits\n- Send you invoices",
     "purposes", "Arrange your care visits"),
    # a right referred to inside a sentence about something else is a mention; the statement ranks first
    ("We will check who you are to protect your right of access before we reply.\n"
     "You can ask us for a copy of the records we keep about you.", "right_access",
     "You can ask us for a copy of the records we keep about you."),
    ("You may ask us to delete your records once you have exercised your right to object.\n"
     "You also have the right to object to our use of your data for fundraising.", "right_object",
     "You also have the right to object to our use of your data for fundraising."),
    ("We cannot always comply with your request for erasure.\nThis means you can ask us to erase your details.",
     "right_erasure", "This means you can ask us to erase your details."),
    # the strongest pattern a sentence meets ranks it, wherever in the sentence it is
    ("Cookies\nWe do not use Google Analytics and set no tracking cookies.\n"
     "If we add any marketing cookies later we will ask you first.", "cookies",
     "We do not use Google Analytics and set no tracking cookies."),
    # a heading about sharing frames the sentences under it, even in single-spaced text
    ("Who we share with:\n- Care planning\n- Reviews\nYour details are shared with the local council.\n"
     "We may share records with other providers.", "recipients", "Your details are shared with the local council."),
    # the organisation's own legal name shows who the controller is; a supplier's does not
    ("We, Acme Care, look after people at home.\nWe, Acme Care Limited, run this website.\n"
     "Our phone system is supplied by Callco Limited.", "controller_identity", "We, Acme Care Limited, run this website."),
])
def test_the_first_evidence_item_shows_the_element(text, element, shown):
    assert first(text, element) == shown


@pytest.mark.parametrize("hidden", ["[email\u00a0protected]", "[email protected]", "info [at] acme [dot] co [dot] uk",
                                    "info(at)acme.example.com", "info at acme dot co dot uk"])
def test_a_hidden_email_is_no_contact_and_the_notice_is_told_so(hidden):
    profile = analyse(f"Email us: {hidden}", audit_date="2026-12-02")
    assert not profile.elements["controller_contact"].present
    flagged = [f for f in profile.findings if f.code == "CONTACT_OBFUSCATED"]
    assert flagged and "no way to reach anyone" in flagged[0].message


def test_a_phone_number_beside_a_hidden_email_still_counts():
    profile = analyse("01474632888 - 07931481245 [email protected]", audit_date="2026-12-02")
    assert profile.elements["controller_contact"].present
    assert "01474632888" in profile.elements["controller_contact"].evidence[0].text
    assert "CONTACT_OBFUSCATED" in {f.code for f in profile.findings}


def test_the_ico_contact_details_are_not_the_controllers():
    text = "Email data@acme.example.co.uk, or complain to the Information Commissioner (ico.org.uk / 0303 123 1113)."
    evidence = analyse(text, audit_date="2026-12-02").elements["controller_contact"].evidence
    assert evidence and "data@acme.example.co.uk" in evidence[0].text
    assert not analyse("You can call the ICO on 0303 123 1113.").elements["controller_contact"].present


def test_to_in_a_phrase_such_as_in_relation_to_does_not_say_what_the_data_is_used_for():
    text = ("We hold a separate notice in relation to staff we employ, subject to their contracts.\n"
            "We use your details to arrange your care visits.")
    assert first(text, "purposes") == "We use your details to arrange your care visits."


def test_a_heading_about_the_purpose_of_the_notice_is_no_section_about_purposes():
    text = ("Purpose of this privacy notice\nWe collect information about you for the services described here.\n"
            "How we use your information\nYour information is used to arrange your visits.")
    assert first(text, "purposes") == "Your information is used to arrange your visits."


# ---- the first item proves the element as a client reading the report would judge it ----------

def test_a_dpo_heading_over_an_address_takes_in_the_address_lines_one_a_paragraph():
    text = ("Data Protection Officer\n\nThe Operations Director\n\nAcme Care\n\nMill Road\n\nCardiff\n\nCF10 1AA\n\n"
            "dpo@acme.example.co.uk\n\nChanges to this notice\n\nWe may change this notice.")
    shown = first(text, "dpo_contact")
    assert shown.startswith("Data Protection Officer") and shown.endswith("dpo@acme.example.co.uk")
    assert "CF10 1AA" in shown and "Changes" not in shown


def test_a_dpo_lead_in_takes_in_the_list_of_ways_to_reach_them():
    text = ("Please contact our Data Protection Officer by:\n\n- Writing to Acme Care, 1 Mill Road, Leeds, LS1 4AP\n\n"
            "- Calling us on 0113 496 0000\n\n- Emailing dpo@acme.example.co.uk\n\nHow we collect information")
    shown = first(text, "dpo_contact")
    assert "LS1 4AP" in shown and "0113 496 0000" in shown and "dpo@acme.example.co.uk" in shown
    assert "How we collect" not in shown


def test_a_dpo_named_with_no_way_to_reach_them_is_shown_by_the_controllers_contact_then_the_mention():
    text = ("Acme Care, 01132 496000\n\nWe look after people in their own homes across Leeds.\n\n"
            "We have appointed a Data Protection Officer who oversees questions about this notice.")
    evidence = analyse(text, audit_date="2026-12-02").elements["dpo_contact"].evidence
    assert "01132 496000" in evidence[0].text
    assert any("Data Protection Officer" in e.text for e in evidence[1:])


def test_a_dpo_line_closing_a_block_of_contact_details_is_quoted_with_the_details_above_it():
    text = ("Contact us about privacy\n\nIf you have questions, please contact us:\n\n07368 195705\n\n"
            "info@acme.example.co.uk\n\nMill House, Woods Road\n\nChelmsford, CM3 1LJ\n\n"
            "Data Protection Officer: available upon request\n\nPolicy updates")
    shown = first(text, "dpo_contact")
    assert shown.startswith("If you have questions, please contact us:")
    assert shown.endswith("Data Protection Officer: available upon request")


def test_a_dpo_mention_with_contact_data_ranks_before_one_without():
    text = ("Our Data Protection Officer oversees this notice.\n\n"
            "You can write to our Data Protection Officer at dpo@acme.example.co.uk.")
    assert first(text, "dpo_contact") == "You can write to our Data Protection Officer at dpo@acme.example.co.uk."


def test_a_hidden_email_at_the_end_of_a_contact_passage_is_left_out_of_the_quote():
    evidence = analyse("01474632888 - 07931481245 [email protected]", audit_date="2026-12-02").elements["controller_contact"].evidence
    assert evidence[0].text == "01474632888 - 07931481245"


def test_a_contact_passage_without_a_hidden_email_ranks_before_one_with_it():
    text = ("Contact us\nEmail [email protected] or call 01132 496000.\nCall 01132 496111 or write to 1 Mill Road, LS1 4AP.")
    assert first(text, "controller_contact") == "Call 01132 496111 or write to 1 Mill Road, LS1 4AP."


def test_write_to_us_at_takes_in_the_address_lines_under_it():
    text = "Contact us\nPlease write to us at:\nAcme Care\n1 Mill Road\nLeeds LS1 4AP\n\nYour rights"
    shown = first(text, "controller_contact")
    assert shown.startswith("Please write to us at:") and shown.endswith("Leeds LS1 4AP")


def test_an_email_address_ending_a_sentence_without_its_full_stop_ends_the_quote():
    text = ("Find out more on our website or by emailing info@acme.example.co.uk Your rights apply to all the data "
            "we hold about you")
    assert first(text, "controller_contact") == \
        "Find out more on our website or by emailing info@acme.example.co.uk"


def test_the_controllers_identity_is_shown_by_a_sentence_that_names_the_organisation():
    text = ("Acme Care Group is committed to your privacy.\n\nWe are the Data Controller.\n\n"
            "Contact us at info@acme.example.co.uk.")
    assert first(text, "controller_identity") == "Acme Care Group is committed to your privacy."


def test_a_statement_that_we_are_the_controller_runs_to_the_sentence_of_its_paragraph_that_names_us():
    text = ("Acme Care Group Privacy Notice\n\n"
            "We are the Data Controller. This means we decide how your data is used. It is seen by Acme Care Group staff.")
    assert first(text, "controller_identity") == ("We are the Data Controller. This means we decide how your data is used. "
                                                  "It is seen by Acme Care Group staff.")


def test_a_company_number_names_the_controller():
    text = ("Acme Care Group looks after you.\n\nWe are the data controller (company number 01234567).")
    assert first(text, "controller_identity") == "We are the data controller (company number 01234567)."


def test_a_complaint_passage_naming_the_information_commissioner_ranks_before_an_eu_supervisory_authority():
    text = ("You may lodge a complaint with a supervisory authority, in particular in the EU state where you live. "
            "The supervisory authority in the UK is the Information Commissioner, at ico.org.uk.")
    assert first(text, "right_complain") == "The supervisory authority in the UK is the Information Commissioner, at ico.org.uk."


def test_a_right_in_a_bracketed_aside_ranks_after_a_statement_of_it():
    text = ("We send newsletters by post (you can tell us at any time if you no longer want marketing communications).\n"
            "You have the right to object to our use of your data.")
    assert first(text, "right_object") == "You have the right to object to our use of your data."


def test_a_right_shown_only_in_a_bracketed_aside_is_quoted_as_that_aside():
    text = "We send newsletters by post (you can tell us at any time if you no longer want marketing communications)."
    assert first(text, "right_object") == "(you can tell us at any time if you no longer want marketing communications)"


@pytest.mark.parametrize("lead", ["which include;", "which include:"])
def test_a_lead_in_ending_in_a_colon_or_an_introducing_semicolon_takes_in_the_list_under_it(lead):
    text = (f"- Article 6(1)(f) - our legitimate interests, {lead}\n"
            " - Marketing our services to people who asked about them\n"
            " - Developing our services\n\nInternational transfers")
    shown = first(text, "legitimate_interests")
    assert shown.endswith("Developing our services") and "International" not in shown


def test_a_list_item_ending_in_a_semicolon_does_not_take_in_its_sibling_items():
    from dpia.notice.document import Document

    doc = Document("You have these rights:\n- the right of access;\n- the right to object;\n- the right to erasure.")
    index = next(i for i in range(len(doc.segs)) if doc.sentence(i) == "the right of access;")
    assert doc.list_end(index) == doc.segs.items[index].end


def test_a_vague_retention_finding_quotes_the_notices_own_words_from_its_evidence():
    profile = analyse("How long we keep information\nYour enquiry stays on our system until it is resolved.",
                      audit_date="2026-12-02")
    finding = next(f for f in profile.findings if f.code == "RETENTION_VAGUE")
    assert "('until it is resolved')" in finding.message
    assert "until it is resolved" in finding.evidence[0].text


def test_special_category_evidence_is_where_the_provider_says_it_holds_the_data():
    text = ("Our aim is to improve the wellbeing of people with mental health needs.\n"
            "We may collect information about your health to support you.")
    profile = analyse(text, audit_date="2026-12-02")
    finding = next(f for f in profile.findings if f.code == "SPECIAL_CATEGORY_NO_ART9")
    assert [e.text for e in finding.evidence] == ["We may collect information about your health to support you."]


CONTACT_DATA = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:\+44\s?|\(?0)\d{2,4}\)?[ -]?\d{3,4}[ -]?\d{3,4}"
                          r"|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b|\b(?:https?://|www\.)\S+")


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()))
def test_the_first_evidence_item_of_each_sample_contact_element_holds_real_contact_data(sample):
    profile = analyse(read_notice(next((SAMPLES / sample).glob("notice.*"))), audit_date="2026-12-02")
    for element in ("controller_contact", "dpo_contact"):
        if not profile.elements[element].present:
            continue
        shown = profile.elements[element].evidence[0].text
        real = [m.group() for m in CONTACT_DATA.finditer(shown) if "protected" not in m.group().lower()]
        assert real, f"{sample} {element}: {shown!r} holds no contact data"
