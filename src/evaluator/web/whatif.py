"""假如 (what-if): the year's latest merged facts scored under the policy in force and under a draft,
side by side — per unit the totals and ranks, per clause what moved and why.

The draft is a version from the registry (a draft such as method-2025-draft, or any other
version), or an amendment uploaded for the occasion: a YAML/JSON delta (policy/amend.py) or the
filled amendment workbook (inputs/amendment_workbook.py), checked by content as a ledger is
(uploads.py) and read in a private folder under DIR/tmp that is removed afterwards; nothing of
it is kept. The comparison itself is `evaluator diff`'s (diff.py). A clerk sees only their unit."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from evaluator.domain.diff import diff
from evaluator.domain.evaluate import evaluate
from evaluator.domain.numbers import signed_two_places, two_places
from evaluator.domain.policy import CompiledPolicy
from evaluator.domain.policy.registry import choose_policy
from evaluator.errors import EvaluatorError, InputError
from evaluator.i18n import language
from evaluator.inputs.yamlio import load_document
from evaluator.web.docs_pages import known_policies
from evaluator.web.service import MergeFailed, merge_latest, problem_rows, scratch
from evaluator.web.store import Store
from evaluator.web.uploads import UploadRefused, check_upload, safe_name

UPLOAD_ID = "whatif-upload"                 # the id an uploaded workbook's delta gets (never shown)


# --- the draft --------------------------------------------------------------------------------------
def uploaded_draft(store: Store, base: CompiledPolicy, content: bytes, name: str, ext: str) -> CompiledPolicy:
    """The policy an uploaded amendment makes of `base`: PolicyError / UsageError when it does not."""
    from evaluator.errors import PolicyError, Problem
    with language("zh"), scratch(store) as folder:
        if ext == "xlsx":
            from evaluator.inputs.amendment_workbook import amendment_from
            workbook = folder / "amendment.xlsx"
            workbook.write_bytes(content)
            output = folder / f"{UPLOAD_ID}.yaml"
            text, _, _ = amendment_from(workbook, UPLOAD_ID, output, base.policy.effective_from, f"{base.policy.title}(上传的修订:{name})", base)
            output.write_text(text, encoding="utf-8")
        else:
            output = folder / f"amendment-{hashlib.sha256(content).hexdigest()[:16]}.{ext}"
            output.write_bytes(content)
            document, problems = load_document(output)
            if problems:
                raise PolicyError(problems)
            if not isinstance(document, dict) or "amends" not in document:
                from evaluator.domain.policy.amend import head_key
                raise PolicyError([Problem(str(output), None, f"这个文件不是修订:修订文件应写明“{head_key('amends')}”和“{head_key('changes')}”",
                                           "amendment")])
        from evaluator.domain.policy import load_policy
        return load_policy(output)


def edit_sentence(edit, draft: CompiledPolicy) -> str:
    """One change of an amendment, in Chinese, named by its clause and title (no internal names)."""
    return edit.where(draft) + edit.sentence(draft)


# --- the comparison ---------------------------------------------------------------------------------

def compare(store: Store, year: dict, draft: CompiledPolicy, unit: str | None) -> dict:
    """The side-by-side view: the year's latest merged facts under its policy and under `draft`
    (MergeFailed when the units' files do not merge). `unit`: a clerk's, the only one shown."""
    merged, latest, names, _ = merge_latest(store, year)
    with language("zh"):
        base = choose_policy(year["year"], year["policy_id"])
        d = diff(evaluate(merged.factset, base), evaluate(merged.factset, draft))
        clauses = {**base.clauses, **draft.clauses}
        new_findings = defaultdict(list)
        for f in d.new.findings:
            new_findings[f.unit, f.clause].append(f"{f.explanation}({signed_two_places(f.points)} 分)")
        old_findings = defaultdict(list)
        for f in d.old.findings:
            old_findings[f.unit, f.clause].append(f"{f.explanation}({signed_two_places(f.points)} 分)")
        units = [{"unit": u.unit, "name": u.name, "old": two_places(u.old["total"]), "new": two_places(u.new["total"]),
                  "delta": signed_two_places(u.delta["total"]), "moved": u.delta["total"] != 0, "old_rank": u.old_rank, "new_rank": u.new_rank,
                  "old_eligible": u.old_eligible, "new_eligible": u.new_eligible}
                 for u in d.units if unit is None or u.unit == unit]
        moved = [{"unit": names.get(c.unit, c.unit), "clause": c.clause, "title": getattr(clauses.get(c.clause), "title", ""),
                  "old": two_places(c.old), "new": two_places(c.new), "delta": signed_two_places(c.delta),
                  "why": [change.quoted for change in c.changes] or c.because,   # the diff's words, with the method's
                  "before": old_findings[c.unit, c.clause], "after": new_findings[c.unit, c.clause]}
                 for c in d.clauses if unit is None or c.unit == unit]
        amendment = [edit_sentence(e, draft) for e in d.amendment]
    return {"base": base.policy.title, "draft": draft.policy.title, "units": units, "clauses": moved,
            "amendment": amendment, "submitted": len([u for u in latest if u in names]), "all_units": len(names)}


# --- the routes -------------------------------------------------------------------------------------
def _web():
    from evaluator.web import app                                   # imported late: app.py imports this module
    return app


def _year_for(request: Request, user) -> dict:
    web = _web()
    year = web.year_of(request)
    if user["role"] == "clerk" and not any(u["id"] == user["unit"] for u in year["units"]):
        raise HTTPException(403)
    return year


def _choices(year: dict) -> list[dict]:
    """The versions a year may be compared with: every one but its own, drafts first."""
    return sorted((p for p in known_policies() if p["id"] != year["policy_id"]), key=lambda p: (not p["draft"], p["id"]))


async def whatif_start(request: Request):
    """The latest year the user may see (a clerk: one with their unit)."""
    web = _web()
    user = web.current_user(request)
    years = [y for y in web.store_of(request).years()
             if user["role"] != "clerk" or any(u["id"] == user["unit"] for u in y["units"])]
    if not years:
        return web.page(request, "error.html", 404, message="还没有可以做假如评分的考核年度")
    chosen = request.query_params.get("policy", "")
    return RedirectResponse(f"/years/{years[0]['year']}/whatif" + (f"?policy={chosen}" if chosen.isascii() and chosen else ""), 303)


async def whatif_page(request: Request):
    web = _web()
    user = web.current_user(request)
    store = web.store_of(request)
    year = _year_for(request, user)
    choices = await run_in_threadpool(_choices, year)

    def show(status: int = 200, **context):
        return web.page(request, "whatif_page.html", status, year=year, choices=choices, **context)
    if request.method == "GET":
        return show(chosen=request.query_params.get("policy", ""))
    limit = request.app.state.max_upload
    form = await web.checked_form(request, limit)
    chosen = str(form.get("policy", ""))
    upload = form.get("amendment")
    unit = user["unit"] if user["role"] == "clerk" else None
    try:
        if upload is not None and not isinstance(upload, str) and upload.filename:
            content = await upload.read(limit + 1)
            name = safe_name(upload.filename)
            ext = check_upload(content, name, limit, allow_text=True)
            base = await run_in_threadpool(choose_policy, year["year"], year["policy_id"])
            draft = await run_in_threadpool(uploaded_draft, store, base, content, name, ext)
            label = f"上传的修订“{name}”"
        else:
            draft = next((p["compiled"] for p in choices if p["id"] == chosen), None)
            if draft is None:
                return show(400, chosen=chosen, error="请选择一个考核办法草案,或上传修订文件")
            label = draft.policy.title
        result = await run_in_threadpool(compare, store, year, draft, unit)
    except UploadRefused as refused:
        return show(refused.status, chosen=chosen, error=refused.message)
    except MergeFailed as exc:
        return show(422, chosen=chosen, error=f"各机构的台账合并时有 {len(exc.problems)} 处问题,无法做假如评分",
                    problems=problem_rows(exc.problems, exc.labels))
    except InputError as exc:
        named = {Path(p.file).name: "上传的修订" for p in exc.problems}
        return show(422, chosen=chosen, error=f"修订文件有 {len(exc.problems)} 处问题,无法评分", problems=problem_rows(exc.problems, named))
    except EvaluatorError as exc:
        return show(422, chosen=chosen, error=f"无法做假如评分:{exc}")
    store.audit(user["name"], "假如评分", f"{year['year']} 年度:按 {label} 对照 {result['base']}", unit=unit)
    return show(chosen=chosen, result=result, label=label)


routes = [
    Route("/whatif", whatif_start, name="whatif_start"),
    Route("/years/{year:int}/whatif", whatif_page, methods=["GET", "POST"], name="whatif"),
]
