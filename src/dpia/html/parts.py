"""Building blocks of a report section, each rendering itself as escaped HTML, and each with a name
(``Section.part(name)``) so notebooks and other output formats pick parts by what they are."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

import pandas as pd

e = html.escape
SHORT_TABLE = 6  # a table this short is kept on one page; longer ones never leave one or two rows alone (page.CSS)


@dataclass
class Text:
    text: str
    style: str = "p"  # p | note | alert | ok | medium
    name: str = ""

    def html(self) -> str:
        if self.style == "p":
            return f"<p>{e(self.text)}</p>"
        return f'<p class="callout {self.style}">{e(self.text)}</p>'


@dataclass
class Items:
    items: list[str]
    name: str = ""

    def html(self) -> str:
        return "<ul>" + "".join(f"<li>{e(i)}</li>" for i in self.items) + "</ul>"


@dataclass
class Table:
    frame: pd.DataFrame
    caption: str = ""
    widths: list[int] = field(default_factory=list)  # percentage per column, for the PDF layout
    marks: dict[str, str] = field(default_factory=dict)  # cell text -> css class, e.g. {"not stated": "gap"}
    scroll: bool = False  # long or wide tables scroll on screen (and print whole)
    name: str = ""

    def html(self) -> str:
        cols = "".join(f'<col style="width:{w:g}%">' for w in fitted(self.widths, self.frame))
        head = "".join(f"<th>{e(str(c))}</th>" for c in self.frame.columns)
        body = []
        for row in self.frame.itertuples(index=False):
            cells = []
            for value in row:
                text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
                css = self.marks.get(text)
                cells.append(f'<td class="{css}">{e(text)}</td>' if css else f"<td>{e(text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        caption = f"<caption>{e(self.caption)}</caption>" if self.caption else ""
        empty = f'<tr><td colspan="{len(self.frame.columns)}">none</td></tr>' if not body else ""
        short = ' class="short"' if len(body) <= SHORT_TABLE else ""
        table = (f'<table{short}>{caption}<colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
                 f'<tbody>{"".join(body)}{empty}</tbody></table>')
        return f'<div class="scroll">{table}</div>' if self.scroll else table


# Share of an A4 portrait text column that a character of the 8 pt table text takes, and a cell's padding; a
# column is never so narrow that its longest word has to break (up to WORD_MAX of the width).
CHAR = 1.0
PADDING = 2.5
WORD_MAX = 25


def fitted(widths: list[int], frame: pd.DataFrame) -> list[float]:
    """The column widths (percent), each widened to hold its longest word whole, the room taken from the others."""
    if len(widths) != len(frame.columns) or not len(frame):
        return list(widths)
    need = []
    for column, width in zip(frame.columns, widths):
        words = [w for v in frame[column].astype(str) for w in v.split()] + str(column).split()
        need.append(min(WORD_MAX, PADDING + CHAR * max((len(w) for w in words), default=0), max(width, WORD_MAX)))
    short = sum(max(0, n - w) for n, w in zip(need, widths))
    if not short:
        return list(widths)
    spare = [max(0, w - n) for n, w in zip(need, widths)]
    if sum(spare) < short:  # not enough room for every word: leave the widths as set
        return list(widths)
    return [round(max(w, n) if n >= w else w - short * s / sum(spare), 1) for n, w, s in zip(need, widths, spare)]


@dataclass
class Image:
    svg: bytes
    caption: str
    alt: str
    name: str = ""
    figure: object = field(default=None, repr=False, compare=False)  # the matplotlib Figure, for formats that need a PNG

    def png(self, dpi: int = 200) -> bytes | None:
        """The figure as PNG (Word embeds PNG), or None where only the SVG was kept."""
        from ..report.figures import png

        return png(self.figure, dpi) if self.figure is not None else None

    def html(self) -> str:
        data = base64.b64encode(self.svg).decode("ascii")
        return (f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{e(self.alt)}">'
                f"<figcaption>{e(self.caption)}</figcaption></figure>")


@dataclass
class Heading:
    text: str
    name: str = ""

    def html(self) -> str:
        return f"<h3>{e(self.text)}</h3>"


@dataclass
class Questions:
    """Questions of the ICO template with their answers; an open question shows a blank to fill."""

    answers: list  # report.questions.Answer
    name: str = ""

    def html(self) -> str:
        rows = []
        for a in self.answers:
            css = "blank" if a.open else ("gap" if a.text.startswith("Not stated") else "")
            rows.append(f'<tr><th scope="row"><span class="label">{e(a.question)}</span><span class="asks">{e(a.asks)}</span></th>'
                        f'<td class="{css}">{e(a.shown)}</td></tr>')
        return f'<table class="questions"><colgroup><col style="width:34%"><col style="width:66%"></colgroup>' \
               f'<tbody>{"".join(rows)}</tbody></table>'


@dataclass
class Links:
    """Links to other pages of the same set (the index, a comparison, each provider's report), relative to this page."""

    links: list[tuple[str, str]]  # (text, href)
    lead: str = ""
    name: str = ""

    def html(self) -> str:
        if not self.links:
            return ""
        items = " · ".join(f'<a href="{e(href)}">{e(text)}</a>' for text, href in self.links)
        return f'<nav class="links">{e(self.lead) + " " if self.lead else ""}{items}</nav>'


Part = Text | Items | Table | Image | Heading | Questions | Links
# A table or list this short goes whole with its heading onto the next page rather than leave the heading alone;
# a longer one (and a table of questions, whose answers can be long) breaks between rows, its heading kept with
# its first rows by the CSS.
KEEP_ROWS, KEEP_CHARACTERS = 10, 2000


def _small(part: Part) -> bool:
    if isinstance(part, Table):
        return len(part.frame) <= KEEP_ROWS and sum(len(str(v)) for v in part.frame.to_numpy().ravel()) <= KEEP_CHARACTERS
    if isinstance(part, Items):
        return len(part.items) <= KEEP_ROWS and sum(map(len, part.items)) <= KEEP_CHARACTERS
    return isinstance(part, (Text, Image))


def kept_with_headings(title: str, parts: list[Part]) -> list[str]:
    """The HTML of a section's title and parts, each heading in one unbreakable block with what it introduces: the
    part after it, and the one after that too where the first is a line of text (a callout before its table). A
    long table is left out of the block; its heading is kept with its first rows by the CSS."""
    out, i, pending = [], 0, title  # pending: a heading's HTML waiting for what it introduces
    while pending or i < len(parts):
        if not pending:
            part, i = parts[i], i + 1
            if isinstance(part, Heading):
                pending = part.html()
            else:
                out.append(part.html())
            continue
        block, pending = [pending], ""
        if i < len(parts) and not isinstance(parts[i], Heading) and _small(parts[i]):
            block.append(parts[i].html())
            i += 1
            if isinstance(parts[i - 1], Text) and i < len(parts) and not isinstance(parts[i], Heading) and _small(parts[i]):
                block.append(parts[i].html())
                i += 1
        out.append(f'<div class="keep">{"".join(block)}</div>' if len(block) > 1 else block[0])
    return out


@dataclass
class Section:
    number: int
    key: str
    title: str
    parts: list[Part]

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title

    def part(self, name: str) -> Part:
        """A part by its name, so notebooks and other formats never depend on the parts' order."""
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(f"section {self.key!r} has no part {name!r}; it has {[p.name for p in self.parts if p.name]}")

    def html(self) -> str:
        return f'<section id="{e(self.key)}">{"".join(kept_with_headings(f"<h2>{e(self.heading)}</h2>", self.parts))}</section>'

    def _repr_html_(self) -> str:
        return self.html()

    def tables(self) -> list[pd.DataFrame]:
        return [p.frame for p in self.parts if isinstance(p, Table)]
