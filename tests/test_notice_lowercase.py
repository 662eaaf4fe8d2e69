"""A case-insensitive pattern and its case-sensitive twin on lowered text find the same spans."""

import re
from pathlib import Path

import pytest

from dpia.notice import rules
from dpia.notice.document import Document
from dpia.notice.lowercase import anchored, first_characters, lower, parse, started, twin

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


@pytest.mark.parametrize("pattern, expected", [
    (r"^objection\b", True), (r"(?:^to provide)|(?:^for (?:care|support))", True), (r"\Ahello", True),
    (r"(?:^contact\b)|\bwrite to\b", False), (r"\bhow we use\b", False), (r"(?:^a)?b", False), (r"x^", False),
])
def test_a_pattern_is_anchored_only_where_every_alternative_starts_a_line(pattern, expected):
    assert anchored(re.compile(pattern, rules.FLAGS)) is expected


def test_an_anchored_pattern_is_found_at_the_start_of_any_segment_and_nowhere_else():
    doc = Document("How we use it\n- To provide your care. To provide it. We want to provide it.\nTo pay staff")
    pattern = rules.Rx(re.compile(r"^to (?:provide|pay)\b", rules.FLAGS))
    assert pattern.fast_in_line == pattern.fast.match
    said = [i for i in range(len(doc.segs)) if doc.says(pattern, i)]
    assert [doc.sentence(i) for i in said] == ["To provide your care.", "To provide it.", "To pay staff"]
    # searched in place, "^" is where a line of the text starts (a bullet's words start after its mark)
    assert [doc.sentence(i) for i in doc.hits(pattern)] == ["To pay staff"]


@pytest.mark.parametrize("pattern, firsts", [
    (r"\b(?:we|may) (?:will )?use", "mw"), (r"(?:\b(?:your |their )health)|(?:\bmedical\b)", "ytm"),
    (r"(?<![a-z])(?:x?y)+z", "xy"), (r"\b[a-c\d]\w*", "abc0123456789"), (r"(?:a|)b", "ab"),
])
def test_a_twin_knows_the_characters_a_match_starts_with(pattern, firsts):
    items = first_characters(parse(re.compile(pattern, rules.FLAGS & ~re.IGNORECASE)))  # as in a twin
    assert items is not None
    assert {c for c in map(chr, range(128)) if _in_class(c, items)} == set(firsts)


def _in_class(char: str, items) -> bool:
    constants = re._constants
    categories = {constants.CATEGORY_DIGIT: r"\d", constants.CATEGORY_WORD: r"\w", constants.CATEGORY_SPACE: r"\s"}
    return any(op == constants.LITERAL and ord(char) == av or op == constants.RANGE and av[0] <= ord(char) <= av[1]
               or op == constants.CATEGORY and re.match(categories[av], char, re.ASCII) for op, av in items)


@pytest.mark.parametrize("pattern", [r"a?", r".x", r"[^a]b", r"(a)\1?c|\1", r"(?:a|b)*"])
def test_no_first_characters_where_a_match_may_start_anywhere_or_be_empty(pattern):
    assert first_characters(parse(re.compile(pattern, rules.FLAGS & ~re.IGNORECASE))) is None


def test_a_twin_told_its_first_characters_finds_every_match_the_original_finds():
    text = lower("We may use it. They said: WE USE it; may-be we will use, 'we use' (we will use)\nwe use")
    regex = re.compile(r"\b(?:we|may) (?:will )?use\b", rules.FLAGS)
    fast = twin(regex)
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in regex.finditer(text)]
    assert [fast.search(text, i) is None for i in range(len(text))] == [regex.search(text, i) is None for i in range(len(text))]


def test_every_rule_told_its_first_characters_finds_what_re_finds_on_the_samples():
    rs = rules.ruleset()
    patterns = [p for p in rs._rx.values() if isinstance(p, rules.Rx)]
    patterns += [p for rule in rs.elements.values() for p in rule.patterns] + list(rs.organisation_patterns)
    texts = [f.read_text(encoding="utf-8") for f in sorted(SAMPLES.glob("*/notice.txt"))] + [TRICKY, TRICKY.swapcase()]
    for p in patterns:
        plain = re.compile(p.regex.pattern, p.regex.flags)
        for text in texts:
            assert [m.span() for m in p.regex.finditer(text)] == [m.span() for m in plain.finditer(text)], p.regex.pattern


def test_a_case_insensitive_pattern_starts_its_search_at_either_case():
    regex = lowercase_started(r"\b(?:we|may) (?:will )?use\b|\b[x-z]\d")
    text = "We use. MAY USE, wE will Use; X1 y2 Z3 a4 may-use we  use"
    assert [m.group() for m in regex.finditer(text)] == ["We use", "MAY USE", "wE will Use", "X1", "y2", "Z3"]


def lowercase_started(pattern: str) -> re.Pattern:
    regex = re.compile(pattern, rules.FLAGS)
    boosted = started(regex, parse(regex))
    assert boosted is not regex and boosted.pattern == pattern and boosted.flags == regex.flags
    return boosted
