"""The JSON result other tools read (spec/facts.md): stable keys, exact numbers."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from . import __version__
from .evaluate import Evaluation


def to_dict(ev: Evaluation) -> dict[str, Any]:
    return {
        "year": ev.factset.year,
        "policy": ev.policy.id,
        "units": [
            {"unit": s.unit, "name": s.name, "staff": s.staff,
             "common_deductions": s.common_deductions, "common_score": s.common_score,
             "annual_missed": s.annual_missed, "annual_deductions": s.annual_deductions,
             "annual_score": s.annual_score,
             "daily_points": s.daily_points, "daily_score": s.daily_score,
             "total": s.total, "rank": s.rank, "eligible": s.eligible,
             "ineligible_because": s.ineligible_because}
            for s in ev.scorecard.units],
        "findings": [
            {"id": f.id, "unit": f.unit, "clause": f.clause, "rule": f.rule, "points": f.points,
             "evidence": list(f.evidence), "explanation": f.explanation,
             "section": f.section, "rate": f.rate, "quantity": f.quantity,
             **({"credited_via": f.source_unit} if f.source_unit else {})}
            for f in ev.findings],
        "award_recommendation": ev.scorecard.recommended,
        "run": run_record(ev),
    }


def run_record(ev: Evaluation) -> dict[str, Any]:
    """What produced this result, so that it can be reproduced and checked."""
    return {"evaluator": __version__, "policy_id": ev.policy.id, "policy_sha256": ev.policy.sha256,
            "facts_sha256": ev.factset.sha256, "facts_file": ev.factset.path,
            "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Points have at most a few decimals; the shortest float repr is then the same
        # decimal text, so readers get exact numbers (38.6, not 38.600000000000001).
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(ev: Evaluation, *, with_run_record: bool = True) -> str:
    data = to_dict(ev)
    if not with_run_record:
        data.pop("run")
    return json.dumps(data, ensure_ascii=False, indent=2, default=_number) + "\n"
