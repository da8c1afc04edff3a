"""CSV and XLSX files: the closure list and the statistics (supervision), the
lawyers' rota (rota). A shared service: it knows no domain.

A cell that begins with = + - @ (or a tab or carriage return) would be run
as a formula by a spreadsheet; such text is written with a leading
apostrophe, as text, in both formats. Figures we compute ourselves are
written as numbers. Every export is an audit event (recorded by the view that sends it)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list]


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.1f}"
    return safe(value) if isinstance(value, str) else value


def to_csv(sections: list[Section]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the Chinese text;
    several sections are separated by an empty line and their title."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for i, section in enumerate(sections):
        if len(sections) > 1:
            if i:
                writer.writerow([])
            writer.writerow([safe(section.title)])
        writer.writerow([safe(h) for h in section.headers])
        for row in section.rows:
            writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(title: str, used: set) -> str:
    # Excel: at most 31 characters, none of []:*?/\ , unique in the workbook.
    clean = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "Sheet"
    name, n = clean, 2
    while name in used:
        suffix = f" ({n})"
        name, n = clean[:31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def to_xlsx(sections: list[Section]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    used: set = set()
    for section in sections:
        sheet = book.create_sheet(_sheet_title(section.title, used))
        sheet.append([_xlsx_value(h) for h in section.headers])
        for row in section.rows:
            sheet.append([_xlsx_value(v) for v in row])
        for index, header in enumerate(section.headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(header)) * 2 + 2))
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, str):
        # Control characters (a vertical tab pasted from a word processor...)
        # cannot be stored in a worksheet: openpyxl refuses the whole file.
        return safe(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value
