"""Large audits and comparisons: past a threshold a report shows what matters and attaches the rest.

A 10,000-activity audit made a 30 MB page, a 73 MB notebook and a PDF that took minutes; at 100,000
activities nothing finished. Once a table passes LARGE rows, every report table longer than ROWS keeps the rows that raise
findings (cells the report marks: high, gap, medium), then rows with validation warnings, then the
first in the audit's order, and says so; long lists and cells are cut with a count of what was left
out; the data-flow diagram draws the boxes that matter and a count of the others. Counts and verdicts are always
computed on everything, before this runs. The full tables go beside the report as CSV files.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..html.parts import Items, Section, Table, Text
from . import palette

LARGE = 500  # an audit with a table longer than this gets a summarised report
ROWS = 50  # table rows a summarised report shows (79 PDF pages at 200 rows a table; 15 s of printing)
ITEMS = 50  # list items a report shows
CELL = 1_500  # characters of one cell or paragraph
DIAGRAM_ACTIVITIES = 30  # activities the data-flow diagram draws
RANK = {"high": 4, "gap": 3, "medium": 2, "low": 1}


def cut(text: str, limit: int = CELL) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}… ({len(text) - limit:,} more characters in the attached tables or the audit files)"


def summarise(sections: list[Section], audit, attach_to: str | Path | None = None) -> list[Section]:
    """The sections with every long table, list and cell shortened; the full tables written as CSV beside the report.

    ``attach_to`` is a folder beside the report (``reports/best2care.tables``) for one CSV file per long
    table. Without it (a notebook opened by hand) nothing is written.
    """
    flagged = _flagged_ids(audit)
    out = []
    for section in sections:
        parts: list = []
        heading = section.title
        for n, part in enumerate(section.parts):
            heading = getattr(part, "text", heading) if type(part).__name__ == "Heading" else heading
            if isinstance(part, Table) and len(part.frame) > ROWS:
                name = _file_name(section, getattr(part, "name", "") or heading, n)
                if attach_to is not None:
                    _attach(part.frame, Path(attach_to) / f"{name}.csv")
                parts += _table(part, flagged, f"{Path(attach_to).name}/{name}.csv" if attach_to is not None else None)
            elif isinstance(part, Table):
                parts.append(replace(part, frame=_cut_cells(part.frame)))
            elif isinstance(part, Items):
                shown = [cut(str(i)) for i in part.items[:ITEMS]]
                more = len(part.items) - len(shown)
                parts.append(replace(part, items=shown + ([f"… and {more:,} more"] if more > 0 else [])))
            elif isinstance(part, Text):
                parts.append(replace(part, text=cut(part.text)))
            elif getattr(part, "answers", None) is not None:  # the ICO template's questions: an answer may list every row
                parts.append(replace(part, answers=[replace(a, text=cut(a.text)) if a.text else a for a in part.answers]))
            else:
                parts.append(part)
        out.append(Section(section.number, section.key, section.title, parts))
    return out


def _table(part: Table, flagged: set[str], attached: str | None) -> list:
    frame = part.frame
    columns = [[str(v) for v in frame[c].tolist()] for c in frame.columns]  # tolist: iterating a string column boxes each cell
    marked = [[RANK.get(part.marks.get(v, ""), 0) for v in column] for column in columns]
    rank = [max(values, default=0) for values in zip(*marked)] if marked else [0] * len(frame)
    first = columns[0] if columns else [""] * len(frame)
    order = sorted(range(len(frame)), key=lambda i: (-rank[i], first[i] not in flagged, i))[:ROWS]
    findings = sum(1 for i in range(len(frame)) if rank[i] >= RANK["medium"] or first[i] in flagged)
    shown = _cut_cells(frame.iloc[order])
    where = f"every row is in {attached} beside this report" if attached else \
        "`dpia report` attaches every row as CSV beside the report"
    if findings >= len(order):
        which = f"{findings:,} of them raise findings (marked, or with validation warnings): the {len(order)} shown are the first"
    elif findings:
        which = f"shown: the {findings:,} that raise findings (marked, or with validation warnings), then the first of the others"
    else:
        which = f"the first {len(order)} are shown"
    return [Text(f"{len(frame):,} rows; {which}; {where}.", "note"), replace(part, frame=shown, scroll=True)]


def _cut_cells(frame: pd.DataFrame) -> pd.DataFrame:
    long = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, str) and len(v) > CELL).any()]
    if not long:
        return frame
    frame = frame.copy()
    for c in long:
        frame[c] = frame[c].map(lambda v: cut(v) if isinstance(v, str) else v)
    return frame


def _flagged_ids(audit) -> set[str]:
    """Ids of rows that have a validation problem (warnings: gaps, drafts), read from the problems' line numbers."""
    ids: set[str] = set()
    keys = {"activities.csv": "activity_id", "flows.csv": "flow_id", "risks.csv": "risk_id"}
    for table, key in keys.items():
        lines = {line: i for i, line in enumerate(audit.lines.get(table) or [])}
        frame = audit.tables.get(table)
        if frame is None or key not in frame.columns:
            continue
        values = frame[key].tolist()
        for problem in audit.problems:
            if problem.file == table and problem.row in lines:
                ids.add(str(values[lines[problem.row]]))
    return ids


def _file_name(section: Section, heading: str, n: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-") or f"part-{n}"
    return f"{section.number}-{slug}" if section.number else f"{section.key}-{slug}"


def _attach(frame: pd.DataFrame, path: Path) -> None:
    from ..files import ensure_dir, write_atomic
    from ..tables import defused

    ensure_dir(path.parent)
    write_atomic(path, defused(frame.astype(str)).to_csv(index=False))


def is_large(audit) -> bool:
    return any(len(frame) > LARGE for frame in audit.tables.values())


# ---- figures ------------------------------------------------------------------------------


def diagram_graph(graph, limit: int = DIAGRAM_ACTIVITIES):
    """A data-flow graph small enough to draw: in each column past ``limit`` boxes, the parties and activities
    with transfers out of the UK first, then the first of the others; the rest drawn as one box that counts them."""
    from ..flows import FlowGraph, Node

    if all(len(graph.layer(n)) <= limit for n in (0, 1, 2)):
        return graph
    transferring = {end for e in graph.edges if e.transfer or e.location != "uk" for end in (e.source, e.target)}
    nodes, moved = [], {}
    for layer, what in ((0, "sources"), (1, "activities"), (2, "recipients")):
        column = graph.layer(layer)
        if len(column) <= limit:
            nodes += column
            continue
        keep = sorted(column, key=lambda n: n.id not in transferring)[:limit - 1]
        kept = {n.id for n in keep}
        rest = Node(f"more:{layer}", f"{len(column) - len(keep):,} more {what} (see the tables)", layer, column[0].kind)
        nodes += [n for n in column if n.id in kept] + [rest]
        moved.update({n.id: rest.id for n in column if n.id not in kept})
    edges, seen = [], set()
    for e in graph.edges:
        source, target = moved.get(e.source, e.source), moved.get(e.target, e.target)
        key = (source, target, e.transfer, e.verdict, e.location)
        if key not in seen:
            seen.add(key)
            edges.append(replace(e, source=source, target=target))
    return FlowGraph(nodes, edges)


# ---- comparisons of many providers ---------------------------------------------------------

PROVIDERS = 200  # a comparison of more providers is summarised: counts per practice, not a column per provider
RANKED = 25  # providers shown at each end of the transparency ranking


def comparison_sections(comparison, attachments: str | None = None) -> list[Section]:
    """A comparison of many providers as counts: how many providers show each practice, the two ends of the
    ranking, the failures. The provider x practice matrices are the CSV files (`--format csv`)."""
    from .. import compare as cmp
    from ..html.parts import Image
    from . import figures

    c = comparison
    ok = [p for p in c.providers if p.profile is not None]
    failed = [p for p in c.providers if p.profile is None]
    kinds = Counter(cmp.assessed_from(p) for p in ok)
    read_as = ", ".join(f"{kinds[words[0]]:,} from {words[2] if kinds[words[0]] != 1 else words[1]}"
                        for words in cmp.KIND_WORDS if kinds[words[0]])
    files = (f"the CSV files beside this page, {attachments}-<matrix>.csv ({', '.join(c.matrices)}, scores)" if attachments
             else "the CSV files `dpia compare --format csv` writes")
    intro = [Text(f"{len(c.providers):,} providers: {len(ok):,} read ({read_as or 'none'}) and {len(failed):,} that could "
                  f"not be read. With this many providers the "
                  f"comparison gives counts; every provider's value for every practice is in {files}.", "note")]
    if failed:
        intro.append(Text(f"{len(failed):,} provider(s) could not be read and are left out of the counts:", "alert"))
        intro.append(Items([f"{p.name} ({p.source}): {p.error}" for p in failed[:ITEMS]]
                           + ([f"… and {len(failed) - ITEMS:,} more"] if len(failed) > ITEMS else [])))
    out = [Section(1, "providers", "Providers compared", intro)]
    scores, unranked = c.ranked, len(c.scores) - len(c.ranked)
    ends = scores.head(RANKED) if len(scores) <= 2 * RANKED else pd.concat([scores.head(RANKED), scores.tail(RANKED)])
    bands = pd.cut(scores.Score, [-0.001, 0.2, 0.4, 0.6, 0.8, 1.0], labels=["0-20%", "20-40%", "40-60%", "60-80%", "80-100%"])
    spread = bands.value_counts(sort=False).rename_axis("Transparency score").reset_index(name="Providers")
    out.append(Section(2, "transparency", "Transparency score and ranking", [
        Text(f"{cmp.FORMULA}. How the providers spread, then the {RANKED} highest and the {RANKED} lowest of the ranking"
             + (f"; {unranked:,} provider{'s' if unranked != 1 else ''} of narrower scope {'are' if unranked != 1 else 'is'} "
                "not ranked (the scores CSV gives their scores)." if unranked else ".")
             + " '=' marks a rank shared by providers whose scores differ by less than one element's weight.", "note",
             name="formula"),
        Table(spread, widths=[50, 50], name="spread"),
        Table(ends.assign(Score=ends.Score.map(lambda x: f"{x:.0%}"), Rank=cmp.rank_labels(ends))[
                  ["Rank", "Provider", "Score", "Present", "Applicable", "Penalty"]]
              .rename(columns={"Present": "Elements present", "Applicable": "Elements that apply", "Penalty": "Deducted, in elements"}),
              widths=[8, 44, 12, 12, 12, 12], name="ranking")]))
    elements = c.matrices["elements"].iloc[:-1]
    counts = pd.DataFrame({"present": (elements == cmp.YES).sum(axis=1), "absent": (elements == cmp.NO).sum(axis=1),
                           "not applicable": (elements == cmp.NA).sum(axis=1)})
    colours = {"present": palette.ELEMENTS[cmp.YES], "absent": palette.ELEMENTS[cmp.NO], "not applicable": palette.ELEMENTS[cmp.NA]}
    out.append(Section(3, "elements", cmp.TITLES["elements"], [
        Image(figures.svg(figures.stacked_bars(counts, colours, "providers")),
              "How many providers' notices contain each Article 13/14 element.", "Elements by number of providers"),
        Table(_prevalence(elements, len(ok)), widths=[46, 18, 36])]))
    number = 4
    for name in ("lawful_bases", "special_categories", "transfers", "retention", "automated_decisions", "findings", "audits"):
        frame = c.matrices[name]
        out.append(Section(number, name.replace("_", "-"), cmp.TITLES[name], [Table(_prevalence(frame, len(ok)),
                                                                                    widths=[46, 18, 36])]))
        number += 1
    return out


def _prevalence(matrix: pd.DataFrame, providers: int) -> pd.DataFrame:
    """Per practice (row), how many providers show it: ticks counted, other values tallied (the commonest five)."""
    from .. import compare as cmp

    rows = []
    for practice, values in matrix.iterrows():
        tally = values.value_counts()
        if set(tally.index) <= {cmp.YES, cmp.NO, cmp.NA, cmp.FOUND, ""}:
            yes, applicable = int(tally.get(cmp.YES, 0) + tally.get(cmp.FOUND, 0)), providers - int(tally.get(cmp.NA, 0))
            rows.append({"Practice": practice, "Providers": f"{yes:,}",
                         "Share": f"{yes / applicable:.0%} of {applicable:,}" if applicable else "n/a"})
            continue
        common = [f"{value or '(none)'}: {n:,}" for value, n in tally.head(5).items()]
        others = len(tally) - len(common)
        rows.append({"Practice": practice, "Providers": f"{providers:,}",
                     "Share": cut("; ".join(common) + (f"; {others:,} other values" if others > 0 else ""), 400)})
    return pd.DataFrame(rows, columns=["Practice", "Providers", "Share"])
