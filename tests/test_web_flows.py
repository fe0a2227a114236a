"""The workbench's flows through Starlette's TestClient: the year, the template, a unit's
provisional score with every finding, the merged year and its reports."""
from __future__ import annotations

import io
import json
import re
import warnings
from html import unescape

import pytest
from openpyxl import load_workbook

warnings.filterwarnings("ignore", message=".*httpx2.*")
from starlette.testclient import TestClient  # noqa: E402

from evaluator.domain.policy import load_policy  # noqa: E402
from evaluator.web.app import create_app  # noqa: E402
from web.workbench import create_year, good_ledger, sign_in, upload, users  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "method-2020.yaml"


@pytest.fixture
def app(tmp_path):
    users(tmp_path / "data")
    return create_app(tmp_path / "data")


def test_the_year_its_template_and_a_units_provisional_score(app):
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    assert create_year(admin, token).headers["location"] == "/years/2024"
    year = admin.get("/years/2024").text
    assert f"已创建 2024 年度({load_policy(POLICY).policy.title},3 个机构)" in year and "已提交 0 / 3" in year
    assert "<td>办公厅(office)</td>" in admin.get("/users").text   # an account's unit by its roster name, with the id it was made with
    template = load_workbook(io.BytesIO(admin.get("/years/2024/template").content))
    assert [r[1] for r in template["机构"].iter_rows(min_row=2, values_only=True) if r[0]] == ["办公厅", "法制工作委员会", "研究室"]

    clerk = TestClient(app)
    ctoken = sign_in(clerk, "clerk")
    own = load_workbook(io.BytesIO(clerk.get("/years/2024/template").content))
    assert [r[1] for r in own["机构"].iter_rows(min_row=2, values_only=True) if r[0]] == ["办公厅"]
    response = upload(clerk, ctoken, good_ledger(), name="办公厅 2024.xlsx")
    assert response.status_code == 303
    page = clerk.get(response.headers["location"]).text
    assert "初步得分 79 分" in page and 'id="total">79<' in page
    over_limit = next(r.rule.title for r in load_policy(POLICY).rules if r.id == "leave-over-limit")
    for words in ("4.1.2 日常管理", f"<td>{over_limit}</td>", "−1", "张三 计入请假 17 天", "请假!2", "办公厅 2024.xlsx</a>(最新)"):
        assert words in page, words
    assert ">leave-over-limit<" not in page    # a clerk reads the rule's title, never its id
    assert "(填报员 · 办公厅)" in page and "· office)" not in page   # the clerk's own unit, by its name
    assert "没有“年度工作目标”记录" in page           # a warning, shown

    assert "已提交 1 / 3" in admin.get("/years/2024").text
    assert admin.post("/years/2024/run", data={"csrf": token}).status_code == 200
    result = admin.get("/years/2024/result").text
    assert "合并 1 个机构的最新台账评分" in result and "办公厅" in result
    report = json.loads(admin.get("/years/2024/reports/json").content)
    assert report["year"] == 2024 and {u["unit"]: str(u["total"]) for u in report["units"]}["office"] in ("79", "79.00")
    assert [f["rule"] for f in report["findings"]] == ["leave-over-limit"]
    html = admin.get("/years/2024/reports/html")
    assert html.headers["content-type"].startswith("text/html") and "attachment" in html.headers["content-disposition"]
    assert load_workbook(io.BytesIO(admin.get("/years/2024/reports/xlsx").content)).sheetnames[0] == "总表"
    assert admin.get("/years/2024/reports/pdf").status_code == 404


def visible(html: str) -> str:
    """The page's text as a reader sees it: no tags, so no attribute (a form value, a link) counts."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_the_pages_name_the_policy_by_its_title_never_its_id(app):
    """The years table, the new year's choice of method, the year's heading and the result page."""
    from evaluator.domain.policy.registry import choose_policy, versions
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    assert create_year(admin, token).status_code == 303
    policy = choose_policy(2024, None)
    home = admin.get("/").text
    assert f"<td>{policy.policy.title}</td>" in home                            # the years table
    for v in versions():                                                        # the new year's choice
        assert re.search(rf'<option value="{re.escape(v.id)}">{re.escape(load_policy(v.path).policy.title)}</option>', home)
    year = admin.get("/years/2024").text
    assert f"<h1>2024 年度 · {policy.policy.title}</h1>" in year
    clerk = TestClient(app)
    assert upload(clerk, sign_in(clerk, "clerk"), good_ledger()).status_code == 303
    assert admin.post("/years/2024/run", data={"csrf": token}).status_code == 200
    result = admin.get("/years/2024/result").text
    assert f"依据《{policy.policy.title}》" in result
    for page in (home, year, result):
        for v in versions():
            assert v.id not in visible(page), v.id


def _one_meeting_in_two_ledgers_scored(app) -> TestClient:
    """办公厅 and 法制工作委员会 (its coordinator) both enter one meeting, each in its own upload, and the
    year is run: the admin's client."""
    import datetime as dt
    from web.workbench import NAME, ledger
    meeting = {"unit": NAME["office"], "title": "全市人大工作会议", "coordinators": NAME["legal"], "days": 1, "errors": 0,
               "date": dt.date(2024, 5, 10)}
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    assert create_year(admin, token).status_code == 303
    for unit, name in (("office", "办公厅 2024.xlsx"), ("legal", "法工委 2024.xlsx")):
        assert upload(admin, token, ledger(unit, {"citywide_meeting": [meeting]}), unit=unit, name=name).status_code == 303
    assert admin.post("/years/2024/run", data={"csrf": token}).status_code == 200
    return admin


def test_a_merge_notice_names_each_units_submission_not_the_workbenchs_scratch_file(app):
    """The same meeting entered by 办公厅 and by 法制工作委员会 (its coordinator): counted once, and
    the result page says whose ledger and which row, by the units' names and the uploads' names."""
    from web.workbench import layout
    sheet = layout().by_type["citywide_meeting"].name             # the sheet as the policy's ledger names it
    admin = _one_meeting_in_two_ledgers_scored(app)
    notices = re.search(r'<div class="notices">(.*?)</div>', admin.get("/years/2024/result").text, re.S).group(1)
    assert f"办公厅提交的台账(办公厅 2024.xlsx)“{sheet}”表第 2 行" in unescape(notices)
    assert f"法制工作委员会提交的台账(法工委 2024.xlsx)“{sheet}”表第 2 行" in unescape(notices)
    for scratch in ("office", "legal", ".yaml", "-1.xlsx", "!2"):
        assert scratch not in notices, scratch


def test_the_served_report_names_the_ledgers_and_warnings_in_words_not_files_and_codes(app):
    """The HTML report the workbench serves: no server path, no scratch copy, each warning by its
    check's title (类别) instead of its code; the muted rule id after each rule title stays."""
    from evaluator.domain.completeness import TITLES
    from evaluator.errors import Notice
    admin = _one_meeting_in_two_ledgers_scored(app)
    report = admin.get("/years/2024/reports/html").content.decode("utf-8")
    shown = visible(re.sub(r"<(style|script)>.*?</\1>", "", report, flags=re.S))
    data = str(app.state.store.data)
    assert data not in report and "/tmp/" not in report
    for scratch in ("office.", "office-", "legal.", "legal-", ".yaml:"):
        assert scratch not in shown, scratch
    warnings = re.search(r'<section id="warnings">(.*?)</section>', report, re.S).group(1)
    assert "<th>类别</th>" in warnings and "<th>代码</th>" not in warnings
    codes = re.findall(r'data-code="([^"]+)"', warnings)
    assert [c for c in codes if c in TITLES] and [c for c in codes if c not in TITLES], codes   # checks' and the merge's
    for code in codes:
        assert code not in visible(warnings), code
        assert f'<td class="kind">{Notice(code, "").title}</td>' in warnings and Notice(code, "").title, code   # every kind named
    assert "办公厅提交的台账(办公厅 2024.xlsx)" in warnings      # a merge notice's place: the unit's submission
    policy = load_policy(POLICY)
    assert f"依据《{policy.policy.title}》考核" in shown and policy.id not in shown
    book = load_workbook(io.BytesIO(admin.get("/years/2024/reports/xlsx").content))   # the workbook likewise
    texts = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    texts += [part.text or "" for ws in book for part in (ws.oddFooter.left, ws.oddHeader.left)]
    assert not [x for x in texts if data in x or "/tmp/" in x or ".yaml" in x], texts[-20:]
    record = {row[0].value: row[1].value for row in book["运行记录"].iter_rows()}
    assert record["事实文件"] == "2024 年度各机构最新提交的台账" and record["考核办法"] == policy.policy.title   # no id either


def test_a_ledgers_review_sheet_is_said_in_the_workbenchs_terms_not_as_a_command(app):
    """A unit's ledger with adjustments on its 审查调整 sheet: the command line applies them with
    --review FILE; the unit page says where the workbench takes adjustments, and names no file."""
    from evaluator.inputs.ledger.layout import REVIEW_SHEET
    book = load_workbook(io.BytesIO(good_ledger()))
    sheet = book.create_sheet(REVIEW_SHEET)
    sheet.append(["编号", "原因"])                               # any row below the header is an adjustment to the reader
    sheet.append(["A-1", "重复"])
    out = io.BytesIO()
    book.save(out)
    clerk = TestClient(app)
    admin = TestClient(app)
    assert create_year(admin, sign_in(admin, "admin")).status_code == 303
    response = upload(clerk, sign_in(clerk, "clerk"), out.getvalue(), name="办公厅 2024.xlsx")
    assert response.status_code == 303
    notices = re.search(r'<div class="notices">(.*?)</div>', clerk.get(response.headers["location"]).text, re.S).group(1)
    assert f"“{REVIEW_SHEET}”表中有考核工作组的调整" in notices and "“考核工作组审查”页面" in notices
    assert "--review" not in notices and ".xlsx" not in notices


def test_a_bad_roster_is_shown_as_a_table_and_no_year_is_made(app):
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    response = create_year(admin, token, (ROOT / "examples" / "broken-2024.yaml").read_bytes(), "broken.yaml")
    assert response.status_code == 422 and "名册有问题,未创建年度" in response.text
    assert "<th>说明</th>" in response.text
    assert app.state.store.years() == []


def test_an_admin_may_upload_for_a_unit_and_a_reviewer_may_not(app):
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    create_year(admin, token)
    assert upload(admin, token, good_ledger("research", "王五"), unit="research").status_code == 303
    reviewer = TestClient(app)
    rtoken = sign_in(reviewer, "reviewer")
    assert "王五" in reviewer.get("/years/2024/units/research").text
    assert upload(reviewer, rtoken, good_ledger("research")).status_code == 403


def test_the_admin_creates_an_account_in_the_browser_and_its_owner_changes_the_password(app):
    admin = TestClient(app)
    token = sign_in(admin, "admin")
    bad = admin.post("/users", data={"csrf": token, "name": "赵六", "role": "clerk", "unit": "", "password": "long enough"})
    assert bad.status_code == 400 and "--unit" in bad.text
    made = admin.post("/users", data={"csrf": token, "name": "赵六", "role": "clerk", "unit": "legal", "password": "赵六的密码123"},
                      follow_redirects=False)
    assert made.status_code == 303 and "已创建用户 赵六" in admin.get("/users").text
    zhao = TestClient(app)
    page = zhao.get("/login").text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    assert zhao.post("/login", data={"csrf": csrf, "name": "赵六", "password": "赵六的密码123"}, follow_redirects=False).status_code == 303
    token = zhao.get("/account").text.split('name="csrf" value="')[1].split('"')[0]
    elsewhere = TestClient(app)
    elsewhere.cookies = zhao.cookies                      # the same session, on another computer
    assert zhao.post("/account", data={"csrf": token, "current": "wrong", "new": "新的密码新的密码", "again": "新的密码新的密码"}).status_code == 400
    assert zhao.post("/account", data={"csrf": token, "current": "赵六的密码123", "new": "新的密码新的密码", "again": "新的密码新的密码"},
                     follow_redirects=False).status_code == 303
    assert zhao.get("/", follow_redirects=False).status_code == 200
    assert elsewhere.get("/", follow_redirects=False).status_code == 303   # the old session is out
    store = app.state.store
    assert store.check_password("赵六", "新的密码新的密码") and not store.check_password("赵六", "赵六的密码123")
    whats = [(e["who"], e["what"]) for e in store.audit_log()]
    assert ("admin", "创建用户") in whats and ("赵六", "修改密码") in whats


def test_sign_in_pauses_after_five_wrong_passwords(app):
    client = TestClient(app)
    csrf = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    for _ in range(5):
        assert client.post("/login", data={"csrf": csrf, "name": "leader", "password": "guess"}).status_code == 400
    paused = client.post("/login", data={"csrf": csrf, "name": "leader", "password": "leader-password"})
    assert paused.status_code == 429 and "分钟后再试" in paused.text
    assert app.state.store.audit_log()[0]["what"] == "登录被暂停"
