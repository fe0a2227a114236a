"""The workbench under a bounded deadline-day load (issue 13, reliability).

    .venv/bin/python benchmarks/web_load.py [--users 20] [--seconds 60] [--think 0.1]

Starts the real server (`python -m evaluator serve`, uvicorn) on 127.0.0.1 at a free port with a
fresh temporary --data directory; creates an admin, the year 2024 (the roster of examples/2024.yaml)
and 20 accounts: a clerk for each of the 10 units, 5 reviewers and 5 leaders. Then `--users`
simultaneous users (one thread and one httpx client each) sign in and loop for `--seconds`:

  clerk     home, its unit's page, its template; now and then an upload of its unit's ledger
            (each valid one different, so each is a distinct submission; now and then an invalid one)
  reviewer  home, the year page, a unit's page, the result page, the template;
            the first reviewer also runs the merged year `--runs` times, spread over the run
  leader    as a reviewer, without the merged run

Every loop is bounded by time and by a count; all traffic goes to 127.0.0.1. Printed: a Markdown
table per kind of request (count, errors, latency p50/p90/p99/max in ms, throughput), then a check
against the store and its audit log that every accepted upload is recorded exactly once (no
submission lost when two clerks upload at once) and no refused one was kept. An error is any 5xx,
any status other than the expected one, or any exception (a timeout, a refused connection).
Exits 1 when there was an error, a lost upload or a traceback in the server's log."""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import math
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from evaluator.domain.factset import load_factset  # noqa: E402
from evaluator.domain.policy.registry import choose_policy  # noqa: E402
from evaluator.inputs.ledger.layout import LedgerLayout  # noqa: E402
from evaluator.web.store import Store  # noqa: E402

HOST = "127.0.0.1"
YEAR = 2024
PASSWORD = "load-test-password"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_LOOPS = 5_000                 # per user, whatever the time: a loop is always bounded
UPLOAD_EVERY = 3                  # a clerk uploads on every 3rd loop ...
INVALID_EVERY = 4                 # ... and one in 4 of its uploads (the 2nd, 6th, …) is an invalid file
EXPECTED = {"login-page": 200, "login": 303, "home": 200, "unit": 200, "year": 200, "result": 200,
            "template": 200, "upload-valid": 303, "upload-invalid": 422, "run": 303}


# --- the accounts and the files they upload ---------------------------------------------------------
@dataclass
class Account:
    name: str
    role: str
    unit: str | None = None


def accounts(units: list[dict]) -> list[Account]:
    """20 accounts, interleaved clerk, reviewer, clerk, leader, … so that the first N are a mix."""
    clerks = [Account(f"clerk-{u['id']}", "clerk", u["id"]) for u in units]
    reviewers = [Account(f"reviewer-{i}", "reviewer") for i in range(1, 6)]
    leaders = [Account(f"leader-{i}", "leader") for i in range(1, 6)]
    mixed = []
    while clerks or reviewers or leaders:
        for group in (clerks, reviewers, clerks, leaders):
            if group:
                mixed.append(group.pop(0))
    return mixed


class Ledgers:
    """A unit's own ledger (说明, 机构 with the unit, one leave record): valid ones each different."""

    def __init__(self):
        self.layout = LedgerLayout(choose_policy(YEAR, None).vocabulary)

    def make(self, unit: dict, serial: int, valid: bool) -> bytes:
        wb = Workbook()
        guide = wb.active
        guide.title = "说明"
        guide.append(["台账"])
        guide.append(["年度", YEAR])
        sheet = wb.create_sheet(self.layout.units.name)
        sheet.append([c.header for c in self.layout.units.columns])
        sheet.append([unit.get(c.field) for c in self.layout.units.columns])
        leave = self.layout.by_type["leave"]
        ws = wb.create_sheet(leave.name)
        ws.append([c.header for c in leave.columns])
        record = {"unit": unit["name"], "person": f"职员{serial}", "kind": "事假", "days": 1 + serial % 20,
                  "date": dt.date(YEAR, 3, 4)}
        if not valid:
            record.update(kind="年假", days="很多天")        # an unknown kind of leave, days not a number
        ws.append([record.get(c.field) for c in leave.columns])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()


# --- what is measured ------------------------------------------------------------------------------
@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)          # the first errors, as said
    accepted: list[tuple[str, str, str]] = field(default_factory=list)   # (user, unit, sha256) of each 303 upload
    refused: list[str] = field(default_factory=list)          # sha256 of each invalid upload
    upload_spans: list[tuple[float, float]] = field(default_factory=list)   # (start, end) of each upload
    wall: float = 0.0
    lost: list[str] = field(default_factory=list)             # what the store check found wrong
    server_tracebacks: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind] += 1
                if len(self.samples) < 20:
                    self.samples.append(f"{kind}: {error}")

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and not self.lost and self.server_tracebacks == 0


def timed(results: Results, kind: str, send) -> httpx.Response | None:
    """Sends one request; an exception or a status other than EXPECTED[kind] is an error."""
    started = time.perf_counter()
    try:
        response = send()
    except Exception as exc:                                   # a timeout, a reset connection, …
        results.record(kind, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
        return None
    seconds = time.perf_counter() - started
    error = None
    if response.status_code != EXPECTED[kind]:
        error = f"{response.request.method} {response.request.url.path} → {response.status_code}"
    results.record(kind, seconds, error)
    return response if error is None else None


def csrf_of(html: str) -> str | None:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    return found.group(1) if found else None


# --- one user ------------------------------------------------------------------------------------
def user_loop(base: str, account: Account, units: list[dict], deadline: float, runs: int, seconds: float,
              think: float, ledgers: Ledgers, results: Results, seed: int) -> None:
    rng = random.Random(seed)
    y = f"/years/{YEAR}"
    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
        page = timed(results, "login-page", lambda: client.get("/login"))
        if page is None:
            return
        signed = timed(results, "login", lambda: client.post("/login", data={
            "csrf": csrf_of(page.text), "name": account.name, "password": PASSWORD}))
        if signed is None:
            return
        home = timed(results, "home", lambda: client.get("/"))
        token = csrf_of(home.text) if home is not None else None
        if token is None:
            results.record("home", 0.0, "no CSRF token on the home page after signing in")
            return
        unit = next((u for u in units if u["id"] == account.unit), None)
        start = time.monotonic()
        run_times = [start + seconds * (k + 1) / (runs + 1) for k in range(runs)]   # spread over the run
        uploads = 0
        for loop in range(MAX_LOOPS):
            if time.monotonic() >= deadline:
                break
            if account.role == "clerk":
                pages = ["/", f"{y}/units/{account.unit}", f"{y}/template"]
            else:
                some = rng.choice(units)["id"]
                pages = ["/", y, f"{y}/units/{some}", f"{y}/result", f"{y}/template"]
            kinds = {"/": "home", y: "year", f"{y}/result": "result", f"{y}/template": "template"}
            for path in pages:
                if time.monotonic() >= deadline:
                    break
                timed(results, kinds.get(path, "unit"), lambda: client.get(path))
                time.sleep(rng.uniform(0, 2 * think))
            if account.role == "clerk" and loop % UPLOAD_EVERY == 0 and time.monotonic() < deadline:
                uploads += 1
                valid = uploads % INVALID_EVERY != 2                   # the 2nd, 6th, 10th, … is invalid
                content = ledgers.make(unit, uploads, valid)          # the unit and the serial: a new file
                kind = "upload-valid" if valid else "upload-invalid"
                began = time.perf_counter()
                response = timed(results, kind, lambda: client.post(
                    f"{y}/units/{account.unit}/submissions", data={"csrf": token},
                    files={"workbook": (f"{unit['name']}-{uploads}.xlsx", content, XLSX)}))
                sha = hashlib.sha256(content).hexdigest()
                with results.lock:
                    results.upload_spans.append((began, time.perf_counter()))
                    if response is not None and valid:
                        results.accepted.append((account.name, account.unit, sha))
                    elif not valid:
                        results.refused.append(sha)
            if run_times and time.monotonic() >= run_times[0] and time.monotonic() < deadline:
                run_times.pop(0)
                timed(results, "run", lambda: client.post(f"{y}/run", data={"csrf": token}))
        if runs and len(run_times) == runs:
            # On a loaded machine the pages alone can outlast a short test: the user asked for
            # runs still makes one, so that every load test covers the run.
            timed(results, "run", lambda: client.post(f"{y}/run", data={"csrf": token}))


# --- the server, the year and the check ------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(data: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen([sys.executable, "-m", "evaluator", "serve", "--host", HOST, "--port", str(port),
                               "--data", str(data)], stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    base = f"http://{HOST}:{port}"
    for _ in range(300):                                       # at most 30 s
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped at once:\n{log.read_text(errors='replace')}")
        try:
            httpx.get(base + "/login", timeout=1)
            return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("the server did not answer within 30 s")


def set_up(data: Path, units: list[dict], people: list[Account]) -> None:
    """The admin and the accounts (argon2 is slow on purpose: hashed two at a time)."""
    store = Store(data)
    with ThreadPoolExecutor(4) as pool:
        jobs = [pool.submit(store.add_user, "admin", "admin", None, PASSWORD)]
        jobs += [pool.submit(store.add_user, a.name, a.role, a.unit, PASSWORD) for a in people]
        for job in jobs:
            job.result()


def create_year(base: str, units: list[dict]) -> None:
    roster = yaml.safe_dump({"year": YEAR, "units": units, "facts": []}, allow_unicode=True).encode()
    with httpx.Client(base_url=base, timeout=60) as admin:
        token = csrf_of(admin.get("/login").text)
        admin.post("/login", data={"csrf": token, "name": "admin", "password": PASSWORD})
        token = csrf_of(admin.get("/").text)
        made = admin.post("/years", data={"csrf": token, "year": str(YEAR)},
                          files={"roster": ("roster.yaml", roster, "application/x-yaml")}, follow_redirects=False)
        if made.status_code != 303:
            raise RuntimeError(f"the year was not created: {made.status_code}")


def check_store(data: Path, results: Results) -> None:
    """Every accepted upload is one submission row and one 提交台账 audit entry; no refused file is kept."""
    store = Store(data)
    rows = store.submissions(YEAR)
    by_sha = defaultdict(list)
    for row in rows:
        by_sha[row["sha256"]].append(row)
    with store.db() as db:
        audited = [r["detail"] for r in db.execute("SELECT detail FROM audit WHERE what = '提交台账'")]
    audited_shas = defaultdict(int)
    for detail in audited:
        found = re.search(r"sha256 ([0-9a-f]{64})", detail)
        if found:
            audited_shas[found.group(1)] += 1
    for user, unit, sha in results.accepted:
        kept = by_sha.get(sha, [])
        if len(kept) != 1 or kept[0]["unit"] != unit or kept[0]["uploaded_by"] != user:
            results.lost.append(f"{user} {sha[:12]}: {len(kept)} submission rows")
        elif audited_shas[sha] != 1:
            results.lost.append(f"{user} {sha[:12]}: {audited_shas[sha]} audit entries")
        elif not store.file_path(sha, "xlsx").exists():
            results.lost.append(f"{user} {sha[:12]}: the file is not kept")
    if len(rows) != len(results.accepted):
        results.lost.append(f"{len(rows)} submission rows for {len(results.accepted)} accepted uploads")
    for sha in results.refused:
        if sha in by_sha or store.file_path(sha, "xlsx").exists():
            results.lost.append(f"an invalid upload {sha[:12]} was kept")


def run_load(users: int = 20, seconds: float = 60, think: float = 0.1, runs: int = 3) -> Results:
    """The whole load test; the results, checked against the store."""
    units = [u.model_dump() for u in load_factset(ROOT / "examples" / "2024.yaml").units.values()]
    people = accounts(units)
    with tempfile.TemporaryDirectory(prefix="workbench-load-") as folder:
        data, log = Path(folder) / "data", Path(folder) / "server.log"
        set_up(data, units, people)
        server, base = start_server(data, log)
        results = Results()
        try:
            create_year(base, units)
            ledgers = Ledgers()
            started = time.monotonic()
            deadline = started + seconds
            chosen = [people[i % len(people)] for i in range(users)]
            first_reviewer = next((i for i, a in enumerate(chosen) if a.role == "reviewer"), None)
            threads = [threading.Thread(target=user_loop, daemon=True, args=(
                base, a, units, deadline, runs if i == first_reviewer else 0, seconds, think, ledgers, results, i))
                for i, a in enumerate(chosen)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=max(0.0, deadline + 90 - time.monotonic()))   # a request may take up to 60 s
            results.wall = time.monotonic() - started
            if any(t.is_alive() for t in threads):
                results.record("(hung)", 0.0, "a user's thread did not finish")
        finally:
            server.terminate()
            server.wait(timeout=30)
        results.server_tracebacks = log.read_text(errors="replace").count("Traceback")
        check_store(data, results)
    return results


# --- the report ---------------------------------------------------------------------------------
def most_at_once(spans: list[tuple[float, float]]) -> int:
    """The most uploads in flight at the same moment."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p * len(ordered) / 100) - 1))]


def table(results: Results) -> str:
    lines = ["| request | count | errors | p50 ms | p90 ms | p99 ms | max ms | req/s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    everything: list[float] = []
    for kind in [k for k in EXPECTED if k in results.latencies] + [k for k in results.latencies if k not in EXPECTED]:
        values = results.latencies[kind]
        everything += values
        ms = [percentile(values, p) * 1000 for p in (50, 90, 99, 100)]
        lines.append(f"| {kind} | {len(values)} | {results.errors.get(kind, 0)} | "
                     + " | ".join(f"{v:.0f}" for v in ms) + f" | {len(values) / results.wall:.2f} |")
    if everything:
        ms = [percentile(everything, p) * 1000 for p in (50, 90, 99, 100)]
        lines.append(f"| **all** | {len(everything)} | {results.error_count} | "
                     + " | ".join(f"{v:.0f}" for v in ms) + f" | {len(everything) / results.wall:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="simultaneous users (default 20)")
    parser.add_argument("--seconds", type=float, default=60, help="how long they work (default 60)")
    parser.add_argument("--think", type=float, default=0.1, help="mean pause between a user's pages, s (default 0.1)")
    parser.add_argument("--runs", type=int, default=3, help="merged runs by the first reviewer (default 3)")
    args = parser.parse_args()
    results = run_load(args.users, args.seconds, args.think, args.runs)
    print(f"{args.users} users × {args.seconds:g} s (think {args.think:g} s) against uvicorn on {HOST}; "
          f"wall {results.wall:.1f} s\n")
    print(table(results))
    print(f"\nuploads accepted {len(results.accepted)}, invalid refused {len(results.refused)}; "
          f"store check: {'every accepted upload recorded once, no invalid one kept' if not results.lost else 'FAILED'}; "
          f"tracebacks in the server log: {results.server_tracebacks}")
    for line in results.samples + results.lost[:20]:
        print(f"  - {line}")
    sys.exit(0 if results.ok else 1)


if __name__ == "__main__":
    main()
