"""The review process in a real browser: the clerk appeals a finding; the reviewer drills down,
asks why, adjusts (a wrong value first: the problem is shown inline), answers the appeal and runs
the reviewed year; the leader approves it and downloads the notice; the clerk sees the answer.
Screenshots go to docs/screenshots/ only with EVALUATOR_SAVE_SCREENSHOTS=1 (as in
test_web_browser.py), otherwise to a temporary folder."""
from __future__ import annotations

import io
import warnings

import pytest
from docx import Document

from web.workbench import create_year, good_ledger, sign_in as client_sign_in, upload, users

warnings.filterwarnings("ignore", message=".*httpx2.*")
from test_web_browser import SHOTS, browser, served, sign_in  # noqa: E402,F401  (skips without chromium; browser is a fixture)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def server(tmp_path):
    """The year with office's and legal's ledgers (set up through the app itself), then served."""
    from starlette.testclient import TestClient
    from evaluator.web.app import create_app
    data = tmp_path / "data"
    users(data)
    app = create_app(data)
    admin, clerk, legal = TestClient(app), TestClient(app), TestClient(app)
    assert create_year(admin, client_sign_in(admin, "admin")).status_code == 303
    assert upload(clerk, client_sign_in(clerk, "clerk"), good_ledger("office", "张三"), name="办公厅台账.xlsx").status_code == 303
    assert upload(legal, client_sign_in(legal, "legalclerk"), good_ledger("legal", "李四"), unit="legal").status_code == 303
    with served(create_app(data)) as address:
        yield address, app.state.store


def test_clerk_appeals_reviewer_adjusts_and_runs_leader_approves_and_downloads_the_notice(server, browser):
    base, store = server
    SHOTS.mkdir(parents=True, exist_ok=True)

    clerk = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    sign_in(clerk, base, "clerk")
    clerk.click("text=2024 年度 · 办公厅")
    clerk.click("#findings a.appeal")                       # the finding's own 申诉 link
    clerk.wait_for_selector("#file-appeal")
    assert "张三" in clerk.locator("select[name=finding] option:checked").inner_text()
    clerk.fill("textarea[name=text]", "张三系陪护住院的家属,属特殊情况,请予核减扣分")
    clerk.click("button:has-text('提出申诉')")
    clerk.wait_for_selector(".flash")
    assert "待定" in clerk.inner_text("#appeals")
    clerk.screenshot(path=str(SHOTS / "web-appeal.png"), full_page=True)

    reviewer = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    sign_in(reviewer, base, "reviewer")
    reviewer.goto(f"{base}/years/2024/result")
    reviewer.click("text=考核工作组审查")
    reviewer.click("#review-scorecard >> text=办公厅")
    reviewer.wait_for_selector("#unit-findings")
    findings = reviewer.inner_text("#unit-findings")
    assert "日常管理" in findings and "请假!2" in findings and "×" in findings
    reviewer.screenshot(path=str(SHOTS / "web-review-unit.png"), full_page=True)
    reviewer.click("#unit-findings a:has-text('日常管理')")
    reviewer.wait_for_selector("#why-not")
    assert "计入请假天数" in reviewer.inner_text("#why-not")
    reviewer.screenshot(path=str(SHOTS / "web-review-why-not.png"), full_page=True)

    reviewer.goto(f"{base}/years/2024/review/units/office")
    reviewer.click("#unit-findings a:has-text('调整')")       # the finding's fact, chosen in the form
    reviewer.wait_for_selector("#add-adjustment")
    reviewer.select_option("select[name=action]", "set")
    reviewer.fill("textarea[name=changes]", "类别:年假")
    reviewer.fill("input[name=reason]", "经核实属特殊情况")
    reviewer.fill("input[name=decision]", "考核工作组会议纪要〔2025〕1号")
    reviewer.click("button:has-text('检查并保存')")
    reviewer.wait_for_selector("#review-problems")
    problems = reviewer.inner_text("#review-problems")
    assert "类别" in problems and "特殊情况" in problems and "kind" not in problems    # the office's words, not codes
    reviewer.screenshot(path=str(SHOTS / "web-review-problems.png"), full_page=True)
    assert store.adjustments(2024) == []
    reviewer.fill("textarea[name=changes]", "类别:特殊情况")
    reviewer.click("button:has-text('检查并保存')")
    reviewer.wait_for_selector(".flash")
    assert "通过检查" in reviewer.inner_text(".flash")
    (adjustment,) = store.adjustments(2024)

    reviewer.click(".review-nav >> text=申诉")
    card = reviewer.locator(".appeal").first
    card.locator("select[name=answer]").select_option("upheld")
    card.locator("input[name=reason]").fill("经核实,张三陪护住院家属属特殊情况")
    card.locator("input[name=decision]").fill("考核工作组会议纪要〔2025〕1号")
    card.locator("select[name=adjustment]").select_option(str(adjustment["id"]))
    card.locator("button:has-text('保存答复')").click()
    reviewer.wait_for_selector(".flash")
    assert "支持" in reviewer.inner_text(".flash")

    reviewer.click(".review-nav >> text=审查首页")
    reviewer.click("button:has-text('审查评分')")
    reviewer.wait_for_url(f"{base}/years/2024/review/result")
    changed = reviewer.inner_text("#changed-findings")
    assert "办公厅" in changed and f"调整{adjustment['id']}" in changed
    assert reviewer.locator("#changed-totals tr.moved").count() >= 1
    reviewer.screenshot(path=str(SHOTS / "web-review-result.png"), full_page=True)

    leader = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    sign_in(leader, base, "leader")
    leader.goto(f"{base}/years/2024/result")
    leader.click("a:has-text('审定与通报')")
    assert "尚未审定" in leader.inner_text("#stage")
    leader.select_option("select[name=stage]", "审定")
    leader.fill("input[name=decision]", "主任办公会议纪要〔2025〕2号")
    leader.fill("input[name=date]", "2025-01-15")
    leader.click("button:has-text('记录审定')")
    leader.wait_for_selector(".flash")
    assert "审定" in leader.inner_text("#stage-name")
    leader.screenshot(path=str(SHOTS / "web-approval.png"), full_page=True)
    with leader.expect_download() as download:
        leader.click("#notice")
    assert "审定稿" in download.value.suggested_filename
    notice = Document(io.BytesIO(open(download.value.path(), "rb").read()))
    assert any("主任办公会议纪要" in p.text for p in notice.paragraphs)

    clerk.reload()
    assert "支持" in clerk.inner_text("#appeals")
