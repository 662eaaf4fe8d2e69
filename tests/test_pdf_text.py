"""Figure labels are printed a line at a time (report/pdf_text.py), and SVG text that places letters one by one
still is printed one letter at a time."""

import base64
import re

import pypdf
import pytest

from dpia.html.page import page
from dpia.report import pdf_text
from dpia.report.run import Runner


def _runs(tmp_path, body: str) -> tuple[int, str]:
    """Text-showing operators on the page and in the forms drawn on it, and the page's text."""
    target = tmp_path / "figure.pdf"
    Runner.write_pdf(page("figure", body), target)
    reader = pypdf.PdfReader(target)
    streams = [reader.pages[0].get_contents().get_data(), *_forms(reader.pages[0]["/Resources"])]
    return sum(len(re.findall(rb"T[Jj]\b", s)) for s in streams), reader.pages[0].extract_text()


def _forms(resources) -> list[bytes]:
    out = []
    for ref in (resources or {}).get("/XObject", {}).values():
        form = ref.get_object()
        out.append(form.get_data())
        out += _forms(form.get("/Resources"))
    return out


def _text_runs(tmp_path, svg: str) -> tuple[int, str]:
    """The runs of text drawing the figure (those of the page's footer taken away), and the page's text."""
    footer, _ = _runs(tmp_path, "<p></p>")
    data = base64.b64encode(svg.encode()).decode()
    runs, text = _runs(tmp_path, f'<figure><img src="data:image/svg+xml;base64,{data}" alt="a figure"></figure>')
    return runs - footer, text


def _svg(text: str) -> str:
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60" viewBox="0 0 300 60">'
            f"{text}</svg>")


@pytest.mark.skipif(not __import__("weasyprint").__version__.startswith(pdf_text.VERSIONS), reason="another WeasyPrint")
def test_a_matplotlib_label_is_one_run_of_text_in_the_pdf(tmp_path):
    runs, text = _text_runs(tmp_path, _svg('<text x="150" y="30" style="font-size: 10px; font-family: \'DejaVu Sans\'; '
                                           'text-anchor: middle">Care enquiries</text>'))
    assert runs == 1 and "Care enquiries" in text


def test_letters_placed_one_by_one_are_still_drawn_one_by_one(tmp_path):
    runs, text = _text_runs(tmp_path, _svg('<text x="10 40 70" y="30" style="font-size: 10px">abc</text>'))
    assert runs == 3 and all(letter in text for letter in "abc")
