"""The deployed import path over moto (DynamoDB, S3, SQS): POST /imports, the file in the imports bucket,
the splitter's chunk messages, the workers, and GET /imports/{id} with its counts and rejected rows; an
upload notified twice is cut once, a chunk delivered twice is counted once, and another application sees
nothing of the import."""

from __future__ import annotations

import json
from typing import Any

from rewards_cli.lambdas import FunctionPool
from rewards_cli.outbox import local_client
from rewards_cli.template import load
from shared.api.member_import import CHUNK_ROWS
from shared.settings import get_settings
from shared.storage import keys
from tests.support.api import ApiClient, Credentials

TEMPLATE = load()
MEMBERS = CHUNK_ROWS + 3


def invoke(logical_id: str, bodies: list[dict[str, Any]]) -> Any:
    event = {"Records": [{"messageId": f"m-{i}", "body": json.dumps(body)} for i, body in enumerate(bodies)]}
    return FunctionPool().invoke(TEMPLATE.functions[logical_id], event)


def uploaded(app_id: str, import_id: str, data: bytes, file_format: str = "csv") -> dict[str, Any]:
    """The file put where its upload URL points, and S3's notification of it."""
    key = keys.import_object(app_id, import_id, file_format)
    local_client("s3").put_object(Bucket=get_settings().imports_bucket, Key=key, Body=data)
    return {"Records": [{"s3": {"bucket": {"name": get_settings().imports_bucket}, "object": {"key": key}}}]}


def chunk_messages() -> list[dict[str, Any]]:
    sqs = local_client("sqs")
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=get_settings().import_chunks_queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        found += [json.loads(message["Body"]) for message in batch]
        for message in batch:
            sqs.delete_message(QueueUrl=get_settings().import_chunks_queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def members_csv() -> bytes:
    rows = [f"d-{i},d{i}@example.org,Gold,{i + 1}" if i != 3 else "d-3,nope,Gold,4" for i in range(MEMBERS)]
    return ("source_id,email,tier,points\n" + "\n".join(rows) + "\n").encode()


def test_an_uploaded_file_is_imported_chunk_by_chunk_and_followed(
    api: ApiClient, other_api: ApiClient, credentials: Credentials
) -> None:
    # Given an import created over the API
    created = api.post("/imports", {"format": "csv"})
    assert created.status == 201, created.body
    job = created.json()
    assert job["id"].startswith("imp_")
    assert job["status"] == "pending"
    assert get_settings().imports_bucket in job["upload_url"]
    assert "X-Amz-Signature" in job["upload_url"]
    # When its file arrives and the splitter runs (twice: S3 may notify twice)
    notification = uploaded(credentials.app_id, job["id"], members_csv())
    assert invoke("ImportSplitterFunction", [notification]) == {"batchItemFailures": []}
    invoke("ImportSplitterFunction", [notification])
    messages = chunk_messages()
    assert [(m["chunk"], m["first_line"]) for m in messages] == [(0, 2), (1, CHUNK_ROWS + 2)]
    assert api.get(f"/imports/{job['id']}").json()["status"] == "processing"
    # And the workers run each chunk, one of them twice
    for message in [*messages, messages[1]]:
        assert invoke("ImportWorkerFunction", [message]) == {"batchItemFailures": []}
    # Then the job is complete, each row counted once, the bad email reported by line and field
    followed = api.get(f"/imports/{job['id']}").json()
    assert followed["status"] == "completed"
    assert (followed["total_rows"], followed["rows_done"], followed["created"], followed["rejected"]) == (
        MEMBERS,
        MEMBERS,
        MEMBERS - 1,
        1,
    )
    assert followed["rejected_rows"] == [
        {"line": 5, "source_id": "d-3", "reason": followed["rejected_rows"][0]["reason"]}
    ]
    assert followed["rejected_rows"][0]["reason"].startswith("email:")
    last = api.get(f"/customers/d-{MEMBERS - 1}").json()
    assert (last["tier"], last["points"]["balance"]) == ("Gold", MEMBERS)
    # another application sees neither the import nor its members
    assert other_api.get(f"/imports/{job['id']}").status == 404
    assert other_api.get("/customers/d-0").status == 404


def test_a_file_with_an_unknown_column_is_refused_whole(api: ApiClient, credentials: Credentials) -> None:
    job = api.post("/imports", {"format": "csv"}).json()
    invoke("ImportSplitterFunction", [uploaded(credentials.app_id, job["id"], b"source_id,balance\nx,1\n")])
    assert chunk_messages() == []
    followed = api.get(f"/imports/{job['id']}").json()
    assert (followed["status"], followed["rejected"], followed["created"]) == ("completed", 1, 0)
    assert followed["rejected_rows"][0]["reason"].startswith("columns: 'balance'")
    assert api.get("/customers/x").status == 404


def test_json_lines_go_the_same_way(api: ApiClient, credentials: Credentials) -> None:
    job = api.post("/imports", {"format": "jsonl"}).json()
    data = b'{"source_id": "j-1", "points": 7, "attributes": {"vip": true}}\n\n{"source_id": "j-2"}\n'
    invoke("ImportSplitterFunction", [uploaded(credentials.app_id, job["id"], data, "jsonl")])
    for message in chunk_messages():
        invoke("ImportWorkerFunction", [message])
    assert api.get(f"/imports/{job['id']}").json()["created"] == 2
    assert api.get("/customers/j-1").json()["attributes"] == {"vip": True}


def test_an_upload_no_import_waits_for_is_ignored(credentials: Credentials) -> None:
    stray = uploaded(credentials.app_id, "imp_neverCreated", b"source_id\nz\n")
    assert invoke("ImportSplitterFunction", [stray]) == {"batchItemFailures": []}
    assert chunk_messages() == []


def test_a_worker_reports_a_chunk_it_could_not_run_for_another_delivery(credentials: Credentials) -> None:
    gone = {"app_id": credentials.app_id, "import_id": "imp_gone", "chunk": 0, "first_line": 2, "start": 0, "end": 1}
    assert invoke("ImportWorkerFunction", [{**gone, "columns": ["source_id"]}]) == {
        "batchItemFailures": [{"itemIdentifier": "m-0"}]
    }


def test_bad_requests_name_the_field(api: ApiClient) -> None:
    refused = api.post("/imports", {"format": "xlsx"})
    assert refused.status == 400
    assert "format" in refused.json()["details"]
    assert api.get("/imports/imp_unknown").status == 404
