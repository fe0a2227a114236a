"""The outcome of each scenario and outline row in the last test run (tests/scenario_results.py)."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluator.errors import UsageError
from evaluator.i18n import say
from evaluator.inputs.yamlio import json_error_words
from evaluator.views.livingdoc.features import Case


# --- the results of the last test run ----------------------------------------------------------
@dataclass
class Results:
    path: Path | None = None
    generated: str = ""                # when the tests ran, as shown
    pytest: str = ""
    records: dict[tuple, dict[str, Any]] = field(default_factory=dict)
    matched: set[tuple] = field(default_factory=set)

    @property
    def available(self) -> bool:
        return self.path is not None

    @property
    def unmatched(self) -> int:
        return len(set(self.records) - self.matched)

    def mark(self, feature: str, scenario: str, case: Case, header: list[str] | None) -> None:
        key = _key(feature, scenario, dict(zip(header, case.values)) if header is not None else None)
        record = self.records.get(key)
        if record is not None:
            self.matched.add(key)
            case.status = record.get("outcome")
            case.message = record.get("message") or ""


def _key(feature: str, scenario: str, example: dict[str, str] | None) -> tuple:
    return (feature, scenario, tuple(sorted(example.items())) if example else ())


def read_results(path: Path | None) -> Results:
    if path is None:
        return Results()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        records = {_key(r["feature"], r["scenario"], r.get("example")): r for r in document["scenarios"]}
    except FileNotFoundError:
        raise UsageError(say("没有场景运行结果文件 {p}:请先运行场景(python -m pytest tests/test_features.py),或不写 --results",
                             "no results file {p}: run the features first (python -m pytest tests/test_features.py) or leave out --results",
                             p=path)) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        why = (say("第 {n} 行:{m}", "line {n}: {m}", n=exc.lineno, m=json_error_words(exc.msg))
               if isinstance(exc, json.JSONDecodeError) else say("缺少“{k}”", "no '{k}'", k=exc.args[0]) if isinstance(exc, KeyError) else exc)
        raise UsageError(say("{p} 不是场景运行结果文件(由 tests/scenario_results.py 写出):{e}",
                             "{p} is not a scenario results file (tests/scenario_results.py writes one): {e}", p=path, e=why)) from None
    generated = document.get("generated")
    when = dt.datetime.fromisoformat(generated) if generated else dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    shown = when.strftime("%Y-%m-%d %H:%M") + (f" (UTC{when.strftime('%z')[:3]}:{when.strftime('%z')[3:]})" if when.tzinfo else "")
    return Results(path, shown, str(document.get("pytest", "")), records)


