"""benchmarks/run.py: its pieces run end to end on a small year and report every stage and target;
and evaluator.timing, through which the product's public functions report their stages.

Not a timing test: it only checks that the benchmark works and says everything it should.
"""
import ast
import importlib.util
import inspect
import io
import json
import pathlib
import textwrap
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

N_FACTS = 2000


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("bench-data")
    path = bench.ensure_data(N_FACTS, 20, 7, data_dir)
    again = bench.ensure_data(N_FACTS, 20, 7, data_dir)          # reused, not regenerated
    assert again == path
    result = bench.run_size(path, repeat=1, raw_sample=500, raw_repeat=1)   # a fresh process
    startup = bench.time_startup(runs=1)
    return {N_FACTS: result}, startup


def test_every_stage_is_timed(measured):
    results, _ = measured
    r = results[N_FACTS]
    assert r["facts"] == N_FACTS
    for stage in bench.STAGES:
        assert len(r["runs"][stage]) == 1 and r["median"][stage] > 0
    assert r["peak_rss"] > 10 * 2**20
    assert r["counts"]["findings"] > 0 and r["counts"]["units"] == 20


def test_raw_baseline_sampled_and_extrapolated(measured):
    results, _ = measured
    raw = results[N_FACTS]["raw"]
    assert raw["sampled"] and raw["sample"] == 500
    assert raw["actions"] > 0
    assert raw["estimated_full"] == pytest.approx(raw["per_fact"] * N_FACTS)


def test_startup_commands_ran(measured):
    _, startup = measured
    assert [e["name"] for e in startup] == [name for name, _, _ in bench.STARTUP]
    assert any("--help" in e["args"] for e in startup)
    assert {"examples/2024.yaml", "examples/2024.xlsx"} <= {a for e in startup for a in e["args"]}
    for entry in startup:
        assert entry["error"] is None, entry
        assert len(entry["runs"]) == 1 and entry["median"] > 0


def test_output_names_every_stage_and_target(measured):
    from rich.console import Console

    results, startup = measured
    goals = bench.targets(results, startup)
    names = " ".join(g["target"] for g in goals)
    for words in ("after validation / (parse+validate)", "raw per-fact durable-rules / evaluation after validation",
                  "raw per-fact durable-rules / whole run, at 100,000", "time per fact", "peak RSS",
                  "evaluator --help", "examples/2024.yaml", "examples/2024.xlsx"):
        assert words in names, words
    by_name = {g["target"]: g for g in goals}
    assert by_name["raw per-fact durable-rules / whole run, at 100,000"]["met"] is None   # not measured here
    limits = {g["target"]: g["limit"] for g in goals}
    assert limits["`evaluator --help`, wall"] == "< 0.3 s"
    assert limits["`evaluator run examples/2024.xlsx`, wall"] == "< 0.5 s"
    buffer = io.StringIO()
    bench.render(results, goals, startup, Console(file=buffer, width=200, color_system=None))
    text = buffer.getvalue()
    for stage in (*bench.STAGES, "floor: parse + validate", "raw per-fact durable-rules",
                  "evaluation after validation", "facts/s", "peak RSS"):
        assert stage in text, stage
    assert text.count("met") >= 4    # met / not met per measured target
    assert "Start-up" in text
    md = bench.to_markdown(results, goals, startup, {"date": "d", "machine": "m", "python": "p", "command": "c"})
    assert all(stage in md for stage in bench.STAGES)
    assert "`evaluator --help`" in md
    json.dumps({"sizes": results, "targets": goals})  # everything serializable


def test_the_benchmark_runs_the_product_not_a_copy_of_it(tmp_path):
    """run_pipeline writes what evaluate() finds, and calls only public entry points."""
    from evaluator.domain.evaluate import evaluate
    from evaluator.domain.factset import load_factset
    from evaluator.domain.policy import load_policy

    path = bench.ensure_data(300, 5, 3, tmp_path)
    times, counts, _ = bench.run_pipeline(path, bench.POLICY, tmp_path / "out.json")
    assert set(times) == set(bench.STAGES) and all(t > 0 for t in times.values()), times
    ev = evaluate(load_factset(path), load_policy(bench.POLICY))
    assert counts["findings"] == len(ev.findings)
    written = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [f["id"] for f in written["findings"]] == [f.id for f in ev.findings]
    called = {node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
              for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(bench.run_pipeline))))
              if isinstance(node, ast.Call)}
    assert {"load_factset", "evaluate", "write_atomically"} <= called
    steps = {"check_factset", "read_factset_document", "derive", "RuleEngine", "run_checks", "make_findings",
             "decide", "build_scorecard", "load_document", "write_json"}
    assert called & steps == set(), "run_pipeline re-implements a step of the product"


def test_stages_are_recorded_only_when_asked(tmp_path):
    from evaluator import timing
    from evaluator.domain.evaluate import evaluate
    from evaluator.domain.factset import load_factset
    from evaluator.domain.policy import load_policy
    from evaluator.views.formats import RUN
    from evaluator.views.output import write_atomically

    path = bench.ensure_data(300, 5, 4, tmp_path)
    policy = load_policy(bench.POLICY)
    assert timing.stage("parse") is timing.stage("write")   # no recorder: one shared do-nothing context
    assert timing.laps() is timing.laps()
    evaluate(load_factset(path), policy)                    # nobody records: nothing to see, nothing fails

    with timing.stages() as times:
        factset = load_factset(path)
        assert set(times.seconds) == {"parse", "validate"}
        ev = evaluate(factset, policy)
        assert set(times.seconds) == {"parse", "validate", "checks", "compile", "engine", "score"}
        write_atomically(tmp_path / "result.json", RUN["json"].content(ev))
    assert set(times.seconds) == set(bench.STAGES)
    assert all(seconds > 0 for seconds in times.seconds.values())
    assert times.calls["parse"] == 2 and times.calls["engine"] == 2 and times.calls["write"] == 1
    after = dict(times.seconds)
    evaluate(factset, policy)                               # after the block, no longer recorded
    assert times.seconds == after


def test_a_run_in_another_thread_is_not_recorded(tmp_path):
    from evaluator import timing
    from evaluator.domain.evaluate import evaluate
    from evaluator.domain.factset import load_factset
    from evaluator.domain.policy import load_policy

    path = bench.ensure_data(300, 5, 5, tmp_path)
    policy = load_policy(bench.POLICY)
    with timing.stages() as times:
        worker = threading.Thread(target=lambda: evaluate(load_factset(path), policy))
        worker.start()
        worker.join()
    assert dict(times.seconds) == {}


def test_laps_add_up_consecutive_steps():
    from evaluator import timing

    with timing.stages() as times:
        lap = timing.laps()
        lap("a")
        lap("b")
        lap("a")
    assert times.calls == {"a": 2, "b": 1}
    assert all(seconds >= 0 for seconds in times.seconds.values())


def test_side_by_side_runs_a_tree_in_a_fresh_process_and_tabulates_its_medians():
    spec = importlib.util.spec_from_file_location("side_by_side", ROOT / "benchmarks" / "side_by_side.py")
    side = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(side)
    times = side.one_run(ROOT, ROOT / "examples" / "2024.yaml")        # this tree, the bundled year
    assert set(side.STAGES) <= set(times) and all(times[s] >= 0 for s in side.STAGES) and times["engine"] > 0
    before = side.summary([dict.fromkeys(side.STAGES, 2.0), dict.fromkeys(side.STAGES, 4.0), dict.fromkeys(side.STAGES, 3.0)])
    after = side.summary([dict.fromkeys(side.STAGES, 1.0)])
    assert before["parse"] == 3.0 and before["whole run"] == 21.0 and after["floor"] == 2.0
    text = side.table(before, after)
    assert "| whole run | 21.000 | 7.000 | 3.00× |" in text and "| after validation / floor | 2.50× | 2.50× | |" in text
