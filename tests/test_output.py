"""Reports are written atomically: a run killed midway leaves no report, whole or partial."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from conftest import EXAMPLES

KILL_WHILE_WRITING = textwrap.dedent("""
    import os, signal, sys
    def fsync_then_die(fd):
        os.kill(os.getpid(), signal.{sig})   # the report's bytes are on disk, not yet renamed into place
    os.fsync = fsync_then_die
    sys.argv = ["evaluator", "run", {facts!r}, "--format", "json", "--output", {out!r}]
    from evaluator.commands.cli import main
    main()
""")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGKILL"])
def test_a_run_killed_while_writing_leaves_no_report(tmp_path, sig):
    out = tmp_path / "result.json"
    script = KILL_WHILE_WRITING.format(sig=sig, facts=str(EXAMPLES / "2024.yaml"), out=str(out))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode != 0
    assert not out.exists()
    if sig == "SIGTERM":  # unwinds: the temporary file is removed too
        assert list(tmp_path.iterdir()) == []
    assert "Traceback" not in done.stderr


def test_a_finished_run_replaces_the_old_report_whole(tmp_path):
    out = tmp_path / "result.json"
    out.write_text("old", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(EXAMPLES / "2024.yaml"), "--format", "json",
                           "--output", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["run"]["policy_id"] == "method-2020" and len(data["run"]["facts_sha256"]) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


@pytest.mark.parametrize("where, words", [("folder", "是一个文件夹"), ("/proc/no-such/x.json", "无法写入")])
def test_an_output_that_cannot_be_written_is_a_chinese_usage_error_not_a_traceback(tmp_path, where, words):
    import os
    target = str(tmp_path) if where == "folder" else where
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(EXAMPLES / "2024.yaml"), "--format", "json",
                           "--output", target], capture_output=True, text=True, env={**os.environ, "EVALUATOR_LANG": "zh"})
    assert done.returncode != 0 and words in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert list(tmp_path.iterdir()) == []            # nothing left behind
