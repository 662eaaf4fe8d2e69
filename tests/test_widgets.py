"""The auditor's walk: forms driven in code, `dpia new`, and every walk notebook run headless on every sample."""

from pathlib import Path

import pytest
from conftest import SAMPLE_SLUGS, SAMPLES

from dpia import cli
from dpia.audit import load
from dpia.draft import new_audit
from dpia.errors import DpiaError
from dpia.report import build_report
from dpia.widgets import AuditEditor, ScreeningForm, TableForm

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
WALK = sorted(p.name for p in NOTEBOOKS.glob("0*.ipynb"))
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
NOTICES = Path(__file__).parent / "notices"


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
    assert "special category data needs an Art 9(2) condition" in form.message.value  # shown while typing
    assert not form.save()
    assert "Not saved" in form.message.value
    assert snapshot(folder) == before


def test_art9h_needs_schedule1_before_it_saves(sample_copy):
    folder = sample_copy()
    form = TableForm(AuditEditor(folder), "activities.csv")
    form.set(**NEW_ACTIVITY, special_categories=["health"], art9_condition=["9(2)(h)"])
    assert "Schedule 1" in form.message.value and not form.save()
    form.set(schedule1_condition=["sch1.2"])
    assert "✗" not in form.message.value
    assert form.save()


def test_destination_without_adequacy_needs_a_mechanism(sample_copy):
    folder = sample_copy()
    before = snapshot(folder)
    form = TableForm(AuditEditor(folder), "flows.csv")
    form.set(flow_id="F20", activity_id="A4", recipient="Rota app Pvt Ltd", recipient_type="processor_it",
             data_categories="shifts", country="IN", evidence="our supplier list")
    assert "India (IN) is not an approved destination" in form.message.value
    assert not form.save() and snapshot(folder) == before
    form.set(mechanism="idta")
    assert "Transfer check: ok" in form.message.value
    assert form.save()
    flows = load(folder).flows.set_index("flow_id")
    assert flows.loc["F20", "mechanism"] == "idta"


def test_editing_a_row_and_confirming_a_draft(tmp_path):
    folder = new_audit("acme", SAMPLES / "harmony-community-care" / "notice.txt", tmp_path, "2026-11-23")
    editor = AuditEditor(folder)
    form = TableForm(editor, "activities.csv")
    form.load("A1")
    form.set(purpose="Answer care enquiries")
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
    assert "A4" in form.message.value


def test_screening_answers_are_saved(sample_copy):
    folder = sample_copy("harmony-community-care")
    form = ScreeningForm(AuditEditor(folder))
    form.set("wp248_large_scale", True, "40,000 enquiries a year")
    form.set("ico_denial_of_service", True)
    assert form.save() and "DPIA required" in form.message.value
    screening = load(folder).meta["screening"]
    assert screening["wp248_large_scale"] == {"answer": True, "reason": "40,000 enquiries a year"}


def test_editor_refuses_an_unreadable_audit(sample_copy):
    folder = sample_copy()
    (folder / "flows.csv").write_bytes(b"")
    with pytest.raises(DpiaError, match="cannot edit"):
        AuditEditor(folder)


# ---- dpia new ------------------------------------------------------------------------------


@pytest.mark.parametrize("notice", sorted(SEEDS.glob("*.txt")) + sorted(NOTICES.iterdir()), ids=lambda p: p.name)
def test_new_audit_from_any_notice_validates_with_drafts_and_reports(tmp_path, notice):
    if not notice.exists():
        pytest.skip("shared/ is not beside this checkout")
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


@pytest.mark.parametrize("slug", SAMPLE_SLUGS)
@pytest.mark.parametrize("notebook", WALK)
def test_walk_notebook_runs_headless(kernel, tmp_path, notebook, slug):
    import papermill

    out = tmp_path / notebook
    papermill.execute_notebook(str(NOTEBOOKS / notebook), str(out), kernel_name="python3", km=kernel, progress_bar=False,
                               parameters={"audit_path": str(SAMPLES / slug), "interactive": False},
                               cwd=str(NOTEBOOKS))
    assert "errors," in out.read_text()


@pytest.mark.parametrize("notebook", WALK)
def test_walk_notebook_shows_its_forms(kernel, tmp_path, notebook):
    import papermill

    out = tmp_path / notebook
    papermill.execute_notebook(str(NOTEBOOKS / notebook), str(out), kernel_name="python3", km=kernel, progress_bar=False,
                               parameters={"audit_path": str(SAMPLES / "best2care")}, cwd=str(NOTEBOOKS))
    assert "application/vnd.jupyter.widget-view+json" in out.read_text()


def test_every_walk_notebook_has_a_documented_parameters_cell():
    import nbformat

    assert len(WALK) == 5
    for name in WALK:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1
        assert all("#" in line for line in params[0].source.splitlines())
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert "Art" in nb.cells[0].source  # the decision, with its legal citation
