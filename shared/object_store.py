"""The exports' files in S3, behind the few calls the engine makes: a streaming writer and a download URL.

``StreamingUpload`` never holds more than one part (``part_bytes``, S3's 5 MiB minimum by default) plus
what the caller wrote since: a file starts as a multipart upload once its first part is full and is
completed part by part, so an export of any size costs the same memory; a file that never fills a part
is one PutObject. One client per process, created on first use (only the exports' functions load it).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import ServiceUnavailable
from shared.settings import get_settings

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part but the last


@cache
def _client() -> Any:
    settings = get_settings()
    session: Any = boto3.session.Session()
    # The local runner's embedded store answers on one host and port: addressed by path, not by a
    # bucket's host name (which would not resolve).
    addressing: Literal["path", "auto"] = "path" if settings.s3_endpoint_url else "auto"
    return session.client(
        "s3",
        region_name=settings.region,
        endpoint_url=settings.s3_endpoint_url,
        config=Config(
            retries={"mode": "standard", "max_attempts": 3},
            signature_version="s3v4",
            s3={"addressing_style": addressing},
        ),
    )


def _call(operation: str, **arguments: Any) -> Any:
    try:
        return getattr(_client(), operation)(**arguments)
    except (ClientError, BotoCoreError) as error:
        raise ServiceUnavailable from error


class StreamingUpload:
    """Bytes written in order to one object; ``close`` makes it visible, ``abort`` leaves nothing."""

    def __init__(self, key: str, content_type: str, part_bytes: int = MIN_PART_BYTES) -> None:
        self.bucket = get_settings().exports_bucket
        self.key = key
        self.content_type = content_type
        self.part_bytes = part_bytes
        self.size = 0
        self.parts: list[dict[str, Any]] = []
        self._buffer = bytearray()
        self._upload_id: str | None = None

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.size += len(data)
        if len(self._buffer) >= self.part_bytes:
            self._upload_part()

    def _upload_part(self) -> None:
        if self._upload_id is None:
            started = _call("create_multipart_upload", Bucket=self.bucket, Key=self.key, ContentType=self.content_type)
            self._upload_id = started["UploadId"]
        number = len(self.parts) + 1
        sent = _call(
            "upload_part",
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=bytes(self._buffer),
        )
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"]})
        self._buffer.clear()

    def close(self) -> None:
        if self._upload_id is None:
            _call(
                "put_object", Bucket=self.bucket, Key=self.key, Body=bytes(self._buffer), ContentType=self.content_type
            )
            return
        if self._buffer:
            self._upload_part()
        _call(
            "complete_multipart_upload",
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self.parts},
        )

    def abort(self) -> None:
        """Drop the parts sent (the bucket's lifecycle also drops the parts of an upload left incomplete)."""
        if self._upload_id is not None:
            _call("abort_multipart_upload", Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)


def download_url(key: str, filename: str, expires_in: int) -> str:
    """A presigned GET of the object, valid ``expires_in`` seconds, saved by browsers as ``filename``."""
    try:
        url: str = _client().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": get_settings().exports_bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=expires_in,
        )
    except (ClientError, BotoCoreError) as error:
        raise ServiceUnavailable from error
    return url
