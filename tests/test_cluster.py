"""`dpia batch` and `dpia survey` on a real Dask cluster: a LocalCluster of two worker processes started here,
reached by the command through --scheduler tcp://127.0.0.1:PORT, as a cluster on other machines would be."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLES, edit_csv

from dpia import survey
from dpia.cli import main
from dpia.compare import compare

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _cluster():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           host="127.0.0.1", scheduler_port=0, silence_logs=50)
    return cluster, Client(cluster, set_as_default=False)


@pytest.fixture(scope="module")
def cluster():
    cluster, client = _cluster()
    yield cluster.scheduler_address, client
    client.close()
    cluster.close()


@pytest.fixture
def own_cluster():
    """A cluster for a test that kills one of its workers."""
    cluster, client = _cluster()
    yield cluster.scheduler_address, client
    client.close()
    cluster.close()


def dpia(*args, timeout=900):
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}
    return subprocess.run([sys.executable, "-m", "dpia", *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env=env)


def notices(folder: Path, count: int) -> list[Path]:
    sys.path.insert(0, str(BENCH))
    from analyse_notices import corpus

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(corpus(count, 6000)):
        path = folder / f"provider-{i:04d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _notebook(path: Path, out: Path) -> dict:
    """An executed report notebook without what differs between any two runs: times, the temporary file papermill
    wrote, the random id of the parameters cell, the output folder, and execution counts (a warm kernel keeps
    counting from one report to the next, so they depend on which reports ran before on that worker)."""
    nb = json.loads(path.read_text(encoding="utf-8").replace(str(out.resolve()), "OUT"))
    nb["metadata"].pop("papermill", None)
    for cell in nb["cells"]:
        cell["metadata"].pop("execution", None)
        cell["metadata"].pop("papermill", None)
        if "injected-parameters" in cell["metadata"].get("tags", []):
            cell.pop("id", None)
        cell.pop("execution_count", None)
        for output in cell.get("outputs", []):
            output.pop("execution_count", None)
    return nb


# ---- batch ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_reports_made_on_a_cluster_are_the_bytes_of_local_ones_and_a_failing_audit_fails_alone(cluster, tmp_path,
                                                                                             sample_copy):
    address, _ = cluster
    broken = sample_copy("harmony-community-care")
    edit_csv(broken / "flows.csv", "F1,A1,", "F1,A404,")  # a flow of an activity that does not exist: the audit is invalid
    audits = [SAMPLES / "best2care", SAMPLES / "optimise-healthcare", broken]
    here, there = tmp_path / "here", tmp_path / "there"
    local = dpia("batch", *audits, "--out", here, "--workers", "1")
    remote = dpia("batch", *audits, "--out", there, "--scheduler", address)
    assert local.returncode == remote.returncode == 1, remote.stderr
    for slug in ("best2care", "optimise-healthcare"):
        for kind in ("html", "pdf"):
            assert (there / f"{slug}.{kind}").read_bytes() == (here / f"{slug}.{kind}").read_bytes(), f"{slug}.{kind}"
        assert _notebook(there / f"{slug}.ipynb", there) == _notebook(here / f"{slug}.ipynb", here)
    assert (there / "index.html").read_bytes() == (here / "index.html").read_bytes()
    assert not (there / f"{broken.name}.html").exists() and (there / f"{broken.name}.ipynb").exists()
    failed_here = [line for line in local.stderr.splitlines() if "FAILED" in line]
    failed_there = [line for line in remote.stderr.splitlines() if "FAILED" in line]
    assert failed_there == failed_here and len(failed_there) == 1
    assert "dpia-task-" not in remote.stderr + (there / f"{broken.name}.ipynb").read_text()  # the worker's paths stay there


def test_a_scheduler_that_cannot_be_reached_is_named_with_what_to_do(tmp_path, capsys):
    import dask
    import distributed  # noqa: F401 - its defaults loaded first, or leaving the `set` below would drop them

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        status = main(["batch", str(SAMPLES / "best2care"), "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert status == 2 and "--scheduler tcp://127.0.0.1:9: cannot reach a Dask scheduler" in err and "dask worker" in err


def _kill_a_busy_worker(client, prefix: str, after: float, killed: list) -> None:
    """Once a task whose name starts with ``prefix`` has run ``after`` seconds on a worker, kill that worker's process."""
    pids = client.run(os.getpid)
    deadline, seen = time.monotonic() + 300, {}
    while time.monotonic() < deadline:
        for worker, keys in client.processing().items():
            if any(str(k).startswith(prefix) for k in keys):
                seen.setdefault(worker, time.monotonic())
                if time.monotonic() - seen[worker] >= after:
                    os.kill(pids[worker], signal.SIGKILL)
                    killed.append(pids[worker])
                    return
        time.sleep(0.05)


@pytest.mark.slow
def test_a_worker_killed_mid_report_costs_a_retry_not_the_batch(own_cluster, tmp_path):
    address, client = own_cluster
    audits = [SAMPLES / slug for slug in ("best2care", "optimise-healthcare", "case-management-cymru", "harmony-community-care")]
    killed: list[int] = []
    killer = threading.Thread(target=_kill_a_busy_worker, args=(client, "report_task", 1.0, killed))
    killer.start()
    result = dpia("batch", *audits, "--out", tmp_path, "--scheduler", address)
    killer.join()
    assert killed, "no worker was killed: the test proves nothing"
    assert result.returncode == 0, result.stderr
    for audit in audits:
        assert (tmp_path / f"{audit.name}.pdf").stat().st_size > 10_000
    assert "4 of 4 reports" in result.stdout


# ---- survey ------------------------------------------------------------------------------------


def test_a_survey_on_a_cluster_keeps_profiles_that_compare_reads_back_unchanged(cluster, tmp_path):
    address, _ = cluster
    paths = notices(tmp_path / "notices", 60)
    (tmp_path / "notices" / "zz-blank.txt").write_text("   \n")
    out = tmp_path / "survey"
    result = dpia("survey", tmp_path / "notices", "--out", out, "--scheduler", address)
    assert result.returncode == 1, result.stderr  # the blank notice failed; the 60 others are there
    assert "zz-blank.txt: FAILED" in result.stderr and "surveyed 60 of 61 notices (1 failed)" in result.stdout
    profiles = pd.read_parquet(out / "profiles.parquet")
    assert len(profiles) == 61 and profiles.error.notna().sum() == 1
    assert set(profiles.columns) >= {"provider", "elements_present", "art6", "transfer_status", "retention_status",
                                     "findings", "score", "rank"}
    failed = pd.read_csv(out / "failed.csv")
    assert list(failed.notice) == [str(tmp_path / "notices" / "zz-blank.txt")] and "empty" in failed.reason[0]
    # The profiles compare as the notices themselves do, without analysing them again.
    direct = compare(paths, workers=1)
    stored = compare([out / "profiles.parquet"])
    ok = [p.name for p in stored.providers if not p.error]
    for name, matrix in direct.matrices.items():
        assert stored.matrices[name][ok].equals(matrix), name
    assert stored.scores.equals(direct.scores)
    # ... and the same survey in this process writes the same profiles.
    here = survey.run_survey([str(tmp_path / "notices")], tmp_path / "here", progress=False)
    assert pd.read_parquet(tmp_path / "here" / "profiles.parquet").equals(profiles)
    assert len(here.failed) == 1


@pytest.mark.slow
def test_a_worker_killed_mid_survey_costs_a_retry_not_the_survey(own_cluster, tmp_path):
    address, client = own_cluster
    notices(tmp_path / "notices", 400)
    killed: list[int] = []
    killer = threading.Thread(target=_kill_a_busy_worker, args=(client, "analyse_chunk", 0.2, killed))
    killer.start()
    result = dpia("survey", tmp_path / "notices", "--out", tmp_path / "survey", "--scheduler", address)
    killer.join()
    assert killed, "no worker was killed: the test proves nothing"
    assert result.returncode == 0, result.stderr
    profiles = pd.read_parquet(tmp_path / "survey" / "profiles.parquet")
    assert len(profiles) == 400 and profiles.error.isna().all()


def test_a_register_names_providers_and_a_bad_register_says_which_columns_it_needs(tmp_path, capsys):
    paths = notices(tmp_path / "n", 3)
    register = tmp_path / "register.csv"
    register.write_text(f"provider,notice\nAcme Care,n/{paths[0].name}\nBeta Homes,{paths[1]}\nGamma,missing.txt\n,\n")
    status = main(["survey", str(register), "--out", str(tmp_path / "out")])
    assert status == 1 and "missing.txt: FAILED" in capsys.readouterr().err
    profiles = pd.read_parquet(tmp_path / "out" / "profiles.parquet")
    assert list(profiles.provider) == ["Acme Care", "Beta Homes", "Gamma"]
    assert profiles.error.isna().tolist() == [True, True, False]
    (tmp_path / "bad.csv").write_text("name,file\nAcme,n.txt\n")
    status = main(["survey", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "out2")])
    assert status == 2 and "bad.csv:1: the register needs the columns provider and notice" in capsys.readouterr().err


def test_an_audit_folder_in_a_survey_gives_its_notice_under_its_provider_name(tmp_path):
    folder = tmp_path / "audits"
    folder.mkdir()
    shutil.copytree(SAMPLES / "best2care", folder / "b2c")
    rows = survey.run_survey([str(folder)], tmp_path / "out", progress=False).rows
    assert [(r["provider"], Path(r["source"]).name, r["error"]) for r in rows] == [("BEST2CARE", "notice.txt", None)]


def test_a_survey_of_many_providers_gives_a_page_of_counts_with_a_search_over_the_provider_list(tmp_path):
    base = survey.run_survey([str(p) for p in notices(tmp_path / "n", 5)], tmp_path / "five", progress=False).rows
    rows = [{**base[i % 5], "provider": f"Provider <{i:03d}>"} for i in range(240)]
    rows.append(survey.failed_row("Broken & Co", "broken.txt", "the notice is empty"))
    written = survey.write(survey.Survey(rows), tmp_path / "big")
    page = (tmp_path / "big" / "comparison.html").read_text()
    assert 'id="provider-filter"' in page and page.count("<li>") + page.count('<li class="failed">') >= 241
    assert "Provider &lt;007&gt;" in page and "<007>" not in page and "Broken &amp; Co: not read" in page
    assert "@media print { #provider-search { display: none; } }" in page
    matrix = pd.read_parquet(tmp_path / "big" / "matrix.parquet")
    assert len(matrix) == 240 and "elements: Elements present" in matrix.columns
    assert tmp_path / "big" / "failed.csv" in written
