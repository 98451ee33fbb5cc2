"""The image upload's size cap holds on the server (issue 16), not only in the browser: a request body past it is
refused with 413 as it arrives, and the share dialog reads a file in chunks and stops at the first byte past the
cap, before anything is decoded."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.elements.upload_files import FileUpload
from nicegui.testing import User

from services.chat_sessions import SessionCreate, create_session
from services.errors import TooLarge
from services.images import MAX_BYTES, read_upload
from tests.conftest import App, add_staff, sign_in
from tests.test_sharing import png_bytes

MIB = 1024 * 1024


async def chunks(count: int, pulled: list[int], size: int = MIB) -> AsyncIterator[bytes]:
    for _ in range(count):
        pulled.append(size)
        yield b'\0' * size


async def test_reading_an_upload_stops_at_the_first_chunk_past_the_cap() -> None:
    pulled: list[int] = []
    with pytest.raises(TooLarge) as refused:
        await read_upload(chunks(50, pulled))
    assert refused.value.code == 'image_too_large' and refused.value.message == 'Images can be at most 10 MB.'
    assert sum(pulled) == MAX_BYTES + MIB  # ten chunks fit, the eleventh passes the cap; the other 39 never read
    exactly: list[int] = []
    assert len(await read_upload(chunks(10, exactly))) == MAX_BYTES


@dataclass
class CountedUpload(FileUpload):
    """A file as NiceGUI hands it to upload handlers, counting what the handler takes of it."""
    total: int = 0
    read_whole: bool = False
    pulled: list[int] = field(default_factory=list)

    async def read(self) -> bytes:
        self.read_whole = True
        return b'\0' * self.total

    async def text(self, encoding: str = 'utf-8') -> str:
        return (await self.read()).decode(encoding)

    def iterate(self, *, chunk_size: int = MIB) -> AsyncIterator[bytes]:
        return chunks(-(-self.total // chunk_size), self.pulled, chunk_size)

    async def save(self, path: str | Path) -> None:
        Path(path).write_bytes(await self.read())

    def size(self) -> int:
        return self.total


async def open_image_dialog(app: App, user: User) -> ui.upload:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        session = (await create_session(db=db, session_in=SessionCreate(email='u@example.com', name='Uma'))).session
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    user.find(marker='share-image').click()
    await user.should_see(marker='image-upload')
    upload = user.find(marker='image-upload').elements.pop()
    assert isinstance(upload, ui.upload)
    return upload


async def test_the_share_dialog_reads_an_oversized_file_only_up_to_the_cap(app: App, user: User) -> None:
    upload = await open_image_dialog(app, user)
    big = CountedUpload(name='huge.png', content_type='image/png', total=200 * MIB)
    await upload.handle_uploads([big])
    await user.should_see('Images can be at most 10 MB.', marker='image-error')
    assert not big.read_whole and sum(big.pulled) <= MAX_BYTES + MIB
    assert not list(app.runtime.config.uploads_dir.iterdir())


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = 'inboxtestboundary'
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            'Content-Type: image/png\r\n\r\n').encode() + data + f'\r\n--{boundary}--\r\n'.encode()
    return body, f'multipart/form-data; boundary={boundary}'


async def test_an_upload_request_past_the_cap_is_refused_with_413_as_it_arrives(app: App, user: User) -> None:
    upload = await open_image_dialog(app, user)
    url = upload.props['url']
    body, content_type = multipart(b'\0' * (MAX_BYTES + 200 * 1024))
    honest = await user.http_client.post(url, content=body, headers={'Content-Type': content_type})
    assert honest.status_code == 413 and honest.json()['error']['code'] == 'image_too_large'

    sent: list[int] = []

    async def stream() -> AsyncIterator[bytes]:  # no Content-Length: the body is counted as it comes
        for start in range(0, len(body), MIB):
            sent.append(start)
            yield body[start:start + MIB]

    streamed = await user.http_client.post(url, content=stream(), headers={'Content-Type': content_type})
    assert streamed.status_code == 413
    assert not list(app.runtime.config.uploads_dir.iterdir())

    small, content_type = multipart(png_bytes())
    accepted = await user.http_client.post(url, content=small, headers={'Content-Type': content_type})
    assert accepted.status_code == 200
    await user.should_see(marker='shared-image')
