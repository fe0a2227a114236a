"""The workbench under a deadline-day load: every unit's clerk signs in and uploads at once.

    .venv/bin/python benchmarks/web_load.py [--rounds 3]

Starts uvicorn on a free loopback port with a fresh data directory, creates the year from
examples/2024.yaml's units, then one thread per unit signs in and uploads its ledger `rounds`
times (each upload is checked, merged with the roster and scored); prints the latencies."""
from __future__ import annotations

import argparse
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from evaluator.factset import load_factset  # noqa: E402
from evaluator.ledger.template import write_template  # noqa: E402
from evaluator.policy.registry import choose_policy  # noqa: E402
from evaluator.web.app import create_app  # noqa: E402
from evaluator.web.store import Store  # noqa: E402


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client: httpx.Client, name: str, password: str) -> str:
    token = csrf(client.get("/login").text)
    response = client.post("/login", data={"csrf": token, "name": name, "password": password})
    assert response.status_code in (200, 303), response.status_code
    return csrf(client.get("/").text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    data = Path(tempfile.mkdtemp(prefix="workbench-load-"))
    units = [u.model_dump() for u in load_factset(ROOT / "examples" / "2024.yaml").units.values()]
    store = Store(data)
    store.add_user("admin", "admin", None, "admin-password")
    for u in units:
        store.add_user(f"clerk-{u['id']}", "clerk", u["id"], "clerk-password")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(data), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    roster = yaml.safe_dump({"year": 2024, "units": units, "facts": []}, allow_unicode=True).encode()
    with httpx.Client(base_url=base, timeout=120) as admin:
        token = sign_in(admin, "admin", "admin-password")
        admin.post("/years", data={"csrf": token, "year": "2024"}, files={"roster": ("roster.yaml", roster)})
    policy = choose_policy(2024, None)
    latencies: list[float] = []
    failures: list[str] = []

    def clerk(unit: dict) -> None:
        ledger = write_template(policy, 2024, [unit])
        with httpx.Client(base_url=base, timeout=120) as client:
            token = sign_in(client, f"clerk-{unit['id']}", "clerk-password")
            for _ in range(rounds):
                started = time.perf_counter()
                response = client.post(f"/years/2024/units/{unit['id']}/submissions", data={"csrf": token},
                                       files={"workbook": (f"{unit['name']}.xlsx", ledger)})
                latencies.append(time.perf_counter() - started)
                if response.status_code != 303:
                    failures.append(f"{unit['id']}: {response.status_code}")

    started = time.perf_counter()
    threads = [threading.Thread(target=clerk, args=(u,)) for u in units]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    with httpx.Client(base_url=base, timeout=300) as admin:
        token = sign_in(admin, "admin", "admin-password")
        run_started = time.perf_counter()
        response = admin.post("/years/2024/run", data={"csrf": token})
        run = time.perf_counter() - run_started
    server.should_exit = True
    print(f"{len(units)} clerks × {rounds} uploads: {len(latencies)} uploads in {wall:.2f} s (incl. sign-in); "
          f"upload latency median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; "
          f"failures {len(failures)}; merged run {run * 1000:.0f} ms ({response.status_code})")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
