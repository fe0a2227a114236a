"""`evaluator convert`: one fact set, written as a ledger workbook, YAML or JSON.

Converting is lossless: every unit and every field of every fact is written, so reading
the result gives the same fact set and the same scores (tests/test_convert.py). YAML and
JSON are written in the fact vocabulary's codes (the contract other tools read); the
workbook in the office's words (ledger/write.py).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from evaluator.domain.factset import WORKBOOK_SUFFIXES, FactSet
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.errors import UsageError
from evaluator.i18n import say

FORMATS = {".xlsx": "xlsx", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def convert(factset: FactSet, policy: CompiledPolicy, output: Path) -> bytes:
    """The fact set in the format `output`'s suffix names."""
    kind = FORMATS.get(output.suffix.lower())
    if kind is None:
        raise UsageError(say("不知道如何写成“{s}”文件;可写 .xlsx、.yaml 或 .json", "cannot write a '{s}' file; write .xlsx, .yaml or .json",
                             s=output.suffix or output.name))
    if kind == "xlsx":
        from evaluator.inputs.ledger.write import write_ledger
        return write_ledger(factset, policy)
    document = as_document(factset)
    if kind == "json":
        return (json.dumps(document, ensure_ascii=False, indent=1, default=_json_value) + "\n").encode("utf-8")
    return as_yaml(document).encode("utf-8")


def as_document(factset: FactSet) -> dict[str, Any]:
    """The fact set as the data a YAML or JSON file holds: codes, every field, file order."""
    document: dict[str, Any] = {"year": factset.year}
    if factset.policy:
        document["policy"] = factset.policy
    document["units"] = [{"id": u.id, "name": u.name, "staff": u.staff} for u in factset.units.values()]
    document["facts"] = [_fact(record.__dict__) for record in factset.facts]
    return document


def _fact(fields: dict[str, Any]) -> dict[str, Any]:
    # id and type first, as a person reads a record; fields left empty are not written.
    ordered = {"id": fields["id"], "type": fields["type"], "unit": fields["unit"]}
    ordered.update((k, v) for k, v in fields.items() if k not in ordered and v is not None)
    return ordered


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _exact_number(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _exact_number(value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:  # more digits than a JSON number keeps exactly
        raise ValueError(f"{value} cannot be written exactly")
    return as_float


class _Dumper(yaml.SafeDumper):
    """YAML with exact numbers (Decimal written as its digits) and one fact per line."""


_Dumper.add_representer(Decimal, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:int" if value == value.to_integral_value() else "tag:yaml.org,2002:float",
    str(int(value)) if value == value.to_integral_value() else format(value, "f")))


def as_yaml(document: dict[str, Any]) -> str:
    head = {k: v for k, v in document.items() if k not in ("units", "facts")}
    parts = [yaml.dump(head, Dumper=_Dumper, allow_unicode=True, sort_keys=False), "units:\n"]
    parts += [f"  - {_flow(unit)}\n" for unit in document["units"]]
    parts.append("facts:\n" if document["facts"] else "facts: []\n")
    parts += [f"  - {_flow(fact)}\n" for fact in document["facts"]]
    return "".join(parts)


def _flow(mapping: dict[str, Any]) -> str:
    return yaml.dump(mapping, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=True,
                     width=float("inf")).strip()


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOK_SUFFIXES
