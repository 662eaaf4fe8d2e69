"""`dpia analyse` as a user runs it: every JSON output validated against the contract's schema."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import SAMPLES, SHARED

from dpia import cli
from dpia.notice import analyse, prepare

SCHEMA = json.loads((Path(__file__).parent / "notice-profile.v2.schema.json").read_text())
NOTICES = Path(__file__).parent / "notices"


def run_json(capsys, *args) -> dict:
    assert cli.main(["analyse", *args, "--format", "json", "--audit-date", "2026-11-23"]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, SCHEMA)
    return data


def test_schema_copy_matches_the_contract():
    contract = SHARED / "contracts" / "notice-profile.v2.schema.json"
    if not contract.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert json.loads(contract.read_text()) == SCHEMA


ALL_NOTICES = sorted(SAMPLES.glob("*/notice.txt")) + sorted(p for p in NOTICES.iterdir() if p.suffix in (".txt", ".html"))


@pytest.mark.parametrize("path", ALL_NOTICES, ids=lambda p: p.parent.name + "/" + p.name)
def test_json_output_meets_the_schema_and_offsets_hold(capsys, path):
    data = run_json(capsys, str(path))
    text = prepare(path.read_bytes(), path.name, html=path.suffix == ".html" or None).text
    evidence = [e for el in data["elements"].values() for e in el["evidence"]] + [e for f in data["findings"] for e in f["evidence"]]
    for ev in evidence:
        assert text[ev["start"]:ev["end"]] == ev["text"]
    assert list(data) == ["schema_version", "source", "organisation", "last_updated", "audit_date", "elements",
                          "lawful_bases", "special_categories", "transfers", "retention", "automated_decision_making",
                          "findings"]


def test_unseen_notices_read_as_a_consultant_would(capsys):
    trust = run_json(capsys, str(NOTICES / "nhs-trust.txt"))
    assert trust["lawful_bases"] == {"art6": ["c", "e"], "art9": ["h"], "dpa2018_schedule1": True}
    assert trust["transfers"]["status"] == "outside_uk_eea" and trust["transfers"]["mechanisms"] == ["idta"]
    assert trust["automated_decision_making"] == "states_none"
    # contract v2: the complaint route given is the ICO's only; the organisation must also offer its own
    assert [f["code"] for f in trust["findings"]] == ["CONTROLLER_COMPLAINTS_MISSING", "TRANSFER_DESTINATIONS_UNNAMED"]
    first = trust["elements"]["dpo_contact"]["evidence"][0]["text"]
    assert "Data Protection Officer" in first and "dpo@riverside.nhs.uk" in first
    old = run_json(capsys, str(NOTICES / "dpa1998.txt"))
    assert "OUTDATED_LAW" in {f["code"] for f in old["findings"]} and old["retention"]["status"] == "specific"
    short = run_json(capsys, str(NOTICES / "very-short.txt"))
    assert sum(e["present"] for e in short["elements"].values()) == 1
    clinic = run_json(capsys, str(NOTICES / "private-clinic.txt"))
    assert clinic["transfers"]["countries"] == ["US"] and clinic["transfers"]["mechanisms"] == ["sccs"]
    # email offers are sent "with your consent": PECR is met, so legitimate interests is no gap (contract v2)
    assert "MARKETING_ON_LEGITIMATE_INTERESTS" not in {f["code"] for f in clinic["findings"]}
    home = run_json(capsys, str(NOTICES / "care-home.html"))
    assert home["lawful_bases"]["art6"] == ["b", "c"]  # the Art 6(1)(a) inside a <script> is ignored
    # a "privacy lead" is not a DPO, and no complaint to the home itself is offered (contract v2)
    assert [f["code"] for f in home["findings"]] == ["CONTROLLER_COMPLAINTS_MISSING", "DPO_CONTACT_MISSING"]


def test_text_format_is_a_checklist_with_findings(capsys):
    assert cli.main(["analyse", str(SAMPLES / "optimise-healthcare" / "notice.txt"), "--audit-date", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "✗ Right of access" in out and "✓ Right to object" in out
    assert out.index("HIGH") < out.index("MEDIUM") < out.index("LOW")
    assert "ART6_LABEL_MISMATCH" in out


def test_html_format_escapes_everything_from_the_notice(tmp_path, capsys):
    notice = tmp_path / "evil.txt"
    notice.write_text("<script>alert('x')</script> We are Evil <b>Care</b> Ltd. "
                      "<img src=x onerror=alert(1)> We keep data for 3 years.\n", encoding="utf-8")
    out_file = tmp_path / "profile.html"
    assert cli.main(["analyse", str(notice), "--format", "html", "--out", str(out_file)]) == 0
    page = out_file.read_text()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "http://" not in page and "https://" not in page


def test_stdin_is_read_with_a_dash():
    result = subprocess.run([sys.executable, "-m", "dpia", "analyse", "-", "--format", "json"],
                            input=b"We keep records for 6 years.", capture_output=True)
    assert result.returncode == 0
    data = json.loads(result.stdout)
    jsonschema.validate(data, SCHEMA)
    assert data["source"] == "-" and data["retention"]["status"] == "specific"


@pytest.mark.parametrize("content,message", [
    (b"", "empty"), (bytes(range(256)) * 50, "binary"),
])
def test_bad_files_get_a_message_not_a_traceback(tmp_path, capsys, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    assert cli.main(["analyse", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_file_and_bad_date(capsys, tmp_path):
    assert cli.main(["analyse", str(tmp_path / "nope.txt")]) == 2
    assert "no such notice file" in capsys.readouterr().err
    assert cli.main(["analyse", str(SAMPLES / "best2care" / "notice.txt"), "--audit-date", "tomorrow"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_library_api_returns_the_same_profile_as_the_cli(capsys):
    path = SAMPLES / "best2care" / "notice.txt"
    data = run_json(capsys, str(path))
    direct = analyse(prepare(path.read_bytes(), "notice.txt"), source="notice.txt", audit_date="2026-11-23")
    assert direct.to_dict() == data
