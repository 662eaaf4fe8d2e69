"""Benchmark `dpia.notice.analyse`: notices per second on one core.

Builds N notices of about 15 KB each from the bundled sample notices (varying their order and
wording so no two are identical), then times analysing them in this one process, in a few
passes: shared virtual machines vary by a fifth or more from one second to the next, so each
pass is shown and the median is the figure to quote.

    .venv/bin/python benchmarks/analyse_notices.py [--count 1000] [--size 15360] [--passes 3]

On a machine shared with others, compare two versions by instructions rather than seconds:
run the script under ``valgrind --tool=cachegrind --cache-sim=no`` with ``--count 21 --passes 1``
and with ``--count 21 --passes 0`` (the automaton cache warm); the difference of the two "I refs"
totals divided by 21 is the instructions analysing one notice costs (both runs build the same
notices and load the rules, so neither is counted).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from dpia.notice import analyse

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def corpus(count: int, size: int, seed: int = 7) -> list[str]:
    """``count`` notices of ``size`` bytes (UTF-8) or a little under, made of shuffled sample paragraphs."""
    rng = random.Random(seed)
    paragraphs = [p for f in sorted(SAMPLES.glob("*/notice.txt")) for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    notices = []
    for n in range(count):
        rng.shuffle(paragraphs)
        parts = [f"Provider {n} Privacy Notice"]
        length = len(parts[0])
        for p in paragraphs:
            p = p.replace("we ", rng.choice(["we ", "We ", "our team "]), 1)
            if length + len(p.encode()) + 2 <= size:
                parts.append(p)
                length += len(p.encode()) + 2
        notices.append("\n\n".join(parts))
    return notices


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--size", type=int, default=15 * 1024, help="bytes per notice, at most")
    ap.add_argument("--passes", type=int, default=3, help="times to analyse the whole set (0: build it only)")
    args = ap.parse_args()
    notices = corpus(args.count, args.size)
    analyse(notices[0], audit_date="2026-11-23")  # load and compile the rules once, as a batch does
    if args.passes < 1:
        return
    rates = []
    for _ in range(args.passes):
        start = time.perf_counter()
        for text in notices:
            analyse(text, audit_date="2026-11-23")
        rates.append(len(notices) / (time.perf_counter() - start))
    mean_kb = sum(len(t.encode()) for t in notices) / len(notices) / 1024
    median = statistics.median(rates)
    print(f"{len(notices)} notices of {mean_kb:.1f} KB on average, {len(rates)} passes: "
          f"{', '.join(f'{r:.0f}' for r in rates)} notices per second")
    print(f"median {median:.0f} notices per second ({1000 / median:.2f} ms each)")


if __name__ == "__main__":
    main()
