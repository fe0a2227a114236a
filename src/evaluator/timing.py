"""How long each public stage of a run took, for the benchmark (benchmarks/run.py).

The product's public functions mark their stages (`load_factset`: parse, validate;
`evaluate`: checks, compile, engine, score; `write_atomically`: write) with `stage(name)`
or, for consecutive steps, `laps()`.
Nothing is measured unless a caller asks for it with `stages()`:

    with stages() as times:
        ev = evaluate(load_factset(path), policy)
    times.seconds["engine"]

Without a recorder, `stage()` hands back one shared do-nothing context: no clock is read.
The recorder lives in a context variable, so a run in another thread (the workbench
serves several people at once) never adds its times to the benchmark's.
"""
from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Callable, ContextManager, Iterator

_recorder: ContextVar["StageTimes | None"] = ContextVar("evaluator_stage_times", default=None)
_NOT_RECORDING = nullcontext()


class StageTimes:
    """Seconds spent in each stage, summed over every time the stage ran, in the order first seen."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds
        self.calls[name] += 1

    def as_dict(self) -> dict[str, float]:
        return dict(self.seconds)


class _Timed:
    """One stage being timed into a recorder; stages inside it are timed on their own too."""

    __slots__ = ("recorder", "name", "started")

    def __init__(self, recorder: StageTimes, name: str) -> None:
        self.recorder, self.name = recorder, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc) -> None:
        self.recorder.add(self.name, time.perf_counter() - self.started)


def stage(name: str) -> ContextManager[None]:
    """Time the block as `name` if someone is recording, else do nothing at all."""
    recorder = _recorder.get()
    return _NOT_RECORDING if recorder is None else _Timed(recorder, name)


def _ignore(name: str) -> None:
    pass


def laps() -> Callable[[str], None]:
    """A stopwatch for a function's consecutive steps, so that marking them moves no code:
    each `lap(name)` adds the time since the previous lap (or since `laps()`) to `name`."""
    recorder = _recorder.get()
    if recorder is None:
        return _ignore
    last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        recorder.add(name, now - last)
        last = now
    return lap


@contextmanager
def stages() -> Iterator[StageTimes]:
    """Record the stages of whatever runs in the block (in this thread) into a fresh `StageTimes`."""
    times = StageTimes()
    token = _recorder.set(times)
    try:
        yield times
    finally:
        _recorder.reset(token)
