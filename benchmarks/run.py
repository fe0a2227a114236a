#!/usr/bin/env python3
"""Benchmark of the evaluator: the product's public stages timed, next to two baselines.

    python benchmarks/run.py [--sizes 10000,100000,1000000] [--repeat 3] [--units 200]
                             [--markdown docs/performance.md] [--json out.json]

For each size a synthetic year (benchmarks/generate.py, JSON) is generated once into
benchmarks/data/ and reused. Each size is measured in a fresh Python process, so its
peak RSS is its own. In that process, on the same facts:

- the evaluator through its public entry points, as `evaluator run FILE --format json
  --output OUT` chains them: `load_factset`, `load_policy`, `evaluate`, and the JSON
  writer into `write_atomically`. The stage times are the ones the product itself reports
  (evaluator.timing, free when nobody records):
    parse     load_factset: reading the file (and its digest)
    validate  load_factset: check_factset
    checks    evaluate: the completeness warnings; from 20,000 to 250,000 facts they run on
              the second core while the engine scores (src/evaluator/parallel.py), and the
              stage is then what the run waited for them: the fork and the warnings' unpickling
    compile   load_policy (timed here) + evaluate: building the rule engine
    engine    evaluate: derivations, grouping by unit, the engine run, the conservation check
    score     evaluate: decisions and findings, the scorecard
    write     write_atomically: the result streamed to a file, fsync and rename
  each repeated --repeat times (median reported);
- the floor: parse + validate, i.e. what any evaluation must pay to read its input;
- raw per-fact durable-rules: the same compiled ruleset through durable-rules' own Python
  API used safely (a Host without timer threads), each fact asserted on its own
  (`assert_fact`, a dict of all its fields, sid = its unit), each rule's action a Python
  function recording what it matched, `delete_state` once a unit is done. No evaluator
  logic. Also shown, as a lower bound: the C engine alone (`durable_rules_engine`
  calls, action messages not even decoded).
  At most --raw-sample facts (the first ones in the file) are timed and the per-fact
  cost is extrapolated to the full size; the output says when that happened.

The pipeline runs with the garbage collector off, as `evaluator run` does: its objects
hold no cycles, and collection passes over a million facts cost a quarter of the time.

Peak RSS is the process's VmHWM after the evaluator's runs (before the raw baseline,
whose own peak is reported separately); the largest second-core child's is shown beside
it. Then start-up is timed as a person meets it: `evaluator --help`, `evaluator run
examples/2024.yaml` and `evaluator run
examples/2024.xlsx` as subprocesses, process start included, taking turns, median of
--startup-runs. The evaluator's bytecode is compiled first, as an install and any first run
leave it: a shell with PYTHONDONTWRITEBYTECODE set (this workspace's is) would otherwise
time the compiling of its sources on every run.

The issue's targets are printed as measured ratios with met / not met.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
DATA_DIR = BENCH / "data"
POLICY = ROOT / "policies" / "method-2020.yaml"

STAGES = ("parse", "validate", "checks", "compile", "engine", "score", "write")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_RAW_SAMPLE = 100_000
MEMORY_LIMIT = 1.5e9           # bytes: "1.5 GB", read as 10^9 (the stricter reading)
MARK_START = "<!-- benchmark:start (written by benchmarks/run.py --markdown) -->"
MARK_END = "<!-- benchmark:end -->"


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------
def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def data_path(n_facts: int, n_units: int, seed: int, data_dir: Path = DATA_DIR) -> Path:
    return Path(data_dir) / f"year-{n_facts}f-{n_units}u-s{seed}.json"


def ensure_data(n_facts: int, n_units: int, seed: int, data_dir: Path = DATA_DIR) -> Path:
    """The synthetic year for this size and seed, generated once and reused."""
    path = data_path(n_facts, n_units, seed, data_dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        gen = _generator()
        partial = path.with_suffix(".json.partial")
        gen.write(gen.generate_stream(n_facts, n_units, seed), str(partial), "json")
        os.replace(partial, path)
    return path


# --------------------------------------------------------------------------------------------
# Measuring one size (runs inside a fresh process: see run_size)
# --------------------------------------------------------------------------------------------
def peak_rss() -> int:
    """The process's peak resident set size in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def peak_rss_of_children() -> int:
    """The largest peak resident set size of this process's finished children: the evaluator's
    second-core work (src/evaluator/parallel.py). A forked child's resident pages include those
    it still shares with the parent, so the machine held less than the two peaks' sum."""
    import resource
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def run_pipeline(path: Path, policy_path: Path, out_path: Path) -> tuple[dict[str, float], dict[str, Any], Any]:
    """One evaluation through the product's public entry points, as `evaluator run FILE --format
    json --output OUT` chains them; returns (seconds per stage, counts, the fact set).

    The stage times are the product's own (evaluator.timing): `load_factset` reports parse
    and validate, `evaluate` checks, compile, engine and score, `write_atomically` write.
    Only the policy's loading is timed here, as part of compile."""
    from evaluator.domain.evaluate import evaluate
    from evaluator.domain.factset import load_factset
    from evaluator.domain.policy import load_policy
    from evaluator.timing import stage, stages
    from evaluator.views.formats import RUN
    from evaluator.views.output import write_atomically

    with stages() as recorded:
        factset = load_factset(path)
        with stage("compile"):
            policy = load_policy(policy_path)
        evaluation = evaluate(factset, policy)
        write_atomically(out_path, RUN["json"].content(evaluation))
    times = {name: recorded.seconds.get(name, 0.0) for name in STAGES}
    unknown = set(recorded.seconds) - set(STAGES)
    if unknown:  # a stage the product reports that this benchmark would silently leave out
        raise RuntimeError(f"the product reported stages the benchmark does not know: {sorted(unknown)}")
    counts = {"facts": len(factset.facts), "units": len(factset.units), "derived": len(evaluation.derived),
              "findings": len(evaluation.findings)}
    return times, counts, factset


def _json_safe(value: Any) -> Any:
    from evaluator.domain.conditions import engine_value
    if isinstance(value, Decimal):
        return engine_value(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def raw_fact_dicts(facts: list[Any]) -> dict[str, list[dict]]:
    """Per unit, each fact as a JSON-safe dict of all its set fields, with an engine id and sid.

    The engine id is a collision-free sequential number (the engine's own id scheme: a
    32-bit hash of `id` identifies a fact within a state); the real id is kept as fact_id.
    """
    from evaluator.domain.engine import _engine_ids
    by_unit: dict[str, list[Any]] = defaultdict(list)
    for fact in facts:
        by_unit[fact.unit].append(fact)
    out: dict[str, list[dict]] = {}
    for unit, unit_facts in by_unit.items():
        ids = _engine_ids(len(unit_facts))
        out[unit] = [
            {**{k: _json_safe(v) for k, v in fact.__dict__.items() if v is not None},
             "fact_id": fact.id, "id": engine_id, "sid": unit}
            for engine_id, fact in zip(ids, unit_facts)]
    return out


def run_raw(policy_path: Path, fact_dicts: dict[str, list[dict]]) -> dict[str, Any]:
    """Raw per-fact durable-rules: one assert_fact per fact, actions drained after each."""
    import durable_rules_engine as dre
    from evaluator.domain.engine import ruleset_definition
    from evaluator.domain.policy import load_policy

    policy = load_policy(policy_path)
    definition = json.dumps(ruleset_definition(policy), ensure_ascii=False)
    dumps = json.dumps
    assert_fact, start_action, complete = dre.assert_fact, dre.start_action, dre.complete_and_start_action
    actions = unmatched = 0
    t0 = time.perf_counter()
    handle = dre.create_ruleset(f"bench-raw-{os.getpid()}-{time.monotonic_ns()}", definition)
    try:
        for unit in sorted(fact_dicts):
            for fact in fact_dicts[unit]:
                try:
                    code = assert_fact(handle, dumps(fact, ensure_ascii=False))
                except Exception as exc:  # noqa: BLE001 - the C engine raises bare exceptions
                    raise RuntimeError(f"durable-rules refused fact {fact['fact_id']}: {exc}") from exc
                if code and code[0] == 1:
                    unmatched += 1
                elif code and code[0] == 2:
                    raise RuntimeError(f"durable-rules took fact {fact['fact_id']} for another (id clash)")
                result = start_action(handle)
                while result:
                    actions += 1
                    following = complete(handle, result[2])
                    result = (None, following, result[2]) if following else None
            dre.delete_state(handle, unit)
    finally:
        dre.delete_ruleset(handle)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "actions": actions, "unmatched": unmatched,
            "facts": sum(len(v) for v in fact_dicts.values())}


def run_raw_api(policy_path: Path, fact_dicts: dict[str, list[dict]]) -> dict[str, Any]:
    """Raw per-fact durable-rules through its own Python API, used the safe way the notes
    describe: a Host with no timer threads, one `assert_fact` per fact, each rule's action
    a Python function that records what it matched. No evaluator logic at all."""
    from durable import engine as durable_engine
    from evaluator.domain.engine import ruleset_definition
    from evaluator.domain.policy import load_policy

    class QuietHost(durable_engine.Host):
        def _run(self):  # no dispatch/timer threads: actions run inside assert_fact
            pass

    policy = load_policy(policy_path)
    recorded: list[tuple[str, dict]] = []
    rules = {name: dict(rule, run=(lambda name: lambda c: recorded.append((name, c._m)))(name))
             for name, rule in ruleset_definition(policy).items()}
    name = f"bench-api-{os.getpid()}-{time.monotonic_ns()}"
    unmatched = 0
    t0 = time.perf_counter()
    host = QuietHost()
    host.register_rulesets({name: rules})
    try:
        for unit in sorted(fact_dicts):
            for fact in fact_dicts[unit]:
                try:
                    host.assert_fact(name, fact)
                except durable_engine.MessageNotHandledException:
                    unmatched += 1
            host.delete_state(name, unit)
    finally:
        import durable_rules_engine as dre
        dre.delete_ruleset(host.get_ruleset(name)._handle)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "actions": len(recorded), "unmatched": unmatched,
            "facts": sum(len(v) for v in fact_dicts.values())}


def measure(path: Path, repeat: int, raw_sample: int, policy_path: Path = POLICY,
            raw_repeat: int | None = None) -> dict[str, Any]:
    """Everything for one size, in this process: stage timings, peak RSS, raw baseline."""
    path = Path(path)
    runs: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, Any] = {}
    factset = None
    baseline_rss = peak_rss()
    with tempfile.TemporaryDirectory(prefix="evaluator-bench-") as tmp:
        out_path = Path(tmp) / "result.json"
        for _ in range(max(1, repeat)):
            factset = None
            gc.collect()
            gc.disable()  # as `evaluator run` runs: commands/cli.py main() switches it off for the process
            try:
                times, counts, factset = run_pipeline(path, policy_path, out_path)
            finally:
                gc.enable()
            for key, value in times.items():
                runs[key].append(value)
        counts["result_bytes"] = out_path.stat().st_size
    evaluator_rss, children_rss = peak_rss(), peak_rss_of_children()

    facts = factset.facts
    n_facts = len(facts)
    sample = facts[:raw_sample] if raw_sample and n_facts > raw_sample else facts
    factset = None
    gc.collect()
    fact_dicts = raw_fact_dicts(sample)
    del facts, sample
    gc.collect()
    raw_runs, c_runs = [], []
    raw_info: dict[str, Any] = {}
    for _ in range(max(1, raw_repeat if raw_repeat is not None else repeat)):
        raw_info = run_raw_api(policy_path, fact_dicts)
        raw_runs.append(raw_info["seconds"])
        c_runs.append(run_raw(policy_path, fact_dicts)["seconds"])
    raw_n = raw_info["facts"]
    raw_median = statistics.median(raw_runs)
    per_fact = raw_median / raw_n if raw_n else 0.0
    c_per_fact = statistics.median(c_runs) / raw_n if raw_n else 0.0
    return {
        "path": str(path), "bytes": path.stat().st_size, "facts": n_facts, "repeat": max(1, repeat),
        "runs": dict(runs), "median": {k: statistics.median(v) for k, v in runs.items()},
        "counts": counts,
        "peak_rss": evaluator_rss, "start_rss": baseline_rss, "peak_rss_with_raw": peak_rss(),
        "peak_rss_child": children_rss,
        "raw": {"runs": raw_runs, "median": raw_median, "sample": raw_n, "sampled": raw_n < n_facts,
                "per_fact": per_fact, "estimated_full": per_fact * n_facts,
                "actions": raw_info["actions"], "unmatched": raw_info["unmatched"],
                "c_per_fact": c_per_fact, "c_estimated_full": c_per_fact * n_facts},
        "python": platform.python_version(),
    }


def run_size(path: Path, repeat: int, raw_sample: int, raw_repeat: int | None = None,
             policy_path: Path = POLICY) -> dict[str, Any]:
    """measure() in a fresh Python process, so that peak RSS belongs to this size alone."""
    with tempfile.TemporaryDirectory(prefix="evaluator-bench-") as tmp:
        out = Path(tmp) / "size.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(path), "--repeat", str(repeat),
               "--raw-sample", str(raw_sample), "--policy", str(policy_path), "--worker-out", str(out)]
        if raw_repeat is not None:
            cmd += ["--raw-repeat", str(raw_repeat)]
        load_before = _load()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark worker for {path} failed (rc {proc.returncode}):\n{proc.stderr[-4000:]}")
        result = json.loads(out.read_text(encoding="utf-8"))
        result["load"] = [load_before, _load()]
        return result


def _load() -> float | None:
    """The 1-minute load average: other work on the machine skews every timing."""
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover - not on every platform
        return None


# --------------------------------------------------------------------------------------------
# Start-up: what a person waits for, process start included
# --------------------------------------------------------------------------------------------
STARTUP = (  # (what is timed, the arguments to `evaluator`, its limit in seconds wall)
    ("evaluator --help", ["--help"], 0.3),
    ("evaluator run examples/2024.yaml", ["run", "examples/2024.yaml"], 0.5),
    ("evaluator run examples/2024.xlsx", ["run", "examples/2024.xlsx"], 0.5),   # what `make demo` runs
)


def evaluator_command() -> tuple[list[str], str]:
    """The installed `evaluator` script beside this Python, else `python -m evaluator`."""
    script = Path(sys.executable).parent / "evaluator"
    if script.exists():
        return [str(script)], "cli"
    return [sys.executable, "-m", "evaluator"], "python -m evaluator"


def compile_bytecode() -> None:
    """The evaluator's own modules compiled to bytecode where they are imported from.

    pip compiles an installed package; an editable install is compiled by its first run,
    unless PYTHONDONTWRITEBYTECODE is set, when every run compiles ~60 modules again
    (about 0.06 s here). A person runs the evaluator with its bytecode written, so that is
    what is timed; the library's own packages are compiled by pip."""
    import compileall
    import evaluator
    compileall.compile_dir(Path(evaluator.__file__).parent, quiet=1)


def time_startup(runs: int = 5) -> list[dict[str, Any]]:
    """Each start-up command `runs` times as a subprocess, median wall time.

    The commands take turns, round after round, so that a busy moment of the machine
    slows all of them alike rather than one."""
    command, how = evaluator_command()
    compile_bytecode()
    load_before = _load()
    timed = [{"name": name, "args": args, "limit": limit, "runs": [], "error": None, "how": how}
             for name, args, limit in STARTUP]
    for _ in range(max(1, runs)):
        for entry in timed:
            if entry["error"]:
                continue
            t0 = time.perf_counter()
            proc = subprocess.run([*command, *entry["args"]], cwd=ROOT, capture_output=True, text=True)
            entry["runs"].append(time.perf_counter() - t0)
            if proc.returncode != 0:  # its last line (the summary) keeps a table row on one line
                said = (proc.stderr or proc.stdout).strip().splitlines() or [""]
                entry["error"] = f"rc {proc.returncode}: {said[-1][-300:]}"
    load = [load_before, _load()]
    for entry in timed:
        entry["median"] = statistics.median(entry["runs"])
        entry["load"] = load
    return timed


# --------------------------------------------------------------------------------------------
# Ratios and targets
# --------------------------------------------------------------------------------------------
AGAINST_RAW_SIZE = 100_000     # "whole run ≤ half of bare per-fact durable-rules" is stated at 100k facts
AGAINST_RAW_LIMIT = 2.0


def derived_times(r: dict[str, Any]) -> dict[str, float]:
    m = r["median"]
    floor = m["parse"] + m["validate"]
    after = sum(m[stage] for stage in STAGES if stage not in ("parse", "validate"))
    return {"floor": floor, "after_validation": after, "total": floor + after,
            "per_fact_work": floor + after - m["compile"]}


def _raw_detail(r: dict[str, Any]) -> str:
    return (f"raw timed on the first {r['raw']['sample']:,} facts, extrapolated" if r["raw"]["sampled"]
            else "raw timed on the same facts")


def targets(results: dict[int, dict[str, Any]], startup: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The issue's targets as measured ratios; each with met True/False (None: not measured)."""
    sizes = sorted(results)
    small, large = (sizes[0], sizes[-1]) if sizes else (None, None)
    out = []

    def add(name, value, limit, shown, met, detail=""):
        out.append({"target": name, "value": value, "limit": limit, "shown": shown, "met": met, "detail": detail})

    if large is not None:
        r, d = results[large], derived_times(results[large])
        ratio = d["after_validation"] / d["floor"] if d["floor"] else float("inf")
        add(f"evaluation after validation / (parse+validate), at {large:,}", ratio, "≤ 1.0×", f"{ratio:.2f}×",
            ratio <= 1.0, f"{d['after_validation']:.2f} s vs {d['floor']:.2f} s")
        raw_full = r["raw"]["estimated_full"]
        speedup = raw_full / d["after_validation"] if d["after_validation"] else float("inf")
        add(f"raw per-fact durable-rules / evaluation after validation, at {large:,}", speedup, "≥ 5×",
            f"{speedup:.2f}×", speedup >= 5.0,
            f"raw {raw_full:.2f} s vs {d['after_validation']:.2f} s ({_raw_detail(r)})")
    name = f"raw per-fact durable-rules / whole run, at {AGAINST_RAW_SIZE:,}"
    if AGAINST_RAW_SIZE in results:
        r, d = results[AGAINST_RAW_SIZE], derived_times(results[AGAINST_RAW_SIZE])
        raw_full = r["raw"]["estimated_full"]
        ratio = raw_full / d["total"] if d["total"] else float("inf")
        add(name, ratio, f"≥ {AGAINST_RAW_LIMIT:g}×", f"{ratio:.2f}×", ratio >= AGAINST_RAW_LIMIT,
            f"raw {raw_full:.2f} s vs whole run {d['total']:.2f} s ({_raw_detail(r)})")
    else:
        add(name, None, f"≥ {AGAINST_RAW_LIMIT:g}×", "n/a", None, f"{AGAINST_RAW_SIZE:,} facts not measured")
    if large is not None:
        r, d = results[large], derived_times(results[large])
        if small != large:
            ds = derived_times(results[small])
            pf_large = d["per_fact_work"] / r["facts"]
            pf_small = ds["per_fact_work"] / results[small]["facts"]
            scale = pf_large / pf_small
            incl = (d["total"] / r["facts"]) / (ds["total"] / results[small]["facts"])
            add(f"time per fact {large:,} / {small:,}", scale, "≤ 1.3×", f"{scale:.2f}×", scale <= 1.3,
                f"{pf_large * 1e6:.1f} µs vs {pf_small * 1e6:.1f} µs per fact, all stages but the fixed "
                f"compile ({incl:.2f}× with it)")
        else:
            add(f"time per fact {large:,} / {small:,}", None, "≤ 1.3×", "n/a", None, "needs two sizes")
        rss = r["peak_rss"]
        add(f"peak RSS at {large:,}", rss, "≤ 1.5 GB", f"{rss / 1e9:.2f} GB", rss <= MEMORY_LIMIT,
            f"{rss / 2**20:,.0f} MiB, evaluator stages only")
    for name, _, limit in STARTUP:
        entry = next((e for e in startup or () if e["name"] == name), None)
        if entry is None:
            add(f"`{name}`, wall", None, f"< {limit:g} s", "n/a", None, "skipped")
            continue
        detail = f"median of {len(entry['runs'])}, {entry['how']}"
        if entry["error"]:
            detail += f"; FAILED {entry['error']}"
        add(f"`{name}`, wall", entry["median"], f"< {limit:g} s", f"{entry['median']:.2f} s",
            entry["error"] is None and entry["median"] < limit, detail)
    return out


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------
def _rows(results: dict[int, dict[str, Any]]) -> list[tuple[str, list[str]]]:
    sizes = sorted(results)
    rows: list[tuple[str, list[str]]] = []
    for stage in STAGES:
        rows.append((stage, [f"{results[n]['median'][stage]:.3f}" for n in sizes]))
    d = {n: derived_times(results[n]) for n in sizes}
    rows.append(("total (all stages)", [f"{d[n]['total']:.3f}" for n in sizes]))
    rows.append(("floor: parse + validate", [f"{d[n]['floor']:.3f}" for n in sizes]))
    rows.append(("evaluation after validation", [f"{d[n]['after_validation']:.3f}" for n in sizes]))
    rows.append(("raw per-fact durable-rules", [
        f"{results[n]['raw']['estimated_full']:.3f}" + ("*" if results[n]["raw"]["sampled"] else "")
        for n in sizes]))
    rows.append(("facts/s, evaluator (all stages)", [f"{n / d[n]['total']:,.0f}" for n in sizes]))
    rows.append(("facts/s, after validation", [f"{n / d[n]['after_validation']:,.0f}" for n in sizes]))
    rows.append(("raw C engine only (lower bound)", [
        f"{results[n]['raw']['c_estimated_full']:.3f}" + ("*" if results[n]["raw"]["sampled"] else "") for n in sizes]))
    rows.append(("facts/s, raw durable-rules", [
        f"{1 / results[n]['raw']['per_fact']:,.0f}" if results[n]["raw"]["per_fact"] else "-" for n in sizes]))
    rows.append(("peak RSS, evaluator (MiB)", [f"{results[n]['peak_rss'] / 2**20:,.0f}" for n in sizes]))
    rows.append(("peak RSS, largest second-core child (MiB)",
                 [f"{results[n].get('peak_rss_child', 0) / 2**20:,.0f}" for n in sizes]))
    rows.append(("peak RSS, incl. raw run (MiB)", [f"{results[n]['peak_rss_with_raw'] / 2**20:,.0f}" for n in sizes]))
    rows.append(("runs (median of)", [str(results[n]["repeat"]) for n in sizes]))
    return rows


def _notes(results: dict[int, dict[str, Any]], startup: list[dict[str, Any]] | None) -> list[str]:
    notes = []
    for n in sorted(results):
        r = results[n]
        if r["raw"]["sampled"]:
            notes.append(f"* raw at {n:,}: timed on the first {r['raw']['sample']:,} facts "
                         f"({r['raw']['per_fact'] * 1e6:.1f} µs per fact, median of {len(r['raw']['runs'])}) "
                         f"and extrapolated to {n:,}; smaller states than in a full run, so if anything "
                         f"an underestimate of raw cost.")
    cpus = os.cpu_count() or 1
    busy = [f"{n:,} facts" for n in sorted(results)
            if any(x is not None and x > cpus * 0.75 for x in results[n].get("load", []))]
    if startup and any(x is not None and x > cpus * 0.75 for x in startup[0].get("load", [])):
        busy.append("start-up")
    if busy:
        notes.append(f"Warning: the machine was busy (1-min load above {cpus * 0.75:.1f} on {cpus} CPUs) while "
                     f"measuring {', '.join(busy)}; timings are inflated and noisier than usual.")
    first = results[min(results)] if results else None
    if first:
        c = first["counts"]
        notes.append(f"{min(results):,} facts: {c['units']} units, {c['derived']} derived facts, "
                     f"{c['findings']:,} findings.")
    if startup and startup[0]["how"] != "cli":
        notes.append(f"Start-up was timed through `{startup[0]['how']}`: no `evaluator` script beside this Python.")
    return notes


def render(results: dict[int, dict[str, Any]], goals: list[dict[str, Any]],
           startup: list[dict[str, Any]] | None, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    sizes = sorted(results)
    table = Table(title="Evaluator benchmark (seconds, median of runs)", title_justify="left")
    table.add_column("stage")
    for n in sizes:
        table.add_column(f"{n:,} facts", justify="right")
    for name, cells in _rows(results):
        table.add_row(name, *cells, end_section=name in ("write", "raw per-fact durable-rules"))
    console.print(table)
    for note in _notes(results, startup):
        console.print(note, highlight=False)
    if startup:
        start_table = Table(title="Start-up (s wall, process start included)", title_justify="left")
        for col in ("command", "median", "runs"):
            start_table.add_column(col, justify="left" if col == "command" else "right")
        for entry in startup:
            start_table.add_row(entry["name"], f"{entry['median']:.3f}", " ".join(f"{t:.3f}" for t in entry["runs"]))
        console.print(start_table)

    goals_table = Table(title="Targets (ratios measured in this run)", title_justify="left")
    for col in ("target", "measured", "limit", "status", "detail"):
        goals_table.add_column(col)
    for g in goals:
        status = ("[green]met[/green]" if g["met"] else "[red]not met[/red]") if g["met"] is not None else "n/a"
        goals_table.add_row(g["target"], g["shown"], g["limit"], status, g["detail"])
    console.print(goals_table)


def to_markdown(results: dict[int, dict[str, Any]], goals: list[dict[str, Any]],
                startup: list[dict[str, Any]] | None, meta: dict[str, Any]) -> str:
    sizes = sorted(results)
    lines = [f"Measured {meta['date']} on {meta['machine']}, Python {meta['python']}, "
             f"`{meta['command']}`.", "",
             "| stage (s, median) | " + " | ".join(f"{n:,} facts" for n in sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    for name, cells in _rows(results):
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    for note in _notes(results, startup):
        lines += [note.replace("* ", "\\* ", 1) if note.startswith("* ") else note, ""]
    if startup:
        lines += ["| start-up (s wall, median) | median | runs |", "|---|---:|---|"]
        lines += [f"| `{e['name']}` | {e['median']:.3f} | {' '.join(f'{t:.3f}' for t in e['runs'])} |" for e in startup]
        lines.append("")
    lines += ["| target | measured | limit | status | detail |", "|---|---:|---|---|---|"]
    for g in goals:
        status = ("met" if g["met"] else "**not met**") if g["met"] is not None else "n/a"
        lines.append(f"| {g['target']} | {g['shown']} | {g['limit']} | {status} | {g['detail']} |")
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, block: str) -> None:
    """Put the results between the markers of `path` (or append them if it has none)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n\n"
    new = f"{MARK_START}\n{block}{MARK_END}"
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        text = head + new + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------
def _sizes(text: str) -> list[int]:
    return sorted({int(s.replace("_", "").replace("k", "000").replace("M", "000000")) for s in text.split(",") if s})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES), help="fact counts, e.g. 10000,100000,1000000")
    p.add_argument("--repeat", type=int, default=3, help="runs per size below 1M facts (median reported)")
    p.add_argument("--repeat-large", type=int, default=1, help="runs per size of 1M facts or more")
    p.add_argument("--units", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--raw-sample", type=int, default=DEFAULT_RAW_SAMPLE,
                   help="time raw durable-rules on at most this many facts and extrapolate (0: all)")
    p.add_argument("--raw-repeat", type=int, default=None, help="runs of the raw baseline (default: as --repeat)")
    p.add_argument("--startup-runs", type=int, default=5,
                   help="runs of each start-up command (--help, the two bundled examples); 0: skip")
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.add_argument("--policy", type=Path, default=POLICY)
    p.add_argument("--markdown", type=Path, help="also write the results into this Markdown file")
    p.add_argument("--json", type=Path, help="also write every measurement as JSON")
    # internal: one size in this process
    p.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)

    if a.worker:
        result = measure(a.worker, a.repeat, a.raw_sample, a.policy, a.raw_repeat)
        a.worker_out.write_text(json.dumps(result), encoding="utf-8")
        return 0

    from rich.console import Console
    console = Console()
    results: dict[int, dict[str, Any]] = {}
    for n in a.sizes:
        with console.status(f"generating / reusing {n:,} facts"):
            path = ensure_data(n, a.units, a.seed, a.data_dir)
        repeat = a.repeat_large if n >= 1_000_000 else a.repeat
        with console.status(f"measuring {n:,} facts ({repeat} run(s))"):
            t0 = time.perf_counter()
            results[n] = run_size(path, repeat, a.raw_sample, a.raw_repeat, a.policy)
        console.print(f"{n:,} facts measured in {time.perf_counter() - t0:.0f} s wall", style="dim")
    with console.status("timing start-up"):
        startup = time_startup(a.startup_runs) if a.startup_runs > 0 else None
    goals = targets(results, startup)
    render(results, goals, startup, console)

    meta = {"date": dt.date.today().isoformat(), "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "command": "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    if a.markdown:
        write_markdown(a.markdown, to_markdown(results, goals, startup, meta))
    if a.json:
        a.json.write_text(json.dumps({"meta": meta, "sizes": results, "startup": startup, "targets": goals},
                                     indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
