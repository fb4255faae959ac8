"""Import jobs: the job item and its counters, the chunk markers and the rejected rows (shared/storage/keys.py
``import_*``). Counting a chunk is one transaction: its marker (written once) and the job's counters, so a
chunk processed twice (an SQS redelivery, a resumed run) is counted once."""

from __future__ import annotations

from shared.storage import dynamodb, keys, pagination
from shared.storage.dynamodb import Expression, Item, Put, TransactionCancelled, Update
from shared.values import value_class

COUNTERS = ("rows_done", "created", "updated", "unchanged", "rejected")


@value_class
class ImportRecord:
    import_id: str
    format: str
    created_at: str
    retained_until: int  # epoch seconds: the job, its markers and its report go then (TTL)
    object_key: str | None = None  # the uploaded file (deployed imports)
    total_rows: int | None = None  # known once the file is read through
    chunks: int | None = None
    chunks_done: int = 0
    rows_done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @classmethod
    def from_item(cls, item: Item) -> ImportRecord:
        fields = cls.__dataclass_fields__
        return cls(
            **{name: item[name] for name in fields if name in item and name != "retained_until"},
            retained_until=item[keys.TTL_ATTRIBUTE],
        )


@value_class
class RejectedRow:
    line: int
    source_id: str | None
    reason: str


class ChunkCounted(Exception):
    """The chunk's marker exists: its rows were counted before."""


class ImportGone(Exception):
    """No such job (never created, or past its retention)."""


def create(app_id: str, record: ImportRecord) -> None:
    item: Item = {**keys.import_job(app_id, record.import_id), "type": "import_job"}
    for name in ImportRecord.__dataclass_fields__:
        value = getattr(record, name)
        if value is not None:
            item[keys.TTL_ATTRIBUTE if name == "retained_until" else name] = value
    dynamodb.put_item(item, condition=Expression("attribute_not_exists(PK)"))


def get(app_id: str, import_id: str) -> ImportRecord | None:
    item = dynamodb.get_item(keys.import_job(app_id, import_id))
    return ImportRecord.from_item(item) if item else None


def set_plan(app_id: str, import_id: str, chunks: int, total_rows: int) -> None:
    """The file read through: how many chunks and rows it holds (the same on a repeated read)."""
    dynamodb.update_item(
        keys.import_job(app_id, import_id),
        Expression("SET chunks = :chunks, total_rows = :rows", values={":chunks": chunks, ":rows": total_rows}),
        condition=Expression("attribute_exists(PK)"),
    )


def count_chunk(
    app_id: str, import_id: str, chunk: int, counts: dict[str, int], rejected: list[RejectedRow], retained_until: int
) -> None:
    """The chunk's rows counted on the job, with its marker, once; its rejected rows kept for the report
    (each keyed by its line, so writing them again changes nothing). Raises ``ChunkCounted`` or ``ImportGone``."""
    for row in rejected:
        dynamodb.put_item(
            {
                **keys.import_rejected(app_id, import_id, row.line),
                "type": "import_rejected",
                "line": row.line,
                "source_id": row.source_id,
                "reason": row.reason,
                keys.TTL_ATTRIBUTE: retained_until,
            }
        )
    additions = ", ".join(f"{name} :{name}" for name in COUNTERS)
    try:
        dynamodb.transact_write(
            [
                Put(
                    {
                        **keys.import_chunk(app_id, import_id, chunk),
                        "type": "import_chunk",
                        **counts,
                        keys.TTL_ATTRIBUTE: retained_until,
                    },
                    condition=Expression("attribute_not_exists(PK)"),
                ),
                Update(
                    keys.import_job(app_id, import_id),
                    Expression(
                        f"ADD chunks_done :one, {additions}",
                        values={":one": 1, **{f":{name}": counts.get(name, 0) for name in COUNTERS}},
                    ),
                    condition=Expression("attribute_exists(PK)"),
                ),
            ]
        )
    except TransactionCancelled as error:
        if error.reasons[:1] == ["ConditionalCheckFailed"]:
            raise ChunkCounted from error
        raise ImportGone from error


def counted_chunks(app_id: str, import_id: str) -> set[int]:
    """The chunks whose rows are counted (what a resumed import skips)."""
    found: set[int] = set()
    cursor = None
    while True:
        items, cursor = pagination.page(
            keys.import_partition(app_id, import_id), keys.IMPORT_CHUNK_SK_PREFIX, 100, cursor, consistent=True
        )
        found.update(int(item[keys.SK].removeprefix(keys.IMPORT_CHUNK_SK_PREFIX)) for item in items)
        if cursor is None:
            return found


def rejected_page(app_id: str, import_id: str, limit: int, cursor: str | None) -> tuple[list[RejectedRow], str | None]:
    """The rejected rows in line order."""
    items, next_cursor = pagination.page(
        keys.import_partition(app_id, import_id), keys.IMPORT_REJECTED_SK_PREFIX, limit, cursor, consistent=True
    )
    return [RejectedRow(item["line"], item.get("source_id"), item["reason"]) for item in items], next_cursor
