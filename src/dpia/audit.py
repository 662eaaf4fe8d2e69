"""An Audit: one provider's workspace folder, loaded into validated tables and metadata.

``load`` reads and validates every file, collecting every problem (it raises only when the
folder itself is missing), and records each file's content hash. ``save`` validates in memory first
and writes nothing if that fails; otherwise it writes the files that changed, all or nothing, through
``store`` (a lock, a journal the next load completes, comments and untouched rows kept).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import yaml

from . import schemas, store, vocab
from .errors import AuditInvalid, DpiaError, InputError
from .files import MB, inside, read_bytes
from .problems import Problem
from .tables import decode_utf8, message_without_path, read_csv, to_csv_text
from .words import joined

AUDIT_FILE = "audit.yaml"
TABLE_FILES = tuple(schemas.TABLES)
FILES = (AUDIT_FILE, *TABLE_FILES)


@dataclass
class Audit:
    path: Path
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    lines: dict[str, list[int]] = field(default_factory=dict)
    read_problems: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    yaml_lines: dict[str, int] = field(default_factory=dict)
    hashes: dict[str, str | None] = field(default_factory=dict)  # content hash of each file as loaded

    def __repr__(self) -> str:  # the default printed every problem: 23 MB in a 100,000-activity report notebook
        rows = ", ".join(f"{len(frame)} {name.removesuffix('.csv')}" for name, frame in self.tables.items())
        return f"Audit({str(self.path)!r}: {rows}; {len(self.errors)} errors, {len(self.warnings)} warnings)"

    @property
    def slug(self) -> str:
        return self.path.name

    @property
    def provider(self) -> str:
        return str(self.meta.get("provider") or self.slug)

    @property
    def controller(self) -> str:
        """Who is the controller: the provider, unless audit.yaml names the controller or controllers (Art 26)."""
        named = self.meta.get("controller") if isinstance(self.meta.get("controller"), dict) else {}
        return str(named.get("name") or "").strip() or self.provider

    @property
    def activities(self) -> pd.DataFrame:
        return self.tables["activities.csv"]

    @property
    def flows(self) -> pd.DataFrame:
        return self.tables["flows.csv"]

    @property
    def risks(self) -> pd.DataFrame:
        return self.tables["risks.csv"]

    @property
    def law_date(self) -> dt.date:
        """The date whose law the audit is judged under: its audit_date, or today while that is missing or invalid."""
        return vocab.law_date(schemas.as_text(self.meta.get("audit_date") or ""))

    @property
    def risk_method(self) -> str:
        return str(self.meta.get("risk_method") or "ico")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def valid(self) -> bool:
        return not self.errors

    def line(self, table: str, index: int) -> int:
        rows = self.lines.get(table) or []
        return rows[index] if 0 <= index < len(rows) else index + 2

    def notice_path(self) -> Path:
        """The notice file, resolved; InputError if the name leads outside the audit folder."""
        return inside(self.path, str(self.meta.get("notice") or "notice.txt"), "notice")


def load(path: str | Path) -> Audit:
    """Read an audit folder and validate it; every problem is in ``audit.problems``."""
    folder = Path(path)
    if not folder.is_dir():
        raise DpiaError(f"{folder}: not an audit folder (expected a folder holding {AUDIT_FILE} and "
                        f"{', '.join(TABLE_FILES)}); create one with `dpia new`")
    with store.reading(folder, FILES) as hashes:
        meta, yaml_lines, problems = _read_yaml(folder / AUDIT_FILE)
        audit = Audit(folder, meta, {}, yaml_lines=yaml_lines, hashes=hashes)
        if problems:
            audit.unreadable.add(AUDIT_FILE)
        for table in TABLE_FILES:
            frame, lines, table_problems, readable = read_csv(folder / table, schemas.columns(table))
            audit.tables[table], audit.lines[table] = frame, lines
            if not readable:
                audit.unreadable.add(table)
            problems += table_problems
    audit.read_problems = problems
    audit.problems = validate(audit)
    return audit


def validate(audit: Audit) -> list[Problem]:
    """Every problem in the audit, errors and warnings, from its in-memory state."""
    from .rules import run_rules

    problems = list(audit.read_problems)
    problems += _meta_problems(audit)
    for table in TABLE_FILES:
        if table not in audit.unreadable:
            problems += _table_problems(audit, table)
    problems += run_rules(audit)
    return sorted(set(problems), key=lambda p: (p.file, p.row, p.column, p.message))


def save(audit: Audit, path: str | Path | None = None) -> list[Problem]:
    """Validate, then write every file atomically. Raises AuditInvalid, writing nothing, on errors."""
    target = Path(path) if path is not None else audit.path
    audit.read_problems = []
    audit.unreadable = set()
    audit.lines = {t: [i + 2 for i in range(len(f))] for t, f in audit.tables.items()}
    audit.problems = validate(audit)
    if audit.errors:
        raise AuditInvalid(audit.errors)
    target.mkdir(parents=True, exist_ok=True)
    notice = audit.notice_path()
    if target.resolve() != audit.path.resolve() and notice.is_file() and not (target / notice.name).exists():
        shutil.copy2(notice, target / notice.name)
    with store.locked(target):
        if store.pending(target, FILES):
            store.recover(target, FILES)
        old = {name: (target / name).read_bytes() if (target / name).is_file() else None for name in FILES}
        texts = {AUDIT_FILE: store.yaml_text(old[AUDIT_FILE].decode("utf-8", "replace") if old[AUDIT_FILE] else None,
                                             audit.meta)}
        for table in TABLE_FILES:
            texts[table] = to_csv_text(audit.tables[table], schemas.columns(table))
        changed = {name: text.encode("utf-8") for name, text in texts.items() if text.encode("utf-8") != old[name]}
        store.commit(target, changed)
        audit.hashes = {name: store.digest(text.encode("utf-8")) for name, text in texts.items()}
    audit.path = target
    return audit.problems


# ---- audit.yaml ---------------------------------------------------------------------------


def read_meta(folder: Path) -> dict[str, Any]:
    """audit.yaml's mapping read with every safeguard of ``load``, or {} if it cannot be read."""
    meta, _, problems = _read_yaml(Path(folder) / AUDIT_FILE)
    return {} if problems else meta


MAX_YAML_BYTES = 2 * MB  # real audit.yaml files are a few KB; libyaml reads 2 MB in under 2 s
MAX_ALIAS_NODES = 10_000  # values YAML aliases (&a ... *a) may add beyond those written out: stops a billion laughs
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader (libyaml's where present) keeping an impossible date such as 2026-02-30 as text, for validation to name."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            lines: dict[str, int] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    line = key.start_mark.line + 1
                    if key.value in lines:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"key {key.value!r} appears twice in one mapping (lines {lines[key.value]} and {line}); "
                            "keep one, since YAML would silently use the last", key.start_mark)
                    lines[key.value] = line
        return super().construct_mapping(node, deep)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    name = path.name
    if not path.exists() and not path.is_symlink():
        return {}, {}, [Problem(name, 0, "-", f"file is missing; every audit folder needs {AUDIT_FILE} "
                                "(copy one from data/samples/ or run `dpia new`)")]
    try:
        raw = read_bytes(inside(path.parent, name), MAX_YAML_BYTES, "YAML file")
    except InputError as exc:
        return {}, {}, [Problem(name, 0, "-", message_without_path(str(exc), path))]
    text, problems = decode_utf8(raw, name)
    if text is None:
        return {}, {}, problems
    if not text.strip():
        return {}, {}, [Problem(name, 0, "-", "file is empty; it needs at least provider, kind, notice, "
                                "audit_date, assessor and scope")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()  # parsed once; the data is constructed from these nodes
        if node is not None and "&" in text:  # no anchor, no alias
            aliases = _alias_problem(node)
            if aliases:
                return {}, {}, [Problem(name, aliases[0], "-", aliases[1])]
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, yaml.constructor.ConstructorError) and "appears twice" in reason:
            return {}, {}, [Problem(name, line, "-", reason)]
        return {}, {}, [Problem(name, line, "-", f"not valid YAML ({reason}); check indentation and quotes")]
    except RecursionError:
        return {}, {}, [Problem(name, 0, "-", "nested too deeply to read; an audit.yaml needs a few levels at most")]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return {}, {}, [Problem(name, 1, "-", "must be a mapping of keys (provider: ..., kind: ...)")]
    lines = {}
    if isinstance(node, yaml.MappingNode):
        lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return data, lines, []


def _alias_problem(root: yaml.Node) -> tuple[int, str] | None:
    """(line, message) for an alias that refers to a value holding it, or aliases that expand too far."""
    sizes: dict[int, int] = {}  # node id -> values it expands to, each shared node counted once
    open_: set[int] = set()  # the nodes being expanded: the current node's ancestors
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative, so deep nesting cannot overflow the stack
        node, done = stack.pop()
        key = id(node)
        if done:
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            open_.discard(key)
        elif key in open_:
            return node.start_mark.line + 1, "a YAML alias refers to a value that contains it; write the value out"
        elif key not in sizes:
            open_.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node))
    expanded, distinct = sizes[id(root)], len(sizes)
    if expanded - distinct > MAX_ALIAS_NODES:
        return 0, (f"YAML aliases (&name and *name) here expand to {expanded:,} values from {distinct:,} written out "
                   f"(at most {MAX_ALIAS_NODES:,} more are allowed); write the values out instead of repeating aliases")
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _meta_problems(audit: Audit) -> list[Problem]:
    if AUDIT_FILE in audit.unreadable:
        return []
    meta, out = audit.meta, []

    def problem(key: str, message: str, severity: str = "error") -> None:
        out.append(Problem(AUDIT_FILE, audit.yaml_lines.get(key.split(".")[0], 0), key, message, severity, "audit_yaml"))

    for key in meta:
        if key not in schemas.AUDIT_KEYS:
            close = difflib.get_close_matches(str(key), schemas.AUDIT_KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(schemas.AUDIT_KEYS)}"
            problem(str(key), f"unknown key {key!r}; {hint}")
    for key, spec in schemas.AUDIT_KEYS.items():
        value = meta.get(key)
        if value is None or value == "":
            if spec.required:
                problem(key, f"{key} is required: {spec.description}")
            continue
        if key == "audit_date":
            reason = date_problem(value)
            if reason:
                problem(key, f"audit_date {reason}")
            elif (day := dt.date.fromisoformat(schemas.as_text(value))) < vocab.first_day():
                problem(key, vocab.before_the_law(day))
            continue
        if not isinstance(value, spec.kind):
            problem(key, f"{key} should be {_kind_name(spec.kind)}: {spec.description}")
            continue
        if spec.choices and vocab.get(spec.choices).resolve(str(value)) is None:
            try:
                vocab.lookup(spec.choices, str(value))
            except vocab.UnknownCodeError as exc:
                problem(key, str(exc))
    notice = meta.get("notice")
    if isinstance(notice, str) and notice:
        try:
            found = audit.notice_path()
        except InputError:
            problem("notice", f"notice {notice!r} leads outside the audit folder; copy the published notice into the "
                    "folder and give its name alone, e.g. notice.txt")
        else:
            if not found.exists():
                problem("notice", f"notice file {notice!r} is not in the audit folder; copy the published notice there")
            elif not found.is_file():
                problem("notice", f"notice {notice!r} is not a regular file (a folder, pipe or device); "
                        "put the notice text in a file")
    out += _screening_problems(meta.get("screening"), problem)
    out += _list_problems(meta, problem)
    for key, fields in (("appropriate_policy_document", schemas.POLICY_DOCUMENT_KEYS), ("complaints", schemas.COMPLAINT_KEYS)):
        _mapping_problems(key, meta.get(key), fields, problem)
    for key, fields in schemas.TEMPLATE_SECTIONS.items():
        _mapping_problems(key, meta.get(key), {k: list if k == "change_log" else str for k in fields}, problem)
    _template_problems(meta, problem)
    _principle_problems(meta.get("principles"), problem)
    return out


def _allowed(voc: vocab.Vocabulary, text: str) -> str:
    key = vocab.normalise(text)
    close = list(dict.fromkeys(voc.suggest(text) + [c for c in voc.codes() if key and vocab.normalise(c).startswith(key)]))[:3]
    return (f"did you mean {' or '.join(repr(c) for c in close)}? " if close else "") + f"use one of: {', '.join(voc.codes())}"


def _principle_problems(principles: Any, problem) -> None:
    """Each principle judged is known, its judgement is one of CNIL's three, its due date a date; improvable and to
    correct need a corrective action (a warning: the report shows the blank)."""
    if not isinstance(principles, dict):
        return
    known, judgements = vocab.get("principles"), vocab.get("principle_judgements")
    seen: dict[str, str] = {}
    for key, entry in principles.items():
        where = f"principles.{key}"
        code = known.resolve(str(key))
        if code is None:
            problem(where, f"unknown principle {key!r} under principles; {_allowed(known, str(key))}")
            continue
        if code in seen:
            problem(where, f"principles {seen[code]!r} and {key!r} are the same principle; keep one")
            continue
        seen[code] = str(key)
        if entry is None:
            continue
        if not isinstance(entry, dict):
            problem(where, f"{where} should be a mapping: {{judgement, reason, action, owner, due}}")
            continue
        _mapping_problems(where, entry, schemas.PRINCIPLE_KEYS, problem)
        judgement = entry.get("judgement")
        term = None
        if judgement is not None and str(judgement).strip():
            resolved = judgements.resolve(str(judgement))
            if resolved is None:
                problem(f"{where}.judgement", f"{where}.judgement {judgement!r} is not a judgement; "
                        f"{_allowed(judgements, str(judgement))}")
            else:
                term = judgements.terms[resolved]
        due = entry.get("due")
        if due is not None and str(due).strip() and (reason := date_problem(due)):
            problem(f"{where}.due", f"{where}.due {reason}")
        if term is not None and term["needs_action"]:
            words = {"action": "corrective action", "owner": "owner", "due": "due date"}
            missing = [words[k] for k in words if not str(entry.get(k) or "").strip()]
            if missing:
                problem(f"{where}.action", f"{known.terms[code].label} is judged {term.label.lower()} but has no {joined(missing, 'or')}: "
                        "give the action, who owns it and when it is due (the report shows a blank to fill)", "warning")


def _template_problems(meta: dict[str, Any], problem) -> None:
    """The ICO template's structured answers: dates are dates, sign-off items are known, an overruled DPO gives a reason."""
    next_date = (meta.get("review") or {}).get("next_date") if isinstance(meta.get("review"), dict) else None
    if next_date and str(next_date).strip().lower() != vocab.NOT_STATED:
        try:
            dt.date.fromisoformat(schemas.as_text(next_date))
        except ValueError:
            problem("review.next_date", f"review.next_date {next_date!r} is not a date; write it as YYYY-MM-DD")
    for i, entry in enumerate(meta.get("sign_off") or [], start=1):
        if isinstance(entry, dict) and entry.get("item") and entry["item"] not in schemas.SIGN_OFF_ITEMS:
            problem(f"sign_off[{i}]", f"sign_off item {entry['item']!r} is not one of {', '.join(schemas.SIGN_OFF_ITEMS)}")
    advice = meta.get("dpo_advice")
    if isinstance(advice, dict) and advice.get("accepted") is False and not advice.get("reason"):
        problem("dpo_advice", "the DPO's advice was overruled: give the reason (dpo_advice.reason), as the ICO template asks",
                "warning")
    log = (meta.get("document") or {}).get("change_log") if isinstance(meta.get("document"), dict) else None
    for i, entry in enumerate(log or [], start=1):
        missing = [k for k in schemas.CHANGE_KEYS if not (isinstance(entry, dict) and entry.get(k))]
        if missing:
            problem(f"document.change_log[{i}]", f"change_log entry {i} lacks {', '.join(missing)}")


def _mapping_problems(key: str, value: Any, fields: dict[str, type], problem) -> None:
    """Each sub-key of a mapping section is known and of its type (a date may be written unquoted)."""
    if not isinstance(value, dict):
        return
    for sub, given in value.items():
        if sub not in fields:
            close = difflib.get_close_matches(str(sub), fields, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(fields)}"
            problem(f"{key}.{sub}", f"unknown key {sub!r} under {key}; {hint}")
        elif given is not None and not _fits(given, fields[sub]):
            want = {bool: "true or false", int: "a whole number", str: "text"}[fields[sub]] + " (or 'not stated')"
            problem(f"{key}.{sub}", f"{key}.{sub} should be {want}")


def _fits(value: Any, kind: type) -> bool:
    if isinstance(value, str) and value.strip().lower() == vocab.NOT_STATED:
        return True
    if kind is int:  # YAML's true is a bool, which Python counts as an int
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is str:  # an unquoted date is text to the audit
        return isinstance(value, str) or hasattr(value, "isoformat")
    return isinstance(value, kind)


def _kind_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "text", dict: "a mapping", list: "a list", bool: "true or false", type(None): "empty"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _screening_problems(screening: Any, problem) -> list[Problem]:
    if not isinstance(screening, dict):
        return []
    criteria = vocab.get("screening_criteria")
    for code, answer in screening.items():
        if criteria.resolve(str(code)) is None:
            try:
                criteria.get(str(code))
            except vocab.UnknownCodeError as exc:
                problem(f"screening.{code}", str(exc))
            continue
        value = answer.get("answer") if isinstance(answer, dict) else answer
        if not isinstance(value, bool) and value is not None:
            problem(f"screening.{code}", "answer true or false (or leave it out when unknown)")
    return []


def _list_problems(meta: dict[str, Any], problem) -> list[Problem]:
    for key, needed in (("consultation", schemas.CONSULTATION_KEYS), ("sign_off", schemas.SIGN_OFF_KEYS)):
        entries = meta.get(key)
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                problem(f"{key}[{i}]", f"each {key} entry is a mapping with {', '.join(needed)}")
                continue
            missing = [k for k in needed if not entry.get(k)]
            if missing:
                problem(f"{key}[{i}]", f"{key} entry {i} lacks {', '.join(missing)}")
            elif entry.get("date") and (reason := date_problem(entry["date"])):
                problem(f"{key}[{i}].date", f"{key} entry {i}: date {reason}")
    advice = meta.get("dpo_advice")
    if isinstance(advice, dict):
        missing = [k for k in schemas.DPO_KEYS if not advice.get(k)]
        if missing:
            problem("dpo_advice", f"dpo_advice lacks {', '.join(missing)}")
        elif reason := date_problem(advice["date"]):
            problem("dpo_advice.date", f"dpo_advice: date {reason}")
    return []


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_problem(value: Any) -> str | None:
    """Why a value is not a calendar date written YYYY-MM-DD, or None if it is one.

    Python reads 20260105 and 2026-W01 as ISO dates too; an audit writes the one form a reader
    cannot misread, and an impossible day (2026-02-30) is named rather than shown raw.
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return None
    text = schemas.as_text(value)
    if isinstance(value, dt.datetime) or not _ISO_DATE.fullmatch(text):
        return f"{text!r} is not a date written YYYY-MM-DD; write it like 2026-11-23"
    try:
        dt.date.fromisoformat(text)
    except ValueError as exc:
        return f"{text!r} is not a date ({exc}); write a day that exists, as YYYY-MM-DD"
    return None


# ---- the tables ---------------------------------------------------------------------------


def _table_problems(audit: Audit, table: str) -> list[Problem]:
    frame = audit.tables[table]
    expected = schemas.columns(table)
    required = schemas.required_columns(table)
    out: list[Problem] = []
    missing = [c for c in required if c not in frame.columns]
    for col in missing:
        out.append(Problem(table, 1, col, f"missing column {col!r}; the header must have: {', '.join(required)}",
                           "error", "columns"))
    for col in frame.columns:
        if col not in expected:
            close = difflib.get_close_matches(col, expected, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"expected columns: {', '.join(expected)}"
            out.append(Problem(table, 1, col, f"unknown column {col!r}; {hint}", "error", "columns"))
    work = frame[[c for c in frame.columns if c in expected]].copy()
    for col in missing:
        work[col] = ""
    try:
        schemas.TABLES[table].validate(work, lazy=True)
    except pa.errors.SchemaErrors as exc:
        out += _failures(audit, table, exc.failure_cases, set(missing))
    return out


def _failures(audit: Audit, table: str, cases: pd.DataFrame, skip: set[str]) -> list[Problem]:
    out = []
    frame = audit.tables[table]
    for case in cases.to_dict("records"):
        check, column, index = str(case["check"]), case["column"], case["index"]
        value = "" if case["failure_case"] is None else str(case["failure_case"])
        if check in schemas.ROW_RULES:
            column, message = schemas.ROW_RULES[check]
        else:
            message = _check_message(check, column, value, table, frame)
        if column in skip or index is None or pd.isna(index):
            continue
        out.append(Problem(table, audit.line(table, int(index)), str(column), message, "error", check))
    return out


def _check_message(check: str, column: str, value: str, table: str, frame: pd.DataFrame) -> str:
    if check in schemas.CODE_COLUMNS:
        names = [schemas.CODE_COLUMNS[check]] + (["recipient_types"] if check == "codes:sources" else [])
        for code in vocab.split_codes(value) or [value]:
            if code.lower() == vocab.NOT_STATED or any(vocab.get(n).resolve(code) for n in names):
                continue
            try:
                vocab.lookup(names[0], code)
            except vocab.UnknownCodeError as exc:
                return str(exc)
        if len(vocab.split_codes(value)) == 1 and value.strip().lower() == vocab.NOT_STATED:
            return f"{column} does not take 'not stated': leave it blank where there is none"
        return f"{column} takes one code, not a list: {value!r}"
    if check.startswith("str_length"):
        return f"{column} is empty; {_description(table, column)}"
    if check == "field_uniqueness":
        return f"duplicate {column} {value!r}: each row needs its own id"
    if check.startswith("isin"):
        allowed = schemas.STATUSES if table != "risks.csv" else schemas.RISK_STATUSES
        return f"{column} {value!r} is not one of: {', '.join(allowed)}"
    if check.startswith("str_matches"):
        return f"{column} {value!r} is not a valid id: use letters, digits, '.', '_' or '-' (e.g. A1)"
    if check == "yes_no":
        return f"{column} {value!r} must be yes or no"
    if check == "date":
        return f"{column} {value!r} is not a date; write it as YYYY-MM-DD"
    if check.startswith("risk_level"):
        axis = check.split(":")[1]
        return f"{column} {value!r} is not a {axis} level; the ICO scale is " \
               f"{', '.join(_scale('ico', axis))} and the CNIL scale {', '.join(_scale('cnil', axis))}"
    return f"{column} {value!r} fails {check}"


def _scale(method: str, axis: str) -> list[str]:
    from .risk import scale

    return scale(method, axis)


def _description(table: str, column: str) -> str:
    field_ = schemas.TABLES[table].to_schema().columns.get(column)
    return field_.description if field_ is not None else ""
