"""A members' file read as rows: record boundaries and line numbers (quoted line breaks, blank lines), the
byte ranges the deployed workers read back, chunk cuts, and each row's validation at its boundaries, the
reason always naming the field."""

from __future__ import annotations

import pytest

from shared import clock
from shared.api.member_import import (
    CHUNK_ROWS,
    Record,
    RowRejected,
    chunks_of,
    header_of,
    lines_of,
    member_row,
    records,
)
from shared.api.schemas.imports import MAX_OPENING_BALANCE
from shared.domain.imports import MemberRow
from shared.errors import ValidationFailed

NOW_MS = 1_800_000_000_000  # 2027-01-15T08:00:00Z
COLUMNS = ["source_id", "email", "tags", "attributes.city", "points", "expires_at"]


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now_epoch_ms", lambda: NOW_MS)


def row(text: str, columns: list[str] | None = COLUMNS) -> MemberRow:
    return member_row(Record(2, text.encode(), 0), columns)


def refused(text: str, columns: list[str] | None = COLUMNS) -> str:
    with pytest.raises(RowRejected) as caught:
        row(text, columns)
    return caught.value.reason


def test_records_carry_the_line_they_start_on_across_quoted_breaks_and_blank_lines() -> None:
    data = b'h\na,"x\ny"\n\nb\r\nc'
    found = list(records(lines_of([data[:3], data[3:9], data[9:]]), csv_quoting=True))
    assert [(r.line, r.data) for r in found] == [(1, b"h\n"), (2, b'a,"x\ny"\n'), (5, b"b\r\n"), (6, b"c")]
    # each record's bytes are exactly its range of the file: what a worker reads back
    assert all(data[r.end - len(r.data) : r.end] == r.data for r in found)


def test_json_lines_do_not_join_lines_on_quotes() -> None:
    found = list(records(lines_of([b'{"a": "\\""}\n{"b": 1}\n']), csv_quoting=False))
    assert [r.line for r in found] == [1, 2]


def test_a_range_read_back_numbers_its_lines_from_the_chunk() -> None:
    found = list(records(lines_of([b"x\ny\n"]), csv_quoting=True, first_line=501, offset=9000))
    assert [(r.line, r.end) for r in found] == [(501, 9002), (502, 9004)]


@pytest.mark.parametrize(("rows", "sizes"), [(CHUNK_ROWS, [CHUNK_ROWS]), (CHUNK_ROWS + 1, [CHUNK_ROWS, 1]), (0, [])])
def test_chunks_are_cut_every_chunk_rows(rows: int, sizes: list[int]) -> None:
    chunks = list(chunks_of(Record(i + 2, b"r\n", 2 * i + 2) for i in range(rows)))
    assert [len(chunk.records) for chunk in chunks] == sizes
    assert [chunk.index for chunk in chunks] == list(range(len(sizes)))


def test_the_header_names_known_columns_only() -> None:
    assert header_of(Record(1, "\ufeffsource_id, points ,attributes.tier_2\n".encode(), 0)) == [
        "source_id",
        "points",
        "attributes.tier_2",
    ]
    for header, reason in [
        (b"source_id,balance\n", "columns: 'balance' (line 1) is not a known column"),
        (b"email\n", "columns: source_id is required"),
        (b"source_id,email,email\n", "columns: 'email' appears more than once"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            header_of(Record(1, header, 0))
        assert caught.value.details.startswith(reason)


def test_a_csv_row_becomes_a_member() -> None:
    member = row("m-1,ada@example.org, gold | vip ,Paris,1500,2031-01-01T00:00:00Z\n")
    assert member.source_id == "m-1"
    assert member.profile == {"email": "ada@example.org", "tags": ["gold", "vip"]}
    assert member.attributes == {"city": "Paris"}
    assert (member.points, member.expires_ms) == (1500, 1_924_992_000_000)


def test_empty_cells_are_absent_fields() -> None:
    member = row("m-1,,,,,\n")
    assert (member.profile, member.attributes, member.points, member.expires_ms) == ({}, {}, 0, None)


@pytest.mark.parametrize("points", [0, 1, MAX_OPENING_BALANCE])
def test_points_within_bounds_are_taken(points: int) -> None:
    assert row(f"m-1,,,,{points},\n").points == points


@pytest.mark.parametrize("points", ["-1", str(MAX_OPENING_BALANCE + 1), "12.5", "ten"])
def test_points_out_of_bounds_or_not_whole_are_refused_naming_points(points: str) -> None:
    assert refused(f"m-1,,,,{points},\n").startswith("points:")


def test_an_expiry_must_be_after_now() -> None:
    just_after = clock.iso_from_epoch_ms(NOW_MS + 1)
    assert row(f"m-1,,,,5,{just_after}\n").expires_ms == NOW_MS + 1
    assert refused(f"m-1,,,,5,{clock.iso_from_epoch_ms(NOW_MS)}\n").startswith("expires_at: must be in the future")


def test_an_expiry_without_points_is_ignored_not_refused() -> None:
    assert row(f"m-1,,,,0,{clock.iso_from_epoch_ms(NOW_MS - 1)}\n").expires_ms is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("m-1,not-an-email,,,,\n", "email:"),
        (",a@b.co,,,,\n", "source_id"),
        ("m-1,,,,5,tomorrow\n", "expires_at:"),
        ("m-1,,,,\n", "row: 5 values under 6 columns"),
        ('m-1,"a@b.co,,,,\n', "row:"),
    ],
)
def test_a_bad_row_is_refused_naming_its_field(text: str, field: str) -> None:
    assert refused(text).startswith(field)


def test_a_refused_row_keeps_its_source_id_for_the_report() -> None:
    with pytest.raises(RowRejected) as caught:
        row("m-9,not-an-email,,,,\n")
    assert caught.value.source_id == "m-9"


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(RowRejected, match="not valid UTF-8"):
        member_row(Record(2, b"m-1,\xff,,,,\n", 0), COLUMNS)


def test_json_lines_take_attributes_nested_or_dotted() -> None:
    member = row('{"source_id": "m-1", "attributes": {"a": 1}, "attributes.b": [true], "points": 3}', None)
    assert (member.attributes, member.points) == ({"a": 1, "b": [True]}, 3)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[1]", "row: must be a JSON object"),
        ("{oops", "row is not valid JSON"),
        ('{"source_id": "m-1", "points": "5"}', "points:"),
        ('{"source_id": "m-1", "balance": 5}', "balance is not a known field"),
    ],
)
def test_a_bad_json_line_is_refused_naming_its_field(text: str, reason: str) -> None:
    assert refused(text, None).startswith(reason)
