"""The result's stages (三(五) 择优进行表彰): 初评 → 审查 → 审定, and approval as a frozen snapshot.

A result is first computed (初评), then reviewed by the working group (审查, with `--review`),
then approved by the directors' office meeting (审定). `evaluator approve` freezes a stage: it
writes the result (every unit's scores and rank, every finding) with the hashes of the facts,
the review and the policy, and the hash of the snapshot itself, into the year's approvals
folder (`approvals/` beside the fact set, or `--approvals DIR`). From then on:

- a run whose result is the approved one is that stage (reports say 审定稿);
- a run that would change an approved result is refused, naming what moved, unless the change
  is itself approved as a new stage (`approve` again, with its own decision);
- a snapshot whose content no longer matches its hash is refused (it was edited by hand).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluator.errors import EvaluatorError
from evaluator.i18n import say

STAGES = ("审查", "审定")          # what `approve` freezes; 初评 is the computed result itself
APPROVED = "审定"


@dataclass(frozen=True)
class Stage:
    name: str                      # 审查 | 审定
    decision: str                  # e.g. 主任办公会议纪要〔2025〕2号
    date: dt.date
    sha256: str                    # of the result it froze
    path: str

    @property
    def approved(self) -> bool:
        return self.name == APPROVED


class ApprovedResultChanged(EvaluatorError):
    """A result that differs from the year's approved one. It carries what happened as data, so
    each front end says what to do in its own terms: its text is the command line's (a snapshot's
    path, `evaluator approve`); the workbench names its own page instead (web/stage_words.py)."""

    def __init__(self, year: int, date: str, decision: str, path: str, moved: str):
        self.year, self.date, self.decision, self.path, self.moved = year, date, decision, path, moved
        super().__init__(say(
            "{y} 年度结果已于 {d} 审定({dec},{p});本次结果与审定稿不同:{moved}。"
            "如确需变更,请经审定后用 evaluator approve … --stage 审定 --decision … 记为新的阶段",
            "the {y} result was approved on {d} ({dec}, {p}); this result differs: {moved}. "
            "If the change is intended, approve it as a new stage with evaluator approve … --stage 审定 --decision …",
            y=year, d=date, dec=decision, p=path, moved=moved))


class SnapshotBroken(EvaluatorError):
    """A snapshot file that does not read as one (edited=False) or no longer matches its hash
    (edited=True). Its text names the file, for the command line; the workbench words it itself."""

    def __init__(self, path: Path, edited: bool):
        self.path, self.edited = Path(path), edited
        super().__init__(say("{p} 的内容与其哈希不符(快照被改动过);请恢复原文件",
                             "{p} does not match its own hash (it was edited); restore it", p=path) if edited else
                         say("{p} 不是审定快照文件", "{p} is not an approval snapshot", p=path))


def result_of(ev) -> dict[str, Any]:
    """What a stage freezes: scores, ranks, eligibility, awards and every finding (no run time)."""
    from evaluator.views.result import json_number, to_dict
    data = to_dict(ev)
    kept = {k: data[k] for k in ("year", "policy", "units", "findings", "award_recommendation", "adjustments")}
    return json.loads(json.dumps(kept, ensure_ascii=False, default=json_number))


def digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def approvals_dir(facts: Path, override: Path | None = None) -> Path:
    return override or Path(facts).resolve().parent / "approvals"


_SNAPSHOT_NAME = re.compile(r"^(\d{4})-(\d+)-(.+)\.json$")


def snapshot_name(year: int, number: int, stage: str) -> str:
    """A snapshot's file name: the year, its place among the year's stages, the stage (2024-01-审定.json)."""
    return f"{year}-{number:02d}-{stage}.json"


def snapshot_place(path: str | Path) -> tuple[int, str] | None:
    """(its place among the year's stages, the stage) of a snapshot's file name; None for another name."""
    found = _SNAPSHOT_NAME.match(Path(path).name)
    return (int(found.group(2)), found.group(3)) if found else None


def approve(ev, stage: str, decision: str, date: dt.date, folder: Path) -> Path:
    """Freeze the result as `stage` in `folder`; the snapshot's path."""
    if stage not in STAGES:
        raise EvaluatorError(say("阶段应是 {s} 之一,而不是“{x}”", "the stage is one of {s}, not '{x}'", s="、".join(STAGES), x=stage))
    if not decision.strip():
        raise EvaluatorError(say("须写明作出决定的文件(--decision)", "name the decision that approves it (--decision)"))
    result = result_of(ev)
    snapshot = {"year": ev.factset.year, "stage": stage, "decision": decision, "date": date.isoformat(),
                "policy": {"id": ev.policy.id, "sha256": ev.policy.sha256},
                "facts": {"file": ev.factset.path, "sha256": ev.factset.sha256},
                "review": ({"file": ev.review.review.path, "sha256": ev.review.review.sha256} if ev.review else None),
                "result_sha256": digest(result), "result": result}
    snapshot["snapshot_sha256"] = digest(snapshot)
    folder.mkdir(parents=True, exist_ok=True)
    number = len(list(folder.glob(f"{ev.factset.year}-*.json"))) + 1
    path = folder / snapshot_name(ev.factset.year, number, stage)
    from evaluator.views.output import write_atomically
    write_atomically(path, json.dumps(snapshot, ensure_ascii=False, indent=1) + "\n")
    return path


def snapshots(folder: Path, year: int) -> list[dict[str, Any]]:
    """The year's snapshots in the order they were made, each checked against its own hash."""
    found = []
    for path in sorted(folder.glob(f"{year}-*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            claimed = data.pop("snapshot_sha256")
        except (OSError, ValueError, KeyError, AttributeError):
            raise SnapshotBroken(path, edited=False) from None
        if digest(data) != claimed or digest(data.get("result")) != data.get("result_sha256"):
            raise SnapshotBroken(path, edited=True)
        data["path"] = str(path)
        found.append(data)
    return found


def stage_of(ev, folder: Path) -> Stage | None:
    """The stage this result is, from the year's snapshots; refuses a result that would change an approved one."""
    made = snapshots(folder, ev.factset.year)
    if not made:
        return None
    result = result_of(ev)
    current = digest(result)
    latest = made[-1]
    if latest["result_sha256"] == current:
        return Stage(latest["stage"], latest["decision"], dt.date.fromisoformat(latest["date"]), current, latest["path"])
    approved = [s for s in made if s["stage"] == APPROVED]
    if approved:
        last = approved[-1]
        raise ApprovedResultChanged(ev.factset.year, last["date"], last["decision"], last["path"],
                                    _moved(last["result"], result))
    return None


def _moved(old: dict[str, Any], new: dict[str, Any]) -> str:
    before = {u["unit"]: u for u in old.get("units", [])}
    parts = []
    for unit in new.get("units", []):
        was = before.get(unit["unit"])
        if was is None:
            parts.append(say("新增机构 {n}", "new unit {n}", n=unit["name"]))
        elif (was["total"], was["rank"], was["eligible"]) != (unit["total"], unit["rank"], unit["eligible"]):
            parts.append(say("{n} 总分 {a} → {b},名次 {r} → {s}", "{n} total {a} → {b}, rank {r} → {s}", n=unit["name"],
                             a=f"{was['total']:.2f}", b=f"{unit['total']:.2f}", r=was["rank"], s=unit["rank"]))
    if not parts:
        parts.append(say("各机构总分未变,但认定明细有变化", "no total moved, but findings changed"))
    return ";".join(parts[:5]) + (say(" 等 {n} 处", " and {n} more", n=len(parts) - 5) if len(parts) > 5 else "")
