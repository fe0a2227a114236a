"""benchmarks/run.py: its pieces run end to end on a small year and report every stage and target.

Not a timing test: it only checks that the benchmark works and says everything it should.
"""
import importlib.util
import io
import json
import pathlib

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
    example = bench.time_example(runs=1)
    return {N_FACTS: result}, example


def test_every_stage_is_timed(measured):
    results, _ = measured
    r = results[N_FACTS]
    assert r["facts"] == N_FACTS
    for stage in bench.STAGES:
        assert len(r["runs"][stage]) == 1 and r["median"][stage] > 0
    assert r["peak_rss"] > 10 * 2**20
    assert r["counts"]["findings"] > 0 and r["counts"]["matches"] > 0


def test_raw_baseline_sampled_and_extrapolated(measured):
    results, _ = measured
    raw = results[N_FACTS]["raw"]
    assert raw["sampled"] and raw["sample"] == 500
    assert raw["actions"] > 0
    assert raw["estimated_full"] == pytest.approx(raw["per_fact"] * N_FACTS)


def test_example_end_to_end_ran(measured):
    _, example = measured
    assert example["error"] is None, example
    assert example["median"] > 0


def test_output_names_every_stage_and_target(measured):
    from rich.console import Console

    results, example = measured
    goals = bench.targets(results, example)
    assert len(goals) == 5
    names = " ".join(g["target"] for g in goals)
    for words in ("after validation / (parse+validate)", "raw per-fact durable-rules", "time per fact",
                  "peak RSS", "examples/2024.yaml"):
        assert words in names
    buffer = io.StringIO()
    bench.render(results, goals, example, Console(file=buffer, width=200, color_system=None))
    text = buffer.getvalue()
    for stage in (*bench.STAGES, "floor: parse + validate", "raw per-fact durable-rules",
                  "evaluation after validation", "facts/s", "peak RSS"):
        assert stage in text, stage
    assert text.count("met") >= 4    # met / not met per measured target
    md = bench.to_markdown(results, goals, example, {"date": "d", "machine": "m", "python": "p", "command": "c"})
    assert all(stage in md for stage in bench.STAGES)
    json.dumps({"sizes": results, "targets": goals})  # everything serializable


def test_staged_pipeline_matches_evaluate(tmp_path):
    """The benchmark's stage-by-stage chain computes what evaluate() does."""
    from evaluator.evaluate import evaluate
    from evaluator.factset import load_factset
    from evaluator.policy import load_policy

    path = bench.ensure_data(300, 5, 3, tmp_path)
    _, counts, _ = bench.run_pipeline(path, bench.POLICY, tmp_path / "out.json")
    ev = evaluate(load_factset(path), load_policy(bench.POLICY))
    assert counts["findings"] == len(ev.findings)
    written = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [f["id"] for f in written["findings"]] == [f.id for f in ev.findings]
