"""benchmarks/web_load.py, small: 5 simultaneous users for 5 seconds against the real server
(uvicorn on 127.0.0.1): no error of any kind and every accepted upload recorded exactly once.

Not a timing test (the latencies are not checked); bounded to well under 20 s."""
from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("web_load", ROOT / "benchmarks" / "web_load.py")
web_load = importlib.util.module_from_spec(_spec)
sys.modules["web_load"] = web_load                # its dataclasses look their module up by name
_spec.loader.exec_module(web_load)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_five_users_for_five_seconds_no_error_and_no_lost_upload():
    started = time.monotonic()
    results = web_load.run_load(users=5, seconds=5, runs=2)
    elapsed = time.monotonic() - started

    table = web_load.table(results)
    assert results.error_count == 0, f"{results.samples}\n{table}"
    assert results.lost == [], results.lost
    assert results.server_tracebacks == 0
    assert results.accepted, "no upload was accepted"
    assert results.latencies["login"] and len(results.latencies["login"]) == 5
    for kind in ("home", "unit", "year", "result", "template", "upload-valid", "run"):
        assert results.latencies[kind], f"no {kind} request was made\n{table}"
    assert elapsed < 20, f"took {elapsed:.1f} s"


def test_the_first_users_are_a_mix_of_roles():
    units = [{"id": f"u{i}", "name": f"机构{i}"} for i in range(10)]
    people = web_load.accounts(units)
    assert len(people) == 20 and len({a.name for a in people}) == 20
    assert [a.role for a in people[:5]] == ["clerk", "reviewer", "clerk", "leader", "clerk"]
    assert sum(a.role == "clerk" for a in people) == 10 and {a.unit for a in people if a.role == "clerk"} == {u["id"] for u in units}


def test_percentiles_are_nearest_rank():
    values = [i / 1000 for i in range(1, 101)]
    assert [web_load.percentile(values, p) for p in (50, 90, 99, 100)] == [0.05, 0.09, 0.099, 0.1]
    assert web_load.percentile([0.3], 99) == 0.3


def test_uploads_in_flight_at_once():
    assert web_load.most_at_once([(0, 2), (1, 3), (2.5, 4), (5, 6)]) == 2
    assert web_load.most_at_once([]) == 0
