"""Images staff share (S3): identified by content, re-encoded without metadata, stored under random names."""
from __future__ import annotations

import asyncio
import io
import os
import secrets
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from services.errors import Invalid, TooLarge
from services.i18n import _

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuses decompression bombs before they are decoded
MAX_FRAMES = 300
MAX_ANIMATION_PIXELS = 100_000_000  # every frame of a GIF is decoded to re-encode it: frames x width x height
FORMATS = {'PNG': ('image/png', '.png'), 'JPEG': ('image/jpeg', '.jpg'), 'WEBP': ('image/webp', '.webp'),
           'GIF': ('image/gif', '.gif')}
CONTENT_TYPES = {ext: content_type for content_type, ext in FORMATS.values()}
NAME_CHARS = set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.')


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def too_large() -> TooLarge:
    return TooLarge(_('Images can be at most {n} MB.', n=MAX_BYTES // (1024 * 1024)), code='image_too_large')


async def read_upload(chunks: AsyncIterable[bytes], *, limit: int = MAX_BYTES) -> bytes:
    """An uploaded file's bytes, read chunk by chunk and given up (TooLarge) as soon as they pass `limit`: the file
    is never held whole when it is too large, and nothing of it is decoded."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large()
        parts.append(chunk)
    return b''.join(parts)


def clean_image(data: bytes) -> CleanImage:
    """Check what the bytes really are and re-encode them, dropping EXIF and every other chunk of metadata.
    CPU work: call it in a thread."""
    if len(data) > MAX_BYTES:
        raise too_large()
    if not data:
        raise Invalid(_('The file is empty.'), code='not_an_image')
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in FORMATS:
                raise Invalid(_('Only PNG, JPEG, WebP and GIF images can be sent.'), code='unsupported_image')
            frames = getattr(probe, 'n_frames', 1)
            if probe.width * probe.height > MAX_PIXELS or frames > MAX_FRAMES or \
                    frames * probe.width * probe.height > MAX_ANIMATION_PIXELS:
                raise Invalid(_('The image has too many pixels.'), code='image_too_large')
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            if kind == 'GIF':
                frames = getattr(image, 'n_frames', 1)
                image.save(out, format='GIF', save_all=frames > 1, loop=image.info.get('loop', 0),
                           duration=image.info.get('duration', 100))
            else:
                upright = ImageOps.exif_transpose(image)
                if kind == 'JPEG' and upright.mode not in ('RGB', 'L'):
                    upright = upright.convert('RGB')
                upright.save(out, format=kind, **({'quality': 90} if kind in ('JPEG', 'WEBP') else {}))
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise Invalid(_('This file is not an image we can read (PNG, JPEG, WebP or GIF).'),
                      code='not_an_image') from error
    content_type, extension = FORMATS[kind]
    return CleanImage(data=out.getvalue(), content_type=content_type, extension=extension, width=width, height=height)


def _write(directory: Path, name: str, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f'.{name}.tmp'
    temporary.write_bytes(data)
    os.replace(temporary, directory / name)


async def store_image(*, uploads_dir: Path, data: bytes) -> tuple[str, CleanImage]:
    """Validate, re-encode and save off the event loop; returns the random file name."""
    image = await asyncio.to_thread(clean_image, data)
    name = secrets.token_urlsafe(24) + image.extension
    await asyncio.to_thread(_write, uploads_dir, name, image.data)
    return name, image


def stored_path(uploads_dir: Path, name: str) -> Path | None:
    """The file for a served name, or None for anything that is not one of our names."""
    if not name or len(name) > 80 or set(name) - NAME_CHARS or name.startswith('.') or '/' in name:
        return None
    path = uploads_dir / name
    return path if path.suffix in CONTENT_TYPES and path.is_file() else None
