"""Forms for audit.yaml: the ICO template's questions the auditor answers, and the records around them
(consultation held, DPO advice, sign-off, review, document control and change log, complaints handling,
public authority, the appropriate policy document).

Every question is labelled in the template's own words (vocab/ico_template.yaml), never by its key. An
answer is text, "not stated" (the provider does not say: a gap that stays visible), or left open (the
report shows it as a blank to fill). Text that `dpia new` drafted from the notice starts "draft:" and is
flagged until the auditor edits it.

Saves go through ``editing.AuditEditor.set_meta``: conflict-safe key by key, all or nothing, and
audit.yaml keeps its comments, key order and formatting. As the auditor types, each form checks the
audit as it would be with the change, with the audit's own validation, and shows each message next to
its field in the auditor's words; problems the change would add elsewhere are listed under the form.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from . import schemas, vocab
from .audit import AUDIT_FILE
from .editing import DELETE, PLACEHOLDER, AuditEditor, Outcome, _get
from .errors import DpiaError
from .problems import Problem
from .vocab import NOT_STATED
from .widgets import ERROR, LABEL_WIDTH, OK, _button, _problem_html, describe_problem, plain
from .words import joined

# Where the auditor answers part of a question the report computes (the rest comes from the inventory).
FEEDS = {"consultation_plan.individuals": "s3.individuals", "context.vulnerable": "s2.context.vulnerable",
         "necessity.legitimate_interests_assessment": "s4.legitimate_interests", "review.by": "s7.review_by"}
SECTION_STEP = {"controller": 0, "aims": 1, "nature": 2, "scale": 2, "context": 2, "purposes": 2, "consultation_plan": 3,
                "necessity": 4}
# The ICO template's step titles.
STEP_TITLES = {0: "The controller", 1: "Step 1: identify the need for a DPIA", 2: "Step 2: describe the processing",
               3: "Step 3: consultation process", 4: "Step 4: assess necessity and proportionality",
               5: "Step 5: identify and assess risks", 6: "Step 6: identify measures to reduce risk",
               7: "Step 7: sign off and record outcomes"}
GROUPS = {"nature": "The nature of the processing", "scope": "The scope of the processing",
          "context": "The context of the processing", "purposes": "The purposes of the processing"}
# Where in the walk each step's questions are answered.
NOTEBOOKS = {0: "06 Consultation and sign-off", 1: "01 Screening", 2: "02 Data flows", 3: "06 Consultation and sign-off",
             4: "03 Lawful basis", 5: "05 Risks", 6: "05 Risks", 7: "06 Consultation and sign-off"}
NOTEBOOK_FOR = {"s4.transfers": "04 International transfers"}
SILENT_CHOICE = "Not stated: the provider does not say"
DRAFTED = "a draft from the notice: check it, then delete “draft:” at its start to confirm it"

LABELS: dict[str, str] = {
    "provider": "Controller", "aims": "Aims", "controller": "The controller", "nature": "The nature of the processing",
    "scale": "The scope of the processing", "context": "The context of the processing", "purposes": "The purposes",
    "consultation_plan": "Consultation plan", "necessity": "Necessity and proportionality", "consultation": "Consultation held",
    "consultation.with": "Who was consulted", "consultation.date": "Date", "consultation.summary": "What they said",
    "dpo_advice": "DPO advice", "dpo_advice.by": "Advice given by", "dpo_advice.date": "Date of the advice",
    "dpo_advice.accepted": "Accepted or overruled", "dpo_advice.reason": "Why it was overruled",
    "sign_off": "Sign-off", "sign_off.item": "What is approved", "sign_off.name": "Name", "sign_off.role": "Role",
    "sign_off.date": "Date", "sign_off.decision": "Decision and notes",
    "review": "Review", "review.next_date": "Next review date",
    "document": "Document control", "document.version": "Version", "document.author": "Author",
    "document.change_log": "Change log", "document.change_log.version": "Version", "document.change_log.date": "Date",
    "document.change_log.by": "By", "document.change_log.change": "What changed",
    "public_authority": "Public authority",
    "appropriate_policy_document": "Appropriate policy document",
    "appropriate_policy_document.exists": "Has one", "appropriate_policy_document.where": "Where it is",
    "appropriate_policy_document.reviewed": "Last reviewed",
    "complaints": "Complaints handling", "complaints.evidence": "Evidence from the notice", "complaints.notes": "Notes",
    "principles": "Principles",
}
PRINCIPLE_FIELDS = {"judgement": "Judgement", "reason": "Why", "action": "Corrective action", "owner": "Owner", "due": "Due"}


def _init_labels() -> None:
    for term in vocab.get("ico_template"):
        kind, _, where = term["answer"].partition(":")
        if kind == "audit" and where not in LABELS:
            LABELS[where] = term.label
    codes = {t.code: t for t in vocab.get("ico_template")}
    for path, code in FEEDS.items():
        LABELS.setdefault(path, codes[code].label)
    for section, subs in schemas.TEMPLATE_SECTIONS.items():
        for sub, words in subs.items():
            LABELS.setdefault(f"{section}.{sub}", words[:1].upper() + words[1:])
    for duty in vocab.get("complaint_duties"):
        LABELS.setdefault(f"complaints.{duty['audit_key']}", duty.label)
    for term in vocab.get("principles"):
        LABELS.setdefault(f"principles.{term.code}", term.label)
        for key, words in PRINCIPLE_FIELDS.items():
            LABELS.setdefault(f"principles.{term.code}.{key}", f"{term.label}: {words.lower()}")


_init_labels()


def label(column: str) -> str:
    """The words for an audit.yaml key as a problem names it ('dpo_advice', 'sign_off[2]', 'review.next_date')."""
    key = re.sub(r"\[\d+\]", "", str(column))
    while key and key not in LABELS:
        key = key.rpartition(".")[0]
    return LABELS.get(key) or str(column).split(".")[0].replace("_", " ").capitalize()


def say_meta(problem: Problem) -> str:
    """What a form shows for a problem of audit.yaml, after its field's label: plain words, no keys."""
    message, column = problem.message, problem.column
    entry = re.search(r"\[(\d+)\]$", column)
    prefix = f"entry {entry.group(1)}: " if entry else ""
    base = re.sub(r"\[\d+\]$", "", column)
    if "overruled" in message and "reason" in message:
        return "the advice was overruled: give the reason, as the ICO template asks"
    if (found := re.search(r" '(.*)' is not a date", message)) or (found := re.search(r" (\S+) is not a date", message)):
        return f"“{found.group(1)}” is not a date: write it as YYYY-MM-DD, e.g. 2027-01-31"
    if found := re.search(r" lacks (.+)$", message):
        names = [LABELS.get(f"{base}.{n.strip()}", n.strip()).lower() for n in found.group(1).split(",")]
        return f"{prefix}fill in {joined(names)}"
    if found := re.search(r" should be (.+?)(?: \(or 'not stated'\))?(?::.*)?$", message):
        return f"{prefix}should be {found.group(1)}" + (" (or “not stated”)" if "not stated" in message else "")
    if "is not one of" in message:
        return f"{prefix}choose from the list"
    if re.match(r"^\w+ is required: ", message):
        return "fill this in: " + message.split(": ", 1)[1]
    for key in sorted(LABELS, key=len, reverse=True):
        if "." in key or "_" in key:
            message = re.sub(rf"(?<![\w.]){re.escape(key)}(?![\w])", LABELS[key].lower(), message)
    return plain(message).replace("'not stated'", "“not stated”")


# ---- the template's questions --------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    code: str  # the template's question id, or '' for a detail it does not number
    step: int
    group: str  # a sub-heading within the step, or ''
    label: str
    asks: str
    path: tuple[str, ...] | None  # where audit.yaml holds the auditor's answer; None: the report computes it


def _group(code: str, section: str) -> str:
    part = code.split(".")[1] if code.count(".") >= 2 else {"scale": "scope"}.get(section, section)
    return GROUPS.get(part, "")


def questions() -> list[Question]:
    """Every question of the template in its order, with the audit.yaml key the auditor answers it in, and the
    details audit.yaml records beyond the template's numbered questions (the controller's registration and address)."""
    editable = {"aims"} | {s for s in schemas.TEMPLATE_SECTIONS if s not in ("review", "document")}
    fed = {code: path for path, code in FEEDS.items()}
    out: list[Question] = []
    for term in vocab.get("ico_template"):
        kind, _, where = term["answer"].partition(":")
        path = where if kind == "audit" else fed.get(term.code)
        if path and path.split(".")[0] not in editable:
            path = None if kind == "computed" else path
        section = (path or "").split(".")[0]
        keyed = tuple(path.split(".")) if path and section in editable else None
        if kind == "audit" and keyed is None:
            continue  # answered by another form (the provider's name, the DPO's advice)
        out.append(Question(term.code, term["step"], _group(term.code, section), term.label, term.description, keyed))
    covered = {q.path for q in out if q.path}
    for section in schemas.TEMPLATE_SECTIONS:
        if section not in editable:
            continue
        for sub in schemas.TEMPLATE_SECTIONS[section]:
            if (section, sub) in covered:
                continue
            last = max((i for i, q in enumerate(out) if q.path and q.path[0] == section), default=len(out) - 1)
            out.insert(last + 1, Question("", SECTION_STEP[section], _group("", section), LABELS[f"{section}.{sub}"],
                                          "", (section, sub)))
    return out


# ---- fields --------------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _norm(value: Any) -> Any:
    """A value of audit.yaml as a form holds it: dates as ISO text, blanks as None."""
    if value is DELETE or value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, str):
        return value.strip() or None
    return value


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


class Field:
    """One value of audit.yaml in a form: its widget, its words, and the messages under it."""

    def __init__(self, key: str, path: tuple[str, ...], label_: str, asks: str = "", required: bool = False):
        self.key, self.path, self.label, self.asks, self.required = key, path, label_, asks, required
        self.note = w.HTML()
        self.widget: w.Widget = w.HTML()

    def value(self) -> Any:
        raise NotImplementedError

    def fill(self, value: Any) -> None:
        raise NotImplementedError

    def observe(self, fn: Callable) -> None:
        self.widget.observe(fn, names="value")

    def checks(self) -> list[tuple[str, bool]]:
        value = self.value()
        if self.required and value is None:
            return [("fill this in", True)]
        if isinstance(value, str) and value.lower().startswith(PLACEHOLDER):
            return [(DRAFTED, False)]
        return []

    def box(self) -> w.Widget:
        hint = [w.HTML(f'<small style="color:#555">{html.escape(self.asks)}</small>', layout=w.Layout(margin=f"0 0 0 {LABEL_WIDTH}"))] \
            if self.asks else []
        return w.VBox([self.widget, *hint, self.note])


class TextField(Field):
    """One line of text, a date (YYYY-MM-DD), or a text area."""

    def __init__(self, key, path, label_, asks="", required=False, kind="text"):
        super().__init__(key, path, label_, asks, required)
        self.kind = kind
        layout = w.Layout(width="95%", height="5em") if kind == "area" else w.Layout(width="95%" if kind == "text" else "30em")
        cls = w.Textarea if kind == "area" else w.Text
        self.widget = cls(description=label_, layout=layout, continuous_update=False,
                          placeholder="YYYY-MM-DD" if kind == "date" else "")
        self.widget.style.description_width = LABEL_WIDTH
        self.note.layout = w.Layout(margin=f"0 0 0 {LABEL_WIDTH}")

    def value(self) -> Any:
        text = str(self.widget.value or "").strip()
        return text or None

    def fill(self, value: Any) -> None:
        self.widget.value = "" if value is None else str(value)

    def checks(self) -> list[tuple[str, bool]]:
        value = self.value()
        if self.kind == "date" and value and value.lower() != NOT_STATED and not _is_date(value):
            return [(f"“{value}” is not a date: write it as YYYY-MM-DD, e.g. 2027-01-31", True)]
        return super().checks()


class DaysField(TextField):
    """A number of days, or 'not stated'."""

    def __init__(self, key, path, label_, asks="", limit: int | None = None):
        super().__init__(key, path, label_, asks)
        self.limit = limit
        self.widget.placeholder = "a number of days, or: not stated"

    def value(self) -> Any:
        text = str(self.widget.value or "").strip()
        if text.isdigit():
            return int(text)
        return NOT_STATED if text.lower() == NOT_STATED else (text or None)

    def checks(self) -> list[tuple[str, bool]]:
        value = self.value()
        if isinstance(value, str) and value != NOT_STATED:
            return [(f"“{value}” is not a number of days: give a whole number, e.g. 30, or “not stated”", True)]
        return []


class ChoiceField(Field):
    """A choice among fixed answers (yes, no, not stated...), each stored as its own value."""

    def __init__(self, key, path, label_, choices: list[tuple[str, Any]], asks="", required=False):
        super().__init__(key, path, label_, asks, required)
        self.choices = list(choices)
        self.widget = w.Dropdown(description=label_, options=self._options(), layout=w.Layout(width="40em"))
        self.widget.style.description_width = LABEL_WIDTH
        self.note.layout = w.Layout(margin=f"0 0 0 {LABEL_WIDTH}")

    def _options(self) -> list[tuple[str, int]]:
        return [(text, i) for i, (text, _) in enumerate(self.choices)]

    def value(self) -> Any:
        index = self.widget.value
        return None if index is None else self.choices[index][1]

    def fill(self, value: Any) -> None:
        for i, (_, stored) in enumerate(self.choices):
            if _same(stored, value):
                self.widget.value = i
                return
        self.choices.append((f"{value} (not on the list)", value))  # what is on disk stays visible, and is reported
        self.widget.options = self._options()
        self.widget.value = len(self.choices) - 1

    def choose(self, text: str) -> None:
        """Pick the choice shown with these words (as an auditor would)."""
        self.widget.value = next(i for i, (shown, _) in enumerate(self.choices) if shown == text)


class AnswerField(Field):
    """One question of the template: its words, a text area for the answer, and 'not stated' as a choice."""

    def __init__(self, question: Question):
        key = ".".join(question.path or ())
        super().__init__(key, question.path or (), question.label, question.asks)
        self.question = question
        self.text = w.Textarea(layout=w.Layout(width="95%", height="4.5em"), continuous_update=False,
                               placeholder="To be completed")
        self.silent = w.Checkbox(description=SILENT_CHOICE, indent=False, layout=w.Layout(width="auto"))
        self.silent.observe(lambda _c: setattr(self.text, "disabled", self.silent.value), names="value")
        self.widget = self.text

    def observe(self, fn: Callable) -> None:
        self.text.observe(fn, names="value")
        self.silent.observe(fn, names="value")

    def value(self) -> Any:
        if self.silent.value:
            return NOT_STATED
        text = str(self.text.value or "").strip()
        return text or None

    def fill(self, value: Any) -> None:
        silent = isinstance(value, str) and value.strip().lower() == NOT_STATED
        self.silent.value = silent
        self.text.value = "" if value is None or silent else str(value)

    def box(self) -> w.Widget:
        asks = f"<br><small>{html.escape(self.asks)}</small>" if self.asks else ""
        head = w.HTML(f"<b>{html.escape(self.label)}</b>{asks}")
        return w.VBox([head, self.text, self.silent, self.note], layout=w.Layout(margin="0 0 0.6em 0"))


# ---- a form over some keys of audit.yaml ---------------------------------------------------


def _conflict_text(conflict: str) -> str:
    names = [label(c.removesuffix(" in audit.yaml")) for c in conflict.split(", ")]
    return (f"Not saved: {joined(list(dict.fromkeys(names)))} changed since you loaded it (another notebook, tab or program "
            "saved it). Nothing was written. Press Reload: the form keeps what you typed and shows what changed.")


def _elsewhere(editor: AuditEditor, p: Problem) -> str:
    """A problem the change would add to another part of the audit."""
    return "This change adds: " + describe_problem(editor, p).removeprefix("warning: ")


def _merge(base: dict, mine: dict, theirs: dict) -> tuple[dict, dict]:
    """Key by key: what I changed wins, what they changed comes in; clashes are their values mine replaced."""
    merged, clashes = {}, {}
    for key in dict.fromkeys([*mine, *theirs]):
        b, m, t = base.get(key), mine.get(key), theirs.get(key)
        if _same(m, b):
            merged[key] = t
        else:
            merged[key] = m
            if not _same(t, b) and not _same(t, m):
                clashes[key] = t
    return merged, clashes


def _shown(value: Any) -> str:
    return {True: "yes", False: "no", None: "blank"}.get(value, str(value)) if isinstance(value, (bool, type(None))) \
        else str(value)


class ChangeLogOffer:
    """After a save: offer to record the change in the document's change log (version, date, by, what changed)."""

    def __init__(self, editor: AuditEditor):
        self.editor = editor
        self.version = TextField("document.change_log.version", ("version",), "Version", required=True)
        self.by = TextField("document.change_log.by", ("by",), "By", required=True)
        self.change = TextField("document.change_log.change", ("change",), "What changed", required=True)
        self.add_button, self.skip_button = _button("Add to the change log", icon="plus"), _button("Not now")
        self.add_button.on_click(lambda _: self.add())
        self.skip_button.on_click(lambda _: self.close())
        self.message = w.HTML()
        self.widget = w.VBox([])

    @property
    def open(self) -> bool:
        return bool(self.widget.children)

    def offer(self, summary: str) -> None:
        meta = self.editor.audit.meta
        document = meta.get("document") if isinstance(meta.get("document"), dict) else {}
        by = str(document.get("author") or meta.get("assessor") or "")
        self.version.fill(_norm(document.get("version")))
        self.by.fill(None if by.lower().startswith(PLACEHOLDER) else by)
        self.change.fill(summary)
        for f in (self.version, self.by, self.change):
            f.note.value = ""
        self.message.value = ""
        self.widget.children = [
            w.HTML("<b>Record this change in the document's change log?</b> <small>A new version here becomes the "
                   "document's version.</small>"),
            self.version.box(), self.by.box(), self.change.box(), w.HBox([self.add_button, self.skip_button]), self.message]

    def close(self) -> None:
        self.widget.children = []

    def add(self) -> bool:
        missing = False
        for f in (self.version, self.by, self.change):
            problems = [t for t, e in f.checks() if e]
            f.note.value = "".join(_problem_html(f"{f.label}: {t}", True) for t in problems)
            missing = missing or bool(problems)
        if missing:
            self.message.value = _problem_html("Not added: fill in the fields marked ✗. Nothing was written.", True)
            return False
        meta = self.editor.audit.meta
        document = meta.get("document") if isinstance(meta.get("document"), dict) else {}
        log = copy.deepcopy(document.get("change_log")) if isinstance(document.get("change_log"), list) else []
        version = self.version.value()
        log.append({"version": version, "date": dt.date.today().isoformat(), "by": self.by.value(),
                    "change": self.change.value()})
        changes: dict[tuple[str, ...], Any] = {("document", "change_log"): log}
        if _norm(document.get("version")) != version:
            changes[("document", "version")] = version
        outcome = self.editor.set_meta(changes)
        if not outcome.saved:
            text = _conflict_text(outcome.conflict) if outcome.conflict else "Nothing was written."
            listed = "".join(_problem_html(f"{label(p.column)}: {say_meta(p)}", True) for p in outcome.errors)
            self.message.value = f'<div style="color:{ERROR}"><b>Not added.</b> {html.escape(text)}</div>{listed}'
            return False
        self.close()
        return True


class _Marked:
    """What a form's fields and message show of its problems; every change re-marks them."""

    def _changed(self) -> None:
        if not self._quiet:
            self._show()

    def _mark(self, per: dict[str, list[tuple[str, bool]]], loose: list[tuple[str, bool]], keep_message: bool) -> bool:
        for key, f in self.fields.items():
            f.note.value = "".join(_problem_html(f"{f.label}: {t}", e) for t, e in per[key])
        if not keep_message:
            self.message.value = "".join(_problem_html(t, e) for t, e in loose)
        return any(e for items in per.values() for _, e in items) or any(e for _, e in loose)

    def _refused(self, outcome: Outcome) -> bool:
        """Show why a save was refused (a conflict lights Reload); False when it was saved."""
        if outcome.saved:
            self.reload_button.button_style = ""
            return False
        text = _conflict_text(outcome.conflict) if outcome.conflict else (outcome.message or "Nothing was written.")
        listed = "".join(_problem_html(f"{label(p.column)}: {say_meta(p)}" if p.file == AUDIT_FILE
                                       else describe_problem(self.editor, p), True) for p in outcome.errors)
        self.message.value = f'<div style="color:{ERROR}"><b>Not saved.</b> {html.escape(text)}</div>{listed}'
        if outcome.conflict:
            self.reload_button.button_style = "warning"
        return True

    def field_messages(self) -> dict[str, list[str]]:
        """What each field shows under it now: label -> messages."""
        return {f.label: [html.unescape(t) for t in re.findall(r"[✗!] ([^<]*)</div>", f.note.value)]
                for f in self.fields.values() if f.note.value}


class MetaForm(_Marked):
    """Some keys of audit.yaml, each a field; Save writes the ones changed, conflict-safe; Reload merges."""

    def __init__(self, editor: AuditEditor, fields: list[Field], *, what: str, rows: list[w.Widget] | None = None,
                 offer: bool = True, blank: Any = DELETE, intro: str | Callable[[], str] = ""):
        self.editor, self.what, self.blank = editor, what, blank
        self.fields: dict[str, Field] = {f.key: f for f in fields}
        self.message = w.HTML()
        self.save_button = _button("Save", "primary", "save")
        self.reload_button = _button("Reload", icon="refresh")
        self.save_button.on_click(lambda _: self.save())
        self.reload_button.on_click(lambda _: self.reload())
        self.log = ChangeLogOffer(editor) if offer else None
        self._quiet = False
        for f in fields:
            f.observe(lambda _c: self._changed())
        self.intro = intro  # text, or a function of the audit as saved (shown again after every save)
        self.head = w.HTML(intro() if callable(intro) else intro)
        self.widget = w.VBox([*([self.head] if intro else []), *(rows if rows is not None else [f.box() for f in fields]),
                              w.HBox([self.save_button, self.reload_button]), self.message,
                              *([self.log.widget] if self.log else [])])
        self.loaded: dict[str, Any] = self.stored()
        self._fill(self.loaded)
        self._show()
        editor.listeners.append(self.refresh)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # values in and out
    def stored(self) -> dict[str, Any]:
        return {k: _norm(_get(self.editor.audit.meta, f.path)) for k, f in self.fields.items()}

    def values(self) -> dict[str, Any]:
        return {k: f.value() for k, f in self.fields.items()}

    def set(self, **values: Any) -> None:
        """Set fields as an auditor would, by key with '.' written '__' (nature__lifecycle='...')."""
        for key, value in values.items():
            self.fields[key.replace("__", ".")].fill(value)

    def _fill(self, values: dict[str, Any]) -> None:
        self._quiet = True
        try:
            for key, f in self.fields.items():
                f.fill(values.get(key))
        finally:
            self._quiet = False

    def changes(self) -> dict[tuple[str, ...], Any]:
        values = self.values()
        changed = [k for k, v in values.items() if not _same(v, self.loaded.get(k))]  # in the form's order, kept in the file
        out: dict[tuple[str, ...], Any] = {self.fields[k].path: (DELETE if values[k] is None else values[k]) for k in changed}
        for section in {f.path[:-1] for f in self.fields.values() if len(f.path) > 1}:
            mine = [f for f in self.fields.values() if f.path[:-1] == section]
            stored = _get(self.editor.audit.meta, section)
            others = set(stored) - {f.path[-1] for f in mine} if isinstance(stored, dict) else set()
            if all(values[f.key] is None for f in mine) and any(f.key in changed for f in mine) and not others:
                for f in mine:
                    out.pop(f.path, None)
                out[section] = self.blank  # an emptied section goes, rather than stay as {}
        return out

    # checking
    def problems(self) -> tuple[dict[str, list[tuple[str, bool]]], list[tuple[str, bool]]]:
        """Messages per field (form checks and the audit's validation of the candidate), and those for elsewhere."""
        per: dict[str, list[tuple[str, bool]]] = {k: list(f.checks()) for k, f in self.fields.items()}
        loose: list[tuple[str, bool]] = []
        after, added = self.editor.check_meta(self.changes())
        tops = {f.path[0] for f in self.fields.values()}
        for p in after:
            if p.file == AUDIT_FILE and re.split(r"[.\[]", p.column)[0] in tops:
                for key, text in self._place(p):
                    target = per.get(key) if key else None
                    if target is None:
                        loose.append((f"{label(p.column)}: {text}", p.is_error))
                    elif text not in [t for t, _ in target] and not (p.is_error and any(e for _, e in target)):
                        target.append((text, p.is_error))  # the form's own check says it more precisely
        for p in added:
            if not (p.file == AUDIT_FILE and re.split(r"[.\[]", p.column)[0] in tops):
                loose.append((_elsewhere(self.editor, p), p.is_error))
        return per, loose

    def _place(self, p: Problem) -> list[tuple[str | None, str]]:
        """Which field a problem belongs to, and its words."""
        if p.column in self.fields:
            return [(p.column, say_meta(p))]
        if "overruled" in p.message and f"{p.column}.reason" in self.fields:
            return [(f"{p.column}.reason", say_meta(p))]
        lacks = re.search(r" lacks (.+)$", p.message)
        if lacks and "[" not in p.column:
            keys = [f"{p.column}.{n.strip()}" for n in lacks.group(1).split(",")]
            if all(k in self.fields for k in keys):
                return [(k, "fill this in") for k in keys]
        return [(None, say_meta(p))]

    def _show(self, keep_message: bool = False) -> bool:
        return self._mark(*self.problems(), keep_message)

    # saving
    def save(self) -> bool:
        if self._show():
            self.message.value = (f'<div style="color:{ERROR}"><b>Not saved.</b> Fix what is marked ✗ above. Nothing was '
                                  "written.</div>") + self.message.value
            return False
        changes, values = self.changes(), self.values()
        names = [f.label for k, f in self.fields.items() if not _same(values[k], self.loaded.get(k))]
        added = self.message.value if "This change adds" in self.message.value else ""
        saved = self._after(self.editor.set_meta(changes), names)
        if saved and added:
            self.message.value += added
        return saved

    def _after(self, outcome: Outcome, names: list[str]) -> bool:
        if self._refused(outcome):
            return False
        self.loaded = self.stored()
        self._show()
        if not names:
            self.message.value = f'<div style="color:{OK}">Nothing to save: no change.</div>' + self.message.value
            return True
        self.message.value = f'<div style="color:{OK}">Saved: {html.escape(joined(names))}.</div>' + self.message.value
        if self.log is not None:
            self.log.offer(f"{self.what}: {joined(names).lower() if len(names) > 1 else names[0]}")
        return True

    def refresh(self) -> None:
        """After any save in this notebook, or Reload: what others saved comes in, what was typed here stays."""
        mine, base, theirs = self.values(), dict(self.loaded), self.stored()
        merged, clashes = _merge(base, mine, theirs)
        self.loaded = theirs
        if callable(self.intro):
            self.head.value = self.intro()
        self._fill(merged)
        self._show(keep_message=True)
        for key, value in clashes.items():
            f = self.fields[key]
            f.note.value += _problem_html(f"{f.label}: also changed elsewhere, to “{_shown(value)}”; yours is kept: Save to "
                                          "keep it", False)

    def reload(self) -> None:
        self.editor.reload()  # every form of the notebook refreshes, this one included
        self.reload_button.button_style = ""
        self.message.value = f'<div style="color:{OK}">Reloaded: what you typed is kept on top of what was saved ' \
                             "meanwhile.</div>"


# ---- a form over one list of audit.yaml ----------------------------------------------------


class ListForm(_Marked):
    """The entries of one list of audit.yaml (consultation held, sign-off, change log): add, edit, remove."""

    NEW = -1

    def __init__(self, editor: AuditEditor, path: tuple[str, ...], fields: list[Field], *, what: str, noun: str,
                 title: Callable[[dict], str], offer: bool = True, intro: str = ""):
        self.editor, self.path, self.what, self.noun, self.title = editor, path, what, noun, title
        self.fields: dict[str, Field] = {f.path[-1]: f for f in fields}
        self.picker = w.Dropdown(description="Edit", layout=w.Layout(width="60em"))
        self.picker.style.description_width = LABEL_WIDTH
        self.picker.observe(lambda _c: self._picked(), names="value")
        self.message = w.HTML()
        self.save_button, self.remove_button = _button("Save", "primary", "save"), _button("Remove", "danger", "trash")
        self.reload_button = _button("Reload", icon="refresh")
        self.yes_button, self.no_button = _button("Yes, remove", "danger"), _button("Cancel")
        self.asking = w.HBox([])
        self.save_button.on_click(lambda _: self.save())
        self.remove_button.on_click(lambda _: self.remove())
        self.reload_button.on_click(lambda _: self.reload())
        self.yes_button.on_click(lambda _: self.remove(confirmed=True))
        self.no_button.on_click(lambda _: self._ask(None))
        self.log = ChangeLogOffer(editor) if offer else None
        self._quiet = False
        for f in fields:
            f.observe(lambda _c: self._changed())
        head = [w.HTML(intro)] if intro else []
        self.widget = w.VBox([*head, self.picker, *[f.box() for f in fields],
                              w.HBox([self.save_button, self.remove_button, self.reload_button]), self.asking, self.message,
                              *([self.log.widget] if self.log else [])])
        self.loaded: Any = None  # the entry as loaded (None for a new one)
        self.attempted = False  # Save pressed on this entry
        self.pending_removal: int | None = None
        self._options()
        self._load(self.NEW)
        editor.listeners.append(self.refresh)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def entries(self) -> list:
        value = _get(self.editor.audit.meta, self.path)
        return copy.deepcopy(value) if isinstance(value, list) else []

    def _options(self) -> None:
        keep, self._quiet = self._quiet, True
        try:
            value = self.picker.value
            options = [(f"(new {self.noun})", self.NEW)] + [
                (f"{i + 1}. {self.title(e) if isinstance(e, dict) else str(e)}", i) for i, e in enumerate(self.entries())]
            self.picker.options = options
            self.picker.value = value if value in {v for _, v in options} else self.NEW
        finally:
            self._quiet = keep

    @property
    def index(self) -> int:
        return self.NEW if self.picker.value is None else self.picker.value

    def values(self) -> dict[str, Any]:
        return {k: f.value() for k, f in self.fields.items()}

    def set(self, **values: Any) -> None:
        for key, value in values.items():
            self.fields[key].fill(value)

    def load(self, index: int) -> None:
        """Pick entry ``index`` (0-based) to edit, or NEW."""
        self.picker.value = index

    def _picked(self) -> None:
        if not self._quiet:
            self._ask(None)
            self._load(self.index)

    def _load(self, index: int, keep: dict[str, Any] | None = None) -> None:
        self.attempted = False
        entries = self.entries()
        entry = entries[index] if 0 <= index < len(entries) else None
        self.loaded = copy.deepcopy(entry)
        values = keep if keep is not None else {k: _norm(entry.get(k)) if isinstance(entry, dict) else None
                                                for k in self.fields}
        self._quiet = True
        try:
            for k, f in self.fields.items():
                f.fill(values.get(k))
        finally:
            self._quiet = False
        self._show()

    def _entry(self) -> dict:
        """The entry as the form holds it, over what the entry had that the form does not show."""
        entry = dict(self.loaded) if isinstance(self.loaded, dict) else {}
        for k, value in self.values().items():
            stored = _norm(entry.get(k))
            if value is None:
                entry.pop(k, None)
            elif not _same(value, stored):
                entry[k] = value
        return entry

    def _new_list(self, remove: bool = False) -> list:
        entries = self.entries()
        if remove:
            return entries[:self.index] + entries[self.index + 1:]
        if self.index == self.NEW:
            return entries + [self._entry()]
        entries[self.index] = self._entry()
        return entries

    def problems(self) -> tuple[dict[str, list[tuple[str, bool]]], list[tuple[str, bool]]]:
        per = {k: list(f.checks()) for k, f in self.fields.items()}
        loose: list[tuple[str, bool]] = []
        new = self._new_list()
        position = (len(new) if self.index == self.NEW else self.index + 1)
        after, added = self.editor.check_meta({self.path: new})
        column = ".".join(self.path)
        for p in after:
            if p.file != AUDIT_FILE or not p.column.startswith(column):
                if p in added:
                    loose.append((_elsewhere(self.editor, p), p.is_error))
                continue
            if p.column != f"{column}[{position}]":
                if p in added:
                    loose.append((f"{label(p.column)}: {say_meta(p)}", p.is_error))
                continue
            lacks = re.search(r" lacks (.+)$", p.message)
            names = [n.strip() for n in lacks.group(1).split(",")] if lacks else []
            if names and all(n in per for n in names):
                for n in names:
                    if not any(e for _, e in per[n]):
                        per[n].append(("fill this in", True))
            elif (found := re.search(r"item '(\w+)'", p.message)) and "item" in per:
                per["item"].append((f"“{found.group(1)}” is not one of the list: choose from it", True))
            else:
                loose.append((f"{label(p.column)}: {say_meta(p)}", p.is_error))
        return per, loose

    def _show(self, keep_message: bool = False) -> bool:
        per, loose = self.problems()
        if self.index == self.NEW and not self.attempted and all(v is None for v in self.values().values()):
            per, loose = {k: [] for k in per}, []  # a blank new entry: its messages wait for Save or a first entry
        return self._mark(per, loose, keep_message)

    def save(self) -> bool:
        self._ask(None)
        self.attempted = True
        if self._show():
            self.message.value = (f'<div style="color:{ERROR}"><b>Not saved.</b> Fix what is marked ✗ above. Nothing was '
                                  "written.</div>") + self.message.value
            return False
        new, index = self._new_list(), self.index
        position = len(new) - 1 if index == self.NEW else index
        outcome = self.editor.set_meta({self.path: new})
        if not self._refused(outcome):
            self._options()
            self.picker.value = position
            self._load(position)
            done = "Added" if index == self.NEW else "Saved"
            self.message.value = f'<div style="color:{OK}">{done}: {html.escape(self.title(new[position]))}.</div>' + \
                self.message.value
            if self.log is not None:
                self.log.offer(f"{self.what}: {self.title(new[position])}")
            return True
        return False

    def _ask(self, question: str | None) -> None:
        self.pending_removal = self.index if question else None
        self.asking.children = [w.HTML(f"<b>{html.escape(question)}</b>"), self.yes_button, self.no_button] if question else []

    def remove(self, confirmed: bool = False) -> bool:
        """First press asks; ``confirmed`` removes the entry picked."""
        if self.index == self.NEW:
            self.message.value = _problem_html(f"Pick a saved {self.noun} under Edit to remove it.", True)
            return False
        if not confirmed or self.pending_removal != self.index:
            self._ask(f"Remove {self.noun} {self.index + 1}? This cannot be undone.")
            return False
        self._ask(None)
        title = self.title(self.loaded) if isinstance(self.loaded, dict) else str(self.loaded)
        outcome = self.editor.set_meta({self.path: self._new_list(remove=True)})
        if self._refused(outcome):
            return False
        self._options()
        self.picker.value = self.NEW
        self._load(self.NEW)
        self.message.value = f'<div style="color:{OK}">Removed: {html.escape(title)}.</div>'
        if self.log is not None:
            self.log.offer(f"{self.what}: removed {title}")
        return True

    def refresh(self) -> None:
        """After any save in this notebook, or Reload: the list as it now is; the entry being edited keeps what was typed."""
        mine, base, index = self.values(), self.loaded, self.index
        entries = self.entries()
        self._options()
        if index == self.NEW:
            self._load(self.NEW, keep=mine)
            return
        if 0 <= index < len(entries) and entries[index] == base:
            self.picker.value = index
            self._load(index, keep=mine)
            return
        moved = next((i for i, e in enumerate(entries) if e == base), None)
        if moved is not None:
            self._quiet = True
            self.picker.value = moved
            self._quiet = False
            self._load(moved, keep=mine)
            return
        if 0 <= index < len(entries):
            fields = list(self.fields)
            base_values = {k: _norm(base.get(k)) if isinstance(base, dict) else None for k in fields}
            theirs = {k: _norm(entries[index].get(k)) if isinstance(entries[index], dict) else None for k in fields}
            merged, clashes = _merge(base_values, mine, theirs)
            self._quiet = True
            self.picker.value = index
            self._quiet = False
            self._load(index, keep=merged)
            for key, value in clashes.items():
                f = self.fields[key]
                f.note.value += _problem_html(f"{f.label}: also changed elsewhere, to “{_shown(value)}”; yours is kept: "
                                              "Save to keep it", False)
            return
        self._quiet = True
        self.picker.value = self.NEW
        self._quiet = False
        self._load(self.NEW, keep=mine)
        self.message.value = _problem_html(f"The {self.noun} you were editing was removed meanwhile; your entries are kept "
                                           f"as a new {self.noun}.", False)

    def reload(self) -> None:
        self.editor.reload()  # every form of the notebook refreshes, this one included
        self.reload_button.button_style = ""
        if "removed meanwhile" not in self.message.value:
            self.message.value = f'<div style="color:{OK}">Reloaded: what you typed is kept on top of what was saved ' \
                                 "meanwhile.</div>"


# ---- the forms the walk notebooks show -----------------------------------------------------


def _heading(text: str, level: int = 4) -> w.HTML:
    return w.HTML(f"<h{level}>{html.escape(text)}</h{level}>")


class TemplateForm(MetaForm):
    """The template's questions of some steps, grouped as the template groups them, one text area each."""

    def __init__(self, editor: AuditEditor, steps: tuple[int, ...]):
        asked = [q for q in questions() if q.step in steps]
        fields = {q.path: AnswerField(q) for q in asked if q.path}
        rows: list[w.Widget] = []
        step = group = None
        for q in asked:
            if q.step != step:
                step, group = q.step, None
                rows.append(_heading(STEP_TITLES[q.step], 3))
            if q.group != group:
                group = q.group
                if group:
                    rows.append(_heading(group))
            if q.path:
                rows.append(fields[q.path].box())
            else:
                rows.append(w.HTML(f'<div style="color:#555; margin:0 0 0.6em 0"><b>{html.escape(q.label)}</b>: the report '
                                   "answers it from the inventory, the screening and the notice (see where the audit "
                                   f"stands).<br><small>{html.escape(q.asks)}</small></div>"))
        what = "; ".join(STEP_TITLES[s].split(": ")[-1] for s in steps if s in STEP_TITLES)
        super().__init__(editor, list(fields.values()), what=what[:1].upper() + what[1:], rows=rows)
        self.steps = steps


def _choices(*pairs: tuple[str, Any]) -> list[tuple[str, Any]]:
    return list(pairs)


YES_NO = _choices(("not answered", None), ("yes", True), ("no", False))
YES_NO_SILENT = YES_NO + [(SILENT_CHOICE[:1].lower() + SILENT_CHOICE[1:], NOT_STATED)]


def dpo_advice_form(editor: AuditEditor) -> MetaForm:
    fields = [TextField("dpo_advice.by", ("dpo_advice", "by"), LABELS["dpo_advice.by"], "The DPO's name or title."),
              TextField("dpo_advice.date", ("dpo_advice", "date"), LABELS["dpo_advice.date"], kind="date"),
              TextField("dpo_advice.advice", ("dpo_advice", "advice"), LABELS["dpo_advice.advice"],
                        "On compliance, the measures of step 6, and whether the processing can proceed.", kind="area"),
              ChoiceField("dpo_advice.accepted", ("dpo_advice", "accepted"), LABELS["dpo_advice.accepted"],
                          [("not yet decided", None), ("accepted", True), ("overruled", False)]),
              TextField("dpo_advice.reason", ("dpo_advice", "reason"), LABELS["dpo_advice.reason"],
                        "Required when the advice is overruled: the ICO template asks for the reasons.", kind="area")]
    intro = ("<p>Where a data protection officer is designated, the controller must seek their advice when carrying out a "
             "DPIA (UK GDPR Art 35(2)). Record who gave it, when, a summary, and whether it was accepted.</p>")
    return MetaForm(editor, fields, what="DPO advice", blank=None, intro=intro)


def review_form(editor: AuditEditor) -> MetaForm:
    fields = [TextField("review.by", ("review", "by"), LABELS["review.by"], "Who keeps the DPIA under review; the DPO also "
                        "reviews ongoing compliance."),
              TextField("review.next_date", ("review", "next_date"), LABELS["review.next_date"], kind="date")]
    return MetaForm(editor, fields, what="Review")


def public_authority_form(editor: AuditEditor) -> MetaForm:
    field = ChoiceField("public_authority", ("public_authority",), "A public authority or body",
                        [("not answered", None), ("yes: a public authority or body (DPA 2018 s.7)", True),
                         ("no: a private provider", False)], schemas.AUDIT_KEYS["public_authority"].description
                        .replace("true if the", "Whether the").replace("6(1)(f) or 6(1)(ea)", "Art 6(1)(f) or (ea)"))
    return MetaForm(editor, [field], what="Public authority")


def policy_document_form(editor: AuditEditor) -> MetaForm:
    key = "appropriate_policy_document"
    fields = [ChoiceField(f"{key}.exists", (key, "exists"), LABELS[f"{key}.exists"], YES_NO_SILENT,
                          "Whether the controller has an appropriate policy document (DPA 2018 Sch 1 Part 4)."),
              TextField(f"{key}.where", (key, "where"), LABELS[f"{key}.where"], "A link, or where it is kept."),
              TextField(f"{key}.reviewed", (key, "reviewed"), LABELS[f"{key}.reviewed"], kind="date")]
    return MetaForm(editor, fields, what="Appropriate policy document", intro=lambda: f"<p>{html.escape(policy_need(editor))}</p>")


def policy_need(editor: AuditEditor) -> str:
    """Which Schedule 1 conditions of the inventory need an appropriate policy document."""
    sch1 = editor.vocabulary("schedule1")
    frame = editor.table("activities.csv")
    cells = frame["schedule1_condition"] if "schedule1_condition" in frame.columns else []
    needing = {}
    for cell in cells:
        for code in vocab.split_codes(cell):
            term = sch1.terms.get(sch1.resolve(code) or "")
            if term is not None and term.get("policy_document") in ("required", "partial"):
                needing[term.code] = vocab.cited(term)
    if not needing:
        return "No Schedule 1 condition recorded in the inventory needs an appropriate policy document."
    return (f"The inventory relies on {joined(list(needing.values()))}: the controller needs an appropriate policy "
            "document for it (DPA 2018 Sch 1 Part 4), kept and reviewed.")


def complaints_form(editor: AuditEditor) -> MetaForm:
    duties = editor.vocabulary("complaint_duties")
    every = vocab.get("complaint_duties")
    fields: list[Field] = []
    for duty in every:
        key = f"complaints.{duty['audit_key']}"
        words = f"{duty.label} ({duty['cite']})"
        if duty["kind"] == "days":
            fields.append(DaysField(key, ("complaints", duty["audit_key"]), "Acknowledged within (days)",
                                    f"{words}: {duty.description}", limit=duty.get("limit")))
        else:
            fields.append(ChoiceField(key, ("complaints", duty["audit_key"]), duty.label.split(",")[0], YES_NO_SILENT,
                                      f"{words}: {duty.description}"))
    fields += [TextField("complaints.evidence", ("complaints", "evidence"), LABELS["complaints.evidence"],
                         "The notice's words this comes from, quoted.", kind="area"),
               TextField("complaints.notes", ("complaints", "notes"), LABELS["complaints.notes"], kind="area")]
    since = vocab.long_date(min(t.in_force_from for t in every))
    when = "" if len(duties) else f" These duties were not yet in force on the audit date; they apply from {since}."
    intro = (f"<p>How the controller takes complaints about its use of personal data: the duties of DPA 2018 s.164A and "
             f"s.165, in force from {html.escape(since)}.{html.escape(when)}</p>")
    return MetaForm(editor, fields, what="Complaints handling", intro=intro)


def consultation_form(editor: AuditEditor) -> ListForm:
    fields = [TextField("consultation.with", ("with",), LABELS["consultation.with"], "People or their representatives, "
                        "staff, processors, security experts.", required=True),
              TextField("consultation.date", ("date",), LABELS["consultation.date"], kind="date", required=True),
              TextField("consultation.summary", ("summary",), LABELS["consultation.summary"], "Their views, and what "
                        "changed as a result.", kind="area", required=True)]
    intro = ("<p>Where appropriate, the controller must seek the views of the people concerned or their representatives "
             "(UK GDPR Art 35(9)). Record each consultation held.</p>")
    return ListForm(editor, ("consultation",), fields, what="Consultation", noun="consultation",
                    title=lambda e: f"{e.get('with', '')} ({_norm(e.get('date')) or 'no date'})", intro=intro)


def sign_off_form(editor: AuditEditor) -> ListForm:
    items = [("(choose one)", None)] + [(words, code) for code, words in schemas.SIGN_OFF_ITEMS.items()]
    fields = [ChoiceField("sign_off.item", ("item",), LABELS["sign_off.item"], items, required=True),
              TextField("sign_off.name", ("name",), LABELS["sign_off.name"], required=True),
              TextField("sign_off.role", ("role",), LABELS["sign_off.role"], required=True),
              TextField("sign_off.date", ("date",), LABELS["sign_off.date"], kind="date", required=True),
              TextField("sign_off.decision", ("decision",), LABELS["sign_off.decision"], "What was decided; where the "
                        "decision departs from people's views, why.", kind="area", required=True)]
    intro = ("<p>The ICO template's step 7: who approved the measures, who approved the residual risks (a residual high risk "
             "needs the ICO consulted first, Art 36), and who reviewed the consultation responses.</p>")
    form = ListForm(editor, ("sign_off",), fields, what="Sign-off", noun="approval",
                    title=lambda e: f"{schemas.SIGN_OFF_ITEMS.get(e.get('item') or 'residual_risks', e.get('item'))}: "
                                    f"{e.get('name', '')} ({_norm(e.get('date')) or 'no date'})", intro=intro)
    return form


class DocumentForm:
    """The DPIA as a document: its version and author, and its change log."""

    def __init__(self, editor: AuditEditor):
        self.details = MetaForm(editor, [TextField("document.version", ("document", "version"), "Version", "e.g. 0.3"),
                                         TextField("document.author", ("document", "author"), "Author")],
                                what="Document control", offer=False)
        fields = [TextField("document.change_log.version", ("version",), "Version", required=True),
                  TextField("document.change_log.date", ("date",), "Date", kind="date", required=True),
                  TextField("document.change_log.by", ("by",), "By", required=True),
                  TextField("document.change_log.change", ("change",), "What changed", kind="area", required=True)]
        self.log = ListForm(editor, ("document", "change_log"), fields, what="Change log", noun="change",
                            title=lambda e: f"{_norm(e.get('version')) or '?'}, {_norm(e.get('date')) or 'no date'}: "
                                            f"{e.get('change', '')}"[:90], offer=False)
        self.widget = w.VBox([self.details.widget, _heading("Change log"), self.log.widget])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


# ---- the open questions --------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    code: str
    step: int
    label: str
    asks: str
    state: str  # answered | draft | open | waiting (computed once the audit's errors are fixed)
    where: str  # the notebook that answers it


def checklist(editor: AuditEditor, report=None) -> list[Item]:
    """Every question of the template and whether it is answered, a draft to confirm, or still open. Without a report
    (the audit has errors) the questions the report computes wait."""
    from .report.questions import _from_audit

    answers = {a.code: a for a in report.questions()} if report is not None else {}
    out = []
    for term in vocab.get("ico_template"):
        kind, _, where = term["answer"].partition(":")
        waiting = report is None and kind != "audit"
        text = None if waiting else answers[term.code].text if report is not None else _from_audit(editor.audit.meta, where)
        state = ("waiting" if waiting else "open" if text is None else
                 "draft" if text.lower().startswith(PLACEHOLDER) or f" {PLACEHOLDER}" in text.lower() else "answered")
        out.append(Item(term.code, term["step"], term.label, term.description, state,
                        NOTEBOOK_FOR.get(term.code, NOTEBOOKS[term["step"]])))
    return out


MARK = {"answered": "☑", "draft": "✎", "open": "☐", "waiting": "…"}


def checklist_html(items: list[Item], steps: tuple[int, ...] = ()) -> str:
    """The template's questions as a checklist: a headline for the whole template, then the steps asked for."""
    open_, drafts = [i for i in items if i.state == "open"], [i for i in items if i.state == "draft"]
    head = (f"<b>The ICO template: {len(open_)} of {len(items)} questions still open</b>"
            + (f", {len(drafts)} drafts to confirm" if drafts else "") + ".")
    shown = [i for i in items if not steps or i.step in steps]
    rows, step = [], None
    for i in shown:
        if i.step != step:
            step = i.step
            rows.append(f'<li style="list-style:none; margin-top:0.4em"><b>{html.escape(STEP_TITLES[step])}</b></li>')
        style = "color:#555" if i.state == "answered" else ""
        say = {"open": f"to be completed, in {i.where}", "draft": f"a draft from the notice to confirm, in {i.where}",
               "waiting": "answered from the inventory once the errors above are fixed", "answered": "answered"}[i.state]
        rows.append(f'<li style="list-style:none; {style}">{MARK[i.state]} {html.escape(i.label)}: '
                    f"<small>{html.escape(say)}</small></li>")
    return f'<div class="dpia-checklist">{head}<ul style="padding-left:0.5em">{"".join(rows)}</ul></div>'


# ---- the fundamental principles: the auditor's judgement, beside what the audit shows ---------------


def _facts_html(items: list[str]) -> str:
    listed = "".join(f"<li>{html.escape(x)}</li>" for x in items) or "<li>Nothing recorded yet.</li>"
    return f'<div style="color:#444; margin:0 0 0.4em {LABEL_WIDTH}"><small><b>What the audit shows</b></small><ul>{listed}</ul></div>'


def principles_form(editor: AuditEditor) -> MetaForm:
    """One block per fundamental principle: its judgement (or none yet), the reason, and the corrective action with its
    owner and due date; beside it, what the audit and the notice show (refreshed after every save). The form never
    chooses a judgement: an unjudged principle stays "to be judged"."""
    from . import principles

    judgements = vocab.get("principle_judgements")
    choices = [("to be judged", None)] + [(f"{t.label.lower()}: {vocab.lower_first(t.description)}", t.code) for t in judgements]
    terms = list(principles.in_force(editor.audit.law_date))
    fields: list[Field] = []
    rows: list[w.Widget] = []
    facts_views: dict[str, w.HTML] = {}

    def shown() -> dict[str, list[str]]:
        try:
            return principles.facts(editor.audit)
        except DpiaError as exc:  # a table too broken to read: the status above lists why
            return {t.code: [plain(str(exc))] for t in terms}

    now = shown()
    for term in terms:
        key = f"principles.{term.code}"
        rows.append(_heading(f"{term.label} ({term['cite']})"))
        rows.append(w.HTML(f'<div style="color:#555"><small>{html.escape(term.description)}</small></div>'))
        facts_views[term.code] = w.HTML(_facts_html(now.get(term.code, [])))
        rows.append(facts_views[term.code])
        words = PRINCIPLE_FIELDS
        block = [ChoiceField(f"{key}.judgement", ("principles", term.code, "judgement"), words["judgement"], choices),
                 TextField(f"{key}.reason", ("principles", term.code, "reason"), words["reason"], "Your reason, in words the "
                           "provider reads; the facts above inform it.", kind="area"),
                 TextField(f"{key}.action", ("principles", term.code, "action"), words["action"],
                           "What must change; needed when the principle is improvable or to correct.", kind="area"),
                 TextField(f"{key}.owner", ("principles", term.code, "owner"), words["owner"]),
                 TextField(f"{key}.due", ("principles", term.code, "due"), words["due"], kind="date")]
        for f in block:
            f.label = LABELS[f.key]  # the widget keeps the short word; messages and "Saved: ..." name the principle
        fields += block
        rows += [f.box() for f in block]

    def refresh_facts() -> None:
        latest = shown()
        for code, view in facts_views.items():
            view.value = _facts_html(latest.get(code, []))

    intro = ("<p>CNIL's PIA method judges each fundamental principle: acceptable, improvable, or to correct, with a "
             "corrective action, its owner and due date for the last two. The facts under each principle come from the "
             "inventory and the notice; the judgement is yours, and the report shows a principle you have not judged as "
             "“To be judged”.</p>")
    form = MetaForm(editor, fields, what="Principles", rows=rows, intro=intro)
    editor.listeners.append(refresh_facts)
    form.facts = facts_views
    return form
