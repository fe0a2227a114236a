"""Fuzzing the fact-set reader: broken input gives a clean error, never a crash or a hang.

The shipped examples are mutated at random (lines deleted, duplicated, swapped, re-indented,
values replaced by hostile tokens, keys and type names renamed, bytes flipped, the file cut
short). Each mutated file must either be scored, or be refused with an `EvaluatorError` whose
every problem names the file and says what is wrong. Anything else (another exception, an
engine error on a file that passed validation, more than a few seconds) is a failure.

    FUZZ_CASES      number of mutated files (default 1500)
    FUZZ_SEED       seed of the mutations (default 2024); case i uses Random(f"{seed}/{i}")
    FUZZ_CLI_CASES  how many of them also go through `evaluator run` (default 12)
"""
from __future__ import annotations

import difflib
import json
import os
import random
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.errors import EvaluatorError, FactSetError, InputError
from evaluator.views.result import to_json

# These tests check the English wording (--lang en); Chinese is the default (test_chinese_input.py).
from conftest import ENGLISH_ENV  # noqa: E402
pytestmark = pytest.mark.usefixtures("english")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# The installed console script beside this interpreter (the venv's), else the module: it always runs.
_SCRIPT = Path(sys.executable).with_name("evaluator")
CLI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "evaluator"]
CASES = int(os.environ.get("FUZZ_CASES", "1500"))
SEED = os.environ.get("FUZZ_SEED", "2024")
CLI_CASES = int(os.environ.get("FUZZ_CLI_CASES", "12"))
TIME_LIMIT = 5  # seconds per case

TOKENS = ["", "-1", "0", "null", "[]", "{}", '!!python/object/apply:os.system ["echo hi"]', "yes", "1e999",
          "&a [*a, *a]", "ä", "0.3", '"x"', "~", ".inf", "-.nan", "1.5e+300", "99999999999999999999999",
          "2024-02-30", "0x1F", "[u1, u2]", "*undefined", "!!binary aGk=", "'", "{a: [", "\t", "\u200b",
          "9.5", "true", "@", "|"]
KEYS = ["id", "type", "unit", "person", "kind", "days", "date", "note", "count", "title", "completed",
        "regulation", "stage", "major_revision", "coordinators", "reviewed_by", "corrected", "errors",
        "participants", "missing_steps", "points", "decision", "characters", "year", "units", "facts",
        "policy", "staff", "name", "<<", "Id", "typ", "unit_id", "днів", "天数"]
NUMBERS = ["0.5", "1", "2", "14.5", "15", "15.5", "59", "60", "99", "100", "366", "366.5", "999", "1000", "1001",
           "2499", "2500", "1000000", "1000001", "12345678901234567.5", "1.0e+3", "5.0e-1", "0.25", "-0.5",
           "9223372036854775808", "+3", "0o17", "1_000"]
TYPES = ["leave", "leaev", "study_absence", "regulation_draft", "normative_document", "annual_target",
         "innovation_award", "petition", "citywide_meeting", "hosted_visit", "person_leave", "Leave",
         "work_report", "speech_draft", "unknown", ""]


def examples() -> dict[str, str]:
    return {name: (EXAMPLES / name).read_text(encoding="utf-8") for name in ("small-2024.yaml", "2024.yaml")}


# --- mutations -------------------------------------------------------------------------------------
def _line(rng: random.Random, lines: list[str], want: str | None = None) -> int | None:
    if not lines:
        return None
    if want:
        candidates = [i for i, line in enumerate(lines) if want in line]
        if candidates:
            return rng.choice(candidates)
    return rng.randrange(len(lines))


def _split(line: str) -> tuple[str, str, str] | None:
    """indent + key part, ': ', value of a `key: value` line (a list item's dash included)."""
    head, sep, value = line.partition(": ")
    if not sep:
        if line.rstrip().endswith(":"):
            return line.rstrip()[:-1], ":", ""
        return None
    return head, sep, value


def delete_line(rng, lines):
    i = _line(rng, lines)
    if i is not None:
        del lines[i]


def duplicate_line(rng, lines):
    i = _line(rng, lines)
    if i is not None:
        lines.insert(i, lines[i])


def swap_lines(rng, lines):
    if len(lines) > 1:
        i = _line(rng, lines)
        j = min(len(lines) - 1, max(0, i + rng.randint(-6, 6))) if rng.random() < 0.7 else _line(rng, lines)
        lines[i], lines[j] = lines[j], lines[i]


def replace_value(rng, lines):
    i = _line(rng, lines, ": ")
    parts = _split(lines[i]) if i is not None else None
    if parts:
        head, _, _ = parts
        lines[i] = f"{head}: {rng.choice(TOKENS)}".rstrip() if rng.random() < 0.9 else f"{head}:{rng.choice(TOKENS)}"


def reindent(rng, lines):
    i = _line(rng, lines)
    if i is not None:
        stripped = lines[i].lstrip(" ")
        depth = len(lines[i]) - len(stripped)
        lines[i] = " " * max(0, depth + rng.choice([-4, -2, -1, 1, 2, 4])) + stripped


def rename_key(rng, lines):
    i = _line(rng, lines, ":")
    parts = _split(lines[i]) if i is not None else None
    if parts:
        head, sep, value = parts
        prefix = head[: len(head) - len(head.lstrip(" -"))]
        key = rng.choice(KEYS) if rng.random() < 0.8 else head.lstrip(" -")[::-1]
        lines[i] = f"{prefix}{key}{sep}{value}" if sep == ": " else f"{prefix}{key}:"


def change_type(rng, lines):
    i = _line(rng, lines, "type: ")
    if i is not None and "type: " in lines[i]:
        head = lines[i].split("type: ")[0]
        lines[i] = f"{head}type: {rng.choice(TYPES)}"


def tweak_number(rng, lines):
    """A number replaced by another, often still valid: such files reach the scoring."""
    numeric = [i for i, line in enumerate(lines) if (p := _split(line)) and p[2].strip().replace(".", "", 1).isdigit()]
    if numeric:
        i = rng.choice(numeric)
        head, _, _ = _split(lines[i])
        lines[i] = f"{head}: {rng.choice(NUMBERS)}"


def _fact_blocks(lines: list[str]) -> list[tuple[int, int]]:
    starts = [i for i, line in enumerate(lines) if line.startswith("  - id: ")]
    facts_at = next((i for i, line in enumerate(lines) if line.startswith("facts:")), None)
    starts = [i for i in starts if facts_at is not None and i > facts_at]
    return [(a, b) for a, b in zip(starts, starts[1:] + [len(lines)])]


def clone_fact(rng, lines):
    """A fact copied with a fresh id (and maybe another unit): valid, scored once more."""
    blocks = _fact_blocks(lines)
    if blocks:
        a, b = rng.choice(blocks)
        block = list(lines[a:b])
        block[0] = f"  - id: CLONE-{rng.randrange(10**6)}"
        at = rng.choice(blocks)[0]
        lines[at:at] = block


def drop_fact(rng, lines):
    blocks = _fact_blocks(lines)
    if blocks:
        a, b = rng.choice(blocks)
        del lines[a:b]


def swap_facts(rng, lines):
    blocks = _fact_blocks(lines)
    if len(blocks) > 1:
        (a, b), (c, d) = sorted(rng.sample(blocks, 2))
        lines[a:d] = lines[c:d] + lines[b:c] + lines[a:b]


def add_hostile_line(rng, lines):
    i = _line(rng, lines)
    if i is not None:
        indent = lines[i][: len(lines[i]) - len(lines[i].lstrip(" "))]
        lines.insert(i + 1, f"{indent}{rng.choice(KEYS)}: {rng.choice(TOKENS)}")


LINE_MUTATIONS = [delete_line, duplicate_line, swap_lines, replace_value, reindent, rename_key, change_type,
                  add_hostile_line, tweak_number, tweak_number, clone_fact, drop_fact, swap_facts]


def mutate(text: str, rng: random.Random) -> tuple[bytes, list[str]]:
    """A mutated copy of `text` (as bytes: a flipped bit may leave invalid UTF-8), and what was done."""
    lines = text.split("\n")
    done = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 5])):
        mutation = rng.choice(LINE_MUTATIONS)
        mutation(rng, lines)
        done.append(mutation.__name__)
    data = "\n".join(lines).encode("utf-8")
    if rng.random() < 0.12 and data:
        i = rng.randrange(len(data))
        data = data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
        done.append(f"flip_byte@{i}")
    if rng.random() < 0.08 and data:
        cut = rng.randrange(len(data))
        data = data[:cut]
        done.append(f"truncate@{cut}")
    return data, done


# --- running one case ------------------------------------------------------------------------------
class Hang(BaseException):
    """Raised by SIGALRM; a BaseException so that no `except Exception` in the code swallows it."""


@contextmanager
def time_limit(seconds: int):
    def on_alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def outcome(path: Path, policy) -> tuple[str, str | None]:
    """('ok' | 'refused', None) when the case behaves; ('bad', why) otherwise."""
    try:
        with time_limit(TIME_LIMIT):
            try:
                factset = load_factset(path)
            except InputError as exc:
                return "refused", _check_problems(exc, path)
            try:
                ev = evaluate(factset, policy)
                json.loads(to_json(ev))
            except EvaluatorError as exc:
                return "bad", f"the fact set passed validation, then evaluation failed: {type(exc).__name__}: {exc}"
            return "ok", None
    except Hang as exc:
        return "bad", f"hang: {exc}"
    except Exception as exc:  # noqa: BLE001 - exactly what the test looks for
        import traceback
        return "bad", "".join(traceback.format_exception(exc))[-3000:]


def _check_problems(exc: InputError, path: Path) -> str | None:
    if not exc.problems:
        return f"{type(exc).__name__} without problems: {exc}"
    for p in exc.problems:
        if p.file != str(path):
            return f"a problem names the file {p.file!r}, not {str(path)!r}: {p}"
        if not isinstance(p.message, str) or not p.message.strip():
            return f"a problem without a message: {p!r}"
        str(p)  # renders
    text = str(exc)
    if str(path) not in text:
        return f"the error text does not name the file: {text}"
    return None


def describe(original: str, mutated: bytes, done: list[str], case: int, full: bool) -> str:
    text = mutated.decode("utf-8", "replace")
    diff = "".join(difflib.unified_diff(original.splitlines(True), text.splitlines(True), "original", "mutated", n=2))
    out = f"case {case} (FUZZ_SEED={SEED}), mutations {done}\n--- diff ---\n{diff[:4000]}"
    if full:
        out += f"\n--- mutated text ---\n{text}"
    return out


def cases(n: int):
    texts = examples()
    names = sorted(texts)
    for case in range(n):
        rng = random.Random(f"{SEED}/{case}")
        name = names[0] if rng.random() < 0.4 else names[1]  # 2024.yaml: the larger, slower one
        data, done = mutate(texts[name], rng)
        yield case, name, texts[name], data, done


def test_mutated_fact_sets_are_scored_or_refused_cleanly(policy, tmp_path):
    started = time.monotonic()
    failures, counts = [], {"ok": 0, "refused": 0, "bad": 0}
    for case, name, original, data, done in cases(CASES):
        path = tmp_path / f"case-{case}-{name}"
        path.write_bytes(data)
        result, why = outcome(path, policy)
        counts[result] += 1
        if why:
            failures.append(f"{why}\n{describe(original, data, done, case, full=not failures)}")
        path.unlink()
    elapsed = time.monotonic() - started
    if failures:
        pytest.fail(f"{len(failures)} of {CASES} mutated fact sets misbehaved ({counts}, {elapsed:.1f} s):\n\n"
                    + "\n\n".join(failures[:5]), pytrace=False)
    assert counts["ok"] and counts["refused"], counts  # the mutations do reach both outcomes


def test_the_command_reports_user_errors_without_a_traceback(policy, tmp_path):
    failures, seen = [], {0: 0, 1: 0}
    picked = [c for c in cases(max(CLI_CASES * 4, 40)) if c[1] == "small-2024.yaml"][:CLI_CASES]
    for case, name, original, data, done in picked:
        path = tmp_path / f"cli-{case}-{name}"
        path.write_bytes(data)
        library, _ = outcome(path, policy)
        run = subprocess.run([*CLI, "run", str(path), "--format", "json"], capture_output=True, env=ENGLISH_ENV, timeout=60)
        stderr = run.stderr.decode("utf-8", "replace")
        why = None
        if run.returncode not in (0, 1):
            why = f"exit code {run.returncode}"
        elif "Traceback" in stderr:
            why = "a traceback on stderr"
        elif library == "refused" and run.returncode != 1:
            why = f"the library refused the file but the command exited {run.returncode}"
        elif run.returncode == 1 and not stderr.strip():
            why = "exit code 1 without a message"
        elif run.returncode == 0:
            try:
                json.loads(run.stdout)
            except ValueError:
                why = "exit code 0 but stdout is not JSON"
        seen[run.returncode] = seen.get(run.returncode, 0) + 1
        if why:
            failures.append(f"{why}\nstderr:\n{stderr[-3000:]}\n{describe(original, data, done, case, full=not failures)}")
    if failures:
        pytest.fail(f"{len(failures)} of {len(picked)} runs of the command misbehaved ({seen}):\n\n"
                    + "\n\n".join(failures[:3]), pytrace=False)


# --- hostile YAML ----------------------------------------------------------------------------------
VALID_HEAD = """year: 2024
units:
  - id: office
    name: 办公厅
    staff: 3
facts:
"""


def load_refused(path: Path, seconds: int = TIME_LIMIT) -> FactSetError:
    with time_limit(seconds):
        with pytest.raises(FactSetError) as caught:
            load_factset(path)
    assert caught.value.problems
    for p in caught.value.problems:
        assert p.file == str(path) and p.message
    return caught.value


@pytest.mark.parametrize("where", ["top", "fact", "key"])
@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/object/apply:subprocess.call",
                                 "!!python/object/new:os.system"])
def test_python_tags_are_refused_not_executed(tmp_path, where, tag):
    marker = tmp_path / "executed"
    call = f'{tag} ["touch {marker}"]'
    text = {
        "top": f"year: {call}\nunits: []\nfacts: []\n",
        "fact": VALID_HEAD + f"  - id: X-1\n    type: lecture\n    unit: office\n    title: {call}\n",
        "key": VALID_HEAD + f"  - id: X-1\n    type: lecture\n    unit: office\n    ? {call}\n    : 1\n",
    }[where]
    path = tmp_path / "tagged.yaml"
    path.write_text(text, encoding="utf-8")
    error = load_refused(path)
    assert not marker.exists(), "the YAML tag was executed"
    assert any("python/object" in p.message and "not allowed" in p.message for p in error.problems), str(error)


def test_python_name_tag_is_refused(tmp_path):
    path = tmp_path / "tagged.yaml"
    path.write_text(VALID_HEAD + "  - id: X-1\n    type: lecture\n    unit: office\n    title: !!python/name:os.system\n",
                    encoding="utf-8")
    load_refused(path)


def billion_laughs(levels: int, width: int, use: str) -> str:
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n" + use.format(top=f"*a{levels}")


@pytest.mark.parametrize("levels", [9, 12])
def test_billion_laughs_is_refused_quickly(tmp_path, levels):
    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs(levels, 10, "year: 2024\nunits: {top}\nfacts: {top}\n"), encoding="utf-8")
    started = time.monotonic()
    error = load_refused(path)
    assert time.monotonic() - started < 2
    assert any("alias" in p.message or "expand" in p.message for p in error.problems), str(error)


@pytest.mark.parametrize("field", ["title", "note", "coordinators", "count", "id", "unit"])
def test_an_alias_bomb_below_the_size_limit_inside_a_fact_is_refused_quickly(tmp_path, field):
    """About 10 million values, under the reader's 50-million bound: the fact's field is simply
    wrong, and saying so must not expand (or print) the whole bomb."""
    fact = ("  - id: X-1\n    type: deputy_inspection\n    unit: office\n    title: t\n    {field}: {{top}}\n"
            if field != "title" else "  - id: X-1\n    type: deputy_inspection\n    unit: office\n    title: {{top}}\n")
    head = billion_laughs(7, 10, "")
    body = ("year: 2024\nunits:\n  - id: office\n    name: 办公厅\n    staff: 3\nfacts:\n"
            + fact.format(field=field).replace("{top}", "*a7"))
    path = tmp_path / "bomb.yaml"
    # the anchors must live in the document; put them under a key the checker reports as unknown
    path.write_text("lol:\n" + "".join("  " + line + "\n" for line in head.splitlines()) + body, encoding="utf-8")
    started = time.monotonic()
    error = load_refused(path)
    assert time.monotonic() - started < TIME_LIMIT
    assert len(str(error)) < 20_000, f"the error message is {len(str(error))} characters long"


def test_duplicate_keys_are_reported_with_their_lines(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        "year: 2024\n"                   # 1
        "units:\n"                       # 2
        "  - id: office\n"               # 3
        "    name: 办公厅\n"             # 4
        "    staff: 3\n"                 # 5
        "    staff: 4\n"                 # 6
        "facts:\n"                       # 7
        "  - id: L-1\n"                  # 8
        "    type: leave\n"              # 9
        "    unit: office\n"             # 10
        "    person: 张三\n"             # 11
        "    kind: personal\n"           # 12
        "    days: 2\n"                  # 13
        "    days: 20\n"                 # 14
        "year: 2025\n",                  # 15
        encoding="utf-8")
    error = load_refused(path)
    dups = sorted((p.line, p.message) for p in error.problems if p.code == "duplicate-key")
    assert [line for line, _ in dups] == [6, 14, 15], error.problems
    assert "'staff'" in dups[0][1] and "line 5" in dups[0][1]
    assert "'days'" in dups[1][1] and "line 13" in dups[1][1]
    assert "'year'" in dups[2][1] and "line 1" in dups[2][1]


def test_duplicate_keys_in_json_are_reported(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text('{"year": 2024, "year": 2025, "units": [{"id": "office", "name": "x", "staff": 1}],'
                    ' "facts": []}', encoding="utf-8")
    error = load_refused(path)
    assert any(p.code == "duplicate-key" and "'year'" in p.message for p in error.problems), error.problems


def test_a_self_referencing_alias_is_a_clean_error(tmp_path):
    path = tmp_path / "self.yaml"
    path.write_text(VALID_HEAD + "  - &a [*a, *a]\n", encoding="utf-8")
    load_refused(path)


# --- regressions: inputs the fuzzer found crashing the reader ----------------------------------------
@pytest.mark.parametrize("suffix, text", [
    (".yaml", "year: 2024\nunits: []\nfacts:\n  - id: X\n    title: " + "[" * 700 + "]" * 700 + "\n"),
    (".yaml", "year: 2024\nunits: []\nfacts:\n  - id: X\n    title: " + "{a: " * 700 + "1" + "}" * 700 + "\n"),
    (".json", '{"year": 2024, "units": [], "facts": [' + "[" * 5000 + "]" * 5000 + "]}"),
])
def test_deep_nesting_is_a_clean_error(tmp_path, suffix, text):
    path = tmp_path / f"deep{suffix}"
    path.write_text(text, encoding="utf-8")
    error = load_refused(path)
    assert any("nested" in p.message or "depth" in p.message for p in error.problems), str(error)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "~\n"])
def test_an_empty_file_is_a_clean_error(tmp_path, text):
    path = tmp_path / "empty.yaml"
    path.write_text(text, encoding="utf-8")
    load_refused(path)


def test_an_impossible_date_is_reported_on_its_fact(tmp_path):
    path = tmp_path / "date.yaml"
    path.write_text(VALID_HEAD + "  - id: X-1\n    type: lecture\n    unit: office\n    title: t\n"
                    "    date: 2024-02-30\n  - id: X-2\n    type: lecture\n    unit: office\n    title: 2024-13-01\n",
                    encoding="utf-8")
    error = load_refused(path)
    assert [(p.fact_id, p.field, p.line) for p in error.problems] == [("X-1", "date", 11)], str(error)


@pytest.mark.parametrize("fact", [
    "  - id: X-1\n    type: [lecture]\n    unit: office\n    title: t\n",
    "  - id: X-1\n    type: {a: 1}\n    unit: office\n    title: t\n",
    "  - id: [X-1]\n    type: lecture\n    unit: office\n    title: t\n",
    "  - id: X-1\n    type: deputy_inspection\n    unit: [office]\n    title: t\n    coordinators: [[office], office]\n",
])
def test_a_list_or_mapping_where_a_word_belongs_is_reported(tmp_path, fact):
    path = tmp_path / "shape.yaml"
    path.write_text(VALID_HEAD + fact, encoding="utf-8")
    load_refused(path)


def test_a_unit_with_a_number_as_key_is_reported(tmp_path):
    path = tmp_path / "unitkey.yaml"
    path.write_text("year: 2024\nunits:\n  - id: office\n    name: 办公厅\n    staff: 3\n    1: x\nfacts: []\n",
                    encoding="utf-8")
    error = load_refused(path)  # it used to raise TypeError (keywords must be strings)
    assert any(p.line in (3, 6) and "1" in p.message for p in error.problems), str(error)


@pytest.mark.parametrize("fact, field", [
    # beyond these the engine receives 1.2345678901234568e+16 (which durable-rules cannot parse),
    # or a score needs more than the 28 digits of exact decimal arithmetic
    ("  - id: X-1\n    type: leave\n    unit: office\n    person: p\n    kind: personal\n"
     "    days: 12345678901234567.5\n", "days"),
    ("  - id: X-1\n    type: standing_committee_session\n    unit: office\n    session: s\n    days: 1.0e+20\n", "days"),
    ("  - id: X-1\n    type: lecture\n    unit: office\n    title: t\n    count: 1000000000000000000000000000\n", "count"),
    ("  - id: X-1\n    type: directors_meeting\n    unit: office\n    session: s\n    errors: 10000000000000000000000000000\n",
     "errors"),
    ("  - id: X-1\n    type: innovation_award\n    unit: office\n    title: t\n    points: 1.0e+30\n    decision: d\n",
     "points"),
    ("  - id: X-1\n    type: speech_draft\n    unit: office\n    title: t\n    characters: 18446744073709552116\n",
     "characters"),
])
def test_numbers_beyond_any_ledger_are_refused_not_crashed_on(tmp_path, fact, field):
    path = tmp_path / "big.yaml"
    path.write_text(VALID_HEAD + fact, encoding="utf-8")
    error = load_refused(path)
    assert [(p.fact_id, p.field) for p in error.problems] == [("X-1", field)], str(error)
