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
    policy_file: str = ""              # the policy the scenarios ran against, and its digest ("" in older files)
    policy_sha256: str = ""
    feature_digests: dict[str, str] = field(default_factory=dict)   # feature file -> digest when the tests ran
    other_policy: bool = False         # the site is of another policy: no outcome applies
    changed: list[str] = field(default_factory=list)                # feature files edited since the tests ran

    def applies_to(self, policy_sha256: str) -> bool:
        """Whether these outcomes are of this policy (a results file that does not say: assumed so)."""
        self.other_policy = bool(self.policy_sha256) and self.policy_sha256 != policy_sha256
        return not self.other_policy

    def current(self, feature: str, digest: str) -> bool:
        """Whether the feature file is as it was when the tests ran; an edited one is listed."""
        recorded = self.feature_digests.get(feature)
        if recorded is not None and recorded != digest:
            self.changed.append(feature)
            return False
        return True

    @property
    def available(self) -> bool:
        return self.path is not None

    @property
    def unmatched(self) -> int:
        """Records of no scenario or row of the features (those of an edited feature file aside)."""
        return len({k for k in self.records if k[0] not in self.changed} - self.matched)

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
    policy = document.get("policy") if isinstance(document.get("policy"), dict) else {}
    digests = document.get("features") if isinstance(document.get("features"), dict) else {}
    return Results(path, shown, str(document.get("pytest", "")), records, policy_file=str(policy.get("file", "")),
                   policy_sha256=str(policy.get("sha256", "")), feature_digests={str(k): str(v) for k, v in digests.items()})


