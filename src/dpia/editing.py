"""Editing an audit from several places at once without losing anything.

An ``AuditEditor`` holds the audit as it was loaded, with each file's content hash. A save names what
it changes (rows by id, screening answers by criterion) and, under the folder's lock, re-reads what is
on disk: where a file changed since the editor loaded it, the save goes ahead only if the rows or
answers it writes are still as the editor loaded them, and then writes them into the file as it now
stands, so the other changes are kept. Otherwise it is refused ("changed since you loaded it"), and
``reload`` gives the editor the audit as it now is; ``merge`` keeps what a form holds on top of it.

A save is refused, writing nothing, when the rows it writes have errors or when it would add an error
elsewhere (a flow left pointing at a removed activity). Errors already in other rows do not block it,
so an invalid audit can be fixed one row at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import schemas, store, vocab
from .audit import AUDIT_FILE, FILES, TABLE_FILES, Audit, load, validate
from .errors import DpiaError
from .problems import Problem
from .vocab import split_codes

ID_COLUMN = {"activities.csv": "activity_id", "flows.csv": "flow_id", "risks.csv": "risk_id"}
CONFIRMED = {"activities.csv": "confirmed", "flows.csv": "confirmed", "risks.csv": "open"}
NOUN = {"activities.csv": ("activity", "activities"), "flows.csv": ("flow", "flows"), "risks.csv": ("risk", "risks")}
PLACEHOLDER = "draft:"
DELETE = object()  # a screening answer or other audit.yaml value to remove


@dataclass
class Outcome:
    """What a save did: written, or refused with the problems or the conflict that stopped it."""

    saved: bool
    problems: list[Problem] = field(default_factory=list)
    conflict: str = ""
    message: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def row_dict(frame: pd.DataFrame, key: str, row_id: str) -> dict[str, str] | None:
    if key not in frame.columns:
        return None
    match = frame[frame[key] == row_id]
    return None if match.empty else {str(k): str(v) for k, v in match.iloc[0].to_dict().items()}


def _filled(row: dict[str, str] | None) -> dict[str, str] | None:
    return None if row is None else {k: v for k, v in row.items() if str(v).strip()}


def merge3(base: dict[str, str], mine: dict[str, str], theirs: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Field by field: what I changed wins, what they changed comes in. Returns the merged row and,
    for fields both changed differently, their value (which mine replaced)."""
    merged, clashes = {}, {}
    for key in dict.fromkeys([*mine, *theirs]):
        b, m, t = base.get(key, ""), mine.get(key, ""), theirs.get(key, "")
        if m == b:
            merged[key] = t
        else:
            merged[key] = m
            if t != b and t != m:
                clashes[key] = t
    return merged, clashes


def _listing(noun: tuple[str, str], ids: list[str]) -> str:
    if len(ids) == 1:
        return f"{noun[0]} {ids[0]}"
    return f"{noun[1]} {', '.join(ids[:-1])} and {ids[-1]}"


class AuditEditor:
    """One audit open for editing. Every write goes through a save that validates and checks for conflicts."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.audit = load(self.path)
        self.listeners: list[Callable[[], None]] = []

    # ---- reading ----
    def table(self, name: str) -> pd.DataFrame:
        return self.audit.tables[name]

    def ids(self, name: str) -> list[str]:
        frame = self.table(name)
        return list(frame[ID_COLUMN[name]]) if ID_COLUMN[name] in frame.columns else []

    def row(self, name: str, row_id: str) -> dict[str, str]:
        row = row_dict(self.table(name), ID_COLUMN[name], row_id)
        if row is None:
            raise DpiaError(f"{name} has no row {row_id!r}")
        return row

    def vocabulary(self, name: str) -> vocab.Vocabulary:
        """The vocabulary as in force on the audit's date (today while that date is missing or invalid)."""
        return vocab.in_force(name, self.audit.law_date)

    def lossy(self, name: str) -> list[Problem]:
        """Why a file cannot be written without losing what is in it (unreadable, or lines skipped)."""
        return [p for p in self.audit.read_problems if p.file == name]

    def dependants(self, name: str, row_id: str) -> dict[str, list[str]]:
        """The rows that point at this one: table -> ids."""
        if name != "activities.csv":
            return {}
        flows, risks = self.table("flows.csv"), self.table("risks.csv")
        out = {}
        if {"flow_id", "activity_id"} <= set(flows.columns):
            out["flows.csv"] = list(flows.flow_id[flows.activity_id == row_id])
        if {"risk_id", "activity_ids"} <= set(risks.columns):
            out["risks.csv"] = [r for r, a in zip(risks.risk_id, risks.activity_ids) if row_id in split_codes(a)]
        return {t: ids for t, ids in out.items() if ids}

    def used_by(self, name: str, row_id: str) -> str:
        """'A1 is used by flows F1, F3 and risk R2', or ''."""
        deps = self.dependants(name, row_id)
        if not deps:
            return ""
        return f"{row_id} is used by " + " and ".join(_listing(NOUN[t], ids) for t, ids in deps.items())

    # ---- checking ----
    def candidate(self, name: str, row: dict[str, str], replacing: str | None) -> tuple[Audit, int]:
        """The audit with this row added or replaced, in memory, and the row's line in it."""
        key = ID_COLUMN[name]
        old = replacing if replacing is not None else row.get(key, "")
        full = self._full_row(self.audit, name, row, replacing)
        audit = _with_rows(self.audit, name, {old: full})
        ids = list(audit.tables[name][key])
        return audit, ids.index(full[key]) + 2 if full[key] in ids else len(ids) + 1

    def check(self, name: str, row: dict[str, str], replacing: str | None = None) -> list[Problem]:
        """The problems this row would have if it were saved as it stands."""
        audit, line = self.candidate(name, row, replacing)
        problems = [p for p in validate(audit) if p.file == name and p.row == line]
        exists = self._exists(self.audit, name, row, replacing)
        return ([exists] if exists else []) + problems

    def _exists(self, audit: Audit, name: str, row: dict[str, str], replacing: str | None) -> Problem | None:
        key = ID_COLUMN[name]
        new_id = row.get(key, "")
        if new_id and new_id != replacing and row_dict(audit.tables[name], key, new_id) is not None:
            return Problem(name, 0, key, f"{new_id} exists: pick it under Edit", "error", "id_exists")
        return None

    def _full_row(self, audit: Audit, name: str, row: dict[str, str], replacing: str | None) -> dict[str, str]:
        """The form's fields on top of the stored row, so columns the form does not show are kept."""
        stored = row_dict(audit.tables[name], ID_COLUMN[name], replacing) if replacing is not None else None
        frame = audit.tables[name]
        full = {c: "" for c in frame.columns} | (stored or {})
        full.update({k: str(v if v is not None else "").strip() for k, v in row.items()})
        return full

    # ---- saving ----
    def put(self, name: str, row: dict[str, str], replacing: str | None = None) -> Outcome:
        """Add a row (replacing None) or replace the row with id ``replacing``, and save."""
        return self._save({name: {replacing if replacing is not None else row.get(ID_COLUMN[name], ""): row}},
                          {}, new={name} if replacing is None else set())

    def remove(self, name: str, row_id: str) -> Outcome:
        used = self.used_by(name, row_id)
        if used:
            return Outcome(False, [Problem(name, 0, ID_COLUMN[name], f"{used}: remove or change them first",
                                           "error", "has_dependants")])
        return self._save({name: {row_id: None}}, {})

    def placeholders(self, name: str, row: dict[str, str]) -> list[Problem]:
        return [Problem(name, 0, column, f"still holds the draft text “{value}”: replace it before confirming",
                        "error", "draft_placeholder")
                for column, value in row.items() if str(value).strip().lower().startswith(PLACEHOLDER)]

    def confirm(self, name: str, row_id: str, row: dict[str, str] | None = None) -> Outcome:
        """Save the row (as the form holds it, or as stored) with its status confirmed; refused while
        any field still holds a placeholder such as "draft: state the purpose"."""
        current = {**self.row(name, row_id), **(row or {})}
        waiting = self.placeholders(name, current)
        if waiting:
            return Outcome(False, waiting)
        return self.put(name, {**(row or {}), "status": CONFIRMED[name]}, replacing=row_id)

    def set_meta(self, changes: dict[tuple[str, ...], Any]) -> Outcome:
        """Change audit.yaml: {(key,): value} or {(key, subkey): value}; DELETE removes."""
        return self._save({}, changes)

    def check_meta(self, changes: dict[tuple[str, ...], Any]) -> tuple[list[Problem], list[Problem]]:
        """What audit.yaml would look like with these changes, in memory: every problem of the candidate
        audit, and the problems the changes would add (to compare with what is already there)."""
        candidate = _with_rows(self.audit, None, {})
        candidate.meta = _with_meta(self.audit.meta, changes)
        after = validate(candidate)

        def key(p: Problem) -> tuple:  # a key new to audit.yaml has no line yet
            return (p.file, 0 if p.file == AUDIT_FILE else p.row, p.column, p.message, p.severity)
        before = {key(p) for p in self.audit.problems}
        return after, [p for p in after if key(p) not in before]

    def set_screening(self, answers: dict[str, tuple[bool | None, str]]) -> Outcome:
        """Screening answers by criterion code: (answer, reason). Only answers that differ from the loaded
        ones are written; a reason without an answer is kept, with the question left unanswered."""
        current = self.audit.meta.get("screening")
        current = current if isinstance(current, dict) else {}
        changes: dict[tuple[str, ...], Any] = {}
        for code, (answer, reason) in answers.items():
            value: Any = ({"answer": answer, "reason": reason} if reason else answer) if answer is not None else (
                {"reason": reason} if reason else DELETE)
            if value is DELETE and code not in current:
                continue
            if value is not DELETE and _same_answer(current.get(code), value):
                continue
            changes[("screening", code)] = value
        return self._save({}, changes)

    def reload(self) -> None:
        self.audit = load(self.path)
        self._notify()

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener()

    def _save(self, rows: dict[str, dict[str, dict[str, str] | None]], meta: dict[tuple[str, ...], Any],
              new: set[str] = frozenset()) -> Outcome:
        base, folder = self.audit, self.path
        if not rows and not meta:
            return Outcome(True, message="Nothing to save: no change.")
        files = set(rows) | ({AUDIT_FILE} if meta else set())
        with store.locked(folder):
            if store.pending(folder, FILES):
                store.recover(folder, FILES)
            now = store.hashes(folder, FILES)
            disk = base if all(now[f] == base.hashes.get(f) for f in FILES) else load(folder)
            for name in sorted(files):
                lost = [p for p in disk.read_problems if p.file == name]
                if name in disk.unreadable or lost:
                    return Outcome(False, lost, message=f"{name} cannot be saved from here: {lost[0].message}. "
                                   "Fix it in a text editor, then press Reload.")
            refusal = self._conflicts(base, disk, now, rows, meta, new)
            if refusal is not None:
                return refusal
            full_rows = {t: {old: (self._full_row(disk, t, row, old if t not in new else None) if row is not None else None)
                             for old, row in changes.items()} for t, changes in rows.items()}
            candidate = _with_rows(disk, None, {})
            for t, changes in full_rows.items():
                candidate = _with_rows(candidate, t, changes)
            candidate.meta = _with_meta(disk.meta, meta)
            blocking = _blocking(disk, candidate, full_rows, meta)
            if blocking:
                return Outcome(False, blocking)
            texts: dict[str, bytes] = {}
            for t, changes in full_rows.items():
                old_text = (folder / t).read_bytes().decode("utf-8")
                text = store.splice_csv(old_text, ID_COLUMN[t], changes, schemas.columns(t))
                texts[t] = text.encode("utf-8")
            if meta:
                old_yaml = (folder / AUDIT_FILE).read_bytes().decode("utf-8")
                texts[AUDIT_FILE] = store.yaml_text(old_yaml, candidate.meta).encode("utf-8")
            store.commit(folder, {n: data for n, data in texts.items() if store.digest(data) != now[n]})
            self.audit = load(folder)
        self._notify()
        return Outcome(True, [p for p in self.audit.problems])

    def _conflicts(self, base, disk, now, rows, meta, new) -> Outcome | None:
        changed = []
        for t, changes in rows.items():
            key = ID_COLUMN[t]
            for old, row in changes.items():
                if t in new:
                    exists = self._exists(disk, t, row or {}, None)
                    if exists:
                        return Outcome(False, [exists])
                    continue
                if row is not None:
                    exists = self._exists(disk, t, row, old)
                    if exists:
                        return Outcome(False, [exists])
                if now[t] != base.hashes.get(t) and _filled(row_dict(base.tables[t], key, old)) != _filled(
                        row_dict(disk.tables[t], key, old)):
                    changed.append(f"{old} in {t}")
        if meta and now[AUDIT_FILE] != base.hashes.get(AUDIT_FILE):
            for path in meta:
                if _get(base.meta, path) != _get(disk.meta, path):
                    changed.append(f"{'.'.join(path)} in {AUDIT_FILE}")
        if changed:
            return Outcome(False, conflict=", ".join(changed),
                           message=f"Not saved: {', '.join(changed)} changed since you loaded it (another notebook, "
                                   "tab or program saved it). Nothing was written. Press Reload: the form keeps what "
                                   "you typed and shows what changed.")
        return None


def _same_answer(stored: Any, value: Any) -> bool:
    if isinstance(stored, dict) and isinstance(value, dict):
        return stored.get("answer") == value.get("answer") and str(stored.get("reason") or "") == str(value.get("reason") or "")
    if isinstance(stored, dict) and not stored.get("reason"):
        return stored.get("answer") == value and isinstance(value, bool)
    return stored == value and type(stored) is type(value)


def _get(meta: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = meta
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return DELETE
        value = value[key]
    return value


def _with_meta(meta: dict[str, Any], changes: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    import copy

    out = copy.deepcopy(meta)
    for path, value in changes.items():
        target = out
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        if value is DELETE:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value
    return out


def _with_rows(audit: Audit, name: str | None, changes: dict[str, dict[str, str] | None]) -> Audit:
    """A copy of the audit (tables shared but for the one changed) with rows replaced, added or removed."""
    candidate = Audit(audit.path, audit.meta, dict(audit.tables), {}, list(audit.read_problems), [],
                      set(audit.unreadable), dict(audit.yaml_lines), dict(audit.hashes))
    candidate.lines = {t: list(audit.lines.get(t) or [i + 2 for i in range(len(f))]) for t, f in audit.tables.items()}
    if name is None or not changes:
        return candidate
    key = ID_COLUMN[name]
    frame = audit.tables[name]
    records = frame.to_dict("records")
    todo = dict(changes)
    out = []
    for record in records:
        rid = record.get(key)
        if rid in todo:
            row = todo.pop(rid)
            if row is not None:
                out.append(row)
        else:
            out.append(record)
    out += [row for row in todo.values() if row is not None]
    columns = list(frame.columns) + [c for row in out for c in row if c not in frame.columns]
    columns = list(dict.fromkeys(columns))
    candidate.tables[name] = pd.DataFrame([{c: str(r.get(c, "") or "") for c in columns} for r in out], columns=columns,
                                          dtype="str") if out else pd.DataFrame({c: pd.Series(dtype="str") for c in columns})
    candidate.lines[name] = [i + 2 for i in range(len(out))]
    return candidate


def _located(audit: Audit) -> dict[tuple[str, int], str]:
    """(file, line) -> row id, to compare problems across saves whose line numbers differ."""
    out = {}
    for t in TABLE_FILES:
        frame = audit.tables[t]
        if ID_COLUMN[t] not in frame.columns:
            continue
        for i, rid in enumerate(frame[ID_COLUMN[t]]):
            out[(t, audit.line(t, i))] = rid
    return out


def _keys(audit: Audit, problems: list[Problem]) -> dict[tuple, Problem]:
    where = _located(audit)
    return {(p.file, where.get((p.file, p.row), "" if p.file == AUDIT_FILE else p.row), p.column, p.message): p
            for p in problems if p.is_error}


def _blocking(disk: Audit, candidate: Audit, rows: dict[str, dict[str, dict | None]], meta: dict) -> list[Problem]:
    """Errors in what this save writes, and errors it would add elsewhere."""
    before = _keys(disk, disk.problems)
    after = _keys(candidate, validate(candidate))
    written = {(t, row[ID_COLUMN[t]]) for t, changes in rows.items() for row in changes.values() if row is not None}
    keys = [".".join(path) for path in meta]
    out = []
    for key, problem in after.items():
        mine = (key[0], key[1]) in written or (key[0] == AUDIT_FILE and any(str(key[2]).startswith(k) for k in keys))
        if mine or key not in before:
            out.append(problem)
    return out
