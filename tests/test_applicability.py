"""Which Art 13/14 elements apply: one answer, from the audit where there is one, for the report and the comparison."""

import re

import pytest
from conftest import SAMPLE_SLUGS, SAMPLES, edit_csv
from test_law_2026 import NEW, OLD, _activity, _dated

from dpia import applicability
from dpia.audit import load
from dpia.compare import compare, counted_findings
from dpia.notice import analyse, read_notice
from dpia.report import build_report


@pytest.fixture(scope="module")
def samples():
    return compare([SAMPLES / s for s in SAMPLE_SLUGS])


def _applies(folder):
    audit = load(folder)
    notice = read_notice(audit.notice_path())
    profile = analyse(notice, source=notice.source, audit_date=str(audit.meta["audit_date"]))
    return profile, applicability.elements(profile, applicability.facts(audit))


def _checklist(report):
    rows = report.section("necessity").part("checklist").frame
    return {re.sub(r" \(.*", "", e): mark for e, mark in zip(rows["Element"], rows[""])}


@pytest.mark.parametrize("slug", ["best2care", "case-management-cymru", "harmony-community-care"])
def test_the_report_checklist_and_the_comparison_mark_every_element_alike_and_count_the_same_items(samples, slug):
    report = build_report(SAMPLES / slug)
    provider = next(p for p in samples.providers if p.source == str(SAMPLES / slug))
    assert _checklist(report) == {k: v for k, v in samples.matrices["elements"][provider.name].items() if k != "Elements present"}
    row = samples.scores.set_index("Provider").loc[provider.name]
    sentence = report.section("necessity").part("notice").text
    assert f"covers {row.Present} of the {row.Applicable} items that apply" in sentence


def test_withdrawal_of_consent_applies_where_the_audit_records_consent_though_the_notice_claims_none():
    profile, applies = _applies(SAMPLES / "best2care")
    assert profile.not_applicable_because("right_withdraw_consent")  # the notice never claims consent...
    assert applies["right_withdraw_consent"].applies  # ...but A8 and A9 rest on 6(1)(a)


def test_withdrawal_of_consent_applies_where_only_the_notice_claims_consent():
    profile, applies = _applies(SAMPLES / "case-management-cymru")
    assert profile.consent_relied_on and not applicability.facts(load(SAMPLES / "case-management-cymru")).consent
    assert applies["right_withdraw_consent"].applies  # people told they consent must be told they may withdraw
    assert not profile.elements["right_withdraw_consent"].present


def test_withdrawal_of_consent_does_not_apply_where_neither_the_audit_nor_the_notice_relies_on_consent(sample_copy):
    folder = sample_copy("optimise-healthcare")
    edit_csv(folder / "activities.csv", "website_visitor;service_user,6(1)(a),", "website_visitor;service_user,6(1)(f),")
    profile, applies = _applies(folder)
    assert not profile.consent_relied_on and not applicability.facts(load(folder)).consent
    assert applies["right_withdraw_consent"].because == "neither the audit nor the notice relies on consent"


def test_source_of_data_applies_where_people_give_data_about_others(sample_copy):
    _, applies = _applies(SAMPLES / "harmony-community-care")
    assert applies["source_of_data"].applies  # an enquirer or a relative describes the person who needs care
    folder = sample_copy("harmony-community-care")
    edit_csv(folder / "activities.csv", "A1,Care enquiries,Respond to enquiries and source an appropriate care package,"
             "enquirer;service_user,", "A1,Care enquiries,Respond to enquiries and source an appropriate care package,enquirer,")
    edit_csv(folder / "activities.csv", "health,enquirer;relative,", "health,enquirer,")
    assert not _applies(folder)[1]["source_of_data"].applies  # every activity's data comes from the people it is about


def test_automated_decision_items_apply_only_where_the_audit_records_a_solely_automated_significant_decision(sample_copy):
    profile, applies = _applies(SAMPLES / "best2care")
    assert profile.automated_decision_making == "described"  # its notice describes scoring...
    assert not applies["automated_decision_making"].applies and not applies["right_automated_decisions"].applies
    assert "Arts 22A-22D" in applies["right_automated_decisions"].because
    folder = _activity(sample_copy(), techniques="automated_decision",
                       adm_safeguards="human_intervention;representations;contest;information")
    _, applies = _applies(folder)
    assert applies["automated_decision_making"].applies and applies["right_automated_decisions"].applies


def test_the_automated_decision_citation_is_the_one_in_force_on_the_audit_date(sample_copy):
    new = applicability.article("right_automated_decisions", NEW)
    old = applicability.article("right_automated_decisions", OLD)
    assert new.endswith("Arts 22A-22D") and "Art 22 " not in new and "from 5 February" not in new
    assert old.endswith("Art 22") and "22A" not in old
    assert "(Art 13(2)(f), 14(2)(g); Art 22)" in build_report(_dated(sample_copy(), OLD)).section("necessity").part("checklist").html()


def test_transfers_apply_only_where_a_flow_is_known_to_leave_the_uk(sample_copy):
    folder = sample_copy("optimise-healthcare")
    because = _applies(folder)[1]["international_transfers"].because  # two processors at locations not stated
    assert because == "no flow is known to leave the UK; where 2 recipients hold the data is to be confirmed"
    flows = (folder / "flows.csv").read_text()
    (folder / "flows.csv").write_text(flows.replace(",not stated,not stated,", ",GB,,"))
    assert _applies(folder)[1]["international_transfers"].because == "the audit records no data sent outside the UK"
    (folder / "flows.csv").write_text(flows.replace(",not stated,not stated,", ",US,idta,", 1))
    assert _applies(folder)[1]["international_transfers"].applies


def test_a_notice_alone_decides_where_there_is_no_audit():
    notice = read_notice(SAMPLES / "best2care" / "notice.txt")
    profile = analyse(notice, source=notice.source, audit_date=NEW)
    applies = applicability.elements(profile)
    assert not applies["right_withdraw_consent"].applies  # the notice claims no consent
    assert applies["international_transfers"].applies  # where the data goes is not known
    adm = "AUTOMATED_DECISIONS_PRESENT" in {f.code for f in profile.findings}
    assert applies["automated_decision_making"].applies == adm
    assert applicability.coverage(profile, applies)[1] == sum(a.applies for a in applies.values())


def test_the_reason_an_element_is_not_counted_is_never_cut_short():
    profile, applies = _applies(SAMPLES / "best2care")
    rows = applicability.checklist(profile, applies, width=40).set_index("Element")["What the notice says"]
    adm = next(v for k, v in rows.items() if k.startswith("Existence of automated decision-making"))
    assert adm.endswith("(not counted: the audit records no solely automated significant decision (Arts 22A-22D))")


@pytest.mark.parametrize(("dpo", "designated"), [("none designated", False), ("No DPO: not required (Art 37)", False),
                                                 ("not stated", None), ("", None), ("Jo Bloggs, DPO", True),
                                                 ("draft: the notice says none", None)])
def test_whether_a_dpo_is_designated_is_read_from_the_audit(dpo, designated):
    assert applicability.dpo_designated({"controller": {"dpo": dpo}}) is designated


def test_dpo_contact_applies_only_where_a_dpo_is_designated_and_its_finding_then_costs_no_score(sample_copy):
    folder = sample_copy("optimise-healthcare")
    profile, before = _applies(folder)
    assert before["dpo_contact"].applies and not profile.elements["dpo_contact"].present
    text = (folder / "audit.yaml").read_text(encoding="utf-8")
    (folder / "audit.yaml").write_text(text.replace("  dpo: not stated", "  dpo: none designated"), encoding="utf-8")
    _, after = _applies(folder)
    assert not after["dpo_contact"].applies and "no DPO is designated" in after["dpo_contact"].because
    assert _checklist(build_report(folder))["Contact details of the data protection officer"] == "n/a"
    [provider] = compare([folder]).providers
    assert "DPO_CONTACT_MISSING" in {f.code for f in provider.profile.findings}
    assert "DPO_CONTACT_MISSING" not in {f.code for f in counted_findings(provider)}


def _says(slug: str) -> dict[str, str]:
    rows = build_report(SAMPLES / slug).section("necessity").part("checklist").frame
    return {re.sub(r" \(.*", "", e): text for e, text in zip(rows["Element"], rows["What the notice says"])}


def test_a_dpo_tick_quotes_the_contact_as_well_as_the_appointment():
    said = _says("best2care")["Contact details of the data protection officer"]
    assert said.startswith("We have appointed a Data Protection Officer") and said.endswith("… 01474632888 - 07931481245")
    assert applicability.CONTACT.search("email dpo@example.org") and not applicability.CONTACT.search("We have a DPO.")


def test_a_tick_the_notices_own_findings_fault_points_to_them():
    assert _says("optimise-healthcare")["Lawful basis for the processing"].endswith(
        "(See the finding below: lawful basis mislabelled.)")
    transfers = _says("case-management-cymru")["Transfers outside the UK"]
    assert transfers.endswith("(See the findings below: transfers rely on an Art 49 derogation; transfer destinations not "
                              "named; contradictory statements on transfers.)")


def test_an_objection_to_marketing_alone_is_said_to_leave_out_the_general_right_to_object(sample_copy):
    assert "not the right to object to processing on public task or legitimate interests (Art 21(1))" in \
        _says("optimise-healthcare")["Right to object"]
    folder = sample_copy("optimise-healthcare")  # a provider relying on neither needs only the marketing objection
    text = (folder / "activities.csv").read_text(encoding="utf-8").replace("6(1)(e)", "6(1)(b)").replace("6(1)(f)", "6(1)(b)")
    (folder / "activities.csv").write_text(text, encoding="utf-8")
    assert "Art 21(1)" not in build_report(folder).section("necessity").part("checklist").frame.iloc[:, 2].str.cat()
