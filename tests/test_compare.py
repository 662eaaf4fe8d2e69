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
    status = row(samples, "transfers", "What the notice says")
    assert [p for p, s in status.items() if s == "outside the UK, beyond the EEA"] == ["Case Management Cymru Ltd"]
    assert row(samples, "transfers", "Transfer routes named")["Case Management Cymru Ltd"] == "an Art 49 derogation"


def test_only_optimise_states_no_retention(samples):
    status = row(samples, "retention", "What the notice says")
    assert [p for p, s in status.items() if s == "not stated"] == ["Optimise Healthcare Group"]


def test_matrices_equal_the_profiles_values(samples):
    from dpia import vocab
    from dpia.compare import applicable, term

    for provider in samples.providers:
        p = provider.profile
        elements = samples.matrices["elements"][provider.name]
        assert elements["Elements present"] == str(sum(p.elements[k].present for k in applicable(provider)))
        bases = samples.matrices["lawful_bases"][provider.name]
        claimed = {vocab.cited(t) for t in vocab.get("art6") if t["letter"] in p.art6}
        assert {k for k, v in bases.items() if v in ("audit and notice", "notice only") and "Art 6" in k} == claimed
        recorded = {vocab.cited(t) for t in vocab.get("art6") if t.code in provider.audit["art6"]}
        assert {k for k, v in bases.items() if v in ("audit and notice", "audit only") and "Art 6" in k} == recorded
        findings = samples.matrices["findings"][provider.name]
        assert int(findings["High findings"]) == sum(f.severity == "high" for f in p.findings)
        assert {title for title, v in findings.items() if v == "found"} == {term("finding", f.code) for f in p.findings}


def test_audit_rows_equal_the_audits(samples):
    verdicts = row(samples, "audits", "DPIA screening")
    assert verdicts["Harmony Community Care Services"] == "required"  # its R2 is high before measures
    assert verdicts["BEST2CARE"] == "required"
    assert row(samples, "audits", "Highest residual risk")["BEST2CARE"] == "medium"
    assert row(samples, "audits", "Risks assessed")["Case Management Cymru Ltd"] == "7"


def test_retention_extremes(samples):
    assert row(samples, "retention", "Shortest period stated")["Case Management Cymru Ltd"] == "1 year"
    assert row(samples, "retention", "Longest period stated")["Case Management Cymru Ltd"] == "7 years"


def test_scores_weigh_findings_by_severity_over_the_elements_that_apply(samples):
    from dpia.compare import WEIGHTS, counted_findings

    scores = samples.scores.set_index("Provider")
    ranks = list(samples.scores.Rank.dropna())
    assert ranks == sorted(ranks) and samples.scores.Rank.notna().tolist() == sorted(samples.scores.Rank.notna(), reverse=True)
    for provider in samples.providers:
        row = scores.loc[provider.name]
        penalty = sum(WEIGHTS[f.severity] for f in counted_findings(provider))
        assert row.Penalty == penalty and row.Score == pytest.approx(max(0, row.Present - penalty) / row.Applicable, abs=0.001)
    # Case Management Cymru's notice has the most elements but relies on an Art 49 derogation, cites the EU GDPR and
    # claims consent without telling people they may withdraw it
    cmc = scores.loc["Case Management Cymru Ltd"]
    assert cmc.Present == scores.Present.max() and cmc.Coverage == 0.95 and cmc.Score < 0.85
    assert samples.ranked.iloc[-1].Provider == "Optimise Healthcare Group"


def test_a_finding_that_only_restates_an_absent_element_is_not_deducted_twice(samples):
    from dpia.compare import counted_findings

    optimise = next(p for p in samples.providers if p.name == "Optimise Healthcare Group")
    codes = {f.code for f in optimise.profile.findings}
    assert "RETENTION_MISSING" in codes and not optimise.profile.elements["retention"].present
    assert "RETENTION_MISSING" not in {f.code for f in counted_findings(optimise)}


def test_applicable_elements_follow_the_audit_where_there_is_one(samples):
    from dpia.compare import not_applicable_because

    best2care = next(p for p in samples.providers if p.name == "BEST2CARE")
    assert "6(1)(a)" in best2care.audit["art6"]  # its audit records consent for marketing and research
    assert not_applicable_because(best2care, "right_withdraw_consent") is None
    harmony = next(p for p in samples.providers if p.name == "Harmony Community Care Services")
    assert harmony.facts.from_others and not_applicable_because(harmony, "source_of_data") is None  # enquirers describe others
    assert all(not_applicable_because(p, "cookies") for p in samples.providers)  # PECR, never Art 13/14


def test_providers_audited_on_a_narrower_scope_are_marked(samples):
    notes = row(samples, "audits", "Scope compared")
    harmony = notes["Harmony Community Care Services"]
    assert harmony.startswith("narrower") and "website visitors" in harmony
    assert notes["BEST2CARE"] == "comparable"
    assert samples.scores.set_index("Provider").loc["Harmony Community Care Services", "Scope"].startswith("narrower")


def test_only_an_audit_whose_scope_says_it_leaves_processing_out_or_that_lacks_the_care_itself_is_narrower(samples):
    notes = row(samples, "audits", "Scope compared")
    assert "separate policies not reviewed here" in notes["Harmony Community Care Services"]
    assert notes["Community Living Well"] == "comparable"  # it records no enquirers, but its scope is the whole service


def test_providers_of_narrower_scope_are_listed_apart_unranked_with_the_reason(samples):
    assert samples.scores.set_index("Provider").Rank.isna().to_dict() == {
        p.name: p.name == "Harmony Community Care Services" for p in samples.providers}
    section = samples.section("transparency")
    assert "Harmony" not in section.part("ranking").frame.Provider.str.cat()
    assert section.part("unranked").frame.Provider.tolist() == ["Harmony Community Care Services"]
    assert "not ranked: it was audited on a narrower scope (its scope says" in samples.section("summary").html()


def test_the_comparison_names_coverage_and_score_apart_and_shows_both(samples):
    section = samples.section("transparency")
    assert "Coverage, as each provider's DPIA report gives it" in section.part("formula").text
    frame = section.part("ranking").frame.set_index("Provider")
    assert frame.loc["Case Management Cymru Ltd", "Coverage"] == "95%" and frame.loc["Case Management Cymru Ltd", "Score"] == "79%"


def test_desk_reviews_are_not_called_full_audits(samples, tmp_path):
    import shutil

    count = samples.section("summary").part("count").text
    assert count.startswith("5 providers compared: 5 from desk reviews of the notice, with the auditor's inventory")
    assert "full audit" not in samples.section("summary").html() + samples.section("providers").html()
    assert set(samples.section("providers").part("providers").frame["Assessed from"]) == {
        "desk review of the notice, with the auditor's inventory"}
    folder = tmp_path / "onsite"
    shutil.copytree(SAMPLES / "best2care", folder)
    (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text().replace("desk_review: true", "desk_review: false"))
    c = compare([folder, NOTICES / "nhs-trust.txt"])
    assert c.section("providers").part("providers").frame["Assessed from"].tolist() == ["audit", "notice only"]
    assert c.section("summary").part("count").text.startswith("2 providers compared: 1 from an audit; 1 from the privacy notice alone")


def test_transfers_are_said_to_leave_the_uk_the_eea_included(samples):
    text = samples.section("summary").html() + samples.section("transfers").html()
    assert "UK or EEA" not in text and "UK/EEA" not in text
    assert "Transfers outside the UK (the EEA included): the audits record flows from BEST2CARE" in text
    assert row(samples, "transfers", "Flows outside the UK (audit)")["Harmony Community Care Services"] == "1 flow to a location not stated"


def test_each_disagreement_on_lawful_bases_is_its_own_point(samples):
    points = [p for p in samples.section("summary").part("points").items if p.startswith("Optimise Healthcare Group: ")]
    assert any(p.startswith("Optimise Healthcare Group: its audit records") for p in points)
    assert any(p.startswith("Optimise Healthcare Group: the notice claims") for p in points)
    assert not any(" and the notice claims" in p for p in points)


def test_lawful_bases_say_which_come_from_the_audit_and_which_from_the_notice(samples):
    bases = samples.matrices["lawful_bases"]
    assert bases.loc["Consent (Art 6(1)(a))", "BEST2CARE"] == "audit only"
    assert bases.loc["Consent (Art 6(1)(a))", "Case Management Cymru Ltd"] == "notice only"
    assert bases.loc["Contract (Art 6(1)(b))", "BEST2CARE"] == "audit and notice"
    key = samples.section("lawful-bases").part("key").text
    assert "'Audit' is the auditor's record of processing" in key and "'Notice' is what the provider's privacy notice claims" in key


def test_the_comparison_opens_with_an_executive_summary_and_shows_its_formula(samples):
    summary = samples.section("summary")
    text = summary.html()
    assert "Most transparent of the 4 providers of comparable scope:" in text and "narrower scope" in text and "are drafts" in text
    assert "Score = (elements present − 1 × high findings" in samples.section("transparency").html()
    assert [s.key for s in sections(samples)][:3] == ["summary", "providers", "transparency"]
    with pytest.raises(KeyError, match="no section 'nope'"):
        samples.section("nope")


def test_notice_only_providers_count_elements_from_the_notice():
    from dpia.compare import not_applicable_because

    c = compare([NOTICES / "nhs-trust.txt"])
    provider = c.providers[0]
    adm = ("right_automated_decisions", "automated_decision_making")  # only where the notice describes such decisions
    assert provider.facts is None
    assert all(not_applicable_because(provider, k) == provider.profile.not_applicable_because(k)
               for k in provider.profile.elements if k not in adm)
    assert c.matrices["lawful_bases"].isin(["", "notice"]).all().all()


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
    assert "<script>" not in page and "<b>" not in page and "ev&lt;b&gt;il" in page
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
    elements = c.section("elements")
    assert sum(1 for p in elements.parts if type(p).__name__ == "Image") == 2  # 61 providers in pages of 50
    table = [p for p in elements.parts if type(p).__name__ == "Table"][0]
    assert table.frame.columns[0] == "Provider" and len(table.frame) == WIDE + 31 and table.scroll


def test_cli_writes_html_pdf_and_csv(tmp_path, capsys):
    out = tmp_path / "cmp" / "comparison.html"
    code = cli.main(["compare", str(SAMPLES / "best2care"), str(NOTICES / "gp-practice.txt"), "--out", str(out),
                     "--format", "html,pdf,csv"])
    assert code == 0
    assert out.is_file() and out.with_suffix(".pdf").is_file()
    raw = (out.parent / "comparison-transfers.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark: Excel reads £ and accents
    with open(out.parent / "comparison-transfers.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["provider", "practice", "value"]  # long form: one row per provider and practice
    assert ["BEST2CARE", "What the notice says", "in the UK or the EEA (the EEA is outside the UK)"] in rows
    with open(out.parent / "comparison-elements.csv", encoding="utf-8-sig", newline="") as fh:
        values = {r["value"] for r in csv.DictReader(fh)}
    assert "✓" not in values and {"yes", "no"} <= values
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


def test_a_comparison_that_fits_shows_the_elements_once_as_a_marked_table(samples):
    parts = samples.section("elements").parts
    assert [type(p).__name__ for p in parts] == ["Table"]  # no heatmap repeating the table in miniature
