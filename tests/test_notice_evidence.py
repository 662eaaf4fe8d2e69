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
