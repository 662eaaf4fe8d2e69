"""Compliance checks a DPO or the ICO would raise from the audit itself: consent stacked on other bases, a DPO who
also runs the business, and complaint routes recorded as in place that the audit's own note qualifies."""

from conftest import SAMPLES, edit_csv

from dpia.audit import load
from dpia.report import build_report
from dpia.rules import run_rules


def warnings(folder, rule):
    return [p for p in run_rules(load(folder)) if p.rule == rule]


def test_consent_beside_another_basis_for_one_activity_is_a_finding(sample_copy):
    [found] = warnings(SAMPLES / "community-living-well", "consent_beside_another_basis")
    assert found.severity == "warning" and found.column == "art6_basis"
    assert "beside Contract (Art 6(1)(b)) and Legitimate interests (Art 6(1)(f))" in found.message
    report = build_report(SAMPLES / "community-living-well")
    assert "A1" in report.section("necessity").part("compliance").frame.Where.str.cat()
    folder = sample_copy("community-living-well")
    edit_csv(folder / "activities.csv", "6(1)(a);6(1)(b);6(1)(f)", "6(1)(a)")
    assert not warnings(folder, "consent_beside_another_basis")


def test_a_dpo_who_is_also_a_director_or_the_controller_is_flagged_for_a_conflict_of_interest(sample_copy):
    [found] = warnings(SAMPLES / "case-management-cymru", "dpo_independence")
    assert "Art 38(6)" in found.message and "post as director" in found.message
    assert not warnings(SAMPLES / "harmony-community-care", "dpo_independence")
    folder = sample_copy("harmony-community-care")
    path = folder / "audit.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  dpo: HCCS's Data Protection Officer",
                                                             "  dpo: the Managing Director, as Data Protection Officer"),
                    encoding="utf-8")
    assert warnings(folder, "dpo_independence")


def test_a_complaint_route_recorded_as_in_place_shows_the_audits_note_of_what_it_lacks():
    text = build_report(SAMPLES / "case-management-cymru").section("necessity").part("complaints_met").text
    assert text.startswith("Recorded as in place: a way to complain")
    assert "The audit notes: people can raise a concern with CMC ('How to complain'); no form, timescale or response" in text
