"""The pieces behind the hostile-input suite, in process: summarised reports and comparisons (with small thresholds),
report names, safe reading, terminal text and spreadsheet cells."""

import csv
import json
import os
from pathlib import Path

import pytest
from conftest import SAMPLES, edit_csv

from dpia import compare as cmp
from dpia.errors import InputError
from dpia.files import inside, read_bytes, read_stream, remove_stale_temps, temp_beside
from dpia.flows import Edge, FlowGraph, Node
from dpia.report import build_report, large
from dpia.report.batch import slugs
from dpia.tables import defuse_formula, records
from dpia.terminal import clean, clean_json


@pytest.fixture
def small_thresholds(monkeypatch):
    monkeypatch.setattr(large, "LARGE", 5)
    monkeypatch.setattr(large, "ROWS", 3)
    monkeypatch.setattr(large, "PROVIDERS", 2)


def test_a_large_audit_report_keeps_the_rows_that_raise_findings_and_attaches_every_row(small_thresholds, tmp_path):
    report = build_report(SAMPLES / "best2care", attachments=tmp_path / "best2care.tables")
    retention = report.section(2).part("retention").frame
    assert len(retention) == 3 and set(retention.Retention) == {"not stated"}  # gaps first
    notes = [p.text for p in report.section(2).parts if isinstance(p, large.Text) and p.style == "note"]
    assert any(n.startswith("9 rows;") and "best2care.tables/2-activities.csv" in n for n in notes)
    with (tmp_path / "best2care.tables" / "2-activities.csv").open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 9
    register = report.section(5).part("register").frame
    assert len(register) == 3 and register["Overall risk"].iloc[0] == "high"  # the highest risks first
    assert report.summary()["findings"] == len(report.profile.findings)  # counts stay on everything


def test_a_small_audit_report_is_not_summarised():
    report = build_report(SAMPLES / "best2care")
    assert len(report.section(2).part("activities").frame) == 9
    assert not any(isinstance(p, large.Text) and "rows;" in p.text for s in report.sections for p in s.parts)


def test_long_cells_and_lists_are_cut_with_a_count():
    assert large.cut("x" * 10) == "x" * 10
    cut = large.cut("y" * 5000, 100)
    assert cut.startswith("y" * 100) and "4,900 more characters" in cut


def test_the_diagram_of_a_large_graph_counts_what_it_does_not_draw():
    nodes = [Node("source:s", "S", 0, "source")] + [Node(f"activity:A{i}", f"A{i}", 1, "activity") for i in range(100)]
    nodes += [Node("recipient:r", "R", 2, "recipient"), Node("recipient:abroad", "Abroad", 2, "recipient")]
    edges = [Edge("source:s", f"activity:A{i}") for i in range(100)] + [Edge(f"activity:A{i}", "recipient:r") for i in range(100)]
    edges.append(Edge("activity:A77", "recipient:abroad", transfer=True, verdict="gap", location="abroad"))
    small = large.diagram_graph(FlowGraph(nodes, edges))
    activities = small.layer(1)
    assert len(activities) == large.DIAGRAM_ACTIVITIES and "activity:A77" in {n.id for n in activities}  # transfers kept
    assert activities[-1].label.startswith("71 more activities")
    assert len(small.edges) < 70 and any(e.transfer for e in small.edges)


def test_a_comparison_of_many_providers_gives_counts(small_thresholds, tmp_path):
    paths = [SAMPLES / s for s in ("best2care", "harmony-community-care", "optimise-healthcare")] + [tmp_path / "nope.txt"]
    comparison = cmp.compare(paths, audit_date="2026-11-23")
    assert comparison.summarised
    page = cmp.to_html(comparison, "c")
    assert "4 providers: 3 read" in page and "c-&lt;matrix&gt;.csv" in page and "nope.txt" in page
    assert "3 from desk reviews of the notice" in page and "full audit" not in page
    ranking = next(s for s in large.comparison_sections(comparison) if s.key == "transparency").part("ranking").frame
    assert "Harmony Community Care Services" not in set(ranking.Provider)  # narrower scope: scored, not ranked
    assert "1 provider of narrower scope" in page and ranking.Rank.notna().all()
    prevalence = large._prevalence(comparison.matrices["elements"].iloc[:-1], 3)
    assert set(prevalence.columns) == {"Practice", "Providers", "Share"} and "of 3" in prevalence.Share.iloc[0]


def test_report_names_never_collide():
    assert slugs([Path("a/x"), Path("b/x"), Path("c/x-2")]) == ["x", "x-3", "x-2"]
    assert slugs([Path("a/index"), Path("b/Comparison")]) == ["index-2", "Comparison-2"]
    assert slugs([Path("a/X"), Path("b/x")]) == ["X", "x-2"]
    record = {"x": {"audit": str(Path("other/x").resolve())}, "y": {"audit": str(Path("b/y").resolve())}}
    assert slugs([Path("a/x"), Path("b/y")], record) == ["x-2", "y"]  # x is another audit's; y is this one's
    assert slugs([Path("a/\x1b]0;t\x07")]) == ["_]0;t_"]


def test_reading_is_bounded_and_refuses_what_is_not_a_regular_file(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * 100)
    assert read_bytes(path, 100) == b"x" * 100
    with pytest.raises(InputError, match="too large"):
        read_bytes(path, 99)
    with pytest.raises(InputError, match="a folder"):
        read_bytes(tmp_path, 10)
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InputError, match="named pipe"):
        read_bytes(tmp_path / "pipe", 10)
    with open("/dev/zero", "rb") as zero, pytest.raises(InputError, match="too large"):
        read_stream(zero, 1000)


def test_paths_must_stay_inside_the_folder(tmp_path):
    (tmp_path / "audit").mkdir()
    assert inside(tmp_path / "audit", "notice.txt") == (tmp_path / "audit" / "notice.txt").resolve()
    for name in ("../x", "/etc/passwd", "a/../../x"):
        with pytest.raises(InputError, match="must be inside the audit folder"):
            inside(tmp_path / "audit", name)
    (tmp_path / "audit" / "link").symlink_to(tmp_path)
    with pytest.raises(InputError):
        inside(tmp_path / "audit", "link/secret.txt")


def test_stale_temporary_files_of_dead_writers_are_removed(tmp_path):
    live = temp_beside(tmp_path / "a.html")
    dead = tmp_path / ".b.html.999999999-abcdefgh.tmp"
    dead.write_text("")
    other = tmp_path / ".notes.tmp"
    other.write_text("")
    assert remove_stale_temps(tmp_path) == [dead]
    assert live.exists() and other.exists()


def test_terminal_text_shows_control_characters_instead_of_obeying_them():
    assert clean("a\x1b]0;t\x07b\x9b2J\u202ec") == "a\\x1b]0;t\\x07b\\x9b2J\\u202ec"
    assert clean("\x1b[32m✓\x1b[0m \x1b]52;c;x\x07", colour=True) == "\x1b[32m✓\x1b[0m \\x1b]52;c;x\\x07"
    text = clean_json(json.dumps({"k": "a\x1b\x9b\u202e"}, ensure_ascii=False))
    assert json.loads(text) == {"k": "a\x1b\x9b\u202e"} and "\x9b" not in text and "\x1b" not in text


@pytest.mark.parametrize("cell,written", [("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-cmd|x", "'-cmd|x"), ("@SUM(A1)", "'@SUM(A1)"),
                                          ("\tx", "'\tx"), ("-3", "-3"), ("+4.5", "+4.5"), ("care", "care"), (3, 3)])
def test_spreadsheet_formulas_are_written_as_text(cell, written):
    assert defuse_formula(cell) == written


def test_records_match_to_dict(sample_copy):
    from dpia.audit import load

    folder = sample_copy()
    edit_csv(folder / "risks.csv", "R1,", "R1,")
    frame = load(folder).activities
    assert records(frame) == frame.to_dict("records")


def test_many_providers_are_read_in_worker_processes(monkeypatch, tmp_path):
    monkeypatch.setattr(cmp, "PARALLEL_FROM", 2)
    paths = [SAMPLES / "best2care", SAMPLES / "harmony-community-care" / "notice.txt", tmp_path / "nope.txt"]
    providers = cmp.read_providers(paths, "2026-11-23", workers=2)
    assert [p.error is None for p in providers] == [True, True, False]
    assert providers[0].profile.to_dict() == cmp.read_provider(paths[0], "2026-11-23").profile.to_dict()
