"""Forms for editing an audit in JupyterLab, with the logic testable without a browser.

A form builds a row from its widgets and checks it with the audit's own validation (so the form and
`dpia validate` never disagree) as the auditor types. Messages speak the auditor's language: field
labels and vocabulary labels, never column names or codes, each next to its field, once. Saves go
through ``editing.AuditEditor``: conflict-safe, only the rows they change, all or nothing.

``Walk`` is what the six walk notebooks call: the audit chosen (by `dpia walk`, or the notebook's
``audit_path``), its problems as a plain list, where it stands and which of the ICO template's questions are
still open (refreshed after every save), and the forms (those for audit.yaml are in ``template_forms``).
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as w

from . import risk, schemas, transfers, vocab
from .editing import CONFIRMED, ID_COLUMN, AuditEditor, Outcome, merge3
from .errors import DpiaError
from .problems import Problem
from .vocab import NOT_STATED, split_codes
from .words import joined

__all__ = ["AuditEditor", "ScreeningForm", "TableForm", "Walk", "ENV", "plain", "say"]

ENV = "DPIA_AUDIT"  # the audit `dpia walk` chose for every walk notebook
PICK_SEVERAL = "Ctrl-click (⌘-click on a Mac) to pick several"
LABEL_WIDTH = "17em"  # room for the longest field label, "Safeguards for automated decisions"
ERROR, WARNING, OK = "#b3261e", "#9a5b00", "#1f6f3f"


@dataclass(frozen=True)
class FieldSpec:
    column: str
    label: str
    kind: str  # text | area | one | many
    options: str = ""  # where the choices come from: a vocabulary, "activities", a level scale, or "status"
    not_stated: bool = False  # 'not stated' is a choice


def _f(column, label, kind, options="", not_stated=False) -> FieldSpec:
    return FieldSpec(column, label, kind, options, not_stated)


NOTES = _f("notes", "Notes", "area")
FIELDS = {
    "activities.csv": [
        _f("activity_id", "Activity ID", "text"), _f("name", "Name", "text"), _f("purpose", "Purpose", "area"),
        _f("data_subjects", "Data subjects", "many", "data_subjects"), _f("data_categories", "Data categories", "text"),
        _f("special_categories", "Special category data", "many", "special_categories"),
        _f("sources", "Sources", "many", "sources"),
        _f("art6_basis", "Article 6 lawful basis", "many", "art6", True),
        _f("legitimate_interest", "Legitimate interest", "text"),
        _f("annex1_condition", "Recognised legitimate interest (Annex 1)", "many", "recognised_legitimate_interests", True),
        _f("art9_condition", "Article 9 condition", "many", "art9", True),
        _f("schedule1_condition", "Schedule 1 condition", "many", "schedule1", True),
        _f("techniques", "Risky techniques", "many", "techniques"),
        _f("adm_safeguards", "Safeguards for automated decisions", "many", "adm_safeguards", True),
        _f("retention", "Retention", "text"),
        _f("evidence", "Evidence from the notice", "area"), _f("status", "Status", "one", "status"), NOTES],
    "flows.csv": [
        _f("flow_id", "Flow ID", "text"), _f("activity_id", "Activity", "one", "activities"),
        _f("recipient", "Recipient", "text"), _f("recipient_type", "Recipient type", "one", "recipient_types"),
        _f("data_categories", "Data shared", "text"), _f("country", "Destination country", "one", "countries", True),
        _f("mechanism", "Transfer mechanism", "one", "transfer_mechanisms", True),
        _f("evidence", "Evidence from the notice", "area"), _f("status", "Status", "one", "status"), NOTES],
    "risks.csv": [
        _f("risk_id", "Risk ID", "text"), _f("title", "Title", "text"),
        _f("description", "Source of risk and harm", "area"), _f("activity_ids", "Activities", "many", "activities"),
        _f("likelihood", "Likelihood", "one", "likelihood"), _f("severity", "Severity", "one", "severity"),
        _f("measures", "Measures", "area"), _f("residual_likelihood", "Likelihood after measures", "one", "likelihood"),
        _f("residual_severity", "Severity after measures", "one", "severity"),
        _f("effect", "Effect of the measures", "one", "measure_effects"),
        _f("measure_approved", "Measures approved", "one", "yes_no"), _f("owner", "Owner", "text"),
        _f("due", "Due (YYYY-MM-DD)", "text"), _f("feared_event", "Feared event (CNIL)", "one", "feared_events"),
        _f("risk_sources", "Risk sources", "text"), _f("status", "Status", "one", "status"), NOTES],
}
LABELS = {t: {s.column: s.label for s in specs} for t, specs in FIELDS.items()}
# Headings that group a table's fields as the ICO template's steps do, placed above the field they name.
HEADINGS = {"risks.csv": {"risk_id": "Step 5: the risk, its likelihood and severity",
                          "measures": "Step 6: the measures, their effect, and the action plan (owner and due date)",
                          "feared_event": "Optional, after CNIL's method: the feared event and who or what could cause it",
                          "status": "Status"}}
TABLE_NAMES = {"activities.csv": "Activity", "flows.csv": "Flow", "risks.csv": "Risk", "audit.yaml": "Audit details"}
AUDIT_LABELS = {"provider": "Provider", "kind": "Kind of provider", "notice": "Notice file", "notice_url": "Notice address",
                "audit_date": "Audit date", "assessor": "Assessor", "scope": "Scope", "risk_method": "Risk method",
                "screening": "Screening", "consultation": "Consultation", "dpo_advice": "DPO advice", "sign_off": "Sign-off"}


# ---- the auditor's language ----------------------------------------------------------------


def _spec(table: str, column: str) -> FieldSpec | None:
    return next((s for s in FIELDS.get(table, []) if s.column == column), None)


def _label_of(table: str, column: str) -> str:
    if table == "audit.yaml":
        top = column.split(".")[0].split("[")[0]
        if top in AUDIT_LABELS:
            return AUDIT_LABELS[top]
        from .template_forms import label

        return label(column)
    return LABELS.get(table, {}).get(column) or column.replace("_", " ").capitalize()


def _vocab_labels(name: str, cell: str) -> list[str]:
    voc = vocab.get(name)
    return [voc.terms[voc.resolve(c)].label if voc.resolve(c) else c for c in split_codes(cell)]


def _unknown(name: str, cell: str, also: tuple[str, ...] = ()) -> list[str]:
    vocs = [vocab.get(n) for n in (name, *also)]
    return [c for c in split_codes(cell) if c.lower() != NOT_STATED and not any(v.resolve(c) for v in vocs)]


def _mechanism_phrases() -> list[tuple[re.Pattern, str]]:
    voc = vocab.get("transfer_mechanisms")
    safeguards = [voc.terms[c].label for c in ("idta", "uk_addendum", "bcr") if c in voc.terms]
    choose = f"choose one ({', '.join(safeguards)}, or an Art 49 derogation for occasional transfers), or “not stated”"
    return [(re.compile(r"give a transfer_mechanisms code \([^)]*\) or write 'not stated'"), choose),
            (re.compile(r" \((?:[a-z0-9]+_)+[a-z0-9]+\)"), ""),  # "the UK Addendum (uk_addendum)"
            (re.compile(r" \([A-Z]{2}\)"), "")]


def plain(message: str, table: str = "") -> str:
    """A library message with column names and underscore codes replaced by labels."""
    for pattern, text in _mechanism_phrases():
        message = pattern.sub(text, message)
    columns = {c: _label_of(t, c) for t in FIELDS for c in LABELS[t] if "_" in c}
    columns.update({c: _label_of(table, c) for c in LABELS.get(table, {}) if "_" in c})
    for column in sorted(columns, key=len, reverse=True):
        message = re.sub(rf"\b{re.escape(column)}\b", columns[column].lower(), message)
    codes = {}
    for name in ("transfer_mechanisms", "recipient_types", "data_subjects", "special_categories", "techniques",
                 "screening_criteria", "provider_kinds"):
        codes.update({t.code: t.label for t in vocab.get(name) if "_" in t.code})
    for code in sorted(codes, key=len, reverse=True):
        message = re.sub(rf"(?<![\w]){re.escape(code)}(?![\w])", codes[code], message)
    return message.replace("'not stated'", "“not stated”")


def say(problem: Problem, row: dict[str, str] | None = None, method: str = risk.DEFAULT_METHOD) -> str:
    """What a form shows for a problem, after its field's label: plain words, vocabulary labels."""
    row, table, column, rule = row or {}, problem.file, problem.column, problem.rule
    if table == "audit.yaml" and rule == "audit_yaml":
        from .template_forms import say_meta

        return say_meta(problem)
    value = str(row.get(column, ""))
    spec = _spec(table, column)
    if rule.startswith("str_length") or (rule.startswith("risk_level") and not value.strip()):
        return "choose one" if spec and spec.kind == "one" else "choose at least one" if spec and spec.kind == "many" \
            else "fill this in"
    if rule.startswith("str_matches"):
        return "use letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. A1)"
    if rule == "field_uniqueness":
        return f"{value} is used by another row: each row needs its own ID"
    if rule.startswith("isin"):
        allowed = schemas.RISK_STATUSES if table == "risks.csv" else schemas.STATUSES
        return f"choose one of {', '.join(allowed)}"
    if rule.startswith("codes:"):
        name = schemas.CODE_COLUMNS.get(rule, "")
        bad = _unknown(name, value, ("recipient_types",) if rule == "codes:sources" else ()) if name else []
        if bad:
            return f"{joined(['“' + b + '”' for b in bad])} is not on the list: choose from the list"
        return "choose only one"
    if rule.startswith("risk_level") or rule == "risk_levels_match_method":
        scale = risk.scale(method, "likelihood" if "likelihood" in column else "severity")
        return f"“{value}” is not a level of this audit's scale: choose one of {', '.join(scale)}"
    if rule == "special_category_needs_art9":
        special = joined(_vocab_labels("special_categories", row.get("special_categories", "")))
        return f"choose one for {special}, or “not stated” if the notice gives none"
    if rule == "art9_condition_needs_schedule1":
        art9 = vocab.get("art9")
        needing = [f"{art9.terms[c].label} ({c})" for c in map(art9.resolve, split_codes(row.get("art9_condition", "")))
                   if c and art9.terms[c].get("needs_schedule1")]
        return f"{joined(needing)} needs a DPA 2018 Schedule 1 condition: choose one, or “not stated”"
    if rule == "criminal_offence_needs_schedule1":
        return "criminal offence data needs a DPA 2018 Schedule 1 condition: choose one, or “not stated”"
    if rule == "legitimate_interests_needs_interest":
        return "legitimate interests (Art 6(1)(f)) is chosen: state the interest pursued (Art 13(1)(d))"
    if rule == "retention_is_duration_or_not_stated":
        return "give a duration with a number and a unit (e.g. “6 years after last contact”), or “not stated”"
    if rule in ("flow_activity_exists", "risk_activities_exist"):
        known = {a for a in split_codes(value)}
        return f"activity {joined(sorted(known))} does not exist: choose from the list"
    if rule == "residual_not_above_inherent":
        return plain(problem.message, table).replace("risk before measures", "risk before its measures") + \
            ": say why in Notes, or correct the levels"
    if rule == "draft_rows_need_review":
        return "a draft: check it against the notice, then press Confirm draft"
    return plain(problem.message, table)


def _problem_html(text: str, error: bool) -> str:
    return f'<div style="color:{ERROR if error else WARNING}">{"✗" if error else "!"} {html.escape(text)}</div>'


# ---- choices -------------------------------------------------------------------------------


def _mechanism_none(country: str, on=None) -> str:
    """What 'no mechanism' means for this destination, under the law of the audit's date."""
    if not country:
        return "(none: no mechanism; choose the destination first)"
    if country.lower() == NOT_STATED:
        return "(none: no mechanism, but the destination is not named)"
    code = vocab.get("countries").resolve(country) or country
    if code == transfers.UK:
        return "(none: stays in the UK, not a restricted transfer)"
    adequate = vocab.in_force("adequacy", on).terms.get(code)
    label = vocab.get("countries").terms[code].label if code in vocab.get("countries").terms else country
    if adequate is None:
        return f"(none: not allowed, {label} is not an approved destination)"
    if adequate["coverage"] == "full":
        return f"(none: no mechanism needed, destination approved: {label})"
    return f"(none: no mechanism, destination approved only in part: {adequate.description.rstrip('.')})"


def _choices(editor: AuditEditor, table: str, spec: FieldSpec) -> list[tuple[str, str]]:
    if spec.options == "activities":
        frame = editor.table("activities.csv")
        names = frame["name"] if "name" in frame.columns else [""] * len(frame)
        choices = [(f"{a} {n}", a) for a, n in zip(editor.ids("activities.csv"), names)]
    elif spec.options == "status":
        choices = [(s, s) for s in (schemas.RISK_STATUSES if table == "risks.csv" else schemas.STATUSES)]
    elif spec.options == "yes_no":
        choices = [("yes", "yes"), ("no", "no")]
    elif spec.options in ("likelihood", "severity"):
        method = editor.audit.risk_method if vocab.get("risk_methods").resolve(editor.audit.risk_method) else "ico"
        choices = [(level, level) for level in risk.scale(method, spec.options)]
    elif spec.options == "sources":
        choices = [(t.label, t.code) for name in ("data_subjects", "recipient_types") for t in editor.vocabulary(name)]
    elif spec.options == "countries":
        terms = list(editor.vocabulary("countries"))
        choices = [(t.label, t.code) for t in [t for t in terms if t.code == transfers.UK] +
                   [t for t in terms if t.code != transfers.UK]]
    else:
        choices = [(vocab.cited(t), t.code) for t in editor.vocabulary(spec.options)]
    if spec.not_stated:
        choices.append((NOT_STATED, NOT_STATED))
    if spec.kind == "one" and spec.column == "mechanism":
        choices.insert(0, (_mechanism_none("", editor.audit.law_date), ""))
    elif spec.kind == "one" and spec.options != "status":
        choices.insert(0, ("(choose one)", ""))
    return choices


def _unfilled(problem: Problem) -> bool:
    """A message that only says a field is still blank or incomplete (shown once the field is touched)."""
    return problem.rule.startswith(("str_length", "str_matches", "risk_level")) or problem.rule in (
        "retention_is_duration_or_not_stated", "draft_rows_need_review")


def _button(description: str, style: str = "", icon: str = "") -> w.Button:
    return w.Button(description=description, button_style=style, icon=icon)


# ---- the table forms -----------------------------------------------------------------------


class TableForm:
    """Add, edit, confirm or remove rows of one inventory table."""

    NEW = "(new row)"

    def __init__(self, editor: AuditEditor, table: str):
        self.editor, self.table = editor, table
        self.key = ID_COLUMN[table]
        self.specs = {s.column: s for s in FIELDS[table]}
        self.fields: dict[str, w.Widget] = {}
        self.notes: dict[str, w.HTML] = {}  # the message under each field
        rows = []
        for spec in FIELDS[table]:
            description = spec.label
            if spec.kind == "text":
                widget = w.Text(description=description, layout=w.Layout(width="95%"))
            elif spec.kind == "area":
                widget = w.Textarea(description=description, layout=w.Layout(width="95%", height="4em"))
            elif spec.kind == "one":
                widget = w.Dropdown(description=description, options=_choices(editor, table, spec),
                                    layout=w.Layout(width="95%"))
            else:
                widget = w.SelectMultiple(description=description, options=_choices(editor, table, spec),
                                          layout=w.Layout(width="95%", height="7em"))
            widget.style.description_width = LABEL_WIDTH
            widget.observe(self._changed, names="value")
            self.fields[spec.column] = widget
            self.notes[spec.column] = w.HTML(layout=w.Layout(margin=f"0 0 0 {LABEL_WIDTH}"))
            hint = [w.HTML(f'<small style="color:#555">{PICK_SEVERAL}</small>', layout=w.Layout(margin=f"0 0 0 {LABEL_WIDTH}"))] \
                if spec.kind == "many" else []
            heading = HEADINGS.get(table, {}).get(spec.column)
            head = [w.HTML(f"<h4>{html.escape(heading)}</h4>")] if heading else []
            rows.append(w.VBox([*head, widget, *hint, self.notes[spec.column]]))
        self.touched: set[str] = set()  # on a new row, "blank" messages wait until a field is filled or Save pressed
        self.attempted = False
        self.loaded: dict[str, str] = {}  # the row as the form loaded it, for Reload's merge
        self.picker = w.Dropdown(description="Edit", options=self._picker_options(), layout=w.Layout(width="95%"))
        self.picker.style.description_width = LABEL_WIDTH
        self.picker.observe(self._picked, names="value")
        self.message = w.HTML()
        self.save_button = _button("Save", "primary", "save")
        self.confirm_button = _button("Confirm draft", icon="check")
        self.remove_button = _button("Remove", "danger", "trash")
        self.reload_button = _button("Reload", icon="refresh")
        self.yes_button, self.no_button = _button("Yes, remove", "danger"), _button("Cancel")
        self.asking = w.HBox([])
        self.save_button.on_click(lambda _: self.save())
        self.confirm_button.on_click(lambda _: self.confirm())
        self.remove_button.on_click(lambda _: self.remove())
        self.reload_button.on_click(lambda _: self.reload())
        self.yes_button.on_click(lambda _: self.remove(confirmed=True))
        self.no_button.on_click(lambda _: self._ask(None))
        self.widget = w.VBox([self.picker, *rows,
                              w.HBox([self.save_button, self.confirm_button, self.remove_button, self.reload_button]),
                              self.asking, self.message])
        self.pending_removal: str | None = None
        self._quiet = False
        self.loose = ""
        editor.listeners.append(self.refresh)
        self.clear()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _picker_options(self) -> list[tuple[str, str]]:
        frame = self.editor.table(self.table)
        title = {"activities.csv": "name", "risks.csv": "title", "flows.csv": "recipient"}[self.table]
        names = list(frame[title]) if title in frame.columns else [""] * len(frame)
        return [(self.NEW, self.NEW)] + [(f"{i} {n}".strip(), i) for i, n in zip(self.editor.ids(self.table), names)]

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

    def _fill(self, row: dict[str, str]) -> None:
        self._quiet = True
        try:
            for column, widget in self.fields.items():
                value = str(row.get(column, "") or "")
                if isinstance(widget, w.SelectMultiple):
                    self._ensure(widget, split_codes(value))
                    widget.value = tuple(split_codes(value))
                elif isinstance(widget, w.Dropdown):
                    self._ensure(widget, [value] if value else [])
                    widget.value = value if value in {c for _, c in widget.options} else widget.options[0][1]
                else:
                    widget.value = value
        finally:
            self._quiet = False
        self._relabel_mechanism()

    @staticmethod
    def _ensure(widget, codes: list[str]) -> None:
        """A code on disk that the list lacks stays visible (and is reported), rather than silently dropped."""
        known = {c for _, c in widget.options}
        missing = [c for c in codes if c not in known]
        if missing:
            widget.options = list(widget.options) + [(f"{c} (not on the list)", c) for c in missing]

    def clear(self) -> None:
        self.touched, self.attempted = set(), False
        blank = {c: "" for c in self.fields}
        blank["status"] = "draft"
        self.loaded = dict(blank)
        self._fill(blank)
        self._show_fields([])
        self.message.value = "<div>Fill in the row: messages appear as you type.</div>"

    def _picked(self, change=None) -> None:
        self._ask(None)
        if self.picker.value == self.NEW:
            self.clear()
            return
        row = self.editor.row(self.table, self.picker.value)
        self.loaded = {c: str(row.get(c, "")) for c in self.fields}
        self._fill(row)
        self._changed()

    def refresh(self) -> None:
        """After any save in this notebook: new ids in the picker and the activity lists; values kept."""
        value = self.picker.value
        options = self._picker_options()
        self.picker.unobserve(self._picked, names="value")
        self.picker.options = options
        self.picker.value = value if value in {c for _, c in options} else self.NEW
        self.picker.observe(self._picked, names="value")
        for column, spec in self.specs.items():
            if spec.options == "activities":
                widget = self.fields[column]
                keep = widget.value
                self._quiet = True
                widget.options = _choices(self.editor, self.table, spec)
                known = {c for _, c in widget.options}
                widget.value = tuple(c for c in keep if c in known) if isinstance(keep, tuple) else (keep if keep in known else "")
                self._quiet = False

    # checking
    @property
    def replacing(self) -> str | None:
        return None if self.picker.value == self.NEW else self.picker.value

    def problems(self) -> list[Problem]:
        row = self.values()
        return self.editor.check(self.table, row, self.replacing) + self._form_problems(row)

    def _form_problems(self, row: dict[str, str]) -> list[Problem]:
        """What the form asks beyond validation: a reason for a risk that is worse after its measures."""
        if self.table != "risks.csv" or row.get("notes"):
            return []
        try:
            method = self.editor.audit.risk_method
            before = risk.score(row["likelihood"], row["severity"], method)
            after = risk.score(row["residual_likelihood"], row["residual_severity"], method)
        except (DpiaError, KeyError):
            return []
        if risk.rank(after) > risk.rank(before):
            return [Problem(self.table, 0, "notes", f"the risk after measures ({after}) is higher than before ({before}): "
                            "say why here", "error", "residual_needs_reason")]
        return []

    def _changed(self, change=None) -> None:
        if self._quiet:
            return
        if change is not None:
            self.touched.update(c for c, widget in self.fields.items() if widget is change["owner"])
            if change["owner"] is self.fields.get("country"):
                self._relabel_mechanism()
        problems = self.problems()
        if self.replacing is None and not self.attempted:
            if not self.touched:
                self.message.value = "<div>Fill in the row: messages appear as you type.</div>"
                self._show_fields([])
                return
            problems = [p for p in problems if p.column in self.touched or not _unfilled(p)]
        self._show_fields(problems)
        self.message.value = self.loose + self._transfer_note()

    def _relabel_mechanism(self) -> None:
        if "mechanism" not in self.fields:
            return
        widget = self.fields["mechanism"]
        label = _mechanism_none(self.fields["country"].value or "", self.editor.audit.law_date)
        if widget.options and widget.options[0][0] != label:
            keep, quiet = widget.value, self._quiet
            self._quiet = True
            widget.options = [(label, "")] + list(widget.options[1:])
            widget.value = keep
            self._quiet = quiet

    def _transfer_note(self) -> str:
        if self.table != "flows.csv" or not self.fields["country"].value:
            return ""
        try:
            checked = transfers.assess(self.fields["country"].value, self.fields["mechanism"].value or "",
                                       recipient_type=self.fields["recipient_type"].value or "", on=self.editor.audit.law_date)
        except DpiaError:
            return ""
        if checked.verdict != "ok":
            return ""  # shown under the transfer mechanism, by validation
        return f'<div style="color:{OK}">Transfer check: fine: {html.escape(plain(checked.message, self.table))}</div>'

    def field_messages(self) -> dict[str, list[str]]:
        """What each field shows under it now, in form order: label -> messages."""
        out = {}
        for column, note in self.notes.items():
            texts = [html.unescape(t) for t in re.findall(r"[✗!] ([^<]*)</div>", note.value)]
            if texts:
                out[self.specs[column].label] = texts
        return out

    def _show_fields(self, problems: list[Problem]) -> None:
        row = self.values()
        method = self.editor.audit.risk_method if vocab.get("risk_methods").resolve(self.editor.audit.risk_method) else "ico"
        per_field: dict[str, list[tuple[str, bool]]] = {c: [] for c in self.fields}
        loose: list[tuple[str, bool]] = []
        for p in sorted(problems, key=lambda p: (not p.is_error, p.rule)):
            column = p.column if p.column in per_field else None
            text = say(p, row, method)
            if column is None:
                loose.append((f"{TABLE_NAMES.get(p.file, p.file)}: {text}", p.is_error))
                continue
            if not row.get(column) and p.rule not in ("id_exists", "residual_needs_reason") and \
                    "mechanism" != column and p.rule != "special_category_needs_art9" and p.is_error:
                spec = self.specs[column]
                text = "choose one" if spec.kind == "one" else "choose at least one" if spec.kind == "many" else "fill this in"
                per_field[column] = [(text, True)]  # a blank is caught as a blank, once
                continue
            if text not in [t for t, _ in per_field[column]]:
                per_field[column].append((text, p.is_error))
        for column, note in self.notes.items():
            note.value = "".join(_problem_html(f"{self.specs[column].label}: {t}", e) for t, e in per_field[column])
        self.loose = "".join(_problem_html(t, e) for t, e in loose)

    # saving
    def _after(self, outcome: Outcome, done: str, row_id: str | None) -> bool:
        if not outcome.saved:
            self._show_fields(outcome.problems if not outcome.conflict else [])
            errors = [p for p in outcome.problems if p.is_error]
            head = f"<b>Not saved.</b> {html.escape(outcome.message)}" if outcome.message else "<b>Not saved.</b> Nothing was written."
            loose = [p for p in errors if p.column not in self.fields]
            listed = "".join(_problem_html(f"{_label_of(p.file, p.column)}: {say(p, self.values())}", True) for p in loose)
            if errors and not loose:
                listed = _problem_html("See the messages under the fields above.", True)
            self.message.value = f'<div style="color:{ERROR}">{head}</div>{listed}'
            if outcome.conflict:
                self.reload_button.button_style = "warning"
            return False
        self.reload_button.button_style = ""
        self.attempted, self.touched = False, set()
        if row_id is not None and row_id in self.editor.ids(self.table):
            self.picker.value = row_id
            self._picked()
        else:
            self.picker.value = self.NEW
            self.clear()
        self.message.value = f'<div style="color:{OK}">{html.escape(done)}</div>' + self._transfer_note()
        return True

    def save(self) -> bool:
        self.attempted = True
        self._ask(None)
        row = self.values()
        form = [p for p in self._form_problems(row) if p.is_error]
        if form:
            return self._after(Outcome(False, form), "", None)
        return self._after(self.editor.put(self.table, row, self.replacing), f"Saved {row[self.key]}.", row[self.key])

    def confirm(self) -> bool:
        if self.replacing is None:
            self.message.value = f'<div style="color:{ERROR}">Pick a saved row under Edit to confirm it.</div>'
            return False
        row_id = self.replacing
        row = {**self.values(), "status": CONFIRMED[self.table]}
        form = [p for p in self._form_problems(row) if p.is_error]
        if form:
            return self._after(Outcome(False, form), "", None)
        outcome = self.editor.confirm(self.table, row_id, row)
        if not outcome.saved and any(p.rule == "draft_placeholder" for p in outcome.problems):
            outcome.message = "Not confirmed: replace the draft text first. Nothing was written."
        return self._after(outcome, f"Confirmed {row.get(self.key) or row_id}.", row.get(self.key) or row_id)

    def _ask(self, question: str | None) -> None:
        self.pending_removal = self.replacing if question else None
        self.asking.children = [w.HTML(f"<b>{html.escape(question)}</b>"), self.yes_button, self.no_button] if question else []

    def remove(self, confirmed: bool = False) -> bool:
        """First press: ask (or refuse, naming what depends on the row). ``confirmed``: remove it."""
        row_id = self.replacing
        if row_id is None:
            self.message.value = f'<div style="color:{ERROR}">Pick a saved row under Edit to remove it.</div>'
            return False
        used = self.editor.used_by(self.table, row_id)
        if used:
            self._ask(None)
            self.message.value = _problem_html(f"Not removed: {used}. Remove them or point them at another activity "
                                               "first.", True)
            return False
        if not confirmed or self.pending_removal != row_id:
            self._ask(f"Remove {row_id}? This cannot be undone.")
            self.message.value = ""
            return False
        self._ask(None)
        return self._after(self.editor.remove(self.table, row_id), f"Removed {row_id}.", None)

    def reload(self) -> None:
        """Re-read the audit; the form keeps what was typed on top of what others saved."""
        mine, base, row_id = self.values(), dict(self.loaded), self.replacing
        self.editor.reload()
        if row_id is None:
            self._fill(mine)
            self._changed()
            self.message.value = f'<div style="color:{OK}">Reloaded. Your new row is kept: Save it.</div>'
            return
        ids = self.editor.ids(self.table)
        if row_id not in ids:
            self.picker.value = self.NEW
            self._fill(mine)
            self.message.value = _problem_html(f"{row_id} was removed meanwhile; your entries are kept as a new row.", False)
            return
        theirs = {c: str(v) for c, v in self.editor.row(self.table, row_id).items() if c in self.fields}
        merged, clashes = merge3(base, mine, theirs)
        self.loaded = theirs
        self._fill(merged)
        self.reload_button.button_style = ""
        self._changed()
        for column, value in clashes.items():
            self.notes[column].value += _problem_html(
                f"{self.specs[column].label}: also changed elsewhere, to “{value}”; yours is kept: Save to keep it", False)
        self.message.value = (f'<div style="color:{OK}">Reloaded: {html.escape(row_id)} merged with what was saved '
                              "meanwhile. Check the fields marked ! and Save.</div>")


# ---- screening -----------------------------------------------------------------------------

GROUPS = (("art35_3", "UK GDPR Art 35(3): always a DPIA"),
          ("ico", "The ICO's list of processing likely to result in high risk"),
          ("wp248", "WP248 criteria: two or more make a DPIA likely to be required"))
ANSWER_CHOICE = {None: "", True: "yes", False: "no"}
CHOICE_ANSWER = {v: k for k, v in ANSWER_CHOICE.items()}
# Questions asked twice in the law's lists: one answer serves both (the ICO item, then its WP248 twin).
TWINS = {"ico_innovative_technology": "wp248_innovative", "ico_data_matching": "wp248_matching"}


def _by_row(items: list[str]) -> str:
    """'A4 Care: Health', 'A4 Care: Ethnicity' -> 'A4 Care (Health, Ethnicity)'."""
    groups: dict[str, list[str]] = {}
    for item in items:
        where, _, what = item.rpartition(": ")
        groups.setdefault(where or what, []).append(what if where else "")
    return "; ".join(f"{k} ({', '.join(dict.fromkeys(v))})" if any(v) else k for k, v in groups.items())


class ScreeningForm:
    """Screening questions, grouped by test, with the answers the inventory implies (audit.yaml `screening`)."""

    def __init__(self, editor: AuditEditor):
        self.editor = editor
        self.answers: dict[str, tuple[w.Dropdown, w.Text]] = {}
        self.notes: dict[str, w.HTML] = {}
        self.implied: dict[str, list[str]] = {}
        self.loaded: dict[str, tuple[bool | None, str]] = {}
        boxes = []
        twins = {v: k for k, v in TWINS.items()}
        terms = list(editor.vocabulary("screening_criteria"))
        for scheme, title in GROUPS:
            rows = [w.HTML(f"<h4>{html.escape(title)}</h4>")]
            for term in [t for t in terms if t["scheme"] == scheme]:
                if term.code in twins:
                    continue
                twin = TWINS.get(term.code)
                choice = w.Dropdown(layout=w.Layout(width="17em"))
                reason = w.Text(layout=w.Layout(width="24em"))
                note = w.HTML()
                also = f"<br><small>Also WP248: {html.escape(vocab.lookup('screening_criteria', twin).label)}</small>" \
                    if twin else ""
                rows.append(w.VBox([w.HBox([w.HTML(f"<b>{html.escape(term.label)}</b><br><small>{html.escape(term['question'])}"
                                                   f"</small>{also}", layout=w.Layout(width="40em")), choice, reason]), note]))
                self.answers[term.code], self.notes[term.code] = (choice, reason), note
                choice.observe(lambda _c, code=term.code: self._changed(code), names="value")
                reason.observe(lambda _c, code=term.code: self._changed(code), names="value")
            boxes.append(w.VBox(rows))
        self.message = w.HTML()
        self.verdict = w.HTML()
        button = _button("Save answers", "primary", "save")
        button.on_click(lambda _: self.save())
        self.reload_button = _button("Reload", icon="refresh")
        self.reload_button.on_click(lambda _: self.reload())
        self.widget = w.VBox([*boxes, w.HBox([button, self.reload_button]), self.message, self.verdict])
        self._fill()
        self._show_verdict()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _stored(self) -> dict[str, tuple[bool | None, str]]:
        current = self.editor.audit.meta.get("screening")
        out = {}
        for code, answer in (current if isinstance(current, dict) else {}).items():
            value, reason = (answer.get("answer"), answer.get("reason", "")) if isinstance(answer, dict) else (answer, "")
            out[str(code)] = (value if isinstance(value, bool) else None, str(reason or ""))
        return out

    def _fill(self, keep: dict[str, tuple[bool | None, str]] | None = None) -> None:
        from .screening import screen

        try:
            criteria = screen(self.editor.audit).criteria
            self.implied = {r.code: [b.removeprefix("inventory: ") for b in r.basis if b.startswith("inventory: ")]
                            for r in criteria.itertuples()}
        except (DpiaError, KeyError, AttributeError, TypeError, ValueError):
            self.implied = {}  # an unreadable inventory implies nothing; its problems are listed above the forms
        stored = self._stored()
        self.loaded = {code: stored.get(code, (None, "")) for code in self.answers}
        for code, (choice, reason) in self.answers.items():
            rows = self.implied.get(code, []) + self.implied.get(TWINS.get(code, ""), [])
            if rows:
                choice.options = [("yes: implied by the inventory", ""), ("yes", "yes"), ("no: override the inventory", "no")]
            else:
                choice.options = [("not answered", ""), ("yes", "yes"), ("no", "no")]
            reason.placeholder = "why (required to override the inventory)" if rows else "why (optional)"
            value, why = (keep or self.loaded).get(code, (None, ""))
            choice.value, reason.value = ANSWER_CHOICE[value], why
            self._changed(code)

    def _changed(self, code: str) -> None:
        choice, reason = self.answers[code]
        rows = self.implied.get(code, []) + self.implied.get(TWINS.get(code, ""), [])
        parts = []
        if rows:
            parts.append(f'<div style="color:#555">The inventory implies yes: {html.escape(_by_row(rows))}</div>')
        for text, error in self._issues(code):
            parts.append(_problem_html(text, error))
        self.notes[code].value = "".join(parts)
        choice.style = {"description_width": "0"}

    def _issues(self, code: str) -> list[tuple[str, bool]]:
        choice, reason = self.answers[code]
        implied = bool(self.implied.get(code) or self.implied.get(TWINS.get(code, "")))
        answer = CHOICE_ANSWER[choice.value]
        if implied and answer is False and not reason.value.strip():
            return [("Override: you answer no where the inventory implies yes; give the reason", True)]
        if implied and answer is False:
            return [("Override of the inventory, with your reason", False)]
        if answer is None and reason.value.strip() and not implied:
            return [("a reason without an answer: choose yes or no (the reason is kept; the question stays "
                     "not answered)", False)]
        return []

    def set(self, code: str, answer: bool | None, reason: str = "") -> None:
        choice, note = self.answers[code]
        choice.value, note.value = ANSWER_CHOICE[answer], reason

    def values(self) -> dict[str, tuple[bool | None, str]]:
        out = {}
        for code, (choice, reason) in self.answers.items():
            out[code] = (CHOICE_ANSWER[choice.value], reason.value.strip())
            if code in TWINS:
                out[TWINS[code]] = out[code]
        return out

    def save(self) -> bool:
        blocking = [(c, t) for c in self.answers for t, e in self._issues(c) if e]
        if blocking:
            self.message.value = f'<div style="color:{ERROR}"><b>Not saved.</b> Give a reason for each override ' \
                                 "(see the messages above). Nothing was written.</div>"
            return False
        outcome = self.editor.set_screening(self.values())
        if not outcome.saved:
            errors = [p for p in outcome.problems if p.is_error]
            text = html.escape(outcome.message) if outcome.message else "Nothing was written."
            listed = "".join(_problem_html(f"{_label_of(p.file, p.column)}: {say(p)}", True) for p in errors)
            self.message.value = f'<div style="color:{ERROR}"><b>Not saved.</b> {text}</div>{listed}'
            if outcome.conflict:
                self.reload_button.button_style = "warning"
            return False
        self.reload_button.button_style = ""
        self._fill()
        warnings = [t for c in self.answers for t, e in self._issues(c) if not e and "without an answer" in t]
        self.message.value = f'<div style="color:{OK}">Saved.</div>' + "".join(_problem_html(t, False) for t in warnings)
        self._show_verdict()
        return True

    def reload(self) -> None:
        mine = {c: (CHOICE_ANSWER[ch.value], r.value.strip()) for c, (ch, r) in self.answers.items()}
        base = dict(self.loaded)
        self.editor.reload()
        self._fill()
        theirs = dict(self.loaded)
        keep = {c: (mine[c] if mine[c] != base.get(c) else theirs.get(c, (None, ""))) for c in self.answers}
        self._fill(keep)
        self.loaded = theirs
        self.reload_button.button_style = ""
        self.message.value = f'<div style="color:{OK}">Reloaded: your answers are kept on top of what was saved meanwhile.</div>'
        self._show_verdict()

    def _show_verdict(self) -> None:
        from .screening import screen

        audit = self.editor.audit
        if any(t in audit.unreadable for t in ("activities.csv", "audit.yaml")):
            self.verdict.value = "<div>The verdict appears once the audit's files can be read (see the problems above).</div>"
            return
        result = screen(audit)
        reasons = "".join(f"<li>{html.escape(plain(r))}</li>" for r in result.reasons)
        self.verdict.value = f"<div><b>Screening now: {html.escape(result.verdict)}</b><ul>{reasons}</ul></div>"


# ---- the walk ------------------------------------------------------------------------------


def describe_problem(editor: AuditEditor, p: Problem) -> str:
    """One problem in the forms' language: where (table, row), field, what to do."""
    audit = editor.audit
    row: dict[str, str] = {}
    where = TABLE_NAMES.get(p.file, p.file)
    if p.file in ID_COLUMN and p.row:
        frame = audit.tables[p.file]
        lines = audit.lines.get(p.file) or []
        if p.row in lines and ID_COLUMN[p.file] in frame.columns:
            row = {str(k): str(v) for k, v in frame.iloc[lines.index(p.row)].to_dict().items()}
            where = f"{where} {row.get(ID_COLUMN[p.file], '')}".strip()
        else:
            where = f"{where} file, line {p.row}"
    field = _label_of(p.file, p.column) if p.column != "-" else ""
    text = say(p, row, audit.risk_method if vocab.get("risk_methods").resolve(audit.risk_method) else "ico") \
        if p.file in ID_COLUMN or p.file == "audit.yaml" else plain(p.message, p.file)
    return f"{'' if p.is_error else 'warning: '}{where}{', ' + field if field else ''}: {text}"


def problem_list(editor: AuditEditor) -> list[str]:
    """Every problem of the audit in the forms' language: where (table, row), field, what to do."""
    return [describe_problem(editor, p) for p in editor.audit.problems]


class Walk:
    """One walk notebook's view of the audit: chosen once, problems listed, where it stands, forms."""

    def __init__(self, audit_path: str | Path | None = None, interactive: bool = True):
        self.interactive = interactive
        chosen = audit_path or os.environ.get(ENV) or None
        self.path = Path(chosen) if chosen else None
        self.editor: AuditEditor | None = None
        self.error = ""
        if self.path is not None:
            try:
                self.editor = AuditEditor(self.path)
            except DpiaError as exc:
                self.error = str(exc)
        self._views: list[tuple[w.HTML, callable]] = []
        self._built: tuple[object, object] | None = None  # (the audit, its report), built once per save
        if self.editor is not None:
            self.editor.listeners.append(self._refresh)

    def _refresh(self) -> None:
        for view, render in self._views:
            view.value = render()

    def _live(self, render) -> object:
        from IPython.display import HTML

        if not self.interactive:
            return HTML(render())
        view = w.HTML(render())
        self._views.append((view, render))
        return view

    def _status_html(self) -> str:
        if self.editor is None:
            why = f"<p>{html.escape(self.error)}</p>" if self.error else ""
            return (f"<div><b>No audit chosen.</b>{why} Start the walk with <code>dpia walk PATH/TO/AUDIT</code> (it opens "
                    "JupyterLab with that audit chosen for all six notebooks), or set <code>audit_path</code> in this "
                    "notebook's first code cell and run all cells. Create an audit with <code>dpia new</code>.</div>")
        audit = self.editor.audit
        items = problem_list(self.editor)
        listed = "".join(f"<li>{html.escape(i)}</li>" for i in items[:200])
        more = f"<li>... and {len(items) - 200} more</li>" if len(items) > 200 else ""
        fix = " Fix them with the forms below; a save is refused only for the rows it writes." if audit.errors else ""
        return (f"<div><b>{html.escape(audit.provider)}</b> ({html.escape(str(self.path))}): {len(audit.errors)} errors, "
                f"{len(audit.warnings)} warnings to review.{fix}</div>" + (f"<ul>{listed}{more}</ul>" if items else ""))

    def status(self):
        """The audit chosen, and its problems as a plain list (refreshed after every save)."""
        return self._live(self._status_html)

    def stands(self, number: int | str, parts: slice | None = None, title: str | None = None):
        """Report section ``number`` (or its key, e.g. 'document'; or some of its parts), as it stands on disk after
        every save."""
        def render() -> str:
            if self.editor is None:
                return ""
            from .html.parts import Section

            if not self.editor.audit.valid:
                return "<p>This part of the report appears once the errors listed above are fixed.</p>"
            try:
                section = self.report().section(number)
            except DpiaError as exc:
                return f"<p>{html.escape(plain(str(exc)))}</p>"
            if parts is not None:
                section = Section(section.number, section.key, title or section.title, section.parts[parts])
            return section.html()
        return self._live(render)

    def report(self):
        """The report of the audit as saved (built once after each save; the audit must be valid)."""
        from .report import build_report

        audit = self.editor.audit
        if self._built is None or self._built[0] is not audit:
            self._built = (audit, build_report(self.editor.path))
        return self._built[1]

    def open_questions(self, *steps: int):
        """The ICO template's questions as a checklist (those of ``steps``, or all): answered, drafts to confirm,
        still open. It follows every save."""
        from .template_forms import checklist, checklist_html

        def render() -> str:
            if self.editor is None:
                return ""
            report = None
            if self.editor.audit.valid:
                try:
                    report = self.report()
                except DpiaError:
                    report = None
            return checklist_html(checklist(self.editor, report), steps)
        return self._live(render)

    def form(self, table: str):
        if self.editor is None or not self.interactive:
            return None
        return TableForm(self.editor, table)

    def screening(self):
        if self.editor is None or not self.interactive:
            return None
        return ScreeningForm(self.editor)

    def _form(self, make):
        if self.editor is None or not self.interactive:
            return None
        return make(self.editor)

    def questions(self, *steps: int):
        """The ICO template's questions of these steps (0 for the controller), one text area each."""
        from .template_forms import TemplateForm

        return self._form(lambda editor: TemplateForm(editor, steps))

    def consultation(self):
        from .template_forms import consultation_form

        return self._form(consultation_form)

    def dpo_advice(self):
        from .template_forms import dpo_advice_form

        return self._form(dpo_advice_form)

    def sign_off(self):
        from .template_forms import sign_off_form

        return self._form(sign_off_form)

    def review(self):
        from .template_forms import review_form

        return self._form(review_form)

    def document(self):
        from .template_forms import DocumentForm

        return self._form(DocumentForm)

    def complaints(self):
        from .template_forms import complaints_form

        return self._form(complaints_form)

    def public_authority(self):
        from .template_forms import public_authority_form

        return self._form(public_authority_form)

    def policy_document(self):
        from .template_forms import policy_document_form

        return self._form(policy_document_form)

    def principles(self):
        """The judgement on each fundamental principle, with the facts beside it."""
        from .template_forms import principles_form

        return self._form(principles_form)
