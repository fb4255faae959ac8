"""The export files' rows (shared/domain/export_files.py): hostile values survive a round trip through a
standard reader, and no CSV cell is one a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.export_files import COLUMNS, CsvRenderer, JsonLinesRenderer, csv_cell

COLUMNS_UNDER_TEST = ("source_id", "name", "points", "attributes")
HOSTILE = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    'a,b "quoted", and more',
    "line one\nline two\r\nline three",
    "naïve 🎉 عربى 漢字",
    "\u2028 and \u2029 and \x85",
    "",
]


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(), newline="")))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_that_a_spreadsheet_would_run_is_prefixed_with_a_quote(start: str) -> None:
    # Given text starting with a formula character, When it becomes a cell, Then it starts with '
    assert csv_cell(f'{start}HYPERLINK("http://x")') == f'\'{start}HYPERLINK("http://x")'


@pytest.mark.parametrize("text", ["a=1", "1-2", "mail@shop", " =1", "\uff1d1"])
def test_text_with_a_formula_character_elsewhere_stays_as_it_is(text: str) -> None:
    assert csv_cell(text) == text


def test_numbers_stay_numbers_a_debit_included() -> None:
    assert [csv_cell(-50), csv_cell(0), csv_cell(12.5), csv_cell(True), csv_cell(None)] == [
        "-50",
        "0",
        "12.5",
        "true",
        "",
    ]


def test_lists_and_objects_are_json_text_and_guarded_too() -> None:
    assert json.loads(csv_cell({"b": 1, "a": ["x", "é"]})) == {"a": ["x", "é"], "b": 1}
    assert csv_cell(["=1"]) == '["=1"]'  # JSON text starts with [ or {: nothing to guard


@pytest.mark.parametrize("value", HOSTILE)
def test_a_csv_row_reads_back_as_one_row_with_the_same_cells(value: str) -> None:
    # Given a renderer and a row holding a hostile value in a text cell and in an object
    renderer = CsvRenderer(COLUMNS_UNDER_TEST)
    row = {"source_id": value, "name": value, "points": -5, "attributes": {"k": value}}
    # When the header and the row are read back by Python's csv reader
    header, read = _csv_rows(renderer.header() + renderer.row(row))
    # Then there is exactly one row, each cell as csv_cell made it
    assert header == list(COLUMNS_UNDER_TEST)
    assert read == [csv_cell(value), csv_cell(value), "-5", csv_cell({"k": value})]
    assert json.loads(read[3]) == {"k": value}


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_any_text_reads_back_from_csv_unchanged_but_for_the_formula_guard(values: list[str]) -> None:
    renderer = CsvRenderer(tuple(f"c{index}" for index in range(len(values))))
    data = renderer.row({f"c{index}": value for index, value in enumerate(values)})
    (read,) = _csv_rows(data)
    assert read == [csv_cell(value) for value in values]
    for cell, value in zip(read, values, strict=True):
        assert cell == ("'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value)


def test_a_csv_file_has_crlf_lines_and_no_byte_order_mark() -> None:
    renderer = CsvRenderer(("a", "b"))
    data = renderer.header() + renderer.row({"a": 1, "b": "x"})
    assert data == b"a,b\r\n1,x\r\n"


@pytest.mark.parametrize("value", HOSTILE)
def test_a_json_line_is_one_line_under_any_line_splitting_and_keeps_types(value: str) -> None:
    renderer = JsonLinesRenderer(COLUMNS_UNDER_TEST)
    row: dict[str, Any] = {"source_id": value, "name": None, "points": -5, "attributes": {"k": value}}
    data = renderer.row(row)
    assert renderer.header() == b""
    text = data.decode()
    assert text.endswith("\n")
    (line,) = text.splitlines()  # splits on \u2028, \u2029 and \x85 too: none is left raw
    assert json.loads(line) == row  # not formula-guarded: JSON Lines is read by programs


def test_a_json_line_has_every_column_in_order_and_nothing_else() -> None:
    renderer = JsonLinesRenderer(COLUMNS["ledger"])
    shown = json.loads(renderer.row({"points": 3, "unlisted": "secret"}))
    assert list(shown) == list(COLUMNS["ledger"])
    assert shown["points"] == 3
    assert shown["txn_id"] is None
