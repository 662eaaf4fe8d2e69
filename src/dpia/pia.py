"""A file for CNIL's PIA tool: `dpia report --format pia` writes one, `dpia import-pia` reads one back.

The tool's file holds a pia object (names, DPO and people's opinions, status), answers to the
questions of its architecture (interop/cnil_pia.yaml keeps their ids), measures, evaluations and
comments. Answers are rich text (HTML), so every string from an audit or a notice is escaped.

Our content goes where the tool asks for it (the README has the table): the ICO template's answers
as labelled paragraphs; the activities, flows and risks as lists of labelled lines; the privacy
notice itself under "how are people informed"; risks under the tool's three feared events by their
``feared_event`` in risks.csv, their likelihood and severity on CNIL's 4-point gauges. The labelled
paragraphs and lines are what `import-pia` reads back, so export, import and export give the same
file. Whatever a file holds that has no place in an audit (a tool user's own texts, evaluations,
comments) is kept in the imported folder's pia-notes.md, never dropped.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from . import risk, schemas, vocab
from .errors import DpiaError, InputError, OutputError
from .schemas import as_text
from .vocab import NOT_STATED, split_codes

ARCHITECTURE = Path(__file__).with_name("interop") / "cnil_pia.yaml"
OPEN = "To be completed"
NOTES = "pia-notes.md"
OURS = "From the risk register"  # how our evaluation comments begin, so an import does not copy them to the notes
PIA_ID = 1
DONE = ("mitigated", "accepted", "closed")

# The ICO template's answers written by the auditor in audit.yaml, as labelled paragraphs of the tool's questions.
PARAGRAPHS: dict[int, list[tuple[str, str]]] = {
    111: [("Aims", "aims"), ("Scope of this assessment", "scope"), ("Purposes and intended effect", "purposes.intended_effect"),
          ("Benefits", "purposes.benefits"), ("Volume", "scale.volume"), ("Frequency", "scale.frequency"),
          ("People affected", "scale.individuals"), ("Geographical area", "scale.geography"),
          ("Relationship with the people", "context.relationship"), ("Their control", "context.control"),
          ("Their expectations", "context.expectations"), ("Children and vulnerable groups", "context.vulnerable"),
          ("Prior concerns", "context.prior_concerns"), ("Novelty", "context.novelty"),
          ("Issues of public concern", "context.public_concern"), ("People's views", "consultation_plan.individuals"),
          ("Within the organisation", "consultation_plan.internal"), ("Processors to involve", "consultation_plan.processors"),
          ("Experts", "consultation_plan.experts")],
    112: [("Data protection officer", "controller.dpo"), ("ICO registration", "controller.ico_registration"),
          ("Address", "controller.address"), ("Kept under review by", "review.by"), ("Next review", "review.next_date"),
          ("Version", "document.version")],
    113: [("Codes and certification", "context.codes")],
    122: [("Collection, use, storage and deletion", "nature.lifecycle")],
    123: [("Systems", "nature.systems")],
    212: [("Legitimate interests assessment", "necessity.legitimate_interests_assessment")],
    213: [("Does it achieve the purpose", "necessity.achieves_purpose"), ("A less intrusive way", "necessity.less_intrusive"),
          ("Function creep", "necessity.function_creep"), ("Data quality and minimisation", "necessity.quality_minimisation")],
    214: [("Data quality and minimisation", "necessity.quality_minimisation")],
    223: [("Rights", "necessity.rights")],
    224: [("Rights", "necessity.rights")],
    225: [("Rights", "necessity.rights")],
    226: [("Processors' compliance", "necessity.processors")],
}
# Where a tool user's own text (no labelled paragraphs) goes in audit.yaml; other questions' texts go to the notes.
PLAIN = {111: "aims", 113: "context.codes", 122: "nature.lifecycle", 123: "nature.systems", 213: "necessity.quality_minimisation",
         223: "necessity.rights", 226: "necessity.processors"}
NOTICE_HEADING = "The privacy notice"


@cache
def architecture() -> dict:
    return yaml.safe_load(ARCHITECTURE.read_text(encoding="utf-8"))


def question_ids() -> list[int]:
    return [int(q) for s in architecture()["sections"] for i in s["items"] for q in (i.get("questions") or {})]


def risk_items() -> list[dict]:
    """The three feared events: {'ref': '3.2', 'feared_event': ..., 'title': ..., 'questions': {role: id}}."""
    return [{"ref": f"{s['id']}.{i['id']}", "feared_event": i["feared_event"], "title": i["title"],
             "questions": {role: int(q) for q, role in i["questions"].items()}}
            for s in architecture()["sections"] for i in s["items"] if i.get("feared_event")]


def question_title(qid: int) -> str:
    for s in architecture()["sections"]:
        for i in s["items"]:
            if qid in (i.get("questions") or {}):
                title = i["questions"][qid]
                return f"{i['title']}: {title}" if i.get("feared_event") else title
    return str(qid)


# ---- writing ------------------------------------------------------------------------------

e = html.escape


def _value(meta: dict, path: str) -> str:
    value: object = meta
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return "" if value is None else as_text(value).strip()


def _paragraphs(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<p><strong>{e(label)}</strong>: {e(text or OPEN)}</p>" for label, text in pairs)


def _records(records: list[tuple[str, list[tuple[str, str]]]]) -> str:
    if not records:
        return ""
    return "<ul>" + "".join(f"<li><strong>{e(head)}</strong>" + "".join(f"<br />{e(k)}: {e(v)}" for k, v in fields if v)
                            + "</li>" for head, fields in records) + "</ul>"


def _level(level: str, axis: str, method: str) -> str:
    for lv in risk.method(method)[axis]:
        if lv["code"] == str(level).strip().lower():
            return lv["label"]
    return str(level)


def _gauge(level: str, axis: str, method: str) -> int:
    """A level on the audit's scale as CNIL's 4-point gauge (1 negligible ... 4 maximum)."""
    return architecture()["gauge"][risk.convert(level, axis, method, "cnil")]


def export(report) -> dict:
    """The PIA tool's file for one report (a DpiaReport): pia, answers, measures, evaluations, comments."""
    a = report.audit
    meta, day, method = a.meta, a.law_date, a.risk_method
    stamp = f"{report.audit_date}T00:00:00.000Z"
    status = architecture()["evaluation_status"]
    answers: dict[int, dict] = {}

    def text(qid: int, body: str) -> None:
        if body:
            answers[qid] = {"text": body, "gauge": 0, "list": []}

    acts = a.activities.to_dict("records")
    heads = {r["activity_id"]: f"{r['activity_id']} {r['name']}" for r in acts}
    for qid, pairs in PARAGRAPHS.items():
        if qid != 212:
            text(qid, _paragraphs([(label, _value(meta, path)) for label, path in pairs]))
    answers[112]["text"] = _paragraphs([("Controller", a.controller)]) + answers[112]["text"]
    text(121, _records([(heads[r["activity_id"]], [
        ("Whose data", vocab.labels("data_subjects", r["data_subjects"], on=day)), ("Data", r["data_categories"]),
        ("Special category data", vocab.labels("special_categories", r["special_categories"], on=day)),
        ("Sources", vocab.labels(("data_subjects", "recipient_types"), r["sources"], on=day)),
        ("Techniques", vocab.labels("techniques", r["techniques"], on=day)),
        ("Safeguards for automated decisions", vocab.labels("adm_safeguards", r.get("adm_safeguards") or "", on=day))])
        for r in acts]) + _records([(f"{f['flow_id']} {f['recipient']}", [
            ("From activity", f["activity_id"]), ("Kind of recipient", vocab.labels("recipient_types", f["recipient_type"], on=day)),
            ("Data", f["data_categories"]), ("Destination", vocab.labels("countries", f["country"], on=day)),
            ("Transfer mechanism", vocab.labels("transfer_mechanisms", f["mechanism"], on=day, cite=True)),
            ("The notice says", f["evidence"]), ("Notes", str(f.get("notes") or ""))]) for f in a.flows.to_dict("records")]))
    text(211, _records([(heads[r["activity_id"]], [("Purpose", r["purpose"]), ("The notice says", r["evidence"]),
                                                   ("Notes", str(r.get("notes") or ""))]) for r in acts]))
    text(212, _records([(heads[r["activity_id"]], [
        ("Art 6 basis", vocab.labels("art6", r["art6_basis"], on=day, cite=True)),
        ("Interest pursued", str(r.get("legitimate_interest") or "")),
        ("Annex 1 condition", vocab.labels("recognised_legitimate_interests", r.get("annex1_condition") or "", on=day)),
        ("Art 9 condition", vocab.labels("art9", r["art9_condition"], on=day, cite=True)),
        ("Schedule 1 condition", vocab.labels("schedule1", r["schedule1_condition"], on=day, cite=True))]) for r in acts])
        + _paragraphs([(label, _value(meta, path)) for label, path in PARAGRAPHS[212]]))
    text(215, _records([(heads[r["activity_id"]], [("Retention", r["retention"])]) for r in acts]))
    information = next((q.text for q in report.questions(4) if q.code == "s4.information"), "") or ""
    notice = a.notice_path().read_text(encoding="utf-8", errors="replace") if a.notice_path().is_file() else ""
    text(221, f"<p>{e(information)}</p><p><strong>{e(NOTICE_HEADING)}</strong></p>"
              f"<p>{e(notice).replace(chr(10), '<br />')}</p>")
    consent = [heads[r["activity_id"]] for r in acts if "6(1)(a)" in {vocab.get("art6").resolve(c) for c in split_codes(r["art6_basis"])}]
    relying = f"Activities relying on consent: {'; '.join(consent)}" if consent else "Not applicable: no activity relies on consent."
    text(222, f"<p>{e(relying)}</p>")
    transfers = next((q.text for q in report.questions(4) if q.code == "s4.transfers"), "") or ""
    text(227, f"<p>{e(transfers)}</p>")

    s = report.scored
    s = s.assign(**{c: s[c].fillna("").astype(str) if c in s else "" for c in
                    ("feared_event", "risk_sources", "owner", "due", "effect", "measure_approved", "notes")})
    measures: dict[str, list[str]] = {}  # measure text -> the risks it addresses
    for r in s.itertuples():
        for m in split_codes(r.measures):
            measures.setdefault(m, []).append(r.risk_id)
    measure_ids = {m: i for i, m in enumerate(measures, start=1)}

    def record(r) -> tuple[str, list[tuple[str, str]]]:
        return (f"{r.risk_id} {r.title}", [
            ("Description", r.description), ("Activities", r.activity_ids),
            ("Likelihood", _level(r.likelihood, "likelihood", method)), ("Severity", _level(r.severity, "severity", method)),
            ("Likelihood after measures", _level(r.residual_likelihood, "likelihood", method)),
            ("Severity after measures", _level(r.residual_severity, "severity", method)),
            ("Overall risk", f"{r.inherent}, after measures {r.residual}"), ("Measures", r.measures),
            ("Risk sources", r.risk_sources), ("Owner", r.owner), ("Due", r.due), ("Status", r.status),
            ("Effect", vocab.labels("measure_effects", r.effect) if r.effect else ""), ("Measures approved", r.measure_approved),
            ("Notes", r.notes)])

    evaluations: list[dict] = []
    for item in risk_items():
        group = s[s.feared_event == item["feared_event"]]
        if not len(group):
            continue
        q = item["questions"]
        rows = list(group.itertuples())
        answers[q["impacts"]] = {"text": None, "gauge": None, "list": [f"{r.risk_id} {r.title}" for r in rows]}
        answers[q["threats"]] = {"text": None, "gauge": None, "list": []}
        answers[q["sources"]] = {"text": None, "gauge": None,
                                 "list": list(dict.fromkeys(x for r in rows for x in split_codes(r.risk_sources)))}
        answers[q["measures"]] = {"text": None, "gauge": None,
                                  "list": list(dict.fromkeys(m for r in rows for m in split_codes(r.measures)))}
        answers[q["severity"]] = {"text": _records([record(r) for r in rows]), "list": [],
                                  "gauge": max(_gauge(r.severity, "severity", method) for r in rows)}
        answers[q["likelihood"]] = {"list": [], "gauge": max(_gauge(r.likelihood, "likelihood", method) for r in rows),
                                    "text": _records([(f"{r.risk_id} {r.title}", [
                                        ("Likelihood", _level(r.likelihood, "likelihood", method)),
                                        ("After measures", _level(r.residual_likelihood, "likelihood", method))]) for r in rows])}
        worst = risk.highest(group.residual) or "low"
        open_ = [r for r in rows if r.status not in DONE]
        dues = sorted(r.due for r in rows if r.due)
        judged = {"high": status["to_correct"], "medium": status["improvable"]}.get(worst, status["acceptable"])
        evaluations.append(_evaluation(item["ref"], judged,
                                       f"{OURS}: risk after measures " + "; ".join(f"{r.risk_id} {r.residual}" for r in rows) + ".",
                                       "; ".join(f"{r.risk_id}: {r.measures} ({r.owner or OPEN}, due {r.due or OPEN})" for r in open_),
                                       {"x": max(_gauge(r.residual_severity, "severity", method) for r in rows),
                                        "y": max(_gauge(r.residual_likelihood, "likelihood", method) for r in rows)},
                                       "; ".join(dict.fromkeys(r.owner for r in open_ if r.owner)),
                                       f"{dues[0]}T00:00:00.000Z" if dues and open_ else None))
    done = {r.risk_id for r in s.itertuples() if r.status in DONE}
    for m, addressed in measures.items():
        finished = all(i in done for i in addressed)
        evaluations.append(_evaluation(f"3.1.{measure_ids[m]}", status["acceptable"] if finished else status["improvable"],
                                       f"{OURS}: " + ("in place." if finished else "not yet in place."),
                                       "" if finished else f"Put in place for {', '.join(addressed)}.", {"x": 0, "y": 0}, "", None))
    unplaced = s[~s.feared_event.isin([i["feared_event"] for i in risk_items()])]
    comments = []
    if len(unplaced):
        comments.append({"description": "Risks not yet placed under a feared event (give each a feared_event in risks.csv): "
                                        + _records([record(r) for r in unplaced.itertuples()]),
                         "pia_id": PIA_ID, "reference_to": risk_items()[0]["questions"]["impacts"], "for_measure": False,
                         "created_at": stamp, "id": 1})

    evaluations += principle_evaluations(report.principles)
    glob = architecture()["evaluation_global_status"]["validated" if report.signed_off else "evaluated"]
    for n, ev in enumerate(evaluations, start=1):
        ev.update(global_status=glob, pia_id=PIA_ID, created_at=stamp, updated_at=stamp, id=n)
    consultation = [c for c in meta.get("consultation") or [] if isinstance(c, dict)]
    advice = meta.get("dpo_advice") if isinstance(meta.get("dpo_advice"), dict) else {}
    validators = [str(x.get("name", "")) for x in meta.get("sign_off") or []
                  if isinstance(x, dict) and (x.get("item") or "residual_risks") == "residual_risks"]
    pia = {
        "dbVersion": architecture()["db_version"], "tableName": "pia", "serverUrl": None, "numberOfQuestions": len(question_ids()),
        "created_at": stamp, "id": PIA_ID, "objectStore": {},
        "status": architecture()["pia_status"]["simple_validation" if report.signed_off else "started"],
        "name": a.provider, "author_name": _value(meta, "document.author") or _value(meta, "assessor"),
        "evaluator_name": _value(meta, "assessor"), "validator_name": "; ".join(validators),
        "dpo_status": None, "dpo_opinion": as_text(advice.get("advice") or ""),
        "concerned_people_opinion": "\n".join(f"{c.get('with', '')} ({as_text(c.get('date', ''))}): {c.get('summary', '')}"
                                              for c in consultation),
        "concerned_people_status": None, "rejection_reason": "", "applied_adjustments": "", "updated_at": stamp,
        "dpos_names": as_text(advice.get("by") or ""), "people_names": "; ".join(str(c.get("with", "")) for c in consultation),
        "concerned_people_searched_opinion": bool(consultation),
        "concerned_people_searched_content": "" if consultation else _value(meta, "consultation_plan.individuals"),
        "category": vocab.get("provider_kinds").label(meta.get("kind", "other")),
    }
    order = {q: i for i, q in enumerate(question_ids())}
    return {
        "pia": pia,
        "answers": [{"pia_id": PIA_ID, "reference_to": q, "data": answers[q], "created_at": stamp, "id": n, "updated_at": stamp}
                    for n, q in enumerate(sorted(answers, key=order.__getitem__), start=1)],
        "measures": [{"title": m, "pia_id": PIA_ID, "content": f"<p>Addresses: {e(', '.join(addressed))}</p>", "placeholder": "",
                      "created_at": stamp, "id": measure_ids[m], "updated_at": stamp} for m, addressed in measures.items()],
        "evaluations": evaluations,
        "comments": comments,
    }


def _evaluation(ref: str, status: int, comment: str, plan: str, gauges: dict, person: str, date: str | None) -> dict:
    ev = {"status": status, "reference_to": ref, "evaluation_comment": comment, "gauges": gauges,
          "estimated_implementation_date": date}
    if plan:
        ev["action_plan_comment"] = plan
    if person:
        ev["person_in_charge"] = person
    return ev


def principle_refs() -> dict[int, str]:
    """CNIL's question id of each fundamental principle -> its evaluation reference ('2.1.211')."""
    return {int(q): f"{s['id']}.{i['id']}.{q}" for s in architecture()["sections"] if s["id"] == 2 for i in s["items"]
            for q in i.get("questions") or {}}


def principle_evaluations(principles: list) -> list[dict]:
    """The auditor's judgement on each principle as the tool's evaluation of its question; an unjudged principle has none
    (the tool shows it pending)."""
    status, refs = architecture()["evaluation_status"], principle_refs()
    return [_evaluation(refs[p.question], status[p.judgement], e(p.reason), e(p.action), {"x": 0, "y": 0}, p.owner,
                        f"{p.due.isoformat()}T00:00:00.000Z" if p.due else None)
            for p in principles if p.judged]


def _principles(data: dict) -> tuple[dict[str, dict], set[str]]:
    """audit.yaml's principles from the evaluations of the fundamental principles' questions, and the references read.
    A pending evaluation is not a judgement: its texts go to the notes."""
    by_ref = {ref: q for q, ref in principle_refs().items()}
    codes = {int(t["cnil_question"]): t.code for t in vocab.get("principles")}
    judgements = {v: k for k, v in architecture()["evaluation_status"].items() if k != "pending"}
    out, read_ = {}, set()
    for ev in data.get("evaluations") or []:
        if not isinstance(ev, dict) or str(ev.get("reference_to")) not in by_ref:
            continue
        try:
            judgement = judgements.get(int(ev.get("status")))
        except (TypeError, ValueError):
            judgement = None
        if judgement is None:
            continue
        entry = {"judgement": judgement}
        for key, field_ in (("reason", "evaluation_comment"), ("action", "action_plan_comment"), ("owner", "person_in_charge")):
            text = _plain(str(ev.get(field_) or ""))
            if text:
                entry[key] = " ".join(text.split())
        due = str(ev.get("estimated_implementation_date") or "")[:10]
        try:
            entry["due"] = dt.date.fromisoformat(due).isoformat()
        except ValueError:
            pass
        out[codes[by_ref[str(ev["reference_to"])]]] = entry
        read_.add(str(ev["reference_to"]))
    order = list(codes.values())
    return dict(sorted(out.items(), key=lambda kv: order.index(kv[0]))), read_


def render(report) -> bytes:
    return (json.dumps(export(report), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# ---- reading ------------------------------------------------------------------------------

_PARAGRAPH = re.compile(r"<p><strong>(.*?)</strong>: (.*?)</p>", re.S)
_RECORD = re.compile(r"<li><strong>(.*?)</strong>(.*?)</li>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _plain(text: str | None) -> str:
    text = re.sub(r"<br\s*/?>|</p>|</li>|</div>", "\n", text or "")
    return "\n".join(line.strip() for line in html.unescape(_TAG.sub("", text)).splitlines() if line.strip())


def _parse_paragraphs(text: str) -> dict[str, str]:
    return {html.unescape(k): html.unescape(v) for k, v in _PARAGRAPH.findall(text or "")}


def _parse_records(text: str) -> dict[str, dict[str, str]]:
    out = {}
    for head, body in _RECORD.findall(text or ""):
        fields = {}
        for line in body.split("<br />")[1:]:
            key, _, value = line.partition(": ")
            fields[html.unescape(key)] = html.unescape(value)
        out[html.unescape(head)] = fields
    return out


def _reverse(names, value: str, day) -> str:
    """Labels as the export writes them ('Consent (Art 6(1)(a)); Contract ...') back to codes; unknown ones kept as written."""
    if not value or value.strip().lower() == NOT_STATED:
        return value.strip()
    table = {}
    for name in [names] if isinstance(names, str) else names:
        for versions in vocab.get(name).versions.values():
            for term in versions:
                table.setdefault(vocab.cited(term), term.code)
                table.setdefault(term.label, term.code)
    return ";".join(table.get(part.strip(), part.strip()) for part in value.split("; ") if part.strip())


def _set(meta: dict, path: str, value: str) -> None:
    keys = path.split(".")
    target = meta
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def _date(stamp: object) -> str:
    text = str(stamp or "")[:10]
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return dt.date.today().isoformat()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:62] or "pia-import"


def read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give the .json file the PIA tool exported") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: line {exc.lineno}, column {exc.colno}: not JSON ({exc.msg}); "
                         "give the .json file the PIA tool exported") from None
    if not isinstance(data, dict) or not isinstance(data.get("pia"), dict):
        raise InputError(f"{path}: no 'pia' object at the top; this is not a file exported by CNIL's PIA tool")
    for key in ("answers", "measures", "evaluations", "comments"):
        if not isinstance(data.get(key, []), list):
            raise InputError(f"{path}: field {key!r} must be a list")
    return data


def to_audit(data: dict) -> tuple[dict, dict[str, pd.DataFrame], str, list[str]]:
    """audit.yaml's content, the three tables, the notice text and the notes of what has no place in an audit."""
    pia = data["pia"]
    notes: list[str] = []
    answers = {}
    for answer in data.get("answers") or []:
        if isinstance(answer, dict) and isinstance(answer.get("data"), dict):
            try:
                answers[int(answer.get("reference_to"))] = answer["data"]
            except (TypeError, ValueError):
                notes.append(f"## An answer to an unknown question ({answer.get('reference_to')!r})\n\n"
                             f"{_plain(answer['data'].get('text'))}")
    date = _date(pia.get("created_at"))
    if dt.date.fromisoformat(date) < vocab.first_day():
        notes.append(f"## Date\n\nThe PIA was created on {date}, before the UK GDPR applied; the audit is dated today.")
        date = dt.date.today().isoformat()
    day = vocab.law_date(date)
    kinds = {t.label: t.code for t in vocab.get("provider_kinds")}
    meta: dict = {"provider": str(pia.get("name") or "Imported PIA"), "kind": kinds.get(str(pia.get("category") or ""), "other"),
                  "notice": "notice.txt", "audit_date": date,
                  "assessor": str(pia.get("evaluator_name") or "") or "draft: your name",
                  "scope": "", "risk_method": "ico"}
    if pia.get("category") and str(pia["category"]) not in kinds:
        notes.append(f"## Category in the PIA tool\n\n{pia['category']}")
    if pia.get("author_name"):
        meta["document"] = {"author": str(pia["author_name"])}

    def text(qid: int) -> str:
        return str((answers.get(qid) or {}).get("text") or "")

    consumed: set[int] = set()
    for qid, pairs in PARAGRAPHS.items():
        found = _parse_paragraphs(text(qid))
        labels = {label for label, _ in pairs}
        if found and set(found) & (labels | {"Controller"}):
            consumed.add(qid)
            for label, path in pairs:
                value = found.get(label, "")
                if value and value != OPEN and not _has(meta, path):
                    _set(meta, path, value)
            if found.get("Controller", meta["provider"]) != meta["provider"]:
                _set(meta, "controller.name", found["Controller"])
    records = {q: _parse_records(text(q)) for q in (121, 211, 212, 215)}
    activities, flows = [], []
    for head, fields in records[121].items():
        if not ({"Whose data", "From activity"} & set(fields)) or " " not in head:
            continue  # a list in a tool user's own text, not one of ours: the text goes to the notes
        if "From activity" in fields:
            flow_id, _, recipient = head.partition(" ")
            flows.append({"flow_id": flow_id, "activity_id": fields["From activity"], "recipient": recipient,
                          "recipient_type": _reverse("recipient_types", fields.get("Kind of recipient", ""), day),
                          "data_categories": fields.get("Data", ""),
                          "country": _reverse("countries", fields.get("Destination", NOT_STATED), day) or NOT_STATED,
                          "mechanism": _reverse("transfer_mechanisms", fields.get("Transfer mechanism", ""), day),
                          "evidence": fields.get("The notice says", "") or "imported from a PIA file", "status": "draft",
                          "notes": fields.get("Notes", "")})
            continue
        activity_id, _, name = head.partition(" ")
        purpose, bases, retention = (records[q].get(head, {}) for q in (211, 212, 215))
        activities.append({
            "activity_id": activity_id, "name": name, "purpose": purpose.get("Purpose", "") or OPEN,
            "data_subjects": _reverse("data_subjects", fields.get("Whose data", ""), day), "data_categories": fields.get("Data", ""),
            "special_categories": _reverse("special_categories", fields.get("Special category data", ""), day),
            "sources": _reverse(("data_subjects", "recipient_types"), fields.get("Sources", ""), day),
            "art6_basis": _reverse("art6", bases.get("Art 6 basis", NOT_STATED), day) or NOT_STATED,
            "legitimate_interest": bases.get("Interest pursued", ""),
            "annex1_condition": _reverse("recognised_legitimate_interests", bases.get("Annex 1 condition", ""), day),
            "art9_condition": _reverse("art9", bases.get("Art 9 condition", ""), day),
            "schedule1_condition": _reverse("schedule1", bases.get("Schedule 1 condition", ""), day),
            "techniques": _reverse("techniques", fields.get("Techniques", ""), day),
            "adm_safeguards": _reverse("adm_safeguards", fields.get("Safeguards for automated decisions", ""), day),
            "retention": retention.get("Retention", NOT_STATED),
            "evidence": purpose.get("The notice says", "") or "imported from a PIA file",
            "status": "draft", "notes": purpose.get("Notes", "")})
    if activities:
        consumed |= {121, 211, 212, 215, 222, 227}
    else:  # a file made in the tool describes the processing in prose (kept in the notes): one draft activity to complete
        activities.append({
            "activity_id": "A1", "name": "draft: the processing the PIA describes",
            "purpose": f"draft: {_plain(text(211))[:300]}" if _plain(text(211)) else f"draft: {OPEN}",
            "data_subjects": "service_user", "data_categories": f"draft: {_plain(text(121))[:300]}" if _plain(text(121)) else "draft",
            "special_categories": "", "sources": "", "art6_basis": NOT_STATED, "legitimate_interest": "", "annex1_condition": "",
            "art9_condition": "", "schedule1_condition": "", "techniques": "", "adm_safeguards": "", "retention": NOT_STATED,
            "evidence": "imported from a PIA file: see pia-notes.md", "status": "draft",
            "notes": "The PIA file lists no activities: split this row into the real ones, and check whose data each concerns."})
    risks, method = _risks(data, answers, notes, [a["activity_id"] for a in activities])
    meta["risk_method"] = method
    notice_text = text(221)
    if f"<p><strong>{NOTICE_HEADING}</strong></p>" in notice_text:
        notice = html.unescape(notice_text.split(f"<p><strong>{NOTICE_HEADING}</strong></p>", 1)[1]
                               .removeprefix("<p>").removesuffix("</p>").replace("<br />", "\n"))
        consumed.add(221)
    else:
        notice = ("The PIA file holds no privacy notice. Replace this text with the provider's published notice.\n\n"
                  + _plain(notice_text))
    for qid, path in PLAIN.items():
        if qid not in consumed and _plain(text(qid)) and not _has(meta, path):
            _set(meta, path, _plain(text(qid)))
            consumed.add(qid)
    if not meta.get("scope"):
        meta["scope"] = f"draft: imported from the PIA file '{meta['provider']}'; review every row"
    meta["principles"], judged = _principles(data)
    if not meta["principles"]:
        del meta["principles"]
    _people(pia, meta, date, notes)
    for qid in sorted(answers):
        if qid in consumed or qid in _risk_questions():
            continue
        plain = _plain(text(qid)) or "; ".join(str(x) for x in answers[qid].get("list") or [])
        if plain:
            notes.append(f"## {qid}. {question_title(qid)}\n\n{plain}")
    _other_notes(data, notes, judged)
    columns = {t: schemas.columns(t) for t in ("activities.csv", "flows.csv", "risks.csv")}
    tables = {"activities.csv": pd.DataFrame(activities, columns=columns["activities.csv"]).fillna(""),
              "flows.csv": pd.DataFrame(flows, columns=columns["flows.csv"]).fillna(""),
              "risks.csv": pd.DataFrame(risks, columns=columns["risks.csv"]).fillna("")}
    return meta, tables, notice, notes


def _has(meta: dict, path: str) -> bool:
    return bool(_value(meta, path))


def _risk_questions() -> set[int]:
    return {q for item in risk_items() for q in item["questions"].values()}


def _levels_of(method: str, axis: str) -> dict[str, str]:
    return {lv["label"]: lv["code"] for lv in risk.method(method)[axis]}


def _risks(data: dict, answers: dict, notes: list[str], activity_ids: list[str]) -> tuple[list[dict], str]:
    """Risks from the feared events' answers: our labelled lines where present, else one risk per feared event."""
    placed: list[tuple[str, dict[str, str], str]] = []  # (head, fields, feared_event)
    for item in risk_items():
        for head, fields in _parse_records(str((answers.get(item["questions"]["severity"]) or {}).get("text") or "")).items():
            if {"Likelihood", "Severity", "Activities"} <= set(fields):
                placed.append((head, fields, item["feared_event"]))
    for comment in data.get("comments") or []:
        if isinstance(comment, dict) and str(comment.get("description", "")).startswith("Risks not yet placed"):
            placed += [(h, f, "") for h, f in _parse_records(str(comment["description"])).items()]
    evaluations = {str(ev.get("reference_to")): ev for ev in data.get("evaluations") or [] if isinstance(ev, dict)}
    if placed:
        levels = [f.get(k, "") for _, f, _ in placed for k in ("Likelihood", "Likelihood after measures")]
        method = "ico" if all(lv in _levels_of("ico", "likelihood") for lv in levels) else "cnil"
        like, sev = _levels_of(method, "likelihood"), _levels_of(method, "severity")
        effects = {t.label: t.code for t in vocab.get("measure_effects")}
        rows = []
        for head, f, feared in placed:
            risk_id, _, title = head.partition(" ")
            rows.append({"risk_id": risk_id, "title": title, "description": f.get("Description", ""),
                         "activity_ids": f.get("Activities", ""), "likelihood": like.get(f.get("Likelihood", ""), f.get("Likelihood", "")),
                         "severity": sev.get(f.get("Severity", ""), f.get("Severity", "")),
                         "measures": f.get("Measures", ""),
                         "residual_likelihood": like.get(f.get("Likelihood after measures", ""), ""),
                         "residual_severity": sev.get(f.get("Severity after measures", ""), ""),
                         "owner": f.get("Owner", ""), "status": f.get("Status", "open"),
                         "effect": effects.get(f.get("Effect", ""), ""), "measure_approved": f.get("Measures approved", ""),
                         "due": f.get("Due", ""), "feared_event": feared, "risk_sources": f.get("Risk sources", ""),
                         "notes": f.get("Notes", "")})
        # The file groups risks by feared event; the register reads in the order of its ids (R2 before R10).
        rows.sort(key=lambda r: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", r["risk_id"])])
        return rows, method
    # A file made in the tool: one risk per feared event it assessed, on CNIL's scale.
    gauge = {v: k for k, v in architecture()["gauge"].items()}
    rows = []
    for item in risk_items():
        q = item["questions"]
        got = {role: answers.get(qid) or {} for role, qid in q.items()}
        if not any(got[r].get("list") or got[r].get("text") or got[r].get("gauge") for r in got):
            continue
        severity, likelihood = gauge.get(got["severity"].get("gauge")), gauge.get(got["likelihood"].get("gauge"))
        ev = (evaluations.get(item["ref"]) or {}).get("gauges") or {}
        impacts = "; ".join(str(x) for x in got["impacts"].get("list") or [])
        threats = "; ".join(str(x) for x in got["threats"].get("list") or [])
        description = " ".join(x for x in (f"Impacts: {impacts}." if impacts else "", f"Threats: {threats}." if threats else "",
                                           _plain(got["severity"].get("text")), _plain(got["likelihood"].get("text"))) if x)
        if not (severity and likelihood):
            notes.append(f"## {item['title']}: not gauged in the PIA file, so not in risks.csv\n\n{description}")
            continue
        rows.append({"risk_id": f"R{len(rows) + 1}", "title": item["title"], "description": description or item["title"],
                     "activity_ids": ";".join(activity_ids), "likelihood": likelihood, "severity": severity,
                     "measures": "; ".join(str(x) for x in got["measures"].get("list") or []),
                     "residual_likelihood": gauge.get(ev.get("y")) or likelihood, "residual_severity": gauge.get(ev.get("x")) or severity,
                     "owner": str((evaluations.get(item["ref"]) or {}).get("person_in_charge") or ""), "status": "open",
                     "effect": "", "measure_approved": "", "due": "", "feared_event": item["feared_event"],
                     "risk_sources": "; ".join(str(x) for x in got["sources"].get("list") or []), "notes": ""})
    return rows, "cnil"


def _people(pia: dict, meta: dict, date: str, notes: list[str]) -> None:
    """The DPO's opinion, the people's views and the validation, from the pia object."""
    if pia.get("dpo_opinion") or pia.get("dpos_names"):
        meta["dpo_advice"] = {"by": str(pia.get("dpos_names") or "not named"), "date": date, "advice": str(pia.get("dpo_opinion") or "")}
    if pia.get("dpo_status") is not None:
        notes.append(f"## The DPO's status in the PIA tool\n\n{pia['dpo_status']} (the tool's code; audit.yaml records the advice "
                     "and whether it was accepted, not this status)")
    opinion = str(pia.get("concerned_people_opinion") or "")
    if pia.get("concerned_people_searched_opinion") and (opinion or pia.get("people_names")):
        lines = [re.fullmatch(r"(.*) \((\d{4}-\d{2}-\d{2})\): (.*)", line) for line in opinion.splitlines()]
        if lines and all(lines):
            meta["consultation"] = [{"with": m[1], "date": m[2], "summary": m[3]} for m in lines]
        else:
            meta["consultation"] = [{"with": str(pia.get("people_names") or "the people concerned"), "date": date, "summary": opinion}]
    elif pia.get("concerned_people_searched_content") and not _has(meta, "consultation_plan.individuals"):
        _set(meta, "consultation_plan.individuals", _plain(str(pia["concerned_people_searched_content"])))
    if pia.get("concerned_people_status") is not None:
        notes.append(f"## The people's status in the PIA tool\n\n{pia['concerned_people_status']}")
    validators = [v.strip() for v in str(pia.get("validator_name") or "").split(";") if v.strip()]
    if validators and int(pia.get("status") or 0) >= architecture()["pia_status"]["simple_validation"]:
        meta["sign_off"] = [{"item": "residual_risks", "name": v, "role": "validator", "date": date,
                             "decision": "validated in CNIL's PIA tool"} for v in validators]
    elif validators:
        notes.append(f"## Validator named in the PIA tool (not yet validated)\n\n{'; '.join(validators)}")
    for key in ("rejection_reason", "applied_adjustments"):
        if pia.get(key):
            notes.append(f"## {key.replace('_', ' ').capitalize()} (PIA tool)\n\n{_plain(str(pia[key]))}")


def _other_notes(data: dict, notes: list[str], judged: set[str] = frozenset()) -> None:
    for m in data.get("measures") or []:
        if isinstance(m, dict) and not str(m.get("content") or "").startswith("<p>Addresses: "):
            notes.append(f"## Measure: {m.get('title', '')}\n\n{_plain(str(m.get('content') or ''))}")
    for ev in data.get("evaluations") or []:
        if not isinstance(ev, dict) or str(ev.get("reference_to")) in judged:
            continue
        said = [_plain(str(ev.get(k) or "")) for k in ("evaluation_comment", "action_plan_comment")]
        if any(said) and not said[0].startswith(OURS):
            notes.append(f"## Evaluation of {ev.get('reference_to')}\n\n" + "\n\n".join(x for x in said if x))
    for c in data.get("comments") or []:
        if isinstance(c, dict) and not str(c.get("description", "")).startswith("Risks not yet placed"):
            notes.append(f"## Comment on {c.get('reference_to')}\n\n{_plain(str(c.get('description') or ''))}")


def import_file(path: Path, into: Path, slug: str | None = None) -> tuple[Path, int]:
    """Create ``into/slug`` as a draft audit from a PIA tool file; returns the folder and the number of notes."""
    from .audit import Audit, save
    from .draft import SLUG
    from .files import ensure_dir, write_atomic

    data = read(path)
    meta, tables, notice, notes = to_audit(data)
    slug = slug or _slug(meta["provider"])
    if not SLUG.fullmatch(slug):
        raise DpiaError(f"--slug {slug!r} is not a usable folder name: use lower-case letters, digits and hyphens")
    target = Path(into) / slug
    if target.exists() or target.is_symlink():
        raise DpiaError(f"{target} already exists; import-pia never overwrites an audit. Give --slug another name or remove it")
    staging = ensure_dir(Path(into)) / f".{slug}.new"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        (staging / "notice.txt").write_text(notice, encoding="utf-8")
        save(Audit(staging, meta, tables), staging)
        if notes:
            write_atomic(staging / NOTES, f"# What {path.name} holds that has no place in the audit\n\n" + "\n\n".join(notes) + "\n")
        staging.rename(target)
    except OSError as exc:
        raise OutputError(f"cannot create {target}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, len(notes)
