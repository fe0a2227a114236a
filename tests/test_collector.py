"""The collector pause (collector.py): off inside every pause, as it was after the last."""
from __future__ import annotations

import gc
import threading

import pytest

from conftest import EXAMPLES, POLICY
from evaluator.collector import paused
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.domain.policy import load_policy
from evaluator.views.result import to_json


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_nested_pauses_keep_the_collector_off_until_the_last_ends(collector_on):
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_on):
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()


def test_the_collector_comes_back_when_a_pause_ends_in_an_error(collector_on):
    with pytest.raises(ValueError):
        with paused():
            raise ValueError
    assert gc.isenabled()


def test_a_pause_ending_in_one_thread_leaves_another_threads_pause_in_force(collector_on):
    inside, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other() -> None:
        with paused():
            inside.set()
            release.wait(5)
            seen.append(gc.isenabled())

    thread = threading.Thread(target=other)
    with paused():
        thread.start()
        assert inside.wait(5)
    assert not gc.isenabled()          # the other thread's pause is still on
    release.set()
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_an_evaluation_leaves_the_collector_as_it_found_it(collector_on):
    factset = load_factset(EXAMPLES / "2024.yaml")
    to_json(evaluate(factset, load_policy(POLICY)))
    assert gc.isenabled()
