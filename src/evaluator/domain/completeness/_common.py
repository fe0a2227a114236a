"""What the checks share: where a record was written, a unit's name, a short list of records."""
from __future__ import annotations

import re
from typing import Iterable

from evaluator.domain.factset import FactSet
from evaluator.errors import Cell
from evaluator.i18n import current, say


_DIGITS = re.compile(r"(\d+)")


def natural(text: str) -> tuple:
    """`L-2` before `L-10`: text with its numbers compared as numbers. Splitting on the digits
    puts text at the even places and numbers at the odd ones, so two keys compare place by place
    as text with text and number with number ('L-', 2, '')."""
    parts: list = _DIGITS.split(text)
    parts[1::2] = map(int, parts[1::2])
    return tuple(parts)


def order(factset: FactSet, fact_id: str) -> tuple:
    """Where a record stands in its file (line, or sheet and row), then its id: the order the
    checks list records in, the same however the facts were ordered when no line is known."""
    at = factset.lines.get(fact_id)
    place = (0, at) if isinstance(at, int) else (1, *at.order()) if isinstance(at, Cell) else (2,)
    return (place, natural(fact_id))


def where(factset: FactSet, fact_id: str) -> str:
    """`facts.yaml:第 43 行` (or the workbook cell); the file alone when the line is not known.
    A merged year's record is where its source says (`office.xlsx:请假!14`): the line is in that
    submission, not in the roster the merged fact set is named by."""
    if factset.sources.get(fact_id):
        return factset.sources[fact_id]
    at = factset.where(fact_id)
    return f"{factset.path}:{at}" if at else factset.path


def unit_name(factset: FactSet, unit_id: str) -> str:
    unit = factset.units.get(unit_id)
    return unit.name if unit is not None else unit_id


def records(factset: FactSet, ids: Iterable[str], limit: int = 10, inner: bool = False) -> str:
    """`L-1(第 5 行)、L-2(第 9 行)`, at most `limit` of them; `inner`, for a list already in
    brackets: `L-1,第 5 行;L-2,第 9 行`."""
    ids = list(ids)
    zh = current() == "zh"
    shown = []
    for fact_id in ids[:limit]:
        at = factset.where(fact_id)
        if not at:
            shown.append(fact_id)
        elif inner:
            shown.append(f"{fact_id},{at}" if zh else f"{fact_id}, {at}")
        else:
            shown.append(f"{fact_id}({at})" if zh else f"{fact_id} ({at})")
    text = (";" if inner else "、").join(shown) if zh else ("; " if inner else ", ").join(shown)
    if len(ids) > limit:
        text += say(" 等 {n} 条", " and {m} more", n=len(ids), m=len(ids) - limit)
    return text
