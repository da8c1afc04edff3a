"""CSV and XLSX files: the closure list and the statistics (supervision), the
lawyers' rota (rota). A shared service: it knows no domain.

A cell that begins with = + - @ (or a tab or carriage return) would be run
as a formula by a spreadsheet. A CSV file has no types: such text is written
there with a leading apostrophe. An XLSX cell is typed: such text is written
as it is, in a cell typed as text (and marked to stay text when edited),
never as a formula. Figures we compute ourselves are written as numbers;
moments to the minute, days as days. Columns are as wide as their contents
(a Chinese character counts two). Every export is an audit event (recorded
by the view that sends it)."""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT, DATE_FORMAT = "yyyy-mm-dd hh:mm", "yyyy-mm-dd"
# Column widths in Excel's units (about one Latin character each).
MIN_WIDTH, MAX_WIDTH = 8, 50


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
        for row in sheet.iter_rows():
            for cell in row:
                _type_cell(cell)
        for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column_width(column)
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _type_cell(cell) -> None:
    if isinstance(cell.value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(cell.value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        # openpyxl types text beginning with "=" as a formula: typed back as
        # text it is stored as a string, and quotePrefix keeps it text when
        # someone edits the cell in Excel or LibreOffice.
        cell.data_type = "s"
        cell.quotePrefix = True


def text_width(text: str) -> int:
    """How many Latin characters wide a text prints: a wide (CJK,
    full-width) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "2026-12-31 23:59"
    if isinstance(value, date):
        return "2026-12-31"
    return str(value)


def column_width(values) -> float:
    """Wide enough for the widest value (its longest line), with a margin;
    never below MIN_WIDTH nor above MAX_WIDTH (long text is cut at the edge
    of the column and read in the cell)."""
    widest = max((text_width(line) for v in values for line in _shown(v).splitlines() or [""]), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, widest + 2))


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, str):
        # Control characters (a vertical tab pasted from a word processor...)
        # cannot be stored in a worksheet: openpyxl refuses the whole file.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
