"""The forms for audit.yaml driven in code: the ICO template's questions, consultation, DPO advice, sign-off,
review, document control, complaints, public authority and the policy document; the open-questions
checklist; and the answers `dpia new` drafts from a notice."""

import re
from pathlib import Path

import pytest
import yaml
from conftest import SAMPLES, edit_csv

from dpia import schemas, vocab
from dpia.audit import load
from dpia.draft import new_audit
from dpia.editing import AuditEditor
from dpia.template_forms import (
    SILENT_CHOICE,
    DocumentForm,
    TemplateForm,
    checklist,
    complaints_form,
    consultation_form,
    dpo_advice_form,
    policy_document_form,
    public_authority_form,
    questions,
    review_form,
    sign_off_form,
)
from dpia.widgets import TableForm, Walk

NOTICES = Path(__file__).parent / "notices"
KEYS = re.compile(r"\b(?:[a-z]+_[a-z_]+|[a-z]+\.[a-z_]+|audit\.yaml)\b")  # dpo_advice, review.next_date, sign_off...
ICO = {t.code: t for t in vocab.get("ico_template")}


def meta(folder: Path) -> dict:
    return yaml.safe_load((folder / "audit.yaml").read_text())


def all_messages(form) -> list[str]:
    texts = [t for messages in form.field_messages().values() for t in messages]
    return texts + [re.sub(r"<[^>]+>", " ", form.message.value)]


def no_keys(texts: list[str]) -> None:
    for text in texts:
        assert not KEYS.findall(text.replace("e.g.", "")), text


# ---- the template's questions ----------------------------------------------------------------


def test_every_question_the_auditor_answers_has_a_field_in_the_templates_words(sample_copy):
    form = TemplateForm(AuditEditor(sample_copy()), (0, 1, 2, 3, 4))
    labels = {f.label for f in form.fields.values()}
    for term in vocab.get("ico_template"):
        kind, _, where = term["answer"].partition(":")
        if kind == "audit" and where.split(".")[0] in ("controller", "aims", "nature", "scale", "context", "purposes",
                                                         "consultation_plan", "necessity"):
            assert term.label in labels, term.code
            assert form.fields[where].asks == term.description
    for section in ("nature", "scale", "context", "purposes", "consultation_plan", "necessity", "controller"):
        assert {f"{section}.{sub}" for sub in schemas.TEMPLATE_SECTIONS[section]} <= set(form.fields)
    shown = " ".join(re.sub(r"<[^>]+>", " ", getattr(c, "value", "")) for c in form.widget.children
                     if hasattr(c, "value") and isinstance(c.value, str))
    assert "Step 2: describe the processing" in shown and "The context of the processing" in shown
    no_keys(labels)


def test_template_answers_save_keeping_the_comments_order_and_formatting_of_audit_yaml(sample_copy):
    folder = sample_copy()
    text = (folder / "audit.yaml").read_text().replace("risk_method: ico", "risk_method: ico  # the ICO's 3x3")
    (folder / "audit.yaml").write_text("# Audit of BEST2CARE\n" + text)
    before = (folder / "audit.yaml").read_text()
    form = TemplateForm(AuditEditor(folder), (2,))
    form.set(scale__volume="about 2,000 care records a year", context__codes="the DSPT, standards met")
    assert form.save(), form.message.value
    assert "Saved: Volume and Codes and certification." in form.message.value
    after = (folder / "audit.yaml").read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["  volume: about 2,000 care records a year", "  codes: the DSPT, standards met"]
    assert set(before.splitlines()) <= set(after.splitlines())
    assert after.startswith("# Audit of BEST2CARE\nprovider: BEST2CARE\n") and "ico  # the ICO's 3x3" in after
    assert load(folder).valid


def test_not_stated_is_a_choice_and_a_cleared_answer_leaves_the_question_open(sample_copy):
    folder = sample_copy()
    form = TemplateForm(AuditEditor(folder), (2,))
    form.fields["scale.frequency"].silent.value = True
    assert form.fields["scale.frequency"].silent.description == SILENT_CHOICE
    assert form.save() and meta(folder)["scale"] == {"geography": "Kent", "frequency": "not stated"}
    form.set(scale__geography="", scale__frequency="")
    assert form.fields["scale.frequency"].silent.value is False
    assert form.save() and "scale" not in meta(folder)  # the emptied section goes, rather than stay as {}
    assert load(folder).valid


def test_a_conflicting_template_save_is_refused_in_plain_words_and_reload_keeps_what_was_typed(sample_copy):
    folder = sample_copy()
    mine, theirs = TemplateForm(AuditEditor(folder), (2,)), TemplateForm(AuditEditor(folder), (2,))
    theirs.set(scale__volume="their volume", context__novelty="nothing novel")
    assert theirs.save()
    saved = (folder / "audit.yaml").read_bytes()
    mine.set(scale__volume="my volume")
    assert not mine.save()
    assert "Volume changed since you loaded it" in mine.message.value and "Nothing was written" in mine.message.value
    assert (folder / "audit.yaml").read_bytes() == saved
    no_keys(all_messages(mine))
    mine.reload()
    assert mine.fields["scale.volume"].value() == "my volume"  # what was typed stays
    assert mine.fields["context.novelty"].value() == "nothing novel"  # what they saved comes in
    assert "also changed elsewhere, to “their volume”" in " ".join(mine.field_messages()["Volume"])
    assert mine.save()
    assert meta(folder)["scale"]["volume"] == "my volume" and meta(folder)["context"]["novelty"] == "nothing novel"


def test_answers_to_different_questions_saved_meanwhile_do_not_conflict(sample_copy):
    folder = sample_copy()
    one, two = TemplateForm(AuditEditor(folder), (4,)), TemplateForm(AuditEditor(folder), (4,))
    one.set(necessity__function_creep="purposes reviewed yearly")
    two.set(necessity__less_intrusive="none found")
    assert one.save() and two.save(), two.message.value
    assert meta(folder)["necessity"] == {"function_creep": "purposes reviewed yearly", "less_intrusive": "none found"}


def test_a_draft_answer_is_flagged_until_the_auditor_edits_it(tmp_path):
    folder = new_audit("acme", NOTICES / "nhs-trust.txt", tmp_path, "2026-11-23")
    form = TemplateForm(AuditEditor(folder), (0,))
    assert form.fields["controller.dpo"].value().startswith("draft: the notice says")
    assert "a draft from the notice: check it, then delete “draft:” at its start to confirm it" in \
        form.field_messages()["Data protection officer"][0]
    form.set(controller__dpo="Dr A Patel, Data Protection Officer, dpo@riverside.nhs.uk")
    assert "Data protection officer" not in form.field_messages()
    assert form.save()
    states = {i.code: i.state for i in checklist(form.editor)}
    assert states["controller.dpo"] == "answered" and states["s1.aims"] == "draft"


# ---- DPO advice, sign-off, review --------------------------------------------------------


def test_dpo_advice_needs_who_when_and_what_and_an_overruled_advice_a_reason_as_validation_says(sample_copy):
    folder = sample_copy()
    form = dpo_advice_form(AuditEditor(folder))
    form.set(dpo_advice__by="Jane Smith, DPO")
    before = (folder / "audit.yaml").read_bytes()
    assert not form.save() and (folder / "audit.yaml").read_bytes() == before
    assert form.field_messages()["Date of the advice"] == ["Date of the advice: fill this in"]
    assert form.field_messages()["Summary of the DPO's advice"] == ["Summary of the DPO's advice: fill this in"]
    form.set(dpo_advice__date="2026-12-01", dpo_advice__advice="Proceed once the retention schedule is published.")
    form.fields["dpo_advice.accepted"].choose("overruled")
    candidate = load(folder)
    candidate.meta["dpo_advice"] = {"by": "x", "date": "2026-12-01", "advice": "x", "accepted": False}
    from dpia.audit import validate

    severity = next(p.severity for p in validate(candidate) if p.column == "dpo_advice")
    message = "Why it was overruled: the advice was overruled: give the reason, as the ICO template asks"
    assert form.field_messages()["Why it was overruled"] == [message]
    if severity == "warning":  # validation warns: the form saves, and keeps the warning beside the reason
        assert form.save(), form.message.value
        assert meta(folder)["dpo_advice"] == {"by": "Jane Smith, DPO", "date": "2026-12-01", "advice":
                                              "Proceed once the retention schedule is published.", "accepted": False}
        assert form.field_messages()["Why it was overruled"] == [message]
    else:
        assert not form.save()
    form.set(dpo_advice__reason="the schedule is published with the DPIA")
    assert form.save() and meta(folder)["dpo_advice"]["reason"] == "the schedule is published with the DPIA"
    assert "Why it was overruled" not in form.field_messages()
    assert list(meta(folder)["dpo_advice"]) == ["by", "date", "advice", "accepted", "reason"]  # the form's order
    no_keys(all_messages(form))


def test_clearing_the_dpo_advice_leaves_it_null_as_the_samples_write_it(sample_copy):
    folder = sample_copy()
    form = dpo_advice_form(AuditEditor(folder))
    form.set(dpo_advice__by="J", dpo_advice__date="2026-12-01", dpo_advice__advice="proceed")
    assert form.save()
    form.set(dpo_advice__by="", dpo_advice__date="", dpo_advice__advice="")
    assert form.save() and "dpo_advice: null\n" in (folder / "audit.yaml").read_text()


def test_sign_off_entries_need_every_field_and_fill_step_7(sample_copy):
    folder = sample_copy()
    form = sign_off_form(AuditEditor(folder))
    form.set(name="Ann Lee", date="3 Dec")
    assert not form.save()
    messages = form.field_messages()
    assert messages["What is approved"] == ["What is approved: fill this in"]
    assert messages["Date"] == ["Date: “3 Dec” is not a date: write it as YYYY-MM-DD, e.g. 2027-01-31"]
    assert messages["Role"] == ["Role: fill this in"]
    form.fields["item"].choose("Residual risks approved by")
    form.set(role="Registered manager", date="2026-12-03", decision="Approved: no residual high risk")
    assert form.save(), form.message.value
    assert meta(folder)["sign_off"] == [{"item": "residual_risks", "name": "Ann Lee", "role": "Registered manager",
                                         "date": "2026-12-03", "decision": "Approved: no residual high risk"}]
    assert [label for label, _ in form.picker.options] == ["(new approval)", "1. Residual risks approved by: Ann Lee (2026-12-03)"]
    from dpia.report import build_report

    report = build_report(folder)
    assert report.signed_off
    states = {i.code: i.state for i in checklist(form.editor, report)}
    assert states["s7.residual_approved_by"] == "answered" and states["s7.measures_approved_by"] == "open"


def test_the_review_date_must_be_a_date(sample_copy):
    folder = sample_copy()
    form = review_form(AuditEditor(folder))
    form.set(review__by="the DPO", review__next_date="next year")
    assert form.field_messages()["Next review date"] == [
        "Next review date: “next year” is not a date: write it as YYYY-MM-DD, e.g. 2027-01-31"]
    before = (folder / "audit.yaml").read_bytes()
    assert not form.save() and (folder / "audit.yaml").read_bytes() == before
    form.set(review__next_date="2027-12-01")
    assert form.save() and meta(folder)["review"] == {"by": "the DPO", "next_date": "2027-12-01"}


# ---- lists: consultation, the change log -------------------------------------------------


def test_consultation_entries_are_added_edited_and_removed(sample_copy):
    folder = sample_copy()
    form = consultation_form(AuditEditor(folder))
    form.set(**{"with": "Residents' and relatives' meeting", "date": "2026-11-30", "summary": "no concerns raised"})
    assert form.save()
    form.load(form.NEW)
    form.set(**{"with": "IT supplier", "date": "2026-12-01", "summary": "hosting in the UK confirmed"})
    assert form.save()
    form.load(0)
    form.set(summary="asked for shorter retention of CCTV")
    assert form.save()
    assert [e["summary"] for e in meta(folder)["consultation"]] == ["asked for shorter retention of CCTV",
                                                                    "hosting in the UK confirmed"]
    assert not form.remove() and "Remove consultation 1? This cannot be undone." in form.asking.children[0].value
    assert len(meta(folder)["consultation"]) == 2
    assert form.remove(confirmed=True) and [e["with"] for e in meta(folder)["consultation"]] == ["IT supplier"]
    assert load(folder).valid


def test_a_consultation_added_meanwhile_refuses_the_save_and_reload_keeps_both(sample_copy):
    folder = sample_copy()
    mine, theirs = consultation_form(AuditEditor(folder)), consultation_form(AuditEditor(folder))
    theirs.set(**{"with": "Staff forum", "date": "2026-11-28", "summary": "training asked for"})
    assert theirs.save()
    saved = (folder / "audit.yaml").read_bytes()
    mine.set(**{"with": "Residents", "date": "2026-11-30", "summary": "no concerns"})
    assert not mine.save() and (folder / "audit.yaml").read_bytes() == saved
    assert "Consultation held changed since you loaded it" in mine.message.value
    no_keys(all_messages(mine))
    mine.reload()
    assert mine.index == mine.NEW and mine.fields["with"].value() == "Residents"
    assert mine.save()
    assert [e["with"] for e in meta(folder)["consultation"]] == ["Staff forum", "Residents"]


def test_a_save_offers_a_change_log_entry_which_sets_the_version(sample_copy):
    folder = sample_copy()
    form = TemplateForm(AuditEditor(folder), (1,))
    form.set(aims="to provide home care in Kent")
    assert form.save() and form.log.open
    assert (form.log.version.value(), form.log.by.value()) == ("0.2", "The dpia project (sample desk review)")
    assert form.log.change.value() == "Identify the need for a DPIA: Aims"
    before = (folder / "audit.yaml").read_text()
    form.log.version.fill("0.3")
    form.log.change.fill("aims restated")
    assert form.log.add() and not form.log.open
    document = meta(folder)["document"]
    assert document["version"] == "0.3" and document["change_log"][-1]["change"] == "aims restated"
    assert len(document["change_log"]) == 3 and document["change_log"][-1]["version"] == "0.3"
    after = (folder / "audit.yaml").read_text()
    # the entries already there keep their lines, however long
    assert [line for line in before.splitlines() if "change:" in line] == \
        [line for line in after.splitlines() if "change:" in line][:2]


def test_the_document_form_edits_the_version_and_the_change_log(sample_copy):
    folder = sample_copy()
    form = DocumentForm(AuditEditor(folder))
    assert form.details.fields["document.version"].value() == "0.2"
    assert [label for label, _ in form.log.picker.options][1].startswith("1. 0.1, 2026-11-23: first draft")
    form.log.set(version="0.3", by="J Smith", change="sign-off recorded")
    assert not form.log.save() and form.log.field_messages()["Date"] == ["Date: fill this in"]
    form.log.set(date="2026-12-04")
    assert form.log.save() and meta(folder)["document"]["change_log"][-1]["by"] == "J Smith"
    form.details.set(document__version="0.3", document__author="J Smith")
    assert form.details.save() and meta(folder)["document"]["version"] == "0.3"


# ---- complaints, public authority, policy document ------------------------------------------


def test_complaints_form_records_each_duty_of_the_law_and_warns_beyond_its_limit(sample_copy):
    folder = sample_copy()
    form = complaints_form(AuditEditor(folder))
    labels = [f.label for f in form.fields.values()]
    assert "Acknowledged within (days)" in labels
    assert form.fields["complaints.form"].value() == "not stated"
    form.set(complaints__acknowledge_days="about a month")
    assert form.field_messages()["Acknowledged within (days)"] == [
        "Acknowledged within (days): “about a month” is not a number of days: give a whole number, e.g. 30, or “not stated”"]
    assert not form.save()
    form.set(complaints__acknowledge_days="45")
    form.fields["complaints.form"].choose("yes")
    assert "more than the 30 the law allows" in " ".join(form.field_messages()["Acknowledged within (days)"])
    assert form.save(), form.message.value
    recorded = meta(folder)["complaints"]
    assert recorded["acknowledge_days"] == 45 and recorded["form"] is True and recorded["respond"] == "not stated"
    no_keys(all_messages(form))


def test_answering_public_authority_lists_the_warnings_it_adds_to_the_lawful_bases(sample_copy):
    folder = sample_copy("case-management-cymru")
    form = public_authority_form(AuditEditor(folder))
    assert form.fields["public_authority"].value() is False
    form.fields["public_authority"].choose("yes: a public authority or body (DPA 2018 s.7)")
    shown = re.sub(r"<[^>]+>", " ", form.message.value)
    assert "This change adds: Activity A5, Article 6 lawful basis: Legitimate interests (Art 6(1)(f)) is not available to " \
        "a public authority" in shown
    assert form.save() and meta(folder)["public_authority"] is True
    assert "Saved: A public authority or body." in form.message.value and "This change adds: Activity A5" in form.message.value
    no_keys(all_messages(form))


def test_the_policy_document_form_names_the_conditions_that_need_one_and_clears_their_error(sample_copy):
    folder = sample_copy("optimise-healthcare")
    editor = AuditEditor(folder)
    form = policy_document_form(editor)
    assert form.head.value == "<p>No Schedule 1 condition recorded in the inventory needs an appropriate policy document.</p>"
    activity = TableForm(editor, "activities.csv")
    activity.load("A2")
    activity.set(art9_condition=["9(2)(b)"], schedule1_condition=["sch1.1"])
    assert not activity.save()  # Sch 1 para 1 needs an appropriate policy document, and none is recorded
    assert "needs an appropriate policy document" in " ".join(activity.field_messages()["Schedule 1 condition"])
    form.fields["appropriate_policy_document.exists"].choose("yes")
    form.set(appropriate_policy_document__where="the staff intranet", appropriate_policy_document__reviewed="2026-10-01")
    assert form.save(), form.message.value
    assert activity.save(), activity.message.value
    assert "Employment, social security and social protection (Sch 1 para 1)" in form.head.value  # follows the save
    assert load(folder).valid


# ---- where the audit stands: the open questions --------------------------------------------


def open_count(html: str) -> int:
    return int(re.search(r"(\d+) of \d+ questions still open", html).group(1))


def test_the_open_questions_checklist_shrinks_as_answers_are_saved(sample_copy):
    walk = Walk(sample_copy())
    view = walk.open_questions(2)
    before = open_count(view.value)
    assert before == walk.report().summary()["open_questions"]
    assert "☐ Volume: <small>to be completed, in 02 Data flows</small>" in view.value
    assert "Step 4" not in view.value  # only the steps asked for are listed
    form = walk.questions(2)
    form.set(scale__volume="about 2,000 records", scale__frequency="daily")
    assert form.save()
    assert open_count(view.value) == before - 2 and "☑ Volume" in view.value
    sign_off = walk.sign_off()
    sign_off.fields["item"].choose("Measures approved by")
    sign_off.set(name="A", role="Manager", date="2026-12-03", decision="approved")
    assert sign_off.save() and open_count(view.value) == before - 3


def test_an_invalid_audit_still_shows_which_of_its_own_answers_are_open(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", ",GB,", ",IND,")
    walk = Walk(folder)
    html = walk.open_questions().value
    assert "☑ Aims" in html and "☐ Volume" in html
    assert "Sources: <small>answered from the inventory once the errors above are fixed" in html


# ---- dpia new ------------------------------------------------------------------------------

SEEDS = sorted(SAMPLES.glob("*/notice.txt")) + sorted(NOTICES.glob("*.txt")) + sorted(NOTICES.glob("*.html"))


@pytest.mark.parametrize("notice", SEEDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_dpia_new_drafts_only_answers_the_notice_supports_each_marked_as_a_draft(tmp_path, notice):
    folder = new_audit("draft", notice, tmp_path, "2026-11-23")
    audit = load(folder)
    assert audit.valid, [str(p) for p in audit.errors]
    m = audit.meta
    assert m["document"]["version"] == "0.1"
    assert m["document"]["change_log"][0]["change"] == f"drafted by dpia new from {notice.name}"
    for section in ("controller", "nature", "context", "necessity"):
        for value in (m.get(section) or {}).values():
            assert value.startswith("draft: "), (section, value)
    if "aims" in m:
        assert m["aims"].startswith("draft: the notice describes the processing as “")
    for unsupported in ("scale", "purposes", "consultation_plan", "review"):
        assert not m.get(unsupported)
    assert m["dpo_advice"] is None and m["sign_off"] is None and not m["consultation"]
    states = {i.code: i.state for i in checklist(AuditEditor(folder))}
    for code in ("s2.scope.volume", "s2.scope.individuals", "s2.context.expectations", "s4.achieves_purpose", "s3.internal"):
        assert states[code] == "open"
    assert all(states[q.code] in ("draft", "open") for q in questions() if q.code and ICO[q.code]["answer"].startswith("audit:"))


def test_dpia_new_drafts_the_dpo_and_registration_from_the_notice_and_leaves_a_silent_notice_open(tmp_path):
    trust = load(new_audit("trust", NOTICES / "nhs-trust.txt", tmp_path, "2026-11-23")).meta
    assert trust["controller"]["ico_registration"] == "draft: Z1234567"
    assert "dpo@riverside.nhs.uk" in trust["controller"]["dpo"] and "LS1 4AB" in trust["controller"]["address"]
    assert "8 years" in trust["nature"]["lifecycle"]
    silent = load(new_audit("optimise", SAMPLES / "optimise-healthcare" / "notice.txt", tmp_path, "2026-11-23")).meta
    assert "dpo" not in (silent.get("controller") or {})  # the notice names no DPO: the question stays open
    assert "ico_registration" not in (silent.get("controller") or {})
    assert silent["complaints"]["ico_route"] is True and "form" not in silent["complaints"]
    before = load(new_audit("early", SAMPLES / "best2care" / "notice.txt", tmp_path, "2026-01-10")).meta
    assert "complaints" not in before  # the complaint duties were not yet in force on that date
