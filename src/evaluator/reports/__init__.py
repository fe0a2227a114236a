"""Report formats of `evaluator run`; each module renders an Evaluation to bytes."""
from __future__ import annotations

from importlib import import_module

from ..evaluate import Evaluation

FORMATS = {
    "json": "evaluator.reports.json_report",
    "markdown": "evaluator.reports.markdown",
    "html": "evaluator.reports.html",
    "csv": "evaluator.reports.csv_report",
    "xlsx": "evaluator.reports.xlsx",
}
BINARY = {"xlsx"}


def render(ev: Evaluation, fmt: str, lang: str = "zh") -> bytes:
    return import_module(FORMATS[fmt]).render(ev, lang)


def writer(ev: Evaluation, fmt: str, lang: str = "zh"):
    """What `write_atomically` takes: a streaming writer where the format has one, else bytes."""
    module = import_module(FORMATS[fmt])
    if hasattr(module, "write"):
        return lambda out: module.write(ev, out, lang)
    return module.render(ev, lang)
