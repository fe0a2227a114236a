"""The JSON result (spec/facts.md), with its run record."""
from __future__ import annotations

import io
from typing import BinaryIO

from evaluator.domain.evaluate import Evaluation
from evaluator.views.result import to_json, write_json


def render(ev: Evaluation, lang: str = "zh") -> bytes:
    return to_json(ev).encode("utf-8")


def write(ev: Evaluation, out: BinaryIO, lang: str = "zh") -> None:
    """Stream the result into a binary file: a million findings never stand whole in memory."""
    text = io.TextIOWrapper(out, encoding="utf-8", write_through=False)
    write_json(ev, text)
    text.flush()
    text.detach()
