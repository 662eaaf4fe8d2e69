import datetime as dt
import re

import pytest

from dpia import vocab
from dpia.errors import UnknownCodeError

# Pinned so that any change to a vocabulary shows up in review.
COUNTS = {
    "art6": 7, "recognised_legitimate_interests": 5, "further_purposes": 2, "art9": 10, "schedule1": 37,
    "special_categories": 10, "data_subjects": 6, "recipient_types": 17, "abolished_bodies": 3, "transfer_mechanisms": 20,
    "countries": 251, "adequacy": 54, "screening_criteria": 22, "techniques": 10, "adm_safeguards": 4, "adm_rules": 1,
    "complaint_duties": 4, "risk_methods": 2, "feared_events": 3, "measure_effects": 3, "provider_kinds": 6, "time_units": 4,
    "ico_template": 48, "profile_terms": 35, "principles": 12, "principle_judgements": 3,
}


def test_every_vocabulary_has_its_pinned_count():
    assert {name: len(v) for name, v in vocab.load_all().items()} == COUNTS


@pytest.mark.parametrize("name", COUNTS)
def test_every_term_has_code_label_description_source_and_date(name):
    for term in vocab.get(name):
        assert term.code and term.label and term.description and term.source
        dt.date.fromisoformat(term.as_of)


def test_vocabularies_pass_their_own_reference_checks():
    assert vocab.check(vocab.load_all()) == []


def test_schedule1_parts_and_what_their_conditions_serve():
    sch1 = vocab.get("schedule1")
    parts = {p: [t.code for t in sch1 if t["part"] == p] for p in (1, 2, 3)}
    assert [len(parts[p]) for p in (1, 2, 3)] == [4, 23, 9]
    assert sch1.get("sch1.2")["serves"] == ["9(2)(h)", "art10"]
    assert sch1.get("sch1.1")["policy_document"] == "required"
    assert {tuple(t["serves"]) for t in sch1 if t["part"] == 2} == {("9(2)(g)", "art10")}
    assert {tuple(t["serves"]) for t in sch1 if t["part"] == 3} == {("art10",)}


def test_art9_letters_needing_schedule1_are_b_g_h_i_j():
    needs = {t["letter"] for t in vocab.get("art9") if t["needs_schedule1"]}
    assert needs == set("bghij")


def test_codes_resolve_in_article_and_plain_forms():
    art6 = vocab.get("art6")
    assert art6.resolve("Art. 6 (1) (b)") == "6(1)(b)"
    assert art6.resolve("Article 6(1)(f)") == "6(1)(f)"
    assert art6.resolve("LI") == "6(1)(f)"
    assert art6.resolve("consent") == "6(1)(a)"
    assert vocab.get("countries").resolve("uk") == "GB"
    assert vocab.get("transfer_mechanisms").resolve("49(1)(b)") == "art49_1_b"


def test_unknown_code_lists_close_matches():
    with pytest.raises(UnknownCodeError) as err:
        vocab.lookup("recipient_types", "procesor_it")
    assert "did you mean 'processor_it'" in str(err.value)


def test_unknown_code_with_no_close_match_lists_known_codes():
    with pytest.raises(UnknownCodeError) as err:
        vocab.lookup("art6", "zzz")
    assert "6(1)(a)" in str(err.value)


def test_unknown_vocabulary_name_is_an_error():
    with pytest.raises(UnknownCodeError):
        vocab.get("art66")


def test_adequacy_list_is_dated_and_marks_partial_coverage():
    adequacy = vocab.get("adequacy")
    assert adequacy.get("US")["coverage"] == "partial"
    assert "certified" in adequacy.get("US").description
    assert adequacy.get("CH")["coverage"] == "full"
    assert "IN" not in adequacy and "GB" not in adequacy.terms


def test_wp248_has_nine_criteria_and_the_ico_list_ten():
    schemes = [t["scheme"] for t in vocab.get("screening_criteria")]
    assert schemes.count("wp248") == 9 and schemes.count("ico") == 10 and schemes.count("art35_3") == 3


def test_every_screening_criterion_is_derivable_or_asked():
    criteria = vocab.get("screening_criteria")
    for term in criteria:
        assert term.get("question"), term.code


def test_each_risk_method_carries_a_full_matrix():
    ico, cnil = vocab.lookup("risk_methods", "ico"), vocab.lookup("risk_methods", "cnil")
    assert len(ico["matrix"]) == 3 and all(len(r) == 3 for r in ico["matrix"].values())
    assert len(cnil["matrix"]) == 4 and all(len(r) == 4 for r in cnil["matrix"].values())


def test_a_broken_reference_is_reported():
    vocabs = dict(vocab.load_all())
    broken = vocab._build("techniques", {"entries": [{
        "code": "x", "label": "X", "description": "d", "source": "s", "as_of": "2024-01-01", "in_force_from": "2018-05-25",
        "screening": ["no_such_criterion"]}]})
    vocabs["techniques"] = broken
    assert any("no_such_criterion" in f for f in vocab.check(vocabs))


def test_an_entry_without_a_source_is_refused():
    with pytest.raises(vocab.VocabularyError, match="lacks source"):
        vocab._build("x", {"entries": [{"code": "a", "label": "A", "description": "d", "as_of": "2024-01-01",
                                        "in_force_from": "2018-05-25"}]})


def test_split_codes_ignores_blanks_and_spaces():
    assert vocab.split_codes(" 6(1)(b); ;6(1)(e) ") == ["6(1)(b)", "6(1)(e)"]


# ---- dates in force, sources, the shape of the files -----------------------------------------


LAW = [name for name, v in vocab.load_all().items() if v.header.get("kind") == "law"]
PROVISION = re.compile(r"\b(?:Arts?|s{1,2}\.\d+[A-Z]?|Sch|Schs|para|paras|reg|SI \d{4}/\d+|Part|Annex|section|"
                       r"Regulations \d{4}|Act \d{4})\b")


@pytest.mark.parametrize("name", LAW)
def test_every_source_of_the_law_names_a_provision(name):
    for versions in vocab.get(name).versions.values():
        for term in versions:
            assert PROVISION.search(term.source), f"{name} {term.code}: {term.source!r}"


@pytest.mark.parametrize("name", list(COUNTS))
def test_no_term_is_in_force_before_its_in_force_from_or_after_its_until(name):
    for versions in vocab.get(name).versions.values():
        for term in versions:
            before = term.in_force_from - dt.timedelta(days=1)
            assert term.code not in vocab.in_force(name, before).terms or vocab.in_force(name, before).terms[term.code] != term
            assert vocab.in_force(name, term.in_force_from).terms[term.code] == term
            if term.in_force_until:
                after = term.in_force_until + dt.timedelta(days=1)
                assert vocab.in_force(name, after).terms.get(term.code) != term


@pytest.mark.parametrize("name", list(COUNTS))
def test_every_vocabulary_is_dated_as_of_the_2026_review(name):
    assert vocab.get(name).as_of == "2026-12-02"


def test_a_misspelt_key_is_an_error_naming_the_file_entry_and_key():
    from dpia.vocab_schema import check_file

    data = vocab.read_yaml("art6")
    data["entries"][1]["negaton"] = True
    [fault] = check_file("art6", data)
    assert fault == "entry 2 ('6(1)(b)') key 'negaton': unknown key; check its spelling"


def test_a_wrong_value_type_is_an_error_naming_the_key():
    from dpia.vocab_schema import check_file

    data = vocab.read_yaml("schedule1")
    data["entries"][0]["policy_document"] = "sometimes"
    assert any("policy_document" in f for f in check_file("schedule1", data))


def test_every_key_the_vocabulary_files_define_is_read_by_the_code():
    from pathlib import Path

    from dpia import vocab_schema

    source = "\n".join(p.read_text() for p in Path(vocab.__file__).parent.rglob("*.py") if p.name != "vocab_schema.py")
    keys = {name for model in vocab_schema.ENTRIES.values() for name in model.model_fields} - set(vocab_schema.Entry.model_fields)
    unused = sorted(k for k in keys if f'"{k}"' not in source and f"'{k}'" not in source)
    assert unused == []


def test_overlapping_versions_of_a_code_are_refused():
    entry = {"code": "a", "label": "A", "description": "d", "source": "s", "as_of": "2024-01-01", "in_force_from": "2020-01-01"}
    with pytest.raises(vocab.VocabularyError, match="overlapping dates"):
        vocab._build("x", {"entries": [entry, {**entry, "in_force_from": "2022-01-01"}]})


def test_every_notice_finding_and_profile_status_has_a_label_for_clients():
    from dpia.notice import rules

    terms = vocab.get("profile_terms")
    assert {f"finding.{code}" for code in rules.findings()} <= set(terms.codes())
    statuses = {"transfers": ("not_stated", "uk_eea_only", "outside_uk_eea"), "retention": ("none", "vague", "specific"),
                "adm": ("not_mentioned", "states_none", "described"),
                "mechanism": ("adequacy", "idta", "uk_addendum", "sccs", "bcr", "derogation")}
    assert {f"{field}.{value}" for field, values in statuses.items() for value in values} <= set(terms.codes())
