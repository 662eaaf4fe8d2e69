"""ICO steps 1 to 3: the need for a DPIA, the description of the processing, and consultation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .. import vocab
from ..flows import build as build_graph
from ..html.parts import Heading, Image, Items, Questions, Section, Table, Text
from ..schemas import as_text
from ..screening import SCHEMES
from ..words import joined, plural
from . import figures

if TYPE_CHECKING:
    from .content import DpiaReport

GAP = {vocab.NOT_STATED: "gap"}


def need(r: DpiaReport) -> Section:
    s = r.screening
    parts = [Questions(r.questions(1), name="questions"),
             Text(("A DPIA is required. " if s.required else "A DPIA is not required. ") +
                  "Screening follows UK GDPR Art 35(1) and 35(3), the ICO's list of processing likely to result in high risk, "
                  "and the nine criteria of the EDPB-endorsed WP248 guidelines (two or more: a DPIA is likely to be needed).",
                  "alert" if s.required else "ok", name="verdict"),
             Heading("Why"), Items(s.reasons, name="reasons")]
    met, same = _one_row_per_fact(s)
    if len(met):
        table = pd.DataFrame({"Criterion": met.label, "From": [same.get(c, SCHEMES[k]) for c, k in zip(met.code, met.scheme)],
                              "What meets it": [_grouped(b) for b in met.basis]})
        parts += [Heading("Screening criteria met"), Table(table, widths=[30, 16, 54], name="criteria")]
    else:
        parts.append(Text("No screening criterion is met by the inventory or the screening answers.", name="criteria"))
    if s.factors:
        parts += [Heading("Other factors"), Items(s.factors, name="factors")]
    return Section(1, "need", "Need for a DPIA", parts)


def _one_row_per_fact(s) -> tuple[pd.DataFrame, dict[str, str]]:
    """The criteria met, an ICO item and the WP248 criterion it restates (met by the same facts) in one row; and for
    those rows what the 'From' column says."""
    from .summary import restated

    pairs = restated(s)
    met = s.criteria[s.criteria.met & ~s.criteria.code.isin(pairs.values())]
    labels = s.criteria.set_index("code").label
    met = met.assign(label=[f"{lab} (WP248: {labels[pairs[c]]})" if c in pairs else lab for c, lab in zip(met.code, met.label)])
    return met, {c: f"{SCHEMES['ico']} and WP248" for c in pairs}


def _grouped(basis: list[str]) -> str:
    """'inventory: A2 Care: Health', 'inventory: A2 Care: Ethnicity' -> 'A2 Care (Health, Ethnicity)'; answers to a
    screening question read 'Screening answer: ...'."""
    groups: dict[str, list[str]] = {}
    for item in basis:
        if item.startswith("inventory: ") and item.count(": ") >= 2:
            where, what = item.removeprefix("inventory: ").rsplit(": ", 1)
            groups.setdefault(where, []).append(what)
        else:
            groups.setdefault(item.replace("audit.yaml: ", "Screening answer: "), [])
    return "; ".join(f"{k} ({', '.join(dict.fromkeys(v))})" if v else k for k, v in groups.items())


def description(r: DpiaReport) -> Section:
    a, day = r.audit.activities, r.audit.law_date
    activities = pd.DataFrame({
        "ID": a.activity_id, "Activity": a.name, "Purpose": a.purpose,
        "Whose data": [vocab.labels("data_subjects", c, on=day) for c in a.data_subjects],
        "Data": a.data_categories.str.replace(";", "; "),
        "Sources": [vocab.labels(("data_subjects", "recipient_types"), c, on=day) for c in a.sources],
    })
    special = pd.DataFrame({"ID": a.activity_id, "Activity": a.name,
                            "Special category data": [vocab.labels("special_categories", c, on=day, empty="none")
                                                      for c in a.special_categories],
                            "Techniques": [vocab.labels("techniques", c, on=day, empty="none") for c in a.techniques]})
    retention = pd.DataFrame({"ID": a.activity_id, "Activity": a.name, "Retention": a.retention})
    graph = build_graph(r.audit)
    diagram = figures.flow_diagram(graph)
    counts = [plural(len(graph.layer(1)), 'activity', 'activities'), plural(len(graph.layer(2)), 'recipient'),
              f"{plural(len(graph.transfers), 'restricted transfer')} out of the UK",
              f"{plural(len(graph.unknown), 'flow')} to a recipient whose location is unknown"]
    if graph.own_staff:
        counts.append(f"{plural(len(graph.own_staff), 'flow')} to the provider's own staff abroad (not a transfer)")
    fig = figures.svg(diagram)
    questions = r.questions(2)
    return Section(2, "description", "Description of the processing", [
        Text(f"Scope of this assessment: {r.audit.meta.get('scope', '')}", name="scope"),
        Heading("Nature of the processing"), Questions([q for q in questions if q.code.startswith("s2.nature")], name="nature"),
        Heading("Processing activities"), Table(activities, widths=[5, 14, 22, 15, 28, 16], name="activities"),
        Heading("Data flows"),
        Image(fig, f"Data flows of {r.audit.provider}: {joined(counts)}.", "Data-flow diagram", name="flows", figure=diagram),
        Heading("Scope of the processing"), Questions([q for q in questions if q.code.startswith("s2.scope")], name="scope"),
        Table(special, "Special category data and techniques of each activity", widths=[6, 30, 40, 24], name="special"),
        Table(retention, "How long each activity keeps its data", widths=[6, 34, 60], marks=GAP, name="retention"),
        Heading("Context of the processing"), Questions([q for q in questions if q.code.startswith("s2.context")], name="context"),
        Heading("Purposes of the processing"),
        Questions([q for q in questions if q.code.startswith("s2.purposes")], name="purposes"),
    ])


def consultation(r: DpiaReport) -> Section:
    entries = [c for c in r.audit.meta.get("consultation") or [] if isinstance(c, dict)]
    parts: list = [Questions(r.questions(3), name="questions")]
    if entries:
        frame = pd.DataFrame([{"With": str(c.get("with", "")), "Date": as_text(c.get("date", "")),
                               "What they said": str(c.get("summary", ""))} for c in entries])
        parts += [Heading("Consultation held"), Table(frame, widths=[25, 12, 63], name="held")]
    else:
        kinds = vocab.get("provider_kinds")
        example = kinds.terms[kinds.resolve(str(r.audit.meta.get("kind") or "other")) or "other"]["consult"]
        parts.append(Text("No consultation is recorded yet. Where appropriate, the controller must seek the views of data "
                          f"subjects or their representatives (UK GDPR Art 35(9)), for example through {example}. The ICO "
                          "also advises consulting staff, processors and information security experts.",
                          "alert", name="held"))
    return Section(3, "consultation", "Consultation", parts)

