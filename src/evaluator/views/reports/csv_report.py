"""The findings as CSV: one row per finding, UTF-8 with a BOM so that Excel reads the Chinese."""
from __future__ import annotations

import csv
import io

from evaluator.domain.evaluate import Evaluation
from evaluator.views.reports.labels import labels, score

COLUMNS = ("unit", "name", "clause", "clause_title", "rule", "points", "evidence", "explanation")


def render(ev: Evaluation, lang: str = "zh") -> bytes:
    t = labels(lang)
    names = {u.id: u.name for u in ev.factset.units.values()}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # the excel dialect: comma, CRLF, quoting where needed
    writer.writerow([t[c] for c in COLUMNS])
    for f in ev.findings:
        clause = ev.policy.clauses[f.clause]
        writer.writerow([f.unit, names.get(f.unit, f.unit), f.clause, clause.title, f.rule, score(f.points),
                         " ".join(f.evidence), f.explanation])
    return buffer.getvalue().encode("utf-8-sig")
