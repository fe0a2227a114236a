"""parallel.py: work on the second core gives what the same work gives here, a child that fails
is done again here, and nothing forks where it is not safe (another thread) or not worth it."""
from __future__ import annotations

import os
import threading
import time

import pytest

from evaluator import parallel
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.domain.policy import load_policy
from evaluator.views.result import to_json

from conftest import EXAMPLES, POLICY


@pytest.fixture
def forking(monkeypatch):
    """Children for work of any size; as if this process had no other thread (the test runner's
    own threads, if any, take no lock the children need)."""
    monkeypatch.setattr(parallel, "WORTH_IT", 1)
    monkeypatch.setattr(parallel, "_alone", lambda: True)
    monkeypatch.delenv("EVALUATOR_SERIAL", raising=False)
    assert parallel.available(1)


def test_the_work_is_done_in_another_process(forking):
    with parallel.Beside(1, os.getpid) as elsewhere:
        assert elsewhere.result() != os.getpid()


def test_a_child_that_fails_is_done_again_here(forking):
    parent = os.getpid()

    def only_here() -> str:
        if os.getpid() != parent:
            os._exit(3)              # the child dies, as if killed
        return "done here"
    with parallel.Beside(1, only_here) as work:
        assert work.result() == "done here"


def test_an_error_is_raised_as_the_parent_would_raise_it(forking):
    def refuse() -> None:
        raise LookupError("一个错误")
    with parallel.Beside(1, refuse) as work, pytest.raises(LookupError, match="一个错误"):
        work.result()


def test_a_child_no_longer_wanted_is_stopped(forking):
    child = parallel.Child(lambda file: time.sleep(60))
    pid = child.pid
    started = time.monotonic()
    child.close()
    assert time.monotonic() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)            # reaped: no zombie left


def test_nothing_forks_beside_another_thread_or_for_small_work(monkeypatch):
    monkeypatch.delenv("EVALUATOR_SERIAL", raising=False)
    assert not parallel.available(parallel.WORTH_IT - 1)
    assert not parallel.available(parallel.AT_MOST + 1)      # a year that large runs short of memory first
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not parallel.available(parallel.WORTH_IT)
    finally:
        stop.set()
        other.join()
    monkeypatch.setenv("EVALUATOR_SERIAL", "1")
    assert not parallel.available(10 * parallel.WORTH_IT)


def test_a_year_scored_and_written_with_children_is_the_year_scored_here(monkeypatch):
    factset, policy = load_factset(EXAMPLES / "small-2024.yaml"), load_policy(POLICY)   # a year with warnings
    monkeypatch.setattr(parallel, "ENABLED", False)
    here = evaluate(factset, policy)
    expected = to_json(here, with_run_record=False)
    monkeypatch.setattr(parallel, "ENABLED", True)
    monkeypatch.setattr(parallel, "WORTH_IT", 1)
    monkeypatch.setattr(parallel, "_alone", lambda: True)
    monkeypatch.delenv("EVALUATOR_SERIAL", raising=False)
    forked_children = []
    real_fork = os.fork
    monkeypatch.setattr(parallel.os, "fork", lambda: forked_children.append(1) or real_fork())
    beside = evaluate(factset, policy)
    assert [str(n) for n in beside.notices] == [str(n) for n in here.notices] and here.notices
    assert to_json(beside, with_run_record=False) == expected
    assert len(forked_children) == 1          # the checks


def test_no_fork_to_be_had_means_the_work_is_done_here(forking, monkeypatch):
    def refused():
        raise OSError(11, "Resource temporarily unavailable")
    monkeypatch.setattr(parallel.os, "fork", refused)
    with parallel.Beside(1, os.getpid) as work:
        assert work.result() == os.getpid()


def test_a_child_cut_off_after_it_said_it_was_done_is_done_again_here(forking, monkeypatch):
    monkeypatch.setattr(parallel.Beside, "_pickled", lambda self, out: out.write(b"\x80\x05"))  # a truncated pickle
    with parallel.Beside(1, os.getpid) as work:
        assert work.result() == os.getpid()
