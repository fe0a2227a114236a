#!/usr/bin/env python3
"""Two versions of the evaluator, side by side on the same year: the product's own stage times.

    python benchmarks/side_by_side.py BEFORE [AFTER] --data benchmarks/data/year-100000f-200u-s1.json [--runs 5]

BEFORE and AFTER are git revisions (AFTER: the working tree when left out). Each is checked out
into a temporary worktree; then the two take turns, each run a fresh Python process (as
`evaluator run` is) calling that version's own `benchmarks/run.py` pipeline on the same data
file with that version's policy, and the medians per stage are printed as a markdown table.
A machine here is noisy: taking turns puts both versions in the same noise, so their ratio
holds where the seconds of separate runs do not.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("parse", "validate", "checks", "compile", "engine", "score", "write")

# One run of one version: its pipeline, its policy, the stage seconds as JSON on stdout.
_ONE_RUN = """
import gc, json, sys, tempfile
from pathlib import Path
tree, data = Path(sys.argv[1]), Path(sys.argv[2])
sys.path[:0] = [str(tree / "src"), str(tree / "benchmarks")]
import run
gc.disable()
times, _, _ = run.run_pipeline(data, tree / "policies" / "method-2020.yaml", Path(tempfile.mkdtemp()) / "result.json")
print(json.dumps(times))
"""


@contextmanager
def checked_out(revision: str | None) -> Iterator[Path]:
    """The tree of `revision` (None: this working tree)."""
    if revision is None:
        yield ROOT
        return
    with tempfile.TemporaryDirectory(prefix="evaluator-side-") as folder:
        tree = Path(folder) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), revision], check=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)


def one_run(tree: Path, data: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _ONE_RUN, str(tree), str(data)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(runs: list[dict[str, float]]) -> dict[str, float]:
    out = {stage: statistics.median(r.get(stage, 0.0) for r in runs) for stage in STAGES}
    out["floor"] = statistics.median(r["parse"] + r["validate"] for r in runs)
    out["after validation"] = statistics.median(sum(r.get(s, 0.0) for s in STAGES[2:]) for r in runs)
    out["whole run"] = statistics.median(sum(r.get(s, 0.0) for s in STAGES) for r in runs)
    return out


def table(before: dict[str, float], after: dict[str, float]) -> str:
    lines = ["| stage (s, median) | before | after | before / after |", "|---|---:|---:|---:|"]
    for key in (*STAGES, "floor", "after validation", "whole run"):
        ratio = f"{before[key] / after[key]:.2f}×" if after[key] else ""
        lines.append(f"| {key} | {before[key]:.3f} | {after[key]:.3f} | {ratio} |")
    lines.append(f"| after validation / floor | {before['after validation'] / before['floor']:.2f}× | "
                 f"{after['after validation'] / after['floor']:.2f}× | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after", nargs="?")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    data = args.data.resolve()
    with checked_out(args.before) as old, checked_out(args.after) as new:
        runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for _ in range(args.runs):
            runs["before"].append(one_run(old, data))
            runs["after"].append(one_run(new, data))
    print(f"{data.name}, {args.runs} runs each, taking turns: {args.before} → {args.after or 'working tree'}")
    print(table(summary(runs["before"]), summary(runs["after"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
