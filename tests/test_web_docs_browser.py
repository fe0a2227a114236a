"""The workbench for everyone, in a real browser: sign in, open the year's policy pages, run a
what-if under the registry's draft, watch a run's stages (htmx polling) until the result, and
disable a user. Screenshots go to docs/screenshots/web-*.png only with EVALUATOR_SAVE_SCREENSHOTS=1
(as tests/test_web_browser.py), otherwise to a temporary folder."""
from __future__ import annotations

import threading

import pytest

from evaluator.domain.policy.registry import choose_policy, versions
from evaluator.web import jobs
from test_web_browser import SHOTS, browser, served, sign_in  # noqa: F401  the same browser (a fixture), server and screenshots folder
from web.workbench import PASSWORDS, good_ledger, roster_yaml, users

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


@pytest.fixture
def workbench(tmp_path):
    """(address, app) of a workbench served by uvicorn in a thread."""
    from evaluator.web.app import create_app
    users(tmp_path / "data")
    app = create_app(tmp_path / "data")
    with served(app) as address:
        yield address, app


def test_policy_pages_what_if_run_progress_and_disabling_a_user(workbench, browser, tmp_path, monkeypatch):
    server, app = workbench
    SHOTS.mkdir(parents=True, exist_ok=True)
    (tmp_path / "名册.yaml").write_bytes(roster_yaml())
    (tmp_path / "办公厅台账.xlsx").write_bytes(good_ledger())
    admin = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors = []
    admin.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(admin, server, "admin")
    admin.fill("input[name=year]", "2024")
    admin.set_input_files("input[name=roster]", str(tmp_path / "名册.yaml"))
    admin.click("button:has-text('创建年度')")
    admin.wait_for_url(f"{server}/years/2024")
    admin.goto(f"{server}/years/2024/units/office")
    admin.set_input_files("input[name=workbook]", str(tmp_path / "办公厅台账.xlsx"))
    admin.click("button:has-text('上传并检查')")
    admin.wait_for_selector("#result")

    # the policy's pages, styled (site.css) inside the workbench's Content-Security-Policy
    admin.click("nav >> text=考核办法")
    policy = choose_policy(2024, None)
    admin.click(f"#policies >> text={policy.policy.title}")
    assert admin.url.endswith("/index.html") and policy.policy.title in admin.inner_text("body")
    assert admin.evaluate("getComputedStyle(document.body).fontFamily") != ""
    assert admin.locator("link[href='site.css']").count() == 1
    admin.screenshot(path=str(SHOTS / "web-policy-docs.png"), full_page=False)
    admin.click("text=返回工作台")

    # the what-if under the registry's draft
    draft = next(v for v in versions() if v.draft)
    admin.click("nav >> text=假如")
    admin.wait_for_url(f"{server}/years/2024/whatif")
    admin.select_option("#whatif-policy", draft.id)
    admin.click("button:has-text('假如评分')")
    admin.wait_for_selector("#whatif-result")
    assert admin.locator("#whatif-units tbody tr").count() == 3
    assert policy.clauses["4.1.2"].title in admin.inner_text("#whatif-clauses")
    admin.screenshot(path=str(SHOTS / "web-whatif.png"), full_page=True)

    # a run long enough to watch: the page polls its stages, then goes to the result by itself
    release = threading.Event()
    real = jobs.render_reports
    monkeypatch.setattr(jobs, "render_reports", lambda ev: (release.wait(30), real(ev))[1])
    app.state.job_wait = 0                      # the POST does not wait: the progress page shows
    admin.goto(f"{server}/years/2024")
    admin.click("button:has-text('合并各机构最新台账并评分')")
    admin.wait_for_url("**/jobs/*")
    admin.wait_for_selector("li.stage.current:has-text('生成报告')")
    assert "读取台账 1/1" in admin.inner_text("#stages")
    admin.screenshot(path=str(SHOTS / "web-run-progress.png"), full_page=False)
    release.set()
    admin.wait_for_url(f"{server}/years/2024/result", timeout=30_000)
    assert admin.locator("#scorecard tbody tr").count() == 3

    # disabling a user ends their session at once
    clerk = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    sign_in(clerk, server, "clerk")
    admin.click("nav >> text=用户")
    admin.click("tr[data-user='clerk'] >> button:has-text('停用')")
    assert "已停用用户 clerk" in admin.inner_text(".flash")
    assert "已停用" in admin.inner_text("tr[data-user='clerk']")
    admin.screenshot(path=str(SHOTS / "web-users.png"), full_page=True)
    clerk.reload()
    assert clerk.url.endswith("/login")
    clerk.fill("input[name=name]", "clerk")
    clerk.fill("input[name=password]", PASSWORDS["clerk"])
    clerk.click("button:has-text('登录')")
    assert "已停用" in clerk.inner_text(".error")
    assert not [e for e in errors if "Content Security Policy" in e], errors
