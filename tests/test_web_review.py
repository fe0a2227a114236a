"""The review process through Starlette's TestClient: a clerk appeals a finding; the working group
drills down, asks why not, answers the appeal and adjusts (checked exactly as a review file is);
the reviewed run shows what moved; a leader approves it and downloads the notice."""
from __future__ import annotations

import io
import re
import warnings
from decimal import Decimal
from html import unescape

import pytest
from docx import Document

warnings.filterwarnings("ignore", message=".*httpx2.*")
from starlette.testclient import TestClient  # noqa: E402

from evaluator.domain.policy.registry import choose_policy  # noqa: E402
from evaluator.domain.stages import snapshots  # noqa: E402
from evaluator.web.app import create_app  # noqa: E402
from web.workbench import create_year, good_ledger, sign_in, upload, users  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
LEAVE_DAYS = 17                                     # good_ledger's one leave (tests/web/workbench.py)


@pytest.fixture
def year(tmp_path):
    """2024 with office's and legal's ledgers; signed-in clients of each role."""
    users(tmp_path / "data")
    app = create_app(tmp_path / "data")
    clients = {}
    for name in ("admin", "clerk", "legalclerk", "reviewer", "leader"):
        client = TestClient(app)
        clients[name] = (client, sign_in(client, name))
    admin, token = clients["admin"]
    assert create_year(admin, token).status_code == 303
    assert upload(*clients["clerk"], good_ledger("office", "张三"), name="办公厅台账.xlsx").status_code == 303
    assert upload(*clients["legalclerk"], good_ledger("legal", "李四机密"), unit="legal", name="法工委台账.xlsx").status_code == 303
    return app, clients


def options(html: str, name: str) -> list[tuple[str, str]]:
    """(value, text) of the options of the <select name=...> on the page."""
    select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    assert select, name
    return [(unescape(v), unescape(re.sub(r"<[^>]+>", "", t)).strip())
            for v, t in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S)]


def leave_deduction() -> Decimal:
    """What the method deducts for good_ledger's leave, from the policy's own parameters."""
    policy = choose_policy(2024, None)
    clause = next(c for c in policy.clauses.values() if "leave_limit" in c.parameters)
    return (LEAVE_DAYS - clause.parameters["leave_limit"].value) * clause.parameters["leave_rate"].value


def office_fact(reviewer) -> str:
    page = reviewer.get("/years/2024/review/adjustments").text
    facts = [v for v, t in options(page, "fact") if "办公厅" in t and "张三" in t]
    assert len(facts) == 1, options(page, "fact")
    return facts[0]


def test_a_clerk_files_an_appeal_on_a_finding_and_sees_it_answered(year):
    app, clients = year
    clerk, token = clients["clerk"]
    page = clerk.get("/years/2024/units/office/appeals").text
    findings = [(v, t) for v, t in options(page, "finding") if v]
    assert len(findings) == 1 and "张三" in findings[0][1]
    assert "李四机密" not in page
    assert clerk.post("/years/2024/units/office/appeals", data={"csrf": token, "finding": findings[0][0], "text": ""}).status_code == 400
    response = clerk.post("/years/2024/units/office/appeals",
                          data={"csrf": token, "finding": findings[0][0], "text": "张三系陪护住院家属,属特殊情况"}, follow_redirects=False)
    assert response.status_code == 303
    mine = clerk.get(response.headers["location"]).text
    assert "张三系陪护住院家属" in mine and "待定" in mine and "已提出申诉" in mine
    (appeal,) = app.state.store.appeals(2024)
    assert appeal["unit"] == "office" and appeal["fact"] == findings[0][0].split("|")[2] and appeal["filed_by"] == "clerk"
    assert any(e["what"] == "提出申诉" and e["who"] == "clerk" for e in app.state.store.audit_log())
    # an appeal on a clause without a finding
    assert clerk.post("/years/2024/units/office/appeals", data={"csrf": token, "clause": "4.3.5.3", "text": "漏计创新奖"},
                      follow_redirects=False).status_code == 303
    assert clerk.post("/years/2024/units/office/appeals", data={"csrf": token, "clause": "9.9", "text": "x"}).status_code == 400
    # the other unit's clerk sees none of it
    legal, _ = clients["legalclerk"]
    assert "张三系陪护" not in legal.get("/years/2024/units/legal/appeals").text
    assert legal.get("/years/2024/units/office/appeals").status_code == 403


def test_the_reviewer_drills_down_to_the_clause_rule_arithmetic_and_source_row(year):
    _, clients = year
    reviewer, _ = clients["reviewer"]
    home = reviewer.get("/years/2024/review")
    assert home.status_code == 200 and "/years/2024/review/units/office" in home.text
    unit = reviewer.get("/years/2024/review/units/office").text
    assert "4.1.2 日常管理" in unit and "全年请假累计超过限额" in unit
    assert "办公厅:办公厅台账.xlsx 请假!2" in unit                 # the source row as the clerk knows the file
    deduction = leave_deduction()
    assert f"= {str(deduction.normalize()).replace('-', '−')}" in unit     # rate × quantity = points
    assert "leave-over-limit" not in unit and "person_leave" not in unit   # no internal codes in Chinese pages
    why = reviewer.get("/years/2024/review/why-not", params={"unit": "office", "clause": "4.1.2"}).text
    assert f"计入请假天数 {LEAVE_DAYS}" in why and "办法原文" in why and "办公厅台账.xlsx 请假!2" in why
    assert reviewer.get("/years/2024/review/why-not", params={"unit": "nobody", "clause": "4.1.2"}).status_code == 400
    coverage = reviewer.get("/years/2024/review/coverage").text
    row = re.search(r"<tr><td>4\.1\.2</td>(.*?)</tr>", coverage, re.S).group(1)
    assert "办公厅" in row and "法制工作委员会" in row


def test_an_adjustment_is_checked_as_a_review_file_is_and_the_reviewed_run_shows_what_moved(year):
    app, clients = year
    store = app.state.store
    clerk, ctoken = clients["clerk"]
    finding = [v for v, _ in options(clerk.get("/years/2024/units/office/appeals").text, "finding") if v][0]
    clerk.post("/years/2024/units/office/appeals", data={"csrf": ctoken, "finding": finding, "text": "属特殊情况"})
    admin, atoken = clients["admin"]
    assert admin.post("/years/2024/run", data={"csrf": atoken}).status_code == 200   # the plain run, before review
    before = {u["unit"]: Decimal(u["total"]) for u in store.latest_run(2024)["summary"]["units"]}

    reviewer, token = clients["reviewer"]
    fact = office_fact(reviewer)
    bad = reviewer.post("/years/2024/review/adjustments", data={"csrf": token, "action": "set", "fact": fact, "changes": "类别:年假",
                                                                 "reason": "核实", "decision": "考核工作组纪要〔2025〕1号"})
    assert bad.status_code == 422 and 'id="review-problems"' in bad.text and "本次调整" in bad.text
    unknown = reviewer.post("/years/2024/review/adjustments", data={"csrf": token, "action": "set", "fact": fact, "changes": "颜色:红",
                                                                     "reason": "核实", "decision": "纪要"})
    assert unknown.status_code == 422 and "颜色" in unknown.text
    no_reason = reviewer.post("/years/2024/review/adjustments", data={"csrf": token, "action": "strike", "fact": fact, "reason": "",
                                                                       "decision": "纪要"})
    assert no_reason.status_code == 422 and "原因" in no_reason.text
    assert store.adjustments(2024) == []

    good = reviewer.post("/years/2024/review/adjustments", data={"csrf": token, "action": "set", "fact": fact, "changes": "类别:特殊情况",
                                                                  "reason": "经核实属特殊情况", "decision": "考核工作组纪要〔2025〕1号"},
                         follow_redirects=False)
    assert good.status_code == 303
    (adjustment,) = store.adjustments(2024)
    assert adjustment["changes"] == [["类别", "特殊情况"]] and adjustment["created_by"] == "reviewer"

    (appeal,) = store.appeals(2024)
    answer = f"/years/2024/review/appeals/{appeal['id']}"
    refused = reviewer.post(answer, data={"csrf": token, "answer": "upheld", "reason": "属实", "decision": "纪要1号", "adjustment": ""})
    assert refused.status_code == 422 and store.appeal(2024, appeal["id"])["answer"] == "pending"
    assert reviewer.post(answer, data={"csrf": token, "answer": "upheld", "reason": "属实", "decision": "纪要1号",
                                       "adjustment": str(adjustment["id"])}, follow_redirects=False).status_code == 303
    assert store.appeal(2024, appeal["id"])["answer"] == "upheld"
    assert "支持" in clerk.get("/years/2024/units/office/appeals").text     # the clerk sees the answer
    # an adjustment an upheld appeal rests on cannot be withdrawn
    assert reviewer.post(f"/years/2024/review/adjustments/{adjustment['id']}/withdraw", data={"csrf": token}).status_code == 422

    run = reviewer.post("/years/2024/review/run", data={"csrf": token}, follow_redirects=False)
    assert run.status_code == 303 and run.headers["location"] == "/years/2024/review/result"
    result = reviewer.get("/years/2024/review/result").text
    recorded = store.latest_reviewed_run(2024)
    assert recorded["adjustments"] == [adjustment["id"]] and recorded["appeals"] == [appeal["id"]]
    after = {u["unit"]: Decimal(u["total"]) for u in recorded["summary"]["units"]}
    assert after["office"] == before["office"] - leave_deduction() and after["legal"] == before["legal"]
    changed = re.search(r'<table id="changed-findings">.*?</table>', result, re.S).group(0)
    assert changed.count("<tr>") == 2 and "办公厅" in changed and "法制工作委员会" not in changed    # header + the one change
    assert f"调整{adjustment['id']}" in changed
    assert any(e["what"] == "审查评分" and f"调整{adjustment['id']}" in e["detail"] for e in store.audit_log())
    # the reviewed run is the year's latest run: its reports are the reviewed ones
    assert store.latest_run(2024)["id"] == recorded["id"]
    # ... and its HTML report names the review in words, not the server's scratch copy of it
    from evaluator.web.reviews import REVIEW_FILE
    report = reviewer.get("/years/2024/reports/html").content.decode("utf-8")
    assert '<section id="review">' in report and "考核工作组在工作台录入的审查调整" in report
    assert str(store.data) not in report and REVIEW_FILE not in report


def test_the_leader_approves_the_reviewed_result_and_downloads_the_notice(year, tmp_path):
    app, clients = year
    store = app.state.store
    reviewer, token = clients["reviewer"]
    fact = office_fact(reviewer)
    reviewer.post("/years/2024/review/adjustments", data={"csrf": token, "action": "strike", "fact": fact, "reason": "重复报送",
                                                           "decision": "考核工作组纪要〔2025〕1号"})
    leader, ltoken = clients["leader"]
    assert "还没有审查评分" in leader.get("/years/2024/approval").text
    assert reviewer.post("/years/2024/review/run", data={"csrf": token}, follow_redirects=False).status_code == 303

    page = leader.get("/years/2024/approval").text
    assert "尚未审定" in page and 'id="approve"' in page
    draft = leader.get("/years/2024/notice")
    assert draft.status_code == 200 and draft.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "征求意见稿" in "\n".join(p.text for p in Document(io.BytesIO(draft.content)).paragraphs)

    # reviewers and clerks may not approve
    assert reviewer.post("/years/2024/approval", data={"csrf": token, "stage": "审定", "decision": "x", "date": "2025-01-15"}).status_code == 403
    clerk, ctoken = clients["clerk"]
    assert clerk.post("/years/2024/approval", data={"csrf": ctoken, "stage": "审定", "decision": "x", "date": "2025-01-15"}).status_code == 403
    assert clerk.get("/years/2024/approval").status_code == 403 and clerk.get("/years/2024/notice").status_code == 403
    # a bad date, an empty decision: said, nothing approved
    assert leader.post("/years/2024/approval", data={"csrf": ltoken, "stage": "审定", "decision": "纪要", "date": "明天"}).status_code == 400
    empty = leader.post("/years/2024/approval", data={"csrf": ltoken, "stage": "审定", "decision": " ", "date": "2025-01-15"})
    assert empty.status_code == 400 and "决定文号" in empty.text and "--decision" not in empty.text
    assert snapshots(store.data / "approvals", 2024) == []

    decision = "主任办公会议纪要〔2025〕2号"
    approved = leader.post("/years/2024/approval", data={"csrf": ltoken, "stage": "审定", "decision": decision, "date": "2025-01-15"},
                           follow_redirects=False)
    assert approved.status_code == 303
    (snapshot,) = snapshots(store.data / "approvals", 2024)
    assert snapshot["stage"] == "审定" and snapshot["decision"] == decision and snapshot["review"] is not None
    assert {u["unit"]: Decimal(str(u["total"])) for u in snapshot["result"]["units"]} == \
        {u["unit"]: Decimal(u["total"]) for u in store.latest_reviewed_run(2024)["summary"]["units"]}
    page = leader.get("/years/2024/approval").text
    assert "审定稿" in page and decision in page
    notice = leader.get("/years/2024/notice")
    text = "\n".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
    assert "征求意见稿" not in text and "审定" in text and "2025" in text
    assert any(e["what"] == "审定" and e["who"] == "leader" and decision in e["detail"] for e in store.audit_log())

    # a later change to the result is kept, but said to differ from the approved one until approved anew
    reviewer.post(f"/years/2024/review/adjustments/{store.adjustments(2024)[0]['id']}/withdraw", data={"csrf": token})
    reviewer.post("/years/2024/review/run", data={"csrf": token})
    again = leader.get("/years/2024/approval").text
    assert "与审定稿不同" in again
    # ... in the workbench's terms: the page and button to use, never the server's files or a command
    assert "“审定与通报”页面" in again and "记录审定" in again
    for hidden in (str(store.data), "approvals/", ".json", "evaluator approve", "--stage", "--decision"):
        assert hidden not in unescape(again), hidden
    assert any("已记录的第 1 个阶段(审定)" in e["detail"] for e in store.audit_log())
    assert not any(".json" in e["detail"] for e in store.audit_log())


def test_an_edited_approval_record_is_said_by_its_place_on_the_page_not_its_file(year):
    """A snapshot changed on the server's disk: the approval page names it as its table lists it."""
    app, clients = year
    store = app.state.store
    reviewer, token = clients["reviewer"]
    leader, ltoken = clients["leader"]
    assert reviewer.post("/years/2024/review/run", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert leader.post("/years/2024/approval", data={"csrf": ltoken, "stage": "审查", "decision": "纪要", "date": "2025-01-15"},
                       follow_redirects=False).status_code == 303
    (path,) = (store.data / "approvals").glob("2024-*.json")
    path.write_text(path.read_text(encoding="utf-8").replace("纪要", "改过的纪要"), encoding="utf-8")
    page = leader.get("/years/2024/approval")
    assert page.status_code == 409
    text = unescape(page.text)
    assert "已记录的第 1 个阶段(审查)的审定记录内容与其校验码不符" in text
    assert str(store.data) not in text and path.name not in text


def test_a_run_that_cannot_be_made_again_is_said_not_a_traceback(year):
    """The year's roster replaced after the reviewed run (a unit dropped): approval and the notice say why."""
    import yaml
    from web.workbench import UNITS
    _, clients = year
    reviewer, token = clients["reviewer"]
    assert reviewer.post("/years/2024/review/run", data={"csrf": token}, follow_redirects=False).status_code == 303
    admin, atoken = clients["admin"]
    smaller = yaml.safe_dump({"year": 2024, "units": [{"id": i, "name": n, "staff": s} for i, n, s in UNITS if i != "legal"],
                              "facts": []}, allow_unicode=True).encode("utf-8")
    assert create_year(admin, atoken, smaller).status_code == 303
    leader, ltoken = clients["leader"]
    page = leader.get("/years/2024/approval")
    assert page.status_code == 409 and "名册已更新" in page.text and "Traceback" not in page.text
    assert leader.get("/years/2024/notice").status_code == 409
    refused = leader.post("/years/2024/approval", data={"csrf": ltoken, "stage": "审定", "decision": "纪要", "date": "2025-01-15"})
    assert refused.status_code == 409 and "名册已更新" in refused.text
    assert snapshots(clients["leader"][0].app.state.store.data / "approvals", 2024) == []
