"""The DPIA report reads as a consultant's document: every template question shown (a blank where open), counts that
agree with their nouns, the strongest reason first, complaint duties put as questions, and a layout that keeps
words, tags and headings whole."""

import html as htmllib
import re

import pandas as pd
import pytest
import yaml
from conftest import SAMPLE_SLUGS, SAMPLES, SHARED

from dpia import vocab
from dpia.html.parts import Heading, Section, Table, Text, fitted
from dpia.report import build_report
from dpia.report.figures import _wrap
from dpia.report.questions import OPEN
from dpia.words import agree, cut, fit, plural

REPORTS: dict = {}


def report(slug: str):
    if slug not in REPORTS:
        REPORTS[slug] = build_report(SAMPLES / slug)
    return REPORTS[slug]


def text_of(r) -> str:
    """The report's visible words, as one line of text."""
    body = re.sub(r"<[^>]+>", " ", r.body_html())
    return " ".join(htmllib.unescape(body).split())


def edit_meta(folder, change) -> None:
    path = folder / "audit.yaml"
    meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(meta)
    path.write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")


TEMPLATE = SHARED / "reviews" / "ICO-DPIA-TEMPLATE.md"


@pytest.mark.skipif(not TEMPLATE.exists(), reason="../shared/reviews (the ICO template's checklist) is not here")
def test_the_template_questions_in_the_vocabulary_are_the_ico_checklist():
    checklist = re.findall(r"^\| `([a-z0-9_.]+)` \|", TEMPLATE.read_text(), re.M)
    assert sorted(t.code for t in vocab.get("ico_template") if t["in_template"]) == sorted(checklist)


def test_the_summary_says_how_many_of_the_template_questions_are_open():
    in_template = sum(1 for t in vocab.get("ico_template") if t["in_template"])
    r = report("case-management-cymru")
    undecided = " ".join(r.section("summary").part("undecided").items)
    template_open = sum(a.open and a.in_template for a in r.questions())
    assert f"{template_open} of the {in_template} questions of the ICO template" in undecided
    assert "further question" in undecided  # systems and the legitimate interests assessment are this DPIA's own


def test_the_header_names_the_dpo_and_shows_a_blank_for_a_missing_ico_registration(sample_copy):
    facts = dict(report("harmony-community-care").header().facts())
    assert facts["Data protection officer"].startswith("HCCS's Data Protection Officer")
    assert facts["ICO registration"] == OPEN
    assert f'<td class="blank">{OPEN}</td>' in report("harmony-community-care").header().html()
    folder = sample_copy("harmony-community-care")
    edit_meta(folder, lambda m: (m["controller"].update(ico_registration="ZA123456"), m["controller"].pop("dpo")))
    facts = dict(build_report(folder).header().facts())
    assert facts["ICO registration"] == "ZA123456" and facts["Data protection officer"] == OPEN


def test_the_sign_off_table_has_a_next_review_date_that_stays_blank_until_the_audit_gives_one(sample_copy):
    table = report("best2care").section("sign-off").part("sign_off").frame.set_index("Item")
    assert table.loc["Next review date", "Name, date and decision"] == OPEN
    folder = sample_copy()
    edit_meta(folder, lambda m: m.update(review={"by": "the registered manager", "next_date": "2027-06-01"}))
    table = build_report(folder).section("sign-off").part("sign_off").frame.set_index("Item")
    assert table.loc["Next review date", "Name, date and decision"] == "1 June 2027"
    assert table.loc["Kept under review by", "Name, date and decision"] == "the registered manager"


def test_a_complaint_duty_the_audit_does_not_record_is_a_question_to_confirm_not_a_gap():
    r = report("community-living-well")  # form and ICO route recorded; acknowledgement and response 'not stated'
    necessity = r.section("necessity")
    items = necessity.part("complaints").items
    assert "Confirm that the controller acknowledges a complaint within 30 days of receiving it (DPA 2018 s.164A(3))." in items
    assert all(i.startswith("Confirm that") for i in items)
    assert "a way to complain" in necessity.part("complaints_met").text
    words = text_of(r)
    assert "Gap recorded" not in words and "Missing:" not in words and "says nothing of an acknowledgement" not in words


def test_a_complaint_duty_recorded_as_not_met_is_said_to_be_required(sample_copy):
    folder = sample_copy("community-living-well")
    edit_meta(folder, lambda m: m["complaints"].update(form=False, acknowledge_days=45))
    items = build_report(folder).section("necessity").part("complaints").items
    assert any(i.startswith("The provider must make sure that the controller facilitates complaints") for i in items)
    assert "Complaints are acknowledged in 45 days, more than the 30 the law allows (DPA 2018 s.164A(3))." in items


def test_counts_agree_with_their_nouns():
    assert (plural(1, "risk"), plural(3, "risk"), plural(1, "criterion", "criteria"), plural(0, "flow")) == \
           ("1 risk", "3 risks", "1 criterion", "0 flows")
    assert (agree(1, "has", "have"), agree(2, "has", "have")) == ("has", "have")
    wrong = re.compile(r"\b1 (?:risks|flows|recipients|reasons|serious findings|restricted transfers|activities|"
                       r"further reasons|further questions)\b|\b1 of \d+ \w+ are\b|for the 1 reason|\(s\)")
    for slug in SAMPLE_SLUGS:
        assert not wrong.search(text_of(report(slug))), (slug, wrong.search(text_of(report(slug))))


def test_the_report_never_writes_a_label_for_a_sentence():
    for slug in SAMPLE_SLUGS:
        words = text_of(report(slug))
        for phrase in ("retention is none", "retention is vague", "at no stated date", "Purposes deemed compatible (Annex 2):",
                       "risks assessed with the", "the arrow shows"):
            if phrase == "risks assessed with the":
                assert words.count(phrase) <= 1, (slug, phrase)  # once, in step 5's answer; not again below it
            else:
                assert phrase not in words, (slug, phrase)


def test_a_transfer_to_an_eea_state_names_its_route_and_cites_the_law_once():
    table = report("case-management-cymru").section("necessity").part("transfers").frame.set_index("Flow")
    eea = table.loc["F13"]
    assert eea.Route.startswith("Approval regulations") and "none" not in eea.Route.lower()
    assert eea.Why.count("Sch 21 para 5(1)(a)") == 1


def test_the_summary_leads_with_the_strongest_reason_and_counts_one_fact_once():
    r = report("community-living-well")  # a chatbot meets both the ICO's and WP248's innovative technology
    verdict = r.section("summary").part("verdict").text
    assert verdict.startswith("A DPIA is required. The risk register rates 4 risks high before measures")
    assert len(r.screening.reasons) == 4 and verdict.endswith("(and 3 further reasons in section 1).")
    assert "A DPIA is required, for the 4 reasons set out below." in r.body_html()  # section 1 counts the same reasons
    assert "Innovative technology is also on the ICO's list, the same facts" in r.screening.reasons[1]
    criteria = r.section("need").part("criteria").frame
    assert not criteria.Criterion.str.startswith("Innovative use").any()
    assert "Innovative technology (WP248: Innovative use or new technological or organisational solutions)" in \
           list(criteria.Criterion)
    high_risk = next(a for a in r.questions(2) if a.code == "s2.nature.high_risk_types").text
    assert "Innovative technology" in high_risk and "Innovative use" not in high_risk
    b2c = report("best2care")  # call tracking meets both 'Data matching' and 'Matching or combining datasets'
    assert "Data matching" not in set(b2c.section("need").part("criteria").frame.Criterion)


def test_the_screening_lists_the_register_and_wp248_before_the_ico_items_that_need_another_criterion():
    reasons = report("case-management-cymru").screening.reasons
    assert reasons[0].startswith("The risk register rates") and reasons[1].startswith("2 WP248 criteria")
    assert reasons.index("Risk of physical harm is on the ICO's list of processing likely to result in high risk") < \
           reasons.index("Biometric data is on the ICO's list of processing likely to result in high risk")


def test_a_quote_is_cut_at_a_word_and_a_flow_label_keeps_its_location_tag():
    assert cut("the EU General Data Protection Regulation", 30) == "the EU General Data…"
    assert cut("short", 30) == "short"
    label = _wrap("NHS Talking Therapies clinical system used by the partners [location unknown]", 30)
    assert label.endswith("[location unknown]") and len(label.splitlines()) <= 2 and "…" in label
    assert _wrap("Payroll provider [France]", 30) == "Payroll provider [France]"
    assert fit("Supercalifragilisticexpialidocious", 10, 1).endswith("…")
    r = report("community-living-well")  # its notice's first quote was cut as "Data Pro…"
    quoted = " ".join(e.evidence[0].text for e in r.profile.elements.values() if e.evidence).split()
    cut_rows = [q for q in r.section("necessity").part("checklist").frame["What the notice says"] if q.endswith("…")]
    assert cut_rows and all(q[:-1].split()[-1] in quoted for q in cut_rows)


def test_a_column_is_widened_to_hold_its_longest_word_from_the_others():
    frame = pd.DataFrame({"ID": ["A5"], "Activity": ["Newsletter and event communications"], "Purpose": ["Send news"]})
    widths = fitted([10, 10, 80], frame)
    assert widths[1] >= 2.5 + len("communications") and sum(widths) == pytest.approx(100, abs=0.5)
    assert fitted([10, 45, 45], frame) == [10, 45, 45]


def test_a_heading_is_kept_on_its_page_with_the_short_part_it_introduces():
    table = Table(pd.DataFrame({"Item": ["Measures approved by"], "Decision": [OPEN]}))
    long_table = Table(pd.DataFrame({"Item": [str(i) for i in range(40)]}))
    section = Section(7, "sign-off", "Sign off", [Text("Not yet signed off.", "alert"), table, Heading("Log"), long_table])
    html = section.html()
    assert re.search(r'<div class="keep"><h2>7\. Sign off</h2><p class="callout alert">[^<]*</p><table', html)
    assert "<h3>Log</h3><table" in html and '<div class="keep"><h3>Log</h3>' not in html


def test_the_risk_map_caption_describes_its_two_panels():
    caption = report("harmony-community-care").section("risks").part("map").caption
    assert "on the left" in caption and "on the right" in caption and "arrow" not in caption


def test_the_samples_read_as_a_desk_review_by_the_project_and_say_they_are_samples():
    for slug in SAMPLE_SLUGS:
        meta = yaml.safe_load((SAMPLES / slug / "audit.yaml").read_text(encoding="utf-8"))
        people = [meta["assessor"], meta["document"]["author"]] + [e["by"] for e in meta["document"]["change_log"]]
        assert all("sample" in p and "dpia sample audit" not in p for p in people), slug
        assert not any("as the ICO template" in e["change"] for e in meta["document"]["change_log"]), slug


@pytest.mark.parametrize(("slug", "example"), [("harmony-community-care", "residents' and relatives' meetings"),
                                                ("community-living-well", "service-user involvement"),
                                                ("case-management-cymru", "deputies or case managers")])
def test_the_consultation_example_fits_the_kind_of_provider(slug, example):
    held = report(slug).section("consultation").part("held").text
    assert example in held and (slug == "harmony-community-care") == ("residents'" in held)
