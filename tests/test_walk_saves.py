"""Nothing is lost: several notebooks (or processes) editing one audit, conflicts, ids, hidden columns."""

import os
from pathlib import Path

from conftest import edit_csv

from dpia.audit import load
from dpia.editing import AuditEditor, merge3
from dpia.widgets import ScreeningForm, TableForm, Walk

FLOW = dict(flow_id="F90", activity_id="A4", recipient="Rota app Ltd", recipient_type="processor_it",
            data_categories="shifts", country="GB", evidence="our supplier list", status="draft")
ACTIVITY = dict(activity_id="A10", name="Staff rota", purpose="Plan care visits", data_subjects=["staff"],
                data_categories="name;shifts", art6_basis=["6(1)(b)"], retention="6 years after leaving",
                evidence="our own rota records")


def ids(folder: Path, table: str) -> list[str]:
    frame = load(folder).tables[table]
    return list(frame[frame.columns[0]])


def test_notebooks_open_since_the_start_each_saving_in_turn_lose_nothing(sample_copy):
    folder = sample_copy()
    screening_nb, flows_nb, activities_nb = (AuditEditor(folder) for _ in range(3))  # 01, 04, 02 opened together
    flows = TableForm(flows_nb, "flows.csv")
    flows.set(**FLOW)
    assert flows.save()
    activities = TableForm(activities_nb, "activities.csv")
    activities.load("A3")
    activities.set(purpose="Keep relatives informed about care")
    assert activities.save(), activities.message.value
    activities.load("A4")
    activities.set(notes="checked against the 2025 notice")
    assert activities.save()
    screening = ScreeningForm(screening_nb)
    screening.set("wp248_large_scale", True, "2,000 people receive care")
    assert screening.save(), screening.message.value
    audit = load(folder)
    assert "F90" in set(audit.flows.flow_id) and {"F7", "F8"} <= set(audit.flows.flow_id)
    assert {"A5", "A6"} <= set(audit.activities.activity_id)
    rows = audit.activities.set_index("activity_id")
    assert rows.loc["A3", "purpose"] == "Keep relatives informed about care"
    assert rows.loc["A4", "notes"] == "checked against the 2025 notice"
    assert audit.meta["screening"]["wp248_large_scale"]["reason"] == "2,000 people receive care"
    assert audit.meta["screening"]["ico_physical_harm"]["answer"] is True
    assert audit.valid


def test_a_save_rewrites_only_the_rows_it_changes(sample_copy):
    folder = sample_copy()
    before = (folder / "activities.csv").read_text().splitlines()
    form = TableForm(AuditEditor(folder), "activities.csv")
    form.load("A3")
    form.set(name="Relatives and visitors")
    assert form.save()
    after = (folder / "activities.csv").read_text().splitlines()
    assert [i for i, (a, b) in enumerate(zip(before, after)) if a != b] == [3] and len(after) == len(before)


def test_a_conflicting_save_is_refused_and_reload_merges(sample_copy):
    folder = sample_copy()
    mine, theirs = TableForm(AuditEditor(folder), "activities.csv"), TableForm(AuditEditor(folder), "activities.csv")
    theirs.load("A3")
    theirs.set(purpose="Their purpose")
    assert theirs.save()
    saved = (folder / "activities.csv").read_bytes()
    mine.load("A3")  # the form still holds the row as it was loaded at the start
    mine.set(name="My name")
    assert not mine.save()
    assert "A3 in activities.csv changed since you loaded it" in mine.message.value
    assert (folder / "activities.csv").read_bytes() == saved
    mine.reload()
    assert mine.fields["name"].value == "My name" and mine.fields["purpose"].value == "Their purpose"
    assert mine.save()
    row = load(folder).activities.set_index("activity_id").loc["A3"]
    assert (row["name"], row.purpose) == ("My name", "Their purpose")


def test_a_text_editor_change_to_the_same_row_is_never_overwritten(sample_copy):
    folder = sample_copy()
    form = TableForm(AuditEditor(folder), "risks.csv")
    form.load("R1")
    form.set(owner="Data protection lead")
    edit_csv(folder / "risks.csv", "Registered manager,open", "Care manager,open")  # someone edits R1 by hand
    edited = (folder / "risks.csv").read_bytes()
    assert not form.save() and (folder / "risks.csv").read_bytes() == edited


def test_merge_takes_my_changes_and_theirs_and_reports_clashes():
    merged, clashes = merge3({"a": "1", "b": "1", "c": "1"}, {"a": "2", "b": "1", "c": "3"}, {"a": "1", "b": "2", "c": "4"})
    assert merged == {"a": "2", "b": "2", "c": "3"} and clashes == {"c": "4"}


def test_screening_answers_conflict_only_on_the_same_question(sample_copy):
    folder = sample_copy()
    one, two = ScreeningForm(AuditEditor(folder)), ScreeningForm(AuditEditor(folder))
    one.set("wp248_large_scale", True, "many people")
    assert one.save()
    two.set("ico_denial_of_service", False)
    assert two.save(), two.message.value
    one.set("ico_denial_of_service", True, "access to care depends on it")  # one has not seen two's answer
    assert not one.save()
    assert "screening.ico_denial_of_service in audit.yaml changed since you loaded it" in one.message.value
    one.reload()
    assert one.answers["ico_denial_of_service"][0].value == "yes" and one.save()
    screening = load(folder).meta["screening"]
    assert screening["wp248_large_scale"] == {"answer": True, "reason": "many people"}
    assert screening["ico_denial_of_service"] == {"answer": True, "reason": "access to care depends on it"}


def _add_rows(folder: Path, prefix: str, count: int) -> None:
    editor = AuditEditor(folder)
    for i in range(count):
        outcome = editor.put("flows.csv", {**FLOW, "flow_id": f"{prefix}{i}"})
        assert outcome.saved, outcome


def test_saves_racing_from_two_processes_never_tear_a_file_or_lose_a_row(sample_copy):
    folder = sample_copy()
    drafted = len(load(folder).flows)
    children = []
    for prefix in ("P", "Q"):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _add_rows(folder, prefix, 12)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    assert all(os.waitpid(pid, 0)[1] == 0 for pid in children)
    audit = load(folder)
    assert audit.valid and not audit.read_problems
    assert {f"{p}{i}" for p in "PQ" for i in range(12)} <= set(audit.flows.flow_id)
    assert len(audit.flows) == drafted + 24


def test_a_new_row_with_an_existing_id_is_refused(sample_copy):
    folder = sample_copy()
    before = (folder / "activities.csv").read_bytes()
    form = TableForm(AuditEditor(folder), "activities.csv")
    form.set(**{**ACTIVITY, "activity_id": "A2"})
    assert "Activity ID: A2 exists: pick it under Edit" in form.field_messages()["Activity ID"]
    assert not form.save() and (folder / "activities.csv").read_bytes() == before
    form.load("A3")
    form.set(activity_id="A2")  # renaming onto another row
    assert not form.save() and (folder / "activities.csv").read_bytes() == before


def test_an_id_added_elsewhere_meanwhile_is_refused_too(sample_copy):
    folder = sample_copy()
    late = TableForm(AuditEditor(folder), "flows.csv")
    assert AuditEditor(folder).put("flows.csv", FLOW).saved
    late.set(**FLOW)
    assert not late.save() and "F90 exists: pick it under Edit" in late.message.value + str(late.field_messages())
    assert ids(folder, "flows.csv").count("F90") == 1


def test_notes_and_unknown_columns_survive_saves(sample_copy):
    folder = sample_copy()
    text = (folder / "flows.csv").read_text().splitlines()
    text[0] += ",reviewer"
    text[1:] = [line + (",JS" if i == 0 else ",") for i, line in enumerate(text[1:])]
    (folder / "flows.csv").write_text("\n".join(text) + "\n")
    edit_csv(folder / "activities.csv", ",confirmed,\n", ",confirmed,hand-written note\n")
    editor = AuditEditor(folder)
    flows = TableForm(editor, "flows.csv")
    flows.load("F1")
    flows.set(recipient="Kent County Council")
    assert flows.save(), flows.message.value
    flows.load(flows.NEW)
    flows.set(**FLOW)
    assert flows.save()
    activities = TableForm(editor, "activities.csv")
    activities.load("A1")
    assert activities.fields["notes"].value == "hand-written note"
    activities.set(name="Care enquiries by phone")
    assert activities.save()
    audit = load(folder)
    assert audit.flows.set_index("flow_id").loc["F1", "reviewer"] == "JS"
    assert audit.flows.set_index("flow_id").loc["F90", "reviewer"] == ""
    assert audit.activities.set_index("activity_id").loc["A1", "notes"] == "hand-written note"


def test_an_invalid_audit_opens_with_forms_and_a_plain_list_of_problems(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", ",GB,", ",IND,")
    walk = Walk(folder)
    status = walk._status_html()
    assert "1 errors" in status and "Flow F1, Destination country: “IND” is not on the list" in status
    form = walk.form("flows.csv")
    form.load("F1")
    assert form.fields["country"].value == "IND"  # shown as it is, not silently replaced
    assert "Destination country: “IND” is not on the list: choose from the list" in form.field_messages()["Destination country"]
    other = walk.form("activities.csv")
    other.set(**ACTIVITY)
    assert other.save()  # an error elsewhere does not block an unrelated row
    form.set(country="IN", mechanism="idta")
    assert form.save()
    assert load(folder).valid and "0 errors" in walk._status_html()
