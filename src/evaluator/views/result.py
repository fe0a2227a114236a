"""The JSON result other tools read (spec/facts.md): stable keys, exact numbers."""
from __future__ import annotations

import datetime as dt
import io
import json
from functools import lru_cache
from decimal import Decimal
from typing import Any, TextIO

from evaluator import __version__
from evaluator.domain.evaluate import Evaluation
from evaluator.domain.findings import Finding


def to_dict(ev: Evaluation, *, with_findings: bool = True) -> dict[str, Any]:
    data = {
        "year": ev.factset.year,
        "policy": ev.policy.id,
        "as_of": ev.factset.as_of.isoformat() if ev.factset.as_of else None,   # a mid-year run: records up to this day
        "stage": {"name": ev.stage_name, "approved": not ev.draft,                 # 初评 / 审查 / 审定 (stages.py)
                  **({"decision": ev.stage.decision, "date": ev.stage.date.isoformat()} if ev.stage else {})},
        "units": [
            {"unit": s.unit, "name": s.name, "staff": s.staff,
             **s.fields(),          # per section, in the policy's order: {id}_{count}, raw points, {id}_score
             "total": s.total, "rank": s.rank, "eligible": s.eligible,
             "ineligible_because": s.ineligible_clauses,       # the disqualifying clauses' ids (facts.md)
             "ineligible_reasons": s.ineligible_because}       # the same reasons as sentences
            for s in ev.scorecard.units],
        "findings": [
            {"id": f.id, "unit": f.unit, "clause": f.clause, "rule": f.rule, "points": f.points,
             "evidence": list(f.evidence), "explanation": f.explanation,
             "section": f.section, "rate": f.rate, "quantity": f.quantity,
             **({"credited_via": f.source_unit} if f.source_unit else {})}
            for f in ev.findings] if with_findings else [],
        "award_recommendation": ev.scorecard.recommended,
        "warnings": [n.as_json() for n in ev.notices],   # valid but probably a mistake (facts.md)
        "adjustments": ev.review.as_json() if ev.review else [],      # the working group's review (审查调整)
        "appeals": ev.review.appeals_json() if ev.review else [],
        "changed_findings": [{"unit": c.unit, "clause": c.clause, "rule": c.rule, "evidence": list(c.evidence),
                              "before": c.before, "after": c.after, "adjustments": list(c.adjustments)}
                             for c in ev.review.changes] if ev.review else [],
        "run": run_record(ev),
    }
    if not with_findings:
        del data["findings"]
    return data


def run_record(ev: Evaluation) -> dict[str, Any]:
    """What produced this result, so that it can be reproduced and checked."""
    return {"evaluator": __version__, "policy_id": ev.policy.id, "policy_sha256": ev.policy.sha256,
            "facts_sha256": ev.factset.sha256, "facts_file": ev.factset.path,
            **({"review_sha256": ev.review.review.sha256, "review_file": ev.review.review.path} if ev.review else {}),
            "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


@lru_cache(maxsize=4096)
def _number_text(value: Decimal) -> str:
    return json.dumps(json_number(value))


_string = json.encoder.encode_basestring  # the C encoder of one JSON string, non-ASCII kept


def _finding_line(f: Finding) -> str:
    """One finding as one line of JSON, the keys of spec/facts.md first."""
    via = f', "credited_via": {_string(f.source_unit)}' if f.source_unit else ""
    return (f'{{"id": {_string(f.id)}, "unit": {_string(f.unit)}, "clause": {_string(f.clause)}, '
            f'"rule": {_string(f.rule)}, "points": {_number_text(f.points)}, '
            f'"evidence": [{", ".join(map(_string, f.evidence))}], "explanation": {_string(f.explanation_unkept())}, '
            f'"section": {_string(f.section)}, "rate": {_number_text(f.rate)}, '
            f'"quantity": {_number_text(f.quantity)}{via}}}')


def json_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Whole numbers as integers (35, whether computed as 35 or 35.0: equal Decimals must
        # print alike). Points have at most a few decimals, and the shortest float repr is
        # then the same decimal text, so readers get exact numbers (38.6, not 38.6000000001).
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_json(ev: Evaluation, out: TextIO, *, with_run_record: bool = True) -> None:
    """Write the result, indented, with one finding per line.

    A year can have a million findings: they are written as they are encoded, a thousand
    lines at a time, through the C string encoder (indenting them would switch json to its
    pure-Python encoder, ~5x slower), and the document never stands whole in memory."""
    data = to_dict(ev, with_findings=False)
    if not with_run_record:
        data.pop("run")
    head = json.dumps(data, ensure_ascii=False, indent=2, default=json_number)
    out.write(head[:-2])
    if not ev.findings:
        out.write(',\n  "findings": []\n}\n')
        return
    out.write(',\n  "findings": [\n    ')
    findings = ev.findings
    for start in range(0, len(findings), _LINES_PER_WRITE):
        if start:
            out.write(",\n    ")
        out.write(",\n    ".join(map(_finding_line, findings[start:start + _LINES_PER_WRITE])))
    out.write("\n  ]\n}\n")


# Findings are written a thousand lines at a time: a text file's write costs about a
# microsecond a call, as much as encoding a line, and a thousand lines are ~0.2 MB.
_LINES_PER_WRITE = 1000


def to_json(ev: Evaluation, *, with_run_record: bool = True) -> str:
    buffer = io.StringIO()
    write_json(ev, buffer, with_run_record=with_run_record)
    return buffer.getvalue()
