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
