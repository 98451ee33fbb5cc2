"""The product pictures of services/product_pictures.py, for everyone: they are the public catalogue (the demo store,
product cards in the chat and the inbox), unlike shared images (pages/media.py), which only their conversation sees."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response

from services.images import CONTENT_TYPES, stored_path
from services.product_pictures import PICTURES_URL, pictures_dir
from services.runtime import Runtime

HEADERS = {'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=86400',
           'Content-Security-Policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"}


def install_product_pictures(app: FastAPI, runtime: Runtime) -> None:
    folder = pictures_dir(runtime.config.uploads_dir)

    @app.get(PICTURES_URL + '/{name}', include_in_schema=False)
    async def product_picture(name: str) -> Response:
        path = stored_path(folder, name)
        if path is None:
            return JSONResponse({'error': {'code': 'not_found', 'message': 'No such picture.'}}, status_code=404)
        return FileResponse(path, media_type=CONTENT_TYPES[path.suffix], headers=HEADERS)
