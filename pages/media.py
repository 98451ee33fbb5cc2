"""Shared images (S3): served only to signed-in staff and to the shopper session whose conversation holds them."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from nicegui import app as nicegui_app

from services import chat_sessions, sharing
from services.errors import Unauthorized
from services.images import CONTENT_TYPES, stored_path
from services.permissions import Permission, has
from services.runtime import Runtime
from services.staff import get_active_staff

HEADERS = {'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, max-age=86400',
           'Content-Security-Policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"}


def _not_found() -> JSONResponse:
    return JSONResponse({'error': {'code': 'not_found', 'message': 'No such image.'}}, status_code=404)


def install_media(app: FastAPI, runtime: Runtime) -> None:
    @app.get('/media/{name}', include_in_schema=False)
    async def media(name: str, request: Request, token: str = '') -> Response:
        path = stored_path(runtime.config.uploads_dir, name)
        if path is None:
            return _not_found()
        allowed = False
        async with runtime.db.sessions() as db:
            try:
                staff_id = nicegui_app.storage.user.get('staff_id')
            except (RuntimeError, AssertionError):  # no staff browser session on this request
                staff_id = None
            staff = await get_active_staff(db=db, staff_id=staff_id)
            if has(staff, Permission.REPLY):
                allowed = True
            else:
                bearer = request.headers.get('authorization', '')
                given = token or (bearer[7:].strip() if bearer[:7].lower() == 'bearer ' else '')
                try:
                    chat_session = await chat_sessions.authenticate(
                        db=db, token=given, lifetime=runtime.config.shopper_token_lifetime)
                except Unauthorized:
                    return _not_found()
                allowed = await sharing.session_may_see_image(db=db, chat_session=chat_session, name=name)
        if not allowed:
            return _not_found()
        return FileResponse(path, media_type=CONTENT_TYPES[path.suffix], headers=HEADERS)
