"""Forms for editing an audit in JupyterLab, with the logic testable without a browser.

``AuditEditor`` holds an audit in memory. A form builds a row from its widgets, checks it with the
audit's own validation (so the form and `dpia validate` never disagree) as the auditor types, and
saves through the editor, which writes every file atomically or, if anything is invalid, nothing.
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as w
import pandas as pd

from . import risk, schemas, transfers, vocab
from .audit import Audit, load, save, validate
from .errors import AuditInvalid, DpiaError
from .problems import Problem
from .vocab import NOT_STATED, split_codes

ID_COLUMN = {"activities.csv": "activity_id", "flows.csv": "flow_id", "risks.csv": "risk_id"}
CONFIRMED = {"activities.csv": "confirmed", "flows.csv": "confirmed", "risks.csv": "open"}


class AuditEditor:
    """An audit open for editing; nothing reaches the disk except through a save that validates."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.audit = load(self.path)
        if self.audit.unreadable:
            raise DpiaError(f"{self.path}: cannot edit while {', '.join(sorted(self.audit.unreadable))} cannot be read; "
                            f"run `dpia validate {self.path}`")

    def table(self, name: str) -> pd.DataFrame:
        return self.audit.tables[name]

    def ids(self, name: str) -> list[str]:
        return list(self.table(name)[ID_COLUMN[name]])

    def row(self, name: str, row_id: str) -> dict[str, str]:
        frame = self.table(name)
        match = frame[frame[ID_COLUMN[name]] == row_id]
        if match.empty:
            raise DpiaError(f"{name} has no row {row_id!r}")
        return match.iloc[0].to_dict()

    def _with_row(self, name: str, row: dict[str, str], replacing: str | None) -> tuple[Audit, int]:
        candidate = copy.copy(self.audit)
        candidate.tables = dict(self.audit.tables)
        frame = self.table(name).copy()
        key = ID_COLUMN[name]
        target = replacing if replacing is not None else row.get(key, "")
        positions = list(frame.index[frame[key] == target])
        clean = {c: str(row.get(c, "") or "") for c in frame.columns}
        if positions:
            frame.loc[positions[0]] = pd.Series(clean)
            index = frame.index.get_loc(positions[0])
        else:
            frame = pd.concat([frame, pd.DataFrame([clean])], ignore_index=True)
            index = len(frame) - 1
        candidate.tables[name] = frame.reset_index(drop=True)
        candidate.read_problems, candidate.unreadable = [], set()
        candidate.lines = {t: [i + 2 for i in range(len(f))] for t, f in candidate.tables.items()}
        return candidate, index + 2

    def check(self, name: str, row: dict[str, str], replacing: str | None = None) -> list[Problem]:
        """The problems the audit would have in this row if it were saved as it stands."""
        candidate, line = self._with_row(name, row, replacing)
        return [p for p in validate(candidate) if p.file == name and p.row == line]

    def put(self, name: str, row: dict[str, str], replacing: str | None = None) -> list[Problem]:
        """Add or replace a row and save. Returns the problems; on any error nothing changes, in memory or on disk."""
        candidate, _ = self._with_row(name, row, replacing)
        return self._save(candidate)

    def remove(self, name: str, row_id: str) -> list[Problem]:
        candidate = copy.copy(self.audit)
        candidate.tables = dict(self.audit.tables)
        frame = self.table(name)
        candidate.tables[name] = frame[frame[ID_COLUMN[name]] != row_id].reset_index(drop=True)
        return self._save(candidate)

    def confirm(self, name: str, row_id: str) -> list[Problem]:
        row = self.row(name, row_id)
        row["status"] = CONFIRMED[name]
        return self.put(name, row, replacing=row_id)

    def set_screening(self, answers: dict[str, tuple[bool | None, str]]) -> list[Problem]:
        candidate = copy.copy(self.audit)
        candidate.meta = dict(self.audit.meta)
        candidate.meta["screening"] = {code: ({"answer": answer, "reason": reason} if reason else answer)
                                       for code, (answer, reason) in answers.items() if answer is not None}
        return self._save(candidate)

    def _save(self, candidate: Audit) -> list[Problem]:
        try:
            problems = save(candidate, self.path)
        except AuditInvalid as exc:
            return exc.problems
        self.audit = candidate
        return problems


# ---- forms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    column: str
    kind: str  # text | area | one | many
    options: str = ""  # where the choices come from: a vocabulary, "activities", a level scale, or "status"
    not_stated: bool = False  # 'not stated' is a choice


FIELDS = {
    "activities.csv": [
        FieldSpec("activity_id", "text"), FieldSpec("name", "text"), FieldSpec("purpose", "area"),
        FieldSpec("data_subjects", "many", "data_subjects"), FieldSpec("data_categories", "text"),
        FieldSpec("special_categories", "many", "special_categories"), FieldSpec("sources", "many", "sources"),
        FieldSpec("art6_basis", "many", "art6", True), FieldSpec("legitimate_interest", "text"),
        FieldSpec("art9_condition", "many", "art9", True), FieldSpec("schedule1_condition", "many", "schedule1", True),
        FieldSpec("techniques", "many", "techniques"), FieldSpec("retention", "text"), FieldSpec("evidence", "area"),
        FieldSpec("status", "one", "status")],
    "flows.csv": [
        FieldSpec("flow_id", "text"), FieldSpec("activity_id", "one", "activities"), FieldSpec("recipient", "text"),
        FieldSpec("recipient_type", "one", "recipient_types"), FieldSpec("data_categories", "text"),
        FieldSpec("country", "one", "countries", True), FieldSpec("mechanism", "one", "transfer_mechanisms", True),
        FieldSpec("evidence", "area"), FieldSpec("status", "one", "status")],
    "risks.csv": [
        FieldSpec("risk_id", "text"), FieldSpec("title", "text"), FieldSpec("description", "area"),
        FieldSpec("activity_ids", "many", "activities"), FieldSpec("likelihood", "one", "likelihood"),
        FieldSpec("severity", "one", "severity"), FieldSpec("measures", "area"),
        FieldSpec("residual_likelihood", "one", "likelihood"), FieldSpec("residual_severity", "one", "severity"),
        FieldSpec("owner", "text"), FieldSpec("status", "one", "status")],
}


def _choices(editor: AuditEditor, table: str, spec: FieldSpec) -> list[tuple[str, str]]:
    if spec.options == "activities":
        frame = editor.table("activities.csv")
        choices = [(f"{a} {n}", a) for a, n in zip(frame.activity_id, frame.name)]
    elif spec.options == "status":
        choices = [(s, s) for s in (schemas.RISK_STATUSES if table == "risks.csv" else schemas.STATUSES)]
    elif spec.options in ("likelihood", "severity"):
        choices = [(level, level) for level in risk.scale(editor.audit.risk_method, spec.options)]
    elif spec.options == "sources":
        choices = [(t.label, t.code) for name in ("data_subjects", "recipient_types") for t in vocab.get(name)]
    elif spec.options == "countries":
        first = [t for t in vocab.get("countries") if t.code == "GB"]
        choices = [(f"{t.code} {t.label}", t.code) for t in first + [t for t in vocab.get("countries") if t.code != "GB"]]
    else:
        choices = [(f"{t.code} {t.label}" if t.code[0].isdigit() or t.code.startswith("sch1") else t.label, t.code)
                   for t in vocab.get(spec.options)]
    if spec.not_stated:
        choices.append((NOT_STATED, NOT_STATED))
    if spec.kind == "one" and spec.column == "mechanism":
        choices.insert(0, ("(none: not a restricted transfer)", ""))
    return choices


def _unfilled(problem: Problem) -> bool:
    """A message that only says a field is still blank or incomplete (shown once the field is touched)."""
    return problem.rule.startswith(("str_length", "str_matches")) or problem.rule in (
        "retention_is_duration_or_not_stated", "draft_rows_need_review")


class TableForm:
    """Add, edit, confirm or remove rows of one inventory table."""

    NEW = "(new row)"

    def __init__(self, editor: AuditEditor, table: str):
        self.editor, self.table = editor, table
        self.key = ID_COLUMN[table]
        self.fields: dict[str, w.Widget] = {}
        layout = w.Layout(width="95%")
        for spec in FIELDS[table]:
            description = spec.column.replace("_", " ")
            if spec.kind == "text":
                widget = w.Text(description=description, layout=layout)
            elif spec.kind == "area":
                widget = w.Textarea(description=description, layout=w.Layout(width="95%", height="4em"))
            elif spec.kind == "one":
                widget = w.Dropdown(description=description, options=_choices(editor, table, spec), layout=layout)
            else:
                widget = w.SelectMultiple(description=description, options=_choices(editor, table, spec),
                                          layout=w.Layout(width="95%", height="7em"))
            widget.style.description_width = "11em"
            widget.observe(self._changed, names="value")
            self.fields[spec.column] = widget
        self.touched: set[str] = set()  # on a new row, "empty" messages wait until a field is filled or Save pressed
        self.attempted = False
        self.picker = w.Dropdown(description="edit row", options=[self.NEW, *editor.ids(table)], layout=layout)
        self.picker.style.description_width = "11em"
        self.picker.observe(self._picked, names="value")
        self.message = w.HTML()
        self.save_button = w.Button(description="Save", button_style="primary", icon="save")
        self.confirm_button = w.Button(description="Confirm draft", icon="check")
        self.remove_button = w.Button(description="Remove", button_style="danger", icon="trash")
        self.save_button.on_click(lambda _: self.save())
        self.confirm_button.on_click(lambda _: self.confirm())
        self.remove_button.on_click(lambda _: self.remove())
        self.widget = w.VBox([self.picker, *self.fields.values(),
                              w.HBox([self.save_button, self.confirm_button, self.remove_button]), self.message])
        self.clear()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # values in and out
    def values(self) -> dict[str, str]:
        row = {}
        for column, widget in self.fields.items():
            value = widget.value
            row[column] = ";".join(value) if isinstance(value, tuple) else str(value or "").strip()
        return row

    def set(self, **values: str | list[str]) -> None:
        """Set widgets as an auditor would (lists for multi-choice fields)."""
        for column, value in values.items():
            widget = self.fields[column]
            if isinstance(widget, w.SelectMultiple):
                widget.value = tuple(value if isinstance(value, list) else split_codes(value))
            else:
                widget.value = value

    def load(self, row_id: str) -> None:
        self.picker.value = row_id

    def clear(self) -> None:
        self.touched, self.attempted = set(), False
        for widget in self.fields.values():
            if isinstance(widget, w.SelectMultiple):
                widget.value = ()
            elif isinstance(widget, w.Dropdown):
                widget.value = widget.options[0][1] if widget.options else None
            else:
                widget.value = ""
        self.fields["status"].value = "draft"
        self.touched = set()
        self._changed()

    def _picked(self, change=None) -> None:
        if self.picker.value == self.NEW:
            self.clear()
            return
        row = self.editor.row(self.table, self.picker.value)
        for column, widget in self.fields.items():
            value = str(row.get(column, ""))
            if isinstance(widget, w.SelectMultiple):
                known = {code for _, code in widget.options}
                widget.value = tuple(c for c in split_codes(value) if c in known)
            elif isinstance(widget, w.Dropdown):
                known = {code for _, code in widget.options}
                widget.value = value if value in known else widget.options[0][1]
            else:
                widget.value = value
        self._changed()

    # checking and saving
    @property
    def replacing(self) -> str | None:
        return None if self.picker.value == self.NEW else self.picker.value

    def problems(self) -> list[Problem]:
        return self.editor.check(self.table, self.values(), self.replacing)

    def _changed(self, change=None) -> None:
        if change is not None:
            self.touched.update(c for c, widget in self.fields.items() if widget is change["owner"])
        problems = self.problems()
        if self.replacing is None and not self.attempted:
            if not self.touched:
                self.message.value = "<div>Fill in the row: messages appear as you type.</div>"
                return
            problems = [p for p in problems if p.column in self.touched or not _unfilled(p)]
        self.show(problems, extra=self._transfer_note())

    def _transfer_note(self) -> str:
        if self.table != "flows.csv" or not self.fields["country"].value:
            return ""
        checked = transfers.assess(self.fields["country"].value, self.fields["mechanism"].value or "")
        return f"Transfer check: {checked.verdict} — {checked.message}"

    def show(self, problems: list[Problem], extra: str = "", saved: str = "") -> None:
        lines = [f'<div style="color:#1f6f3f">{html.escape(saved)}</div>'] if saved else []
        for p in problems:
            colour = "#b3261e" if p.is_error else "#9a5b00"
            lines.append(f'<div style="color:{colour}">{"✗" if p.is_error else "!"} {html.escape(p.column)}: '
                         f"{html.escape(p.message)}</div>")
        if extra:
            lines.append(f"<div>{html.escape(extra)}</div>")
        if not lines:
            lines.append('<div style="color:#1f6f3f">✓ no problems</div>')
        self.message.value = "".join(lines)

    def _after(self, problems: list[Problem], done: str, row_id: str | None) -> bool:
        errors = [p for p in problems if p.is_error]
        if errors:
            self.show(errors, saved="")
            self.message.value = '<div style="color:#b3261e"><b>Not saved.</b> Nothing was written.</div>' + self.message.value
            return False
        self.picker.options = [self.NEW, *self.editor.ids(self.table)]
        self.picker.value = row_id if row_id in self.picker.options else self.NEW
        self.show([p for p in problems if p.file == self.table and row_id and self._is_row(p, row_id)], saved=done)
        return True

    def _is_row(self, problem: Problem, row_id: str) -> bool:
        ids = self.editor.ids(self.table)
        return row_id in ids and problem.row == ids.index(row_id) + 2

    def save(self) -> bool:
        self.attempted = True
        row = self.values()
        return self._after(self.editor.put(self.table, row, self.replacing), f"Saved {row[self.key]}.", row[self.key])

    def confirm(self) -> bool:
        if self.replacing is None:
            self.message.value = '<div style="color:#b3261e">Pick a saved row to confirm.</div>'
            return False
        row_id = self.replacing
        return self._after(self.editor.confirm(self.table, row_id), f"Confirmed {row_id}.", row_id)

    def remove(self) -> bool:
        if self.replacing is None:
            return False
        row_id = self.replacing
        return self._after(self.editor.remove(self.table, row_id), f"Removed {row_id}.", None)


class ScreeningForm:
    """Answers to the screening questions an inventory cannot answer (audit.yaml `screening`)."""

    def __init__(self, editor: AuditEditor):
        self.editor = editor
        current = editor.audit.meta.get("screening") or {}
        self.answers: dict[str, tuple[w.Dropdown, w.Text]] = {}
        rows = []
        for term in vocab.get("screening_criteria"):
            answer = current.get(term.code)
            value, reason = (answer.get("answer"), answer.get("reason", "")) if isinstance(answer, dict) else (answer, "")
            choice = w.Dropdown(options=[("not answered", None), ("yes", True), ("no", False)], value=value,
                                layout=w.Layout(width="9em"))
            note = w.Text(value=str(reason or ""), placeholder="why (optional)", layout=w.Layout(width="22em"))
            self.answers[term.code] = (choice, note)
            rows.append(w.HBox([w.HTML(f"<b>{html.escape(term.label)}</b><br><small>{html.escape(term['question'])}</small>",
                                       layout=w.Layout(width="40em")), choice, note]))
        self.message = w.HTML()
        button = w.Button(description="Save answers", button_style="primary", icon="save")
        button.on_click(lambda _: self.save())
        self.widget = w.VBox([*rows, button, self.message])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def set(self, code: str, answer: bool | None, reason: str = "") -> None:
        choice, note = self.answers[code]
        choice.value, note.value = answer, reason

    def save(self) -> bool:
        problems = self.editor.set_screening({c: (d.value, t.value.strip()) for c, (d, t) in self.answers.items()})
        errors = [p for p in problems if p.is_error]
        if errors:
            self.message.value = "<b>Not saved.</b> " + "".join(f"<div>{html.escape(str(p))}</div>" for p in errors)
            return False
        from .screening import screen

        self.message.value = f'<div style="color:#1f6f3f">Saved. Screening now: {html.escape(screen(self.editor.audit).verdict)}</div>'
        return True
