"""What a scenario builds up: units, facts written in Chinese tables, and the evaluation.

Tables in the features use the policy's own Chinese labels (labels.fields, labels.values,
labels.types), so policy staff read the same words the reports use. This module turns
such a table back into fact-set data and runs the real evaluator on it. A scenario that
changes the method does it as an amendment does (`evaluator.domain.policy.amend.derive`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from evaluator.domain.evaluate import Evaluation, evaluate
from evaluator.domain.facts import FACT_TYPES, fields_of
from evaluator.domain.factset import check_factset
from evaluator.domain.policy.amend import derive
from evaluator.domain.policy.load import CompiledPolicy, compile_policy
from evaluator.errors import EvaluatorError

NO = {"", "无", "-"}
TRUE, FALSE = {"是", "true", "有"}, {"否", "false", "无"}


@dataclass
class World:
    base_policy: CompiledPolicy
    policy_data: dict[str, Any]     # the base policy's raw data: never changed, amendments copy it
    year: int = 2024
    units: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    evaluation: Evaluation | None = None
    error: EvaluatorError | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)   # as a delta file's `changes` are written
    derived: Any = None
    comparison: Any = None          # a Diff, when a scenario compares two versions of the method

    # --- labels -------------------------------------------------------------------------
    @property
    def labels(self):
        return self.base_policy.policy.labels

    def fact_type(self, label: str) -> str:
        for t, name in self.labels.types.items():
            if label in (t, name):
                return t
        raise AssertionError(f"no fact type is called '{label}' (types: {', '.join(self.labels.types.values())})")

    def field_name(self, fact_type: str, header: str) -> str:
        fields = fields_of(fact_type)
        if header in fields:
            return header
        for name, label in self.labels.fields.items():
            if label == header and name in fields:
                return name
        raise AssertionError(f"'{header}' is not a field of {self.labels.types.get(fact_type, fact_type)}")

    def unit_id(self, name: str) -> str:
        for u in self.units:
            if name in (u["id"], u["name"]):
                return u["id"]
        raise AssertionError(f"no unit '{name}' in this scenario")

    def value(self, fact_type: str, name: str, cell: str) -> Any:
        spec = fields_of(fact_type)[name]
        cell = cell.strip()
        if spec.kind == "unit" or name == "unit":
            return self.unit_id(cell)
        if spec.kind == "list":
            items = [] if cell in NO else [c.strip() for c in cell.replace(",", "、").split("、")]
            if spec.item == "unit" or name == "coordinators":
                return [self.unit_id(c) for c in items]
            return [self._enum(fact_type, name, c) for c in items]
        if spec.kind == "bool":
            if cell in TRUE:
                return True
            if cell in FALSE:
                return False
            raise AssertionError(f"'{cell}' is not 是 or 否")
        if spec.kind == "number":
            return Decimal(cell)
        if spec.kind == "enum":
            return self._enum(fact_type, name, cell)
        return cell

    def _enum(self, fact_type: str, name: str, cell: str) -> str:
        for value, label in self.labels.values.get(f"{fact_type}.{name}", {}).items():
            if cell == label:
                return value
        return cell  # the value itself (e.g. `personal`); validation reports a wrong one

    # --- building -----------------------------------------------------------------------
    def add_units(self, rows: list[list[str]]) -> None:
        header, *rows = rows
        for row in rows:
            cells = dict(zip(header, row))
            self.units.append({"id": cells.get("编号") or f"u{len(self.units) + 1}",
                               "name": cells["名称"], "staff": int(cells["人数"])})

    def add_facts(self, type_label: str, rows: list[list[str]]) -> None:
        fact_type = self.fact_type(type_label)
        header, *rows = rows
        names = [self.field_name(fact_type, h) for h in header]
        for row in rows:
            fact: dict[str, Any] = {"type": fact_type}
            for name, cell in zip(names, row):
                if cell.strip() == "" and fields_of(fact_type)[name].kind != "list":
                    continue
                fact[name] = self.value(fact_type, name, cell)
            fact.setdefault("id", f"{fact_type}-{len(self.facts) + 1}")
            self.facts.append(fact)

    def change_policy(self, change: dict[str, Any]) -> None:
        """Amend the scenario's policy, e.g. {"clause": "4.1.2", "parameter": "leave_limit", "value": 10}:
        checked at once, so a step that names no such clause or parameter fails where it stands."""
        self.derived = derive(self.policy_data, [*self.changes, change], "changed-policy.yaml").data
        self.changes.append(change)

    def policy(self) -> CompiledPolicy:
        return compile_policy(self.derived, "changed-policy.yaml") if self.changes else self.base_policy

    def run(self) -> None:
        data = {"year": self.year, "units": self.units, "facts": self.facts}
        policy = self.policy()
        try:
            self.evaluation = evaluate(check_factset(data, "scenario.yaml"), policy)
        except EvaluatorError as exc:
            self.error = exc

    # --- reading results ----------------------------------------------------------------
    @property
    def ev(self) -> Evaluation:
        if self.evaluation is None:
            raise AssertionError(f"the evaluation failed: {self.error}")
        return self.evaluation

    def score(self, unit_name: str):
        uid = self.unit_id(unit_name)
        return next(s for s in self.ev.scorecard.units if s.unit == uid)

    def findings(self, unit_name: str, clause: str) -> list:
        if clause not in self.ev.policy.clauses:
            raise AssertionError(f"the policy has no clause {clause}")
        uid = self.unit_id(unit_name)
        return [f for f in self.ev.findings if f.unit == uid and f.clause == clause]


assert FACT_TYPES  # the vocabulary is loaded before any scenario runs
