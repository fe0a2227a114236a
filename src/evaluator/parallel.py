"""Work done on the machine's second core, beside the run.

A year of a hundred thousand records spends about half a second on its completeness
checks, which read the validated facts and nothing the engine makes, and give back a few
warnings. A forked child starts with the parent's memory as it is (copied only where either
side writes), so nothing has to be sent to it: it checks into a temporary file while the
parent scores, and the parent reads the warnings when it needs them.

Used only where that is safe and worth it (`available`): on Linux, in a process with one
thread (the workbench serves from threads, and a fork copies a lock another thread holds as
it was), with at least two processors, and for work of `WORTH_IT` to `AT_MOST` records. A
fork costs a few milliseconds, and below 20,000 records the whole run takes less than half
a second. Above 250,000, memory is what a year runs short of: the child touches every fact,
and each page it touches is copied (at 1M facts the machine held 1,474 MiB at the run's
peak with the child, 1,050 MiB without: MemAvailable sampled every 20 ms, 2026-12-04).
Everywhere else the work runs here, and the result is the same: a child does only what the
parent would have done, from the same memory. A child that fails (killed, out of memory, an
exception) is done again here, so that its error, if there is one, is raised as the parent
itself would have raised it, and nothing is lost.

Measured, and left here: writing the second half of the findings' lines in a child as well
saved 0.17 s of 0.67 s at 100k findings in a warm process, and nothing (0.69 vs 0.71 s, four
fresh runs each) in a fresh one, as `evaluator run` is: after a fork each page the parent
touches is copied, and the two processors share one L3 cache and the memory bus. (2026-12-04)
"""
from __future__ import annotations

import os
import pickle
import sys
import tempfile
import threading
from typing import IO, Any, Callable, Generic, TypeVar

T = TypeVar("T")

WORTH_IT = 20_000   # records: below this, the work is done here (a fork is not worth it)
AT_MOST = 250_000   # records: above this too (the child's copied pages would cost more memory than it saves time)
ENABLED = True      # tests compare both ways; EVALUATOR_SERIAL=1 in the environment switches it off too


def available(size: int) -> bool:
    """Whether work of `size` records may go to a child."""
    return (ENABLED and WORTH_IT <= size <= AT_MOST and not os.environ.get("EVALUATOR_SERIAL")
            and sys.platform.startswith("linux") and hasattr(os, "fork")
            and (os.cpu_count() or 1) > 1 and _alone())


def _alone() -> bool:
    """No other thread: none can hold a lock that the child would find taken for ever."""
    return threading.active_count() == 1


class Child:
    """`work(file)` running in a forked child, writing into a temporary file."""

    def __init__(self, work: Callable[[IO[bytes]], None]):
        self.work = work
        self.file = tempfile.TemporaryFile()
        try:
            self.pid: int | None = os.fork()
        except OSError:
            self.file.close()
            raise
        if self.pid == 0:      # the child: do the work, then leave without running anything of the parent's
            code = 1
            try:
                work(self.file)
                self.file.flush()
                code = 0
            finally:
                os._exit(code)

    def output(self) -> IO[bytes]:
        """The child's file, from its start, once the child is done (done here if the child failed)."""
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            self.file.seek(0)
            self.file.truncate()
            self.work(self.file)       # its error, if any, is raised here, as the parent's own
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        """Stop a child that is no longer wanted (the parent failed first) and free its file."""
        if self.pid is not None:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = None
        self.file.close()


class Beside(Generic[T]):
    """`fn(*args)`, in a child where `available(size)`, else here and now (where it always ran:
    done after the parent's own work, at a million facts, the same checks took a third longer
    in its larger heap):

        with Beside(size, run_checks, factset, policy) as checking:
            ...                      # the parent's own work
            notices = checking.result()
    """

    def __init__(self, size: int, fn: Callable[..., T], *args: Any):
        self.fn, self.args = fn, args
        self.child: Child | None = None
        if available(size):
            try:
                self.child = Child(self._pickled)
            except OSError:       # no fork to be had (memory, process limit): the work is done here
                self.child = None
        if self.child is None:
            self.value = fn(*args)

    def _pickled(self, out: IO[bytes]) -> None:
        pickle.dump(self.fn(*self.args), out, protocol=pickle.HIGHEST_PROTOCOL)

    def result(self) -> T:
        if self.child is None:
            return self.value
        try:
            return pickle.load(self.child.output())
        except (pickle.UnpicklingError, EOFError):   # a child cut off after it said it was done
            return self.fn(*self.args)

    def __enter__(self) -> "Beside[T]":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.child is not None:
            self.child.close()
