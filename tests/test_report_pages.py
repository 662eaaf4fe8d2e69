"""What a client reads: no internal code anywhere, question rows and blanks a reader can fill, tables that do not
leave one or two rows on a page, and the light HTML layer that `dpia analyse` uses."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from code_scan import codes_in
from conftest import SAMPLE_SLUGS, SAMPLES

from dpia import cli
from dpia.compare import compare, to_html
from dpia.html import Questions, Section, Table, Text, page
from dpia.report import build_report

ROOT = Path(__file__).resolve().parents[1]


def _notice(slug: str) -> str:
    return (SAMPLES / slug / "notice.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("slug", SAMPLE_SLUGS)
def test_no_report_shows_a_finding_code_vocabulary_code_file_name_or_path(slug):
    report = build_report(SAMPLES / slug)
    content = report.header().html() + "".join(s.html() for s in report.sections)
    assert codes_in(content, _notice(slug)) == []


def test_the_comparison_page_shows_no_internal_code():
    page = to_html(compare([SAMPLES / s for s in SAMPLE_SLUGS]))
    assert codes_in(page, "".join(_notice(s) for s in SAMPLE_SLUGS)) == []


@pytest.mark.parametrize("slug", SAMPLE_SLUGS)
def test_a_notice_profile_page_shows_no_internal_code(slug, tmp_path):
    out = tmp_path / "profile.html"
    assert cli.main(["analyse", str(SAMPLES / slug / "notice.txt"), "--format", "html", "--out", str(out)]) in (0, 1)
    page = out.read_text(encoding="utf-8")
    assert codes_in(page, _notice(slug)) == []
    assert "Finding" in page and "What it means" in page


def test_the_scan_finds_each_kind_of_code():
    page = ("<p>RETENTION_MISSING; needs idta, uk_addendum or bcr; art49_1_b; sch1.2; Record it in audit.yaml; "
            "Notice: notice.txt; 3 flow(s); data/samples/best2care; Status: read</p>")
    found = " ".join(codes_in(page))
    for token in ("RETENTION_MISSING", "uk_addendum", "art49_1_b", "sch1.2", "audit.yaml", "notice.txt", "flow(s)",
                  "data/samples/best2care", "Status: read"):
        assert token in found
    assert codes_in("<p>Quoted: see our cookies.txt</p>", quoted="see our cookies.txt") == []  # the notice's own words


def test_analyse_html_loads_neither_matplotlib_nor_pandera(tmp_path):
    notice, out = str(SAMPLES / "best2care" / "notice.txt"), str(tmp_path / "p.html")
    script = ("import sys\nfrom dpia import cli\n"
              f"cli.main(['analyse', {notice!r}, '--format', 'html', '--out', {out!r}])\n"
              "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'pandera', 'papermill', 'nbconvert', "
              "'weasyprint'})\nprint(heavy)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "p.html").read_text().startswith("<!DOCTYPE html>")


def test_the_report_notebook_ships_inside_the_package():
    from dpia.report import run

    notebook = run.notebook_path()
    assert notebook.is_file() and notebook.parent == Path(run.__file__).parent
    assert (ROOT / "notebooks" / "dpia_report.ipynb").resolve() == notebook.resolve()  # the auditor's copy is the same file
    assert "report/dpia_report.ipynb" in (ROOT / "pyproject.toml").read_text()


def test_a_missing_report_notebook_is_a_message_not_a_traceback(monkeypatch):
    from dpia.errors import DpiaError
    from dpia.report import run

    monkeypatch.setattr(run, "NOTEBOOK", "gone.ipynb")
    with pytest.raises(DpiaError, match="reinstall dpia"):
        run.notebook_path()


def test_a_question_row_shows_its_question_under_its_label_and_an_open_one_a_blank():
    from dpia.report.questions import Answer

    html = Questions([Answer("s1.aims", 1, "Aims", "What the project aims to achieve.", None),
                      Answer("s2.volume", 2, "Volume", "How much data.", "About 400 people")]).html()
    assert '<span class="label">Aims</span><span class="asks">What the project aims to achieve.</span>' in html
    assert '<td class="blank">To be completed</td>' in html and "About 400 people" in html
    css = page("t", "")
    for rule in ("table.questions th .asks { display: block", "td.blank {", "th { hyphens: none",
                 "tbody tr:nth-last-child(-n+2) { break-before: avoid", "table.short { break-inside: avoid"):
        assert rule in css


def test_risk_levels_take_the_colour_blind_safe_palette():
    from dpia.report import palette

    css = page("t", "")
    for level, colour in palette.LEVELS.items():
        assert f"td.{level} {{ background: {colour}" in css and f".badge.{level} {{ background: {colour}" in css


def test_no_page_holds_only_one_or_two_rows_of_a_table():
    from pypdf import PdfReader
    from weasyprint import HTML

    rows = __import__("pandas").DataFrame({"Row": [f"row{i:02d}" for i in range(20)], "Text": ["words " * 25] * 20})
    for filler in range(30, 52, 3):  # push the table so a page break falls at each place in it
        body = "".join(Text(f"Paragraph {i} " + "text " * 30).html() for i in range(filler)) + Table(rows).html()
        reader = PdfReader(io.BytesIO(HTML(string=page("t", body)).write_pdf()))
        texts = [p.extract_text() for p in reader.pages]
        per_page = [sum(f"row{i:02d}" in text for i in range(20)) for text in texts]
        assert all(n == 0 or n >= 3 for n in per_page), (filler, per_page)


def test_a_short_table_is_never_split():
    frame = __import__("pandas").DataFrame({"A": ["x"] * 4})
    assert '<table class="short">' in Table(frame).html()
    assert 'class="short"' not in Table(__import__("pandas").DataFrame({"A": ["x"] * 20})).html()


def test_comparison_csv_files_are_tidy_with_a_bom_and_no_live_formula(tmp_path):
    notice = tmp_path / "=HYPERLINK(1).txt"
    notice.write_text("We keep your data for 2 years. You may ask for a copy of it.", encoding="utf-8")  # no name: the file's
    c = compare([SAMPLES / "best2care", notice])
    written = c.write_csv(tmp_path, "cmp")
    for path in written:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        cells = [cell for row in rows for cell in row]
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t") for cell in cells if cell), path
    rows = list(csv.DictReader(io.StringIO((tmp_path / "cmp-elements.csv").read_text(encoding="utf-8-sig"))))
    assert set(rows[0]) == {"provider", "practice", "value"} and len(rows) == 2 * len(c.matrices["elements"])
    assert {r["provider"] for r in rows} == {"BEST2CARE", "'=HYPERLINK(1)"}


def test_index_and_comparison_link_each_other(tmp_path, capsys):
    from dpia.report.batch import index_page
    from dpia.report.run import Result

    out = tmp_path / "reports"
    out.mkdir()
    assert cli.main(["report", str(SAMPLES / "harmony-community-care"), "--out", str(out), "--format", "html", "-q"]) == 0
    assert cli.main(["compare", str(SAMPLES / "harmony-community-care"), str(SAMPLES / "best2care"),
                     "--out", str(out / "comparison.html"), "--format", "html"]) == 0
    comparison = (out / "comparison.html").read_text()
    index = (out / "index.html").read_text()
    assert 'href="index.html"' in comparison and 'href="harmony-community-care.html"' in comparison
    assert 'href="comparison.html"' in index
    assert ">draft" in index and ">ok<" not in index
    signed = index_page([Result("/a", "a", provider="A", outputs={"html": "a.html"},
                                summary={"signed_off": True, "draft": False, "dpia_required": True})])
    assert ">signed off<" in signed


def test_sections_of_a_report_part_are_found_by_name():
    section = Section(1, "k", "T", [Text("x", name="intro"), Table(__import__("pandas").DataFrame({"A": [1]}), name="t")])
    assert section.part("t").frame.A.tolist() == [1]
    with pytest.raises(KeyError, match="has no part 'nope'"):
        section.part("nope")


def test_the_compare_notebook_names_its_sections_and_never_slices_parts():
    source = (ROOT / "notebooks" / "compare_providers.ipynb").read_text()
    assert "parts[" not in source and 'comparison.section(\\"summary\\")' in source
