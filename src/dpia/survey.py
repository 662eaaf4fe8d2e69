"""`dpia survey`: the privacy notices of many providers (thousands) analysed, kept as Parquet, and compared.

Input: notice files, folders of them (searched recursively; an audit folder gives the notice its audit.yaml
names), or a CSV register with the columns ``provider`` and ``notice`` (a path, relative to the register's
folder). Output, in one folder:

- ``profiles.parquet``: one row per provider (its name, where the notice came from, whether it could be read
  and why not, the Art 13/14 elements present, absent and not applicable, lawful bases, special categories,
  transfers, retention, automated decisions, findings, transparency score and rank);
- ``comparison.html`` (counts, distributions, both ends of the ranking and a search over the provider list once
  there are more than 200 providers) and ``comparison-<matrix>.csv``, ``matrix.parquet`` (every provider's value
  for every practice);
- ``failed.csv``: each notice that could not be read or analysed, with the reason.

`dpia compare profiles.parquet` rebuilds the comparison from the Parquet file without analysing anything again.
The notices are analysed on a Dask cluster (``--scheduler``), on a LocalCluster here for a large survey, or in
this process for a small one, where starting a cluster would cost more than it saves.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .compare import Comparison, Provider, _unique, build
from .errors import DpiaError, InputError
from .files import ensure_dir, read_bytes, write_atomic

NOTICE_SUFFIXES = (".txt", ".md", ".html", ".htm")
CHUNK = 25  # notices per task: enough to make a task's overhead small, few enough to spread them over the workers
# Without --scheduler a survey runs here when a LocalCluster would save less time than it takes to start: it saves
# (1 - 1/cores) of the analysis. Both figures measured with benchmarks/survey_notices.py --in-process on 2 cores.
NOTICE_SECONDS = 0.0045  # analysing a 15 KB notice, in this process
CLUSTER_START_SECONDS = 4.0  # starting a LocalCluster of one worker per core, its workers loading the analyser
REGISTER_LIMIT = 50 * 1024 * 1024
PROFILES = "profiles.parquet"


@dataclass
class Item:
    """One provider to survey: its notice's path, and its name when a register or an audit gives one."""
    path: Path
    provider: str | None = None
    error: str | None = None


# ---- what to survey ----------------------------------------------------------------------


def items(inputs: list[str]) -> list[Item]:
    """Every notice the inputs name, in order: files, folders (recursively, sorted), CSV registers."""
    out: list[Item] = []
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            out += _folder(path)
        elif path.suffix.lower() == ".csv":
            out += register(path)
        else:
            out.append(Item(path))
    if not out:
        raise DpiaError("nothing to survey: give notice files, folders of notices or a CSV register "
                        "(columns provider, notice)")
    return out


def _folder(folder: Path) -> list[Item]:
    if (folder / "audit.yaml").is_file():
        from .audit import read_meta
        from .files import inside

        meta = read_meta(folder)
        try:
            notice = inside(folder, str(meta.get("notice") or "notice.txt"), "notice")
        except InputError as exc:
            return [Item(folder, str(meta.get("provider") or folder.name), error=str(exc))]
        return [Item(notice, str(meta.get("provider") or folder.name))]
    found: list[Item] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if "audit.yaml" in names and Path(root) != folder:
            found += _folder(Path(root))
            dirs[:] = []
            continue
        found += [Item(Path(root) / n) for n in sorted(names) if Path(n).suffix.lower() in NOTICE_SUFFIXES
                  and not n.startswith(".")]
    return found


def register(path: Path) -> list[Item]:
    """A CSV register: a header with ``provider`` and ``notice`` (or ``notice path``), one provider a row."""
    raw = read_bytes(path, REGISTER_LIMIT, "register")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: the register is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise InputError(f"{path}: the register is empty; give a header row with the columns provider and notice")
    header = [h.strip().lower().replace("_", " ") for h in rows[0]]
    columns = {name: header.index(name) for name in ("provider", "notice", "notice path") if name in header}
    notice_col = columns.get("notice", columns.get("notice path"))
    if "provider" not in columns or notice_col is None:
        raise InputError(f"{path}:1: the register needs the columns provider and notice (the notice file's path); "
                         f"it has {', '.join(repr(h) for h in rows[0]) or 'none'}")
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        provider, notice = cells[columns["provider"]].strip(), cells[notice_col].strip()
        if not notice:
            out.append(Item(path, provider or f"row {n}", error=f"{path}:{n}: no notice path in the notice column"))
            continue
        notice_path = Path(notice) if Path(notice).is_absolute() else path.parent / notice
        out.append(Item(notice_path, provider or None))
    return out


# ---- analysing (on a worker, or here) ----------------------------------------------------


def analyse_chunk(chunk: list[tuple], audit_date: str | None = None) -> list[tuple[int, dict]]:
    """Each (index, provider, source, raw bytes, html) analysed into a profile row; a notice that fails gets a row
    with its reason. Runs on a Dask worker: everything it needs comes in the chunk."""
    from .notice import analyse
    from .notice.text import prepare

    out = []
    for index, provider, source, raw, is_html in chunk:
        try:
            notice = prepare(raw, Path(source).name, html=is_html)
            profile = analyse(notice, source=notice.source, audit_date=audit_date)
            out.append((index, profile_row(profile, provider or profile.organisation or Path(source).stem, source)))
        except DpiaError as exc:
            out.append((index, failed_row(provider or Path(source).stem, source, str(exc))))
        except Exception as exc:  # noqa: BLE001 - one notice that breaks the analyser must not stop a survey
            out.append((index, failed_row(provider or Path(source).stem, source,
                                          f"could not be analysed ({type(exc).__name__}: {exc})")))
    return out


def profile_row(profile, provider: str, source: str) -> dict:
    present, absent, na = [], [], []
    for key, element in profile.elements.items():
        (na if not profile.applicable(key) else present if element.present else absent).append(key)
    applicable = len(present) + len(absent)  # the score and rank are the comparison's (write)
    return {"provider": provider, "source": source, "error": None, "organisation": profile.organisation,
            "last_updated": profile.last_updated, "audit_date": profile.audit_date,
            "elements_present": present, "elements_absent": absent, "elements_not_applicable": na,
            "legitimate_interests_relied_on": bool(profile.legitimate_interests_relied_on),
            "consent_relied_on": bool(profile.consent_relied_on), "all_data_from_person": bool(profile.all_data_from_person),
            "art6": list(profile.art6), "art9": list(profile.art9), "dpa2018_schedule1": bool(profile.dpa2018_schedule1),
            "special_categories": list(profile.special_categories), "transfer_status": profile.transfer_status,
            "transfer_countries": list(profile.transfer_countries), "transfer_mechanisms": list(profile.transfer_mechanisms),
            "retention_status": profile.retention_status, "retention_periods": list(profile.retention_periods),
            "automated_decision_making": profile.automated_decision_making,
            "findings": [{"code": f.code, "severity": f.severity} for f in profile.findings],
            "high_findings": sum(f.severity == "high" for f in profile.findings),
            "present": len(present), "applicable": applicable}


def failed_row(provider: str, source: str, error: str) -> dict:
    return {"provider": provider, "source": source, "error": error}


def _schema():
    import pyarrow as pa

    strings = pa.list_(pa.string())
    return pa.schema([
        ("provider", pa.string()), ("source", pa.string()), ("error", pa.string()), ("organisation", pa.string()),
        ("last_updated", pa.string()), ("audit_date", pa.string()),
        ("elements_present", strings), ("elements_absent", strings), ("elements_not_applicable", strings),
        ("legitimate_interests_relied_on", pa.bool_()), ("consent_relied_on", pa.bool_()), ("all_data_from_person", pa.bool_()),
        ("art6", strings), ("art9", strings), ("dpa2018_schedule1", pa.bool_()), ("special_categories", strings),
        ("transfer_status", pa.string()), ("transfer_countries", strings), ("transfer_mechanisms", strings),
        ("retention_status", pa.string()), ("retention_periods", strings), ("automated_decision_making", pa.string()),
        ("findings", pa.list_(pa.struct([("code", pa.string()), ("severity", pa.string())]))),
        ("high_findings", pa.int32()), ("present", pa.int32()), ("applicable", pa.int32()), ("score", pa.float64()),
        ("rank", pa.int32()),
    ])


# ---- the run -----------------------------------------------------------------------------


@dataclass
class Survey:
    rows: list[dict]
    written: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # analysing the notices; writing the files

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.rows if r.get("error")]


def _chunks(todo: list[Item], failed: dict[int, dict], bar) -> Iterator[list[tuple]]:
    """Chunks of notices read from disk as they are needed (a survey's notices are never all in memory at once)."""
    from .notice.text import MAX_BYTES

    chunk: list[tuple] = []
    for i, item in enumerate(todo):
        if item.error:
            failed[i] = failed_row(item.provider or item.path.name, str(item.path), item.error)
            bar.update(1)
            continue
        try:
            raw = read_bytes(item.path, MAX_BYTES, "notice file")
        except DpiaError as exc:
            failed[i] = failed_row(item.provider or item.path.stem, str(item.path), str(exc))
            bar.update(1)
            continue
        chunk.append((i, item.provider, str(item.path), raw, True if item.path.suffix.lower() in (".html", ".htm") else None))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_survey(inputs: list[str], out_dir: str | Path, *, audit_date: str | None = None, scheduler: str | None = None,
               workers: int | None = None, progress: bool = True) -> Survey:
    """Analyse every notice, write the Parquet profiles, the comparison pages and the list of failures."""
    from . import engine
    from .report.batch import _progress

    todo = items(inputs)
    out = ensure_dir(Path(out_dir))
    rows: dict[int, dict] = {}
    bar = _progress(len(todo), progress)
    bar.set_description("Notices")

    def done(chunk, value, error) -> None:
        if error is not None:
            reason = f"could not be analysed on the cluster: {engine.explain(error)}"
            for index, provider, source, _raw, _html in chunk:
                rows[index] = failed_row(provider or Path(source).stem, source, reason)
        else:
            rows.update(dict(value))
        bar.update(len(chunk))

    clock = time.perf_counter()
    try:
        chunks = _chunks(todo, rows, bar)
        if scheduler or worth_a_cluster(len(todo), workers):
            with engine.client(scheduler, workers) as c:
                engine.run(c, analyse_chunk, chunks, done, audit_date=audit_date)
        else:
            for chunk in chunks:
                done(chunk, analyse_chunk(chunk, audit_date), None)
    finally:
        bar.close()
    ordered = [rows[i] for i in range(len(todo))]
    for row, name in zip(ordered, _unique([r["provider"] for r in ordered])):
        row["provider"] = name
    survey = Survey(ordered, seconds={"analyse": time.perf_counter() - clock})
    clock = time.perf_counter()
    survey.written = write(survey, out)
    survey.seconds["write"] = time.perf_counter() - clock
    return survey


def worth_a_cluster(notices: int, workers: int | None = None) -> bool:
    cores = workers or os.cpu_count() or 1
    return cores > 1 and notices * NOTICE_SECONDS * (1 - 1 / cores) > CLUSTER_START_SECONDS


def write(survey: Survey, out: Path) -> list[Path]:
    import pandas as pd
    import pyarrow as pa

    from .compare import to_html

    out = ensure_dir(out)
    comparison = build(providers(survey.rows))
    scores = {row.Provider: (float(row.Score), None if row.Rank is pd.NA else int(row.Rank))  # not ranked: not comparable
              for row in comparison.scores.itertuples()}
    for row in survey.rows:  # the comparison's score and rank, so the file and the page agree
        row["score"], row["rank"] = scores.get(row["provider"], (None, None))
    table = pa.Table.from_pylist(survey.rows, schema=_schema())
    written = [out / PROFILES]
    _write_parquet(table, out / PROFILES)
    write_atomic(out / "comparison.html", to_html(comparison, "comparison"))
    written.append(out / "comparison.html")
    written += comparison.write_csv(out, "comparison")
    written.append(write_matrix(comparison, out / "matrix.parquet"))
    failed = io.StringIO()
    writer = csv.writer(failed, lineterminator="\n")
    writer.writerow(["provider", "notice", "reason"])
    for row in survey.failed:
        writer.writerow([_defuse(row["provider"]), _defuse(row["source"]), _defuse(row["error"])])
    write_atomic(out / "failed.csv", failed.getvalue())
    written.append(out / "failed.csv")
    return written


def _defuse(text: str) -> str:
    """A cell a spreadsheet would run as a formula is written as text (as tables.defused does for the matrices)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _write_parquet(table, path: Path) -> None:
    import pyarrow.parquet as pq

    from .files import commit, temp_beside

    tmp = temp_beside(path)
    try:
        pq.write_table(table, tmp, compression="zstd")
        commit(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_matrix(comparison: Comparison, path: Path) -> Path:
    """Every provider's value for every practice: one row per provider, a column per ``matrix: practice``."""
    import pandas as pd
    import pyarrow as pa

    frames = [m.T.add_prefix(f"{name}: ") for name, m in comparison.matrices.items()]
    wide = pd.concat(frames, axis=1) if frames else pd.DataFrame()
    wide.index.name = "provider"
    _write_parquet(pa.Table.from_pandas(wide.reset_index().astype(str), preserve_index=False), path)
    return path


# ---- reading profiles back: `dpia compare profiles.parquet` -------------------------------


class _Element:
    __slots__ = ("present",)

    def __init__(self, present: bool) -> None:
        self.present = present


class _Finding:
    __slots__ = ("code", "severity")

    def __init__(self, code: str, severity: str) -> None:
        self.code, self.severity = code, severity


class StoredProfile:
    """The part of a NoticeProfile a comparison reads, rebuilt from a Parquet row. Which elements apply is worked out
    again by NoticeProfile's own rule, from the facts the row keeps (what the notice relies on, the audit date)."""

    def __init__(self, row: dict) -> None:
        from .notice import ELEMENT_IDS

        self.source = row["source"]
        self.organisation = row.get("organisation")
        self.audit_date = row.get("audit_date") or ""
        self.legitimate_interests_relied_on = bool(row.get("legitimate_interests_relied_on"))
        self.consent_relied_on = bool(row.get("consent_relied_on"))
        self.all_data_from_person = bool(row.get("all_data_from_person"))
        present = set(row.get("elements_present") or [])
        self.elements = {key: _Element(key in present) for key in ELEMENT_IDS}
        for name in ("art6", "art9", "special_categories", "transfer_countries", "transfer_mechanisms", "retention_periods"):
            setattr(self, name, list(row.get(name) or []))
        self.dpa2018_schedule1 = bool(row.get("dpa2018_schedule1"))
        self.transfer_status = row.get("transfer_status") or "not_stated"
        self.retention_status = row.get("retention_status") or "not_stated"
        self.automated_decision_making = row.get("automated_decision_making") or "not_mentioned"
        self.findings = [_Finding(f["code"], f["severity"]) for f in row.get("findings") or []]

    def not_applicable_because(self, element_id: str) -> str | None:
        from .notice.profile import NoticeProfile

        return NoticeProfile.not_applicable_because(self, element_id)  # type: ignore[arg-type]

    def applicable(self, element_id: str) -> bool:
        return self.not_applicable_because(element_id) is None


def providers(rows: list[dict]) -> list[Provider]:
    out = []
    for row in rows:
        error = row.get("error")
        out.append(Provider(row["provider"], row["source"], "notice", profile=None if error else StoredProfile(row), error=error))
    return out


def read_profiles(path: Path) -> list[Provider]:
    """The providers of a survey's profiles.parquet, ready to compare."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"{path}: not a survey's Parquet file ({exc}); give the profiles.parquet `dpia survey` wrote") from None
    missing = [c for c in ("provider", "source", "error", "elements_present") if c not in table.column_names]
    if missing:
        raise InputError(f"{path}: not a survey's profiles (no column {', '.join(missing)}); "
                         "give the profiles.parquet `dpia survey` wrote")
    return providers(table.to_pylist())
