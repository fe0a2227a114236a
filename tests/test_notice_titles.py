"""Every kind of notice has a name in Chinese, declared beside its code by the module that says it:
the workbench's report heads its warnings by it (类别), so no reader meets a code."""
from __future__ import annotations

import re

from conftest import ROOT

import evaluator.domain.completeness as completeness
import evaluator.domain.factset  # noqa: F401  (each module declares its kinds' names on import)
import evaluator.inputs.amendment_workbook  # noqa: F401
import evaluator.inputs.ledger.merge  # noqa: F401
import evaluator.inputs.ledger.read  # noqa: F401
from evaluator.errors import Notice

SAID = re.compile(r'Notice\("([a-z-]+)"')


def test_every_kind_of_notice_the_evaluator_says_has_a_chinese_name():
    codes = {code for path in (ROOT / "src" / "evaluator").rglob("*.py") for code in SAID.findall(path.read_text(encoding="utf-8"))}
    codes |= set(completeness.CODES)
    assert len(codes) >= 19, codes
    unnamed = sorted(code for code in codes if not Notice(code, "").title)
    assert not unnamed, unnamed
    assert all(re.search(r"[\u4e00-\u9fff]", Notice(code, "").title) for code in codes)
