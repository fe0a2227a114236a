"""The policy's living documentation inside the workbench, for everyone signed in.

The site `evaluator docs` renders (livingdoc.build_site: the clauses with their wording, rules,
parameters and the Chinese scenarios) is built once per policy into DIR/docs/<id>-<hash>/ — the
hash covers the policy's content and the scenarios it shows, so an amended policy or edited
features get a new folder and an unchanged one is never rebuilt — and served from there.

A page is named only by a plain file name (letters, digits, `-`, `_`, then .html or .css),
checked again after resolving, so no request reaches outside the policy's folder. The workbench
allows no inline styles (its Content-Security-Policy), so the site's own <style> is moved into
site.css beside the pages, and each page gets a bar back to the workbench."""
from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
import threading
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse
from starlette.routing import Route

from evaluator.domain.policy import CompiledPolicy
from evaluator.domain.policy.registry import load_policy, versions
from evaluator.i18n import language
from evaluator.paths import CHECKOUT
from evaluator.web.store import Store

PAGE = re.compile(r"^[A-Za-z0-9_-]+\.(html|css)$")
MEDIA = {"html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8"}
STYLE = re.compile(r"<style>(.*?)</style>", re.S)
BODY = re.compile(r"<body[^>]*>")
log = logging.getLogger(__name__)
_building = threading.Lock()            # one build at a time: two first visits build once


def features_dir() -> Path:
    """EVALUATOR_FEATURES, else the checkout's features/ (the Chinese scenarios)."""
    return Path(os.environ.get("EVALUATOR_FEATURES") or CHECKOUT / "features")


def results_file() -> Path | None:
    """The scenarios' outcomes of the last test run, if there is one (else each shows 未运行)."""
    path = CHECKOUT / "build" / "scenario-results.json"
    return path if path.is_file() else None


def _inputs_digest(compiled: CompiledPolicy) -> str:
    digest = hashlib.sha256(compiled.sha256.encode())
    folder = features_dir()
    for path in sorted(folder.glob("*.feature")) if folder.is_dir() else []:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    results = results_file()
    if results is not None:
        digest.update(results.read_bytes())
    return digest.hexdigest()[:16]


def known_policies() -> list[dict]:
    """The registry's versions, each with its title and years; one that does not load is left out."""
    found = []
    with language("zh"):
        for v in versions():
            try:
                compiled = load_policy(v.path)
            except Exception:      # a broken file: `evaluator check-policy` says why; the workbench lists the rest
                continue
            years = f"{v.effective_from} 年起" + (f"至 {v.effective_until} 年" if v.effective_until else "")
            found.append({"id": v.id, "title": compiled.policy.title, "draft": v.draft, "years": years,
                          "amends": v.amends, "compiled": compiled})
    return found


def policy_by_id(policy_id: str) -> CompiledPolicy | None:
    return next((p["compiled"] for p in known_policies() if p["id"] == policy_id), None)


def _adapt(html: str, policy_id: str) -> tuple[str, str]:
    """The page without inline CSS (moved to site.css) and with a bar back to the workbench."""
    css = "\n".join(STYLE.findall(html))
    html = STYLE.sub('<link rel="stylesheet" href="site.css">', html, count=1)
    html = STYLE.sub("", html)
    bar = ('<nav class="workbench-bar"><a href="/">← 返回工作台</a> · <a href="/policies">全部考核办法</a> · '
           f'<a href="/whatif?policy={policy_id}">用这一版本做假如评分</a></nav>')
    return BODY.sub(lambda m: m.group(0) + bar, html, count=1), css


BAR_CSS = ".workbench-bar { padding: .4rem 1rem; background: #fff8e1; border-bottom: 1px solid #f0d58a; font-size: .95rem; }\n"


def site_folder(store: Store, compiled: CompiledPolicy, by: str) -> Path:
    """The folder holding the policy's site, built now if it is not there yet."""
    safe_id = re.sub(r"[^A-Za-z0-9_.-]", "_", compiled.id)[:60]
    folder = store.data / "docs" / f"{safe_id}-{_inputs_digest(compiled)}"
    if (folder / "index.html").is_file():
        return folder
    with _building:
        if (folder / "index.html").is_file():
            return folder
        from evaluator.views.livingdoc import build_site
        partial = store.tmp / f"docs-{secrets.token_hex(6)}"
        try:
            with language("zh"):
                pages = build_site(compiled, features_dir(), results_file(), partial)
            styles = []
            for path in pages:
                html, css = _adapt(path.read_text(encoding="utf-8"), compiled.id)
                path.write_text(html, encoding="utf-8")
                styles.append(css)
            (partial / "site.css").write_text(BAR_CSS + max(styles, key=len, default=""), encoding="utf-8")
            folder.parent.mkdir(parents=True, exist_ok=True)
            os.replace(partial, folder)                 # whole or not at all: a half-built site is never served
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        store.audit(by, "生成考核办法文档", f"《{compiled.policy.title}》({len(pages)} 页,sha256 {compiled.sha256[:12]})")
    return folder


def page_in(folder: Path, name: str) -> Path:
    """The file `name` of the site in `folder`; 404 for anything but a plain page name inside it."""
    if not PAGE.match(name):
        raise HTTPException(404)
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        raise HTTPException(404)
    return path


# --- the routes -------------------------------------------------------------------------------------
async def policies_page(request: Request):
    from evaluator.web import app as web                            # imported late: app.py imports this module
    web.current_user(request)
    store = web.store_of(request)
    policies = await run_in_threadpool(known_policies)
    years = {}
    for y in store.years():
        years.setdefault(y["policy_id"], []).append(y["year"])
    return web.page(request, "docs_policies.html", policies=policies, years=years)


async def year_policy(request: Request):
    """The pages of the policy the year is assessed under."""
    from evaluator.web import app as web
    web.current_user(request)
    year = web.year_of(request)
    return RedirectResponse(f"/policies/{year['policy_id']}/index.html", 303)


async def policy_page(request: Request):
    from evaluator.web import app as web
    user = web.current_user(request)
    compiled = await run_in_threadpool(policy_by_id, request.path_params["policy"])
    if compiled is None:
        raise HTTPException(404)
    name = request.path_params["page"]
    if not PAGE.match(name):
        raise HTTPException(404)
    try:
        folder = await run_in_threadpool(site_folder, web.store_of(request), compiled, user["name"])
    except Exception:   # no features folder, an unreadable feature: said, never a traceback (that goes to the log)
        log.exception("the site of %s could not be built", compiled.id)
        return web.page(request, "error.html", 503, message="暂时无法生成这一考核办法的说明页面(缺少场景文件或文件有误);请联系管理员")
    path = page_in(folder, name)
    return FileResponse(path, media_type=MEDIA[path.suffix[1:]])


routes = [
    Route("/policies", policies_page, name="policies"),
    Route("/years/{year:int}/policy", year_policy, name="year_policy"),
    Route("/policies/{policy}/{page}", policy_page, name="policy_page"),
]
