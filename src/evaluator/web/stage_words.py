"""What the workbench says when the year's approval snapshots refuse a result.

The domain (domain/stages.py) raises the facts as data; its own text is the command line's (a
snapshot's path, `evaluator approve …`). Staff never see the server's files or type commands, so
here the same facts are said in the workbench's terms: the 审定与通报 page and its 记录审定
button, and a snapshot by its place in that page's 已记录的阶段 table."""
from __future__ import annotations

from pathlib import Path

from evaluator.domain.stages import ApprovedResultChanged, SnapshotBroken, snapshot_place


def recorded_stage(path: str | Path) -> str:
    """A snapshot as the approval page lists it: 已记录的第 1 个阶段(审定)."""
    place = snapshot_place(path)
    return f"已记录的第 {place[0]} 个阶段({place[1]})" if place else "一个已记录的阶段"


def said(exc: Exception) -> str:
    """The refusal in the workbench's words; any other error as it is."""
    if isinstance(exc, ApprovedResultChanged):
        return (f"{exc.year} 年度结果已于 {exc.date} 审定({exc.decision});本次结果与审定稿不同:{exc.moved}。"
                "如确需变更,请领导在“审定与通报”页面用“记录审定”把本次结果审定为新的阶段")
    if isinstance(exc, SnapshotBroken):
        what = "内容与其校验码不符(被改动过)" if exc.edited else "无法读取"
        return f"{recorded_stage(exc.path)}的审定记录{what};请系统管理员恢复原记录"
    return str(exc)
