"""Pausing Python's cyclic garbage collector while a year's objects are made.

Reading, checking and scoring a year make a few objects per fact (a model, a decision, an
explanation) and keep nearly all of them: none of it is garbage, and none of it forms
cycles that only the collector could free (reference counting frees the rest). Yet every
700 new objects Python walks the young ones, and, as the heap grows, all of them: at a
million facts that walking was half of validation and of scoring (the synthetic 1M-fact
year through the stages' own timers, called as a library with the collector on,
2026-12-02: validate 16.0 → 7.8 s, score 18.5 → 7.8 s). So the big stages run with the
collector paused, and it runs again, as it was, when the last of them ends. The command
line switches the collector off for its whole run anyway; this is for library callers:
the workbench, batch and the web.

Counted, not a flag: the workbench runs evaluations in threads, and a stage that ends must
not switch the collector back on under another that is still running.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside; the collector as it was once every pause has ended."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
