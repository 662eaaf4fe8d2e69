"""No input may make the analyser crash or hang. Each case must finish in under a second."""

import time

import pytest

from dpia.notice import analyse

# Inputs built to make a backtracking pattern blow up: long runs, repeated prefixes of patterns.
PATHOLOGICAL = {
    "one letter": "a" * 200_000,
    "open brackets": "(" * 100_000,
    "citation prefixes": "6(1)(" * 40_000,
    "article prefixes": "Article 6 " * 30_000,
    "at signs": "@" * 100_000 + "a",
    "email-like": "@a." * 50_000,
    "long local part": "a" * 100_000 + "@",
    "domain-like": "a." * 100_000 + "com",
    "digits": "0" * 200_000,
    "postcode-like": "A1 " * 60_000,
    "rights prefixes": "right to " * 40_000,
    "dots": "." * 200_000,
    "words": "x " * 200_000,
    "newlines": "\n" * 200_000 + "x",
    "bullets": "\u2022 " * 100_000,
    "lawful basis": "Lawful basis: " * 30_000,
    "consent": "consent " * 60_000,
    "retention": "we keep data for " * 20_000,
    "durations": "3 years " * 40_000,
    "dates": "Last updated: 1 May 2020. " * 10_000,
    "outside": "outside the UK " * 30_000,
    "no spaces": "x" * 1_000_000,
    "org names": "We are " + "Acme " * 50_000,
}


@pytest.fixture(scope="module", autouse=True)
def warm_rules():
    analyse("warm up")  # load and compile the rules once, outside the timings


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_input_finishes_quickly(name):
    start = time.perf_counter()
    profile = analyse(PATHOLOGICAL[name], audit_date="2026-11-23")
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{name}: {elapsed:.2f}s"
    assert profile.to_dict()["schema_version"] == 2


def test_a_large_real_text_gets_a_correct_profile():
    text = open("data/samples/best2care/notice.txt", encoding="utf-8").read()
    big = "\n\n".join([text] * 60)  # about 900 KB
    start = time.perf_counter()
    profile = analyse(big, audit_date="2026-11-23")
    assert time.perf_counter() - start < 10
    assert profile.art6 == ["b", "e"] and profile.last_updated == "2023-01-04"


def test_bad_audit_date_is_a_clear_error():
    from dpia.errors import InputError

    with pytest.raises(InputError, match="YYYY-MM-DD"):
        analyse("text", audit_date="23/11/2026")
