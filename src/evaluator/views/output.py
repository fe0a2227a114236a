"""Writing reports so that an interrupted run never leaves a partial file."""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

from evaluator.errors import UsageError
from evaluator.i18n import say
from evaluator.timing import stage


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: str | Path, content: bytes | str | Callable[[BinaryIO], None]) -> None:
    """Write to a temporary file beside `path`, then rename it into place.

    `content` is the bytes (or text) of the file, or a function that writes them to a
    binary file, for reports too large to hold in memory whole. A place that cannot be
    written (a folder, no permission, a full disk) is the user's to fix: a UsageError that
    says so in their words, never a traceback, and nothing is left behind."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(say("输出位置“{p}”是一个文件夹;请在其后写出文件名", "the output '{p}' is a folder; name a file in it",
                             p=path))
    with stage("write"):
        try:
            _write_atomically(path, content)
        except OSError as exc:
            raise UsageError(say("无法写入“{p}”:{why}", "cannot write '{p}': {why}", p=path, why=_why(exc))) from None


_REASONS = {errno.EACCES: ("没有写入权限", "permission denied"), errno.EPERM: ("没有写入权限", "permission denied"),
            errno.ENOENT: ("所在文件夹不存在,也无法创建", "its folder does not exist and cannot be made"),
            errno.EROFS: ("所在位置只读", "the location is read-only"), errno.ENOSPC: ("磁盘空间已满", "the disk is full"),
            errno.EISDIR: ("这是一个文件夹", "it is a folder"), errno.ENOTDIR: ("路径中有一段是文件而不是文件夹", "a part of the path is a file, not a folder")}


def _why(exc: OSError) -> str:
    zh, en = _REASONS.get(exc.errno, (f"系统错误 {exc.errno}", exc.strerror or str(exc)))
    return say(zh, en)


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
