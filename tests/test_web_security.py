"""The workbench's guards: sign-in on every page, CSRF on every form, a clerk confined to their
own unit on every route, uploads checked before anything reads them, no path out of the data
directory, and every change in the audit log."""
from __future__ import annotations

import io
import re
import warnings
import zipfile

import pytest

warnings.filterwarnings("ignore", message=".*httpx2.*")
from starlette.routing import Mount, Route  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from evaluator.web.app import create_app  # noqa: E402
from web.workbench import bad_ledger, create_year, good_ledger, sign_in, upload, users  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def data(tmp_path):
    users(tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def year(data):
    """The 2024 year with a submission from each of office and legal, and an appeal of legal's
    (number 1) on its finding; the legal submission's sha."""
    app = create_app(data)
    admin = TestClient(app)
    assert create_year(admin, sign_in(admin, "admin")).status_code == 303
    office = TestClient(app)
    assert upload(office, sign_in(office, "clerk"), good_ledger("office", "张三")).status_code == 303
    legal = TestClient(app)
    token = sign_in(legal, "legalclerk")
    assert upload(legal, token, good_ledger("legal", "李四机密"), unit="legal", name="法工委台账.xlsx").status_code == 303
    assert legal.post("/years/2024/units/legal/appeals", data={"csrf": token, "clause": "", "text": "法工委机密申诉"},
                      follow_redirects=False).status_code == 303
    sha = app.state.store.submissions(2024, "legal")[0]["sha256"]
    return app, sha


def routes(app):
    """Every (method, path template) the app serves, from its routing table."""
    found = []
    for route in app.routes:
        if isinstance(route, Route):
            for method in sorted(route.methods - {"HEAD"}):
                found.append((method, route.path))
    return found


# A value for each path parameter of the app: a route with a new kind of parameter fails the test
# below until it is given one here, so every route is requested by the checks that follow.
PARAMS = {"year:int": "2024", "sha": None, "unit": None, "fmt": "json", "job:int": "1", "policy": "method-2020",
          "page": "index.html", "action": "disable", "appeal:int": "1", "adjustment:int": "1"}


def fill(path: str, sha: str, unit: str = "legal") -> str:
    values = {**PARAMS, "sha": sha, "unit": unit}
    return re.sub(r"{([^}]+)}", lambda m: values[m.group(1)], path)


def test_the_route_table_is_what_these_tests_know():
    """A new route must be added here, and so to the clerk's checks below."""
    app = create_app(__import__("tempfile").mkdtemp())
    params = {p for _, path in routes(app) for p in re.findall(r"{([^}]+)}", path)}
    assert params <= set(PARAMS)
    assert len(routes(app)) >= 30                    # the review's and the other pages' routes are all in the table
    assert [m.path for m in app.routes if isinstance(m, Mount)] == ["/static"]


def test_unauthenticated_requests_go_to_the_sign_in_page(year):
    app, sha = year
    anonymous = TestClient(app)
    for method, path in routes(app):
        if path == "/login":
            continue
        response = anonymous.request(method, fill(path, sha), follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login", (method, path, response.status_code)
    assert anonymous.get("/login").status_code == 200


def test_the_session_cookie_is_httponly_and_samesite_lax(data):
    client = TestClient(create_app(data))
    response = client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


# What a clerk may open that is not about a unit (the policy's pages, the what-if of their own
# unit, their account); every other route, with another unit in its path, is refused.
CLERK_MAY = {("GET", "/"), ("POST", "/logout"), ("GET", "/years/{year:int}/template"), ("GET", "/account"),
             ("POST", "/account"), ("GET", "/policies"), ("GET", "/years/{year:int}/policy"),
             ("GET", "/policies/{policy}/{page}"), ("GET", "/whatif"), ("GET", "/years/{year:int}/whatif"),
             ("POST", "/years/{year:int}/whatif")}
LEGALS = ("李四机密", "法工委台账", "法工委机密申诉")      # what only legal's clerk and the working group may see


def test_a_clerk_never_gets_another_units_page_or_file(year):
    app, sha = year
    clerk = TestClient(app)
    csrf = sign_in(clerk, "clerk")
    checked = 0
    for method, path in routes(app):
        if path == "/login":
            continue
        url = fill(path, sha)
        kwargs = {"data": {"csrf": csrf, "text": "篡改", "answer": "upheld", "reason": "篡改", "decision": "篡改",
                           "action": "strike", "fact": "legal:请假-2", "stage": "审定", "date": "2025-01-15"}} \
            if method == "POST" else {}
        if path.endswith("/submissions") and method == "POST":
            kwargs["files"] = {"workbook": ("x.xlsx", good_ledger("legal", "篡改"), "application/octet-stream")}
        if (method, path) in CLERK_MAY:
            if method == "POST" and path in ("/logout", "/account"):
                continue                                 # signs out / changes nothing of another unit
            response = clerk.request(method, url, follow_redirects=False, **kwargs)
        else:
            response = clerk.request(method, url, follow_redirects=False, **kwargs)
            assert response.status_code in (403, 404), (method, url, response.status_code)
            checked += 1
        assert not any(words in response.text for words in LEGALS) and sha not in response.text, url
    assert checked >= 25
    # and nothing was stored under the other unit, nor changed in the review
    store = app.state.store
    assert len(store.submissions(2024, "legal")) == 1
    assert [a["unit"] for a in store.appeals(2024)] == ["legal"] and store.appeals(2024)[0]["answer"] == "pending"
    assert store.adjustments(2024, withdrawn=True) == [] and store.latest_reviewed_run(2024) is None
    assert not (store.data / "approvals").exists()
    # their own unit, and the template with their unit only
    assert clerk.get("/years/2024/units/office").status_code == 200
    assert "李四机密" not in clerk.get("/years/2024/units/office").text
    own = app.state.store.submissions(2024, "office")[0]["sha256"]
    assert clerk.get(f"/years/2024/units/office/submissions/{own}").status_code == 200
    home = clerk.get("/").text
    assert "/years/2024/units/office" in home and "/years/2024/units/legal" not in home


def test_roles_other_than_admin_cannot_create_a_year_and_leaders_cannot_run(year):
    app, _ = year
    for name in ("reviewer", "leader", "clerk"):
        client = TestClient(app)
        assert create_year(client, sign_in(client, name)).status_code == 403, name
    leader = TestClient(app)
    assert leader.post("/years/2024/run", data={"csrf": sign_in(leader, "leader")}).status_code == 403
    reviewer = TestClient(app)
    assert reviewer.post("/years/2024/run", data={"csrf": sign_in(reviewer, "reviewer")}, follow_redirects=False).status_code == 303
    assert leader.get("/years/2024/result").status_code == 200 and leader.get("/years/2024/reports/json").status_code == 200


def test_every_post_without_the_csrf_token_is_refused(year):
    app, sha = year
    admin, leader = TestClient(app), TestClient(app)
    sign_in(admin, "admin")
    sign_in(leader, "leader")                     # the only one who approves: the CSRF check is reached as them
    for method, path in routes(app):
        if method != "POST":
            continue
        client = leader if path.endswith("/approval") else admin
        for data in ({}, {"csrf": "forged"}):
            response = client.post(fill(path, sha, "office"), data=data, follow_redirects=False)
            assert response.status_code == 403, (path, data, response.status_code)
            assert "CSRF" in response.text, path
    fresh = TestClient(app)
    assert fresh.post("/login", data={"name": "admin", "password": "admin-password"}).status_code == 403


def clerk_client(data, **options):
    client = TestClient(create_app(data, **options))
    admin = TestClient(client.app)
    create_year(admin, sign_in(admin, "admin"))
    return client, sign_in(client, "clerk")


def refused(response, status, words):
    assert response.status_code == status, response.status_code
    assert words in response.text, response.text[-800:]


def test_an_upload_over_the_size_limit_is_refused(data):
    client, csrf = clerk_client(data, max_upload=50_000)
    refused(upload(client, csrf, good_ledger() + b"\0" * 100_000), 413, "文件太大")
    assert client.app.state.store.submissions(2024, "office") == []


def test_a_file_that_is_not_a_workbook_is_refused_by_its_content(data):
    client, csrf = clerk_client(data)
    refused(upload(client, csrf, "机构编号,机构名称\noffice,办公厅\n".encode()), 400, "不是 Excel 工作簿")
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as z:
        z.writestr("readme.txt", "hello")
    refused(upload(client, csrf, not_a_workbook.getvalue()), 400, "不是 Excel 工作簿")
    damaged = bytearray(good_ledger())
    damaged[200:4000] = b"x" * 3800
    refused(upload(client, csrf, bytes(damaged)), 400, "不是 Excel 工作簿")
    refused(upload(client, csrf, good_ledger(), name="台账.csv"), 400, ".xlsx")
    assert client.app.state.store.submissions(2024, "office") == []


def zip_bomb(declared: int) -> bytes:
    """A workbook-looking zip with a part that unpacks to `declared` bytes of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1 << 20)
            for _ in range(declared >> 20):
                part.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused(data):
    client, csrf = clerk_client(data)
    bomb = zip_bomb(210 << 20)
    assert len(bomb) < 1 << 20
    refused(upload(client, csrf, bomb), 400, "压缩炸弹")
    assert client.app.state.store.submissions(2024, "office") == []


def test_an_invalid_workbook_is_shown_and_not_kept(data):
    client, csrf = clerk_client(data)
    store = client.app.state.store
    before = sorted(p.name for p in store.files.iterdir())
    response = upload(client, csrf, bad_ledger())
    refused(response, 422, "未作为本机构的报送保存")
    assert "<th>工作表</th><th>行</th><th>列</th><th>说明</th>" in response.text and "“年假”不是可选值" in response.text
    assert store.submissions(2024, "office") == [] and sorted(p.name for p in store.files.iterdir()) == before
    # another unit's workbook uploaded as one's own
    refused(upload(client, csrf, good_ledger("legal")), 422, "不是“办公厅”的")
    assert store.submissions(2024, "office") == []


TRAVERSALS = ["/static/../secret.key", "/static/..%2fsecret.key", "/static/%2e%2e/workbench.sqlite3",
              "/static/..%2f..%2fdata%2fsecret.key", "/static/%2e%2e%2f%2e%2e%2fdata/secret.key",
              "/years/2024/units/..%2f..%2fsecret.key", "/years/2024/units/office/submissions/..%2f..%2fsecret.key",
              "/years/2024/units/office/submissions/%2e%2e%2fsecret.key", "/years/2024/reports/..%2f..%2fsecret.key",
              "/years/2024/reports/..%2fworkbench.sqlite3", "/years/2024/units/office/submissions/" + "../" * 6 + "etc/passwd",
              "/static//etc/passwd", "/static/%2fetc%2fpasswd"]


def test_no_request_path_reaches_outside_the_data_directory(year, data):
    app, _ = year
    secret = (data / "secret.key").read_text().strip()
    for who in (None, "admin"):
        client = TestClient(app)
        if who:
            sign_in(client, who)
        for path in TRAVERSALS:
            response = client.get(path, follow_redirects=False)
            assert response.status_code in (303, 400, 403, 404), (who, path, response.status_code)
            assert secret not in response.text and b"SQLite format" not in response.content and "root:" not in response.text, path
    assert TestClient(app).get("/static/style.css").status_code == 200


def test_every_change_is_in_the_audit_log(year):
    app, _ = year
    admin = TestClient(app)
    csrf = sign_in(admin, "admin")
    upload(admin, csrf, bad_ledger())                           # refused: logged too
    admin.post("/years/2024/run", data={"csrf": csrf})
    admin.post("/logout", data={"csrf": csrf})
    TestClient(app).post("/login", data={"csrf": "x", "name": "admin", "password": "wrong"})
    log = [(e["who"], e["what"], e["detail"]) for e in app.state.store.audit_log()]
    whats = {w for _, w, _ in log}
    assert {"创建用户", "登录", "创建年度", "提交台账", "台账未通过检查", "合并评分", "退出"} <= whats, whats
    assert sum(1 for who, what, _ in log if what == "提交台账") == 2
    assert any(who == "legalclerk" and "法工委台账.xlsx" in detail for who, what, detail in log if what == "提交台账")
    audit = admin.get("/audit", follow_redirects=False)
    assert audit.status_code == 303                              # signed out


def test_the_audit_page_names_units_and_the_method_as_staff_know_them(year):
    """The log keeps a unit's id (data); its page shows the roster's name in its own column, and no
    detail carries a unit's or a policy's id."""
    from html import unescape
    from evaluator.domain.policy.registry import versions
    from web.workbench import NAME
    app, _ = year
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    upload(admin, token, bad_ledger())                          # refused: its entry is about 办公厅 too
    rows = [[unescape(c) for c in re.findall(r"<td>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", admin.get("/audit").text, re.S)]
    entries = [dict(zip(("at", "who", "what", "unit", "detail"), r)) for r in rows if r]
    assert {(e["what"], e["unit"]) for e in entries} >= {("提交台账", NAME["office"]), ("提交台账", NAME["legal"]),
                                                         ("提出申诉", NAME["legal"]), ("台账未通过检查", NAME["office"]),
                                                         ("创建用户", NAME["office"])}
    ids = [*NAME, *(v.id for v in versions())]
    for e in entries:
        for said in (e["unit"], e["detail"]):
            assert not any(re.search(rf"(?<![A-Za-z]){re.escape(i)}(?![A-Za-z])", said) for i in ids), e
    assert any(e["what"] == "创建年度" and "考核办法《" in e["detail"] for e in entries)
    assert {e["unit"] for e in app.state.store.audit_log() if e["what"] == "提交台账"} == {"office", "legal"}   # kept as data


def test_wrong_password_is_refused_and_logged(data):
    app = create_app(data)
    client = TestClient(app)
    page = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf": token, "name": "admin", "password": "nope"})
    assert response.status_code == 400 and "用户名或密码不正确" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303
    assert app.state.store.audit_log()[0]["what"] == "登录失败"


def test_a_form_without_a_file_is_small(data):
    client = TestClient(create_app(data))
    csrf = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    response = client.post("/login", data={"csrf": csrf, "name": "admin", "password": "x" * 200_000})
    assert response.status_code == 413 and "提交的内容太多" in response.text


def test_the_review_is_the_working_groups_and_approval_the_leaders(year):
    """Answers, adjustments and the reviewed run: admin and reviewer; approval: the leader only;
    every change in the audit log with who made it."""
    app, _ = year
    store = app.state.store
    clients = {}
    for name in ("admin", "reviewer", "leader"):
        client = TestClient(app)
        clients[name] = (client, sign_in(client, name))
    page = clients["reviewer"][0].get("/years/2024/review/adjustments").text
    fact = re.search(r'<option value="(legal:[^"]+)"', page).group(1)
    adjust = {"action": "set", "fact": fact, "changes": "类别:特殊情况", "reason": "核实", "decision": "纪要1号"}
    leader, ltoken = clients["leader"]
    for url, data in (("/years/2024/review/adjustments", adjust), ("/years/2024/review/appeals/1", {"answer": "rejected"}),
                      ("/years/2024/review/run", {}), ("/years/2024/review/adjustments/1/withdraw", {})):
        assert leader.post(url, data={"csrf": ltoken, **data}).status_code == 403, url
    assert "id=\"add-adjustment\"" not in leader.get("/years/2024/review/adjustments").text
    for name in ("admin", "reviewer"):
        client, token = clients[name]
        assert client.post("/years/2024/review/adjustments", data={"csrf": token, **adjust}, follow_redirects=False).status_code == 303
    first, second = (a["id"] for a in store.adjustments(2024))
    reviewer, rtoken = clients["reviewer"]
    assert reviewer.post("/years/2024/review/appeals/1", data={"csrf": rtoken, "answer": "rejected", "reason": "不属实",
                                                                "decision": "纪要2号"}, follow_redirects=False).status_code == 303
    assert reviewer.post(f"/years/2024/review/adjustments/{second}/withdraw", data={"csrf": rtoken},
                         follow_redirects=False).status_code == 303
    assert reviewer.post("/years/2024/review/run", data={"csrf": rtoken}, follow_redirects=False).status_code == 303
    assert 'id="approve"' not in reviewer.get("/years/2024/approval").text
    for name in ("admin", "reviewer"):
        client, token = clients[name]
        assert client.post("/years/2024/approval", data={"csrf": token, "stage": "审定", "decision": "纪要",
                                                          "date": "2025-01-15"}).status_code == 403, name
    assert leader.post("/years/2024/approval", data={"csrf": ltoken, "stage": "审查", "decision": "考核工作组纪要3号",
                                                      "date": "2025-01-10"}, follow_redirects=False).status_code == 303
    log = [(e["who"], e["what"], e["detail"]) for e in store.audit_log()]
    expected = {("legalclerk", "提出申诉"), ("admin", "录入审查调整"), ("reviewer", "录入审查调整"), ("reviewer", "答复申诉"),
                ("reviewer", "撤销审查调整"), ("reviewer", "审查评分"), ("leader", "审查通过")}
    assert expected <= {(who, what) for who, what, _ in log}
    assert any(what == "撤销审查调整" and f"调整{second}" in detail for _, what, detail in log)
    assert [a["id"] for a in store.adjustments(2024)] == [first]
