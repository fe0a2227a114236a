"""The workbench's test helpers: a data directory with users, a roster and the units' ledgers."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path

import yaml

from evaluator.web.store import Store

from ledgers import NAME, UNITS, layout, unit_ledger  # noqa: E402,F401  (tests/ is on the path: conftest)

PASSWORDS = {"admin": "admin-password", "clerk": "clerk-password", "legalclerk": "legal-password",
             "reviewer": "reviewer-password", "leader": "leader-password"}
_users_made: Path | None = None


def users(data: Path) -> Store:
    """A data directory with one user of each role (argon2 is slow on purpose: made once, copied)."""
    global _users_made
    if _users_made is None:
        _users_made = Path(tempfile.mkdtemp(prefix="workbench-users-")) / "data"
        store = Store(_users_made)
        store.add_user("admin", "admin", None, PASSWORDS["admin"])
        store.add_user("clerk", "clerk", "office", PASSWORDS["clerk"])
        store.add_user("legalclerk", "clerk", "legal", PASSWORDS["legalclerk"])
        store.add_user("reviewer", "reviewer", None, PASSWORDS["reviewer"])
        store.add_user("leader", "leader", None, PASSWORDS["leader"])
        with store.db() as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    Path(data).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_users_made / "workbench.sqlite3", Path(data) / "workbench.sqlite3")
    return Store(data)


def roster_yaml() -> bytes:
    return yaml.safe_dump({"year": 2024, "units": [{"id": i, "name": n, "staff": s} for i, n, s in UNITS], "facts": []},
                          allow_unicode=True, sort_keys=False).encode("utf-8")


def ledger(unit: str, records: dict[str, list[dict]]) -> bytes:
    """A unit's own ledger: 说明 (年度 2024), 机构 with the unit, one sheet per fact type."""
    return unit_ledger([unit], records)


def good_ledger(unit: str = "office", person: str = "张三") -> bytes:
    """Valid: one leave of 17 days (a deduction under 4.1.2)."""
    return ledger(unit, {"leave": [{"unit": NAME[unit], "person": person, "kind": "事假", "days": 17,
                                    "date": dt.date(2024, 3, 4)}]})


def bad_ledger(unit: str = "office") -> bytes:
    """Invalid: an unknown kind of leave and days that are not a number."""
    return ledger(unit, {"leave": [{"unit": NAME[unit], "person": "张三", "kind": "年假", "days": "很多天",
                                    "date": dt.date(2024, 3, 4)}]})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client, name: str) -> str:
    """Signs in with the test client; the CSRF token of the new session."""
    page = client.get("/login")
    response = client.post("/login", data={"csrf": csrf_of(page.text), "name": name, "password": PASSWORDS[name]},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


def create_year(client, csrf: str, roster: bytes | None = None, name: str = "名册.yaml"):
    return client.post("/years", data={"csrf": csrf, "year": "2024", "policy": ""},
                       files={"roster": (name, roster or roster_yaml(), "application/x-yaml")}, follow_redirects=False)


def upload(client, csrf: str, content: bytes, unit: str = "office", name: str = "台账.xlsx"):
    return client.post(f"/years/2024/units/{unit}/submissions", data={"csrf": csrf},
                       files={"workbook": (name, content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
                       follow_redirects=False)
