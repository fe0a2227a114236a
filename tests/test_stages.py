"""Stages of the result (初评 → 审查 → 审定): approval freezes a hashed snapshot; a later run that
would change an approved result is refused unless the change is approved as a new stage."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES


def evaluator(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evaluator", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def year(tmp_path) -> Path:
    for name in ("2024.yaml", "review-2024.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


def result(folder: Path, *args: str) -> dict:
    done = evaluator("run", "2024.yaml", "-f", "json", *args, cwd=folder)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_computed_result_is_a_draft_and_a_reviewed_one_is_at_review(year):
    assert result(year)["stage"] == {"name": "初评", "approved": False}
    assert result(year, "--review", "review-2024.yaml")["stage"] == {"name": "审查", "approved": False}


def test_approval_freezes_the_result_and_holds_later_runs_to_it(year):
    done = evaluator("approve", "2024.yaml", "--review", "review-2024.yaml", "--stage", "审定",
                     "--decision", "主任办公会议纪要〔2025〕2号", "--date", "2025-01-15", cwd=year)
    assert done.returncode == 0, done.stderr
    [snapshot] = sorted((year / "approvals").glob("2024-*.json"))
    frozen = json.loads(snapshot.read_text(encoding="utf-8"))
    assert frozen["stage"] == "审定" and frozen["review"]["sha256"] and frozen["facts"]["sha256"]
    assert result(year, "--review", "review-2024.yaml")["stage"] == {
        "name": "审定", "approved": True, "decision": "主任办公会议纪要〔2025〕2号", "date": "2025-01-15"}
    out = year / "r.json"
    refused = evaluator("run", "2024.yaml", "-f", "json", "-o", str(out), cwd=year)   # without the review: different totals
    assert refused.returncode == 1 and not out.exists()
    assert "已于 2025-01-15 审定" in refused.stderr and "信访室 总分 96.08 → 95.58" in refused.stderr
    # the change approved as a new stage is accepted from then on
    assert evaluator("approve", "2024.yaml", "--stage", "审定", "--decision", "主任办公会议纪要〔2025〕5号", cwd=year).returncode == 0
    assert result(year)["stage"]["decision"] == "主任办公会议纪要〔2025〕5号"


def test_a_snapshot_edited_by_hand_is_refused(year):
    assert evaluator("approve", "2024.yaml", "--stage", "审查", "--decision", "纪要3号", cwd=year).returncode == 0
    [snapshot] = (year / "approvals").glob("*.json")
    data = json.loads(snapshot.read_text(encoding="utf-8"))
    data["result"]["units"][0]["total"] = 99.99
    snapshot.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    done = evaluator("run", "2024.yaml", cwd=year)
    assert done.returncode == 1 and "哈希不符" in done.stderr and "Traceback" not in done.stderr


def test_an_approval_needs_a_known_stage_and_a_decision(year):
    done = evaluator("approve", "2024.yaml", "--stage", "通过", "--decision", "x", cwd=year)
    assert done.returncode == 1 and "审查、审定" in done.stderr
    done = evaluator("approve", "2024.yaml", "--stage", "审定", "--decision", " ", cwd=year)
    assert done.returncode == 1 and "--decision" in done.stderr
    assert not (year / "approvals").exists() or not list((year / "approvals").glob("*.json"))


def test_the_notice_of_an_approved_result_is_its_approved_version(year):
    import docx
    assert evaluator("approve", "2024.yaml", "--stage", "审定", "--decision", "主任办公会议纪要〔2025〕2号",
                     "--date", "2025-01-15", cwd=year).returncode == 0
    done = evaluator("notice", "2024.yaml", "-o", "通报.docx", cwd=year)
    assert done.returncode == 0, done.stderr
    text = "\n".join(p.text for p in docx.Document(str(year / "通报.docx")).paragraphs)
    assert "主任办公会议纪要〔2025〕2号" in text and "二〇二五年一月十五日" in text and "征求意见稿" not in text


def test_a_snapshots_name_reads_back_as_its_place_and_stage():
    from evaluator.domain.stages import snapshot_name, snapshot_place
    assert snapshot_name(2024, 1, "审定") == "2024-01-审定.json"
    assert snapshot_place(Path("approvals") / snapshot_name(2024, 12, "审查")) == (12, "审查")
    assert snapshot_place("notes.json") is None
