"""`evaluator serve` (and `serve --demo`) and `evaluator user add|disable|enable|passwd`: what cli.py calls."""
from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

from evaluator.errors import UsageError
from evaluator.i18n import say
from evaluator.paths import EXAMPLES


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(host: str, port: int, data: Path | None, allow_remote: bool, demo: bool = False) -> int:
    if not is_loopback(host) and not allow_remote:
        print(say("拒绝在 {h} 上监听:工作台默认只供本机使用(127.0.0.1)。要让其他电脑访问,请加 --allow-remote,"
                  "并确认只在单位内网中使用", "refusing to listen on {h}: the workbench is for this computer only (127.0.0.1); "
                  "add --allow-remote to let other computers reach it, on the office's own network only", h=host),
              file=sys.stderr)
        return 1
    import uvicorn
    from evaluator.web.app import create_app
    if demo:
        data = fresh_folder(data)
        password = seed(data)
    data = Path(data or "workbench-data")
    app = create_app(data)
    print(say("工作台:http://{h}:{p}/ (数据目录 {d});按 Ctrl+C 停止", "workbench: http://{h}:{p}/ (data in {d}); Ctrl+C stops it",
              h=host, p=port, d=Path(data).resolve()), flush=True)
    if demo:
        print(say("演示账号:用户名 {n},密码 {pw}(演示数据:示例 2024 年度,各机构的台账已提交,可直接合并评分)",
                  "demo account: user {n}, password {pw} (the example 2024 year, every unit's ledger submitted: ready to run)",
                  n=DEMO_ADMIN, pw=password), flush=True)
        print(say("以下账号的密码相同:填报员 {k}(办公厅)、考核工作组 {r}、领导 {l}",
                  "the same password signs in: clerk {k} (office), reviewer {r}, leader {l}", k=DEMO_USERS[0][0],
                  r=DEMO_USERS[1][0], l=DEMO_USERS[2][0]), flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    return 0


def add_user(name: str, role: str, unit: str | None, password_stdin: bool, data: Path) -> str:
    from evaluator.web.store import Store
    if not password_stdin:
        raise UsageError(say("请用 --password-stdin 从标准输入给出密码(如 echo 密码 | evaluator user add …)",
                             "give the password on standard input with --password-stdin"))
    password = sys.stdin.readline().rstrip("\r\n")
    Store(data).add_user(name, role, unit, password)
    return say("已创建用户 {n}(角色 {r})", "created user {n} (role {r})", n=name, r=role)


def change_user(name: str, action: str, data: Path, password_stdin: bool = False) -> str:
    """`evaluator user disable|enable|passwd NAME`: the same change, and the same rules, as the users page."""
    from evaluator.web.accounts import change
    from evaluator.web.store import Store
    password = None
    if action == "password":
        if not password_stdin:
            raise UsageError(say("请用 --password-stdin 从标准输入给出新密码(如 echo 新密码 | evaluator user passwd …)",
                                 "give the new password on standard input with --password-stdin"))
        password = sys.stdin.readline().rstrip("\r\n")
    return change(Store(data), name, action, "命令行", password)


# --- the demo (`evaluator serve --demo`) ---------------------------------------------------------------
DEMO_ADMIN = "管理员"
DEMO_USERS = (("办公厅填报员", "clerk", "office"), ("考核组", "reviewer", None), ("领导", "leader", None))


def fresh_folder(data: Path | None) -> Path:
    """The demo's data folder: `data` if it is new or empty (else UsageError), or a new temporary one."""
    import tempfile
    if data is None:
        return Path(tempfile.mkdtemp(prefix="evaluator-demo-"))
    data = Path(data)
    if data.exists() and any(data.iterdir()):
        raise UsageError(say("演示需要一个新的或空的文件夹,而 {d} 中已有文件;请换一个 --data,或不写 --data(用临时文件夹)",
                             "the demo needs a new or empty folder and {d} is not; give another --data, or none (a temporary folder)", d=data))
    return data


def unit_files(year_file: Path) -> tuple[dict, dict[str, bytes]]:
    """The example year split as its units would submit it: one YAML fact set per unit, with its own records."""
    import yaml
    document = yaml.safe_load(year_file.read_text(encoding="utf-8"))
    files = {}
    for unit in document["units"]:
        own = [f for f in document.get("facts", []) if f.get("unit") == unit["id"]]
        files[unit["id"]] = yaml.safe_dump({"year": document["year"], "policy": document.get("policy"), "units": [unit], "facts": own},
                                           allow_unicode=True, sort_keys=False).encode("utf-8")
    return document, files


def seed(data: Path) -> str:
    """The example 2024 year in `data`: its roster, every unit's ledger submitted, a demo admin (and one
    user of each other role) with one new random password, which is returned."""
    import secrets
    from evaluator.web.service import check_unit_file, policies_for, read_roster
    from evaluator.web.store import Store
    store = Store(data)
    password = secrets.token_urlsafe(9)
    store.add_user(DEMO_ADMIN, "admin", None, password, by="演示")
    for name, role, unit in DEMO_USERS:
        store.add_user(name, role, unit, password, by="演示")
    year_file = EXAMPLES / "2024.yaml"
    document, files = unit_files(year_file)
    year = int(document["year"])
    _, policy_id = policies_for(year)
    policy_id = document.get("policy") or policy_id
    units, _, kept = read_roster(year_file, year, policy_id)
    original = store.put_file(year_file.read_bytes(), "yaml")
    store.save_year(year, policy_id, store.put_file(kept, "yaml"), original, "示例名册 2024.yaml", units, "演示")
    saved = store.year(year)
    for unit, content in files.items():
        check_unit_file(store, saved, unit, content, "yaml")     # each as a clerk's upload would be checked
        sha = store.put_file(content, "yaml")
        store.add_submission(year, unit, sha, "yaml", f"{unit}-2024.yaml", len(content), "演示")
    return password
