"""Many fact sets at once: `evaluator run DIR` (or several files), in parallel processes.

Each fact set is evaluated in a worker process and written to its own result file;
a bad file is reported and does not stop the others.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from evaluator.errors import EvaluatorError
from evaluator.views.formats import RESULT_SUFFIXES, RUN


@dataclass(frozen=True)
class Outcome:
    facts: str
    output: str | None
    units: int = 0
    findings: int = 0
    error: str | None = None


def fact_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json", ".xlsx")
                            and not p.name.endswith(RESULT_SUFFIXES) and not p.name.startswith(("~$", ".~")))
        else:
            found.append(path)
    return found


def output_names(files: list[Path], fmt: str, out_dir: Path | None) -> dict[Path, Path]:
    """Each fact set's result file: `2024.result.json` for `2024.yaml`; when two of them would
    write to one file (`2024.xlsx` and `2024.yaml` of one folder), each keeps its own
    (`2024.xlsx.result.json`, `2024.yaml.result.json`) instead of the second overwriting the first."""
    def named(path: Path, whole: bool) -> Path:
        return Path(out_dir or path.parent) / ((path.name if whole else path.stem) + RUN[fmt].suffix)
    plain = [named(f, False) for f in files]
    return {f: named(f, plain.count(target) > 1) for f, target in zip(files, plain)}


def _one(facts: str, target: str, policy: str | None, fmt: str, lang: str, beside: bool = True) -> Outcome:
    from evaluator import parallel
    from evaluator.domain.evaluate import evaluate, load_year
    from evaluator.i18n import set_language
    from evaluator.views.output import write_atomically
    set_language(lang)  # a worker process starts in the default language
    parallel.ENABLED = beside   # several workers already keep every core busy, a year each
    path = Path(facts)
    try:
        ev = evaluate(*load_year(path, policy))
        write_atomically(target, RUN[fmt].content(ev, lang))
        return Outcome(facts, target, len(ev.scorecard.units), len(ev.findings))
    except EvaluatorError as exc:
        return Outcome(facts, None, error=str(exc))


def run_batch(files: list[Path], policy: Path | None, fmt: str, lang: str, out_dir: Path | None,
              on_done=lambda outcome: None, workers: int | None = None) -> list[Outcome]:
    workers = workers or min(len(files), os.cpu_count() or 1)
    outcomes = []
    targets = output_names(files, fmt, out_dir)
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_one, str(f), str(targets[f]), str(policy) if policy else None, fmt, lang, workers == 1)
                   for f in files]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            on_done(outcome)
    return sorted(outcomes, key=lambda o: o.facts)
