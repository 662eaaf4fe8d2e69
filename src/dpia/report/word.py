"""The DPIA as an editable Word document, in the ICO template's seven steps.

It renders the report's content (``DpiaReport.sections``, computed once in report/content.py) part by
part, as the HTML page does: sections become Heading 1, headings within them Heading 2, so Word's
navigation pane and the table of contents field work; tables are real tables whose header row
repeats on every page; figures are embedded PNG images; every blank to fill ("To be completed") is
highlighted. Text from a notice or an audit file goes in as literal text (python-docx escapes it).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..html.parts import SHORT_TABLE, Heading, Image, Items, Questions, Table, Text
from .palette import LEVEL_TEXT, LEVELS
from .questions import OPEN

if TYPE_CHECKING:
    from ..html.parts import Section
    from .content import DpiaReport

# Risk levels in the palette's colours; callouts as the stylesheet's (html/page.py).
FILL = {level: colour.lstrip("#").upper() for level, colour in LEVELS.items()}
CALLOUT = {"alert": ("B3261E", "FBECEB"), "ok": ("1F6F3F", "EAF5EC"), "note": ("2F4F7F", "EDF2F9"), "medium": ("B07A00", "FFF6DD")}
GAP_TEXT = RGBColor(0x9B, 0x1C, 0x1C)
OK_TEXT = RGBColor(0x1F, 0x6F, 0x3F)
GREY = RGBColor(0x55, 0x5B, 0x66)
TEXT_WIDTH_CM = 17.0  # A4 less 2 cm margins
TABLE_PT = 8.5
MIN_COLUMN = 0.075  # of the text width


def render(report: DpiaReport) -> bytes:
    """The report as a .docx file's bytes."""
    doc = _document()
    _header(doc, report)
    _contents(doc, report)
    for section in report.sections:
        _section(doc, section)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _document():
    doc = Document()
    page = doc.sections[0]
    page.orientation = WD_ORIENT.PORTRAIT
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(page, side, Cm(2))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Calibri", Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    # Word updates the table of contents field when the document opens (it asks first).
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)
    doc.core_properties.title = "Data protection impact assessment"
    return doc


def _header(doc, report: DpiaReport) -> None:
    header = report.header()
    kicker = doc.add_paragraph()
    run = kicker.add_run(header.kind.upper())
    run.bold, run.font.size, run.font.color.rgb = True, Pt(9), GREY
    doc.add_paragraph(report.audit.provider, style="Title")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for key, value in header.facts():
        cells = table.add_row().cells
        _text(cells[0].paragraphs[0], key, bold=True)
        _text(cells[1].paragraphs[0], value)
    _widths(table, [30, 70])
    line = doc.add_paragraph()
    line.paragraph_format.space_before = Pt(6)
    for i, (text, css) in enumerate(header.badges()):
        if i:
            line.add_run("   ")
        run = line.add_run(f" {text} ")
        run.bold = True
        if css in FILL or css == "ok":
            _shade_run(run, FILL.get(css, "CFE8CF"))
            if css in LEVEL_TEXT:
                run.font.color.rgb = RGBColor.from_string(LEVEL_TEXT[css].lstrip("#").upper())


def _contents(doc, report: DpiaReport) -> None:
    """A table of contents field. Until Word or LibreOffice updates it (page numbers), it shows the outline."""
    doc.add_paragraph("Contents", style="TOC Heading" if "TOC Heading" in [s.name for s in doc.styles] else None)
    entries = [(1, s.heading) for s in report.sections]
    first = doc.add_paragraph()
    _field_char(first, "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = 'TOC \\o "1-2" \\h \\z \\u'
    first.add_run()._r.append(code)
    _field_char(first, "separate")
    paragraph = first
    for i, (level, text) in enumerate(entries):
        if i:
            paragraph = doc.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        paragraph.paragraph_format.space_after = Pt(1)
        paragraph.add_run(text)
    _field_char(paragraph, "end")
    update = OxmlElement("w:updateFields")  # Word fills in the page numbers as it opens the file
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)
    doc.add_page_break()


def _field_char(paragraph, kind: str) -> None:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    if kind == "begin":
        element.set(qn("w:dirty"), "true")  # Word refreshes it on opening
    paragraph.add_run()._r.append(element)


def _section(doc, section: Section) -> None:
    doc.add_heading(section.heading, level=1)
    for part in section.parts:
        if isinstance(part, Heading):
            doc.add_heading(part.text, level=2)
        elif isinstance(part, Text):
            _paragraph(doc, part)
        elif isinstance(part, Items):
            for item in part.items:
                _text(doc.add_paragraph(style="List Bullet"), item)
        elif isinstance(part, Table):
            _table(doc, part)
        elif isinstance(part, Questions):
            _questions(doc, part)
        elif isinstance(part, Image):
            _image(doc, part)
        else:  # a new kind of part must get its Word form here, not vanish from the document
            raise TypeError(f"no Word rendering for {type(part).__name__}")


def _paragraph(doc, part: Text) -> None:
    paragraph = doc.add_paragraph()
    _text(paragraph, part.text)
    if part.style in CALLOUT:
        border, fill = CALLOUT[part.style]
        properties = paragraph._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        left = OxmlElement("w:left")
        for key, value in (("w:val", "single"), ("w:sz", "24"), ("w:space", "6"), ("w:color", border)):
            left.set(qn(key), value)
        borders.append(left)
        properties.append(borders)
        properties.append(_shading(fill))
        paragraph.paragraph_format.left_indent = Cm(0.3)


def _text(paragraph, text: str, bold: bool = False, mark: str | None = None, size: float | None = None) -> None:
    """Literal text; a blank to fill is highlighted so it is easy to find."""
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if text == OPEN or text.startswith(f"{OPEN}:") or mark == "blank":
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        run.bold = size is None  # in a narrow table cell the highlight alone shows it, and the words fit
    elif mark == "gap":
        run.bold, run.font.color.rgb = True, GAP_TEXT
    elif mark == "ok":
        run.font.color.rgb = OK_TEXT


def _table(doc, part: Table) -> None:
    frame = part.frame
    if part.caption:
        doc.add_paragraph(part.caption, style="Caption")
    table = doc.add_table(rows=1, cols=max(1, len(frame.columns)))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    head = table.rows[0]
    _repeat_header(head)
    for cell, name in zip(head.cells, frame.columns):
        _text(cell.paragraphs[0], str(name), bold=True, size=TABLE_PT)
        cell._tc.get_or_add_tcPr().append(_shading("E8EBF0"))
    for row in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            mark = part.marks.get(text)
            _text(cell.paragraphs[0], text, mark=mark, size=TABLE_PT)
            if mark in FILL:
                cell._tc.get_or_add_tcPr().append(_shading(FILL[mark]))
                for run in cell.paragraphs[0].runs:
                    run.font.color.rgb = RGBColor.from_string(LEVEL_TEXT[mark].lstrip("#").upper())
    if not len(frame):
        cells = table.add_row().cells
        merged = cells[0].merge(cells[-1]) if len(cells) > 1 else cells[0]
        _text(merged.paragraphs[0], "none")
    if part.widths and len(part.widths) == len(frame.columns):
        _widths(table, part.widths)
    _keep(table, together=len(frame) <= SHORT_TABLE)
    doc.add_paragraph()


def _questions(doc, part: Questions) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for answer in part.answers:
        cells = table.add_row().cells
        _text(cells[0].paragraphs[0], answer.question, bold=True, size=TABLE_PT)
        asks = cells[0].add_paragraph().add_run(answer.asks)
        asks.italic, asks.font.size, asks.font.color.rgb = True, Pt(TABLE_PT - 1), GREY
        _text(cells[1].paragraphs[0], answer.shown, mark="blank" if answer.open else
              ("gap" if answer.text.startswith("Not stated") else None), size=TABLE_PT)
    _widths(table, [34, 66])
    _keep(table, together=False)
    doc.add_paragraph()


def _image(doc, part: Image) -> None:
    data = part.png()
    if data is None:  # a figure kept only as SVG: say so rather than drop it
        doc.add_paragraph(f"[{part.alt}: see the HTML or PDF report]", style="Caption")
    else:
        doc.add_picture(io.BytesIO(data), width=Cm(TEXT_WIDTH_CM))
    doc.add_paragraph(part.caption, style="Caption")


def _keep(table, together: bool) -> None:
    """No row breaks across a page; a short table stays on one page (as the PDF's CSS does)."""
    for i, row in enumerate(table.rows):
        split = OxmlElement("w:cantSplit")
        split.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(split)
        if together and i < len(table.rows) - 1:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _widths(table, percentages: list[int]) -> None:
    total = sum(percentages) or 1
    shares = [max(share / total, MIN_COLUMN) for share in percentages]  # an ID column still fits "R10"
    widths = [Cm(TEXT_WIDTH_CM * share / sum(shares)) for share in shares]
    table.autofit = False
    layout = OxmlElement("w:tblLayout")  # fixed: LibreOffice and Word keep the widths rather than fit the text
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _shading(fill: str):
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    return shading


def _shade_run(run, fill: str) -> None:
    run._r.get_or_add_rPr().append(_shading(fill))
