"""The one registry of output formats: for `run` (and a batch run), `diff` and `compare`, which
formats there are, which view renders each, whether it is binary, and the file name a batch
run gives it.

Light on purpose: the command line reads it to declare its `--format` choices without
importing any view; a view is imported when its format is written.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from importlib import import_module
from typing import Any, BinaryIO, Callable

TABLE = "table"   # every command's default: the terminal's own view, not a file format


@dataclass(frozen=True)
class OutputFormat:
    name: str                   # what --format takes
    view: str                   # the module that renders it
    render: str = "render"      # its function: value (, lang) -> bytes or text
    write: str | None = None    # a streaming writer: value, binary file (, lang), for results too large to hold
    suffix: str = ""            # a batch run's output name: FACTS.stem + suffix, never a ledger's own name
    binary: bool = False        # cannot go to the terminal: needs --output
    takes_lang: bool = True     # the renderer is told the language (else it reads the current one)

    def _function(self, attribute: str) -> Callable:
        return getattr(import_module(self.view), attribute)

    def rendered(self, value: Any, lang: str = "zh") -> bytes | str:
        """The whole document."""
        function = self._function(self.render)
        return function(value, lang) if self.takes_lang else function(value)

    def content(self, value: Any, lang: str = "zh") -> bytes | str | Callable[[BinaryIO], None]:
        """What `write_atomically` takes: a streaming writer where the format has one, else the document."""
        if self.write is None:
            return self.rendered(value, lang)
        function = self._function(self.write)
        return (lambda out: function(value, out, lang)) if self.takes_lang else (lambda out: function(value, out))


def _registry(*formats: OutputFormat) -> dict[str, OutputFormat]:
    return {f.name: f for f in formats}


RUN = _registry(
    OutputFormat("json", "evaluator.views.reports.json_report", write="write", suffix=".result.json"),
    OutputFormat("markdown", "evaluator.views.reports.markdown", suffix=".md"),
    OutputFormat("html", "evaluator.views.reports.html", suffix=".html"),
    OutputFormat("csv", "evaluator.views.reports.csv_report", suffix=".csv"),
    OutputFormat("xlsx", "evaluator.views.reports.xlsx", suffix=".result.xlsx", binary=True),
)
DIFF = _registry(
    OutputFormat("json", "evaluator.views.diffreport", "render_json", takes_lang=False),
    OutputFormat("markdown", "evaluator.views.diffreport", "render_markdown", takes_lang=False),
    OutputFormat("html", "evaluator.views.diffreport", "render_html", takes_lang=False),
)
COMPARE = _registry(
    OutputFormat("json", "evaluator.views.comparereport", "render_json", takes_lang=False),
    OutputFormat("html", "evaluator.views.comparereport", "render_html", takes_lang=False),
)
RESULT_SUFFIXES = tuple(f.suffix for f in RUN.values() if f.suffix.startswith(".result."))  # a folder's own outputs, never read as input


def choices(name: str, registry: dict[str, OutputFormat]) -> type[Enum]:
    """The `--format` choices of a command: the terminal table, then the registry's formats."""
    return Enum(name, [(TABLE, TABLE)] + [(f, f) for f in registry], type=str)


def listed(registry: dict[str, OutputFormat]) -> str:
    """`table | json | …` for a command's help."""
    return " | ".join([TABLE, *registry])
