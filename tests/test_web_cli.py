"""`evaluator serve` stays on this computer unless told otherwise; `evaluator user add` makes accounts."""
from __future__ import annotations

import os
import subprocess
import sys

from evaluator.web.commands import is_loopback
from evaluator.web.store import Store


def evaluator(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "EVALUATOR_LANG"}
    return subprocess.run([sys.executable, "-m", "evaluator", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env=env)


def test_serve_refuses_a_non_loopback_host_without_allow_remote(tmp_path):
    done = evaluator("serve", "--host", "0.0.0.0", "--port", "1", "--data", str(tmp_path / "d"))
    assert done.returncode == 1
    assert "拒绝在 0.0.0.0 上监听" in done.stderr and "--allow-remote" in done.stderr
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.8.0.1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_user_add_reads_the_password_from_stdin(tmp_path):
    data = tmp_path / "d"
    done = evaluator("user", "add", "王芳", "--role", "clerk", "--unit", "office", "--password-stdin", "--data", str(data),
                     stdin="很长的密码 123\n")
    assert done.returncode == 0, done.stderr
    assert "已创建用户 王芳" in done.stdout
    store = Store(data)
    assert store.check_password("王芳", "很长的密码 123")["unit"] == "office"
    assert store.check_password("王芳", "wrong") is None
    assert store.audit_log()[0]["what"] == "创建用户"


def test_user_add_says_what_is_wrong_in_chinese(tmp_path):
    data = str(tmp_path / "d")
    cases = [(["clerk1", "--role", "clerk"], "须用 --unit"), (["x", "--role", "boss"], "角色应是"),
             (["y", "--role", "admin"], "至少 8 个字符")]
    for args, words in cases:
        done = evaluator("user", "add", *args, "--password-stdin", "--data", data, stdin="short\n")
        assert done.returncode == 1 and words in done.stderr, (args, done.stderr)
    done = evaluator("user", "add", "z", "--role", "admin", "--data", data)
    assert done.returncode == 1 and "--password-stdin" in done.stderr
    assert evaluator("user", "add", "a", "--role", "admin", "--password-stdin", "--data", data, stdin="long enough\n").returncode == 0
    again = evaluator("user", "add", "a", "--role", "admin", "--password-stdin", "--data", data, stdin="long enough\n")
    assert again.returncode == 1 and "已存在" in again.stderr


def test_serve_serves_the_sign_in_page_on_loopback(tmp_path):
    import socket
    import time
    import urllib.request
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "EVALUATOR_LANG"}
    server = subprocess.Popen([sys.executable, "-m", "evaluator", "serve", "--port", str(port), "--data", str(tmp_path / "d")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    body = response.read().decode("utf-8")
                    assert response.status == 200 and "登录" in body
                    assert "httponly" in response.headers["set-cookie"].lower()
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read() if server.poll() is not None else "no answer"
                time.sleep(0.2)
        assert (tmp_path / "d" / "workbench.sqlite3").exists()
    finally:
        server.terminate()
        server.wait(20)


def test_user_disable_enable_and_passwd_change_the_account_and_are_audited(tmp_path):
    data = str(tmp_path / "d")
    for name, role in (("管理员", "admin"), ("王芳", "reviewer")):
        assert evaluator("user", "add", name, "--role", role, "--password-stdin", "--data", data, stdin="很长的密码 123\n").returncode == 0
    done = evaluator("user", "disable", "王芳", "--data", data)
    assert done.returncode == 0 and "已停用用户 王芳" in done.stdout, done.stderr
    store = Store(tmp_path / "d")
    assert store.user("王芳")["disabled"]
    done = evaluator("user", "enable", "王芳", "--data", data)
    assert done.returncode == 0 and "已启用用户 王芳" in done.stdout
    assert not store.user("王芳")["disabled"]
    epoch = store.user("王芳")["epoch"]
    done = evaluator("user", "passwd", "王芳", "--password-stdin", "--data", data, stdin="另一个长密码 456\n")
    assert done.returncode == 0 and "已重置用户 王芳 的密码" in done.stdout
    assert store.check_password("王芳", "另一个长密码 456") and store.check_password("王芳", "很长的密码 123") is None
    assert store.user("王芳")["epoch"] > epoch                          # their sessions are signed out
    whats = [e["what"] for e in store.audit_log()]
    assert {"停用账号", "启用账号", "重置密码"} <= set(whats)
    assert all(e["who"] == "命令行" for e in store.audit_log() if e["what"] in ("停用账号", "启用账号", "重置密码"))


def test_user_disable_enable_and_passwd_say_what_is_wrong_in_chinese(tmp_path):
    data = str(tmp_path / "d")
    assert evaluator("user", "add", "管理员", "--role", "admin", "--password-stdin", "--data", data, stdin="很长的密码 123\n").returncode == 0
    cases = [(("disable", "没有这个人"), "", "没有用户“没有这个人”"), (("disable", "管理员"), "", "唯一一个在用的管理员"),
             (("passwd", "管理员"), "", "--password-stdin"), (("passwd", "管理员", "--password-stdin"), "short\n", "至少 8 个字符")]
    for args, stdin, words in cases:
        done = evaluator("user", *args, "--data", data, stdin=stdin)
        assert done.returncode == 1 and words in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
    assert not Store(tmp_path / "d").user("管理员")["disabled"]


def test_serve_demo_starts_on_a_fresh_folder_and_prints_the_admins_password(tmp_path):
    import re
    import socket
    import time
    import urllib.request
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "EVALUATOR_LANG"}
    data = tmp_path / "demo"
    server = subprocess.Popen([sys.executable, "-m", "evaluator", "serve", "--demo", "--port", str(port), "--data", str(data)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        address = server.stdout.readline()
        account = server.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in address, (address, server.stderr.read() if server.poll() is not None else "")
        found = re.search(r"用户名 (\S+),密码 ([^\s(]+)", account)
        assert found, account
        name, password = found.groups()
        assert Store(data).check_password(name, password)["role"] == "admin"
        assert len(Store(data).latest_submissions(2024)) == len(Store(data).year(2024)["units"])
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(20)
    again = evaluator("serve", "--demo", "--port", "1", "--data", str(data))
    assert again.returncode == 1 and "新的或空的文件夹" in again.stderr
