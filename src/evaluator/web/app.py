"""The workbench's pages and what each role may do on them.

Every page but the sign-in page needs a signed-in user (else: redirect to /login); every POST
form carries the session's CSRF token (else: 403); a clerk sees only their own unit (another
unit's page or file: 403, with nothing of it). Uploaded files are checked (uploads.py) before
anything reads them and kept, when valid, exactly as they came under DIR/files/<sha256>."""
from __future__ import annotations

import hmac
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from evaluator.domain.policy.registry import titles
from evaluator.errors import EvaluatorError, FactSetError
from evaluator.i18n import language
from evaluator.web import ROLES
from evaluator.web.service import WrongUnit, check_unit_file, policies_for, problem_rows, read_roster, scratch
from evaluator.web.store import SHA256, Store
from evaluator.web.uploads import MAX_UPLOAD, UploadRefused, check_length, check_upload, safe_name

HERE = Path(__file__).parent
SESSION_COOKIE = "workbench_session"
SESSION_HOURS = 10
MAX_FAILURES = 5                        # wrong passwords in a row before sign-in is paused for the name
LOCKOUT_SECONDS = 15 * 60
REPORT_TYPES = {"html": "text/html; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "json": "application/json; charset=utf-8"}
SUBMIT_TYPES = {"xlsx": REPORT_TYPES["xlsx"], "yaml": "application/x-yaml", "json": REPORT_TYPES["json"]}

_env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
_env.globals["ROLES"] = ROLES


class SignInRequired(Exception):
    pass


# --- plumbing ---------------------------------------------------------------------------------
def store_of(request: Request) -> Store:
    return request.app.state.store


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    unit_names, policy_titles = _Once(lambda: _unit_names(request)), _Once(_policy_titles)   # read once a page, if asked
    unit_name = unit_names().get(user["unit"], user["unit"]) if user is not None and user["unit"] else ""
    html = _env.get_template(template).render(request=request, user=user, user_unit=unit_name, csrf=csrf_token(request),
                                              unit_name_of=lambda unit_id: unit_names().get(unit_id, unit_id),
                                              policy_title_of=lambda policy_id: policy_titles().get(policy_id, policy_id),
                                              **context)
    return HTMLResponse(html, status_code=status)


class _Once:
    """A value a page may ask for many times (a name per audit row), worked out the first time."""

    def __init__(self, make):
        self.make, self.value, self.made = make, None, False

    def __call__(self):
        if not self.made:
            self.value, self.made = self.make(), True
        return self.value


def policy_title_of(policy_id: str) -> str:
    """A policy as staff know it, by its title; the id (a key of the files) only if no version has it."""
    return _policy_titles().get(policy_id, policy_id)


def _policy_titles() -> dict[str, str]:
    with language("zh"):
        return titles()


def _unit_names(request: Request) -> dict[str, str]:
    """Each unit as the office names it: its name in the latest year's roster that has it (an
    account and the audit log keep the unit's id, a key of the ledger)."""
    names: dict[str, str] = {}
    for year in store_of(request).years():      # the latest first: its name wins
        for unit in year["units"]:
            names.setdefault(unit["id"], unit["name"])
    return names


def current_user(request: Request, *roles: str):
    """The signed-in user (re-read on every request, so a removed account is out at once)."""
    name = request.session.get("user")
    user = store_of(request).user(name) if name else None
    if user is not None and request.session.get("epoch") != user["epoch"]:
        user = None                      # the password changed since: every older session is out
    if user is None:
        request.session.pop("user", None)
        raise SignInRequired()
    request.state.user = user
    if roles and user["role"] not in roles:
        raise HTTPException(403)
    return user


async def checked_form(request: Request, limit: int | None = None):
    """The POSTed form, once its CSRF token matches the session's (else 403); never larger than
    `limit` (a file's) or, without a file, 64 KB."""
    check_length(request.headers.get("content-length"), limit or 0)   # a form without a file: at most 64 KB
    form = await request.form(max_files=2, max_fields=20)
    sent = form.get("csrf")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "csrf")
    return form


def year_of(request: Request) -> dict:
    year = store_of(request).year(request.path_params["year"])
    if year is None:
        raise HTTPException(404)
    return year


def unit_of(request: Request, user, year: dict) -> dict:
    """The unit in the path, if the user may see it: a clerk only their own."""
    unit = request.path_params["unit"]
    if user["role"] == "clerk" and unit != user["unit"]:
        raise HTTPException(403)
    found = next((u for u in year["units"] if u["id"] == unit), None)
    if found is None:
        raise HTTPException(404)
    return found


async def uploaded(request: Request, field: str, allow_text: bool):
    """(form, bytes, name shown, extension kept under) or UploadRefused."""
    limit = request.app.state.max_upload
    form = await checked_form(request, limit)
    upload = form.get(field)
    if upload is None or isinstance(upload, str):
        raise UploadRefused("没有选择文件")
    content = await upload.read(limit + 1)
    name = safe_name(upload.filename)
    ext = check_upload(content, name, limit, allow_text)
    return form, content, name, ext


def attachment(content: bytes | Path, media_type: str, filename: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    if isinstance(content, Path):
        return FileResponse(content, media_type=media_type, headers={"Content-Disposition": disposition})
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


# --- signing in and out ---------------------------------------------------------------------------
async def login_page(request: Request):
    if request.method == "GET":
        return page(request, "login.html")
    form = await checked_form(request)
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    store = store_of(request)
    failures = request.app.state.failures
    moment = time.monotonic()
    count, since = failures.get(name, (0, moment))
    if moment - since >= LOCKOUT_SECONDS:              # an old run of wrong passwords is forgotten
        count, since = 0, moment
    if count >= MAX_FAILURES:
        store.audit(name or "(空)", "登录被暂停", f"连续 {count} 次密码错误")
        return page(request, "login.html", 429, error=f"密码错误次数过多,请 {LOCKOUT_SECONDS // 60} 分钟后再试", name=name)
    user = await run_in_threadpool(store.check_password, name, password)
    if user is None:
        if len(failures) > 10_000:
            failures.clear()
        failures[name] = (count + 1, since)
        store.audit(name or "(空)", "登录失败", "用户名或密码不正确")
        return page(request, "login.html", 400, error="用户名或密码不正确", name=name)
    failures.pop(name, None)
    if user["disabled"]:                               # said only after the right password: names cannot be probed
        store.audit(user["name"], "登录被拒绝", "账号已停用")
        return page(request, "login.html", 403, error="这个账号已停用,请联系管理员", name=name)
    request.session.clear()                            # a new session: no fixation
    request.session["user"] = user["name"]
    request.session["epoch"] = user["epoch"]
    request.session["csrf"] = secrets.token_urlsafe(32)
    store.audit(user["name"], "登录")
    return RedirectResponse("/", 303)


async def logout(request: Request):
    user = current_user(request)
    await checked_form(request)
    store_of(request).audit(user["name"], "退出")
    request.session.clear()
    return RedirectResponse("/login", 303)


# --- the years ---------------------------------------------------------------------------------
async def home(request: Request):
    user = current_user(request)
    store = store_of(request)
    years = store.years()
    if user["role"] == "clerk":
        mine = [(y, next((u for u in y["units"] if u["id"] == user["unit"]), None)) for y in years]
        return page(request, "home_clerk.html", years=[(y, u) for y, u in mine if u is not None])
    submitted = {y["year"]: len(store.latest_submissions(y["year"])) for y in years}
    return page(request, "home.html", years=years, submitted=submitted, policies=policies_for(years[0]["year"] + 1 if years else 2024))


async def create_year(request: Request):
    user = current_user(request, "admin")
    store = store_of(request)
    try:
        form, content, name, ext = await uploaded(request, "roster", allow_text=True)
    except UploadRefused as refused:
        return page(request, "home.html", refused.status, years=store.years(), submitted={}, policies=policies_for(2024),
                    error=refused.message)
    try:
        year = int(str(form.get("year", "")).strip())
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        return page(request, "home.html", 400, years=store.years(), submitted={}, policies=policies_for(2024),
                    error="年度应是 2000 到 2100 之间的年份,如 2024")
    known, default = policies_for(year)
    policy_id = str(form.get("policy") or default or "")
    if policy_id not in known:
        return page(request, "home.html", 400, years=store.years(), submitted={}, policies=(known, default),
                    error=f"没有所选的考核办法;可选:{'、'.join(policy_title_of(p) for p in known)}")

    def work():
        with scratch(store) as folder:
            path = folder / f"roster.{ext}"
            path.write_bytes(content)
            return read_roster(path, year, policy_id)
    try:
        units, said, kept = await run_in_threadpool(work)
    except FactSetError as exc:
        store.audit(user["name"], "名册未通过检查", f"{year} 年度:{name}({len(exc.problems)} 处问题)")
        return page(request, "home.html", 422, years=store.years(), submitted={}, policies=(known, default),
                    error="名册有问题,未创建年度", problems=problem_rows(exc.problems, {f"roster.{ext}": name}))
    except EvaluatorError as exc:
        return page(request, "home.html", 400, years=store.years(), submitted={}, policies=(known, default), error=str(exc))
    original = store.put_file(content, ext)
    roster_sha = store.put_file(kept, "yaml")
    store.save_year(year, policy_id, roster_sha, original, name, units, user["name"])
    request.session["flash"] = f"已创建 {year} 年度({policy_title_of(policy_id)},{len(units)} 个机构)" + ("。" + ";".join(said) if said else "")
    return RedirectResponse(f"/years/{year}", 303)


async def year_page(request: Request):
    current_user(request, "admin", "reviewer", "leader")
    store = store_of(request)
    year = year_of(request)
    return page(request, "year.html", year=year, latest=store.latest_submissions(year["year"]),
                run=store.latest_run(year["year"]), flash=request.session.pop("flash", None))


_templates: dict[tuple, bytes] = {}     # (year, policy, roster sha, unit ids) -> the template's bytes


async def template_download(request: Request):
    user = current_user(request)
    year = year_of(request)
    units = year["units"]
    if user["role"] == "clerk":
        units = [u for u in units if u["id"] == user["unit"]]
        if not units:
            raise HTTPException(403)

    def work():
        from evaluator.domain.policy.registry import choose_policy
        from evaluator.i18n import language
        from evaluator.inputs.ledger.template import write_template
        with language("zh"):
            return write_template(choose_policy(year["year"], year["policy_id"]), year["year"], units)
    # A template depends only on the year's roster and the units it lists: made once, then served
    # (the load test measured ~120 ms of CPU per build, 2.8 s median under 20 users).
    key = (year["year"], year["policy_id"], year["roster_sha"], tuple(u["id"] for u in units))
    content = _templates.get(key)
    if content is None:
        content = _templates[key] = await run_in_threadpool(work)
    suffix = f"-{units[0]['name']}" if user["role"] == "clerk" else ""
    return attachment(content, REPORT_TYPES["xlsx"], f"{year['year']}年度台账{suffix}.xlsx")


# --- a unit's own page -----------------------------------------------------------------------------
_results: dict[tuple, dict] = {}       # (roster sha, file sha, unit) -> the unit's result: files never change


async def unit_result(store: Store, year: dict, unit: str, sub: dict) -> dict | None:
    key = (year["roster_sha"], sub["sha256"], unit)
    if key not in _results:
        if len(_results) > 256:
            _results.clear()
        content = store.file_path(sub["sha256"], sub["ext"]).read_bytes()
        try:
            _results[key] = await run_in_threadpool(check_unit_file, store, year, unit, content, sub["ext"])
        except (FactSetError, WrongUnit, EvaluatorError):
            return None                  # the roster changed under it: shown as needing a new upload
    return _results[key]


async def unit_page(request: Request):
    user = current_user(request)
    store = store_of(request)
    year = year_of(request)
    unit = unit_of(request, user, year)
    history = store.submissions(year["year"], unit["id"])
    result = await unit_result(store, year, unit["id"], history[0]) if history else None
    return page(request, "unit.html", year=year, unit=unit, history=history, result=result,
                flash=request.session.pop("flash", None))


async def upload_submission(request: Request):
    user = current_user(request, "admin", "clerk")
    store = store_of(request)
    year = year_of(request)
    unit = unit_of(request, user, year)
    history = store.submissions(year["year"], unit["id"])

    def refuse(status: int, **context):
        return page(request, "unit.html", status, year=year, unit=unit, history=history, result=None, refused=True, **context)
    try:
        _, content, name, ext = await uploaded(request, "workbook", allow_text=False)
    except UploadRefused as refused:
        store.audit(user["name"], "拒收上传", f"{year['year']} 年度:{refused.message}", unit=unit["id"])
        return refuse(refused.status, error=refused.message)
    try:
        result = await run_in_threadpool(check_unit_file, store, year, unit["id"], content, ext)
    except FactSetError as exc:
        store.audit(user["name"], "台账未通过检查", f"{year['year']} 年度:{name}({len(exc.problems)} 处问题)", unit=unit["id"])
        return refuse(422, error=f"“{name}”有 {len(exc.problems)} 处问题,未作为本机构的报送保存;请改正后重新上传",
                      problems=problem_rows(exc.problems, {}))
    except WrongUnit as exc:
        store.audit(user["name"], "台账未通过检查", f"{year['year']} 年度:{name}(其他机构的台账)", unit=unit["id"])
        return refuse(422, error=str(exc))
    except EvaluatorError as exc:                      # the engine refused the year: said, never a traceback
        store.audit(user["name"], "台账未通过检查", f"{year['year']} 年度:{name}({exc})", unit=unit["id"])
        return refuse(422, error=f"“{name}”无法评分,未作为本机构的报送保存:{exc}")
    sha = store.put_file(content, ext)
    store.add_submission(year["year"], unit["id"], sha, ext, name, len(content), user["name"])
    _results[(year["roster_sha"], sha, unit["id"])] = result
    request.session["flash"] = f"已提交“{name}”:台账通过检查,初步得分 {result['score']['total']} 分"
    return RedirectResponse(f"/years/{year['year']}/units/{quote(unit['id'])}", 303)


async def submission_file(request: Request):
    user = current_user(request)
    store = store_of(request)
    year = year_of(request)
    unit = unit_of(request, user, year)
    sha = request.path_params["sha"]
    if not SHA256.match(sha):
        raise HTTPException(404)
    sub = next((s for s in store.submissions(year["year"], unit["id"]) if s["sha256"] == sha), None)
    if sub is None:
        raise HTTPException(404)
    return attachment(store.file_path(sha, sub["ext"]), SUBMIT_TYPES[sub["ext"]], sub["original_name"])


# --- the merged year -----------------------------------------------------------------------------
async def result_page(request: Request):
    current_user(request, "admin", "reviewer", "leader")
    store = store_of(request)
    year = year_of(request)
    return page(request, "result.html", year=year, run=store.latest_run(year["year"]))


async def report_download(request: Request):
    current_user(request, "admin", "reviewer", "leader")
    store = store_of(request)
    year = year_of(request)
    fmt = request.path_params["fmt"]
    run = store.latest_run(year["year"])
    if fmt not in REPORT_TYPES or run is None:
        raise HTTPException(404)
    return attachment(store.file_path(run[f"{fmt}_sha"], fmt), REPORT_TYPES[fmt], f"{year['year']}年度考核结果.{fmt}")


async def users_page(request: Request):
    admin = current_user(request, "admin")
    store = store_of(request)
    if request.method == "GET":
        return page(request, "users.html", users=store.users(), flash=request.session.pop("flash", None))
    form = await checked_form(request)
    name, role = str(form.get("name", "")).strip(), str(form.get("role", ""))
    unit = str(form.get("unit", "")).strip() or None
    try:
        await run_in_threadpool(store.add_user, name, role, unit, str(form.get("password", "")), admin["name"])
    except EvaluatorError as exc:
        return page(request, "users.html", 400, users=store.users(), error=str(exc), form=dict(form))
    request.session["flash"] = f"已创建用户 {name}({ROLES[role]})"
    return RedirectResponse("/users", 303)


async def account_page(request: Request):
    user = current_user(request)
    if request.method == "GET":
        return page(request, "account.html", flash=request.session.pop("flash", None))
    form = await checked_form(request)
    store = store_of(request)
    if await run_in_threadpool(store.check_password, user["name"], str(form.get("current", ""))) is None:
        return page(request, "account.html", 400, error="当前密码不正确")
    if form.get("new") != form.get("again"):
        return page(request, "account.html", 400, error="两次输入的新密码不一致")
    try:
        await run_in_threadpool(store.set_password, user["name"], str(form.get("new", "")), user["name"])
    except EvaluatorError as exc:
        return page(request, "account.html", 400, error=str(exc))
    request.session["epoch"] = store.user(user["name"])["epoch"]   # this session stays; the others are signed out
    request.session["flash"] = "密码已修改,其他已登录的会话已退出"
    return RedirectResponse("/account", 303)


async def audit_page(request: Request):
    current_user(request, "admin")
    return page(request, "audit.html", entries=store_of(request).audit_log())


# --- errors and headers -------------------------------------------------------------------------
MESSAGES = {403: "您没有权限查看这个页面", 404: "没有这个页面", 405: "不支持这种请求方式",
            411: "请求没有注明大小", 413: "上传的文件太大"}


async def http_error(request: Request, exc: HTTPException):
    message = "表单已过期或来源不明(CSRF 校验失败),请返回刷新页面后重试" if exc.detail == "csrf" else \
        MESSAGES.get(exc.status_code, "请求无法完成")
    return page(request, "error.html", exc.status_code, message=message)


async def sign_in_first(request: Request, exc: SignInRequired):
    return RedirectResponse("/login", 303)


async def refused_upload(request: Request, exc: UploadRefused):
    return page(request, "error.html", exc.status, message=exc.message)


class SecurityHeaders:
    """No framing, no sniffing, nothing loaded from anywhere but here."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"same-origin"), (b"cache-control", b"no-store"),
                            (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'")]
                message = {**message, "headers": headers}
            await send(message)
        await self.app(scope, receive, send_with_headers)


def create_app(data: Path, max_upload: int = MAX_UPLOAD, https_only: bool = False) -> Starlette:
    from evaluator.web import accounts, docs_pages, jobs, review_pages, whatif   # their routes use this module's plumbing: imported here
    store = Store(data)
    jobs.fail_abandoned(store)                          # a run that was going when the workbench stopped
    routes = [
        Route("/login", login_page, methods=["GET", "POST"], name="login"),
        Route("/logout", logout, methods=["POST"], name="logout"),
        Route("/", home, name="home"),
        Route("/years", create_year, methods=["POST"], name="create_year"),
        Route("/years/{year:int}", year_page, name="year"),
        Route("/years/{year:int}/template", template_download, name="template"),
        Route("/years/{year:int}/units/{unit}", unit_page, name="unit"),
        Route("/years/{year:int}/units/{unit}/submissions", upload_submission, methods=["POST"], name="upload"),
        Route("/years/{year:int}/units/{unit}/submissions/{sha}", submission_file, name="submission_file"),
        Route("/years/{year:int}/result", result_page, name="result"),
        Route("/years/{year:int}/reports/{fmt}", report_download, name="report"),
        Route("/audit", audit_page, name="audit"),
        Route("/users", users_page, methods=["GET", "POST"], name="users"),
        Route("/account", account_page, methods=["GET", "POST"], name="account"),
        *jobs.routes,
        *docs_pages.routes,
        *whatif.routes,
        *accounts.routes,
        *review_pages.routes,
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders),
                    Middleware(SessionMiddleware, secret_key=store.secret_key(), session_cookie=SESSION_COOKIE,
                               max_age=SESSION_HOURS * 3600, same_site="lax", https_only=https_only)],
        exception_handlers={HTTPException: http_error, SignInRequired: sign_in_first, UploadRefused: refused_upload})
    app.state.store = store
    app.state.max_upload = max_upload
    app.state.failures = {}                # user name -> (wrong passwords in a row, since when)
    app.state.job_wait = jobs.WAIT_SECONDS  # a run done by then goes straight to its result
    return app
