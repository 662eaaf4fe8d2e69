"""A case-insensitive pattern and its case-sensitive twin on lowered text find the same spans."""

import re
from pathlib import Path

import pytest

from dpia.notice import rules
from dpia.notice.lowercase import lower, twin

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
TRICKY = ("KELVIN \u212a and k, DOTTED \u0130stanbul and i, \u00c9COLE and \u00e9cole, STRASSE and stra\u00dfe, "
          "\u201cQUOTED\u201d \u2018Art. 6(1)(E)\u2019 \u2013 GDPR, H\u00c9LLO_World 42 \ud800 end")


def test_lower_changes_capitals_a_to_z_only():
    assert lower(TRICKY) == "".join(c.lower() if "A" <= c <= "Z" else c for c in TRICKY)
    assert len(lower(TRICKY)) == len(TRICKY)


@pytest.mark.parametrize("pattern", [
    r"\bright to object\b", r"[^A-Z]{3}", r"[0-z]+", r"[^a-f\d]x", r"\u00c9cole|\u00e9COLE", r"(?<![A-Z])gdpr\b",
    r"k\w+", r"[\u2018\u2019'][A-Z]", r"\bi\w+", r"(?:share|send)\b[^.\n]{0,40}\b(?:with|to)\b", r"[^\W\d_]+",
])
def test_twin_matches_what_the_original_matches(pattern):
    regex = re.compile(pattern, rules.FLAGS)
    fast = twin(regex)
    assert fast is not None
    for text in (TRICKY, TRICKY.upper(), TRICKY.lower()):
        assert [m.span() for m in fast.finditer(lower(text))] == [m.span() for m in regex.finditer(text)]


@pytest.mark.parametrize("pattern, flags", [
    (r"abc", re.IGNORECASE), (r"abc", re.ASCII), (r"(a)\1", rules.FLAGS), (r"(?-i:A)b", rules.FLAGS),
])
def test_no_twin_where_it_would_differ(pattern, flags):
    assert twin(re.compile(pattern, flags)) is None


def test_every_rule_has_a_twin_that_agrees_on_the_samples():
    rs = rules.ruleset()
    patterns = [p for p in rs._rx.values() if isinstance(p, rules.Rx)]
    patterns += [p for rule in rs.elements.values() for p in rule.patterns]
    assert patterns and all(p.fast is not None for p in patterns if p.regex.flags & re.IGNORECASE and p.regex.flags & re.ASCII)
    texts = [f.read_text(encoding="utf-8") for f in sorted(SAMPLES.glob("*/notice.txt"))] + [TRICKY]
    for text in texts:
        lowered = lower(text)
        for p in patterns:
            if p.fast is not None:
                assert [m.span() for m in p.fast.finditer(lowered)] == [m.span() for m in p.regex.finditer(text)], p.regex.pattern


def test_document_checks_agree_with_the_plain_patterns():
    from dpia.notice.document import Document

    rs = rules.ruleset()
    checks = [rs.rx(path) for path in ("lawful_bases.heading_context", "lawful_bases.sentence_context",
                                       "transfers.transfer_verbs", "special_category_checks.negation")]
    text = (SAMPLES / "best2care" / "notice.txt").read_text(encoding="utf-8") + "\n" + TRICKY
    doc = Document(text)
    for pattern in checks:
        assert pattern.fast is not None
        for i in range(len(doc.segs)):
            assert doc.says(pattern, i) == bool(pattern.regex.search(doc.sentence(i)))
            assert doc.framed(pattern, i) == bool(pattern.regex.search(doc.framing(i)))
            assert doc.in_context(pattern, i) == bool(pattern.regex.search(doc.context(i)))


def test_rule_blocks_are_the_codes_of_their_vocabulary():
    rs = rules.ruleset()
    assert set(rs.block("data_subjects")) == set(rs.values["data_subjects"])
    assert "negation" not in rs.block("special_categories")
