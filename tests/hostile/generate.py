"""Hostile and huge inputs, made on demand in a test's temporary folder (never committed)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def big_audit(dest: Path, activities: int, *, sample: str = "best2care", risks: int | None = None) -> Path:
    """A valid audit with ``activities`` activities (the sample's rows repeated under new ids), one flow
    each, and ``risks`` risks (default a tenth of the activities) spread over them."""
    shutil.copytree(SAMPLES / sample, dest)
    header, base = _rows(dest / "activities.csv")
    rows = []
    for i in range(activities):
        row = dict(base[i % len(base)])
        row["activity_id"] = f"A{i + 1}"
        row["name"] = f"{row['name']} {i + 1}"
        rows.append(row)
    _write(dest / "activities.csv", header, rows)
    old_ids = [r["activity_id"] for r in base]
    fheader, fbase = _rows(dest / "flows.csv")
    by_activity = {a: [f for f in fbase if f["activity_id"] == a] for a in old_ids}
    flows = []
    for i in range(activities):
        template = by_activity[old_ids[i % len(base)]]
        if template:
            row = dict(template[i % len(template)])
            row.update(flow_id=f"F{len(flows) + 1}", activity_id=f"A{i + 1}")
            flows.append(row)
    _write(dest / "flows.csv", fheader, flows)
    rheader, rbase = _rows(dest / "risks.csv")
    count = activities // 10 if risks is None else risks
    _write(dest / "risks.csv", rheader, [
        {**rbase[i % len(rbase)], "risk_id": f"R{i + 1}", "activity_ids": f"A{(i * 10) % activities + 1}"}
        for i in range(count)])
    return dest
