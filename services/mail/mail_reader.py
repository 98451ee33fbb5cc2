"""Reading inbound mail in a worker process.

Reading a mail is pure CPU (about 70 ms for 1 MB). In a thread it would still hold the interpreter lock for as long,
and the event loop, waiting for the lock at every step, would answer every shopper late while mails arrive (README,
Benchmarks: inbound flood). One worker process reads them; it is started at the first mail and imports only
services/mail/inbound_text.py.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from services.errors import ServiceError
from services.mail.inbound_text import ReadEmail, read_email

log = logging.getLogger('inbox.mail')


class ReaderUnavailable(ServiceError):
    status = 503
    code = 'unavailable'


class MailReader:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:  # spawn: a fresh interpreter, not a fork of this one with its threads
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context('spawn'))
        return self._pool

    async def read(self, raw: bytes, envelope_to: Sequence[str] = (), *, max_body: int, max_key: int) -> ReadEmail:
        """services/mail/inbound_text.read_email, in the worker; its Invalid for unreadable mail comes back as is."""
        pool = self._executor()
        try:
            return await asyncio.get_running_loop().run_in_executor(
                pool, _read, raw, list(envelope_to), max_body, max_key)
        except BrokenProcessPool as error:  # the worker died (killed, out of memory): a new one for the next mail
            log.warning('the mail reading process ended; starting another for the next mail')
            if self._pool is pool:
                self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise ReaderUnavailable('The e-mail could not be read right now; please send it again.') from error

    async def worker_pid(self) -> int:
        """The process that reads the mails (started by this call if it was not running)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor(), os.getpid)

    async def close(self) -> None:
        """Ends the worker, waiting (in a thread) until it has: a reading still under way is dropped."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)


def _read(raw: bytes, envelope_to: list[str], max_body: int, max_key: int) -> ReadEmail:
    return read_email(raw, envelope_to, max_body=max_body, max_key=max_key)
