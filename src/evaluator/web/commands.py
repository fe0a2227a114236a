"""`evaluator serve` and `evaluator user add`: what cli.py calls."""
from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

from ..errors import UsageError
from ..i18n import say


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(host: str, port: int, data: Path, allow_remote: bool) -> int:
    if not is_loopback(host) and not allow_remote:
        print(say("拒绝在 {h} 上监听:工作台默认只供本机使用(127.0.0.1)。要让其他电脑访问,请加 --allow-remote,"
                  "并确认只在单位内网中使用", "refusing to listen on {h}: the workbench is for this computer only (127.0.0.1); "
                  "add --allow-remote to let other computers reach it, on the office's own network only", h=host),
              file=sys.stderr)
        return 1
    import uvicorn
    from .app import create_app
    app = create_app(data)
    print(say("工作台:http://{h}:{p}/ (数据目录 {d});按 Ctrl+C 停止", "workbench: http://{h}:{p}/ (data in {d}); Ctrl+C stops it",
              h=host, p=port, d=Path(data).resolve()), flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    return 0


def add_user(name: str, role: str, unit: str | None, password_stdin: bool, data: Path) -> str:
    from .store import Store
    if not password_stdin:
        raise UsageError(say("请用 --password-stdin 从标准输入给出密码(如 echo 密码 | evaluator user add …)",
                             "give the password on standard input with --password-stdin"))
    password = sys.stdin.readline().rstrip("\r\n")
    Store(data).add_user(name, role, unit, password)
    return say("已创建用户 {n}(角色 {r})", "created user {n} (role {r})", n=name, r=role)
