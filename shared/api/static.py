"""Static files of the operator dashboard, served by a function behind the API (same origin, so the
dashboard calls the API without CORS), with strict security headers.

The files are read once per instance from the function's own ``static/`` folder; only names listed
there are served (no path is ever built from the request), so nothing outside it can be reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response

from shared.errors import NotFound
from shared.values import value_class

# No inline script or style, nothing from another origin, never framed, no referrer leaks (the
# dashboard's URLs carry customer ids). `connect-src 'self'`: the dashboard talks only to this API.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    # Small files that change with every deploy: revalidate rather than serve a stale mix of versions.
    "Cache-Control": "no-cache",
}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


@value_class
class StaticFiles:
    files: dict[str, tuple[str, str]]  # name -> (content type, text)

    @classmethod
    def from_folder(cls, folder: Path) -> StaticFiles:
        return cls(
            {
                path.name: (CONTENT_TYPES[path.suffix], path.read_text(encoding="utf-8"))
                for path in sorted(folder.iterdir())
                if path.is_file() and path.suffix in CONTENT_TYPES
            }
        )

    def response(self, name: str) -> Response[Any]:
        found = self.files.get(name)
        if found is None:
            raise NotFound(f"no dashboard file {name}")
        content_type, text = found
        return Response(status_code=200, content_type=content_type, body=text, headers=dict(SECURITY_HEADERS))
