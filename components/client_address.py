"""The client's IP address of the page being built or handled, for the audit log (G4).

It is the address uvicorn gives the request: X-Forwarded-For is used only when the connection comes from a trusted
proxy (uvicorn's `FORWARDED_ALLOW_IPS`, default 127.0.0.1, which covers the HAProxy of `inbox cluster`); a header sent
by anybody else is ignored."""
from __future__ import annotations

from nicegui import context


def client_address() -> str:
    try:
        request = context.client.request
    except (RuntimeError, AssertionError, AttributeError):  # no client, or one built without a request
        return ''
    return request.client.host if request is not None and request.client else ''
