"""An element's first evidence item shows the element; a hidden email is no contact."""

import pytest

from dpia.notice import analyse


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
