"""One evaluation: a fact set under a policy, from facts to findings to scorecard."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from evaluator.collector import paused
from evaluator.domain.completeness import run_checks
from evaluator.domain.decisions import DecisionLog, decide
from evaluator.domain.derive import DerivedFact, derive
from evaluator.domain.engine import RuleEngine
from evaluator.domain.factset import FactSet
from evaluator.domain.findings import Finding
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.domain.scorecard import Scorecard, build_scorecard
from evaluator.errors import EngineError
from evaluator.parallel import Beside
from evaluator.timing import laps


@dataclass
class Evaluation:
    factset: FactSet
    policy: CompiledPolicy
    derived: list[DerivedFact]
    findings: list[Finding]                       # the decisions that move points: decisions.findings
    scorecard: Scorecard
    notices: list = field(default_factory=list)   # warnings: valid but probably a mistake
    review: Any = None                            # review.ReviewEffect: what the working group's review changed
    stage: Any = None                             # stages.Stage: 初评, 审查 or 审定 (with its decision), see stages.py
    decisions: DecisionLog | None = None          # every decision, once (decisions.py): the views read it

    @property
    def stage_name(self) -> str:
        """初评 (computed), 审查 (after the working group's review) or the approved stage's name."""
        if self.stage is not None:
            return self.stage.name
        return "审查" if self.review is not None else "初评"

    @property
    def draft(self) -> bool:
        """A result not yet approved is a draft for comment (征求意见稿); an approved one is 审定稿."""
        return self.stage is None or not self.stage.approved


def load_year(path, policy_file=None) -> tuple[FactSet, CompiledPolicy]:
    """A year's fact set (workbook, YAML or JSON) and the policy it is assessed under.

    With `--policy`, the fact set is read in that policy's words; otherwise in those of the
    policy its year (or its `policy` key) picks, which is then the one it is scored under."""
    from evaluator.domain.factset import load_factset
    from evaluator.domain.policy.registry import choose_policy
    vocabulary = choose_policy(0, None, policy_file).vocabulary if policy_file else None
    factset = load_factset(path, vocabulary)
    return factset, choose_policy(factset.year, factset.policy, policy_file)


@paused()  # the year's decisions are kept, not garbage: see collector.py
def evaluate(factset: FactSet, policy: CompiledPolicy, *, as_of: dt.date | None = None) -> Evaluation:
    """The year scored; `notices` are the fact set's own and the completeness warnings.

    `as_of` makes it a mid-year run (半年集中督查): only records dated on or before that day
    are scored (undated ones too), and the checks say which records were left out."""
    lap = laps()  # the benchmark's stage times (timing.py); nothing when no one records
    # The checks read the facts and nothing the engine makes: a large year's run on the
    # second core while this one scores (parallel.py); their stage is the time waited for them.
    with Beside(len(factset.facts), run_checks, factset, policy, as_of) as checking:
        lap("checks")
        scored = factset.up_to(as_of) if as_of is not None else factset
        derived, consumed = derive(policy.derivations, scored.facts)
        asserted = [*(f for f in scored.facts if f.id not in consumed), *derived] if consumed else [*scored.facts, *derived]
        lap("engine")
        with RuleEngine(policy) as engine:
            lap("compile")
            matches, unmatched = engine.run(asserted)
        _check_conservation(asserted, unmatched, policy.id)
        lap("engine")
        names = {u.id: u.name for u in scored.units.values()}
        log = decide(policy, matches, names, derived, (scored.facts, derived))
        findings = log.findings
        scorecard = build_scorecard(policy, scored.units.values(), findings)
        lap("score")
        notices = [*factset.notices, *checking.result()]
        lap("checks")
    return Evaluation(scored, policy, derived, findings, scorecard, notices, decisions=log)


def _check_conservation(asserted: list[Any], unmatched: list[Any], policy_id: str) -> None:
    """Every fact must have been decided by some rule: never a quietly smaller score."""
    if unmatched:
        missing = {f.id for f in unmatched}
        lost = [f.id for f in asserted if f.id in missing]     # in the order of the file, derived facts last
        shown = ", ".join(lost[:20]) + (f" and {len(lost) - 20} more" if len(lost) > 20 else "")
        raise EngineError(f"{len(lost)} fact(s) were matched by no rule of policy {policy_id} and would "
                          f"silently earn nothing: {shown} (the policy needs a rule, or a silent one, for them)")
