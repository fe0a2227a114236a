#!/usr/bin/env python3
"""How long the product takes to read a year from a ledger workbook, beside the same year as JSON.

    python benchmarks/ledger_load.py [--facts 10000 100000] [--repeat 3]

For each size a synthetic year (benchmarks/generate.py: 200 units, every fact type) is
written as JSON and converted to a ledger workbook by the product's own converter
(`evaluator.inputs.convert`, the `evaluator convert` command). Then both are read, round robin in
one process, by the product's public loader `evaluator.domain.factset.load_factset` (parse,
the office's words, validation: everything before scoring), and the medians and their
ratio are printed. The target (issue 10): a 100k-row workbook within 3x the JSON.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  (benchmarks/generate.py)

from evaluator.domain.factset import load_factset  # noqa: E402
from evaluator.domain.policy.registry import choose_policy  # noqa: E402
from evaluator.inputs.convert import convert  # noqa: E402


def timed(path: Path) -> float:
    gc.collect()
    start = time.perf_counter()
    load_factset(path)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    policy = choose_policy(generate.DEFAULT_YEAR, None)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n in args.facts:
            json_path = Path(folder) / f"year-{n}.json"
            generate.write(generate.generate(n, 200, seed=7), str(json_path), "json")
            start = time.perf_counter()
            workbook = Path(folder) / f"year-{n}.xlsx"
            workbook.write_bytes(convert(load_factset(json_path), policy, workbook))
            written = time.perf_counter() - start
            assert len(load_factset(workbook).facts) == n   # the workbook holds the same year
            times = {"json": [], "xlsx": []}
            for _ in range(args.repeat):
                times["json"].append(timed(json_path))
                times["xlsx"].append(timed(workbook))
            j, x = statistics.median(times["json"]), statistics.median(times["xlsx"])
            rows.append((n, j, x, x / j, written, workbook.stat().st_size / 2**20))
    print("| facts | JSON read (s) | workbook read (s) | workbook / JSON | convert to workbook (s) | workbook MiB |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, j, x, ratio, written, mib in rows:
        print(f"| {n:,} | {j:.3f} | {x:.3f} | {ratio:.2f}x | {written:.1f} | {mib:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
