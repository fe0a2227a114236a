"""The language of what the evaluator says to people: Chinese by default, English on request.

Messages are written at the place that knows what went wrong, in both languages side by
side (`say("没有这个文件", "no such file")`), and rendered when they are made, as gettext
does. The language is chosen once per command (`--lang`, or EVALUATOR_LANG) and can be
changed for a block (`with language("en"): ...`), e.g. in tests.
"""
from __future__ import annotations

import contextlib
import contextvars
import os
from typing import Any, Iterable, Iterator

LANGUAGES = ("zh", "en")
_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "evaluator_language", default=os.environ.get("EVALUATOR_LANG", "zh") if os.environ.get("EVALUATOR_LANG") in LANGUAGES else "zh")


def current() -> str:
    return _current.get()


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    _current.set(lang)


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def say(zh: str, en: str, **params: Any) -> str:
    """The message in the current language, with `{name}` filled from `params`."""
    template = zh if _current.get() == "zh" else en
    return template.format(**params) if params else template


def listing(items: Iterable[Any]) -> str:
    """A list of words as each language writes it: 事假、病假 / personal, sick."""
    return ("、" if _current.get() == "zh" else ", ").join(map(str, items))


def quoted(word: Any) -> str:
    return f"“{word}”" if _current.get() == "zh" else f"'{word}'"
