"""The JSON result (spec/facts.md), with its run record."""
from __future__ import annotations

from ..evaluate import Evaluation
from ..result import to_json


def render(ev: Evaluation, lang: str = "zh") -> bytes:
    return to_json(ev).encode("utf-8")
