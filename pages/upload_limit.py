"""The size cap of staff uploads, on the server: NiceGUI's upload route reads the whole multipart body (to a
temporary file) before our handler sees it, so a request whose body passes the cap is refused with 413 while it
arrives, whatever its Content-Length says. The browser checks the size too, so only a crafted request meets this;
the handler reads the file it gets in chunks and stops at the cap as well (services/images.py `read_upload`)."""
from __future__ import annotations

import re

from fastapi.responses import Response

from pages.api.errors import BodySizeLimit, error_response
from services.i18n import _
from services.images import MAX_BYTES

UPLOAD_PATH = re.compile(r'/_nicegui/client/[^/]+/upload/[^/]+')
FORM_OVERHEAD = 64 * 1024
"""Room for the multipart boundaries and part headers around the file."""


class UploadSizeLimit(BodySizeLimit):
    def limit_for(self, path: str) -> int | None:
        return MAX_BYTES + FORM_OVERHEAD if UPLOAD_PATH.fullmatch(path) else None

    def refusal(self, limit: int) -> Response:
        return error_response(413, 'image_too_large', _('Images can be at most {n} MB.', n=MAX_BYTES // (1024 * 1024)))
