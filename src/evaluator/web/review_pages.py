"""The review process in the browser: the clerks' appeals (申诉), the working group's review
(考核工作组审查: drill-down, why-not, coverage, answers, adjustments, the reviewed run) and the
leaders' approval (审查/审定) with the notice (通报).

Who may do what: a clerk files and reads their own unit's appeals only; the working group (and
the admin) reads everything and answers, adjusts and runs; a leader reads and approves, and is
the only one who approves. Every change is a transaction in SQLite and in the audit log."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from evaluator.domain.numbers import plain, signed
from evaluator.errors import EvaluatorError
from evaluator.i18n import language
from evaluator.paths import FEATURES
from evaluator.web import reviews
from evaluator.web.app import attachment, checked_form, current_user, page, store_of, unit_of, year_of
from evaluator.web.reviews import ACTIONS, ANSWERS, ReviewRefused, adjustment_name, appeal_name
from evaluator.web.service import MergeFailed, problem_rows, render_reports, score_row
from evaluator.web.stage_words import recorded_stage, said

WORKING_GROUP = ("admin", "reviewer")                 # answer, adjust, run
READERS = ("admin", "reviewer", "leader")             # read the review's pages
APPROVER = "leader"                                   # the only one who approves a stage
MAX_TEXT = 2000                                       # an appeal's or a reason's characters
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- shared pieces ---------------------------------------------------------------------------------
def text_of(form, name: str, limit: int = MAX_TEXT) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


async def scored_year(request: Request, year: dict):
    """The year as it stands now (reviews.current), or an error page's words when it does not merge."""
    store = store_of(request)
    try:
        return await run_in_threadpool(reviews.current, store, year), None
    except MergeFailed as exc:
        return None, (f"各机构的台账合并时有 {len(exc.problems)} 处问题,暂时无法评分", problem_rows(exc.problems, exc.labels))
    except EvaluatorError as exc:
        return None, (f"无法评分:{exc}", None)


def unavailable(request: Request, year: dict, said) -> object:
    message, problems = said
    return page(request, "review_unavailable.html", 422, year=year, error=message, problems=problems)


def rule_titles(ev) -> dict[str, str]:
    return {r.id: r.rule.title for r in ev.policy.rules}


def finding_rows(scored, unit: str | None = None) -> list[dict]:
    """Each finding with its clause, rule, arithmetic and source rows, as the office reads them."""
    ev, merged = scored.ev, scored.merged
    titles, clauses, sections = rule_titles(ev), ev.policy.clauses, ev.policy.policy.sections
    names = {u.id: u.name for u in ev.factset.units.values()}
    rows = []
    for f in ev.findings:
        if unit is not None and f.unit != unit:
            continue
        clause = clauses.get(f.clause)
        section = sections.get(f.section)
        rows.append({"unit": f.unit, "unit_name": names.get(f.unit, f.unit), "clause": f.clause,
                     "clause_title": clause.title if clause else "", "section": section.title if section else "",
                     "rule": f.rule, "rule_title": titles.get(f.rule, ""), "points": signed(f.points),
                     "arithmetic": f"{signed(f.rate)} × {plain(f.quantity)} = {signed(f.points)}",
                     "explanation": f.explanation, "fact": f.evidence[0] if f.evidence else "",
                     "sources": [{"fact": e, "where": merged.source(e) or e} for e in f.evidence],
                     "disqualifies": f.disqualifies})
    return rows


def fact_choices(scored, unit: str | None = None) -> list[dict]:
    """The year's facts in words, for the adjustment form: (id, unit, summary, source)."""
    from evaluator.views.describe import fact_summary
    ev, merged = scored.ev.review.before if scored.ev.review else scored.ev, scored.merged
    names = {u.id: u.name for u in ev.factset.units.values()}
    return [{"id": f.id, "unit": names.get(f.unit, f.unit), "summary": fact_summary(ev, f), "where": merged.source(f.id)}
            for f in ev.factset.facts if unit is None or f.unit == unit]


def adjustment_said(row: dict, facts: dict[str, dict]) -> str:
    """An adjustment in a sentence: 修改 办公厅 请假 张三 事假…(办公厅:台账.xlsx 请假!2):类别 → 特殊情况."""
    fact = facts.get(row["fact"])
    subject = f"{fact['unit']} {fact['summary']}" + (f"({fact['where']})" if fact and fact["where"] else "") if fact else row["fact"]
    changes = ",".join(f"{k} → {v}" for k, v in row["changes"])
    if row["action"] == "strike":
        return f"删除 {subject}"
    if row["action"] == "set":
        return f"修改 {subject}:{changes}"
    return f"新增 {changes}"


def appeal_rows(store, year: dict, unit: str | None = None) -> list[dict]:
    names = {u["id"]: u["name"] for u in year["units"]}
    rows = []
    for a in store.appeals(year["year"], unit):
        rows.append({**a, "name": appeal_name(a["id"]), "unit_name": names.get(a["unit"], a["unit"]),
                     "answer_said": ANSWERS[a["answer"]],
                     "adjustment_name": adjustment_name(a["adjustment"]) if a["adjustment"] else ""})
    return rows


# --- the clerk: their unit's appeals -------------------------------------------------------------------
async def unit_appeals(request: Request):
    user = current_user(request, "clerk", *READERS)
    year = year_of(request)
    unit = unit_of(request, user, year)
    return await _unit_appeals_page(request, year, unit)


async def _unit_appeals_page(request: Request, year: dict, unit: dict, status: int = 200, **context):
    store = store_of(request)
    scored, said = await scored_year(request, year)
    findings = finding_rows(scored, unit["id"]) if scored else []
    clauses = [(c.id, c.title) for c in scored.ev.policy.policy.clauses] if scored else []
    chosen = request.query_params.get("finding", "")
    return page(request, "appeal_unit.html", status, year=year, unit=unit, findings=findings, clauses=clauses,
                appeals=appeal_rows(store, year, unit["id"]), chosen=chosen, unavailable=said[0] if said else None,
                flash=request.session.pop("flash", None), **context)


async def file_appeal(request: Request):
    user = current_user(request, "clerk", "admin")
    store = store_of(request)
    year = year_of(request)
    unit = unit_of(request, user, year)
    form = await checked_form(request)
    text = text_of(form, "text")
    finding_key = text_of(form, "finding", 400)
    if not text:
        return await _unit_appeals_page(request, year, unit, 400, error="请写明申诉的理由")
    scored, said = await scored_year(request, year)
    fact = clause = rule = None
    finding = ""
    if finding_key:                                  # one of the unit's findings: clause|rule|fact
        found = next((f for f in (finding_rows(scored, unit["id"]) if scored else [])
                      if f"{f['clause']}|{f['rule']}|{f['fact']}" == finding_key), None)
        if found is None:
            return await _unit_appeals_page(request, year, unit, 400, error="所选的认定不在本机构的认定之中,请刷新页面后重新选择")
        fact, clause, rule = found["fact"] or None, found["clause"], found["rule"]
        finding = f"{found['clause']} {found['clause_title']} · {found['rule_title']} {found['points']} 分:{found['explanation']}"
    else:
        clause = text_of(form, "clause", 40) or None
        known = {c.id for c in scored.ev.policy.policy.clauses} if scored else set()
        if clause and clause not in known:
            return await _unit_appeals_page(request, year, unit, 400, error="所选的条款不在考核办法中")
        if clause:
            finding = f"{clause} {scored.ev.policy.clauses[clause].title}(没有认定)"
    number = store.add_appeal(year["year"], unit["id"], fact, clause, rule, finding, text, user["name"])
    request.session["flash"] = f"已提出{appeal_name(number)},考核工作组答复后会显示在这里"
    return RedirectResponse(f"/years/{year['year']}/units/{quote(unit['id'])}/appeals", 303)


# --- the working group: the scorecard and its drill-down --------------------------------------------
async def review_home(request: Request):
    current_user(request, *READERS)
    store = store_of(request)
    year = year_of(request)
    scored, said = await scored_year(request, year)
    if said:
        return unavailable(request, year, said)
    appeals = store.appeals(year["year"])
    return page(request, "review_year.html", year=year, units=[score_row(s) for s in scored.ev.scorecard.units],
                review_problems=scored.review_problems, adjustments=len(store.adjustments(year["year"])),
                pending=sum(1 for a in appeals if a["answer"] == "pending"), appeals=len(appeals),
                run=store.latest_reviewed_run(year["year"]), flash=request.session.pop("flash", None),
                error=request.session.pop("error", None))


async def review_unit(request: Request):
    user = current_user(request, *READERS)
    year = year_of(request)
    unit = unit_of(request, user, year)
    scored, said = await scored_year(request, year)
    if said:
        return unavailable(request, year, said)
    score = next((s for s in scored.ev.scorecard.units if s.unit == unit["id"]), None)
    if score is None:
        raise HTTPException(404)
    return page(request, "review_unit.html", year=year, unit=unit, score=score_row(score), findings=finding_rows(scored, unit["id"]),
                facts=fact_choices(scored, unit["id"]), clauses=[(c.id, c.title) for c in scored.ev.policy.policy.clauses],
                appeals=appeal_rows(store_of(request), year, unit["id"]))


VERDICT_MARKUP = re.compile(r"\[/?[a-z]+\]")


def verdict_word(verdict: str) -> str:
    from evaluator.views.whynot import VERDICT
    return VERDICT_MARKUP.sub("", VERDICT.get(verdict, verdict))


async def review_why_not(request: Request):
    current_user(request, *READERS)
    year = year_of(request)
    scored, said = await scored_year(request, year)
    if said:
        return unavailable(request, year, said)
    ev, merged = scored.ev, scored.merged
    units = [(u.id, u.name) for u in ev.factset.units.values()]
    clauses = [(c.id, c.title) for c in ev.policy.policy.clauses]
    unit, clause = request.query_params.get("unit", ""), request.query_params.get("clause", "")
    answer, error = None, None
    if unit or clause:
        if unit not in ev.factset.units or clause not in ev.policy.clauses:
            error = "请从列表中选择机构和条款"
        else:
            answer = await run_in_threadpool(_why_not, ev, merged, unit, clause)
    return page(request, "review_whynot.html", 400 if error else 200, year=year, units=units, clauses=clauses,
                unit=unit, clause=clause, answer=answer, error=error)


def _why_not(ev, merged, unit: str, clause: str) -> dict:
    from evaluator.domain.derive import DerivedFact
    from evaluator.views.describe import fact_summary
    from evaluator.views.whynot import why_not
    with language("zh"):
        _, _, facts = why_not(ev, unit, clause)
        rows = []
        for fo in facts:
            derived = isinstance(fo.fact, DerivedFact)
            sources = [merged.source(s) for s in (fo.fact.sources if derived else (fo.fact.id,))]
            not_counted = [f"{d.fact_id} {fact_summary(ev, ev.decisions.facts[d.fact_id])}"
                           + (f"({merged.source(d.fact_id)})" if merged.source(d.fact_id) else "") for d in fo.excluded]
            rows.append({"summary": fact_summary(ev, fo.fact), "sources": [s for s in sources if s], "not_counted": not_counted,
                         "outcomes": [{"verdict": o.verdict, "said": verdict_word(o.verdict), "rule": o.rule.rule.title,
                                       "text": ";".join(o.failures) if o.failures else o.text,
                                       "points": signed(o.points) if o.points else "", "near": o.near_misses} for o in fo.outcomes]})
        c = ev.policy.clauses[clause]
        total = sum((f.points for f in ev.findings if f.unit == unit and f.clause == clause), Decimal(0))
        types = sorted({ev.policy.policy.labels.types.get(r.rule.fact, r.rule.fact) for r in ev.policy.rules_of(clause)})
    return {"unit_name": ev.factset.units[unit].name, "clause": c.id, "title": c.title, "text": c.text,
            "total": signed(total), "facts": rows, "types": "、".join(types)}


async def review_coverage(request: Request):
    current_user(request, *READERS)
    year = year_of(request)
    scored, said = await scored_year(request, year)
    if said:
        return unavailable(request, year, said)
    from evaluator.views.coverage import clause_coverage
    ev = scored.ev
    names = {u.id: u.name for u in ev.factset.units.values()}
    features = FEATURES if FEATURES.is_dir() else None
    rows = [{"clause": r.clause, "title": r.title, "findings": r.findings, "scenarios": r.scenarios,
             "units": "、".join(f"{names.get(u, u)} {signed(p)}" for u, p in sorted(r.points_by_unit.items()))}
            for r in await run_in_threadpool(clause_coverage, ev, features)]
    return page(request, "review_coverage.html", year=year, rows=rows, features=features is not None,
                silent=sum(1 for r in rows if not r["findings"]))


# --- the working group: appeals and adjustments -------------------------------------------------------
async def review_appeals(request: Request, status: int = 200, **context):
    current_user(request, *READERS)
    store = store_of(request)
    year = year_of(request)
    scored, said = await scored_year(request, year)
    facts = {f["id"]: f for f in fact_choices(scored)} if scored else {}
    adjustments = [{"id": a["id"], "name": adjustment_name(a["id"]), "said": adjustment_said(a, facts)}
                   for a in store.adjustments(year["year"])]
    return page(request, "review_appeals.html", status, year=year, appeals=appeal_rows(store, year), adjustments=adjustments,
                answers=ANSWERS, flash=request.session.pop("flash", None), **context)


async def answer_appeal(request: Request):
    user = current_user(request, *WORKING_GROUP)
    store = store_of(request)
    year = year_of(request)
    form = await checked_form(request)
    number = request.path_params["appeal"]
    appeal = store.appeal(year["year"], number)
    if appeal is None:
        raise HTTPException(404)
    answer = text_of(form, "answer", 20)
    if answer not in ANSWERS:
        return await review_appeals(request, 400, error="请选择答复:支持、驳回或待定")
    linked = text_of(form, "adjustment", 20)
    adjustment = int(linked) if linked.isdigit() else None
    reason, decision = text_of(form, "reason"), text_of(form, "decision", 200)
    candidate = [{**a, "answer": answer, "reason": reason, "decision": decision, "adjustment": adjustment}
                 if a["id"] == number else a for a in store.appeals(year["year"])]
    if answer != "pending" and not (reason and decision):
        return await review_appeals(request, 400, error=f"{appeal_name(number)}:答复须写明理由和作出决定的文件(决定文号)")
    refused = await _refused(request, year, store.adjustments(year["year"]), candidate)
    if refused is not None:
        return await review_appeals(request, 422, error=f"{appeal_name(number)} 的答复未保存:审查调整有 {len(refused)} 处问题",
                                    review_problems=refused)
    said = f"{ANSWERS[answer]};理由:{reason};依据:{decision}" + (f";见{adjustment_name(adjustment)}" if adjustment else "")
    store.answer_appeal(year["year"], number, answer, reason, decision, adjustment, user["name"], said)
    request.session["flash"] = f"已答复{appeal_name(number)}:{ANSWERS[answer]}"
    return RedirectResponse(f"/years/{year['year']}/review/appeals", 303)


async def _refused(request: Request, year: dict, adjustments: list[dict], appeals: list[dict]) -> list[dict] | None:
    """load_review's problems with these rows (None: they pass); merging problems are said as one."""
    store = store_of(request)
    try:
        merged = await run_in_threadpool(reviews.merged_year, store, year, reviews.used_submissions(store, year))
        await run_in_threadpool(reviews.check_review, store, merged, adjustments, appeals)
    except ReviewRefused as exc:
        return exc.problems
    except MergeFailed as exc:
        return [{"item": "", "field": "", "message": f"各机构的台账合并时有 {len(exc.problems)} 处问题,无法核对审查调整"}]
    return None


async def review_adjustments(request: Request, status: int = 200, **context):
    current_user(request, *READERS)
    store = store_of(request)
    year = year_of(request)
    scored, said = await scored_year(request, year)
    if said:
        return unavailable(request, year, said)
    facts = fact_choices(scored)
    by_id = {f["id"]: f for f in facts}
    rows = [{**a, "name": adjustment_name(a["id"]), "said": adjustment_said(a, by_id), "action_said": ACTIONS[a["action"]]}
            for a in store.adjustments(year["year"], withdrawn=True)]
    vocabulary = scored.ev.policy.vocabulary
    types = [(t, vocabulary.type_label(t), "、".join(w.label for n, w in vocabulary.types[t].fields.items()
                                                    if n not in ("id", "type", "unit")))
             for t in vocabulary.types]
    chosen = request.query_params.get("fact", "")
    problems = context.pop("review_problems", None) or scored.review_problems
    return page(request, "review_adjustments.html", status, year=year, rows=rows, facts=facts, chosen=by_id.get(chosen),
                units=year["units"], types=types, actions=ACTIONS, review_problems=problems,
                flash=request.session.pop("flash", None), **context)


async def add_adjustment(request: Request):
    user = current_user(request, *WORKING_GROUP)
    store = store_of(request)
    year = year_of(request)
    form = await checked_form(request)
    action = text_of(form, "action", 10)
    reason, decision = text_of(form, "reason"), text_of(form, "decision", 200)
    keep = {k: text_of(form, k) for k in ("action", "fact", "type", "unit", "changes", "reason", "decision")}
    if action not in ACTIONS:
        return await review_adjustments(request, 400, error="请选择调整方式:修改、删除或新增", form=keep)
    try:
        changes = reviews.parse_changes(text_of(form, "changes", 4000))
    except ValueError as exc:
        return await review_adjustments(request, 400, error=str(exc), form=keep)
    fact = text_of(form, "fact", 200) if action != "add" else ""
    if action == "add":
        scored = (await scored_year(request, year))[0]
        vocabulary = scored.ev.policy.vocabulary if scored else None
        type_code, unit = text_of(form, "type", 60), text_of(form, "unit", 60)
        names = {u["id"]: u["name"] for u in year["units"]}
        if vocabulary is None or type_code not in vocabulary.types or unit not in names:
            return await review_adjustments(request, 400, error="新增记录须选择记录类型和机构", form=keep)
        changes = [["类型", vocabulary.type_label(type_code)], ["机构", names[unit]], *changes]
    elif action == "set" and not changes:
        return await review_adjustments(request, 400, error="请写明要修改的字段和新值,如“类别:特殊情况”", form=keep)
    elif action == "strike":
        changes = []
    row = {"id": None, "action": action, "fact": fact, "changes": changes, "reason": reason, "decision": decision}
    refused = await _refused(request, year, [*store.adjustments(year["year"]), row], store.appeals(year["year"]))
    if refused is not None:
        return await review_adjustments(request, 422, error=f"调整未保存:有 {len(refused)} 处问题,请改正后重新提交",
                                        review_problems=refused, form=keep)
    scored, _ = await scored_year(request, year)
    facts = {f["id"]: f for f in fact_choices(scored)} if scored else {}
    number = store.add_adjustment(year["year"], action, fact, changes, reason, decision, user["name"], adjustment_said(row, facts))
    request.session["flash"] = f"已保存{adjustment_name(number)}(通过检查);请“审查评分”查看调整前后的变化"
    return RedirectResponse(f"/years/{year['year']}/review/adjustments", 303)


async def withdraw_adjustment(request: Request):
    user = current_user(request, *WORKING_GROUP)
    store = store_of(request)
    year = year_of(request)
    await checked_form(request)
    number = request.path_params["adjustment"]
    active = store.adjustments(year["year"])
    if all(a["id"] != number for a in active):
        raise HTTPException(404)
    refused = await _refused(request, year, [a for a in active if a["id"] != number], store.appeals(year["year"]))
    if refused is not None:
        return await review_adjustments(request, 422, error=f"不能撤销{adjustment_name(number)}:撤销后有 {len(refused)} 处问题"
                                                            "(如支持的申诉以它为据,请先改答复)", review_problems=refused)
    store.withdraw_adjustment(year["year"], number, user["name"])
    request.session["flash"] = f"已撤销{adjustment_name(number)}"
    return RedirectResponse(f"/years/{year['year']}/review/adjustments", 303)


# --- the reviewed run ---------------------------------------------------------------------------------
async def reviewed_run(request: Request):
    user = current_user(request, *WORKING_GROUP)
    store = store_of(request)
    year = year_of(request)
    await checked_form(request)
    if not reviews.used_submissions(store, year):
        request.session["error"] = "还没有机构提交台账,无法审查评分"
        return RedirectResponse(f"/years/{year['year']}/review", 303)
    try:
        outcome = await run_in_threadpool(_reviewed_run, store, year)
    except ReviewRefused as exc:
        return await review_adjustments(request, 422, error=f"审查调整有 {len(exc.problems)} 处问题,未评分;请改正或撤销后重试",
                                        review_problems=exc.problems)
    except MergeFailed as exc:
        return unavailable(request, year, (f"各机构的台账合并时有 {len(exc.problems)} 处问题,未评分",
                                           problem_rows(exc.problems, exc.labels)))
    except EvaluatorError as exc:
        return unavailable(request, year, (f"无法评分:{exc}", None))
    ev, summary, inputs, reports, differs = outcome
    shas = {fmt: store.put_file(content, fmt) for fmt, content in reports.items()}
    store.add_reviewed_run(year["year"], user["name"], shas, summary, inputs)
    if differs:
        request.session["error"] = f"注意:{differs}。本次审查评分已保存,审定为新的阶段后方为审定稿。"
    return RedirectResponse(f"/years/{year['year']}/review/result", 303)


def _reviewed_run(store, year: dict):
    """The year as reviewed, with what it used; the stored rows must pass load_review's checks."""
    from evaluator.domain.stages import stage_of
    submissions = reviews.used_submissions(store, year)
    merged = reviews.merged_year(store, year, submissions)
    adjustments, appeals = store.adjustments(year["year"]), store.appeals(year["year"])
    review, content = reviews.check_review(store, merged, adjustments, appeals)
    review_sha = store.put_file(content, "yaml")
    ev = reviews.of_run(store, year, {"submissions": submissions, "review_sha": review_sha}).ev
    names = {u["id"]: u["name"] for u in year["units"]}
    with language("zh"):
        summary = {"policy": ev.policy.id, "units": [score_row(s) for s in ev.scorecard.units],
                   "recommended": [names.get(u, u) for u in ev.scorecard.recommended],
                   "notices": [str(n.message) for n in ev.notices], "used": sorted(submissions),
                   "findings": len(ev.findings), "facts": len(ev.factset.facts), "reviewed": True}
        differs = ""
        try:                 # a result that would change an approved one: kept, but said, until it is approved anew
            stage_of(ev, reviews.approvals_folder(store))
        except EvaluatorError as exc:
            differs = said(exc)
        changes = {**reviews.changes_rows(ev, merged), "lines": reviews.review_lines(ev, merged)}
    inputs = {"review_sha": review_sha, "submissions": submissions, "adjustments": [a["id"] for a in adjustments],
              "appeals": [a["id"] for a in reviews.answered(appeals)], "changes": changes}
    return ev, summary, inputs, render_reports(ev), differs


async def review_result(request: Request):
    current_user(request, *READERS)
    store = store_of(request)
    year = year_of(request)
    run = store.latest_reviewed_run(year["year"])
    return page(request, "review_result.html", year=year, run=run, error=request.session.pop("error", None))


# --- the leaders: approval and the notice -------------------------------------------------------------
async def _run_and_stage(store, year: dict):
    """The latest reviewed run, its evaluation, its stage (or why it is none) and the snapshots so far."""
    from evaluator.domain.stages import snapshots, stage_of
    run = store.latest_reviewed_run(year["year"])
    if run is None:
        return None, None, None, "", []
    folder = reviews.approvals_folder(store)
    try:
        ev = (await run_in_threadpool(reviews.of_run, store, year, run)).ev
    except (MergeFailed, EvaluatorError):            # the year's roster was replaced since: the run cannot be made again
        raise EvaluatorError("最近一次审查评分所用的台账已无法按本年度现在的名册合并(名册已更新);"
                             "请考核工作组重新审查评分") from None
    stage, differs = None, ""
    with language("zh"):
        try:
            stage = stage_of(ev, folder)
        except EvaluatorError as exc:
            differs = said(exc)
        made = snapshots(folder, year["year"])
    return run, ev, stage, differs, made


async def approval_page(request: Request, status: int = 200, **context):
    current_user(request, *READERS)
    store = store_of(request)
    year = year_of(request)
    try:
        run, ev, stage, differs, made = await _run_and_stage(store, year)
    except EvaluatorError as exc:                      # a snapshot edited by hand: said, never a traceback
        return page(request, "leader_year.html", 409, year=year, run=None, error=said(exc), stages=(), made=[], today="")
    since = bool(run) and (run["submissions"] != reviews.used_submissions(store, year)
                           or run["adjustments"] != [a["id"] for a in store.adjustments(year["year"])])
    from evaluator.domain.stages import STAGES
    shown = [{"stage": s["stage"], "decision": s["decision"], "date": s["date"], "sha": s["result_sha256"][:12],
              "file": Path(s["path"]).name} for s in made]
    return page(request, "leader_year.html", status, year=year, run=run, stage=stage, differs=differs, made=shown,
                stages=STAGES, since=since, today=dt.date.today().isoformat(), flash=request.session.pop("flash", None),
                **context)


async def approve_stage(request: Request):
    user = current_user(request, APPROVER)
    store = store_of(request)
    year = year_of(request)
    form = await checked_form(request)
    from evaluator.domain.stages import approve
    stage, decision = text_of(form, "stage", 10), text_of(form, "decision", 200)
    try:
        day = dt.date.fromisoformat(text_of(form, "date", 10))
    except ValueError:
        return await approval_page(request, 400, error="日期应写成 2025-01-15 这样的年-月-日")
    if not decision.strip():   # the domain's own refusal names the command line's --decision
        return await approval_page(request, 400, error="须写明作出审定决定的文件(决定文号),如 主任办公会议纪要〔2025〕2号")
    try:
        run, ev, _, _, _ = await _run_and_stage(store, year)
        if run is None:
            return await approval_page(request, 409, error="还没有审查评分,无法审定;请考核工作组先审查评分")
        with language("zh"):
            path = approve(ev, stage, decision, day, reviews.approvals_folder(store))
    except EvaluatorError as exc:
        return await approval_page(request, 400, error=said(exc))
    store.audit(user["name"], "审定" if stage == "审定" else "审查通过",
                f"{year['year']} 年度{stage}阶段:{decision}({day.isoformat()}),审查评分 {run['run_at'][:16]},{recorded_stage(path)}")
    request.session["flash"] = f"已记录 {year['year']} 年度{stage}阶段({decision},{day.isoformat()})"
    return RedirectResponse(f"/years/{year['year']}/approval", 303)


async def notice_download(request: Request):
    current_user(request, *READERS)
    store = store_of(request)
    year = year_of(request)
    try:
        run, ev, stage, _, _ = await _run_and_stage(store, year)
    except EvaluatorError as exc:
        return page(request, "error.html", 409, message=said(exc))
    if run is None:
        return page(request, "error.html", 404, message="还没有审查评分,无法生成通报")

    def work() -> bytes:
        from evaluator.views.notice import write_notice
        with language("zh"):
            if stage is not None and stage.approved:
                return write_notice(ev, stage="审定稿", decision=stage.decision, date=stage.date)
            return write_notice(ev)
    content = await run_in_threadpool(work)
    kind = "审定稿" if stage is not None and stage.approved else "征求意见稿"
    return attachment(content, DOCX, f"{year['year']}年度考核结果通报({kind}).docx")


routes = [
    Route("/years/{year:int}/units/{unit}/appeals", unit_appeals, name="unit_appeals"),
    Route("/years/{year:int}/units/{unit}/appeals", file_appeal, methods=["POST"], name="file_appeal"),
    Route("/years/{year:int}/review", review_home, name="review"),
    Route("/years/{year:int}/review/units/{unit}", review_unit, name="review_unit"),
    Route("/years/{year:int}/review/why-not", review_why_not, name="review_why_not"),
    Route("/years/{year:int}/review/coverage", review_coverage, name="review_coverage"),
    Route("/years/{year:int}/review/appeals", review_appeals, name="review_appeals"),
    Route("/years/{year:int}/review/appeals/{appeal:int}", answer_appeal, methods=["POST"], name="answer_appeal"),
    Route("/years/{year:int}/review/adjustments", review_adjustments, name="review_adjustments"),
    Route("/years/{year:int}/review/adjustments", add_adjustment, methods=["POST"], name="add_adjustment"),
    Route("/years/{year:int}/review/adjustments/{adjustment:int}/withdraw", withdraw_adjustment, methods=["POST"],
          name="withdraw_adjustment"),
    Route("/years/{year:int}/review/run", reviewed_run, methods=["POST"], name="reviewed_run"),
    Route("/years/{year:int}/review/result", review_result, name="review_result"),
    Route("/years/{year:int}/approval", approval_page, name="approval"),
    Route("/years/{year:int}/approval", approve_stage, methods=["POST"], name="approve"),
    Route("/years/{year:int}/notice", notice_download, name="notice"),
]
