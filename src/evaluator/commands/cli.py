"""The `evaluator` command line."""
from __future__ import annotations

import dataclasses
import datetime
import gc
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from evaluator.errors import EvaluatorError, InputError, UsageError
from evaluator.i18n import current as current_language, say, set_language
from evaluator.views import formats
from evaluator.views.output import write_atomically

if TYPE_CHECKING:
    from evaluator.domain.evaluate import Evaluation

# Only typer and what the command tree needs are imported here: `evaluator --help` and a
# mistyped command must not pay for pydantic, the policy or the engine (tests/test_startup.py).
# Each command imports its own machinery, and these re-exports import it on first call.


def load_year(*args, **options):
    from evaluator.domain.evaluate import load_year as load
    return load(*args, **options)


def evaluate(*args, **options):
    from evaluator.domain.evaluate import evaluate as run_evaluation
    return run_evaluation(*args, **options)


def choose_policy(*args, **options):
    from evaluator.domain.policy.registry import choose_policy as choose
    return choose(*args, **options)


def parse_date(text):
    from evaluator.domain.vocabulary import parse_date as parse
    return parse(text)


class _LazyConsole:
    """A rich Console made on first use: importing rich's console costs a start-up that
    `--help` does not need. It stands in for the Console everywhere one is passed (a
    progress bar enters it as a context, hence the two special methods: those bypass
    __getattr__)."""

    def __init__(self, **options):
        self._options, self._console = options, None

    @property
    def console(self):
        if self._console is None:
            from rich.console import Console
            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name):
        return getattr(self.console, name)

    def __enter__(self):
        return self.console.__enter__()

    def __exit__(self, *exc):
        return self.console.__exit__(*exc)


# Help is plain text (rich_markup_mode=None): typer's rich help imports rich's Markdown and
# markdown-it, about 0.15 s of every `--help`, for boxes around the same words.
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings={"max_content_width": 120},   # a wide terminal shows whole descriptions
                  help="Scores a year's facts under the assessment method, clause by clause.")
out = _LazyConsole(emoji=False, highlight=False)  # fact ids like :office: are text, not emoji codes
err = _LazyConsole(stderr=True, soft_wrap=True, emoji=False, highlight=False)  # one problem, one line: `file:line: ...` stays grep-able


Format = formats.choices("Format", formats.RUN)
DiffFormat = formats.choices("DiffFormat", formats.DIFF)
CompareFormat = formats.choices("CompareFormat", formats.COMPARE)


class Lang(str, Enum):
    zh = "zh"
    en = "en"


FACTS = typer.Argument(..., help="The year's fact set: a ledger workbook (.xlsx), YAML or JSON.")
POLICY = typer.Option(None, "--policy", help="A policy file; by default the one the fact set names or its year picks.")
AS_OF = typer.Option(None, "--as-of", help="Mid-year (半年集中督查): score only records dated on or before this day, e.g. 2024-06-30.")
STRICT = typer.Option(False, "--strict", help="Treat warnings (valid but probably a mistake) as errors.")


def _day(text: Optional[str]) -> Optional[datetime.date]:
    if text is None:
        return None
    day = parse_date(text)
    if not isinstance(day, datetime.date):
        raise UsageError(say("--as-of 应是日期,如 2024-06-30,而不是“{t}”", "--as-of must be a date like 2024-06-30, not '{t}'", t=text))
    return day


def _in_year(day: Optional[datetime.date], year: Optional[int]) -> Optional[datetime.date]:
    """A mid-year day must fall in the fact set's year: another year's day would leave out all its
    records, or none, and look like a result."""
    if day is not None and year is not None and day.year != year:
        raise UsageError(say("--as-of {d} 不在事实集的 {y} 年度内", "--as-of {d} is not in the fact set's year {y}",
                             d=day.isoformat(), y=year))
    return day


REVIEW = typer.Option(None, "--review", help="The working group's adjustments and appeals (审查调整), applied over the facts.")
APPROVALS = typer.Option(None, "--approvals", help="The year's approval snapshots (default: approvals/ beside the fact set).")


def _evaluate(facts: Path, policy: Optional[Path], as_of: Optional[str] = None, strict: bool = False,
              review: Optional[Path] = None, approvals: Optional[Path] = None) -> "Evaluation":
    factset, compiled = load_year(facts, policy)
    day = _in_year(_day(as_of), factset.year)
    if review:
        from evaluator.domain.review import evaluate_reviewed, load_review
        ev = evaluate_reviewed(factset, compiled, load_review(review, factset, compiled.vocabulary), as_of=day)
    else:
        ev = evaluate(factset, compiled, as_of=day)
    if as_of is None:  # a mid-year check is never a stage of the year's result
        from evaluator.domain.stages import approvals_dir, stage_of
        ev.stage = stage_of(ev, approvals_dir(facts, approvals))
    _say_notices(ev.notices, strict)
    return ev


def _say_notices(notices, strict: bool, about: Path | None = None) -> None:
    """Warnings go to stderr, one per line; with --strict they stop the run before anything is written.
    `about`: the file a warning is about when it names no place itself (compare reads two years)."""
    for notice in notices:
        if about is not None and notice.where is None:
            notice = dataclasses.replace(notice, where=str(about))
        err.print(str(notice), markup=False, highlight=False)
    if strict and notices:
        raise EvaluatorError(say("有 {n} 条提示,--strict 把提示当作错误", "{n} warning(s), and --strict treats warnings as errors",
                                 n=len(notices)))


@app.command()
def run(facts: list[Path] = typer.Argument(..., help="A fact set (YAML or JSON), or several, or a folder of them."),
        policy: Optional[Path] = POLICY,
        format: Format = typer.Option(Format.table, "--format", "-f", help=formats.listed(formats.RUN)),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report here (atomically)."),
        lang: Optional[Lang] = typer.Option(None, "--lang", help="Language of the reports and messages: zh (default) or en."),
        as_of: Optional[str] = AS_OF, strict: bool = STRICT, review: Optional[Path] = REVIEW,
        approvals: Optional[Path] = APPROVALS) -> None:
    """Score the fact set: scorecard, rank and award eligibility, every point traced to its clause.

    Several files or a folder are scored in parallel, each to its own result file."""
    if lang:
        set_language(lang.value)
    lang = Lang(current_language())
    if len(facts) > 1 or facts[0].is_dir():
        _run_batch(facts, policy, "json" if format is Format.table else format.value, lang.value, output)
        return
    ev = _evaluate(facts[0], policy, as_of, strict, review, approvals)
    if format is Format.table:
        from evaluator.views.reports.table import print_scorecard
        print_scorecard(ev, out)
        if output:
            write_atomically(output, formats.RUN["json"].content(ev, lang.value))
        return
    _write_or_print(formats.RUN[format.value], ev, output, lang.value)


def _write_or_print(fmt: formats.OutputFormat, value, output: Optional[Path], lang: str = "zh") -> None:
    """A document in a registered format: into --output (atomically), else to the terminal."""
    if output:
        write_atomically(output, fmt.content(value, lang))
        err.print(say("已写入 {o}", "wrote {o}", o=output))
    elif fmt.binary:
        raise EvaluatorError(say("--format {f} 需要用 --output 指定文件", "--format {f} needs --output FILE", f=fmt.name))
    else:
        document = fmt.rendered(value, lang)
        sys.stdout.buffer.write(document if isinstance(document, bytes) else document.encode("utf-8"))


def _run_batch(paths: list[Path], policy: Optional[Path], fmt: str, lang: str, out_dir: Optional[Path]) -> None:
    from rich.progress import Progress

    from evaluator.commands.batch import fact_files, run_batch
    files = fact_files(paths)
    if not files:
        raise EvaluatorError(say("{p} 中没有事实集(.xlsx、.yaml、.yml、.json)", "no fact sets (.xlsx, .yaml, .yml, .json) in {p}",
                                 p=", ".join(map(str, paths))))
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("评估中", total=len(files))
        outcomes = run_batch(files, policy, fmt, lang, out_dir, lambda _: progress.advance(task))
    failed = [o for o in outcomes if o.error]
    for o in outcomes:
        if o.error:
            err.print(f"✗ {o.facts}\n{o.error}", markup=False, highlight=False)
        else:
            out.print(f"✓ {o.facts} → {o.output}({o.units} 个机构,{o.findings} 条认定)", markup=False)
    out.print(f"{len(outcomes) - len(failed)} 个事实集已评估,{len(failed)} 个有错误")
    if failed:
        raise typer.Exit(1)


@app.command()
def validate(facts: Path = FACTS, policy: Optional[Path] = POLICY, as_of: Optional[str] = AS_OF, strict: bool = STRICT) -> None:
    """Check a fact set without scoring it: every problem at once, with file, line (or sheet, row, column), fact id and field."""
    factset, compiled = load_year(facts, policy)
    from evaluator.domain.completeness import run_checks
    _say_notices([*factset.notices, *run_checks(factset, compiled, _in_year(_day(as_of), factset.year))], strict)
    out.print(say("{f}:{y} 年度,{u} 个机构,{n} 条记录:无误", "{f}: {n} facts, {u} units, year {y}: valid",
                  f=facts, n=len(factset.facts), u=len(factset.units), y=factset.year), markup=False, soft_wrap=True)


UNIT = typer.Option(..., "--unit", "-u", help="A unit id or its Chinese name.")


@app.command()
def explain(facts: Path = FACTS, unit: str = UNIT,
            clause: Optional[str] = typer.Option(None, "--clause", "-c", help="Only this clause, e.g. 4.3.2.5."),
            policy: Optional[Path] = POLICY, as_of: Optional[str] = AS_OF, review: Optional[Path] = REVIEW) -> None:
    """A unit's section scores and every finding by clause: wording, rule, arithmetic, evidence lines."""
    from evaluator.views.explain import print_explanation
    print_explanation(_evaluate(facts, policy, as_of, review=review), unit, clause, out)


@app.command("why-not")
def why_not(facts: Path = FACTS, unit: str = UNIT,
            clause: str = typer.Option(..., "--clause", "-c", help="The clause, e.g. 4.3.2.5."),
            policy: Optional[Path] = POLICY, as_of: Optional[str] = AS_OF, review: Optional[Path] = REVIEW) -> None:
    """Why a clause gave a unit nothing or less: failed conditions with values and thresholds."""
    from evaluator.views.whynot import print_why_not
    print_why_not(_evaluate(facts, policy, as_of, review=review), unit, clause, out)


@app.command()
def coverage(facts: Path = FACTS, policy: Optional[Path] = POLICY, as_of: Optional[str] = AS_OF,
             features: Optional[Path] = typer.Option(None, "--features", help="The features folder (default: ./features if present)."),
             review: Optional[Path] = REVIEW) -> None:
    """For each clause: the units it fired for and their points; clauses silent this year or undocumented."""
    from evaluator.views.coverage import print_coverage
    folder = _features_folder(features)
    print_coverage(_evaluate(facts, policy, as_of, review=review), folder, out)


@app.command("diff")
def diff_command(facts: Path = FACTS,
                 policy: Optional[Path] = typer.Option(None, "--policy", help="The new version of the method."),
                 against: Optional[Path] = typer.Option(None, "--against", help="The version to compare with (default: the one in force)."),
                 against_facts: Optional[Path] = typer.Option(None, "--against-facts", help="Compare with another fact set instead."),
                 format: DiffFormat = typer.Option(DiffFormat.table, "--format", "-f", help=formats.listed(formats.DIFF)),
                 output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the comparison here (atomically; JSON for --format table).")) -> None:
    """Score a year under two versions of the method: per unit and per clause, what moved and why."""
    from evaluator.domain.diff import diff
    from evaluator.domain.policy import load_policy
    from evaluator.views import diffreport
    factset, compiled = load_year(facts, policy)
    new = evaluate(factset, compiled)
    if against_facts:
        other, _ = load_year(against_facts, policy)
        old = evaluate(other, load_policy(against) if against else new.policy)
    else:
        old = evaluate(factset, load_policy(against) if against else choose_policy(factset.year, None, None))
    result = diff(old, new)
    if format is DiffFormat.table:
        diffreport.print_diff(result, out)
        if output:   # as run and compare do: the table on screen, the JSON in the file
            _write_or_print(formats.DIFF["json"], result, output)
        return
    _write_or_print(formats.DIFF[format.value], result, output)


@app.command()
def template(output: Path = typer.Option(..., "--output", "-o", help="The ledger workbook to write, e.g. ledger.xlsx."),
             policy: Optional[Path] = POLICY,
             year: Optional[int] = typer.Option(None, "--year", help="The assessment year (default: this year)."),
             roster: Optional[Path] = typer.Option(None, "--roster", help="A fact set or ledger whose units fill the 机构 sheet.")) -> None:
    """An empty ledger workbook (台账) for the year, generated from the policy: one sheet per kind of record."""
    from evaluator.inputs.ledger.template import write_template
    _workbook_name(output, "台账模板", "ledger template")
    year = year or datetime.date.today().year
    compiled = choose_policy(year, None, policy)
    units = None
    if roster:
        factset, _ = load_year(roster, policy)
        units = [u.model_dump() for u in factset.units.values()]
    write_atomically(output, write_template(compiled, year, units))
    out.print(say("已写入 {o}:{y} 年度台账模板(按{p})", "wrote {o}: the {y} ledger template ({p})", o=output, y=year, p=compiled.named),
              markup=False, soft_wrap=True)


@app.command()
def convert(facts: Path = FACTS,
            output: Path = typer.Option(..., "--output", "-o", help="X.xlsx (a ledger workbook), X.yaml or X.json."),
            policy: Optional[Path] = POLICY) -> None:
    """Write a fact set in another form, losslessly: workbook ⇄ YAML ⇄ JSON."""
    from evaluator.inputs.convert import convert as converted
    factset, compiled = load_year(facts, policy)
    write_atomically(output, converted(factset, compiled, output))
    out.print(say("已写入 {o}:{n} 条记录,{u} 个机构", "wrote {o}: {n} facts, {u} units", o=output, n=len(factset.facts),
                  u=len(factset.units)), markup=False, soft_wrap=True)


@app.command()
def merge(submissions: list[Path] = typer.Argument(..., help="The units' own ledgers (.xlsx, or YAML/JSON)."),
          roster: Path = typer.Option(..., "--roster", help="The year's roster: a ledger or fact set with the units."),
          output: Path = typer.Option(..., "--output", "-o", help="The merged year: X.xlsx, X.yaml or X.json.")) -> None:
    """Join each unit's submission into one year: records checked against their unit, duplicates counted once."""
    from evaluator.inputs.ledger.merge import merge_submissions, write_merged
    merged = merge_submissions(submissions, roster)
    _say_notices(merged.notices, False)
    written = write_merged(merged, output)
    out.print(say("已写入 {o}:{n} 条记录,来自 {s} 个文件", "wrote {o}: {n} facts from {s} files",
                  o=", ".join(map(str, written)), n=len(merged.factset.facts), s=len(submissions)), markup=False, soft_wrap=True)


@app.command()
def approve(facts: Path = FACTS, stage: str = typer.Option(..., "--stage", help="审查 (the working group) or 审定 (the directors' office meeting)."),
            decision: str = typer.Option(..., "--decision", help="The decision's reference, e.g. 主任办公会议纪要〔2025〕2号."),
            date: Optional[str] = typer.Option(None, "--date", help="The decision's date (default: today)."),
            policy: Optional[Path] = POLICY, review: Optional[Path] = REVIEW, approvals: Optional[Path] = APPROVALS) -> None:
    """Freeze the year's result as a stage (审查 or 审定): a hashed snapshot later runs are held to."""
    from evaluator.domain.stages import approvals_dir, approve as freeze, snapshots
    factset, compiled = load_year(facts, policy)
    if review:
        from evaluator.domain.review import evaluate_reviewed, load_review
        ev = evaluate_reviewed(factset, compiled, load_review(review, factset, compiled.vocabulary))
    else:
        ev = evaluate(factset, compiled)
    folder = approvals_dir(facts, approvals)
    day = _day(date) or datetime.date.today()
    earlier = snapshots(folder, factset.year)
    path = freeze(ev, stage, decision, day, folder)
    out.print(say("已记录 {y} 年度{s}阶段:{p}({n} 个机构;此前 {k} 个阶段)", "recorded the {y} {s} stage: {p} ({n} units; {k} earlier)",
                  y=factset.year, s=stage, p=path, n=len(ev.scorecard.units), k=len(earlier)), markup=False, soft_wrap=True)


class Stage(str, Enum):
    draft = "征求意见稿"
    approved = "审定稿"


@app.command()
def notice(facts: Path = FACTS, policy: Optional[Path] = POLICY,
           output: Path = typer.Option(..., "--output", "-o", help="The Word document to write, e.g. 通报.docx."),
           quota: Optional[int] = typer.Option(None, "--quota", min=1, help="How many units may be recommended (default: the policy's awards.quota)."),
           name_persons: bool = typer.Option(False, "--name-persons", help="Name the persons in the reasons a unit is not eligible (by default only clauses)."),
           stage: Optional[Stage] = typer.Option(None, "--stage", help="征求意见稿 (a draft for comment, marked so) or 审定稿 (approved; needs --decision). "
                                                 "Default: 审定稿 with its decision when the result is the approved stage (evaluator approve), else 征求意见稿."),
           decision: Optional[str] = typer.Option(None, "--decision", help="The approving decision, e.g. 主任办公会议纪要〔2025〕2号."),
           date: Optional[str] = typer.Option(None, "--date", help="The notice's date, e.g. 2025-01-15 (default: today)."),
           review: Optional[Path] = REVIEW) -> None:
    """The notice (通报) of the year's results as a Word document: ranking, recommendations within the quota, units not eligible by clause."""
    from evaluator.views.notice import write_notice
    day = None
    if date is not None:
        day = parse_date(date)
        if not isinstance(day, datetime.date):
            raise UsageError(say("--date 应是日期,如 2025-01-15,而不是“{t}”", "--date must be a date like 2025-01-15, not '{t}'", t=date))
    ev = _evaluate(facts, policy, None, False, review)
    if stage is None:  # the stage the result is (stages.py): an approved result's notice is its 审定稿
        approved = ev.stage is not None and ev.stage.approved
        stage = Stage.approved if approved else Stage.draft
        decision, day = (decision or ev.stage.decision, day or ev.stage.date) if approved else (decision, day)
    content = write_notice(ev, quota=quota, name_persons=name_persons, stage=stage.value, decision=decision, date=day)
    write_atomically(output, content)
    out.print(say("已写入 {o}:{y} 年度考核结果通报({s},{n} 个机构)", "wrote {o}: the {y} notice of results ({s}, {n} units)",
                  o=output, y=ev.factset.year, s=stage.value, n=len(ev.scorecard.units)), markup=False, soft_wrap=True)


def _features_folder(features: Optional[Path]) -> Optional[Path]:
    """The folder given (read_features refuses one that is not there), or ./features if there is one, or none."""
    return features or (Path("features") if Path("features").is_dir() else None)


def _workbook_name(output: Path, what_zh: str, what_en: str) -> None:
    """A workbook written under another name would open as garbage, or not at all."""
    if output.suffix.lower() != ".xlsx":
        raise UsageError(say("{w}是 Excel 工作簿,文件名应以 .xlsx 结尾,而不是“{o}”", "the {w_en} is a workbook: name it X.xlsx, not '{o}'",
                             w=what_zh, w_en=what_en, o=output.name))


@app.command("amendment-template")
def amendment_template(output: Path = typer.Option(..., "--output", "-o", help="The amendment workbook to write, e.g. 修订.xlsx."),
                       policy: Optional[Path] = typer.Option(None, "--policy", help="The version to amend (default: the one in force this year).")) -> None:
    """A workbook for proposing an amendment: every parameter (条款, 参数, 含义, 单位, 现值, 办法原文) with an empty 新值 column, and every clause's wording."""
    from evaluator.domain.policy import load_policy
    from evaluator.inputs.amendment_workbook import amendment_template as template_bytes
    _workbook_name(output, "修订工作簿", "amendment workbook")
    compiled = load_policy(policy) if policy else choose_policy(datetime.date.today().year, None, None)
    write_atomically(output, template_bytes(compiled))
    count = sum(len(c.parameters) for c in compiled.policy.clauses)
    out.print(say("已写入 {o}:{p} 的修订工作簿({n} 个参数,{c} 条条款)", "wrote {o}: the amendment workbook of {p} ({n} parameters, {c} clauses)",
                  o=output, p=compiled.id, n=count, c=len(compiled.policy.clauses)), markup=False, soft_wrap=True)


@app.command("amendment-from")
def amendment_from(workbook: Path = typer.Argument(..., help="A filled amendment workbook (from amendment-template)."),
                   delta_id: Optional[str] = typer.Option(None, "--id", help="The amendment's id, e.g. method-2025-draft "
                                                          "(default: the output file's name, my-draft for my-draft.yaml)."),
                   output: Path = typer.Option(..., "--output", "-o", help="The amendment file to write, e.g. policies/my-draft.yaml."),
                   effective_from: Optional[int] = typer.Option(None, "--effective-from", help="The first year it applies to (default: next year)."),
                   title: Optional[str] = typer.Option(None, "--title", help="Its title (default: the amended version's, with the id)."),
                   policy: Optional[Path] = typer.Option(None, "--policy", help="The version amended, if not the one the workbook names.")) -> None:
    """Write the amendment (a delta file) that a filled workbook asks for: one change per row with a 新值, 新原文 or 新条文."""
    from evaluator.domain.policy import load_policy
    from evaluator.inputs.amendment_workbook import amendment_from as delta_from
    text, changes, notices = delta_from(workbook, delta_id or output.stem, output, effective_from, title,
                                        load_policy(policy) if policy else None)
    _say_notices(notices, False)
    write_atomically(output, text)
    out.print(say("已写入 {o}:{n} 项修改", "wrote {o}: {n} change(s)", o=output, n=len(changes)), markup=False, soft_wrap=True)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="The address to listen on (default: this computer only)."),
          port: int = typer.Option(8000, "--port", help="The port to listen on."),
          data: Optional[Path] = typer.Option(None, "--data", help="The workbench's folder: its database and the uploaded files "
                                              "(default workbench-data; with --demo a new temporary folder)."),
          allow_remote: bool = typer.Option(False, "--allow-remote", help="Allow listening on an address other computers can reach."),
          demo: bool = typer.Option(False, "--demo", help="Start on a fresh folder holding the example 2024 year and a demo admin "
                                    "(its password is printed).")) -> None:
    """The workbench: a local web app where the admin sets up the year, clerks upload ledgers and reviewers score the year."""
    from evaluator.web.commands import serve as run_server
    raise typer.Exit(run_server(host, port, data, allow_remote, demo))


user_app = typer.Typer(help="The workbench's user accounts.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(name: str = typer.Argument(..., help="The user name to sign in with."),
             role: str = typer.Option(..., "--role", help="admin, clerk, reviewer or leader."),
             unit: Optional[str] = typer.Option(None, "--unit", help="A clerk's unit id (as in the roster)."),
             password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
             data: Path = typer.Option(Path("workbench-data"), "--data", help="The workbench's folder.")) -> None:
    """Create a workbench account."""
    from evaluator.web.commands import add_user
    out.print(add_user(name, role, unit, password_stdin, data), markup=False, soft_wrap=True)


@user_app.command("disable")
def user_disable(name: str = typer.Argument(..., help="The account to disable: its sessions end, it can no longer sign in."),
                 data: Path = typer.Option(Path("workbench-data"), "--data", help="The workbench's folder.")) -> None:
    """Disable a workbench account (audited)."""
    from evaluator.web.commands import change_user
    out.print(change_user(name, "disable", data), markup=False, soft_wrap=True)


@user_app.command("enable")
def user_enable(name: str = typer.Argument(..., help="The disabled account to enable again."),
                data: Path = typer.Option(Path("workbench-data"), "--data", help="The workbench's folder.")) -> None:
    """Enable a disabled workbench account (audited)."""
    from evaluator.web.commands import change_user
    out.print(change_user(name, "enable", data), markup=False, soft_wrap=True)


@user_app.command("passwd")
def user_passwd(name: str = typer.Argument(..., help="The account whose password is reset; its sessions end."),
                password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new password from standard input."),
                data: Path = typer.Option(Path("workbench-data"), "--data", help="The workbench's folder.")) -> None:
    """Reset a workbench account's password (audited)."""
    from evaluator.web.commands import change_user
    out.print(change_user(name, "password", data, password_stdin), markup=False, soft_wrap=True)


@app.command("compare")
def compare_command(old: Path = typer.Argument(..., help="The earlier year's fact set: a ledger workbook (.xlsx), YAML or JSON."),
                    new: Path = typer.Argument(..., help="The later year's fact set."),
                    format: CompareFormat = typer.Option(CompareFormat.table, "--format", "-f", help=formats.listed(formats.COMPARE)),
                    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the comparison here (atomically; JSON for --format table)."),
                    lang: Optional[Lang] = typer.Option(None, "--lang", help="Language of the comparison and messages: zh (default) or en.")) -> None:
    """Year over year: per unit and section old → new with the change, rank changes, units that appear or go, staff changes."""
    if lang:
        set_language(lang.value)
    from evaluator.domain.compare import compare
    from evaluator.views import comparereport
    years = []
    for facts in (old, new):
        ev = evaluate(*load_year(facts))
        _say_notices(ev.notices, False, about=facts)
        years.append(ev)
    result = compare(*years)
    if format is CompareFormat.table:
        comparereport.print_comparison(result, out)
        if output:
            write_atomically(output, formats.COMPARE["json"].content(result))
        return
    _write_or_print(formats.COMPARE[format.value], result, output)


@app.command("check-policy")
def check_policy(policy: Path = typer.Argument(..., help="A policy file."),
                 features: Optional[Path] = typer.Option(None, "--features", help="Features folder (default ./features)."),
                 against: Optional[Path] = typer.Option(None, "--against", help="Another version: list what changed.")) -> None:
    """Check a policy: schema, fields and values its rules read, tier gaps and overlaps, undocumented clauses,
    and that every number is a parameter that agrees with the method's wording."""
    from evaluator.domain.policy import load_policy
    from evaluator.domain.policy.checks import check_documented, check_tiers, level, problem_line
    from evaluator.domain.policy.compare import policy_changes
    from evaluator.domain.policy.number_checks import check_numbers
    from evaluator.inputs.yamlio import load_document
    from evaluator.views.coverage import documented_clauses
    compiled = load_policy(policy)
    out.print(say("{p}:{id}:{c} 条条款,{r} 条规则;规则读取的字段和值已对照事实词汇检查",
                  "{p}: {id}: {c} clauses, {r} rules; fields and values checked against the fact vocabulary",
                  p=policy, id=compiled.id, c=len(compiled.policy.clauses), r=len(compiled.rules)), markup=False, soft_wrap=True)
    folder = _features_folder(features)
    found = check_tiers(compiled) + (check_documented(compiled, documented_clauses(folder)) if folder else [])
    numbers = check_numbers(compiled, getattr(compiled, "data", None) or load_document(policy)[0], str(policy))
    problems = [(f.line, f.kind, f.message) for f in found] + [(p.line, p.code, p.message) for p in numbers]
    text_lines = policy.read_text(encoding="utf-8", errors="replace").splitlines()
    for line, code, message in sorted(problems, key=lambda p: p[0] if isinstance(p[0], int) else 0):
        out.print(problem_line(policy, line if isinstance(line, int) else None, message, code, text_lines),
                  markup=False, highlight=False, soft_wrap=True)
    if against:
        old = load_policy(against)
        changes = policy_changes(old, compiled)
        out.print(say("与 {o} 相比的修改:{n} 处", "changes against {o}: {n}", o=old.id, n=len(changes)), markup=False)
        for c in changes:
            out.print(f"  {c.clause} {c.rule or ''} {c.what}", markup=False)
    codes = [code for _, code, _ in problems]
    errors = sum(level(code) == "error" for code in codes)
    warnings = len(codes) - errors
    if errors:  # the exit code follows the highest level found (yamllint)
        raise EvaluatorError(say("{p} 有 {e} 处错误、{w} 处警告", "{p}: {e} error(s), {w} warning(s)", p=policy, e=errors, w=warnings))
    if warnings:
        out.print(say("{w} 处警告(不影响使用,请核对)", "{w} warning(s), no errors", w=warnings))
        return
    out.print(say("档次无空档、无重叠", "no tier gaps or overlaps") + (say(";每条条款都有场景", "; every clause has a scenario") if folder else "")
              + say(";每个数字都是参数,且与办法原文一致", "; every number is a parameter and agrees with the method's wording"))


@app.command()
def docs(features: Path = typer.Option(Path("features"), "--features", help="The Chinese features folder."),
         results: Optional[Path] = typer.Option(None, "--results", help="Scenario outcomes from the test run "
                                                "(default build/scenario-results.json if present)."),
         output: Path = typer.Option(Path("build/site"), "--output", "-o", help="The site's folder."),
         policy: Optional[Path] = typer.Option(None, "--policy", help="A policy file; by default the one in force this year.")) -> None:
    """The living-documentation site: the method's wording, rulings and scenarios with their outcomes, clause by clause."""
    import datetime

    from evaluator.domain.policy import load_policy
    from evaluator.views.livingdoc import build_site
    if results is None:
        default = Path("build/scenario-results.json")
        results = default if default.is_file() else None
        if results is None:
            err.print(say("没有 {f}:所有场景都显示为“未运行”(先运行 make docs 或 python -m pytest tests/test_features.py)",
                          "no {f}: every scenario is shown as 未运行 (run `make docs` or `python -m pytest tests/test_features.py` first)",
                          f=default), markup=False)
    compiled = load_policy(policy) if policy else choose_policy(datetime.date.today().year, None, None)
    pages = build_site(compiled, features, results, output)
    if results is not None:
        from evaluator.views.livingdoc.results import read_results
        ran = read_results(results)
        if not ran.applies_to(compiled.sha256):
            err.print(say("{r} 是按 {f} 运行场景的结果,不是 {p}:场景都显示为“未运行”",
                          "{r} holds the scenarios' outcomes under {f}, not {p}: every scenario is shown as 未运行",
                          r=results, f=ran.policy_file, p=compiled.id), markup=False)
    out.print(str(pages[0]), markup=False)


def main() -> None:
    # The evaluator's objects hold no reference cycles; collection passes over a million
    # facts cost a quarter of a run's time (docs/performance.md). Memory is freed at exit.
    gc.disable()
    # A terminated run unwinds like an interrupted one, so half-written reports are removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        code = app(standalone_mode=False)  # returns the code of a typer.Exit instead of raising it
        if isinstance(code, int) and code:
            sys.exit(code)
    except EvaluatorError as exc:
        if isinstance(exc, InputError):
            for problem in exc.problems:
                err.print(str(problem), markup=False, highlight=False)
            err.print(exc.summary() + say(";未写入任何文件", "; nothing was written"), markup=False, highlight=False)
        else:
            err.print(say("错误:{e}", "error: {e}", e=exc), markup=False, highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print(say("已中断;未写入任何文件", "interrupted; nothing was written"))
        sys.exit(130)
    except Exception as exc:  # a mistyped command line, typer.Exit, typer.Abort; anything else is a bug
        from evaluator.commands.usage import exit_code, usage_message
        code = exit_code(exc)
        if code is None:
            raise
        message = usage_message(exc)
        if message:
            err.print(message, markup=False, highlight=False)
        sys.exit(code)


if __name__ == "__main__":
    main()
