"""Where the notice and the audit disagree, the report says which is right: own staff abroad are no transfer, whatever
the notice calls them; counts of unknown locations agree from caption to text; the controller is who the audit names."""

import html as htmllib
import json
import re

import pandas as pd
import pytest
import yaml
from conftest import SAMPLES

from dpia import cli, pia, vocab
from dpia.audit import load
from dpia.flows import build
from dpia.notice import analyse
from dpia.report import build_report
from dpia.report.notice_vs_audit import audit_view
from dpia.words import unmark

CMC = SAMPLES / "case-management-cymru"


def text_of(r) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", r.body_html())).split())


def flows(*rows) -> pd.DataFrame:
    """A check_flows frame: (flow id, recipient, mechanism kind, restricted, location)."""
    return pd.DataFrame([{"flow_id": f, "recipient": n, "mechanism_kind": k, "restricted": rest, "location": loc,
                          "own_staff": rest is False and loc != "uk"} for f, n, k, rest, loc in rows],
                        columns=["flow_id", "recipient", "mechanism_kind", "restricted", "location", "own_staff"])


def test_the_notices_derogation_for_its_own_staff_abroad_is_said_to_misdescribe_them():
    text = text_of(build_report(CMC))
    finding = text[text.index("Transfers outside the UK rely on an Article 49 derogation"):]
    assert finding.index("In this audit: the flow the notice describes this way (F12 Employee carer outside the EEA) goes to the "
                         "provider's own staff, which is not a restricted transfer: the notice misdescribes it") < 600


def test_a_derogation_the_audit_also_records_for_a_real_transfer_is_confirmed_not_contradicted():
    said = audit_view("TRANSFER_DEROGATION_RELIANCE", flows(("F1", "Relatives abroad", "derogation", True, "abroad")))
    assert said == "In this audit: 1 flow relies on a derogation (F1 Relatives abroad)."
    none = audit_view("TRANSFER_DEROGATION_RELIANCE", flows(("F1", "Cloud host", "safeguard", True, "abroad")))
    assert "no flow relies on a derogation" in none
    assert audit_view("RETENTION_MISSING", flows()) == ""


def test_a_notice_silent_on_transfers_is_told_which_flows_leave_the_uk():
    t = flows(("F1", "Cloud host", "safeguard", True, "abroad"), ("F2", "GP", "", False, "uk"))
    assert audit_view("TRANSFERS_NOT_ADDRESSED", t) == "In this audit: 1 flow leaves the UK (F1 Cloud host)."
    assert audit_view("TRANSFERS_NOT_ADDRESSED", flows(("F2", "GP", "", False, "uk"))) == ""


def test_the_flow_diagram_counts_the_unknown_locations_the_transfer_section_lists():
    r = build_report(CMC)
    text = text_of(r)
    caption = re.search(r"(\d+) flows? to a recipient whose location is unknown", text)
    listed = re.search(r"Location unknown: the notice does not say where these recipients hold the data: (.*?)\. Confirm", text)
    assert int(caption.group(1)) == len(listed.group(1).split("; ")) == len(build(load(CMC)).unknown) == 7
    assert "1 flow to the provider's own staff abroad (not a transfer)" in text
    assert "and 7 go to a recipient whose location the notice does not give" in text


def test_markdown_bold_in_a_notice_is_not_shown_as_asterisks():
    assert unmark("See **Your rights** and __this__, but 2 ** 3 stays") == "See Your rights and this, but 2 ** 3 stays"
    assert "**" in (CMC / "notice.txt").read_text(encoding="utf-8")
    assert "**" not in text_of(build_report(CMC))


def test_notice_dates_read_as_words_in_findings_and_in_the_report():
    profile = analyse((CMC / "notice.txt").read_text(encoding="utf-8"), audit_date="2026-11-23")
    [stale] = [f for f in profile.findings if f.code == "STALE_NOTICE"]
    assert stale.message == "The notice was last updated on 25 April 2019, more than 24 months before 23 November 2026."
    assert "it was last updated 25 April 2019." in text_of(build_report(CMC))
    assert vocab.long_date("2019-04-25") == "25 April 2019" and vocab.long_date("spring 2019") == "spring 2019"


def test_the_controller_is_the_provider_unless_the_audit_names_the_controllers(sample_copy, tmp_path):
    folder = sample_copy("community-living-well")
    named = load(folder).controller
    assert named.startswith("Kensington and Chelsea Mind") and "outside this assessment" in named
    r = build_report(folder)
    assert ("Controller", named) in r.header().facts()
    exported = tmp_path / "clw.pia.json"
    exported.write_bytes(pia.render(r))
    assert cli.main(["import-pia", str(exported), "--into", str(tmp_path / "audits"), "--slug", "clw"]) == 0
    assert load(tmp_path / "audits" / "clw").controller == named
    meta = yaml.safe_load((folder / "audit.yaml").read_text(encoding="utf-8"))
    del meta["controller"]["name"]
    (folder / "audit.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert load(folder).controller == "Community Living Well"
    assert json.loads(pia.render(build_report(folder)))["pia"]["name"] == "Community Living Well"


@pytest.mark.parametrize("slug", ["best2care", "harmony-community-care"])
def test_a_provider_that_is_the_controller_is_named_as_such(slug):
    assert load(SAMPLES / slug).controller == load(SAMPLES / slug).provider


def test_the_flow_diagram_draws_own_staff_abroad_in_a_style_and_legend_entry_of_their_own():
    from dpia.report import figures

    fig = figures.flow_diagram(build(load(CMC)))
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "own staff abroad (not a transfer)" in legend and "location unknown" in legend
    styles = {tuple(p.get_edgecolor()[:3]) for p in fig.axes[0].patches if p.get_linestyle() == "-."}
    assert len(styles) == 1  # one dash-dot line: F12, its own colour
