"""The workbench for everyone, through Starlette's TestClient: the policy's living documentation
(and no path out of its folder), the what-if under a draft or an uploaded amendment (a clerk's
showing only their unit), the merged run as a background job with its stages, the admin's hold
on accounts, and the demo's data folder. Each route's guards: sign-in, CSRF, roles, audit."""
from __future__ import annotations

import io
import json
import re
import threading
import time
import warnings
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from openpyxl import load_workbook

warnings.filterwarnings("ignore", message=".*httpx2.*")
from starlette.testclient import TestClient  # noqa: E402

from evaluator.domain.policy.registry import choose_policy, versions  # noqa: E402
from evaluator.web import jobs  # noqa: E402
from evaluator.web.app import create_app  # noqa: E402
from web.workbench import PASSWORDS, create_year, csrf_of, good_ledger, sign_in, upload, users  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ROOT = Path(__file__).resolve().parents[1]
LEAVE = ("4.1.2", "leave_limit", "leave_rate")     # the clause the test ledger's 17 days of leave fall under
DAYS = 17


@pytest.fixture
def app(tmp_path):
    users(tmp_path / "data")
    return create_app(tmp_path / "data")


@pytest.fixture
def year(app):
    """The 2024 year with the office's ledger (17 days' leave) submitted; the admin's client and token."""
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    assert create_year(admin, token).status_code == 303
    assert upload(admin, token, good_ledger()).status_code == 303
    return admin, token


def audit(app) -> list[tuple[str, str, str]]:
    return [(e["who"], e["what"], e["detail"]) for e in app.state.store.audit_log()]


def leave_points(policy) -> Decimal:
    """The office's points under the leave clause for DAYS days, from the policy's own parameters."""
    clause, limit, rate = LEAVE
    params = policy.clauses[clause].parameters
    points = (DAYS - params[limit].value) * params[rate].value      # the rate is written as the deduction it is
    assert points < 0
    return points


def draft_id() -> str:
    return next(v.id for v in versions() if v.draft)


# --- the living documentation ---------------------------------------------------------------------
def test_everyone_reads_the_years_policy_pages_built_once_and_cached(year, app):
    admin, _ = year
    clerk = TestClient(app)
    sign_in(clerk, "clerk")
    response = clerk.get("/years/2024/policy")
    assert response.status_code == 200 and response.url.path == "/policies/method-2020/index.html"
    policy = choose_policy(2024, None)
    clause = policy.clauses[LEAVE[0]]
    assert clause.title in response.text and policy.policy.title in response.text
    assert "<style" not in response.text and 'href="site.css"' in response.text      # the CSP allows no inline CSS
    assert "返回工作台" in response.text
    section = next(p for p in ("common.html", "annual.html", "daily.html") if f"clause-{LEAVE[0]}" in clause_page(clerk, p))
    page = clerk.get(f"/policies/method-2020/{section}").text
    assert clause.parameters[LEAVE[1]].text in page
    assert clerk.get("/policies/method-2020/site.css").headers["content-type"].startswith("text/css")
    # built once: a second visit, by anyone, is served from the same folder
    admin.get("/policies/method-2020/index.html")
    assert sum(1 for _, what, _ in audit(app) if what == "生成考核办法文档") == 1
    folders = list((app.state.store.data / "docs").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("method-2020-")
    # a draft has its own pages, with its own wording
    draft = choose_policy(0, draft_id())
    text = clerk.get(f"/policies/{draft_id()}/{section}").text
    assert draft.clauses[LEAVE[0]].parameters[LEAVE[1]].text in text
    assert draft.clauses[LEAVE[0]].parameters[LEAVE[1]].text != clause.parameters[LEAVE[1]].text
    listing = clerk.get("/policies").text
    assert draft.policy.title in listing and "草案" in listing and "/years/2024/policy" in listing


def clause_page(client, name: str) -> str:
    return client.get(f"/policies/method-2020/{name}").text


TRAVERSALS = ["/policies/method-2020/..%2f..%2fsecret.key", "/policies/method-2020/%2e%2e%2fworkbench.sqlite3",
              "/policies/method-2020/../../secret.key", "/policies/method-2020/%2e%2e", "/policies/method-2020/.htaccess",
              "/policies/method-2020/%2fetc%2fpasswd", "/policies/method-2020//etc/passwd", "/policies/..%2f..%2fsecret.key/index.html",
              "/policies/%2e%2e/index.html", "/policies/method-2020/index.html%00.css", "/policies/method-2020/..%5csecret.key",
              "/policies/method-2020/site.css/..%2f..%2f..%2fsecret.key", "/policies/no-such-policy/index.html"]


def test_no_policy_page_path_reaches_outside_its_folder(year, app):
    admin, _ = year
    admin.get("/policies/method-2020/index.html")                  # built, so there is a folder to escape from
    secret = (app.state.store.data / "secret.key").read_text().strip()
    for path in TRAVERSALS:
        response = admin.get(path, follow_redirects=False)
        assert response.status_code in (400, 404), (path, response.status_code)
        assert secret not in response.text and b"SQLite format" not in response.content and "root:" not in response.text, path
    from evaluator.web.docs_pages import page_in
    folder = next((app.state.store.data / "docs").iterdir())
    for name in ("../secret.key", "/etc/passwd", "..", "x/../../secret.key", "index.html/../../x.html"):
        with pytest.raises(Exception) as caught:
            page_in(folder, name)
        assert getattr(caught.value, "status_code", None) == 404, name


# --- the what-if ------------------------------------------------------------------------------------
def whatif(client, token, **fields):
    files = fields.pop("files", None)
    return client.post("/years/2024/whatif", data={"csrf": token, **fields}, files=files)


def unit_rows(html: str) -> str:
    return html.split('id="whatif-units"')[1].split("</table>")[0]


def test_a_what_if_under_the_registrys_draft_shows_every_unit_and_what_moved(year, app):
    admin, token = year
    form = admin.get("/whatif?policy=" + draft_id(), follow_redirects=True)
    assert form.url.path == "/years/2024/whatif" and f'value="{draft_id()}" selected' in form.text
    response = whatif(admin, token, policy=draft_id())
    assert response.status_code == 200, response.text[-500:]
    base, draft = choose_policy(2024, None), choose_policy(0, draft_id())
    moved = leave_points(draft) - leave_points(base)
    assert moved != 0
    rows = unit_rows(response.text)
    assert all(name in rows for name in ("办公厅", "法制工作委员会", "研究室"))
    assert f"{moved:.2f}" in rows                                    # the office's total moves by the clause's change
    clauses = response.text.split('id="whatif-clauses"')[1]
    assert base.clauses[LEAVE[0]].title in clauses and f"{moved:.2f}" in clauses
    assert draft.clauses[LEAVE[0]].parameters[LEAVE[1]].text in clauses     # why: the parameter's new wording
    assert "leave_limit" not in response.text and "leave-over-limit" not in response.text   # no internal names
    assert any(what == "假如评分" and who == "admin" for who, what, _ in audit(app))
    assert app.state.store.latest_run(2024) is None                  # a what-if keeps nothing


def test_a_clerks_what_if_shows_only_their_unit(year, app):
    admin, token = year
    legal = upload(admin, token, good_ledger("legal", "李四机密"), unit="legal")
    assert legal.status_code == 303
    clerk = TestClient(app)
    ctoken = sign_in(clerk, "clerk")
    response = whatif(clerk, ctoken, policy=draft_id())
    assert response.status_code == 200
    result = response.text.split('id="whatif-result"')[1]
    assert "办公厅" in result and "法制工作委员会" not in result and "研究室" not in result and "李四机密" not in result
    assert f"{leave_points(choose_policy(0, draft_id())) - leave_points(choose_policy(2024, None)):.2f}" in result


DELTA = """id: my-whatif
amends: method-2020
status: draft
effective_from: 2025
changes:
  - clause: "{clause}"
    parameter: {limit}
    value: {value}
"""


def test_an_uploaded_yaml_delta_or_amendment_workbook_is_scored_side_by_side(year, app):
    admin, token = year
    base = choose_policy(2024, None)
    clause, limit, rate = LEAVE
    value = base.clauses[clause].parameters[limit].value + 1
    expected = (DAYS - value) * base.clauses[clause].parameters[rate].value - leave_points(base)
    assert expected > 0                                              # a higher limit: a smaller deduction
    delta = DELTA.format(clause=clause, limit=limit, value=value).encode()
    response = whatif(admin, token, files={"amendment": ("我的修订.yaml", delta, "application/x-yaml")})
    assert response.status_code == 200, response.text[-800:]
    assert "上传的修订“我的修订.yaml”" in response.text and f"+{expected:.2f}" in unit_rows(response.text)

    from evaluator.inputs.amendment_workbook import amendment_template
    book = load_workbook(io.BytesIO(amendment_template(base)))
    sheet = book["参数"]
    headers = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[headers.index("条款")].value == clause
               and r[headers.index("参数")].value == limit)
    row[headers.index("新值")].value = int(value)
    out = io.BytesIO()
    book.save(out)
    response = whatif(admin, token, files={"amendment": ("修订工作簿.xlsx", out.getvalue(), "application/octet-stream")})
    assert response.status_code == 200, response.text[-800:]
    assert f"+{expected:.2f}" in unit_rows(response.text)
    assert not any(p.name.startswith("amendment") for p in app.state.store.tmp.rglob("*"))   # nothing of it kept


def test_a_bad_amendment_is_said_in_chinese_and_nothing_is_scored(year, app):
    admin, token = year
    cases = [(("x.yaml", b"id: x\nyear: 2024\n", "application/x-yaml"), 422, "不是修订"),
             (("x.yaml", DELTA.format(clause=LEAVE[0], limit="no_such_parameter", value=3).encode(), "text/plain"), 422, "修订文件有"),
             (("x.xlsx", b"not a workbook at all", "application/octet-stream"), 400, "不是 Excel 工作簿"),
             (("x.csv", b"a,b\n", "text/csv"), 400, "请上传")]
    for upload_file, status, words in cases:
        response = whatif(admin, token, files={"amendment": upload_file})
        assert response.status_code == status and words in response.text, (upload_file[0], response.status_code, response.text[-400:])
        assert "whatif-result" not in response.text and "Traceback" not in response.text
    assert whatif(admin, token, policy="no-such-policy").status_code == 400
    too_big = create_app(app.state.store.data, max_upload=1000)
    client = TestClient(too_big)
    big = whatif(client, sign_in(client, "admin"), files={"amendment": ("x.yaml", b"#" * 5000, "application/x-yaml")})
    assert big.status_code == 413


def test_a_delta_without_its_year_is_told_by_the_offices_word_for_it(year, app):
    """An uploaded delta missing its 施行年度 is told so (缺少“施行年度(effective_from)”), the key beside
    the word for the YAML's writer: not the bare key alone."""
    from evaluator.domain.policy.amend import HEAD_WORDS
    admin, token = year
    delta = DELTA.format(clause=LEAVE[0], limit=LEAVE[1], value=3).replace("effective_from: 2025\n", "")
    response = whatif(admin, token, files={"amendment": ("x.yaml", delta.encode(), "application/x-yaml")})
    assert response.status_code == 422, response.text[-400:]
    text = unescape(response.text)
    assert f"缺少“{HEAD_WORDS['effective_from']}(effective_from)”" in text and "缺少“effective_from”" not in text


def test_a_delta_amending_an_unknown_version_lists_the_versions_not_the_servers_folders(year, app):
    admin, token = year
    delta = DELTA.format(clause=LEAVE[0], limit=LEAVE[1], value=3).replace("amends: method-2020", "amends: method-2002")
    response = whatif(admin, token, files={"amendment": ("x.yaml", delta.encode(), "application/x-yaml")})
    assert response.status_code == 422, response.text[-400:]
    text = unescape(response.text)
    assert "所指的“method-2002”不存在(可修订的考核办法:" in text and "method-2020" in text, text[-800:]
    leaks = [m.group(0) for m in re.finditer(r".{0,80}(/tmp/|policies/|%s).{0,60}" % re.escape(str(app.state.store.data)), text)]
    assert not leaks, leaks                                    # no folder of the server's, the scratch one included


def test_a_file_that_is_no_amendment_is_told_what_an_amendment_names(year, app):
    from evaluator.domain.policy.amend import HEAD_WORDS
    admin, token = year
    response = whatif(admin, token, files={"amendment": ("x.yaml", "id: 甲\n标题: 乙\n".encode(), "application/x-yaml")})
    assert response.status_code == 422, response.text[-400:]
    text = unescape(response.text)
    assert f"应写明“{HEAD_WORDS['amends']}(amends)”和“{HEAD_WORDS['changes']}(changes)”" in text, text[-800:]


# --- the run as a background job ----------------------------------------------------------------------
def test_a_long_run_shows_its_stages_and_then_goes_to_the_result(year, app, monkeypatch):
    admin, token = year
    app.state.job_wait = 0                           # every run shows the progress page
    release, reached = threading.Event(), threading.Event()
    real = jobs.render_reports

    def slow(ev):
        reached.set()
        assert release.wait(30)
        return real(ev)
    monkeypatch.setattr(jobs, "render_reports", slow)
    response = admin.post("/years/2024/run", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303 and "/years/2024/jobs/" in response.headers["location"]
    job_url = response.headers["location"]
    assert reached.wait(30)
    page = admin.get(job_url).text
    assert 'hx-get="' + job_url + '/progress"' in page and "/static/htmx.min.js" in page
    for stage in jobs.STAGES:
        assert stage in page
    assert "读取台账 1/1" in page and 'class="stage current"' in page and "生成报告" in page.split('class="stage current"')[1][:80]
    # one job a year: asking again shows the running one
    again = admin.post("/years/2024/run", data={"csrf": token}, follow_redirects=False)
    assert again.headers["location"] == job_url
    assert "已有一次评分正在进行" in admin.get(job_url).text
    # a reviewer's browser sees the same state (it lives in the database)
    reviewer = TestClient(app)
    sign_in(reviewer, "reviewer")
    assert "生成报告" in reviewer.get(job_url + "/progress").text
    assert app.state.store.latest_run(2024) is None
    release.set()
    deadline = time.monotonic() + 30
    while "hx-redirect" not in (progress := admin.get(job_url + "/progress")).headers:
        assert time.monotonic() < deadline, progress.text
        time.sleep(0.1)
    assert progress.headers["hx-redirect"] == "/years/2024/result" and "查看考核结果" in progress.text
    assert app.state.store.latest_run(2024) is not None
    assert {"开始评分", "合并评分"} <= {what for _, what, _ in audit(app)}
    clerk = TestClient(app)
    sign_in(clerk, "clerk")
    assert clerk.get(job_url).status_code == 403 and clerk.get(job_url + "/progress").status_code == 403
    assert admin.get("/years/2024/jobs/999").status_code == 404


def test_a_workbench_that_stopped_mid_run_leaves_a_failed_job_and_no_run(year, app):
    admin, _ = year
    store = app.state.store
    with store.db() as db:                            # what a killed process leaves: the job running, no run
        job_id = db.execute("INSERT INTO jobs (year, started_by, started_at, state, stage, done, total) "
                            "VALUES (2024, 'admin', '2024-01-01T00:00:00', 'running', '合并', 1, 1)").lastrowid
    restarted = create_app(store.data)
    client = TestClient(restarted)
    sign_in(client, "admin")
    page = client.get(f"/years/2024/jobs/{job_id}").text
    assert "没有完成" in page and "hx-get" not in page
    assert store.latest_run(2024) is None and "评分中断" in {what for _, what, _ in audit(app)}
    token = csrf_of(client.get("/").text)
    assert client.post("/years/2024/run", data={"csrf": token}).url.path == "/years/2024/result"   # a new run may start


def test_a_run_whose_ledgers_do_not_merge_fails_with_the_problems(year, app, monkeypatch):
    admin, token = year
    from evaluator.web import service

    def broken(*args, **kwargs):
        from evaluator.errors import Problem
        raise service.MergeFailed([Problem("office.xlsx", None, "两个文件中有同一项年度工作", "duplicate")], {})
    monkeypatch.setattr(jobs, "run_year", broken)
    response = admin.post("/years/2024/run", data={"csrf": token})
    assert response.status_code == 422 and "两个文件中有同一项年度工作" in response.text
    assert app.state.store.latest_run(2024) is None


# --- accounts -----------------------------------------------------------------------------------------
def test_the_admin_disables_enables_and_resets_an_account(app):
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    clerk = TestClient(app)
    sign_in(clerk, "clerk")
    assert clerk.get("/", follow_redirects=False).status_code == 200
    users_page = admin.get("/users").text
    assert 'action="/users/disable"' in users_page and 'action="/users/password"' in users_page
    assert admin.post("/users/disable", data={"csrf": token, "name": "clerk"}).status_code == 200
    assert "已停用用户 clerk" in admin.get("/users").text or "已停用" in admin.get("/users").text
    assert clerk.get("/", follow_redirects=False).headers["location"] == "/login"     # the session ended at once
    again = TestClient(app)
    login = again.get("/login").text
    refused = again.post("/login", data={"csrf": csrf_of(login), "name": "clerk", "password": PASSWORDS["clerk"]})
    assert refused.status_code == 403 and "已停用" in refused.text
    wrong = again.post("/login", data={"csrf": csrf_of(login), "name": "clerk", "password": "wrong-password"})
    assert wrong.status_code == 400 and "已停用" not in wrong.text                     # no telling without the password
    admin.post("/users/enable", data={"csrf": token, "name": "clerk"})
    sign_in(TestClient(app), "clerk")
    # a reset: the old password no longer works, the new one does, the user's sessions end
    signed_in = TestClient(app)
    sign_in(signed_in, "clerk")
    mismatch = admin.post("/users/password", data={"csrf": token, "name": "clerk", "password": "新的密码 12345", "again": "别的"})
    assert mismatch.status_code == 400 and "不一致" in mismatch.text
    admin.post("/users/password", data={"csrf": token, "name": "clerk", "password": "新的密码 12345", "again": "新的密码 12345"})
    assert signed_in.get("/", follow_redirects=False).status_code == 303
    assert app.state.store.check_password("clerk", PASSWORDS["clerk"]) is None
    assert app.state.store.check_password("clerk", "新的密码 12345") is not None
    log = audit(app)
    for what in ("停用账号", "启用账号", "重置密码", "登录被拒绝"):
        assert any(w == what for _, w, _ in log), what
    assert all(who == "admin" for who, what, _ in log if what in ("停用账号", "启用账号", "重置密码"))


def test_accounts_cannot_lock_the_workbench_out_and_only_admins_change_them(app):
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    own = admin.post("/users/disable", data={"csrf": token, "name": "admin"})
    assert own.status_code == 400 and "不能停用自己" in own.text
    assert admin.post("/users/disable", data={"csrf": token, "name": "nobody"}).status_code == 400
    assert admin.post("/users/disable", data={"csrf": "forged", "name": "clerk"}).status_code == 403
    assert admin.post("/users/explode", data={"csrf": token, "name": "clerk"}).status_code == 404
    short = admin.post("/users/password", data={"csrf": token, "name": "clerk", "password": "short", "again": "short"})
    assert short.status_code == 400 and "至少 8 个字符" in short.text
    for name in ("reviewer", "leader", "clerk"):
        client = TestClient(app)
        ctoken = sign_in(client, name)
        assert client.post("/users/disable", data={"csrf": ctoken, "name": "legalclerk"}).status_code == 403, name
    from evaluator.errors import UsageError
    from evaluator.web.accounts import change
    with pytest.raises(UsageError, match="唯一一个在用的管理员"):
        change(app.state.store, "admin", "disable", "命令行")
    assert not app.state.store.user("legalclerk")["disabled"]


# --- the guards on every new route --------------------------------------------------------------------
NEW_GETS = ["/policies", "/years/2024/policy", "/policies/method-2020/index.html", "/whatif", "/years/2024/whatif",
            "/years/2024/jobs/1", "/years/2024/jobs/1/progress"]
NEW_POSTS = ["/years/2024/whatif", "/users/disable", "/users/enable", "/users/password", "/years/2024/run"]


def test_every_new_route_needs_sign_in_and_every_new_form_csrf(year, app):
    admin, token = year
    anonymous = TestClient(app)
    for path in NEW_GETS:
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login", path
    for path in NEW_POSTS:
        response = anonymous.post(path, data={"csrf": token}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login", path
        for data in ({}, {"csrf": "forged"}):
            refused = admin.post(path, data={**data, "name": "clerk", "policy": draft_id()}, follow_redirects=False)
            assert refused.status_code == 403 and "CSRF" in refused.text, (path, data)
    assert not app.state.store.user("clerk")["disabled"]


def test_a_clerk_cannot_use_a_year_without_their_unit(app, tmp_path):
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    import yaml
    roster = yaml.safe_dump({"year": 2024, "units": [{"id": "research", "name": "研究室", "staff": 5}], "facts": []},
                            allow_unicode=True).encode()
    assert create_year(admin, token, roster).status_code == 303
    clerk = TestClient(app)
    ctoken = sign_in(clerk, "clerk")
    assert clerk.get("/years/2024/whatif").status_code == 403
    assert whatif(clerk, ctoken, policy=draft_id()).status_code == 403
    assert clerk.get("/whatif").status_code == 404


# --- the demo ---------------------------------------------------------------------------------------
def test_the_demo_folder_holds_the_example_year_which_scores_as_the_bundled_file(tmp_path):
    from evaluator.domain.evaluate import evaluate, load_year
    from evaluator.web.commands import DEMO_ADMIN, fresh_folder, seed
    data = fresh_folder(tmp_path / "demo")
    password = seed(data)
    app = create_app(data)
    client = TestClient(app)
    login = client.get("/login").text
    assert client.post("/login", data={"csrf": csrf_of(login), "name": DEMO_ADMIN, "password": password},
                       follow_redirects=False).status_code == 303
    token = csrf_of(client.get("/").text)
    whole = evaluate(*load_year(ROOT / "examples" / "2024.yaml"))
    year = app.state.store.year(2024)
    assert len(app.state.store.latest_submissions(2024)) == len(year["units"]) == len(whole.scorecard.units)
    assert client.post("/years/2024/run", data={"csrf": token}).url.path == "/years/2024/result"
    report = json.loads(client.get("/years/2024/reports/json").content)
    totals = {u["unit"]: Decimal(str(u["total"])) for u in report["units"]}
    # The merge counts one event submitted by two units once (ledger/merge.py); every other unit
    # scores exactly as in the bundled single file.
    notices = app.state.store.latest_run(2024)["summary"]["notices"]
    named = [{u for u in totals if re.search(rf"\b{u}(-\d+)?\.yaml", n)} for n in notices]
    twice = set().union(*(units for units in named if len(units) > 1))
    same = {s.unit: s.total for s in whole.scorecard.units if s.unit not in twice}
    assert len(same) >= len(totals) - 2 and {u: totals[u] for u in same} == same
    from evaluator.errors import UsageError
    with pytest.raises(UsageError, match="新的或空的文件夹"):
        fresh_folder(data)
