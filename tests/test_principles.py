"""The fundamental principles (CNIL's PIA method): the vocabulary and its law by date, audit.yaml's `principles`
section and its messages, the facts shown beside each judgement, the report's table and action plan, the PIA tool's
evaluations both ways, and the walk's form. The workbench never makes a judgement the auditor has not made."""

import datetime as dt

import pytest
import yaml
from conftest import SAMPLE_SLUGS, SAMPLES

from dpia import pia, principles, vocab
from dpia.audit import load
from dpia.editing import AuditEditor
from dpia.notice.rules import elements as element_rules
from dpia.report import build_report
from dpia.report.necessity import corrective
from dpia.template_forms import principles_form

JUDGED = {"judgement": "to_correct", "reason": "No period is given.", "action": "Publish a retention schedule",
          "owner": "DPO", "due": "2027-03-31"}


def with_principles(folder, section) -> None:
    path = folder / "audit.yaml"
    meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    meta["principles"] = section
    path.write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")


def problems(folder, column_start="principles"):
    return [p for p in load(folder).problems if p.column.startswith(column_start)]


def test_each_principle_answers_its_own_cnil_question_of_the_fundamental_principles():
    questions = [int(q) for s in pia.architecture()["sections"] if s["id"] == 2 for i in s["items"] for q in i["questions"]]
    for day in ("2025-06-01", "2026-12-01"):
        terms = list(principles.in_force(day))
        assert [t["cnil_question"] for t in terms] == questions
        assert all(t.get("cite") for t in terms)


def test_transfers_are_cited_in_the_chapter_v_of_the_audit_date():
    assert principles.in_force("2026-02-04").terms["transfers"]["cite"] == "Arts 44-49"
    assert principles.in_force("2026-02-05").terms["transfers"]["cite"] == "Arts 44A-49"
    assert "Art 45A" in principles.in_force("2026-02-05").terms["transfers"].description
    assert "8A" in principles.in_force("2026-02-05").terms["purposes"]["cite"]
    assert "8A" not in principles.in_force("2026-02-04").terms["purposes"]["cite"]


def test_the_judgements_are_cnils_evaluation_statuses_except_pending():
    statuses = pia.architecture()["evaluation_status"]
    assert set(vocab.get("principle_judgements").codes()) == set(statuses) - {"pending"}
    needs = {t.code: t["needs_action"] for t in vocab.get("principle_judgements")}
    assert needs == {"acceptable": False, "improvable": True, "to_correct": True}


def test_the_notice_elements_and_findings_a_principle_names_exist():
    findings = yaml.safe_load((vocab.resources.files("dpia") / "vocab" / "notice_findings.yaml").read_text())["findings"]
    for versions in vocab.get("principles").versions.values():
        for term in versions:
            assert set(term.get("notice_elements") or []) <= set(element_rules()), term.code
            assert set(term.get("notice_findings") or []) <= set(findings), term.code


def test_an_unknown_principle_names_audit_yaml_the_key_a_close_match_and_the_allowed_codes(sample_copy):
    folder = sample_copy()
    with_principles(folder, {"storage": {"judgement": "acceptable"}})
    [p] = problems(folder)
    assert p.file == "audit.yaml" and p.column == "principles.storage" and p.is_error
    assert "did you mean 'storage_limitation'" in p.message and "restriction_objection" in p.message


def test_a_misspelt_judgement_and_a_due_date_that_is_no_date_are_errors(sample_copy):
    folder = sample_copy()
    with_principles(folder, {"consent": {"judgement": "acceptible", "due": "next week"}})
    found = {p.column: p for p in problems(folder)}
    assert "did you mean 'acceptable'" in found["principles.consent.judgement"].message
    assert "acceptable, improvable, to_correct" in found["principles.consent.judgement"].message
    assert "'next week' is not a date" in found["principles.consent.due"].message
    assert all(p.is_error for p in found.values())


def test_improvable_without_an_action_is_a_warning_and_the_report_shows_the_blank(sample_copy):
    folder = sample_copy()
    with_principles(folder, {"processors": {"judgement": "improvable", "reason": "No contract is recorded."}})
    [p] = problems(folder)
    assert not p.is_error and "no corrective action, owner or due date" in p.message
    report = build_report(folder)
    row = report.section(4).part("principles").frame.set_index("Judgement").loc["Improvable"]
    assert row["Corrective action"] == "To be completed"
    plan = report.section(6).part("plan").frame
    assert list(plan.iloc[-1]) == ["Processors", "To be completed", "To be completed", "To be completed", "Improvable"]


def test_the_facts_come_from_the_audit_and_the_notice_and_never_judge(sample_copy):
    folder = sample_copy("harmony-community-care")
    with_principles(folder, {})
    shown = {p.code: p for p in principles.principles(load(folder))}
    assert all(not p.judged and p.judgement_label == "To be judged" for p in shown.values())
    assert any("A3 Direct marketing by email" in f for f in shown["consent"].facts)
    assert any("No retention period is stated for 4 of 4 activities" in f for f in shown["storage_limitation"].facts)
    assert any(f.startswith("The notice covers ") for f in shown["information"].facts)
    assert any("Suppliers that process information" in f for f in shown["processors"].facts)


def test_a_flow_with_no_lawful_route_is_named_under_transfers():
    audit = load(SAMPLES / "harmony-community-care")
    assert not any("No lawful route" in f for f in principles.facts(audit)["transfers"])
    audit.flows.loc[0, ["country", "mechanism"]] = ["IN", ""]
    flow = f"{audit.flows.flow_id[0]} {audit.flows.recipient[0]}"
    assert f"No lawful route recorded: {flow}." in principles.facts(audit)["transfers"]


def test_own_staff_abroad_are_named_apart_not_as_a_route_to_check():
    audit = load(SAMPLES / "harmony-community-care")
    audit.flows.loc[0, ["country", "mechanism", "recipient_type"]] = ["IN", "art49_1_b", "internal"]
    flow = f"{audit.flows.flow_id[0]} {audit.flows.recipient[0]}"
    facts = principles.facts(audit)["transfers"]
    assert f"The provider's own staff outside the UK, which is not a restricted transfer: {flow}." in facts
    assert not any(flow in f for f in facts if not f.startswith("The provider's own staff"))


def test_the_report_shows_every_principle_with_a_judgement_or_to_be_judged(sample_copy):
    folder = sample_copy()
    with_principles(folder, {"storage_limitation": JUDGED, "purposes": {"judgement": "acceptable", "reason": "Stated."}})
    report = build_report(folder)
    table = report.section(4).part("principles").frame
    assert len(table) == len(principles.in_force(report.audit.law_date))
    by = table.set_index("Principle")
    assert by.loc["Storage limitation (Art 5(1)(e))", "Judgement"] == "To correct"
    assert by.loc["Storage limitation (Art 5(1)(e))", "Corrective action"] == \
        "Publish a retention schedule. Owner: DPO. Due: 31 March 2027."
    assert by.loc["Storage limitation (Art 5(1)(e))", "Why"].startswith("No period is given. What the audit shows: ")
    assert by.loc["Purposes specified, explicit and legitimate (Arts 5(1)(b) and 8A)", "Corrective action"] == "None needed."
    assert (table.Judgement == "To be judged").sum() == len(table) - 2
    page = report.body_html()
    assert 'class="gap">To correct<' in page and 'class="blank">To be judged<' in page
    plan = report.section(6).part("plan").frame
    assert ["Storage limitation", "Publish a retention schedule", "DPO", "31 March 2027", "To correct"] in plan.values.tolist()
    assert any("not yet judged" in i for i in report.section("summary").part("undecided").items)


@pytest.mark.parametrize("slug", SAMPLE_SLUGS)
def test_every_sample_judges_its_principles_with_reasons_and_actions(slug):
    report = build_report(SAMPLES / slug)
    for p in report.principles:
        if p.judged:
            assert len(p.reason) > 20, (slug, p.code)
        if p.needs_action:
            assert p.action and p.owner and p.due and p.due > report.audit.law_date, (slug, p.code)


def test_corrective_action_of_an_unjudged_principle_is_what_was_drafted_and_nothing_more():
    p = principles.Principle("consent", "Consent", "Arts 7 and 8", 222, None, action="")
    assert corrective(p) == ""
    p = principles.Principle("consent", "Consent", "Arts 7 and 8", 222, "improvable", action="Ask less", owner="",
                             due=dt.date(2027, 1, 31))
    assert corrective(p) == "Ask less. Owner: to be completed. Due: 31 January 2027."


def test_judgements_go_to_the_pia_file_and_come_back(sample_copy, tmp_path):
    folder = sample_copy()
    section = {"storage_limitation": JUDGED, "purposes": {"judgement": "acceptable", "reason": "Stated <clearly> & fully."},
               "consent": {"reason": "draft: not judged yet"}}
    with_principles(folder, section)
    data = pia.export(build_report(folder))
    evaluations = {e["reference_to"]: e for e in data["evaluations"] if e["reference_to"].startswith("2.")}
    assert set(evaluations) == {"2.1.211", "2.1.215"}  # nothing for the unjudged principle: the tool shows it pending
    assert evaluations["2.1.215"]["status"] == 1 and evaluations["2.1.211"]["status"] == 3
    assert evaluations["2.1.215"]["person_in_charge"] == "DPO"
    assert evaluations["2.1.215"]["estimated_implementation_date"] == "2027-03-31T00:00:00.000Z"
    assert evaluations["2.1.211"]["evaluation_comment"] == "Stated &lt;clearly&gt; &amp; fully."
    meta, _, _, notes = pia.to_audit(data)
    assert meta["principles"] == {"purposes": {"judgement": "acceptable", "reason": "Stated <clearly> & fully."},
                                  "storage_limitation": JUDGED}
    assert not any("Evaluation of 2.1" in n for n in notes)


def test_a_pending_evaluation_in_a_tool_file_is_no_judgement():
    data = {"pia": {"name": "X"}, "evaluations": [{"reference_to": "2.2.226", "status": 0, "evaluation_comment": "Unsure"}]}
    meta, _, _, notes = pia.to_audit(data)
    assert "principles" not in meta and any("Unsure" in n for n in notes)


def test_the_walks_form_saves_a_judgement_and_refuses_a_due_date_that_is_no_date(sample_copy):
    folder = sample_copy("harmony-community-care")
    form = principles_form(AuditEditor(folder))
    assert "Suppliers that process information" in form.facts["processors"].value
    form.set(principles__processors__judgement="to_correct", principles__processors__due="soon")
    assert not form.save()
    assert yaml.safe_load((folder / "audit.yaml").read_text())["principles"]["processors"]["judgement"] == "improvable"
    form.set(principles__processors__due="2027-04-30", principles__processors__action="Sign contracts",
             principles__processors__owner="Manager")
    assert form.save()
    saved = yaml.safe_load((folder / "audit.yaml").read_text())["principles"]["processors"]
    assert saved["judgement"] == "to_correct" and str(saved["due"]) == "2027-04-30" and saved["owner"] == "Manager"
    assert "# The desk reviewer's judgement" in (folder / "audit.yaml").read_text()  # comments survive a save


def test_the_form_offers_no_judgement_by_itself(sample_copy):
    folder = sample_copy()
    with_principles(folder, {})
    form = principles_form(AuditEditor(folder))
    assert all(v is None for k, v in form.values().items() if k.endswith(".judgement"))
    assert form.changes() == {}
