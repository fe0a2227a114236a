#!/usr/bin/env python3
"""Which library should read office ledger workbooks (.xlsx): openpyxl or python-calamine?

    python benchmarks/ledger_read.py [--rows 10000 100000] [--repeat 5] [--seed 1] [--gc-off]

For each N in --rows a ledger-shaped workbook is generated into a temporary directory:
a 机构 sheet (200 units: 编号, 名称, 人数) and six fact sheets with Chinese names and
headers, N data rows in total across the fact sheets. Cells hold Chinese text, numbers
(some ending in .5), real Excel dates and 是/否; 信访 has a mostly blank 备注 column.
The workbook is written with openpyxl's write_only mode; the same records are written as
JSON ({sheet: [record dict, ...]}, dates as ISO strings) as the baseline.

Then, in this one process, each reader runs --repeat times (round robin, so that drift
on the machine hits all of them alike) and the median is reported with its ratio to
the JSON baseline:

    json            json.load of the JSON file
    openpyxl        load_workbook(read_only=True, data_only=True), every sheet into a
                    list of row tuples (iter_rows(values_only=True))
    calamine        CalamineWorkbook.from_path, every sheet into a list of rows (to_python)
    calamine+dict   calamine, then every row to a dict keyed by the header, with the cell
                    normalisation a real reader needs (see `normalise`)

Peak RSS is measured per reader in a fresh child process (this script with --child),
so one reader's allocations do not hide another's: the child's VmHWM (Linux), else
resource.getrusage's ru_maxrss (see `own_peak_rss_kib` for why not getrusage first). The child
that only starts Python and imports nothing is shown as the floor.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List

N_UNITS = 200
FIRST_DAY = dt.date(2024, 1, 1)

# ---------------------------------------------------------------------------
# Generating the ledger
# ---------------------------------------------------------------------------

# Fact sheets: name -> (headers, share of the N rows). Shares are uneven, as in a real year.
FACT_SHEETS: Dict[str, tuple] = {
    "请假": (["编号", "机构", "人员", "类别", "天数", "日期"], 0.25),
    "信访": (["编号", "机构", "类别", "督促解决", "数量", "日期", "备注"], 0.25),
    "信息": (["编号", "机构", "标题", "采用", "分值", "日期"], 0.15),
    "会议": (["编号", "机构", "名称", "参会人数", "时长", "日期"], 0.15),
    "培训": (["编号", "机构", "课程", "学时", "合格", "日期"], 0.10),
    "督查": (["编号", "机构", "事项", "办结", "扣分", "日期"], 0.10),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
LEAVE_KINDS = ["事假", "病假", "年休假", "婚假", "产假", "探亲假"]
PETITION_KINDS = ["来信", "来访", "网上信访", "电话投诉"]
TOPICS = ["关于做好年度考核工作的通知", "办公室工作简报", "安全生产专项检查情况",
          "基层党建工作推进会", "政务公开月度报告", "营商环境优化措施"]
COURSES = ["公文写作", "保密知识", "信访条例", "财务制度", "应急管理"]
MATTERS = ["重点项目进度", "民生实事办理", "整改落实情况", "文件传阅", "值班值守"]
REMARKS = ["已电话回访", "转相关部门办理", "群众满意", "需持续跟踪"]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def yes_no(rng: random.Random, p_yes: float = 0.7) -> str:
    return "是" if rng.random() < p_yes else "否"


def half_steps(rng: random.Random, lo: int, hi: int) -> float | int:
    """A number in half steps: an int when whole, else x.5 — as ledgers hold 天数 and 学时."""
    v = rng.randint(lo * 2, hi * 2) / 2
    return int(v) if v.is_integer() else v


def units(rng: random.Random) -> List[dict]:
    return [{"编号": i, "名称": f"第{i}科室", "人数": rng.randint(3, 60)}
            for i in range(1, N_UNITS + 1)]


def fact_row(sheet: str, no: int, rng: random.Random) -> list:
    """One row of a fact sheet, in header order."""
    unit = f"第{rng.randint(1, N_UNITS)}科室"
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(366))
    if sheet == "请假":
        return [no, unit, person(rng), rng.choice(LEAVE_KINDS), half_steps(rng, 0, 15), day]
    if sheet == "信访":
        remark = rng.choice(REMARKS) if rng.random() < 0.3 else None  # mostly blank
        return [no, unit, rng.choice(PETITION_KINDS), yes_no(rng), rng.randint(1, 9), day, remark]
    if sheet == "信息":
        return [no, unit, rng.choice(TOPICS), yes_no(rng, 0.4), half_steps(rng, 0, 5), day]
    if sheet == "会议":
        return [no, unit, rng.choice(TOPICS), rng.randint(5, 120), half_steps(rng, 1, 4), day]
    if sheet == "培训":
        return [no, unit, rng.choice(COURSES), half_steps(rng, 1, 8), yes_no(rng, 0.9), day]
    if sheet == "督查":
        return [no, unit, rng.choice(MATTERS), yes_no(rng, 0.8), half_steps(rng, 0, 3), day]
    raise KeyError(sheet)


def make_ledger(n_rows: int, seed: int) -> Dict[str, List[list]]:
    """{sheet: [header, row, row, ...]}; the fact sheets hold n_rows data rows in total."""
    rng = random.Random(seed)
    unit_rows = units(rng)
    ledger = {"机构": [list(unit_rows[0])] + [list(u.values()) for u in unit_rows]}
    names = list(FACT_SHEETS)
    counts = [int(n_rows * FACT_SHEETS[s][1]) for s in names]
    counts[0] += n_rows - sum(counts)  # rounding remainder, so the total is exactly n_rows
    for sheet, count in zip(names, counts):
        header = FACT_SHEETS[sheet][0]
        ledger[sheet] = [header] + [fact_row(sheet, no, rng) for no in range(1, count + 1)]
    return ledger


def write_xlsx(ledger: Dict[str, List[list]], path: str) -> None:
    # write_only streams rows to disk: the way a generator of big workbooks must write.
    # openpyxl gives date cells the 'yyyy-mm-dd' number format, so they are real Excel dates.
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for sheet, rows in ledger.items():
        ws = wb.create_sheet(sheet)
        for row in rows:
            ws.append(row)
    wb.save(path)


def as_records(ledger: Dict[str, List[list]]) -> Dict[str, List[dict]]:
    return {sheet: [dict(zip(rows[0], r)) for r in rows[1:]] for sheet, rows in ledger.items()}


def write_json(ledger: Dict[str, List[list]], path: str) -> None:
    def iso(o):
        if isinstance(o, dt.date):
            return o.isoformat()
        raise TypeError(type(o))

    with open(path, "w", encoding="utf-8") as f:
        json.dump(as_records(ledger), f, ensure_ascii=False, default=iso)


# ---------------------------------------------------------------------------
# The readers. Each reads every sheet of the file and returns what it read.
# ---------------------------------------------------------------------------

def read_json(path: str):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_openpyxl(path: str):
    from openpyxl import load_workbook

    # read_only streams the sheet XML; data_only gives formulas' cached values.
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()  # read-only mode keeps the zip file open until closed


def read_calamine(path: str):
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(path) as wb:
        return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def normalise(v):
    """What our reader has to do with a calamine cell anyway.

    - xlsx has no integer type: calamine returns every number as float (1 -> 1.0);
      whole floats become int so that 编号 1 is 1, as in the JSON.
    - calamine returns '' for an empty cell (and for an error cell): None instead.
    - a date cell comes back as datetime.date when its time part is 0, else as a
      datetime; ledger dates are days, so datetime -> date.
    """
    t = type(v)
    if t is float:
        return int(v) if v.is_integer() else v
    if t is str:
        return v if v else None
    if t is dt.datetime:
        return v.date()
    return v


def read_calamine_dicts(path: str):
    out = {}
    for sheet, rows in read_calamine(path).items():
        header = rows[0]
        out[sheet] = [dict(zip(header, map(normalise, row))) for row in rows[1:]]
    return out


READERS: Dict[str, Callable[[str], object]] = {
    "json": read_json,
    "openpyxl": read_openpyxl,
    "calamine": read_calamine,
    "calamine+dict": read_calamine_dicts,
}


def reader_input(name: str, files: Dict[str, str]) -> str:
    return files["json"] if name == "json" else files["xlsx"]


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------

def check_same_data(ledger: Dict[str, List[list]], files: Dict[str, str]) -> None:
    """Untimed: every reader must have read the same thing, or the timings mean nothing."""
    expected = as_records(ledger)
    assert read_calamine_dicts(files["xlsx"]) == expected, "calamine+dict differs from the ledger"
    opx = read_openpyxl(files["xlsx"])
    for sheet, rows in ledger.items():
        assert len(opx[sheet]) == len(rows), f"openpyxl row count differs on {sheet}"
        # openpyxl returns datetime for date cells and keeps ints as ints; and its rows are
        # ragged here (a trailing blank cell is left off) because a write_only file has no
        # <dimension> for read-only mode to pad rows to.
        width = len(rows[0])
        got = [tuple(v.date() if isinstance(v, dt.datetime) else v for v in r) + (None,) * (width - len(r))
               for r in opx[sheet]]
        assert got == [tuple(r) for r in rows], f"openpyxl values differ on {sheet}"
    loaded = read_json(files["json"])
    assert {s: len(r) for s, r in loaded.items()} == {s: len(r) for s, r in expected.items()}


def time_readers(files: Dict[str, str], repeat: int) -> Dict[str, float]:
    """Median seconds per reader; readers take turns within each repetition."""
    samples: Dict[str, List[float]] = {name: [] for name in READERS}
    for _ in range(repeat):
        for name, read in READERS.items():
            path = reader_input(name, files)
            t0 = time.perf_counter()
            result = read(path)
            samples[name].append(time.perf_counter() - t0)
            del result  # free before the next reader, so it does not pay for this one's memory
    return {name: statistics.median(s) for name, s in samples.items()}


def peak_rss_mib(reader: str, path: str, gc_off: bool) -> float:
    """Peak RSS of one read in a fresh interpreter ('none' = start Python, read nothing)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", reader, path]
    if gc_off:
        cmd.append("--gc-off")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["maxrss_kib"] / 1024


def own_peak_rss_kib() -> int:
    """This process's peak RSS in KiB.

    On Linux, getrusage's ru_maxrss survives fork+exec: a child started by this (big)
    parent reports the parent's peak as its own floor (a 2,000-row run showed 34 MiB for
    every reader, 'python alone' included). VmHWM in /proc/self/status is the peak of the
    child's own address space, reset by exec, so it is used where it exists.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS


def child_main(reader: str, path: str) -> None:
    if reader != "none":
        READERS[reader](path)
    print(json.dumps({"maxrss_kib": own_peak_rss_kib()}))


def measure_size(n_rows: int, repeat: int, seed: int, gc_off: bool, tmp: str) -> dict:
    ledger = make_ledger(n_rows, seed)
    files = {"xlsx": os.path.join(tmp, f"ledger_{n_rows}.xlsx"),
             "json": os.path.join(tmp, f"ledger_{n_rows}.json")}
    t0 = time.perf_counter()
    write_xlsx(ledger, files["xlsx"])
    write_json(ledger, files["json"])
    gen_s = time.perf_counter() - t0
    check_same_data(ledger, files)
    del ledger
    medians = time_readers(files, repeat)
    rss = {name: peak_rss_mib(name, reader_input(name, files), gc_off) for name in READERS}
    rss["none"] = peak_rss_mib("none", files["json"], gc_off)
    sizes = {k: os.path.getsize(p) / 2**20 for k, p in files.items()}
    print(f"  {n_rows} rows: written in {gen_s:.1f} s; xlsx {sizes['xlsx']:.1f} MiB, "
          f"json {sizes['json']:.1f} MiB", file=sys.stderr)
    return {"rows": n_rows, "median_s": medians, "peak_rss_mib": rss, "file_mib": sizes}


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

def markdown(results: List[dict], repeat: int) -> str:
    names = list(READERS)
    lines = [f"Median of {repeat} reads, seconds (× = ratio to json.load):", "",
             "| rows | " + " | ".join(names) + " | " +
             " | ".join(f"{n} ×" for n in names[1:]) + " | openpyxl / calamine |",
             "|---:|" + "---:|" * (2 * len(names))]
    for r in results:
        m = r["median_s"]
        base = m["json"]
        lines.append(f"| {r['rows']:,} | " + " | ".join(f"{m[n]:.3f}" for n in names) + " | "
                     + " | ".join(f"{m[n] / base:.1f}" for n in names[1:])
                     + f" | {m['openpyxl'] / m['calamine']:.1f} |")
    lines += ["", "Peak RSS of one read in a fresh process, MiB (python alone: the floor):", "",
              "| rows | python alone | " + " | ".join(names) + " | xlsx MiB | json MiB |",
              "|---:|" + "---:|" * (len(names) + 3)]
    for r in results:
        p = r["peak_rss_mib"]
        lines.append(f"| {r['rows']:,} | {p['none']:.0f} | " + " | ".join(f"{p[n]:.0f}" for n in names)
                     + f" | {r['file_mib']['xlsx']:.1f} | {r['file_mib']['json']:.1f} |")
    return "\n".join(lines)


def versions() -> str:
    from importlib.metadata import version

    return (f"Python {sys.version.split()[0]}, openpyxl {version('openpyxl')}, "
            f"python-calamine {version('python-calamine')}, {os.cpu_count()} CPUs")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[10000, 100000],
                    help="data rows in total across the fact sheets, one workbook per value")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gc-off", action="store_true",
                    help="time with the garbage collector off, as `evaluator run` runs")
    ap.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.gc_off:
        gc.disable()
    if args.child:
        child_main(*args.child)
        return
    print(versions() + (", gc off" if args.gc_off else ""), file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="ledger_read_") as tmp:
        results = [measure_size(n, args.repeat, args.seed, args.gc_off, tmp) for n in args.rows]
    print(versions() + (", gc off" if args.gc_off else "") + "\n")
    print(markdown(results, args.repeat))


if __name__ == "__main__":
    main()
