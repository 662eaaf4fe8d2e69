"""Comparing providers: the matrices carry the profiles' and audits' values, at any number of providers."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE_SLUGS, SAMPLES

from dpia import cli
from dpia.compare import NO_AUDIT, WIDE, compare, duration_days, sections, to_html

NOTICES = Path(__file__).parent / "notices"


@pytest.fixture(scope="module")
def samples():
    return compare([SAMPLES / s for s in SAMPLE_SLUGS])


def row(comparison, matrix, name):
    return comparison.matrices[matrix].loc[name].to_dict()


def test_only_case_management_cymru_transfers_outside_the_uk(samples):
    status = row(samples, "transfers", "Status")
    assert [p for p, s in status.items() if s == "outside UK/EEA"] == ["Case Management Cymru Ltd"]
    assert row(samples, "transfers", "Mechanisms")["Case Management Cymru Ltd"] == "derogation"


def test_only_optimise_states_no_retention(samples):
    status = row(samples, "retention", "Status")
    assert [p for p, s in status.items() if s == "none"] == ["Optimise Healthcare Group"]


def test_matrices_equal_the_profiles_values(samples):
    for provider in samples.providers:
        p = provider.profile
        elements = samples.matrices["elements"][provider.name]
        assert elements["Elements present"] == str(sum(e.present for k, e in p.elements.items() if p.applicable(k)))
        bases = samples.matrices["lawful_bases"][provider.name]
        assert sorted(k.split("(")[2][0] for k, v in bases.items() if v == "✓" and k.startswith("Art 6")) == p.art6
        findings = samples.matrices["findings"][provider.name]
        assert int(findings["High findings"]) == sum(f.severity == "high" for f in p.findings)
        assert {code for code, v in findings.items() if v == "✓"} == {f.code for f in p.findings}


def test_audit_rows_equal_the_audits(samples):
    verdicts = row(samples, "audits", "DPIA screening")
    assert verdicts["Harmony Community Care Services"] == "required"  # its R2 is high before measures
    assert verdicts["BEST2CARE"] == "required"
    assert row(samples, "audits", "Highest residual risk")["BEST2CARE"] == "medium"
    assert row(samples, "audits", "Risks assessed")["Case Management Cymru Ltd"] == "7"


def test_retention_extremes(samples):
    assert row(samples, "retention", "Shortest period stated")["Case Management Cymru Ltd"] == "1 year"
    assert row(samples, "retention", "Longest period stated")["Case Management Cymru Ltd"] == "7 years"


def test_scores_rank_providers_by_share_of_applicable_elements(samples):
    scores = samples.scores
    assert list(scores.Rank) == sorted(scores.Rank)
    top = scores.iloc[0]
    assert top.Provider == "Case Management Cymru Ltd" and top.Score == round(top.Present / top.Applicable, 3)
    assert scores.iloc[-1].Provider == "Optimise Healthcare Group"


def test_notices_and_audits_mix_and_notice_only_rows_say_no_audit():
    c = compare([SAMPLES / "best2care", NOTICES / "nhs-trust.txt", NOTICES / "care-home.html"])
    audits = c.matrices["audits"]
    assert set(audits["Riverside NHS Foundation Trust"]) == {NO_AUDIT}
    assert audits["BEST2CARE"]["DPIA screening"] == "required"
    assert [p.kind for p in c.providers] == ["audit", "notice", "notice"]


def test_unreadable_providers_are_listed_not_fatal(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    c = compare([SAMPLES / "best2care", empty, tmp_path / "missing"])
    assert [p.error is None for p in c.providers] == [True, False, False]
    assert list(c.matrices["elements"].columns) == ["BEST2CARE"]
    assert "could not be read" in to_html(c)


def test_duplicate_names_are_told_apart():
    c = compare([SAMPLES / "best2care", SAMPLES / "best2care"])
    assert list(c.matrices["elements"].columns) == ["BEST2CARE", "BEST2CARE (2)"]


@pytest.mark.parametrize("text,days", [("7 years", 2556.75), ("90 days", 90), ("six months after", 182.64),
                                       ("length of our involvement plus 3 years", 1095.75), ("as long as needed", None)])
def test_duration_days(text, days):
    assert duration_days(text) == (pytest.approx(days) if days else None)


def test_html_is_self_contained_and_escaped(tmp_path):
    notice = tmp_path / "ev<b>il.txt"
    notice.write_text("Evil <script>alert(1)</script> Care Privacy Notice\n\nWe are Evil <b>Care</b> Ltd. We keep data for 2 years.")
    page = to_html(compare([SAMPLES / "harmony-community-care", notice]))
    assert "<script>" not in page and "<b>" not in page and "ev&lt;b&gt;il.txt" in page
    assert "http://" not in page and "https://" not in page
    assert page.count("data:image/svg+xml;base64,") >= 3


def test_many_providers_turn_the_tables_and_split_the_heatmap(tmp_path):
    text = (SAMPLES / "best2care" / "notice.txt").read_text()
    paths = []
    for i in range(WIDE + 31):
        path = tmp_path / f"p{i:03d}.txt"
        path.write_text(f"Provider {i:03d} Privacy Notice\n\n" + text)
        paths.append(path)
    c = compare(paths, workers=1)
    assert c.wide
    parts = sections(c)
    elements = parts[2]
    assert sum(1 for p in elements.parts if type(p).__name__ == "Image") == 2  # 61 providers in pages of 50
    table = [p for p in elements.parts if type(p).__name__ == "Table"][0]
    assert table.frame.columns[0] == "Provider" and len(table.frame) == WIDE + 31 and table.scroll


def test_cli_writes_html_pdf_and_csv(tmp_path, capsys):
    out = tmp_path / "cmp" / "comparison.html"
    code = cli.main(["compare", str(SAMPLES / "best2care"), str(NOTICES / "gp-practice.txt"), "--out", str(out),
                     "--format", "html,pdf,csv"])
    assert code == 0
    assert out.is_file() and out.with_suffix(".pdf").is_file()
    with open(out.parent / "comparison-transfers.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["practice", "BEST2CARE", "Oakwood Surgery"] and rows[1][0] == "Status"
    assert "transparency ranking: 1." in capsys.readouterr().out


def test_cli_rejects_unknown_format_and_flags_bad_paths(tmp_path, capsys):
    assert cli.main(["compare", str(SAMPLES / "best2care"), "--format", "docx", "--out", str(tmp_path / "c.html")]) == 2
    assert "unknown format 'docx'" in capsys.readouterr().err
    assert cli.main(["compare", str(SAMPLES / "best2care"), str(tmp_path / "nope.txt"), "--out", str(tmp_path / "c.html")]) == 1


def test_every_notebook_runs_headless_on_the_samples(tmp_path):
    """The comparison notebook (the report notebook runs in test_reports' batch)."""
    import papermill

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "compare_providers.ipynb"
    out = tmp_path / "compare.ipynb"
    papermill.execute_notebook(str(notebook), str(out), parameters={"paths": [str(SAMPLES / s) for s in SAMPLE_SLUGS]},
                               kernel_name="python3", progress_bar=False, cwd=str(notebook.parent))
    assert "Case Management Cymru Ltd" in out.read_text()


def test_benchmark_script_runs_small():
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "compare_providers.py"
    result = subprocess.run([sys.executable, str(script), "--count", "6", "--audits", "1", "--workers", "1"],
                            capture_output=True, text=True, check=True)
    assert "6 providers (1 audits)" in result.stdout
