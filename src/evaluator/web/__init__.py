"""The workbench (`evaluator serve`): a local web app, in Chinese, for the office's people who
never open a terminal — the admin sets up the year, each unit's clerk uploads the unit's ledger
and sees its problems or its provisional score, the working group runs the merged year.

Server-rendered pages (Starlette + Jinja2), no CDN, no build step; SQLite and the uploaded
files, content-addressed by sha256, under the `--data` directory (store.py)."""
from __future__ import annotations

ROLES = {"admin": "管理员", "clerk": "填报员", "reviewer": "考核工作组", "leader": "领导"}
