"""The DPIA in Word: the same content as the HTML report, in the ICO template's shape, editable and safe."""

import html
import os
import re
import shutil
import subprocess
import zipfile

import pytest
from conftest import SAMPLES
from docx import Document
from docx.enum.text import WD_COLOR_INDEX

from dpia import cli
from dpia.report import build_report
from dpia.report.questions import OPEN

EVIL = "<script>alert('pwned')</script> & <b>bold</b> ]]> {{ x }}"
QUOTED = "is a domiciliary care services provider based in Kent."  # the controller's identity, quoted in the checklist


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """`dpia batch --format html,docx` on a sample and on a copy whose notice and risks carry markup."""
    root = tmp_path_factory.mktemp("word")
    evil = root / "evil-care"
    shutil.copytree(SAMPLES / "best2care", evil)
    notice = evil / "notice.txt"
    text = notice.read_text(encoding="utf-8")
    notice.write_text(text.replace(QUOTED, QUOTED.replace("provider", f"provider {EVIL}")), encoding="utf-8")
    risks = evil / "risks.csv"
    risks.write_text(risks.read_text(encoding="utf-8").replace("R1,Care records exposed or lost,",
                                                               f'R1,"Care records {EVIL.replace(chr(34), "")}",'), encoding="utf-8")
    out = root / "reports"
    code = cli.main(["batch", str(SAMPLES / "best2care"), str(evil), "--out", str(out), "--format", "html,docx",
                     "--workers", "1", "--quiet"])
    assert code == 0
    return out


def _outline_html(page: str) -> list[tuple[int, str]]:
    body = page[page.index("<body"):]
    return [(int(level) - 1, html.unescape(re.sub("<[^>]+>", "", text)).strip())
            for level, text in re.findall(r"<h([123])[^>]*>(.*?)</h\1>", body, flags=re.S)]


def _outline_docx(doc) -> list[tuple[int, str]]:
    levels = {"Title": 0, "Heading 1": 1, "Heading 2": 2}
    return [(levels[p.style.name], p.text) for p in doc.paragraphs if p.style.name in levels]


def _all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("slug", ["best2care", "evil-care"])
def test_the_word_outline_is_the_html_reports(reports, slug):
    page = (reports / f"{slug}.html").read_text(encoding="utf-8")
    doc = Document(str(reports / f"{slug}.docx"))
    outline = _outline_docx(doc)
    assert outline == _outline_html(page)
    assert [text for level, text in outline if level == 1][1:8] == [
        "1. Need for a DPIA", "2. Description of the processing", "3. Consultation", "4. Necessity and proportionality",
        "5. Identify and assess risks", "6. Measures to reduce risk", "7. Sign off and record outcomes"]


def test_every_risk_measure_and_finding_is_in_the_document(reports):
    report = build_report(SAMPLES / "best2care")
    text = _all_text(Document(str(reports / "best2care.docx")))
    s = report.scored
    for title, description, measures in zip(s.title, s.description, s.measures):
        assert title in text and description in text and measures in text
    assert report.profile.findings
    for finding in report.profile.findings:
        assert finding.message in text


def test_the_templates_columns_head_the_risk_measure_and_sign_off_tables(reports):
    doc = Document(str(reports / "best2care.docx"))
    heads = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert ["ID", "Source of risk and nature of potential impact on individuals", "Likelihood of harm", "Severity of harm",
            "Overall risk"] in heads
    assert ["Risk", "Options to reduce or eliminate risk", "Effect on risk", "Residual risk", "Measure approved"] in heads
    assert ["Item", "Name, date and decision", "Notes"] in heads


def test_markup_from_a_notice_and_a_risk_stays_literal_text(reports):
    path = reports / "evil-care.docx"
    text = _all_text(Document(str(path)))
    assert QUOTED.replace("provider", f"provider {EVIL}") in text  # the notice's words, quoted in the checklist
    assert f"Care records {EVIL}" in text
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "<script>" not in xml and "<b>" not in xml and "&lt;script&gt;" in xml


def test_headers_repeat_figures_are_png_and_blanks_are_highlighted(reports):
    path = reports / "best2care.docx"
    doc = Document(str(path))
    data_tables = [t for t in doc.tables if t.rows[0].cells[0].text != "Controller" and len(t.columns) > 2]
    assert data_tables
    for table in data_tables:
        assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader"), [c.text for c in table.rows[0].cells]
    with zipfile.ZipFile(path) as z:
        images = [n for n in z.namelist() if n.startswith("word/media/")]
        xml = z.read("word/document.xml").decode("utf-8")
    assert len(images) == 2 and all(z_name.endswith(".png") for z_name in images)  # the data flows and the risk map
    assert 'TOC \\o "1-2"' in xml
    blanks = [r for p in doc.paragraphs for r in p.runs if r.text == OPEN] + \
             [r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs if r.text == OPEN]
    assert blanks and all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in blanks)


def _soffice() -> str:
    """LibreOffice's soffice, installed from Debian's package where missing and possible; else the test skips."""
    found = shutil.which("soffice")
    if not found and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "libreoffice-writer-nogui"],
                       capture_output=True, timeout=1200, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("soffice")
    if not found:
        pytest.skip("LibreOffice (soffice) is not installed and could not be: apt-get install libreoffice-writer-nogui")
    return found


def test_libreoffice_converts_the_word_document_to_pdf(reports, tmp_path):
    from pypdf import PdfReader

    soffice = _soffice()
    profile = tmp_path / "profile"  # its own profile: no clash with another LibreOffice running
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(tmp_path), str(reports / "best2care.docx")], capture_output=True, timeout=180)
    pdf = tmp_path / "best2care.pdf"
    assert done.returncode == 0 and pdf.is_file(), done.stderr
    reader = PdfReader(str(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 8
    for heading in ("Executive summary", "1. Need for a DPIA", "5. Identify and assess risks", "7. Sign off and record outcomes"):
        assert heading in text


def test_word_fills_in_the_contents_page_numbers_as_it_opens_the_file(reports):
    with zipfile.ZipFile(reports / "best2care.docx") as z:
        settings = z.read("word/settings.xml").decode("utf-8")
        body = z.read("word/document.xml").decode("utf-8")
    assert '<w:updateFields w:val="true"/>' in settings and 'TOC \\o "1-2"' in body
    assert "press F9" not in body
