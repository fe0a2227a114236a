"""The working group's review as the workbench keeps it, turned into what the evaluator reads.

Appeals and adjustments are rows in SQLite (store.py), entered in forms in the office's words;
they are never an edit of a submitted file. To check them, they are written as the review file
`evaluator.domain.review.load_review` reads (in a scratch folder) and read back with it, so the forms
are checked exactly as a review file is. A reviewed run records the submissions and the review
file it used, so its evaluation can be made again, identically, for approval and the notice.
Nothing here knows HTTP."""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evaluator.domain.evaluate import evaluate
from evaluator.domain.review import ANSWER_WORDS, ReviewError, evaluate_reviewed, load_review
from evaluator.errors import FactSetError, Problem
from evaluator.i18n import language, say
from evaluator.inputs.ledger.merge import merge_submissions
from evaluator.web.service import ROSTER_WORDS, MergeFailed, file_stem, in_workbench_words, scratch, submission_words
from evaluator.web.store import Store

ANSWERS = ANSWER_WORDS   # the appeal's answers as the forms offer them
ACTIONS = {"set": "修改", "strike": "删除", "add": "新增"}
REVIEW_FILE = "审查调整.yaml"


def adjustment_name(row_id: int | None) -> str:
    """An adjustment's number as the review file and the pages show it (None: one being entered)."""
    return "本次调整" if row_id is None else f"调整{row_id}"


def appeal_name(row_id: int) -> str:
    return f"申诉{row_id}"


class ReviewRefused(Exception):
    """The adjustments and answers do not pass load_review's checks: its problems, for the page."""

    def __init__(self, problems: list[dict]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


# --- the year's merged facts ---------------------------------------------------------------------
@dataclass
class MergedYear:
    factset: Any
    policy: Any
    submissions: dict[str, dict]          # unit -> the submission used (sha256, ext, original_name)
    labels: dict[str, str]                # the scratch file's name -> 办公厅:台账.xlsx
    key: tuple = ()                       # the roster and the files: what the merged year is made of

    places: dict[str, str] = field(default_factory=dict)   # fact id -> 办公厅:台账.xlsx 请假!2

    def source(self, fact_id: str) -> str:
        """Where a fact came from as the office knows it, short, for the review's tables: 办公厅:台账.xlsx 请假!2
        (the fact set's sources, which the notices and reports use, say it in words)."""
        return self.places.get(fact_id, "")


_merged: dict[tuple, MergedYear] = {}    # (roster sha, the submissions' shas) -> the merged year: files never change


def used_submissions(store: Store, year: dict) -> dict[str, dict]:
    """The units' latest submissions, of units still on the roster."""
    names = {u["id"] for u in year["units"]}
    return {unit: {"sha256": s["sha256"], "ext": s["ext"], "original_name": s["original_name"]}
            for unit, s in sorted(store.latest_submissions(year["year"]).items()) if unit in names}


def merged_year(store: Store, year: dict, submissions: dict[str, dict]) -> MergedYear:
    """The given submissions merged under the year's roster (MergeFailed when they do not merge)."""
    key = (year["roster_sha"], tuple((u, s["sha256"]) for u, s in sorted(submissions.items())))
    if key in _merged:
        return _merged[key]
    names = {u["id"]: u["name"] for u in year["units"]}
    with language("zh"), scratch(store) as folder:
        roster = store.file_path(year["roster_sha"], "yaml")
        paths, labels, said = [], {}, {roster: ROSTER_WORDS}
        for index, (unit, sub) in enumerate(sorted(submissions.items())):
            path = folder / f"{file_stem(unit, index)}.{sub['ext']}"
            shutil.copyfile(store.file_path(sub["sha256"], sub["ext"]), path)
            paths.append(path)
            labels[path.name] = f"{names.get(unit, unit)}:{sub['original_name']}"
            said[path] = submission_words(names.get(unit, unit), sub["original_name"])
        try:
            merged = merge_submissions(paths, roster, labels=said)
        except FactSetError as exc:
            raise MergeFailed(exc.problems, labels) from None
        in_workbench_words(merged.notices)
    short = {said[path]: labels[path.name] for path in paths}
    places = {fid: f"{short.get(o.file, o.file)} {o.where}".strip() for fid, o in merged.origins.items()}
    if len(_merged) > 32:
        _merged.clear()
    _merged[key] = MergedYear(merged.factset, merged.policy, submissions, labels, key, places)
    return _merged[key]


# --- the review file from the rows ------------------------------------------------------------------
def parse_changes(text: str) -> list[list[str]]:
    """`类别:特殊情况` lines (one field a line, : or : or =) as [field, value] pairs; UsageError-free:
    a line without a separator is a problem said in Chinese (ValueError)."""
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        found = re.match(r"^([^::=]+)[::=](.*)$", line)
        if not found or not found.group(1).strip():
            raise ValueError(say("第 {n} 行“{l}”应写成“字段:新值”,如“类别:特殊情况”",
                                 "line {n} '{l}' should read 'field: value'", n=number, l=line))
        pairs.append([found.group(1).strip(), found.group(2).strip()])
    return pairs


def adjustment_entry(row: dict) -> dict:
    """One adjustment row as the review file writes it, in the office's words."""
    entry: dict[str, Any] = {"id": adjustment_name(row["id"])}
    changes = {name: value for name, value in row["changes"]}
    if row["action"] == "strike":
        entry.update(fact=row["fact"], strike=True)
    elif row["action"] == "set":
        entry.update(fact=row["fact"], set=changes)
    else:
        entry["add"] = changes
    entry.update(reason=row["reason"], decision=row["decision"])
    return entry


def appeal_entry(row: dict) -> dict:
    entry: dict[str, Any] = {"id": appeal_name(row["id"]), "unit": row["unit"]}
    if row.get("fact"):
        entry["fact"] = row["fact"]
    if row.get("clause"):
        entry["clause"] = row["clause"]
    entry.update(text=row["text"], answer=row["answer"], reason=row["reason"], decision=row["decision"])
    if row.get("adjustment"):
        entry["adjustment"] = adjustment_name(row["adjustment"])
    return entry


def answered(appeals: list[dict]) -> list[dict]:
    """The appeals the review file carries: those with an answer, or held as pending with a reason.
    An appeal nobody has answered yet is not part of the review (it has no reason nor decision)."""
    return [a for a in appeals if a["answer"] != "pending" or (a["reason"].strip() and a["decision"].strip())]


def review_document(adjustments: list[dict], appeals: list[dict]) -> bytes:
    document = {"adjustments": [adjustment_entry(a) for a in adjustments],
                "appeals": [appeal_entry(a) for a in answered(appeals)]}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode("utf-8")


# The review file's own keys, as the forms name them.
FORM_WORDS = {"id": "编号", "fact": "记录", "set": "修改内容", "strike": "删除", "add": "新增记录", "reason": "原因",
              "decision": "决定文号", "unit": "机构", "text": "申诉理由", "answer": "答复", "adjustment": "据以调整"}


def review_problem_rows(problems: list[Problem], field_labels: dict[str, str]) -> list[dict]:
    """(调整或申诉, 字段, 说明) for the page: the item the problem is about, as the page numbers it,
    and the field in the office's words (a fact's field by the policy's label)."""
    rows = []
    for p in problems:
        name = p.field or ""
        shown = FORM_WORDS.get(name) or p.field_label or field_labels.get(name, name)   # the form's own labels first
        rows.append({"item": p.fact_id or "", "field": shown, "message": p.message})
    return rows


def check_review(store: Store, merged: MergedYear, adjustments: list[dict], appeals: list[dict]):
    """The rows read back by load_review against the merged facts: (Review, the file's bytes) or ReviewRefused."""
    content = review_document(adjustments, appeals)
    with language("zh"), scratch(store) as folder:
        path = folder / REVIEW_FILE
        path.write_bytes(content)
        try:
            review = load_review(path, merged.factset, merged.policy.vocabulary)
        except ReviewError as exc:
            raise ReviewRefused(review_problem_rows(exc.problems, merged.policy.policy.labels.fields)) from None
    review.path = REVIEW_FILE                     # not the scratch folder, which is gone
    return review, content


# --- the year scored --------------------------------------------------------------------------------
@dataclass
class Scored:
    merged: MergedYear
    ev: Any                                   # the Evaluation (reviewed when there is a valid review)
    review_problems: list[dict] = field(default_factory=list)
    review_content: bytes | None = None


_scored: dict[tuple, Scored] = {}


def score(merged: MergedYear, review=None) -> Any:
    """The merged year scored as submitted, or as reviewed (its `.review` has the before and after)."""
    with language("zh"):
        if review is None:
            return evaluate(merged.factset, merged.policy)
        return evaluate_reviewed(merged.factset, merged.policy, review)


def current(store: Store, year: dict) -> Scored:
    """The year as it stands: the latest submissions with the stored adjustments and answers applied
    (as submitted, with the problems, when the review does not pass its checks). MergeFailed when the
    submissions do not merge."""
    merged = merged_year(store, year, used_submissions(store, year))
    adjustments, appeals = store.adjustments(year["year"]), store.appeals(year["year"])
    problems, review, content = [], None, None
    try:                    # even with no adjustment: the before and after are then the same
        review, content = check_review(store, merged, adjustments, appeals)
    except ReviewRefused as refused:
        problems = refused.problems
    key = (merged.key, content)
    if key not in _scored:
        if len(_scored) > 32:
            _scored.clear()
        _scored[key] = Scored(merged, score(merged, review), problems, content)
    found = _scored[key]
    return Scored(found.merged, found.ev, problems, content)


def of_run(store: Store, year: dict, run: dict) -> Any:
    """The evaluation a reviewed run made, made again from what it recorded (same files, same review)."""
    merged = merged_year(store, year, run["submissions"])
    key = (merged.key, run["review_sha"])
    if key not in _scored:
        path = store.file_path(run["review_sha"], "yaml")
        with language("zh"):
            review = load_review(path, merged.factset, merged.policy.vocabulary)
        review.path = REVIEW_FILE
        _scored[key] = Scored(merged, score(merged, review))
    return _scored[key]


def changes_rows(ev, merged: MergedYear) -> dict:
    """What the review changed, for the page and for the run's record: findings and totals, before → after."""
    from evaluator.domain.numbers import plain, signed
    names = {u.id: u.name for u in ev.factset.units.values()}
    titles = {r.id: r.rule.title for r in ev.policy.rules}
    clauses = ev.policy.clauses
    findings = [{"unit": names.get(c.unit, c.unit), "clause": f"{c.clause} {clauses[c.clause].title}" if c.clause in clauses else c.clause,
                 "rule": titles.get(c.rule, ""), "before": plain(c.before), "after": plain(c.after),
                 "delta": signed(c.after - c.before), "adjustments": "、".join(c.adjustments),
                 "sources": "、".join(merged.source(e) or e for e in c.evidence)} for c in ev.review.changes]
    before = {s.unit: s for s in ev.review.before.scorecard.units}
    totals = []
    for s in ev.scorecard.units:
        was = before.get(s.unit)
        totals.append({"unit": s.name, "before": plain(was.total) if was else "", "after": plain(s.total),
                       "rank_before": was.rank if was else "", "rank_after": s.rank,
                       "delta": signed(s.total - was.total) if was else "", "moved": was is None or was.total != s.total or was.rank != s.rank})
    return {"findings": findings, "totals": totals}


def review_lines(ev, merged: MergedYear) -> list[str]:
    """`adjustment_lines` with each fact named where it came from (办公厅:台账.xlsx 请假!2), not by
    its internal id, and an appeal named once (the page numbers appeals 申诉1, 申诉2)."""
    from evaluator.domain.review import adjustment_lines
    with language("zh"):
        lines = adjustment_lines(ev)
    facts = sorted({a.fact for a in ev.review.review.adjustments}, key=len, reverse=True)
    out = []
    for line in lines:
        for fact in facts:
            if merged.source(fact):
                line = line.replace(fact, merged.source(fact))
        out.append(line.replace("申诉 申诉", "申诉"))
    return out


def approvals_folder(store: Store) -> Path:
    """Where the year's approval snapshots are kept (stages.py writes them): inside the data folder."""
    return store.data / "approvals"
