"""The scorecard's section columns, as every report heads and fills them: from the policy's sections.

A section gives its score column and, by its kind, a raw-points column (a bounded section's
deductions, a per-staff section's points before the division) and one column per thing it
counts (the targets missed). Each column is keyed by the JSON result's name for it, so a
report reads the same value the JSON carries. Which columns a report shows is one of three views:

- `FULL` (the workbook): every column;
- `RANKING` (the Markdown and HTML ranking): a section's counts where it has any, else its raw
  points, then its score;
- `BRIEF` (the terminal, the workbench): the scores, and a per-staff section's points before it
  (so the division can be read).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Mapping

from evaluator.domain.numbers import plain, two_places
from evaluator.domain.policy.model import Section
from evaluator.domain.scorecard import RAW, SCORE

if TYPE_CHECKING:  # pragma: no cover - typing only
    from evaluator.domain.scorecard import UnitScore

View = Literal["full", "ranking", "brief"]
FULL, RANKING, BRIEF = "full", "ranking", "brief"

# The words a column heading adds to a section's short name, by what the column holds.
WORDS = {
    "zh": {"deductions": "{short}扣分", "points": "{short}积分", "score": "{short}得分",
           "bounded_note": "{short} = {title}(满分 {full} 分扣分后)", "per_staff_note": "{short} = {title}(累计积分 ÷ 人数)",
           "total": "总分", "plus": " + ", "per_staff_formula": "{points} ÷ 实有人数,四舍五入保留 {places} 位小数",
           "per_staff_plain": "{points} ÷ 实有人数", "formula": "总分 = {terms}{details}"},
    "en": {"deductions": "{short} deductions", "points": "{short} points", "score": "{short} score",
           "bounded_note": "{short} = {title} (full marks {full}, after deductions)",
           "per_staff_note": "{short} = {title} (points ÷ staff)",
           "total": "Total", "plus": " + ", "per_staff_formula": "{points} ÷ staff, rounded half up to {places} decimals",
           "per_staff_plain": "{points} ÷ staff", "formula": "Total = {terms}{details}"},
}


@dataclass(frozen=True)
class Column:
    key: str              # the JSON result's key: common_score, annual_missed ...
    heading: str          # the full heading: 共性得分
    short: str            # the heading where room is short: 共性 (a score), 日常积分 (points)
    section: str          # the section's id
    role: str             # "score", "raw" or a count's name
    number: bool          # a score or points (two decimals), not a count

    def value(self, score: "UnitScore") -> Any:
        return score.fields()[self.key]


def title(section: Section, lang: str) -> str:
    return (section.title_en if lang == "en" else "") or section.title


def short(section: Section, lang: str) -> str:
    return (section.short_en if lang == "en" else "") or section.short or title(section, lang)


def _words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["zh"])


def columns(sections: Mapping[str, Section], lang: str = "zh", view: View = FULL) -> list[Column]:
    """The section columns of `view`, in the policy's order of sections."""
    w = _words(lang)
    out: list[Column] = []
    for sid, section in sections.items():
        name = short(section, lang)
        raw_word = RAW[section.kind]
        raw = w[raw_word].format(short=name)
        counts = [Column(f"{sid}_{cname}", (c.heading_en if lang == "en" else "") or c.heading,
                         (c.heading_en if lang == "en" else "") or c.heading, sid, cname, False)
                  for cname, c in section.counts.items()]
        raw_column = Column(f"{sid}_{raw_word}", raw, raw, sid, "raw", True)
        score_column = Column(f"{sid}_{SCORE}", w["score"].format(short=name), name, sid, "score", True)
        if view == FULL:
            out += [*counts, raw_column, score_column]
        elif view == RANKING:
            out += [*(counts or [raw_column]), score_column]
        else:
            out += [*([raw_column] if section.per_staff else []), score_column]
    return out


def score_keys(sections: Mapping[str, Section]) -> list[str]:
    """The JSON keys of the sections' scores, in order: what a comparison sets side by side."""
    return [c.key for c in columns(sections, view=BRIEF) if c.role == "score"]


def notes(sections: Mapping[str, Section], lang: str = "zh") -> list[str]:
    """What each short heading stands for: 共性 = 共性工作指标(满分 40 分扣分后)."""
    w = _words(lang)
    out = []
    for section in sections.values():
        if section.per_staff:
            out.append(w["per_staff_note"].format(short=short(section, lang), title=title(section, lang)))
        else:
            full = plain(section.full_marks) if section.full_marks is not None else "—"
            out.append(w["bounded_note"].format(short=short(section, lang), title=title(section, lang), full=full))
    return out


def formula(sections: Mapping[str, Section], lang: str = "zh") -> str:
    """总分 = 共性得分 + 年度得分 + 日常得分(日常积分 ÷ 实有人数,四舍五入保留 2 位小数)."""
    w = _words(lang)
    terms, details = [], []
    for section in sections.values():
        name = short(section, lang)
        terms.append(w["score"].format(short=name))
        if section.per_staff:
            points = w["points"].format(short=name)
            details.append(w["per_staff_formula"].format(points=points, places=section.round_places)
                           if section.round_places is not None else w["per_staff_plain"].format(points=points))
    open_, close, sep = ("(", ")", ";") if lang == "zh" else (" (", ")", "; ")
    return w["formula"].format(terms=w["plus"].join(terms), details=open_ + sep.join(details) + close if details else "")



def counted_phrase(count_name: str, section: Section, n: int, lang: str = "zh") -> str:
    """未完成 1 项 / 1 missed: a section's count in a sentence, in the policy's words."""
    count = section.counts[count_name]
    if lang == "en":
        return f"{n} {count.label_en or count.label}"
    return f"{count.label} {n} {count.unit}".strip()


SUMMARY = {
    "zh": {"bounded": "扣分 {raw},满分 {full},最低 {floor}", "per_staff": "累计积分 {raw} ÷ {staff} 人",
           "rounded": ",四舍五入保留 {places} 位小数", "sep": ",", "open": "(", "close": ")", "none": "无"},
    "en": {"bounded": "deductions {raw}, full marks {full}, floor {floor}", "per_staff": "points {raw} ÷ {staff} staff",
           "rounded": ", rounded half up to {places} decimals", "sep": ", ", "open": " (", "close": ")", "none": "none"},
}


def summary(part, staff: int, lang: str = "zh") -> str:
    """A section's score and how it came about, in one line of `explain`:
    共性工作指标 38.60(扣分 -1.40,满分 40,最低 0); 日常工作指标 10.81(累计积分 151.30 ÷ 14 人,…)."""
    w = SUMMARY.get(lang, SUMMARY["zh"])
    section = part.section
    if section.per_staff:
        how = w["per_staff"].format(raw=two_places(part.points), staff=staff)
        if section.round_places is not None:
            how += w["rounded"].format(places=section.round_places)
    else:
        full, floor = (plain(v) if v is not None else w["none"] for v in (section.full_marks, section.floor))
        how = w["bounded"].format(raw=two_places(part.points), full=full, floor=floor)
    for name, n in part.counts.items():
        how += w["sep"] + counted_phrase(name, section, n, lang)
    return f"{title(section, lang)} {two_places(part.score)}{w['open']}{how}{w['close']}"
