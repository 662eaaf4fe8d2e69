"""Benchmark `dpia compare` at scale: N providers (default 500) with varied notices.

Each generated notice keeps a random subset of the paragraphs of a sample notice, so profiles
differ (elements dropped, bases and retention missing...). Optionally some providers are full
audits (copies of the samples). Times the comparison and its HTML, excluding the PDF.

    .venv/bin/python benchmarks/compare_providers.py [--count 500] [--audits 0] [--workers N]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

from dpia.compare import compare, to_html

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def generate(where: Path, count: int, audits: int, seed: int = 11) -> list[Path]:
    rng = random.Random(seed)
    samples = sorted(p for p in SAMPLES.iterdir() if p.is_dir())
    texts = [(p / "notice.txt").read_text(encoding="utf-8").split("\n\n") for p in samples]
    paths = []
    for i in range(count):
        if i < audits:
            target = where / f"audit-{i:04d}"
            shutil.copytree(samples[i % len(samples)], target)
        else:
            paragraphs = texts[i % len(texts)]
            kept = [p for p in paragraphs if rng.random() < 0.8] or paragraphs[:1]
            target = where / f"provider-{i:04d}.txt"
            target.write_text(f"Provider {i:04d} Ltd Privacy Notice\n\n" + "\n\n".join(kept), encoding="utf-8")
        paths.append(target)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--audits", type=int, default=0, help="how many of the providers are full audits")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(Path(tmp), args.count, args.audits)
        start = time.perf_counter()
        comparison = compare(paths, audit_date="2026-11-23", workers=args.workers)
        read = time.perf_counter() - start
        page = to_html(comparison)
        total = time.perf_counter() - start
    print(f"{args.count} providers ({args.audits} audits): read and compared in {read:.1f} s, "
          f"with the HTML ({len(page) / 1e6:.1f} MB) in {total:.1f} s")


if __name__ == "__main__":
    main()
