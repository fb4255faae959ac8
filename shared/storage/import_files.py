"""Members' files in the imports bucket (S3): the upload URL a merchant PUTs a file to, and the file read
back as a stream of blocks, whole (to cut it into chunks) or one chunk's byte range (to import it)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import ServiceUnavailable
from shared.settings import get_settings

UPLOAD_URL_SECONDS = 3600
READ_BLOCK_BYTES = 1024 * 1024


@cache
def _s3() -> Any:
    session: Any = boto3.session.Session()
    return session.client(
        "s3",
        region_name=get_settings().region,
        config=Config(signature_version="s3v4", retries={"mode": "standard", "max_attempts": 5}),
    )


def upload_url(object_key: str) -> str:
    """A presigned PUT of ``object_key`` into the imports bucket, valid ``UPLOAD_URL_SECONDS``."""
    url: str = _s3().generate_presigned_url(
        "put_object",
        Params={"Bucket": get_settings().imports_bucket, "Key": object_key},
        ExpiresIn=UPLOAD_URL_SECONDS,
    )
    return url


def blocks(bucket: str, object_key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The object's bytes from ``start`` up to ``end`` (exclusive; None: to its end), block by block."""
    whole = start == 0 and end is None
    byte_range = {} if whole else {"Range": f"bytes={start}-{'' if end is None else end - 1}"}
    try:
        body = _s3().get_object(Bucket=bucket, Key=object_key, **byte_range)["Body"]
        yield from body.iter_chunks(READ_BLOCK_BYTES)
    except (ClientError, BotoCoreError) as error:
        raise ServiceUnavailable from error
