"""The merged year's run as a background job: one thread per run, one run per year at a time.

The job's state lives in SQLite (the `jobs` table, store.py), so a reload, another browser or
another reviewer sees the same stage (读取台账 n/N, 合并, 评分, 生成报告). The run's record and the
job's `done` are written in one transaction (Store.add_run): a crash leaves the job `running`
with no run, and the next start of the workbench marks it failed — never a half record.

The POST waits a few seconds for the thread: a small year's run ends within them and goes
straight to the result (or to the problems), as before; a long one shows the progress page,
which htmx polls (and a page without scripts reloads)."""
from __future__ import annotations

import json
import logging
import sqlite3
import threading

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from evaluator.errors import EvaluatorError
from evaluator.web.service import MergeFailed, problem_rows, render_reports, run_year
from evaluator.web.store import Store, decoded, now

STAGES = ("读取台账", "合并", "评分", "生成报告")
WAIT_SECONDS = 5.0              # how long the POST waits before showing the progress page instead
POLL_SECONDS = 1
log = logging.getLogger(__name__)
_threads: dict[tuple[str, int], threading.Thread] = {}   # (database, job id) -> the thread running it here


# --- the jobs table -------------------------------------------------------------------------------
def job(store: Store, job_id: int) -> dict | None:
    with store.db() as db:
        row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return decoded(row) if row is not None else None


def running_job(store: Store, year: int) -> dict | None:
    with store.db() as db:
        row = db.execute("SELECT id FROM jobs WHERE year = ? AND state = 'running'", (year,)).fetchone()
    return job(store, row["id"]) if row else None


def _tell(store: Store, job_id: int, stage: str, done: int = 0, total: int = 0) -> None:
    """The job's stage; a count (n of N ledgers read) only where the stage has one, so it stays shown after."""
    with store.db() as db:
        if total:
            db.execute("UPDATE jobs SET stage = ?, done = ?, total = ? WHERE id = ? AND state = 'running'",
                       (stage, done, total, job_id))
        else:
            db.execute("UPDATE jobs SET stage = ? WHERE id = ? AND state = 'running'", (stage, job_id))


def _fail(store: Store, job_id: int, message: str, problems: list[dict] | None = None) -> None:
    with store.db() as db:
        db.execute("UPDATE jobs SET state = 'failed', finished_at = ?, message = ?, problems_json = ? WHERE id = ?",
                   (now(), message, json.dumps(problems or [], ensure_ascii=False), job_id))


def fail_abandoned(store: Store) -> int:
    """Jobs left `running` by a workbench that stopped (no thread of this process runs them): failed."""
    with store.db() as db:
        ids = [r["id"] for r in db.execute("SELECT id FROM jobs WHERE state = 'running'")]
    abandoned = [i for i in ids if not (t := _threads.get((str(store.db_path), i))) or not t.is_alive()]
    for job_id in abandoned:
        _fail(store, job_id, "工作台在评分过程中停止(如关闭或重启),本次评分没有完成,也没有保存任何结果;请重新评分")
        store.audit("工作台", "评分中断", f"第 {job_id} 次评分任务")
    return len(abandoned)


# --- the work ---------------------------------------------------------------------------------------
def _work(store: Store, year: dict, job_id: int, by: str) -> None:
    try:
        ev, summary, _ = run_year(store, year, lambda stage, done=0, total=0: _tell(store, job_id, stage, done, total))
        _tell(store, job_id, "生成报告")
        reports = render_reports(ev)
        shas = {fmt: store.put_file(content, fmt) for fmt, content in reports.items()}
        store.add_run(year["year"], by, shas, summary, job=job_id)
    except MergeFailed as exc:
        store.audit(by, "合并未通过检查", f"{year['year']} 年度:{len(exc.problems)} 处问题")
        _fail(store, job_id, f"各机构的台账合并时有 {len(exc.problems)} 处问题,未评分", problem_rows(exc.problems, exc.labels))
    except EvaluatorError as exc:
        store.audit(by, "合并未通过检查", f"{year['year']} 年度:{exc}")
        _fail(store, job_id, f"无法评分:{exc}")
    except Exception:                                  # a bug: said in Chinese on the page, the traceback in the log
        log.exception("job %s failed", job_id)
        store.audit(by, "评分出错", f"{year['year']} 年度:第 {job_id} 次评分任务")
        _fail(store, job_id, "评分时出现内部错误,没有保存任何结果;请把这一情况告诉管理员")


def start(store: Store, year: dict, by: str) -> tuple[int, bool]:
    """(job id, True) for a new job now running; (the running one, False) when the year has one."""
    try:
        with store.db() as db:
            job_id = db.execute("INSERT INTO jobs (year, started_by, started_at, state, stage, total) VALUES (?, ?, ?, 'running', ?, ?)",
                                (year["year"], by, now(), STAGES[0], 0)).lastrowid
            store.audit(by, "开始评分", f"{year['year']} 年度:第 {job_id} 次评分任务", db)
    except sqlite3.IntegrityError:                     # one running job a year (a unique index)
        existing = running_job(store, year["year"])
        if existing is None:                           # it ended in between: try once more
            return start(store, year, by)
        return existing["id"], False
    thread = threading.Thread(target=_work, args=(store, year, job_id, by), name=f"run-{year['year']}-{job_id}", daemon=True)
    _threads[(str(store.db_path), job_id)] = thread
    thread.start()
    return job_id, True


def view(found: dict) -> dict:
    """What the page shows: each stage as done, current or to come."""
    current = STAGES.index(found["stage"]) if found["stage"] in STAGES else 0
    stages = []
    for i, name in enumerate(STAGES):
        state = "done" if i < current or found["state"] == "done" else ("current" if i == current else "todo")
        if found["state"] == "failed" and i == current:
            state = "failed"
        count = f" {found['done']}/{found['total']}" if name == STAGES[0] and found["total"] and state != "todo" else ""
        stages.append({"name": name, "state": state, "count": count})
    return {**found, "stages": stages}


# --- the routes -------------------------------------------------------------------------------------
def _web():
    from evaluator.web import app                                   # the pages' plumbing; imported late: app.py imports this module
    return app


async def run_merged(request: Request):
    web = _web()
    user = web.current_user(request, "admin", "reviewer")
    store = web.store_of(request)
    year = web.year_of(request)
    await web.checked_form(request)
    job_id, new = start(store, year, user["name"])
    if not new:
        request.session["flash"] = "这一年度已有一次评分正在进行,以下是它的进度"
        return RedirectResponse(f"/years/{year['year']}/jobs/{job_id}", 303)
    thread = _threads[(str(store.db_path), job_id)]
    await run_in_threadpool(thread.join, request.app.state.job_wait)
    found = job(store, job_id)
    if found["state"] == "done":
        return RedirectResponse(f"/years/{year['year']}/result", 303)
    if found["state"] == "failed":
        return web.page(request, "year.html", 422, year=year, latest=store.latest_submissions(year["year"]),
                        run=store.latest_run(year["year"]), error=found["message"], problems=found["problems"])
    return RedirectResponse(f"/years/{year['year']}/jobs/{job_id}", 303)


def _job_of(request: Request) -> tuple[dict, dict]:
    web = _web()
    web.current_user(request, "admin", "reviewer", "leader")
    year = web.year_of(request)
    found = job(web.store_of(request), request.path_params["job"])
    if found is None or found["year"] != year["year"]:
        raise HTTPException(404)
    return year, view(found)


async def job_page(request: Request):
    year, found = _job_of(request)
    return _web().page(request, "job_page.html", year=year, job=found, poll=POLL_SECONDS,
                       flash=request.session.pop("flash", None))


async def job_progress(request: Request):
    """The progress fragment htmx polls; when the run is done, htmx is sent on to the result."""
    year, found = _job_of(request)
    html = _web()._env.get_template("job_progress.html").render(year=year, job=found, poll=POLL_SECONDS)
    headers = {"HX-Redirect": f"/years/{year['year']}/result"} if found["state"] == "done" else {}
    return HTMLResponse(html, headers=headers)


routes = [
    Route("/years/{year:int}/run", run_merged, methods=["POST"], name="run"),
    Route("/years/{year:int}/jobs/{job:int}", job_page, name="job"),
    Route("/years/{year:int}/jobs/{job:int}/progress", job_progress, name="job_progress"),
]
