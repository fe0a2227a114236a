"""Joining the units' own submissions (each clerk's ledger) into the year's one fact set.

Every unit's clerk fills a ledger workbook (or a YAML/JSON fact set) with their own unit's
records; the office keeps the roster (a ledger or fact set whose units are the year's
units, and whose own records, if any, are the office's submission). `merge_submissions`
reads them all under the roster's year, policy and vocabulary and returns one fact set:

- **Who submitted a file**: the unit its 机构 sheet (`units`) lists, when it lists exactly
  one; otherwise the one unit all its records name; otherwise a problem asking the clerk to
  list only their own unit. Every file is read with the whole roster's units, so a record
  may name another unit as its coordinator by name; the file's own 机构 sheet does not
  change the roster (a different staff count there is a notice).
- **Only its own records**: a record whose `unit` is another unit is a problem, unless the
  submitting unit is one of its `coordinators` (or its `reviewed_by`): then it is kept, with
  a `coordinator-record` notice asking the owning unit to confirm it.
- **One event, counted once**: records of one type with the same title (or session,
  regulation, activity, issue, group) and the same date in two files are one event entered
  twice: the record in the file of the unit it names as `unit` is kept (else the first
  file's), the other dropped, and a `duplicate-submission` notice names both. Records
  without a date are never dropped; two such are a `possible-duplicate` notice. Records of
  one file are that file's business and never compared with each other.
- **Ids**: a record keeps its id when no other file uses it; an id used by several files
  (blank ids become `请假-14` in every workbook) is prefixed with the submitting unit's id
  (`legal:请假-14`; the roster's own records: `roster:请假-14`), so evidence stays traceable.
- **Where each record came from**: `factset.sources[id]` is `"legal.xlsx:请假!14"` (or
  `"legal.yaml:12"`, the line), or in words when the caller labels its files (the workbench:
  `法制工作委员会提交的台账(….xlsx)“请假”表第 14 行`); `Merged.renamed` maps a prefixed id to the id as written.
- **Every problem at once**: the problems of every file, and those between files (one
  annual duty held twice, R20), are raised together as one `FactSetError`; nothing is
  merged, and so nothing written, when there is any.

`write_merged` writes the result with `convert`. A workbook gets one more sheet, 来源
(编号, 来源文件, 位置), listing every record's source; a YAML or JSON file, whose top-level
keys are fixed by the format, gets a sidecar `<output>.sources.csv` (UTF-8 with BOM, so
that Excel opens it in Chinese) with the same columns.

Nothing here prints: the notices are returned for the command to say.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from evaluator.domain.facts import Record
from evaluator.domain.factset import FactSet, Location, WORKBOOK_SUFFIXES, check_factset, load_factset, read_factset_document
from evaluator.domain.vocabulary import UnitNames, Vocabulary, normal
from evaluator.errors import Cell, FactSetError, Notice, Problem, notice_titles
from evaluator.i18n import listing, say
from evaluator.inputs.ledger.layout import UNITS_SHEET
from evaluator.inputs.yamlio import json_fact_lines

# The merge's kinds of notice by name (the report's 类别).
NOTICE_TITLES = notice_titles({
    "submitter-inferred": "按记录认定报送机构",
    "staff-differs": "人数与名册不同",
    "coordinator-record": "协办机构代填的记录",
    "possible-duplicate": "可能重复登记",
    "duplicate-submission": "同一事项两个文件都报",
})


SOURCES_SHEET = "来源"                     # the merged workbook's list of where each record came from
SOURCES_HEADERS = ("编号", "来源文件", "位置")
ROSTER_PREFIX = "roster"                   # the prefix of a colliding id among the roster's own records
TITLE_FIELDS = ("title", "session", "regulation", "activity", "issue", "group")  # what names an event


@dataclass
class Submission:
    """One file of the merge, and what was made of it."""
    path: Path
    label: str                          # the file as sources name it (its name; the path when names repeat)
    unit: str | None                    # the submitting unit; None for the roster (the office's own records)
    factset: FactSet | None = None      # as read (with the roster's units); None when it did not read
    kept: int = 0                       # records of this file in the merged fact set
    spoken: bool = False                # the label was given in words (办公厅提交的台账): places are said in words too


@dataclass(frozen=True)
class Origin:
    """Where one merged record was written."""
    file: str                           # Submission.label
    where: str                          # `请假!14` (workbook row) or `12` (line of a YAML/JSON file); "" if unknown
    id: str                             # the id as written in that file
    spoken: bool = False                # Submission.spoken: `办公厅提交的台账“请假”表第 14 行`, not `file:请假!14`

    def __str__(self) -> str:
        if self.spoken:
            return self.file + in_words(self.where)
        return f"{self.file}:{self.where}" if self.where else self.file


PLACE = re.compile(r"^(?:(?P<sheet>.+)!)?(?P<column>[A-Z]*)(?P<row>\d+)(?P<header>(.*))?$")   # str(Cell), or a line


def in_words(where: str) -> str:
    """A place as a reader says it: `请假!14` → “请假”表第 14 行, `请假!F1(备注)` → “请假”表第 1 行 F 列(备注),
    `12` → 第 12 行; anything else as it is."""
    found = PLACE.match(where)
    if not found:
        return f" {where}" if where else ""
    sheet, column, row, header = found.group("sheet", "column", "row", "header")
    return (f"“{sheet}”表" if sheet else "") + f"第 {row} 行" + (f" {column} 列" if column else "") + (header or "")


@dataclass
class Merged:
    """The merged fact set, ready to evaluate or write.

    `notices` is the same list as `factset.notices` (what the files' readers said, then what
    the merge says); `sources` the same dict as `factset.sources` (fact id -> `file:where`, or its
    words when the files are labelled)."""
    factset: FactSet
    policy: Any                                             # the CompiledPolicy of the roster's year
    notices: list[Notice]
    sources: dict[str, str]
    origins: dict[str, Origin] = field(default_factory=dict)            # fact id -> where it was written
    renamed: dict[str, str] = field(default_factory=dict)              # prefixed id -> the id as written
    dropped: list[tuple[Origin, str]] = field(default_factory=list)    # (the duplicate left out, the id kept instead)
    submissions: list[Submission] = field(default_factory=list)        # the roster first, then the files in order

    def source_rows(self) -> list[tuple[str, str, str]]:
        """(编号, 来源文件, 位置) of every record, in the fact set's order."""
        return [(r.id, self.origins[r.id].file, self.origins[r.id].where) for r in self.factset.facts]


@dataclass
class _Entry:
    submission: int                     # index into the submissions
    record: Record
    origin: Origin
    location: Location
    asks: Notice | None = None          # a coordinator's record: the owning unit is asked to confirm it, if kept


def merge_submissions(submissions: list[Path], roster: Path, progress: Callable[[int, int], None] | None = None,
                      labels: dict[Path, str] | None = None) -> Merged:
    """The units' submissions merged into one fact set under the roster's year, policy and units,
    or `FactSetError` listing every problem of every file. `progress(n, N)` is told after each
    file is read (the workbench shows it during a long run). `labels` names files in words for
    sources and notices (the workbench's 办公厅提交的台账(…), whose files are its own scratch
    copies); a file not in it is named by its file name (its path where names repeat)."""
    from evaluator.domain.policy.registry import choose_policy
    roster = Path(roster)
    paths = [Path(p) for p in submissions]
    office = load_factset(roster)                    # a bad roster: its own problems, nothing else can be read
    policy = choose_policy(office.year, office.policy)
    vocabulary = policy.vocabulary
    given = {Path(p): label for p, label in (labels or {}).items()}
    named = [(given[p], True) if p in given else (label, False) for p, label in zip([roster, *paths], _labels([roster, *paths]))]
    problems: list[Problem] = []
    notices: list[Notice] = list(office.notices)
    subs = [Submission(roster, named[0][0], None, office, spoken=named[0][1])]
    entries: list[_Entry] = [_Entry(0, r, _origin(subs[0], office, r.id), office.lines.get(r.id)) for r in office.facts]
    roster_units = [{"id": u.id, "name": u.name, "staff": u.staff} for u in office.units.values()]
    names = UnitNames.of(roster_units)
    seen_files = {_resolved(roster): roster}
    for position, path in enumerate(paths, start=1):
        key = _resolved(path)
        if key in seen_files:
            problems.append(Problem(str(path), None, say(
                "这个文件已作为{what}给出过({first});每个文件只给一次",
                "this file was given already, as {what_en} ({first}); give each file once",
                what="名册" if seen_files[key] == roster else "报送文件", what_en="the roster" if seen_files[key] == roster
                else "a submission", first=seen_files[key]), "duplicate-file"))
            continue
        seen_files[key] = path
        index = len(subs)
        sub = Submission(path, named[position][0], None, spoken=named[position][1])
        subs.append(sub)
        reading = _Read(path, sub, office, policy, vocabulary, roster_units, names, problems, notices)
        entries += reading.run(index)
        if progress is not None:
            progress(position, len(paths))
    kept, pairs = _counted_once(entries, subs, vocabulary, notices)
    notices += [e.asks for e in kept if e.asks is not None]
    problems += _duties_held_twice(kept, subs)
    if problems:
        raise FactSetError(problems)
    ids = _merged_ids(kept, subs)
    facts: list[Record] = []
    lines: dict[str, Location] = {}
    origins: dict[str, Origin] = {}
    renamed: dict[str, str] = {}
    for entry, new_id in zip(kept, ids):
        record = entry.record
        if new_id != record.id:
            renamed[new_id] = record.id
            record = type(record)({**record.__dict__, "id": new_id})
        facts.append(record)
        origins[new_id] = entry.origin
        if entry.location is not None:
            lines[new_id] = entry.location
        subs[entry.submission].kept += 1
    sources = {fact_id: str(origin) for fact_id, origin in origins.items()}
    merged = FactSet(str(roster), office.year, office.policy, dict(office.units), facts, lines,
                     _digest(subs), sources, notices)
    _safety_net(merged, origins, subs, vocabulary)
    new_id = {id(entry): fid for entry, fid in zip(kept, ids)}
    dropped = [(entry.origin, new_id[id(instead)]) for entry, instead in pairs]
    return Merged(merged, policy, notices, sources, origins, renamed, dropped, subs)


# --- reading one submission -----------------------------------------------------------------
class _Read:
    """One submission: read with the roster's units, its submitting unit found, its records owned."""

    def __init__(self, path: Path, sub: Submission, office: FactSet, policy, vocabulary: Vocabulary,
                 roster_units: list[dict], names: UnitNames, problems: list[Problem], notices: list[Notice]):
        self.path, self.name, self.sub, self.office = path, str(path), sub, office
        self.policy, self.vocabulary, self.roster_units, self.names = policy, vocabulary, roster_units, names
        self.problems, self.notices = problems, notices
        self.workbook = path.suffix.lower() in WORKBOOK_SUFFIXES

    def run(self, index: int) -> list[_Entry]:
        data, read_problems, read_notices = read_factset_document(self.path)
        self.notices += [self._named(n) for n in read_notices]
        if data is None:
            self.problems.extend(read_problems or [Problem(self.name, None, say("文件中没有事实集", "the file holds no fact set"), "empty")])
            return []
        # The roster gives the units: a unit file without its 机构 sheet is still read.
        read_problems = [p for p in read_problems if p.code != "missing-sheet"]
        listed = self._listed_units(data)
        raw_facts = self._replace_units(data)
        factset = None
        try:
            factset = check_factset(data, self.name, read_problems, _file_digest(self.path), vocabulary=self.vocabulary)
        except FactSetError as exc:
            self.problems.extend(exc.problems)
        unit = self._submitter(listed, raw_facts, factset)
        self.sub.unit, self.sub.factset = unit, factset
        self._same_year(data)
        raw_by_id = {str(item["id"]): item for item in raw_facts if isinstance(item, dict) and "id" in item}
        if factset is None:
            if unit is not None:
                self._raw_ownership(raw_facts, unit)
            return []
        if unit is None:
            return []
        lines = factset.lines or self._json_lines()
        entries = []
        for record in factset.facts:
            location = lines.get(record.id)
            origin = Origin(self.sub.label, _where(location), record.id, self.sub.spoken)
            entry = _Entry(index, record, origin, location)
            if record.unit != unit:
                entry.asks = self._coordinated(record, unit, raw_by_id.get(record.id), origin, location)
                if entry.asks is None:
                    continue
            entries.append(entry)
        return entries

    # --- the document -----------------------------------------------------------------------
    def _key(self, data: dict, code: str) -> Any:
        return next((k for k in data if k == code or self.vocabulary.document_key(k) == code), code)

    def _listed_units(self, data: Any) -> list[tuple[str | None, Any, dict]]:
        """(roster unit id or None, the raw unit, its fields in codes) for each unit the file lists;
        a unit listed on two rows counts once."""
        if not isinstance(data, dict):
            return []
        raw = data.get(self._key(data, "units"))
        out, seen = [], set()
        for item in raw if isinstance(raw, list) else []:
            if not isinstance(item, dict):
                continue
            unit = {self.vocabulary.unit_key(k): v for k, v in item.items()}
            found = self._roster_unit(unit.get("id"), unit.get("name"))
            if found is not None and found in seen:
                continue
            seen.add(found)
            out.append((found, item, unit))
        return out

    def _roster_unit(self, uid: Any, name: Any) -> str | None:
        """The roster's unit a listed unit is: by its id, else by its name."""
        units = self.office.units
        if isinstance(uid, str) and uid in units:
            return uid
        for word in (name, uid):
            if isinstance(word, str) and self.names.id_of(word) in units:
                return self.names.id_of(word)
        return None

    def _replace_units(self, data: Any) -> list:
        if not isinstance(data, dict):
            return []
        data[self._key(data, "units")] = [dict(u) for u in self.roster_units]
        facts = data.get(self._key(data, "facts"))
        return facts if isinstance(facts, list) else []

    # --- who submitted it ------------------------------------------------------------------
    def _submitter(self, listed: list, raw_facts: list, factset: FactSet | None) -> str | None:
        sheet = say("“{s}”工作表", "the '{s}' sheet", s=UNITS_SHEET) if self.workbook else say("“units”列表", "the 'units' list")
        if len(listed) == 1:
            found, item, unit = listed[0]
            if found is None:
                shown = unit.get("name") or unit.get("id")
                self.problems.append(Problem(self.name, _line_of(item, "name"), say(
                    "报送机构“{u}”不在名册中{hint};请核对{s}中的机构编号和名称(名册:{roster})",
                    "the submitting unit '{u}' is not in the roster{hint}; check its id and name in {s} (roster: {roster})",
                    u=shown, s=sheet, hint=_did_you_mean(shown, self.roster_units),
                    roster=listing(u["name"] for u in self.roster_units)), "unknown-submitter", subject="unit"))
                return None
            self._same_staff(found, item, unit)
            return found
        named = self._record_units(raw_facts, factset)
        if len(named) == 1:
            [unit_id] = named
            listed_zh = f"列了 {len(listed)} 个机构" if listed else "没有列出机构"
            listed_en = f"lists {len(listed)} units" if listed else "lists no unit"
            self.notices.append(Notice("submitter-inferred", say(
                "{s}{l},按记录认定本文件由“{u}”报送;请在{s}中只列本机构一行",
                "{s} {l_en}; the file is taken as the submission of '{u}', the unit all its records name "
                "(list only your own unit in {s})", s=sheet, l=listed_zh, l_en=listed_en,
                u=self.office.units[unit_id].name), unit=unit_id, where=self.sub.label if self.sub.spoken else self.name))
            return unit_id
        if not named and not listed:
            if factset is not None and not factset.facts:
                return None   # an empty submission: nothing to merge, nothing wrong
        self.problems.append(Problem(self.name, None, say(
            "无法判断本文件由哪个机构报送:{s}列了 {n} 个机构,记录涉及 {m} 个机构;请在{s}中只保留本机构一行",
            "cannot tell which unit submitted this file: {s} lists {n} units and its records name {m}; "
            "list only your own unit in {s}", s=sheet, n=len(listed), m=len(named)), "submitter-unknown"))
        return None

    def _named(self, notice: Notice) -> Notice:
        """A reader's notice about this file, its place named as the caller named the file: the
        workbench's scratch copy (`…/tmp/…/office-1.xlsx:请假`) is 办公厅提交的台账“请假”表."""
        if not self.sub.spoken or not (notice.where or "").startswith(self.name):
            return notice
        rest = notice.where[len(self.name):].lstrip(":")
        place = in_words(rest) if "!" in rest else f"“{rest}”表" if rest else ""
        return dataclasses.replace(notice, where=self.sub.label + place)

    def _record_units(self, raw_facts: list, factset: FactSet | None) -> set[str]:
        if factset is not None:
            return {r.unit for r in factset.facts}
        found = set()
        for item in raw_facts:
            if isinstance(item, dict):
                value = next((v for k, v in item.items() if k == "unit" or self.vocabulary.field_name(None, k) == "unit"), None)
                found.add(self.names.id_of(value) if isinstance(value, str) else value)
        return {u for u in found if u is not None}

    def _same_staff(self, unit_id: str, item: Any, unit: dict) -> None:
        staff, roster_staff = unit.get("staff"), self.office.units[unit_id].staff
        try:
            differs = staff not in (None, "") and int(staff) != roster_staff
        except (TypeError, ValueError):
            differs = True
        if differs:
            self.notices.append(Notice("staff-differs", say(
                "本文件写“{u}”实际工作人员 {n} 人,名册为 {r} 人;以名册为准",
                "the file gives '{u}' a staff of {n}, the roster {r}; the roster's count is used",
                u=self.office.units[unit_id].name, n=staff, r=roster_staff), unit=unit_id,
                where=str(Origin(self.sub.label, _where(_line_of(item, "staff")), "", self.sub.spoken))))

    def _same_year(self, data: Any) -> None:
        """A submission is of the roster's year and policy (a year that is no year is reported by the checks)."""
        if not isinstance(data, dict):
            return
        year, policy = data.get(self._key(data, "year")), data.get(self._key(data, "policy"))
        if isinstance(year, int) and not isinstance(year, bool) and year != self.office.year:
            self.problems.append(Problem(self.name, _line_of(data, self._key(data, "year")), say(
                "本文件是 {y} 年度的台账,名册是 {r} 年度;请使用 {r} 年度的台账",
                "this ledger is for {y}, the roster for {r}; use a ledger of {r}", y=year, r=self.office.year), "year"))
        if isinstance(policy, str) and policy != self.policy.id:
            self.problems.append(Problem(self.name, _line_of(data, self._key(data, "policy")), say(
                "本文件按考核办法 {p} 填写,名册按 {r};请使用同一考核办法的台账",
                "this ledger names policy {p}, the roster {r}; use a ledger of the same policy",
                p=policy, r=self.policy.id), "policy"))

    # --- whose records ---------------------------------------------------------------------
    def _coordinated(self, record: Record, unit: str, raw: Any, origin: Origin, location: Location) -> Notice | None:
        """A record of another unit: kept when the submitting unit coordinates it (or reviewed it), with
        the notice asking the owning unit to confirm it; else a problem, and None."""
        fields = record.__dict__
        coordinators = fields.get("coordinators") or []
        units = self.office.units
        owner, ours = units[record.unit].name, units[unit].name
        if unit in coordinators or fields.get("reviewed_by") == unit:
            return Notice("coordinator-record", say(
                "记录 {id} 是“{owner}”的,由协办(或审查)机构“{ours}”填报;已计入,请“{owner}”确认",
                "record {id} belongs to '{owner}' and was entered by '{ours}', a coordinating (or reviewing) unit; "
                "it is counted, and '{owner}' should confirm it", id=record.id, owner=owner, ours=ours), unit=record.unit, where=str(origin))
        self.problems.append(Problem(self.name, _line_of(raw, "unit") or location, _other_unit(ours, owner), "other-unit", record.id, "unit", field_label=self.vocabulary.labels.fields.get("unit")))
        return None

    def _raw_ownership(self, raw_facts: list, unit: str) -> None:
        """Records of other units in a file that did not validate, so that its every problem is said now.

        The failed checks leave the raw records in codes (the vocabulary read them), as far as they read."""
        for item in raw_facts:
            if not isinstance(item, dict):
                continue
            owner = self.names.id_of(item.get("unit"))
            if not isinstance(owner, str) or owner == unit or owner not in self.office.units:
                continue   # its own, or a unit that is no unit (reported by the checks)
            coordinators = item.get("coordinators")
            coordinators = coordinators if isinstance(coordinators, list) else [coordinators]
            if unit in [self.names.id_of(c) for c in coordinators] or self.names.id_of(item.get("reviewed_by")) == unit:
                continue
            units = self.office.units
            fact_id = str(item["id"]) if "id" in item else None
            self.problems.append(Problem(self.name, _line_of(item, "unit"), _other_unit(units[unit].name, units[owner].name),
                                         "other-unit", fact_id, "unit", field_label=self.vocabulary.labels.fields.get("unit")))

    def _json_lines(self) -> dict[str, Location]:
        if self.path.suffix.lower() != ".json":
            return {}
        try:
            return dict(json_fact_lines(self.path.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError):
            return {}


def _other_unit(ours: str, owner: str) -> str:
    return say("本文件由“{ours}”报送,此记录却是“{owner}”的;每个机构只填报本机构的记录(协办的事项请在“协办机构”中写上“{ours}”,"
               "或由“{owner}”填报)", "this file is the submission of '{ours}', but the record belongs to '{owner}'; a unit enters only its own "
               "records (for one it coordinates, name '{ours}' among the coordinators, or let '{owner}' enter it)",
               ours=ours, owner=owner)


# --- between files ----------------------------------------------------------------------------
def _event(record: Record) -> tuple | None:
    fields = record.__dict__
    name = next((n for n in TITLE_FIELDS if n in fields), None)
    if name is None or not isinstance(fields.get(name), str):
        return None
    return record.type, normal(fields[name]), fields.get("date")


def _counted_once(entries: list[_Entry], subs: list[Submission], vocabulary: Vocabulary,
                  notices: list[Notice]) -> tuple[list[_Entry], list[tuple[_Entry, _Entry]]]:
    """The entries with each event entered in two files counted once (the owning unit's file kept),
    and (the entry dropped, the entry kept instead) for each duplicate."""
    groups: dict[tuple, list[_Entry]] = defaultdict(list)
    for entry in entries:
        key = _event(entry.record)
        if key is not None:
            groups[key].append(entry)
    drop: set[int] = set()
    pairs: list[tuple[_Entry, _Entry]] = []
    for (fact_type, _, date), group in groups.items():
        files = list(dict.fromkeys(e.submission for e in group))
        if len(files) < 2:
            continue   # one file's records are its own business
        label = vocabulary.type_label(fact_type)
        title = next(getattr(group[0].record, n) for n in TITLE_FIELDS if n in group[0].record.__dict__)
        if date is None:
            notices.append(Notice("possible-duplicate", say(
                "{files} 都登记了{type}“{title}”(均未填日期),可能是同一事项;请核对,如是同一事项请只保留一条并填写日期",
                "{files} all enter the {type_en} '{title}' (without a date): perhaps one event entered twice; check, and "
                "keep one record with its date", files=listing(str(e.origin) for e in group), type=label, type_en=fact_type,
                title=title), unit=group[0].record.unit, where=str(group[-1].origin)))
            continue
        owning = next((f for f in files if any(e.submission == f and subs[f].unit == e.record.unit for e in group)), files[0])
        kept = next(e for e in group if e.submission == owning)
        for entry in group:
            if entry.submission == owning:
                continue
            drop.add(id(entry))
            pairs.append((entry, kept))
            notices.append(Notice("duplicate-submission", say(
                "同一{type}“{title}”({date})由两个文件分别填报:{kept}(记录 {kid})与 {other}(记录 {oid});只计一次,"
                "保留 {kept} 的记录", "the {type_en} '{title}' ({date}) is entered in two files: {kept} (record {kid}) and "
                "{other} (record {oid}); it is counted once, as {kept}'s record", type=label, type_en=fact_type, title=title,
                date=date.isoformat(), kept=kept.origin, kid=kept.origin.id, other=entry.origin, oid=entry.origin.id),
                unit=kept.record.unit, where=str(entry.origin)))
    return [e for e in entries if id(e) not in drop], pairs


def _duties_held_twice(entries: list[_Entry], subs: list[Submission]) -> list[Problem]:
    """R20 across files: a unit holds each annual duty once a year."""
    first: dict[tuple[str, str], _Entry] = {}
    problems = []
    for entry in entries:
        record = entry.record
        if record.type != "annual_duty":
            continue
        key = (record.unit, record.duty)
        if key not in first:
            first[key] = entry
        elif first[key].submission != entry.submission:
            problems.append(Problem(str(subs[entry.submission].path), entry.location, say(
                "机构“{unit}”的这项全年职责已由 {first}(记录 {fid})登记;一个机构每项职责一年只登记一条(R20)",
                "unit '{unit}' already holds this annual duty in {first} (record {fid}); one record per unit and duty (R20)",
                unit=record.unit, first=first[key].origin, fid=first[key].origin.id), "duplicate-duty", record.id, "duty"))
    return problems


def _merged_ids(entries: list[_Entry], subs: list[Submission]) -> list[str]:
    """Each entry's id in the merge: as written when no other file uses it, else prefixed by its unit."""
    files_of: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        files_of[entry.record.id].add(entry.submission)
    taken = {fid for fid, files in files_of.items() if len(files) == 1}
    out = []
    for entry in entries:
        fid = entry.record.id
        if len(files_of[fid]) == 1:
            out.append(fid)
            continue
        sub = subs[entry.submission]
        prefix = sub.unit or ROSTER_PREFIX
        for candidate in _candidates(prefix, sub.path.stem, fid):
            if candidate not in taken:
                break
        taken.add(candidate)
        out.append(candidate)
    return out


def _candidates(prefix: str, stem: str, fid: str) -> Iterable[str]:
    yield f"{prefix}:{fid}"
    yield f"{prefix}:{stem}:{fid}"           # two files of one unit
    n = 2
    while True:
        yield f"{prefix}:{fid}#{n}"
        n += 1


def _safety_net(merged: FactSet, origins: dict[str, Origin], subs: list[Submission], vocabulary: Vocabulary) -> None:
    """The merged fact set checked as a whole, as any fact set is: what no single file could know.

    Every check between files is made above with its own message; this pass makes sure that
    a check added to the fact set's rules later is not escaped by merging. Its problems are
    reported where the record was written."""
    from evaluator.inputs.convert import as_document
    try:
        check_factset(as_document(merged), merged.path, vocabulary=vocabulary)
    except FactSetError as exc:
        by_label = {s.label: s for s in subs}
        problems = []
        for p in exc.problems:
            origin = origins.get(p.fact_id or "")
            if origin is None:
                problems.append(p)
                continue
            line = merged.lines.get(p.fact_id)
            problems.append(dataclasses.replace(p, file=str(by_label[origin.file].path), line=line, fact_id=origin.id))
        raise FactSetError(problems) from None


# --- small helpers ----------------------------------------------------------------------------
def _labels(paths: list[Path]) -> list[str]:
    """How sources name each file: its name, or its path where two files share a name."""
    counts = Counter(p.name for p in paths)
    return [p.name if counts[p.name] == 1 else str(p) for p in paths]


def _resolved(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path)


def _origin(sub: Submission, factset: FactSet, fact_id: str) -> Origin:
    return Origin(sub.label, _where(factset.lines.get(fact_id)), fact_id, sub.spoken)


def _where(location: Location) -> str:
    if isinstance(location, Cell):
        return f"{location.sheet}!{location.row}"    # the record's row
    return "" if location is None else str(location)


def _line_of(item: Any, key: str) -> Location:
    return item.line_of(key) if hasattr(item, "line_of") else None


def _did_you_mean(word: Any, units: list[dict]) -> str:
    from evaluator.errors import did_you_mean
    return did_you_mean(word, [u["name"] for u in units] + [u["id"] for u in units])


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _digest(subs: list[Submission]) -> str:
    """The merged fact set's digest: of its files' digests, in order."""
    h = hashlib.sha256()
    for sub in subs:
        h.update((sub.factset.sha256 if sub.factset else "").encode() + b"\n")
    return h.hexdigest()


# --- writing ----------------------------------------------------------------------------------
def write_merged(merged: Merged, output: Path) -> list[Path]:
    """Write the merged fact set to `output` (.xlsx, .yaml or .json, by its suffix) with where
    each record came from; the paths written.

    A workbook carries the sources on a sheet 来源 (编号, 来源文件, 位置); a YAML or JSON file,
    whose top-level keys the format fixes, gets them in `<output>.sources.csv` beside it
    (UTF-8 with BOM)."""
    from evaluator.inputs.convert import FORMATS, convert
    output = Path(output)
    content = convert(merged.factset, merged.policy, output)   # an unknown suffix: UsageError, nothing written
    rows = merged.source_rows()
    if FORMATS[output.suffix.lower()] == "xlsx":
        output.write_bytes(with_sources_sheet(content, rows))
        return [output]
    sidecar = sources_csv_path(output)
    output.write_bytes(content)
    sidecar.write_bytes(sources_csv(rows))
    return [output, sidecar]


def sources_csv_path(output: Path) -> Path:
    return output.with_name(output.name + ".sources.csv")


def sources_csv(rows: Iterable[tuple[str, str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SOURCES_HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def with_sources_sheet(workbook: bytes, rows: Iterable[tuple[str, str, str]]) -> bytes:
    """The workbook with a sheet 来源 listing every record's source, after the fact sheets."""
    from openpyxl import load_workbook
    from openpyxl.styles import Font
    wb = load_workbook(io.BytesIO(workbook))
    ws = wb.create_sheet(SOURCES_SHEET)
    ws.append(SOURCES_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    width = [len(h) * 2 + 2 for h in SOURCES_HEADERS]
    for row in rows:
        ws.append(list(row))
        width = [max(w, min(60, _display_width(v) + 2)) for w, v in zip(width, row)]
    for letter, w in zip("ABC", width):
        ws.column_dimensions[letter].width = w
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _display_width(text: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in str(text))


__all__ = ["Merged", "Origin", "Submission", "merge_submissions", "write_merged", "with_sources_sheet",
           "sources_csv", "sources_csv_path", "SOURCES_SHEET", "SOURCES_HEADERS"]
