"""Writing reports so that an interrupted run never leaves a partial file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

from evaluator.timing import stage


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: str | Path, content: bytes | str | Callable[[BinaryIO], None]) -> None:
    """Write to a temporary file beside `path`, then rename it into place.

    `content` is the bytes (or text) of the file, or a function that writes them to a
    binary file, for reports too large to hold in memory whole."""
    with stage("write"):
        _write_atomically(Path(path), content)


def _write_atomically(path: Path, content: bytes | str | Callable[[BinaryIO], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is as readable as any file the user writes
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(content):
                content(handle)
            else:
                handle.write(content.encode("utf-8") if isinstance(content, str) else content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
