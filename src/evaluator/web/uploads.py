"""What an uploaded file must be before anything reads it: not too large, and, for a workbook,
really an .xlsx (a zip that opens, with a workbook inside) that does not unpack to far more
than it weighs (a zip bomb). Every refusal is a sentence a clerk can act on."""
from __future__ import annotations

import io
import zipfile

MAX_UPLOAD = 10 * 1024 * 1024            # bytes of one uploaded file
MAX_UNPACKED = 200 * 1024 * 1024          # bytes of all the members of a workbook, unpacked
MAX_MEMBERS = 5000
MAX_RATIO = 200                           # unpacked ÷ packed, per member, beyond 1 MB
ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_EXTS = (".xlsx", ".xlsm")
TEXT_EXTS = (".yaml", ".yml", ".json")


class UploadRefused(Exception):
    """The upload cannot be read; the message says why, in Chinese."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


def check_length(content_length: str | None, limit: int) -> None:
    """Before the body is read: a form's declared length, with room for its other fields."""
    if content_length is None:
        raise UploadRefused("请求没有注明大小(Content-Length),无法接收;请用网页上的表单上传", 411)
    try:
        length = int(content_length)
    except ValueError:
        raise UploadRefused("请求的大小(Content-Length)无效", 400) from None
    if length > limit + 64 * 1024:
        raise UploadRefused(f"文件太大:上传的文件不能超过 {mb(limit)}" if limit else "提交的内容太多,无法接收", 413)


def safe_name(filename: str | None) -> str:
    """The name as the clerk's computer called it, for showing only (never a path here)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())[:200]
    return name or "未命名"


def check_size(content: bytes, limit: int) -> None:
    if not content:
        raise UploadRefused("没有选择文件,或文件是空的")
    if len(content) > limit:
        raise UploadRefused(f"文件太大:上传的文件不能超过 {mb(limit)}", 413)


def check_workbook(content: bytes, unpacked_limit: int = MAX_UNPACKED) -> None:
    """An Excel workbook (.xlsx) that opens, whose parts unpack to a sane size."""
    not_xlsx = "这个文件不是 Excel 工作簿(.xlsx):请在 Excel 或 WPS 中打开台账,另存为“Excel 工作簿(*.xlsx)”后再上传"
    if content[:4] != ZIP_MAGIC:
        raise UploadRefused(not_xlsx)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise UploadRefused(not_xlsx + "(文件已损坏,无法打开)") from None
    bomb = "这个文件解压后过大(疑似压缩炸弹),已拒收;请上传正常保存的台账工作簿"
    if len(members) > MAX_MEMBERS:
        raise UploadRefused(bomb)
    declared = sum(m.file_size for m in members)
    if declared > unpacked_limit:
        raise UploadRefused(bomb)
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise UploadRefused(bomb)
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
        raise UploadRefused(not_xlsx)
    # The declared sizes may lie: unpack every part, counting, and stop at the limit.
    total = 0
    try:
        for m in members:
            with archive.open(m) as part:
                while chunk := part.read(1024 * 1024):
                    total += len(chunk)
                    if total > unpacked_limit:
                        raise UploadRefused(bomb)
    except UploadRefused:
        raise
    except Exception:  # a damaged part: CRC, truncated deflate stream, encrypted
        raise UploadRefused(not_xlsx + "(文件已损坏,无法打开)") from None
    try:
        from python_calamine import CalamineWorkbook
        CalamineWorkbook.from_filelike(io.BytesIO(content)).sheet_names
    except Exception:
        raise UploadRefused(not_xlsx + "(文件无法打开)") from None


def check_upload(content: bytes, name: str, limit: int, allow_text: bool = False) -> str:
    """The extension the content is kept under: `xlsx`, or `yaml`/`json` where text is allowed."""
    check_size(content, limit)
    lower = name.lower()
    if lower.endswith(WORKBOOK_EXTS) or not allow_text or content[:4] == ZIP_MAGIC:
        if not lower.endswith(WORKBOOK_EXTS) and not allow_text:
            raise UploadRefused("请上传 Excel 工作簿(.xlsx 文件)")
        check_workbook(content)
        return "xlsx"
    if lower.endswith(TEXT_EXTS):
        if b"\x00" in content:
            raise UploadRefused("这个文件不是文本(YAML/JSON)文件")
        return "json" if lower.endswith(".json") else "yaml"
    raise UploadRefused("请上传 Excel 工作簿(.xlsx)或 YAML/JSON 事实集文件")
