"""The workbench as its people use it, in a real browser: the admin signs in and creates the
year; the clerk signs in, uploads a bad workbook (and sees the error table), then a good one
(and sees the provisional score); the admin runs the merged year. Screenshots are taken every
run; with EVALUATOR_SAVE_SCREENSHOTS=1 they replace docs/screenshots/web-*.png (as the report and
notice tests do), otherwise they go to a temporary folder, so a test run leaves the tree as it was."""
from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from web.workbench import PASSWORDS, bad_ledger, good_ledger, roster_yaml, users

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = (Path(__file__).resolve().parents[1] / "docs" / "screenshots" if os.environ.get("EVALUATOR_SAVE_SCREENSHOTS") == "1"
         else Path(tempfile.mkdtemp(prefix="web-screenshots-")))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent: the browser test needs Debian's chromium", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(app) -> Iterator[str]:
    """The app served by uvicorn in a thread, on a free loopback port: its address (the browser tests' server)."""
    import uvicorn
    port = free_port()
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(10)


@pytest.fixture
def server(tmp_path):
    from evaluator.web.app import create_app
    users(tmp_path / "data")
    with served(create_app(tmp_path / "data")) as address:
        yield address


@pytest.fixture
def browser():
    """Debian's chromium through Playwright (shared by every browser test of the workbench)."""
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


def sign_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/")
    assert page.url.endswith("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button:has-text('登录')")
    page.wait_for_load_state()


def test_admin_creates_the_year_and_a_clerk_uploads_a_bad_then_a_good_workbook(server, browser, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    (tmp_path / "名册.yaml").write_bytes(roster_yaml())
    (tmp_path / "办公厅台账-有误.xlsx").write_bytes(bad_ledger())
    (tmp_path / "办公厅台账.xlsx").write_bytes(good_ledger())

    admin = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    sign_in(admin, server, "admin")
    admin.screenshot(path=str(SHOTS / "web-years.png"), full_page=True)
    admin.fill("input[name=year]", "2024")
    admin.set_input_files("input[name=roster]", str(tmp_path / "名册.yaml"))
    admin.click("button:has-text('创建年度')")
    admin.wait_for_url(f"{server}/years/2024")
    assert "已创建 2024 年度" in admin.inner_text(".flash")
    assert admin.locator("#units tbody tr").count() == 3
    with admin.expect_download() as download:
        admin.click("text=下载 2024 年度台账模板")
    assert download.value.suggested_filename == "2024年度台账.xlsx"

    clerk = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    sign_in(clerk, server, "clerk")
    clerk.click("text=2024 年度 · 办公厅")
    clerk.set_input_files("input[name=workbook]", str(tmp_path / "办公厅台账-有误.xlsx"))
    clerk.click("button:has-text('上传并检查')")
    clerk.wait_for_selector("#problems")
    headers = clerk.locator("#problems thead th").all_inner_texts()
    assert headers == ["工作表", "行", "列", "说明"]
    rows = clerk.locator("#problems tbody tr").all_inner_texts()
    assert any("年假" in r and "请假" in r for r in rows), rows
    assert "未作为本机构的报送保存" in clerk.inner_text(".error")
    clerk.screenshot(path=str(SHOTS / "web-upload-errors.png"), full_page=True)

    clerk.set_input_files("input[name=workbook]", str(tmp_path / "办公厅台账.xlsx"))
    clerk.click("button:has-text('上传并检查')")
    clerk.wait_for_selector("#result")
    total = clerk.inner_text("#total")
    assert "初步得分" in clerk.inner_text(".flash") and total in clerk.inner_text(".flash")
    assert float(total) < 80                       # 17 days' leave: a deduction under 4.1.2
    assert clerk.locator("#findings tbody tr").count() >= 1
    assert "4.1.2" in clerk.inner_text("#findings")
    assert "办公厅台账.xlsx" in clerk.inner_text("#history")
    clerk.screenshot(path=str(SHOTS / "web-provisional-score.png"), full_page=True)

    admin.reload()
    assert "已提交" in admin.inner_text("#units")
    admin.screenshot(path=str(SHOTS / "web-year.png"), full_page=True)
    admin.click("button:has-text('合并各机构最新台账并评分')")
    admin.wait_for_url(f"{server}/years/2024/result")
    assert admin.locator("#scorecard tbody tr").count() == 3
    admin.screenshot(path=str(SHOTS / "web-scorecard.png"), full_page=True)
