"""The CNIL PIA tool file: structurally the tool's own format, stable through export, import and export, and
the tool's own export imports without losing anything."""

import html
import json
import re

import pytest
import yaml
from conftest import SAMPLES, SHARED, edit_csv

from dpia import cli, pia
from dpia.audit import load
from dpia.report import build_report

INTEROP = SHARED / "interop" / "cnil-pia"
pytestmark = pytest.mark.skipif(not INTEROP.is_dir(), reason="../shared/interop/cnil-pia is not here")


def _json(name: str) -> dict:
    return json.loads((INTEROP / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def architecture():
    return _json("pia_architecture.json")["sections"]


@pytest.fixture(scope="module")
def example():
    return _json("pia-example.json")


def _keys(rows: list[dict]) -> set[str]:
    return {k for r in rows for k in r}


def _full(folder):
    """An audit with every feared event used, consultation, DPO advice and a sign-off: everything the file carries."""
    risks = folder / "risks.csv"
    lines = risks.read_text(encoding="utf-8").splitlines()
    events = ["illegitimate_access", "unwanted_modification", "disappearance", ""]
    risks.write_text("\n".join([lines[0] + ",feared_event,risk_sources,due"]
                               + [f"{line},{events[i % 4]},staff; hackers,2027-0{1 + i % 9}-15" for i, line in enumerate(lines[1:])])
                     + "\n", encoding="utf-8")
    meta = folder / "audit.yaml"
    text = meta.read_text(encoding="utf-8")
    text = text.replace("consultation: []\n", "consultation:\n- with: Residents' and relatives' meeting\n  date: '2026-11-30'\n"
                                              "  summary: Relatives <asked> for \"shorter\" CCTV retention & a named contact\n")
    text = text.replace("dpo_advice: null\n", "dpo_advice:\n  by: Jo Bloggs, DPO\n  date: '2026-12-01'\n  advice: Proceed once R1's "
                                            "measures are in place\n  accepted: true\n")
    text = text.replace("sign_off: null\n", "sign_off:\n- item: residual_risks\n  name: A. Manager\n  role: Registered manager\n"
                                          "  date: '2026-12-02'\n  decision: residual risks accepted\n")
    meta.write_text(text, encoding="utf-8")
    assert load(folder).valid, load(folder).errors
    return folder


def test_the_packaged_ids_are_the_tools_architecture(architecture):
    ids = {q["id"] for s in architecture for i in s["items"] for q in i.get("questions", [])}
    assert set(pia.question_ids()) == ids
    for item in pia.risk_items():
        section, number = map(int, item["ref"].split("."))
        questions = {q["id"]: q for q in next(i for i in next(s for s in architecture if s["id"] == section)["items"]
                                              if i["id"] == number)["questions"]}
        assert set(item["questions"].values()) == set(questions)
        assert questions[item["questions"]["severity"]]["cartography"].endswith("_x")  # the tool's x axis is severity
        assert questions[item["questions"]["likelihood"]]["cartography"].endswith("_y")
        assert questions[item["questions"]["measures"]].get("is_measure")


def _check_structure(data: dict, example: dict, architecture: list) -> None:
    assert set(data) == set(example)
    assert set(data["pia"]) == set(example["pia"])
    questions = {q["id"]: q for s in architecture for i in s["items"] for q in i.get("questions", [])}
    items = {f"{s['id']}.{i['id']}": i for s in architecture for i in s["items"]}
    assert data["answers"] and _keys(data["answers"]) <= _keys(example["answers"])
    for a in data["answers"]:
        assert a["reference_to"] in questions
        assert set(a["data"]) == {"text", "gauge", "list"}
        kind = questions[a["reference_to"]]["answer_type"]
        if kind == "gauge":
            assert 1 <= a["data"]["gauge"] <= 4 and a["data"]["text"]
        elif kind == "list":
            assert isinstance(a["data"]["list"], list) and a["data"]["text"] is None
        else:
            assert a["data"]["text"] and a["data"]["list"] == []
    assert len({a["reference_to"] for a in data["answers"]}) == len(data["answers"])
    assert _keys(data["measures"]) == _keys(example["measures"])
    measure_ids = {m["id"] for m in data["measures"]}
    assert _keys(data["evaluations"]) <= _keys(example["evaluations"])
    for ev in data["evaluations"]:
        ref = ev["reference_to"]
        parts = ref.split(".")
        assert ".".join(parts[:2]) in items, ref
        if len(parts) == 3 and items[".".join(parts[:2])].get("is_measure"):
            assert int(parts[2]) in measure_ids, ref
        elif len(parts) == 3:
            assert int(parts[2]) in {q["id"] for q in items[".".join(parts[:2])]["questions"]}, ref
        assert ev["status"] in (0, 1, 2, 3) and set(ev["gauges"]) == {"x", "y"}
    assert _keys(data["comments"]) <= _keys(example["comments"])
    for c in data["comments"]:
        assert c["reference_to"] in questions


def test_the_export_has_the_examples_keys_and_refers_only_to_the_architectures_ids(sample_copy, example, architecture):
    for folder in (SAMPLES / "best2care", _full(sample_copy())):
        data = pia.export(build_report(folder))
        _check_structure(data, example, architecture)
    assert {"3.2", "3.3", "3.4"} <= {e["reference_to"] for e in data["evaluations"]}


def test_risks_go_under_their_feared_event_with_cnil_gauges(sample_copy):
    folder = _full(sample_copy())
    report = build_report(folder)
    data = pia.export(report)
    answers = {a["reference_to"]: a["data"] for a in data["answers"]}
    s = report.scored
    access = s[s.feared_event == "illegitimate_access"]
    assert answers[321]["list"] == [f"{r.risk_id} {r.title}" for r in access.itertuples()]
    gauge = {"remote": 2, "possible": 3, "probable": 4, "minimal": 2, "significant": 3, "severe": 4}  # ICO -> CNIL's 4 points
    assert answers[325]["gauge"] == max(gauge[v] for v in access.severity)
    assert answers[326]["gauge"] == max(gauge[v] for v in access.likelihood)
    evaluation = next(e for e in data["evaluations"] if e["reference_to"] == "3.2")
    assert evaluation["gauges"] == {"x": max(gauge[v] for v in access.residual_severity),
                                    "y": max(gauge[v] for v in access.residual_likelihood)}
    unplaced = s[s.feared_event == ""]
    assert all(f"{r.risk_id} {html.escape(r.title)}" in data["comments"][0]["description"] for r in unplaced.itertuples())
    p = data["pia"]
    assert (p["name"], p["evaluator_name"], p["validator_name"], p["dpos_names"]) == (
        "BEST2CARE", report.audit.meta["assessor"], "A. Manager", "Jo Bloggs, DPO")
    assert p["status"] == 2 and p["concerned_people_searched_opinion"] is True and "<asked>" in p["concerned_people_opinion"]


@pytest.mark.parametrize("full", [False, True])
def test_export_import_export_gives_the_same_file(sample_copy, tmp_path, full):
    folder = _full(sample_copy()) if full else SAMPLES / "best2care"
    first = pia.render(build_report(folder))
    exported = tmp_path / "first.pia.json"
    exported.write_bytes(first)
    assert cli.main(["import-pia", str(exported), "--into", str(tmp_path / "audits"), "--slug", "again"]) == 0
    again = tmp_path / "audits" / "again"
    assert load(again).valid
    assert not (again / pia.NOTES).exists()  # everything had its place
    second = pia.render(build_report(again))
    assert json.loads(second) == json.loads(first)
    assert (again / "notice.txt").read_text(encoding="utf-8") == (folder / "notice.txt").read_text(encoding="utf-8")


def test_markup_in_an_audit_is_escaped_in_the_tools_rich_text(sample_copy):
    folder = sample_copy()
    edit_csv(folder / "risks.csv", "R1,Care records exposed or lost,", "R1,Care <script>alert(1)</script> & records,")
    data = pia.export(build_report(folder))
    texts = [a["data"]["text"] or "" for a in data["answers"]] + [c["description"] for c in data["comments"]]
    assert not any("<script>" in t for t in texts)
    assert any("Care &lt;script&gt;alert(1)&lt;/script&gt; &amp; records" in t for t in texts)


@pytest.mark.parametrize("name", ["pia-export-fixture.json", "pia-example.json"])
def test_a_file_the_tool_exported_imports_and_nothing_is_lost(tmp_path, name):
    source = _json(name)
    assert cli.main(["import-pia", str(INTEROP / name), "--into", str(tmp_path)]) == 0
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    audit = load(folder)
    assert audit.valid, audit.errors
    assert list(audit.risks.feared_event) == ["illegitimate_access", "unwanted_modification", "disappearance"]
    assert audit.meta["provider"] == source["pia"]["name"] and audit.meta["assessor"] == source["pia"]["evaluator_name"]
    kept = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in folder.iterdir() if p.is_file())
    kept = " ".join(yaml.safe_load((folder / "audit.yaml").read_text(encoding="utf-8")).__repr__().split()) + " " + kept
    for answer in source["answers"]:
        for line in pia._plain(answer["data"].get("text")).splitlines():
            assert " ".join(line.split())[:60] in kept, (answer["reference_to"], line[:60])
        for item in answer["data"].get("list") or []:
            assert " ".join(item.split())[:60] in kept
    for m in source["measures"]:
        assert m["title"] in kept
    if source["pia"]["dpo_opinion"]:
        assert audit.meta["dpo_advice"]["advice"] == source["pia"]["dpo_opinion"]


def test_cli_writes_the_pia_file_beside_the_report(tmp_path, capsys):
    assert cli.main(["report", str(SAMPLES / "best2care"), "--format", "pia", "--out", str(tmp_path), "--quiet"]) == 0
    data = json.loads((tmp_path / "best2care.pia.json").read_text(encoding="utf-8"))
    assert data["pia"]["name"] == "BEST2CARE"
    assert "best2care.pia.json" in capsys.readouterr().out


def test_bad_pia_files_get_a_message_not_a_traceback(tmp_path, capsys):
    cases = {"missing.json": None, "notjson.json": "{not json", "list.json": "[1, 2]",
             "answers.json": json.dumps({"pia": {}, "answers": {"a": 1}})}
    said = {}
    for name, content in cases.items():
        if content is not None:
            (tmp_path / name).write_text(content, encoding="utf-8")
        assert cli.main(["import-pia", str(tmp_path / name), "--into", str(tmp_path / "out")]) == 2
        said[name] = capsys.readouterr().err
        assert said[name].startswith("dpia: error: ") and name in said[name] and "Traceback" not in said[name]
    assert re.search(r"line 1, column \d+: not JSON", said["notjson.json"])
    assert "no such file" in said["missing.json"] and "'answers' must be a list" in said["answers.json"]
    assert cli.main(["import-pia", str(INTEROP / "pia-example.json"), "--into", str(tmp_path), "--slug", "x"]) == 0
    assert cli.main(["import-pia", str(INTEROP / "pia-example.json"), "--into", str(tmp_path), "--slug", "x"]) == 2
    assert "already exists" in capsys.readouterr().err
