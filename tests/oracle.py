"""Reference scorer ("oracle") for differential tests.

Written straight from shared/spec/clauses.md, shared/spec/facts.md and the method text,
independently of the evaluator's YAML policy and rule engine.  Plain Python, one clause at
a time; the point values are written here on purpose, because the oracle must not share
the policy file it is checking.

    oracle_score(data) -> {
        "units": {unit_id: {"common_deductions", "common_score", "annual_missed",
                            "annual_score", "daily_points", "daily_score", "total",
                            "rank", "eligible"}},
        "clause_points": {(unit_id, clause_id): Decimal},
    }

`clause_points` holds the raw (unbounded) sum per unit and clause.  A (unit, clause) pair
is present when at least one rate of one fact gave it a nonzero amount (a credit or a
charge), even if the amounts cancel to 0 (e.g. +2 for a directors' meeting and -2 for two
errors).  Facts that earn nothing (a withheld second reading (R7), an excluded matter
(R8), a study visit without report, a speech draft of <= 1000 characters, 15 counted
leave days, a completed annual target) do not create a pair on their own.
Clause "4.2" holds -5 per missed annual target (raw, before the R2 bound).
"""
from collections import defaultdict
from decimal import Decimal, ROUND_HALF_UP

START_SCORE = Decimal("40")     # common (4.1) and annual (4.2) sections, R2


def D(x):
    """Any number as loaded from YAML/JSON (int, float, str, Decimal) -> exact Decimal (R6)."""
    if isinstance(x, bool):
        raise TypeError("boolean where a number was expected: %r" % (x,))
    return Decimal(str(x))


def flag(fact, name):
    """A boolean field; absent means false."""
    value = fact.get(name, False)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value)


def count_of(fact):
    """`count` on the per-item types; default 1."""
    return D(fact.get("count", 1))


def oracle_score(data):
    units = data.get("units") or []
    facts = data.get("facts") or []
    unit_ids = [u["id"] for u in units]
    known = set(unit_ids)

    clause_points = {}

    def add(unit, clause, points):
        points = D(points)
        if unit not in known:
            raise KeyError("fact names unknown unit %r" % (unit,))
        if points == 0:
            return
        key = (unit, clause)
        clause_points[key] = clause_points.get(key, Decimal(0)) + points

    leave_days = defaultdict(Decimal)        # (unit, person) -> counted leave days (R3)
    missed = defaultdict(int)                # unit -> annual targets not completed (4.2)
    ineligible = set()                       # units with a 4.1.3 / 4.1.5 finding (R5)

    # R7: which (unit, regulation) pairs have a first reading
    first_readings = set()
    for f in facts:
        if f["type"] == "regulation_draft" and f["stage"] == "first_reading":
            first_readings.add((f["unit"], f["regulation"]))

    for f in facts:
        t = f["type"]
        u = f["unit"]
        coordinators = list(f.get("coordinators") or [])

        # ---------------- 4.1 共性工作指标 ----------------
        if t == "study_absence":                                   # 4.1.1
            rate = {"personal_leave": Decimal("-0.2"), "unexcused": Decimal("-0.5")}[f["reason"]]
            add(u, "4.1.1", rate * count_of(f))

        elif t == "leave":                                         # 4.1.2, R3 (summed below)
            if f["kind"] in ("personal", "sick"):
                leave_days[(u, f["person"])] += D(f["days"])
            # vacation, hospitalization, special: not counted

        elif t == "absenteeism":                                   # 4.1.2, R4
            add(u, "4.1.2", -1 * D(f["days"]))

        elif t == "conduct_violation":                             # 4.1.3, R5
            add(u, "4.1.3", -3)
            ineligible.add(u)

        elif t == "party_activity_absence":                        # 4.1.4
            rate = {"personal_leave": Decimal("-0.2"), "unexcused": Decimal("-0.5")}[f["reason"]]
            add(u, "4.1.4", rate * count_of(f))

        elif t == "discipline_case":                               # 4.1.5, R5
            add(u, "4.1.5", -5)
            ineligible.add(u)

        # ---------------- 4.2 年度工作目标 ----------------
        elif t == "annual_target":                                 # 4.2, R2
            if not flag(f, "completed"):
                missed[u] += 1
                add(u, "4.2", -5)

        # ---------------- 4.3.1 依法履职 ----------------
        elif t == "regulation_draft":                              # 4.3.1.1, R7
            stage = f["stage"]
            if stage == "first_reading":
                add(u, "4.3.1.1", 10)
            elif stage == "second_reading":
                same_unit_first = (u, f["regulation"]) in first_readings
                if same_unit_first and not flag(f, "major_revision"):
                    pass                                           # withheld: 只作一次加分
                else:
                    add(u, "4.3.1.1", 10)
            elif stage == "submitted_to_congress":
                add(u, "4.3.1.1", 5)
            else:
                raise ValueError("unknown stage %r" % (stage,))

        elif t == "work_report":                                   # 4.3.1.2, R12
            add(u, "4.3.1.2", 5)
            if flag(f, "satisfaction_vote"):
                add(u, "4.3.1.2", 2)
            if flag(f, "special_inquiry"):
                add(u, "4.3.1.2", 8)
            add(u, "4.3.1.2", -len(f.get("missing_steps") or []))

        elif t == "major_decision":                                # 4.3.1.3, R8
            if f["matter"] == "general":
                add(u, "4.3.1.3", 5)
            # budget_adjustment, recall, removal, coercive_measure: 不在此列

        elif t == "enforcement_inspection":                        # 4.3.1.4, R12
            add(u, "4.3.1.4", 5)
            add(u, "4.3.1.4", -len(f.get("missing_steps") or []))

        elif t == "enforcement_research":                          # 4.3.1.5, R12
            add(u, "4.3.1.5", 3)
            add(u, "4.3.1.5", -len(f.get("missing_steps") or []))

        elif t == "thematic_research":                             # 4.3.1.6, R12
            add(u, "4.3.1.6", 2)
            add(u, "4.3.1.6", -len(f.get("missing_steps") or []))

        elif t == "deputy_inspection":                             # 4.3.1.7
            add(u, "4.3.1.7", 5)
            for c in coordinators:
                add(c, "4.3.1.7", 2)

        elif t == "personnel_matter":                              # 4.3.1.8 (all kinds, R8)
            add(u, "4.3.1.8", 1 * count_of(f))

        elif t == "other_submission":                              # 4.3.1.9
            rate = {"work_briefing": 2, "list_or_report": 1}[f["kind"]]
            add(u, "4.3.1.9", rate * count_of(f))

        # ---------------- 4.3.2 会议、学习活动 ----------------
        elif t == "standing_committee_session":                    # 4.3.2.1, R9, R12
            add(u, "4.3.2.1", 5 if D(f["days"]) >= 1 else 3)
            add(u, "4.3.2.1", -D(f.get("errors", 0)))

        elif t == "directors_meeting":                             # 4.3.2.2, R12
            add(u, "4.3.2.2", 2 * count_of(f))
            add(u, "4.3.2.2", -D(f.get("errors", 0)))              # errors not multiplied by count

        elif t == "party_group_meeting":                           # 4.3.2.3
            add(u, "4.3.2.3", 1 * count_of(f))

        elif t == "citywide_meeting":                              # 4.3.2.4, R9, R12
            long_meeting = D(f["days"]) >= 1
            add(u, "4.3.2.4", 2)
            if long_meeting:
                add(u, "4.3.2.4", 1)
            for c in coordinators:
                add(c, "4.3.2.4", 1)
                if long_meeting:
                    add(c, "4.3.2.4", 1)
            add(u, "4.3.2.4", -D(f.get("errors", 0)))              # organizer only

        elif t == "training_program":                              # 4.3.2.5, R10
            upper = D(f["participants"]) >= 60 and D(f["days"]) >= 5
            add(u, "4.3.2.5", 5 if upper else 3)

        elif t == "deputy_training":                               # 4.3.2.6, R10
            upper = D(f["participants"]) >= 100 and D(f["days"]) >= 2
            add(u, "4.3.2.6", 5 if upper else 3)
            for c in coordinators:
                add(c, "4.3.2.6", 2 if upper else 1)

        elif t == "lecture":                                       # 4.3.2.7
            add(u, "4.3.2.7", 2 * count_of(f))

        elif t == "study_visit":                                   # 4.3.2.8
            if flag(f, "report_written"):
                add(u, "4.3.2.8", 2)

        # ---------------- 4.3.3 接待服务 ----------------
        elif t == "hosted_visit":
            if f["level"] == "senior":                             # 4.3.3.1
                add(u, "4.3.3.1", 3)
                for c in coordinators:
                    add(c, "4.3.3.1", 1)
            elif f["level"] == "peer":                             # 4.3.3.2
                add(u, "4.3.3.2", 1)
                for c in coordinators:
                    add(c, "4.3.3.2", Decimal("0.5"))
            else:
                raise ValueError("unknown level %r" % (f["level"],))

        # ---------------- 4.3.4 其他工作 ----------------
        elif t == "leading_group_membership":                      # 4.3.4.1
            add(u, "4.3.4.1", 5)

        elif t == "congress_session_service":                      # 4.3.4.2
            add(u, "4.3.4.2", 1 * D(f["person_times"]))

        elif t == "normative_document":                            # 4.3.4.3
            n = count_of(f)
            add(u, "4.3.4.3", Decimal("0.2") * n)                  # registering unit
            reviewer = f.get("reviewed_by")
            if reviewer:
                add(reviewer, "4.3.4.3", 1 * n)
                if flag(f, "corrected"):
                    add(reviewer, "4.3.4.3", 1 * n)

        elif t == "petition":                                      # 4.3.4.4
            n = count_of(f)
            rate = {"letter": Decimal("0.1"), "visit": Decimal("0.2")}[f["kind"]]
            add(u, "4.3.4.4", rate * n)
            if flag(f, "resolved"):
                add(u, "4.3.4.4", 2 * n)

        elif t == "annual_duty":                                   # 4.3.4.5-4.3.4.7, R13
            clause = {"documents": "4.3.4.5", "personnel": "4.3.4.6", "finance": "4.3.4.7"}[f["duty"]]
            add(u, clause, 5)
            add(u, clause, -D(f.get("errors", 0)))

        elif t == "information_item":                              # 4.3.4.8, R14
            add(u, "4.3.4.8", Decimal("0.5") * count_of(f))

        elif t == "late_activity_information":                     # 4.3.4.8, R14
            add(u, "4.3.4.8", Decimal("-0.5") * count_of(f))

        elif t == "journal_issue":                                 # 4.3.4.9
            add(u, "4.3.4.9", 5 * count_of(f))

        elif t == "publication":                                   # 4.3.4.10
            rate = {"national": Decimal("3"), "provincial": Decimal("2"),
                    "municipal": Decimal("1"), "news": Decimal("0.5")}[f["level"]]
            add(u, "4.3.4.10", rate * count_of(f))

        elif t == "speech_draft":                                  # 4.3.4.11, R11
            chars = D(f["characters"])
            if chars <= 1000:
                pass                                               # 1000 字以内不予加分
            elif chars < 2500:
                add(u, "4.3.4.11", 1)
            else:
                add(u, "4.3.4.11", 2)

        # ---------------- 4.3.5 工作创新 ----------------
        elif t == "rule_making":
            if f["scope"] == "standing_committee":                 # 4.3.5.1
                add(u, "4.3.5.1", {"new": 5, "revision": 3}[f["kind"]])
            elif f["scope"] == "organs":                           # 4.3.5.2
                add(u, "4.3.5.2", {"new": 3, "revision": 2}[f["kind"]])
            else:
                raise ValueError("unknown scope %r" % (f["scope"],))

        elif t == "innovation_award":                              # 4.3.5.3, R15
            add(u, "4.3.5.3", D(f["points"]))

        else:
            raise ValueError("unknown fact type %r" % (t,))

    # 4.1.2, R3: per (unit, person), 0.5 per counted day over 15
    for (u, person), days in sorted(leave_days.items()):
        if days > 15:
            add(u, "4.1.2", Decimal("-0.5") * (days - 15))

    # ---------------- per unit: sections, R2, R6 ----------------
    result_units = {}
    for unit in units:
        uid = unit["id"]
        staff = D(unit["staff"])                                   # R16
        common_deductions = sum((p for (cu, c), p in clause_points.items()
                                 if cu == uid and c.startswith("4.1.")), Decimal(0))
        common_score = max(Decimal(0), START_SCORE + common_deductions)
        annual_missed = missed[uid]
        annual_score = max(Decimal(0), START_SCORE - 5 * annual_missed)
        daily_points = sum((p for (cu, c), p in clause_points.items()
                            if cu == uid and c.startswith("4.3.")), Decimal(0))
        daily_score = (daily_points / staff).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        result_units[uid] = {
            "common_deductions": common_deductions,
            "common_score": common_score,
            "annual_missed": annual_missed,
            "annual_score": annual_score,
            "daily_points": daily_points,
            "daily_score": daily_score,
            "total": common_score + annual_score + daily_score,
            "rank": None,
            "eligible": uid not in ineligible,
        }

    # R17: competition ranking (1, 2, 2, 4); ineligible units are ranked too (R5)
    for uid, r in result_units.items():
        higher = sum(1 for other in result_units.values() if other["total"] > r["total"])
        r["rank"] = 1 + higher

    return {"units": result_units, "clause_points": clause_points}
