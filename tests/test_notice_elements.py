"""Each Article 13/14 element: wordings that must be recognised, and near misses that must not.

Saying "absent" correctly matters as much as "present": every element has negatives."""

import pytest

from dpia.notice import analyse

ELEMENTS = {
    "controller_identity": (
        ["Acme Homecare Ltd is the data controller for your information.",
         "We are Riverside Care Partnership. This notice explains what we do with your data.",
         "As the controller of your personal data, Bluebell Nursing is responsible for it."],
        ["We take your privacy seriously.", "Please read this notice carefully."]),
    "controller_contact": (
        ["Write to us at 10 High Street, Leeds LS1 4AB.", "Email privacy@acmecare.example.co.uk with any questions.",
         "Call our office on 0113 496 0123."],
        ["You can contact the ICO on 0303 123 1113.", "We will contact you if your care plan changes."]),
    "purposes": (
        ["We use your information to plan and deliver your care.",
         "Your details are used for billing and to improve our services.",
         "We collect your GP's details so that we can coordinate your treatment."],
        ["We are a care provider based in Kent.", "Your privacy is important to us."]),
    "recipients": (
        ["We share your care plan with your GP and the local authority.",
         "Your information may be disclosed to the police where the law requires.",
         "We use third-party suppliers to host our systems."],
        ["We keep your records in a locked cabinet.", "You can ask us for a copy of your records."]),
    "right_access": (
        ["You have the right of access to your personal data.", "You can make a subject access request at any time.",
         "You may request a copy of the information we hold about you."],
        ["We limit access to your personal information to staff who need it.",
         "Our website can be accessed from any device."]),
    "right_rectification": (
        ["You can ask us to correct inaccurate information.", "You have the right to rectification.",
         "If anything we hold is wrong, you can have it corrected."],
        ["We correct spelling in letters before sending them.", "Please tell us your correct address when you call."]),
    "right_erasure": (
        ["You have the right to erasure in some circumstances.", "You can ask us to delete your personal data.",
         "You may ask for your information to be erased."],
        ["You can delete cookies in your browser settings.", "Records are securely destroyed after 8 years."]),
    "right_restriction": (
        ["You can ask us to restrict processing of your data.", "You have the right to restrict how we use your data.",
         "You may request restriction of processing while we check accuracy."],
        ["Access to the building is restricted to staff.", "We restrict visiting hours during outbreaks."]),
    "right_portability": (
        ["You have the right to data portability.",
         "We will give you your data in a structured, commonly used and machine-readable format."],
        ["You can carry your care folder with you to appointments.", "Our office is portable-cabin free."]),
    "right_object": (
        ["You have the right to object to our processing.", "You can object at any time to direct marketing.",
         "You can unsubscribe from our newsletter at any time.", "Tell us if you no longer wish to receive marketing."],
        ["Residents may object to the choice of menu at meetings.", "We send a newsletter every month."]),
    "right_automated_decisions": (
        ["You have the right not to be subject to a decision based solely on automated processing.",
         "You have rights in relation to automated decision making and profiling."],
        ["We use automated backups every night.", "Your access request will tell you whether any automated decision making was used."]),
    "right_withdraw_consent": (
        ["You can withdraw your consent at any time.", "Where we rely on consent, it can be withdrawn by emailing us."],
        ["We ask for your consent before taking photographs.", "Consent forms are kept in your file."]),
    "right_complain": (
        ["You can complain to the Information Commissioner's Office.",
         "You have the right to lodge a complaint with a supervisory authority.",
         "If you are unhappy, you may raise a concern with the ICO at ico.org.uk."],
        ["If you want to complain about your care, speak to the manager.",
         "Read the guidance from the Information Commissioner on care records."]),
    "statutory_contractual_requirement": (
        ["If you do not provide this information, we cannot arrange your care.",
         "Without this information we will not be able to assess your needs.",
         "You are not required to provide your ethnicity.",
         "If you would like to join our day centre we will need to know your GP's name."],
        ["Please provide your details on the form.", "We require a deposit for respite stays.",
         "If you want to visit, we will need to arrange a time."]),
    "source_of_data": (
        ["We receive information about you from your GP and the hospital.",
         "Your social worker may share information with us when you are referred.",
         "We obtain details from the local authority that arranges your care.",
         "We may also collect information from other sources, such as relatives."],
        ["You give us your details when you enquire.", "We collect information when you fill in our form.",
         "You can tell us your preferences about receiving news from us and our partner charities."]),
    "cookies": (
        ["Our website uses cookies.", "We use Google Analytics to understand how visitors use the site."],
        ["We bake cakes for residents' birthdays.", "Our website has an accessibility statement."]),
}


def present(text: str, element: str) -> bool:
    return analyse(text, audit_date="2026-11-23").elements[element].present


@pytest.mark.parametrize("element,sentence", [(e, s) for e, (pos, _) in ELEMENTS.items() for s in pos])
def test_element_is_recognised(element, sentence):
    assert present(sentence, element), sentence


@pytest.mark.parametrize("element,sentence", [(e, s) for e, (_, neg) in ELEMENTS.items() for s in neg])
def test_element_is_not_seen_where_it_is_not(element, sentence):
    assert not present(sentence, element), sentence


def test_dpo_needs_a_named_officer_and_a_way_to_reach_them():
    assert present("Our Data Protection Officer can be reached at dpo@acme.example.com.", "dpo_contact")
    assert present("Contact our DPO, Jane Roe, on 020 7946 0000.", "dpo_contact")
    assert not present("Please contact the data protection officer of the service you use.", "dpo_contact")
    assert not present("Email us at info@acme.example.com.", "dpo_contact")


def test_lawful_basis_element_follows_the_bases_found():
    assert present("We process your data under Article 6(1)(b).", "lawful_basis")
    assert present("Your consent is our lawful basis for processing.", "lawful_basis")
    assert not present("We process your data lawfully and fairly.", "lawful_basis")


def test_legitimate_interests_applies_only_where_relied_on():
    described = analyse("We rely on legitimate interests, such as keeping our premises secure.")
    assert described.legitimate_interests_relied_on and described.elements["legitimate_interests"].present
    bare = analyse("Lawful basis: legitimate interests.")
    assert bare.legitimate_interests_relied_on and not bare.elements["legitimate_interests"].present
    absent = analyse("We rely on your consent.")
    assert not absent.legitimate_interests_relied_on and not absent.applicable("legitimate_interests")


def test_international_transfers_element():
    assert present("All data is stored in the UK.", "international_transfers")
    assert present("Some suppliers may access data from outside the UK.", "international_transfers")
    assert not present("We are an international charity working in many towns.", "international_transfers")


def test_retention_element():
    assert present("We keep your records for 8 years.", "retention")
    assert present("We keep data only as long as necessary.", "retention")
    assert not present("We keep you informed about changes to your care.", "retention")


def test_automated_decision_making_element():
    assert present("We do not carry out any automated decision-making.", "automated_decision_making")
    assert present("Our rota system uses a scoring tool to match carers.", "automated_decision_making")
    assert not present("You have the right not to be subject to automated decisions.", "automated_decision_making")
