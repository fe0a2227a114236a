"""Formulas a workbook holds without their calculated value.

Excel and WPS save each formula's last result beside it, and the reader reads that result,
as the clerk saw it. A workbook written by a program (or saved with calculation switched
off) may hold a formula with no result: calamine then sees an empty cell, and an optional
field would silently take its default. This finds such cells straight from the sheets' XML,
so the reader can say which cell to open and recalculate. It costs nothing for a ledger
with no formulas: a sheet is searched only when its XML holds a formula element at all.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_FORMULA = re.compile(rb"<f[\s>/]")
_VALUE = re.compile(rb"<v>[^<]")


def uncalculated_formulas(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Sheet name -> [(cell reference, formula text)] of formulas saved without a value."""
    found: dict[str, list[tuple[str, str]]] = {}
    try:
        with zipfile.ZipFile(path) as book:
            for name, member in _sheet_members(book).items():
                data = book.read(member)
                if not _FORMULA.search(data):
                    continue
                cells = []
                for attributes, inner in _CELL.findall(data):
                    if inner and _FORMULA.search(inner) and not _VALUE.search(inner):
                        ref = _REF.search(attributes)
                        text = re.search(rb"<f[^>]*>(.*?)</f>", inner, re.S)
                        cells.append((ref.group(1).decode() if ref else "?",
                                      "=" + text.group(1).decode("utf-8", "replace") if text else "="))
                if cells:
                    found[name] = cells
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError):
        return {}  # the reader reports a workbook it cannot open on its own
    return found


def _sheet_members(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML member, from workbook.xml and its relationships."""
    workbook = ET.fromstring(book.read("xl/workbook.xml"))
    rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    members = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        members[sheet.get("name", "")] = member
    return members
