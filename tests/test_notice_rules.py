"""The notice rule set: one explicit set built from the YAML, checked against a schema, compiled once."""

import copy
import subprocess
import sys

import pytest

from dpia.errors import VocabularyError
from dpia.notice import analyse, findings, rules
from dpia.vocab import read_yaml


def build(elements=None, notice_rules=None, notice_findings=None) -> rules.RuleSet:
    return rules.RuleSet(elements or read_yaml("notice_elements"), notice_rules or read_yaml("notice_rules"),
                         notice_findings or read_yaml("notice_findings"))


def test_a_misspelt_key_is_an_error_naming_the_file_and_the_key():
    data = copy.deepcopy(read_yaml("notice_rules"))
    data["special_category_checks"]["negaton"] = data["special_category_checks"].pop("negation")
    with pytest.raises(VocabularyError, match=r"notice_rules\.yaml: special_category_checks\.negaton: unknown key"):
        build(notice_rules=data)


def test_a_misspelt_element_key_is_an_error_naming_the_element():
    data = copy.deepcopy(read_yaml("notice_elements"))
    data["elements"]["cookies"]["pattern"] = data["elements"]["cookies"].pop("patterns")
    with pytest.raises(VocabularyError, match=r"notice_elements\.yaml: elements\.cookies\.pattern: unknown key"):
        build(elements=data)


def test_an_unknown_code_in_a_block_is_an_error_with_the_known_codes():
    data = copy.deepcopy(read_yaml("notice_rules"))
    data["special_categories"]["racial_orign"] = ["\\bracial\\b"]
    with pytest.raises(VocabularyError, match=r"special_categories\.racial_orign: unknown code .*racial_ethnic_origin"):
        build(notice_rules=data)


def test_a_pattern_that_does_not_compile_names_where_it_is():
    data = copy.deepcopy(read_yaml("notice_rules"))
    data["retention"]["vague"].append("(unclosed")
    with pytest.raises(VocabularyError, match=r"notice_rules\.yaml retention\.vague does not compile"):
        build(notice_rules=data)


def test_every_element_of_the_contract_has_rules_and_no_other():
    data = copy.deepcopy(read_yaml("notice_elements"))
    del data["elements"]["right_complain_controller"]
    with pytest.raises(VocabularyError, match="missing right_complain_controller"):
        build(elements=data)


def test_the_findings_in_the_yaml_are_exactly_the_registered_ones():
    assert set(read_yaml("notice_findings")["findings"]) == set(findings.REGISTRY)


def test_every_rule_in_the_yaml_is_used_by_a_detector():
    rs = rules.ruleset()
    rs.used.clear()
    for text in ("We are Acme Care Ltd. Our DPO is at dpo@acme.example.com. Last updated 1 May 2025.\n"
                 "6(1)(e) Contract. Consent (Art. 6(1)(a)).",
                 "We rely on legitimate interests, which include:\n• direct marketing by email\n"
                 "We score you to decide your care. Data stays in the UK. We keep records for 8 years."):
        profile = analyse(text, audit_date="2026-12-02")
        assert profile.subjects is not None and profile.recipient_types is not None  # read when first asked for
    unused = rs.paths() - rs.used
    assert not unused, sorted(unused)


def test_importing_the_analyser_registers_nothing_and_has_no_import_cycle():
    code = ("import dpia.notice.rules as r, dpia.notice.prefilter as p; "
            "assert not hasattr(p, 'register') and r.ruleset.cache_info().currsize == 0; "
            "import dpia.notice.detect, dpia.notice.document; "
            "assert r.ruleset.cache_info().currsize == 0")
    subprocess.run([sys.executable, "-c", code], check=True)
