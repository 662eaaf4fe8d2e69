"""DPIA reports: the notebook runs headless on every sample, and the HTML and PDF are what a client can be sent."""

import re
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE_SLUGS, SAMPLES, edit_csv

from dpia import cli
from dpia.errors import AuditInvalid, DpiaError
from dpia.report import build_report
from dpia.report.batch import index_page, run_batch, slugs
from dpia.report.run import Result, parse_formats

HEADINGS = ["Executive summary", "1. Need for a DPIA", "2. Description of the processing", "3. Consultation",
            "4. Necessity and proportionality", "5. Identify and assess risks", "6. Measures to reduce risk",
            "7. Sign off and record outcomes", "Document control, method and limits"]
EVIL = "<script>alert('pwned')</script> and <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One batch for the whole module: every sample, a notice with markup in it, and a broken audit."""
    root = tmp_path_factory.mktemp("batch")
    evil = root / "evil-care"
    shutil.copytree(SAMPLES / "harmony-community-care", evil)
    notice = evil / "notice.txt"
    notice.write_text(f"Evil Care is the data controller {EVIL}.\n\n" + notice.read_text(encoding="utf-8"), encoding="utf-8")
    meta = (evil / "audit.yaml").read_text().replace("provider: Harmony Community Care Services",
                                                       "provider: \"Evil <b>Care</b> & Co\"")
    (evil / "audit.yaml").write_text(meta)
    broken = root / "broken-care"
    shutil.copytree(SAMPLES / "best2care", broken)
    edit_csv(broken / "flows.csv", "F1,A4,", "F1,A404,")
    audits = [SAMPLES / s for s in SAMPLE_SLUGS] + [evil, broken]
    out = root / "reports"
    results = run_batch(audits, out, workers=2, progress=False)
    return out, {r.slug: r for r in results}


def test_every_sample_report_is_produced(batch):
    out, results = batch
    for slug in SAMPLE_SLUGS:
        r = results[slug]
        assert r.ok, r.error
        assert (out / f"{slug}.html").is_file() and (out / f"{slug}.pdf").is_file() and (out / f"{slug}.ipynb").is_file()
        assert r.summary["provider"] == r.provider


def test_report_html_has_every_section_in_order(batch):
    out, _ = batch
    html = (out / "case-management-cymru.html").read_text()
    positions = [html.index(h) for h in HEADINGS]
    assert positions == sorted(positions)


def test_html_loads_nothing_from_the_network(batch):
    out, _ = batch
    for page in out.glob("*.html"):
        html = page.read_text()
        assert not re.search(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I), page
        assert "<script" not in html.lower(), page
        assert "require.js" not in html and "mathjax" not in html.lower()
        assert "data:image/svg+xml;base64," in html or page.name == "index.html"


def test_markup_in_a_notice_and_an_audit_file_shows_as_text(batch):
    out, results = batch
    assert results["evil-care"].ok, results["evil-care"].error
    html = (out / "evil-care.html").read_text()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Care</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;alert(" in html
    assert "Evil &lt;b&gt;Care&lt;/b&gt; &amp; Co" in html
    index = (out / "index.html").read_text()
    assert "<b>Care</b>" not in index and "Evil &lt;b&gt;Care&lt;/b&gt;" in index


def test_a_broken_audit_is_reported_while_the_others_complete(batch):
    out, results = batch
    broken = results["broken-care"]
    assert not broken.ok and "A404" in broken.error and "flows.csv:2:activity_id" in broken.error
    index = (out / "index.html").read_text()
    assert "failed:" in index and "A404" in index
    assert sum(r.ok for r in results.values()) == len(SAMPLE_SLUGS) + 1


def test_the_pdf_holds_every_section_heading(batch):
    from pypdf import PdfReader

    out, _ = batch
    reader = PdfReader(out / "best2care.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    for heading in HEADINGS:
        assert heading in text
    assert "Page 1 of" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


def test_index_links_every_report_with_its_verdict(batch):
    out, results = batch
    index = (out / "index.html").read_text()
    for slug in SAMPLE_SLUGS:
        assert f'href="{slug}.html"' in index and f'href="{slug}.pdf"' in index
    assert "DPIA required" in index and index.count("DPIA required") >= len(SAMPLE_SLUGS)


def test_report_content_matches_the_library():
    report = build_report(SAMPLES / "optimise-healthcare")
    assert [s.heading for s in report.sections] == HEADINGS
    assert report.summary()["findings"] == len(report.profile.findings)
    register = report.section(5).part("register").frame
    assert list(register.ID) == list(report.audit.risks.risk_id)
    assert list(register["Overall risk"]) == list(report.scored.inherent)
    retention = report.section(2).part("retention").frame
    assert set(retention.Retention) == {"not stated"}
    assert "Not yet signed off" in report.section(7).html()


def test_report_can_be_scored_with_the_cnil_method():
    report = build_report(SAMPLES / "best2care", risk_method="cnil")
    assert report.method == "cnil" and set(report.scored.method) == {"cnil"}
    assert "CNIL" in report.section(5).html()


def test_signed_off_audit_shows_its_approvals(sample_copy):
    folder = sample_copy()
    path = folder / "audit.yaml"
    text = path.read_text().replace("dpo_advice: null", "dpo_advice: {by: A. DPO, date: '2026-11-20', advice: Proceed, accepted: true}")
    text = text.replace("sign_off: null", "sign_off:\n- {name: B. Owner, role: Registered manager, date: '2026-11-22', decision: approved}")
    path.write_text(text)
    html = build_report(folder).section(7).html()
    assert "B. Owner" in html and "Proceed" in html and "Not yet signed off" not in html


def test_consultation_is_shown_when_recorded(sample_copy):
    folder = sample_copy()
    path = folder / "audit.yaml"
    entry = "consultation:\n- {with: Residents' meeting, date: '2026-10-01', summary: Support CCTV in corridors only}"
    path.write_text(path.read_text().replace("consultation: []", entry))
    assert "Support CCTV in corridors only" in build_report(folder).section(3).html()


def test_prior_consultation_is_flagged_for_residual_high_risk(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "risks.csv", "remote,severe,Registered manager", "probable,severe,Registered manager")
    html = build_report(folder).section(6).html()
    assert "Art 36(1)" in html and "R1" in html


def test_an_invalid_audit_cannot_be_reported(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "flows.csv", "F1,A4,", "F1,A404,")
    with pytest.raises(AuditInvalid, match="A404"):
        build_report(folder)


def test_formats_and_slugs():
    assert parse_formats("html, PDF") == ("html", "pdf")
    assert parse_formats("html,docx,pia") == ("html", "docx", "pia")
    with pytest.raises(DpiaError, match="unknown format 'dcox': did you mean 'docx'"):
        parse_formats("html,dcox")
    assert slugs([Path("a/x"), Path("b/x"), Path("c/y")]) == ["x", "x-2", "y"]


def test_index_page_escapes_errors():
    page = index_page([Result("/a", "a", provider="A <i>", error="boom <script>")])
    assert "<script>" not in page and "boom &lt;script&gt;" in page and "A &lt;i&gt;" in page


def test_cli_report_writes_one_report(tmp_path, capsys):
    assert cli.main(["report", str(SAMPLES / "harmony-community-care"), "--out", str(tmp_path), "--format", "html", "-q"]) == 0
    assert (tmp_path / "harmony-community-care.html").is_file() and not (tmp_path / "harmony-community-care.pdf").exists()
    assert "index:" in capsys.readouterr().out


def test_cli_report_on_a_missing_folder(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "not an audit folder" in capsys.readouterr().err
