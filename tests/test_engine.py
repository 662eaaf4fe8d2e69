"""Transfers, risk scoring, screening, the data-flow graph and saving."""

import pytest
from conftest import SAMPLES, edit_csv

from dpia import risk, transfers
from dpia.audit import load, save
from dpia.errors import AuditInvalid, DpiaError
from dpia.flows import build
from dpia.screening import screen

# ---- transfers ---------------------------------------------------------------------------


def test_uk_destination_is_not_a_restricted_transfer():
    checked = transfers.assess("GB")
    assert not checked.restricted and checked.verdict == "ok" and checked.severity is None


def test_uk_alias_reads_as_gb():
    assert transfers.assess("uk").country == "GB"


def test_eea_destination_is_an_approved_transfer_without_mechanism():
    checked = transfers.assess("DE", "")
    assert checked.restricted and checked.approval == "full" and checked.verdict == "ok"


def test_transfer_to_country_without_adequacy_needs_mechanism():
    checked = transfers.assess("IN", "")
    assert checked.verdict == "missing" and checked.severity == "error" and "India" in checked.message


def test_transfer_to_country_without_adequacy_with_idta_is_ok():
    assert transfers.assess("IN", "idta").verdict == "ok"


def test_mechanism_not_stated_is_a_gap():
    checked = transfers.assess("IN", "not stated")
    assert checked.verdict == "gap" and checked.severity == "warning"


def test_derogation_is_flagged_as_occasional_only():
    checked = transfers.assess("PH", "49(1)(b)")
    assert checked.mechanism == "art49_1_b" and checked.verdict == "check" and "occasional" in checked.message


def test_eu_sccs_alone_are_refused_for_the_uk():
    checked = transfers.assess("IN", "sccs")
    assert checked.verdict == "missing" and checked.severity == "error" and "UK Addendum" in checked.message


def test_adequacy_claimed_for_a_country_without_it():
    assert transfers.assess("IN", "adequacy").verdict == "gap"


def test_partial_adequacy_asks_to_confirm_the_recipient():
    checked = transfers.assess("US", "")
    assert checked.approval == "partial" and checked.verdict == "check" and "certified" in checked.message
    assert transfers.assess("US", "uk_addendum").verdict == "ok"


def test_unnamed_destination_is_unknown_not_a_transfer_gap():
    checked = transfers.assess("not stated", "")
    assert checked.location == "unknown" and checked.restricted is None
    assert checked.verdict == "unknown" and checked.severity == "warning"


def test_check_flows_returns_one_row_per_flow():
    audit = load(SAMPLES / "case-management-cymru")
    table = transfers.check_flows(audit.flows)
    assert len(table) == len(audit.flows)
    abroad = table[table.flow_id == "F12"].iloc[0]
    assert abroad.mechanism == "art49_1_b" and abroad.verdict == "check" and not abroad.restricted
    assert set(table[table.country == "GB"].verdict) == {"ok"}


# ---- risk ----------------------------------------------------------------------------------


@pytest.mark.parametrize("likelihood,severity,level", [
    ("remote", "minimal", "low"), ("remote", "severe", "medium"), ("possible", "significant", "medium"),
    ("possible", "severe", "high"), ("probable", "minimal", "medium"), ("probable", "severe", "high"),
])
def test_ico_matrix(likelihood, severity, level):
    assert risk.score(likelihood, severity, "ico") == level


@pytest.mark.parametrize("likelihood,severity,level", [
    ("negligible", "negligible", "low"), ("significant", "significant", "high"),
    ("limited", "maximum", "medium"), ("maximum", "limited", "medium"), ("maximum", "negligible", "medium"),
])
def test_cnil_matrix(likelihood, severity, level):
    assert risk.score(likelihood, severity, "cnil") == level


def test_scoring_an_unknown_level_is_a_clear_error():
    with pytest.raises(DpiaError, match="not a likelihood level of the ico method"):
        risk.score("likely", "severe")
    with pytest.raises(DpiaError, match="not a severity level"):
        risk.score("remote", "huge")


def test_register_scores_before_and_after_measures():
    audit = load(SAMPLES / "best2care")
    scored = risk.register(audit.risks, audit.risk_method)
    r1 = scored.set_index("risk_id").loc["R1"]
    assert (r1.inherent, r1.residual, r1.reduced) == ("high", "medium", True)


def test_register_can_be_scored_with_the_other_method():
    audit = load(SAMPLES / "best2care")
    scored = risk.register(audit.risks, "ico", "cnil")
    r1 = scored.set_index("risk_id").loc["R1"]
    assert (r1.likelihood, r1.severity, r1.inherent) == ("significant", "maximum", "high")
    assert set(scored.method) == {"cnil"}


def test_convert_rejects_levels_of_another_scale():
    with pytest.raises(DpiaError):
        risk.convert("maximum", "likelihood", "ico", "cnil")


def test_residual_high_risks_need_prior_consultation():
    audit = load(SAMPLES / "best2care")
    frame = audit.risks.copy()
    frame.loc[0, ["residual_likelihood", "residual_severity"]] = ["probable", "severe"]
    scored = risk.register(frame)
    assert list(risk.needs_prior_consultation(scored).risk_id) == ["R1"]
    assert risk.summary(scored)["highest_residual"] == "high"


def test_residual_above_inherent_warns(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "risks.csv", "restricted viewing,remote,minimal,", "restricted viewing,probable,severe,")
    audit = load(folder)
    assert any(p.rule == "residual_not_above_inherent" for p in audit.warnings)


# ---- screening -----------------------------------------------------------------------------


def test_best2care_needs_a_dpia_for_tracking_matching_and_sensitive_data():
    result = screen(load(SAMPLES / "best2care"))
    assert result.required
    assert {"wp248_sensitive_data", "wp248_vulnerable", "ico_tracking", "ico_data_matching"} <= set(result.met)
    assert any("WP248 criteria are met" in r for r in result.reasons)


def test_harmony_enquiries_need_a_dpia_for_the_health_they_describe_and_a_high_risk():
    result = screen(load(SAMPLES / "harmony-community-care"))
    assert result.required and result.high_risks == ["R2"]
    assert {"wp248_sensitive_data", "wp248_vulnerable"} <= set(result.met)


def test_enquiries_with_no_sensitive_data_need_a_dpia_only_because_a_risk_is_high(sample_copy):
    folder = _without_health(sample_copy("harmony-community-care"))
    result = screen(load(folder))
    assert result.required and result.high_risks == ["R2"] and "Art 35(1)" in result.reasons[-1]
    result = screen(load(_without_high_risks(folder)))
    assert not result.required and result.verdict == "DPIA not required"
    assert "record this screening decision" in result.reasons[0]


def _without_high_risks(folder):
    edit_csv(folder / "risks.csv", "A1;A2,probable,significant", "A1;A2,probable,minimal")
    return folder


def _without_health(folder):
    """Harmony's care enquiries as if they described no one's health, from the enquirer alone."""
    edit_csv(folder / "activities.csv", "enquirer;service_user,personal data in enquiry and contact forms;phone call details;"
             "follow-up contact;the care needs described,health,enquirer;relative,6(1)(a),,not stated,not stated,",
             "enquirer,personal data in enquiry and contact forms;phone call details;follow-up contact,,enquirer,6(1)(a),,,,")
    return folder


def test_chatbot_counts_as_innovative_technology():
    result = screen(load(SAMPLES / "community-living-well"))
    assert {"wp248_innovative", "ico_innovative_technology"} <= set(result.met)


def test_transfers_are_listed_as_screening_factors():
    result = screen(load(SAMPLES / "case-management-cymru"))
    assert any("F12" in f for f in result.factors)


def test_ico_items_that_need_a_wp248_criterion_do_not_count_alone(sample_copy):
    folder = _without_high_risks(_without_health(sample_copy("harmony-community-care")))
    path = folder / "audit.yaml"
    path.write_text(path.read_text().replace("screening: {}", "screening:\n  ico_tracking: true"))
    result = screen(load(folder))
    assert "ico_tracking" in result.met and not result.required


def test_answers_in_audit_yaml_add_criteria(sample_copy):
    folder = sample_copy("harmony-community-care")
    path = folder / "audit.yaml"
    path.write_text(path.read_text().replace(
        "screening: {}", "screening:\n  wp248_large_scale: {answer: true, reason: '40,000 enquiries a year'}\n"
        "  ico_denial_of_service: true"))
    result = screen(load(folder))
    assert result.required
    basis = result.criteria.set_index("code").loc["wp248_large_scale", "basis"]
    assert basis == ["audit.yaml: 40,000 enquiries a year"]


def test_large_scale_special_category_data_is_an_art35_case(sample_copy):
    folder = sample_copy()
    path = folder / "audit.yaml"
    path.write_text(path.read_text().replace("screening:\n", "screening:\n  wp248_large_scale: true\n"))
    result = screen(load(folder))
    assert "art35_3_b" in result.met and any("Art 35(3)" in r for r in result.reasons)


# ---- flows ---------------------------------------------------------------------------------


def test_graph_runs_from_sources_through_activities_to_recipients():
    audit = load(SAMPLES / "case-management-cymru")
    graph = build(audit)
    assert len(graph.layer(1)) == len(audit.activities)
    assert {n.kind for n in graph.layer(0)} == {"source"} and {n.kind for n in graph.layer(2)} == {"recipient"}
    [abroad] = [e for e in graph.edges if e.source == "activity:A7"]
    assert abroad.verdict == "check" and not abroad.transfer and abroad.location == "unknown"
    assert abroad in graph.own_staff and abroad not in graph.unknown  # own staff make no transfer, wherever they are
    assert len(graph.unknown) == 7 and all(e.unplaced and not e.own_staff for e in graph.unknown)


def test_graph_marks_no_transfer_for_uk_recipients():
    graph = build(load(SAMPLES / "optimise-healthcare"))
    gp = [e for e in graph.edges if e.target == "recipient:Your GP"]
    assert gp and not gp[0].transfer


# ---- save ----------------------------------------------------------------------------------


def test_save_round_trips_an_audit(sample_copy, tmp_path):
    audit = load(sample_copy())
    save(audit, tmp_path / "copy")
    again = load(tmp_path / "copy")
    assert again.errors == []
    assert again.activities.equals(audit.activities) and again.meta == audit.meta


def test_save_refuses_an_invalid_audit_and_writes_nothing(sample_copy):
    folder = sample_copy()
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    audit = load(folder)
    audit.tables["flows.csv"].loc[0, "activity_id"] = "A404"
    with pytest.raises(AuditInvalid, match="A404"):
        save(audit)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_save_leaves_no_temporary_files(sample_copy):
    folder = sample_copy()
    save(load(folder))
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_saved_files_are_readable_by_others(sample_copy):
    folder = sample_copy()
    save(load(folder))
    assert {oct(p.stat().st_mode & 0o777) for p in folder.glob("*.csv")} == {"0o644"}
