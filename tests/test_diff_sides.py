"""`evaluator diff` names the two sides it compares, the staff changes between two fact sets and the
units on one side only; checked against the two sides' own JSON results, not against the diff's words.

The older side is made here from examples/2024.yaml: 研究室 one person smaller, 信访室 not there,
档案室 there that the example does not have; it is scored under the shipped policy, and the
example under the 2025 draft, so that the two sides differ in year label and policy too.
"""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, POLICY, ROOT
from evaluator.domain.diff import diff, to_dict
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.domain.policy import load_policy
from evaluator.views.result import to_dict as result_dict

DRAFT = ROOT / "policies" / "method-2025-draft.yaml"
SMALLER = ("research", 4)
GONE = {"id": "archives", "name": "档案室", "staff": 3}   # only on the old side
APPEARS = "petitions"                                   # only on the new side


@pytest.fixture(scope="module")
def older(tmp_path_factory) -> Path:
    data = yaml.safe_load((EXAMPLES / "2024.yaml").read_text(encoding="utf-8"))
    data["units"] = [dict(u) for u in data["units"] if u["id"] != APPEARS] + [dict(GONE)]
    for unit in data["units"]:
        if unit["id"] == SMALLER[0]:
            unit["staff"] = SMALLER[1]
    data["facts"] = [f for f in data["facts"] if f["unit"] != APPEARS]
    path = tmp_path_factory.mktemp("older") / "older-2024.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sides(older):
    old = evaluate(load_factset(older), load_policy(POLICY))
    new = evaluate(load_factset(EXAMPLES / "2024.yaml"), load_policy(DRAFT))
    return old, new, diff(old, new)


def test_the_two_sides_are_named_with_their_year_and_policy(sides):
    old, new, d = sides
    data = to_dict(d)
    for side, ev in (("old", old), ("new", new)):
        assert data[side]["year"] == ev.factset.year and data[side]["policy"] == ev.policy.id
    said = data["comparing"]
    assert said.index(f"{old.factset.year} 年按《{old.policy.policy.title}》") < said.index(f"{new.factset.year} 年按《{new.policy.policy.title}》")
    assert old.policy.id not in said and new.policy.id not in said   # the Chinese names a policy by its title


def test_a_staff_change_is_named_with_what_it_alone_does_to_the_per_staff_sections(sides):
    old, new, d = sides
    old_units = {u["unit"]: u for u in result_dict(old, with_findings=False)["units"]}
    new_units = {u["unit"]: u for u in result_dict(new, with_findings=False)["units"]}
    changed = {u for u in set(old_units) & set(new_units) if old_units[u]["staff"] != new_units[u]["staff"]}
    assert changed == {SMALLER[0]}
    [change] = to_dict(d)["staff_changes"]
    unit = SMALLER[0]
    assert (change["unit"], change["old"], change["new"]) == (unit, old_units[unit]["staff"], new_units[unit]["staff"])
    per_staff = [sid for sid, s in new.policy.policy.sections.items() if s.per_staff]
    assert [e["section"] for e in change["sections"]] == per_staff and per_staff
    for e in change["sections"]:
        sid = e["section"]
        points = Decimal(str(new_units[unit][f"{sid}_points"]))
        places = Decimal(1).scaleb(-new.policy.policy.sections[sid].round_places)
        at_old = (points / change["old"]).quantize(places, rounding=ROUND_HALF_UP)
        assert Decimal(str(e["at_old_staff"])) == at_old
        assert Decimal(str(e["new"])) == Decimal(str(new_units[unit][f"{sid}_score"]))
        assert Decimal(str(e["old"])) == Decimal(str(old_units[unit][f"{sid}_score"]))
        assert Decimal(str(e["by_staff"])) == Decimal(str(e["new"])) - at_old != 0


def test_units_on_one_side_only_are_listed(sides):
    data = to_dict(sides[2])
    assert [u["unit"] for u in data["only_old"]] == [GONE["id"]]
    assert [u["unit"] for u in data["only_new"]] == [APPEARS]


def test_the_terminal_and_markdown_say_the_sides_staff_and_lone_units(older):
    old, new = load_factset(older), load_factset(EXAMPLES / "2024.yaml")
    base = [sys.executable, "-m", "evaluator", "diff", str(EXAMPLES / "2024.yaml"), "--policy", str(DRAFT),
            "--against-facts", str(older), "--against", str(POLICY)]
    env = {**os.environ, "COLUMNS": "200", "EVALUATOR_LANG": "zh"}
    names = {u.id: u.name for u in (*old.units.values(), *new.units.values())}
    for fmt in ("table", "markdown"):
        done = subprocess.run([*base, "--format", fmt], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        text = done.stdout
        titles = [load_policy(path).policy.title for path in (POLICY, DRAFT)]
        assert f"{old.year} 年按《{titles[0]}》与 {new.year} 年按《{titles[1]}》" in text, fmt
        assert f"事实:{older} → {EXAMPLES / '2024.yaml'}" in " ".join(text.split()), fmt   # the terminal may wrap it
        assert f"{names[SMALLER[0]]} 实际工作人员 {SMALLER[1]} → {new.units[SMALLER[0]].staff} 人" in text, fmt
        assert names[GONE["id"]] in text and names[APPEARS] in text, fmt
        assert "Traceback" not in done.stderr
