"""The auditor's walk: forms driven in code, `dpia new`, and each walk notebook run headless."""

import re
from pathlib import Path

import pytest
from conftest import SAMPLE_SLUGS, SAMPLES, edit_csv

from dpia import cli, schemas, vocab
from dpia.audit import load
from dpia.draft import new_audit
from dpia.report import build_report
from dpia.widgets import FIELDS, AuditEditor, ScreeningForm, TableForm, Walk

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
WALK = sorted(p.name for p in NOTEBOOKS.glob("0*.ipynb"))
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
NOTICES = Path(__file__).parent / "notices"
NO_SHARED = pytest.param(None, marks=pytest.mark.skip(reason=f"{SEEDS} is missing: check out ../shared beside this "
                                                             "repository to draft audits from the seed notices"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


NEW_ACTIVITY = dict(activity_id="A10", name="Staff rota", purpose="Plan care visits", data_subjects=["staff"],
                    data_categories="name;shifts", art6_basis=["6(1)(b)"], retention="6 years after leaving",
                    evidence="our own rota records")


def test_a_new_activity_is_saved_and_validates(sample_copy):
    folder = sample_copy()
    form = TableForm(AuditEditor(folder), "activities.csv")
    form.set(**NEW_ACTIVITY)
    assert form.save()
    audit = load(folder)
    assert audit.valid and "A10" in set(audit.activities.activity_id)
    assert audit.activities.set_index("activity_id").loc["A10", "status"] == "draft"


def test_special_category_without_art9_is_refused_and_nothing_is_written(sample_copy):
    folder = sample_copy()
    before = snapshot(folder)
    form = TableForm(AuditEditor(folder), "activities.csv")
    form.set(**NEW_ACTIVITY, special_categories=["health"])
    assert form.field_messages() == {  # shown while typing, next to the field, in the auditor's words
        "Article 9 condition": ["Article 9 condition: choose one for Health, or “not stated” if the notice gives none"]}
    assert not form.save()
    assert "Not saved" in form.message.value
    assert snapshot(folder) == before


def test_art9h_needs_schedule1_before_it_saves(sample_copy):
    folder = sample_copy()
    form = TableForm(AuditEditor(folder), "activities.csv")
    form.set(**NEW_ACTIVITY, special_categories=["health"], art9_condition=["9(2)(h)"])
    assert "Schedule 1 condition" in form.field_messages() and not form.save()
    form.set(schedule1_condition=["sch1.2"])
    assert not [m for ms in form.field_messages().values() for m in ms if "✗" in m or "condition" in m]
    assert form.save()


def test_destination_without_adequacy_needs_a_mechanism(sample_copy):
    folder = sample_copy()
    before = snapshot(folder)
    form = TableForm(AuditEditor(folder), "flows.csv")
    form.set(flow_id="F20", activity_id="A4", recipient="Rota app Pvt Ltd", recipient_type="processor_it",
             data_categories="shifts", country="IN", evidence="our supplier list")
    assert "India is not an approved destination" in " ".join(form.field_messages()["Transfer mechanism"])
    assert not form.save() and snapshot(folder) == before
    form.set(mechanism="idta")
    assert "Transfer check: fine" in form.message.value
    assert form.save()
    flows = load(folder).flows.set_index("flow_id")
    assert flows.loc["F20", "mechanism"] == "idta"


def test_editing_a_row_and_confirming_a_draft(tmp_path):
    folder = new_audit("acme", SAMPLES / "harmony-community-care" / "notice.txt", tmp_path, "2026-11-23")
    editor = AuditEditor(folder)
    form = TableForm(editor, "activities.csv")
    form.load("A1")
    form.set(purpose="Answer care enquiries", data_categories="name; contact details; care needs")
    assert form.save()
    assert form.confirm()
    row = load(folder).activities.set_index("activity_id").loc["A1"]
    assert row.purpose == "Answer care enquiries" and row.status == "confirmed"
    risks = TableForm(editor, "risks.csv")
    risks.load("R1")
    assert risks.confirm() and load(folder).risks.set_index("risk_id").loc["R1", "status"] == "open"


def test_removing_a_row_that_others_depend_on_is_refused(sample_copy):
    folder = sample_copy()
    before = snapshot(folder)
    form = TableForm(AuditEditor(folder), "activities.csv")
    form.load("A4")  # flows and risks point at A4
    assert not form.remove() and snapshot(folder) == before
    assert "A4 is used by flows F1, F2, F3, F4, F5 and F9 and risks R1, R2, R4, R5, R7 and R8" in form.message.value
    assert not form.asking.children  # nothing to confirm: it is refused


def test_screening_answers_are_saved(sample_copy):
    folder = sample_copy("harmony-community-care")
    form = ScreeningForm(AuditEditor(folder))
    form.set("wp248_large_scale", True, "40,000 enquiries a year")
    form.set("ico_denial_of_service", True)
    assert "Denial of service" not in form.verdict.value
    assert form.save() and "Screening now: DPIA required" in form.verdict.value  # the verdict follows the save
    assert "Denial of service is on the ICO" in form.verdict.value
    screening = load(folder).meta["screening"]
    assert screening["wp248_large_scale"] == {"answer": True, "reason": "40,000 enquiries a year"}


def test_an_unreadable_table_opens_but_only_its_form_refuses_to_save(sample_copy):
    folder = sample_copy()
    (folder / "flows.csv").write_bytes(b"")
    editor = AuditEditor(folder)
    flows = TableForm(editor, "flows.csv")
    flows.set(flow_id="F1", activity_id="A1", recipient="x", recipient_type="processor_it", data_categories="x",
              country="GB", evidence="x")
    assert not flows.save() and (folder / "flows.csv").read_bytes() == b""
    assert "flows.csv cannot be saved from here: file is empty" in flows.message.value
    activities = TableForm(editor, "activities.csv")
    activities.set(**NEW_ACTIVITY)
    assert activities.save() and "A10" in set(load(folder).activities.activity_id)


def test_screening_is_grouped_by_test_with_twins_asked_once(sample_copy):
    form = ScreeningForm(AuditEditor(sample_copy()))
    titles = [c.children[0].value for c in form.widget.children[:3]]
    assert ["Art 35(3)" in titles[0], "ICO" in titles[1], "WP248" in titles[2]] == [True] * 3
    assert "wp248_innovative" not in form.answers and "ico_innovative_technology" in form.answers
    assert form.values()["wp248_innovative"] == form.values()["ico_innovative_technology"]


def test_screening_shows_what_the_inventory_implies_and_an_override_needs_a_reason(sample_copy):
    folder = sample_copy()
    form = ScreeningForm(AuditEditor(folder))
    choice, reason = form.answers["wp248_sensitive_data"]
    assert choice.label == "yes: implied by the inventory"
    implied = "The inventory implies yes: A4 Care and support of service users (Health, Racial or ethnic origin"
    assert implied in form.notes["wp248_sensitive_data"].value
    assert form.answers["wp248_large_scale"][0].label == "not answered"
    before = (folder / "audit.yaml").read_bytes()
    form.set("wp248_vulnerable", False)
    assert "Override: you answer no where the inventory implies yes; give the reason" in form.notes["wp248_vulnerable"].value
    assert not form.save() and (folder / "audit.yaml").read_bytes() == before
    form.set("wp248_vulnerable", False, "adults with capacity only")
    assert "Override of the inventory" in form.notes["wp248_vulnerable"].value and form.save()
    row = form.editor.audit  # fresh from disk
    from dpia.screening import screen

    assert "wp248_vulnerable" not in screen(row).met


def test_a_reason_without_an_answer_warns_and_is_kept(sample_copy):
    folder = sample_copy()
    form = ScreeningForm(AuditEditor(folder))
    form.set("wp248_large_scale", None, "about 300 people")
    assert "a reason without an answer" in form.notes["wp248_large_scale"].value
    assert form.save() and "a reason without an answer" in form.message.value
    assert load(folder).meta["screening"]["wp248_large_scale"] == {"reason": "about 300 people"}
    assert form.answers["wp248_large_scale"][0].label == "not answered"


def test_saving_screening_keeps_the_comments_of_audit_yaml(sample_copy):
    folder = sample_copy()
    text = (folder / "audit.yaml").read_text().replace("risk_method: ico", "risk_method: ico  # the ICO's 3x3")
    (folder / "audit.yaml").write_text("# Audit of BEST2CARE, desk review\n" + text)
    form = ScreeningForm(AuditEditor(folder))
    form.set("wp248_large_scale", True, "2,000 people")
    assert form.save()
    after = (folder / "audit.yaml").read_text()
    assert after.startswith("# Audit of BEST2CARE, desk review\nprovider: BEST2CARE\n")
    assert "risk_method: ico  # the ICO's 3x3\n" in after and "dpo_advice: null\n" in after
    assert after.replace("  wp248_large_scale:\n    answer: true\n    reason: 2,000 people\n", "") == \
        "# Audit of BEST2CARE, desk review\n" + text


# ---- the auditor's language --------------------------------------------------------------

COLUMNS = {c for t in ("activities.csv", "flows.csv", "risks.csv") for c in schemas.columns(t) if "_" in c}
CODES = {t.code for n in ("transfer_mechanisms", "recipient_types", "data_subjects", "special_categories", "techniques",
                          "screening_criteria") for t in vocab.get(n) if "_" in t.code}


def jargon(text: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z0-9_]+", text))
    return (words & (COLUMNS | CODES)) | set(re.findall(r"\([A-Z]{2}\)", text))


def test_messages_use_labels_never_column_names_or_codes_and_each_shows_once(sample_copy):
    folder = sample_copy()
    editor = AuditEditor(folder)
    shown = []
    activities = TableForm(editor, "activities.csv")
    activities.set(**{**NEW_ACTIVITY, "retention": "", "special_categories": ["health", "criminal_offence"],
                      "art6_basis": ["6(1)(f)"], "art9_condition": ["9(2)(h)"]})
    assert not activities.save()
    shown.append(activities.field_messages())
    flows = TableForm(editor, "flows.csv")
    flows.set(flow_id="F20", country="IN", recipient_type="processor_it")
    assert not flows.save()
    shown.append(flows.field_messages())
    flows.set(country="CN", mechanism="art49_1_a")
    shown.append(flows.field_messages())
    risks = TableForm(editor, "risks.csv")
    risks.set(risk_id="R20", title="x", description="x", activity_ids=["A1"])
    assert not risks.save()
    shown.append(risks.field_messages())
    for messages in shown:
        for label, texts in messages.items():
            assert len(texts) == len(set(texts)), texts
            for text in texts:
                assert text.startswith(label + ": ") and not jargon(text), text
    assert shown[0]["Retention"] == ["Retention: fill this in"]  # once, not twice
    assert list(shown[0]) == [label for label in [s.label for s in FIELDS["activities.csv"]] if label in shown[0]]
    assert "Legitimate interest" in shown[0] and "Schedule 1 condition" in shown[0]
    walk = Walk(folder)
    assert not jargon(walk._status_html())


def test_a_new_row_has_no_silent_defaults(sample_copy):
    folder = sample_copy()
    flows = TableForm(AuditEditor(folder), "flows.csv")
    assert [flows.fields[c].value for c in ("activity_id", "recipient_type", "country")] == ["", "", ""]
    flows.set(flow_id="F20", recipient="x", data_categories="x", evidence="x")
    assert not flows.save()
    messages = flows.field_messages()
    for label in ("Activity", "Recipient type", "Destination country"):
        assert messages[label] == [f"{label}: choose one"]
    risks = TableForm(AuditEditor(folder), "risks.csv")
    assert (risks.fields["likelihood"].value, risks.fields["severity"].value) == ("", "")
    assert not risks.save() and risks.field_messages()["Likelihood"] == ["Likelihood: choose one"]
    assert "Ctrl-click" in str(risks.widget.children[4].children[1].value)  # the multi-select says how to pick several


def test_the_none_mechanism_says_what_it_means(sample_copy):
    flows = TableForm(AuditEditor(sample_copy()), "flows.csv")
    flows.set(country="US")
    none = flows.fields["mechanism"].options[0][0]
    assert none.startswith("(none: no mechanism, destination approved only in part") and "data bridge" in none
    flows.set(country="GB")
    assert flows.fields["mechanism"].options[0][0] == "(none: stays in the UK, not a restricted transfer)"


def test_eu_sccs_without_the_uk_addendum_are_refused_by_the_form(sample_copy):
    from dpia import transfers

    if transfers.assess("IN", "eu_sccs").severity != "error":
        pytest.skip("the law side (issue 11) does not yet refuse EU SCCs without the UK Addendum")
    folder = sample_copy()
    before = snapshot(folder)
    flows = TableForm(AuditEditor(folder), "flows.csv")
    flows.set(flow_id="F20", activity_id="A4", recipient="x", recipient_type="processor_it", data_categories="x",
              country="IN", mechanism="eu_sccs", evidence="x")
    assert "Transfer mechanism" in flows.field_messages() and "✗" in flows.notes["mechanism"].value
    assert not flows.save() and snapshot(folder) == before


def test_confirm_draft_is_refused_while_a_placeholder_remains(tmp_path):
    folder = new_audit("acme", SAMPLES / "harmony-community-care" / "notice.txt", tmp_path, "2026-11-23")
    before = snapshot(folder)
    form = TableForm(AuditEditor(folder), "activities.csv")
    form.load("A1")
    assert not form.confirm() and snapshot(folder) == before
    assert "Purpose: still holds the draft text “draft: state the purpose from the notice”" in \
        " ".join(form.field_messages()["Purpose"])
    form.set(purpose="Answer care enquiries", data_categories="name; contact details")
    assert form.confirm() and load(folder).activities.status.iloc[0] == "confirmed"


def test_drafted_risks_without_measures_are_not_yet_assessed(tmp_path):
    folder = new_audit("acme", SAMPLES / "case-management-cymru" / "notice.txt", tmp_path, "2026-11-23")
    report = build_report(folder)
    assert set(report.scored.residual) == {"not yet assessed"}
    assert "prior consultation with the ICO (Art 36) is not required" in report.section(6).html()


def test_a_residual_risk_worse_than_before_asks_for_a_reason(sample_copy):
    folder = sample_copy()
    form = TableForm(AuditEditor(folder), "risks.csv")
    form.load("R1")
    form.set(likelihood="remote", severity="significant", residual_likelihood="probable", residual_severity="severe")
    assert "Notes: the risk after measures (high) is higher than before (low): say why here" in \
        form.field_messages()["Notes"]
    assert not form.save()
    form.set(notes="a new supplier with a poor record")
    assert form.save()


def test_remove_asks_first_then_removes(sample_copy):
    folder = sample_copy()
    form = TableForm(AuditEditor(folder), "risks.csv")
    form.load("R3")
    assert not form.remove() and "Remove R3? This cannot be undone." in form.asking.children[0].value
    assert "R3" in set(load(folder).risks.risk_id)
    assert form.remove(confirmed=True) and "R3" not in set(load(folder).risks.risk_id)


def test_the_walk_reads_the_audit_dpia_walk_chose_and_never_a_sample(sample_copy, monkeypatch):
    folder = sample_copy()
    monkeypatch.setenv("DPIA_AUDIT", str(folder))
    assert Walk().path == folder and Walk().editor is not None
    monkeypatch.delenv("DPIA_AUDIT")
    walk = Walk()
    assert walk.editor is None and "No audit chosen" in walk._status_html() and walk.form("flows.csv") is None


def test_where_the_audit_stands_refreshes_after_a_save(sample_copy):
    walk = Walk(sample_copy())
    view = walk.stands(2)
    form = walk.form("activities.csv")
    form.set(**NEW_ACTIVITY)
    assert "Staff rota" not in view.value
    assert form.save() and "Staff rota" in view.value


def test_dpia_walk_starts_jupyterlab_with_the_audit_chosen(sample_copy, monkeypatch):
    folder = sample_copy()
    seen = {}

    def run(command, env, cwd):
        seen.update(command=command, env=env, cwd=cwd)
        return 0

    monkeypatch.setattr(cli, "_run_lab", run)
    assert cli.main(["walk", str(folder), "--no-browser", "--port", "8899"]) == 0
    assert seen["env"]["DPIA_AUDIT"] == str(folder.resolve())
    assert seen["command"][1:4] == ["-m", "jupyterlab", "--no-browser"] and "--port=8899" in seen["command"]
    assert Path(seen["cwd"]) == NOTEBOOKS
    assert cli.main(["walk", str(folder / "missing")]) == 2


# ---- dpia new ------------------------------------------------------------------------------


@pytest.mark.parametrize("notice", (sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else [NO_SHARED]) + sorted(NOTICES.iterdir()),
                         ids=lambda p: p.name if p else "shared-seeds")
def test_new_audit_from_any_notice_validates_with_drafts_and_reports(tmp_path, notice):
    folder = new_audit("draft", notice, tmp_path, "2026-11-23")
    audit = load(folder)
    assert audit.valid, [str(p) for p in audit.errors]
    for table in ("activities.csv", "flows.csv", "risks.csv"):
        assert set(audit.tables[table].status) <= {"draft"}
    drafts = [p for p in audit.warnings if p.rule == "draft_rows_need_review"]
    assert len(drafts) == sum(len(audit.tables[t]) for t in ("activities.csv", "flows.csv", "risks.csv"))
    assert all(audit.activities.evidence.str.len() > 0)
    build_report(folder)


def test_new_audit_drafts_what_the_notice_says(tmp_path):
    folder = new_audit("cmc", SAMPLES / "case-management-cymru" / "notice.txt", tmp_path, "2026-11-23")
    audit = load(folder)
    users = audit.activities.set_index("data_subjects").loc["service_user"]
    assert users.art6_basis == "6(1)(a);6(1)(b);6(1)(c);6(1)(f)" and users.art9_condition == "9(2)(h)"
    assert users.schedule1_condition == "not stated" and users.retention == "length of our involvement plus 3 years"
    assert "health" in users.special_categories
    assert {"gp_nhs", "police_courts", "processor_it"} <= set(audit.flows.recipient_type)
    abroad = audit.flows[audit.flows.recipient == "draft: recipient abroad"].iloc[0]
    assert abroad.country == "not stated"
    assert "TRANSFER_DEROGATION_RELIANCE".replace("_", " ").capitalize() in set(audit.risks.title)


def test_new_never_overwrites_and_checks_the_name(tmp_path, capsys):
    notice = SAMPLES / "best2care" / "notice.txt"
    assert cli.main(["new", "best", "--notice", str(notice), "--into", str(tmp_path)]) == 0
    assert "all drafts" in capsys.readouterr().out
    before = snapshot(tmp_path / "best")
    assert cli.main(["new", "best", "--notice", str(notice), "--into", str(tmp_path)]) == 2
    assert "never overwrites" in capsys.readouterr().err and snapshot(tmp_path / "best") == before
    assert cli.main(["new", "Bad Name!", "--notice", str(notice), "--into", str(tmp_path)]) == 2
    assert cli.main(["new", "x", "--notice", str(tmp_path / "missing.txt"), "--into", str(tmp_path)]) == 2
    assert not (tmp_path / "x").exists()


# ---- the notebooks, headless -------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel():
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel()
    yield km
    km.shutdown_kernel(now=True)


@pytest.mark.parametrize("notebook", WALK)
def test_walk_notebook_runs_headless_and_shows_its_forms(kernel, tmp_path, notebook):
    import papermill

    slug = SAMPLE_SLUGS[WALK.index(notebook) % len(SAMPLE_SLUGS)]  # each notebook once, the samples shared out
    out = tmp_path / notebook
    papermill.execute_notebook(str(NOTEBOOKS / notebook), str(out), kernel_name="python3", km=kernel, progress_bar=False,
                               parameters={"audit_path": str(SAMPLES / slug)}, cwd=str(NOTEBOOKS))
    text = out.read_text()
    assert "errors," in text and "application/vnd.jupyter.widget-view+json" in text
    assert "Traceback" not in text


def test_a_walk_notebook_with_no_audit_chosen_says_how_to_choose_one(kernel, tmp_path, monkeypatch):
    import papermill

    monkeypatch.delenv("DPIA_AUDIT", raising=False)
    out = tmp_path / "01.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / WALK[0]), str(out), kernel_name="python3", km=kernel, progress_bar=False,
                               cwd=str(NOTEBOOKS))
    text = out.read_text()
    assert "No audit chosen" in text and "dpia walk" in text
    assert "BEST2CARE" not in text and "Save answers" not in text  # no sample opened, no form


def test_a_walk_notebook_on_an_invalid_audit_lists_its_problems_and_shows_forms(kernel, tmp_path, sample_copy):
    import papermill

    folder = sample_copy()
    edit_csv(folder / "flows.csv", ",GB,", ",IND,")
    out = tmp_path / "04.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / WALK[3]), str(out), kernel_name="python3", km=kernel, progress_bar=False,
                               parameters={"audit_path": str(folder)}, cwd=str(NOTEBOOKS))
    text = out.read_text()
    assert "1 errors" in text and "Destination country: \u201cIND\u201d is not on the list" in text
    assert "widget-view" in text and "Traceback" not in text


def test_every_walk_notebook_has_a_documented_parameters_cell():
    import nbformat

    assert len(WALK) == 6
    for name in WALK:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1
        assert all("#" in line for line in params[0].source.splitlines())
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert "Art" in nb.cells[0].source  # the decision, with its legal citation
