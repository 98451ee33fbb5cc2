"""HTTP for load loops: a minimal keep-alive client that costs the load generator little CPU."""
from __future__ import annotations

import asyncio


class _ClosedUnanswered(ConnectionError):
    """The server closed the connection before sending any byte of an answer."""


class KeepAliveClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, for load loops.

    httpx costs ~5 ms of CPU per request here: on 2 cores the load generator, not the server, set the pace. This
    one writes the request bytes and reads the status line, headers and Content-Length body (~0.1 ms)."""

    def __init__(self, host: str, port: int, *, source: str | None = None) -> None:
        self.host, self.port = host, port
        self.source = source
        """The local address to connect from (bench/server.py: loopback_source), or the system's choice."""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """POST and return the status. Like browsers, a request on a reused connection that the server closed
        without answering (its idle keep-alive timeout ran out as the request left) is sent once more on a new
        connection; a request on a new connection is never sent twice. The inbox's message API is safe to retry
        (client_msg_id)."""
        reused = self.writer is not None and not self.writer.is_closing()
        try:
            return await self._post_json(path, body, headers)
        except _ClosedUnanswered:
            if not reused:
                raise
            return await self._post_json(path, body, headers)

    async def _post_json(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, local_addr=(self.source, 0) if self.source else None)
        assert self.reader is not None
        head = ''.join(f'{key}: {value}\r\n' for key, value in headers.items())
        self.writer.write((f'POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n'
                           f'Content-Length: {len(body)}\r\n{head}\r\n').encode() + body)
        try:
            try:
                status_line = await self.reader.readline()
            except ConnectionResetError as error:
                raise _ClosedUnanswered('reset before an answer') from error
            if not status_line:
                raise _ClosedUnanswered('closed before an answer')
            length = 0
            close = False
            while (line := await self.reader.readline()) not in (b'\r\n', b''):
                name, _sep, value = line.decode('latin-1').partition(':')
                if name.lower() == 'content-length':
                    length = int(value)
                elif name.lower() == 'connection' and 'close' in value.lower():
                    close = True
            await self.reader.readexactly(length)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            self.writer.close()
            self.writer = None
            raise
        if close:
            self.writer.close()
            self.writer = None
        return int(status_line.split(b' ', 2)[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
