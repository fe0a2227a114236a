"""What the workbench keeps, under its data directory: `workbench.sqlite3` (users, years,
submissions, runs, audit log), `files/<sha256>.<ext>` (every kept file exactly as it came,
content-addressed) and `secret.key` (signs the session cookie)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from evaluator.domain.policy.load import policy_named
from evaluator.domain.policy.registry import titles
from evaluator.errors import UsageError
from evaluator.i18n import say
from evaluator.web import ROLES

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'reviewer', 'leader')),
    unit TEXT, password_hash TEXT NOT NULL, created_at TEXT NOT NULL, epoch INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS years (
    year INTEGER PRIMARY KEY, policy_id TEXT NOT NULL, roster_sha TEXT NOT NULL, roster_original_sha TEXT NOT NULL,
    roster_name TEXT NOT NULL, units_json TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, year INTEGER NOT NULL, unit TEXT NOT NULL, sha256 TEXT NOT NULL,
    ext TEXT NOT NULL, original_name TEXT NOT NULL, size INTEGER NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, year INTEGER NOT NULL, run_by TEXT NOT NULL, run_at TEXT NOT NULL,
    html_sha TEXT NOT NULL, xlsx_sha TEXT NOT NULL, json_sha TEXT NOT NULL, summary_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT NOT NULL, at TEXT NOT NULL, what TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '',
    unit TEXT);
"""
# The background merge+run (jobs.py): one row per run asked for; `state` moves queued → running →
# done | failed, and `stage`/`done`/`total` say how far it is, so a reload shows it.
JOBS_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, year INTEGER NOT NULL, started_by TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT, state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')), stage TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, message TEXT NOT NULL DEFAULT '',
    problems_json TEXT NOT NULL DEFAULT '[]', run_id INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS one_running_job_a_year ON jobs (year) WHERE state = 'running';
"""
# The working group's review, kept as rows (never an edit of a submitted file): the clerks'
# appeals, the adjustments, and which adjustments and submissions each reviewed run used.
REVIEW_SCHEMA = """
CREATE TABLE IF NOT EXISTS appeals (
    id INTEGER PRIMARY KEY AUTOINCREMENT, year INTEGER NOT NULL, unit TEXT NOT NULL, fact TEXT, clause TEXT, rule TEXT,
    finding TEXT NOT NULL DEFAULT '', text TEXT NOT NULL, filed_by TEXT NOT NULL, filed_at TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT 'pending' CHECK (answer IN ('pending', 'upheld', 'rejected')),
    reason TEXT NOT NULL DEFAULT '', decision TEXT NOT NULL DEFAULT '', adjustment INTEGER,
    answered_by TEXT, answered_at TEXT);
CREATE TABLE IF NOT EXISTS adjustments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, year INTEGER NOT NULL, action TEXT NOT NULL CHECK (action IN ('set', 'strike', 'add')),
    fact TEXT NOT NULL DEFAULT '', changes_json TEXT NOT NULL DEFAULT '[]', reason TEXT NOT NULL, decision TEXT NOT NULL,
    created_by TEXT NOT NULL, created_at TEXT NOT NULL, withdrawn_by TEXT, withdrawn_at TEXT);
CREATE TABLE IF NOT EXISTS review_runs (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id), year INTEGER NOT NULL, review_sha TEXT NOT NULL,
    submissions_json TEXT NOT NULL, adjustments_json TEXT NOT NULL, appeals_json TEXT NOT NULL, changes_json TEXT NOT NULL);
"""
SHA256 = re.compile(r"^[0-9a-f]{64}$")
EXTENSIONS = {"xlsx", "yaml", "json", "html"}
MIN_PASSWORD = 8
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


class Store:
    def __init__(self, data: Path):
        self.data = Path(data).resolve()
        self.files = self.data / "files"
        self.tmp = self.data / "tmp"
        for folder in (self.data, self.files, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data / "workbench.sqlite3"
        with self.db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            db.executescript(REVIEW_SCHEMA)
            db.executescript(JOBS_SCHEMA)
            if "disabled" not in {c["name"] for c in db.execute("PRAGMA table_info(users)")}:
                db.execute("ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0")   # databases made before accounts could be disabled
            if "unit" not in {c["name"] for c in db.execute("PRAGMA table_info(audit)")}:
                db.execute("ALTER TABLE audit ADD COLUMN unit TEXT")   # databases made before the log kept the unit apart

    # --- plumbing -----------------------------------------------------------------------------
    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.db_path, timeout=30)
        connection.row_factory = sqlite3.Row
        try:
            with connection:          # one transaction: committed on success, rolled back on error
                yield connection
        finally:
            connection.close()

    def secret_key(self) -> str:
        path = self.data / "secret.key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
        return path.read_text().strip()

    def audit(self, who: str, what: str, detail: str = "", db: sqlite3.Connection | None = None, *,
              unit: str | None = None) -> None:
        """One entry of the log. The unit it is about is kept as its id, apart from the detail: the
        log page names it from the rosters (an id is a key of the ledger, not a word staff read)."""
        if db is not None:
            db.execute("INSERT INTO audit (who, at, what, detail, unit) VALUES (?, ?, ?, ?, ?)", (who, now(), what, detail, unit))
            return
        with self.db() as conn:
            self.audit(who, what, detail, conn, unit=unit)

    def audit_log(self, limit: int = 500) -> list[sqlite3.Row]:
        with self.db() as db:
            return db.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()

    # --- files --------------------------------------------------------------------------------
    def put_file(self, content: bytes, ext: str) -> str:
        """Keep `content` as it came, named by its sha256; the same content is kept once."""
        if ext not in EXTENSIONS:
            raise ValueError(ext)
        sha = hashlib.sha256(content).hexdigest()
        path = self.files / f"{sha}.{ext}"
        if not path.exists():
            partial = self.tmp / f"{sha}.{secrets.token_hex(4)}.part"
            partial.write_bytes(content)
            os.replace(partial, path)
        return sha

    def file_path(self, sha: str, ext: str) -> Path:
        """The kept file; only ever a sha256 and a known extension, so never outside files/."""
        if not SHA256.match(sha) or ext not in EXTENSIONS:
            raise ValueError("not a stored file")
        return self.files / f"{sha}.{ext}"

    # --- users --------------------------------------------------------------------------------
    def add_user(self, name: str, role: str, unit: str | None, password: str, by: str = "命令行") -> None:
        name = name.strip()
        if not name or len(name) > 64:
            raise UsageError(say("用户名不能为空,且不超过 64 个字符", "the user name must be 1 to 64 characters"))
        if role not in ROLES:
            raise UsageError(say("角色应是 {r} 之一,而不是“{x}”", "the role must be one of {r}, not '{x}'",
                                 r="、".join(f"{k}({v})" for k, v in ROLES.items()), x=role))
        if role == "clerk" and not unit:
            raise UsageError(say("填报员(clerk)须用 --unit 给出所在机构的编号", "a clerk needs --unit, their unit's id"))
        if role != "clerk":
            unit = unit or None
        if len(password) < MIN_PASSWORD:
            raise UsageError(say("密码至少 {n} 个字符", "the password must have at least {n} characters", n=MIN_PASSWORD))
        with self.db() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise UsageError(say("用户“{n}”已存在", "user '{n}' exists already", n=name))
            db.execute("INSERT INTO users (name, role, unit, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                       (name, role, unit, _hasher.hash(password), now()))
            self.audit(by, "创建用户", f"{name}(角色 {ROLES[role]})", db, unit=unit)

    def users(self) -> list[sqlite3.Row]:
        with self.db() as db:
            return db.execute("SELECT name, role, unit, created_at, disabled FROM users ORDER BY role, unit, name").fetchall()

    def set_password(self, name: str, password: str, by: str, what: str = "修改密码") -> None:
        if len(password) < MIN_PASSWORD:
            raise UsageError(say("密码至少 {n} 个字符", "the password must have at least {n} characters", n=MIN_PASSWORD))
        with self.db() as db:
            db.execute("UPDATE users SET password_hash = ?, epoch = epoch + 1 WHERE name = ?", (_hasher.hash(password), name))
            self.audit(by, what, name, db)

    def set_disabled(self, name: str, disabled: bool, by: str) -> None:
        """Disabling also moves the epoch on, so every session of the account ends at its next request."""
        with self.db() as db:
            db.execute("UPDATE users SET disabled = ?, epoch = epoch + ? WHERE name = ?", (int(disabled), int(disabled), name))
            self.audit(by, "停用账号" if disabled else "启用账号", name, db)

    def user(self, name: str) -> sqlite3.Row | None:
        with self.db() as db:
            return db.execute("SELECT name, role, unit, epoch, disabled FROM users WHERE name = ?", (name,)).fetchone()

    def check_password(self, name: str, password: str) -> sqlite3.Row | None:
        with self.db() as db:
            row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        try:
            _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return row

    # --- years ---------------------------------------------------------------------------------
    def save_year(self, year: int, policy_id: str, roster_sha: str, original_sha: str, roster_name: str,
                  units: list[dict], by: str) -> bool:
        """Create or replace the year's setup; True when it was new."""
        with self.db() as db:
            new = db.execute("SELECT 1 FROM years WHERE year = ?", (year,)).fetchone() is None
            db.execute("INSERT OR REPLACE INTO years VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (year, policy_id, roster_sha, original_sha, roster_name, json.dumps(units, ensure_ascii=False), by, now()))
            self.audit(by, "创建年度" if new else "更新年度",
                       f"{year} 年度,考核办法{policy_named(titles().get(policy_id, policy_id), policy_id)},名册 {roster_name}"
                       f"({len(units)} 个机构,sha256 {original_sha})", db)
        return new

    def years(self) -> list[dict]:
        with self.db() as db:
            return [self._year(r) for r in db.execute("SELECT * FROM years ORDER BY year DESC")]

    def year(self, year: int) -> dict | None:
        with self.db() as db:
            row = db.execute("SELECT * FROM years WHERE year = ?", (year,)).fetchone()
        return self._year(row) if row else None

    @staticmethod
    def _year(row: sqlite3.Row) -> dict:
        return decoded(row)

    # --- submissions ------------------------------------------------------------------------------
    def add_submission(self, year: int, unit: str, sha: str, ext: str, original_name: str, size: int, by: str) -> None:
        with self.db() as db:
            db.execute("INSERT INTO submissions (year, unit, sha256, ext, original_name, size, uploaded_by, uploaded_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (year, unit, sha, ext, original_name, size, by, now()))
            self.audit(by, "提交台账", f"{year} 年度:{original_name}({size} 字节,sha256 {sha})", db, unit=unit)

    def submissions(self, year: int, unit: str | None = None) -> list[dict]:
        with self.db() as db:
            if unit is None:
                rows = db.execute("SELECT * FROM submissions WHERE year = ? ORDER BY id DESC", (year,))
            else:
                rows = db.execute("SELECT * FROM submissions WHERE year = ? AND unit = ? ORDER BY id DESC", (year, unit))
            return [dict(r) for r in rows]

    def latest_submissions(self, year: int) -> dict[str, dict]:
        latest: dict[str, dict] = {}
        for row in self.submissions(year):
            latest.setdefault(row["unit"], row)
        return latest

    # --- runs --------------------------------------------------------------------------------
    def add_run(self, year: int, by: str, shas: dict[str, str], summary: dict, job: int | None = None) -> int:
        """The run, and the job that made it marked done, in one transaction: never one without the other."""
        with self.db() as db:
            cursor = db.execute("INSERT INTO runs (year, run_by, run_at, html_sha, xlsx_sha, json_sha, summary_json) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)", (year, by, now(), shas["html"], shas["xlsx"], shas["json"],
                                                                 json.dumps(summary, ensure_ascii=False)))
            self.audit(by, "合并评分", f"{year} 年度:{len(summary.get('used', []))} 个机构的台账,报告 sha256 {shas['json']}", db)
            if job is not None:
                db.execute("UPDATE jobs SET state = 'done', finished_at = ?, run_id = ? WHERE id = ?", (now(), cursor.lastrowid, job))
            return cursor.lastrowid

    def latest_run(self, year: int) -> dict | None:
        with self.db() as db:
            row = db.execute("SELECT * FROM runs WHERE year = ? ORDER BY id DESC LIMIT 1", (year,)).fetchone()
        return decoded(row) if row is not None else None

    # --- the review: appeals, adjustments, reviewed runs ---------------------------------------------
    def add_appeal(self, year: int, unit: str, fact: str | None, clause: str | None, rule: str | None, finding: str,
                   text: str, by: str) -> int:
        with self.db() as db:
            cursor = db.execute("INSERT INTO appeals (year, unit, fact, clause, rule, finding, text, filed_by, filed_at) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (year, unit, fact, clause, rule, finding, text, by, now()))
            self.audit(by, "提出申诉", f"{year} 年度 申诉{cursor.lastrowid}:{finding or clause or ''}:{text}", db, unit=unit)
            return cursor.lastrowid

    def appeals(self, year: int, unit: str | None = None) -> list[dict]:
        with self.db() as db:
            if unit is None:
                rows = db.execute("SELECT * FROM appeals WHERE year = ? ORDER BY id", (year,))
            else:
                rows = db.execute("SELECT * FROM appeals WHERE year = ? AND unit = ? ORDER BY id", (year, unit))
            return [dict(r) for r in rows]

    def appeal(self, year: int, appeal_id: int) -> dict | None:
        with self.db() as db:
            row = db.execute("SELECT * FROM appeals WHERE year = ? AND id = ?", (year, appeal_id)).fetchone()
        return dict(row) if row else None

    def answer_appeal(self, year: int, appeal_id: int, answer: str, reason: str, decision: str, adjustment: int | None,
                      by: str, said: str) -> None:
        with self.db() as db:
            db.execute("UPDATE appeals SET answer = ?, reason = ?, decision = ?, adjustment = ?, answered_by = ?, answered_at = ? "
                       "WHERE year = ? AND id = ?", (answer, reason, decision, adjustment, by, now(), year, appeal_id))
            self.audit(by, "答复申诉", f"{year} 年度 申诉{appeal_id}:{said}", db)

    def add_adjustment(self, year: int, action: str, fact: str, changes: list, reason: str, decision: str, by: str,
                       said: str) -> int:
        with self.db() as db:
            cursor = db.execute("INSERT INTO adjustments (year, action, fact, changes_json, reason, decision, created_by, created_at) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                (year, action, fact, as_json(changes), reason, decision, by, now()))
            self.audit(by, "录入审查调整", f"{year} 年度 调整{cursor.lastrowid}:{said};原因:{reason};依据:{decision}", db)
            return cursor.lastrowid

    def adjustments(self, year: int, withdrawn: bool = False) -> list[dict]:
        """The year's adjustments in the order they were made (the order they apply in)."""
        with self.db() as db:
            rows = db.execute("SELECT * FROM adjustments WHERE year = ?" + ("" if withdrawn else " AND withdrawn_at IS NULL")
                              + " ORDER BY id", (year,)).fetchall()
        return [decoded(row) for row in rows]

    def withdraw_adjustment(self, year: int, adjustment_id: int, by: str) -> None:
        with self.db() as db:
            db.execute("UPDATE adjustments SET withdrawn_by = ?, withdrawn_at = ? WHERE year = ? AND id = ? AND withdrawn_at IS NULL",
                       (by, now(), year, adjustment_id))
            self.audit(by, "撤销审查调整", f"{year} 年度 调整{adjustment_id}", db)

    def add_reviewed_run(self, year: int, by: str, shas: dict[str, str], summary: dict, inputs: dict) -> int:
        """A run of the year as reviewed, with what it used: the submissions, the review file, the adjustments."""
        with self.db() as db:
            cursor = db.execute("INSERT INTO runs (year, run_by, run_at, html_sha, xlsx_sha, json_sha, summary_json) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)", (year, by, now(), shas["html"], shas["xlsx"], shas["json"],
                                                                 as_json(summary)))
            run_id = cursor.lastrowid
            db.execute("INSERT INTO review_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (run_id, year, inputs["review_sha"], as_json(inputs["submissions"]), as_json(inputs["adjustments"]),
                        as_json(inputs["appeals"]), as_json(inputs["changes"])))
            used = "、".join(f"调整{a}" for a in inputs["adjustments"]) or "无调整"
            self.audit(by, "审查评分", f"{year} 年度:{len(inputs['submissions'])} 个机构的台账,{used},审查调整文件 sha256 "
                                       f"{inputs['review_sha']},报告 sha256 {shas['json']}", db)
            return run_id

    def latest_reviewed_run(self, year: int) -> dict | None:
        with self.db() as db:
            row = db.execute("SELECT * FROM runs JOIN review_runs ON runs.id = review_runs.run_id WHERE runs.year = ? "
                             "ORDER BY runs.id DESC LIMIT 1", (year,)).fetchone()
        return decoded(row) if row is not None else None


def decoded(row: sqlite3.Row) -> dict:
    """A row as a dict, each `<name>_json` column read back as `<name>` (what as_json wrote)."""
    out = {}
    for key in row.keys():
        if key.endswith("_json"):
            out[key[:-len("_json")]] = json.loads(row[key])
        else:
            out[key] = row[key]
    return out


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
