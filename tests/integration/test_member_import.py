"""The member import's row processor and chunk runner over the table (moto): members created with their
balances as ``import`` entries and lots of the given expiry, a second run changing nothing, a chunk
counted once however often it runs, bad rows reported by line and field while the rest go in, and
concurrent runs of one chunk crediting each balance once."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from shared.api.member_import import Chunk, Record, chunks_of, header_of, lines_of, records, run_chunk
from shared.domain import import_jobs
from shared.domain.imports import MemberRow, import_member
from shared.storage.imports import ImportRecord
from tests.support.api import ApiClient, Credentials
from tests.support.concurrency import fire_together

CSV = (
    b"source_id,name,email,tags,tier,attributes.city,points,expires_at\n"
    b"m-1,Ada,ada@example.org,gold|vip,Gold,Paris,1500,2031-01-01T00:00:00Z\n"
    b"m-2,Bob,not-an-email,,Silver,,20,\n"
    b'm-3,"Carol, Jr.",carol@example.org,,Bronze,"Lyon\nCentre",0,\n'
    b"m-4,Dan,dan@example.org,,,,-5,\n"
    b"m-5,Eve,eve@example.org,,Gold,,700,\n"
)


def job(app_id: str, file_format: import_jobs.ImportFormat = "csv") -> ImportRecord:
    return import_jobs.start_import(app_id, f"imp_{file_format}Test", file_format)


def file_chunks(data: bytes, size: int = 500) -> tuple[list[str], list[Chunk]]:
    rows = records(lines_of([data]), csv_quoting=True)
    columns = header_of(next(rows))
    return columns, list(chunks_of(rows, size))


def customer(api: ApiClient, source_id: str) -> dict[str, Any]:
    response = api.get(f"/customers/{quote(source_id, safe='')}")
    assert response.status == 200, response.body
    body: dict[str, Any] = response.json()
    return body


def ledger(api: ApiClient, source_id: str) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = api.get(f"/customers/{source_id}/transactions").json()["data"]
    return body


def test_a_csv_imports_members_with_their_balances_and_reports_bad_rows_by_line(
    api: ApiClient, credentials: Credentials
) -> None:
    # Given a file of five members, two of them with a bad field
    app_id = credentials.app_id
    columns, chunks = file_chunks(CSV)
    # When its one chunk runs
    result = run_chunk(app_id, job(app_id), chunks[0], columns)
    # Then three members are in, and the bad rows are reported with their lines and fields
    assert result.outcomes == {"created": 3}
    assert [(row.line, row.source_id) for row in result.rejected] == [(3, "m-2"), (6, "m-4")]
    assert result.rejected[0].reason.startswith("email:")
    assert result.rejected[1].reason.startswith("points:")
    ada = customer(api, "m-1")
    assert (ada["name"], ada["email"], ada["tags"], ada["tier"]) == ("Ada", "ada@example.org", ["gold", "vip"], "Gold")
    assert ada["attributes"] == {"city": "Paris"}
    assert ada["points"]["balance"] == 1500
    assert ada["points"]["expiring"][0] == {"points": 1500, "expires_at": "2031-01-01T00:00:00.000Z"}
    (entry,) = ledger(api, "m-1")
    assert (entry["reason"], entry["points"], entry["balance_after"]) == ("import", 1500, 1500)
    # a quoted field spanning two lines is one row, on the line it starts
    assert customer(api, "m-3")["attributes"] == {"city": "Lyon\nCentre"}
    assert customer(api, "m-3")["points"]["balance"] == 0
    assert ledger(api, "m-3") == []
    # points without expires_at never expire
    assert customer(api, "m-5")["points"]["balance"] == 700
    assert customer(api, "m-5")["points"]["expiring"] == []
    counted = import_jobs.get_import(app_id, "imp_csvTest")
    assert (counted.rows_done, counted.created, counted.rejected, counted.chunks_done) == (5, 3, 2, 1)


def test_a_second_run_changes_nothing(api: ApiClient, credentials: Credentials) -> None:
    app_id = credentials.app_id
    columns, chunks = file_chunks(CSV)
    run_chunk(app_id, job(app_id), chunks[0], columns)
    before = {source_id: (customer(api, source_id), ledger(api, source_id)) for source_id in ("m-1", "m-3", "m-5")}
    # When the same file is imported again as a new job
    again = import_jobs.start_import(app_id, "imp_secondRun", "csv")
    result = run_chunk(app_id, again, chunks[0], columns)
    # Then every member is unchanged: no profile written (updated_at kept), no second credit
    assert result.outcomes == {"unchanged": 3}
    assert {source_id: (customer(api, source_id), ledger(api, source_id)) for source_id in before} == before


def test_a_chunk_run_twice_is_counted_once(credentials: Credentials) -> None:
    app_id = credentials.app_id
    columns, chunks = file_chunks(CSV)
    record = job(app_id)
    assert run_chunk(app_id, record, chunks[0], columns).counted
    assert not run_chunk(app_id, record, chunks[0], columns).counted
    counted = import_jobs.get_import(app_id, record.import_id)
    assert (counted.rows_done, counted.chunks_done, counted.rejected) == (5, 1, 2)
    assert [row.line for row in import_jobs.rejected_rows(app_id, record.import_id, 10, None)[0]] == [3, 6]


def test_a_changed_row_updates_the_profile_but_never_credits_a_balance_twice(
    api: ApiClient, credentials: Credentials
) -> None:
    app_id = credentials.app_id
    first = MemberRow("m-9", {"tier": "Silver"}, {}, 100, None)
    assert import_member(app_id, first) == "created"
    assert import_member(app_id, MemberRow("m-9", {"tier": "Gold"}, {"city": "Oslo"}, 250, None)) == "updated"
    body = customer(api, "m-9")
    assert (body["tier"], body["attributes"], body["points"]["balance"]) == ("Gold", {"city": "Oslo"}, 100)
    assert import_member(app_id, MemberRow("m-9", {"tier": "Gold"}, {}, 250, None)) == "unchanged"


def test_a_balance_goes_to_an_existing_member_once(api: ApiClient, credentials: Credentials) -> None:
    # Given a member who already exists with its own points
    assert api.put("/customers/m-7", {"name": "Gus"}).status == 201
    assert api.post("/customers/m-7/transactions", {"points": 5, "description": "welcome"}).status == 201
    # When the import brings the old balance, and runs again
    assert import_member(credentials.app_id, MemberRow("m-7", {"name": "Gus"}, {}, 40, None)) == "updated"
    assert import_member(credentials.app_id, MemberRow("m-7", {"name": "Gus"}, {}, 40, None)) == "unchanged"
    # Then the balance is both, and the ledger's sum
    assert customer(api, "m-7")["points"]["balance"] == 45
    assert [entry["reason"] for entry in ledger(api, "m-7")] == ["import", "adjustment"]


def test_concurrent_runs_of_one_chunk_credit_each_balance_once(api: ApiClient, credentials: Credentials) -> None:
    app_id = credentials.app_id
    data = b"source_id,points\n" + b"".join(f"c-{i},{10 + i}\n".encode() for i in range(20))
    columns, chunks = file_chunks(data)
    record = job(app_id)
    results = fire_together([lambda: run_chunk(app_id, record, chunks[0], columns)] * 4)
    assert sum(result.counted for result in results) == 1
    for i in range(20):
        assert customer(api, f"c-{i}")["points"]["balance"] == 10 + i
        assert len(ledger(api, f"c-{i}")) == 1
    assert import_jobs.get_import(app_id, record.import_id).rows_done == 20


def test_rows_of_other_applications_stay_theirs(api: ApiClient, other_api: ApiClient, credentials: Credentials) -> None:
    import_member(credentials.app_id, MemberRow("shared-id", {"name": "Mine"}, {}, 10, None))
    assert other_api.get("/customers/shared-id").status == 404
    assert customer(api, "shared-id")["points"]["balance"] == 10


def test_an_unknown_import_is_not_found(credentials: Credentials) -> None:
    with pytest.raises(import_jobs.ImportNotFound):
        import_jobs.get_import(credentials.app_id, "imp_missing")
    record = ImportRecord("imp_missing", "csv", "2026-01-01T00:00:00Z", 0)
    rows = [Record(2, b"z-1,1\n", 6)]
    with pytest.raises(import_jobs.ImportNotFound):
        run_chunk(credentials.app_id, record, Chunk(0, rows), ["source_id", "points"])


def test_the_rejected_report_never_holds_a_spreadsheet_formula(credentials: Credentials, tmp_path: Path) -> None:
    """The report is opened in a spreadsheet: a hostile source_id must stay text there, as in exports."""
    import io

    from rewards_cli.importer import import_local, report_path

    members = tmp_path / "members.csv"
    members.write_text('source_id,email\n"=HYPERLINK(""http://evil.example"",""x"")",not-an-email\n+1,bad\n')

    assert import_local(members, credentials.app_id, None, io.StringIO(), io.StringIO()) == 0

    with report_path(members).open(newline="") as report:
        rows = list(csv.DictReader(report))
    assert [row["source_id"] for row in rows] == ['\'=HYPERLINK("http://evil.example","x")', "'+1"]
