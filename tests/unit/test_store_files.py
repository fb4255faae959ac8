"""The embedded store's files (rewards_cli/store_files.py): torn journal tails, snapshots, the lock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewards_cli.store_files import (
    Journal,
    StoreFilesError,
    StorePaths,
    TableSnapshot,
    encode_record,
    exclusive,
    read_segment,
    read_snapshot,
    write_snapshot,
)


@pytest.fixture
def paths(tmp_path: Path) -> StorePaths:
    return StorePaths(tmp_path / "dynamodb.json")


def _records(count: int) -> list[dict[str, object]]:
    return [
        {"items": [["acct", "us-east-1", "t", {"PK": {"S": f"K{n}"}}, {"PK": {"S": f"K{n}"}}]]} for n in range(count)
    ]


def _journal(paths: StorePaths, records: list[dict[str, object]], fsync: str = "always") -> Path:
    journal = Journal(paths, 1, fsync)
    for record in records:
        journal.wait_durable(journal.append(record))
    journal.close()
    return paths.segment(1)


@pytest.mark.parametrize("fsync", ["always", "batch"])
def test_a_journal_reads_back_every_record_in_order(paths: StorePaths, fsync: str) -> None:
    segment = _journal(paths, _records(5), fsync)

    read = read_segment(segment)

    assert read.records == _records(5)
    assert read.torn_bytes == 0


@pytest.mark.parametrize("cut", [1, 9, 20, -1], ids=["one byte", "checksum only", "mid json", "all but newline"])
def test_a_torn_last_record_is_dropped_whole(paths: StorePaths, cut: int) -> None:
    segment = _journal(paths, _records(3))
    last = encode_record(_records(4)[3])
    with open(segment, "ab") as handle:
        handle.write(last[:cut])

    read = read_segment(segment)

    assert read.records == _records(3), "the three acknowledged records, never half of the fourth"
    assert read.torn_bytes == len(last[:cut])


def test_a_last_record_whose_checksum_does_not_match_is_dropped(paths: StorePaths) -> None:
    segment = _journal(paths, _records(2))
    with open(segment, "ab") as handle:
        handle.write(encode_record({"items": []}).replace(b"[]", b"[0]"))  # whole line, wrong content

    assert read_segment(segment).records == _records(2)


def test_a_damaged_record_followed_by_good_ones_is_refused(paths: StorePaths) -> None:
    segment = _journal(paths, _records(3))
    lines = segment.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"K1", b"K9")
    segment.write_bytes(b"\n".join(lines))

    with pytest.raises(StoreFilesError, match="damaged"):
        read_segment(segment)


def test_a_snapshot_round_trips_tables_definitions_and_items(paths: StorePaths) -> None:
    definition = [{"target": "DynamoDB_20120810.CreateTable", "authorization": "x", "body": "{}"}]
    items = [{"PK": {"S": f"K{n}"}, "n": {"N": str(n)}} for n in range(3)]
    awkward = {"PK": {"S": "K"}, "__table__": {"S": "looks like a mark"}, "__end__": {"BOOL": True}}
    tables = [
        (TableSnapshot("acct", "us-east-1", "one", definition), [json.dumps(i) for i in items]),
        (TableSnapshot("acct", "eu-west-1", "two", []), [json.dumps(awkward)]),
    ]

    write_snapshot(paths, 7, tables)
    snapshot = read_snapshot(paths, lambda name, items: pytest.fail("not a legacy file"))

    assert snapshot is not None
    assert snapshot.journal_from == 7
    assert [(t.region, t.name, t.definition, t.items) for t in snapshot.tables] == [
        ("us-east-1", "one", definition, items),
        ("eu-west-1", "two", [], [awkward]),
    ]
    assert not paths.temporary_snapshot.exists()


def test_a_snapshot_cut_short_is_refused_not_read_as_empty(paths: StorePaths) -> None:
    write_snapshot(paths, 1, [(TableSnapshot("a", "r", "t", []), ['{"PK": {"S": "K"}}'])])
    text = paths.state_file.read_text()
    paths.state_file.write_text(text[: text.rindex("{")])

    with pytest.raises(StoreFilesError, match="cut short"):
        read_snapshot(paths, lambda name, items: pytest.fail("not a legacy file"))


def test_the_former_state_file_is_read_as_a_snapshot(paths: StorePaths) -> None:
    paths.state_file.write_text(json.dumps({"rewards-local": [{"PK": {"S": "K"}, "SK": {"S": "S"}}]}))

    snapshot = read_snapshot(paths, lambda name, items: TableSnapshot("acct", "us-east-1", name, [], items))

    assert snapshot is not None
    assert snapshot.journal_from == 0
    assert [(t.name, t.items) for t in snapshot.tables] == [("rewards-local", [{"PK": {"S": "K"}, "SK": {"S": "S"}}])]


def test_segments_are_listed_in_order(paths: StorePaths) -> None:
    for index in (3, 1, 12):
        paths.segment(index).parent.mkdir(parents=True, exist_ok=True)
        paths.segment(index).touch()
    (paths.directory / "other-journal-000002.log").touch()

    assert [index for index, _ in paths.segments()] == [1, 3, 12]


def test_a_second_store_on_the_same_files_is_refused(paths: StorePaths) -> None:
    with exclusive(paths), pytest.raises(StoreFilesError, match="another store"), exclusive(paths):
        pass
    with exclusive(paths):  # released with the first
        pass
