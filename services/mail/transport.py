"""How an e-mail leaves: through an SMTP server, or into a folder of .eml files when no server is configured."""
from __future__ import annotations

import asyncio
import os
import re
import secrets
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol, runtime_checkable

import aiosmtplib

from services.mail.config import MailConfig


class MailError(Exception):
    """Sending failed; trying again later may work (network, timeouts, 4xx answers, login problems)."""


class PermanentMailError(MailError):
    """The server refused this mail for good (a 5xx answer to the sender, a recipient or the content)."""


@runtime_checkable
class MailTransport(Protocol):
    sends_mail: bool
    """False when mail is only kept (the folder), so the UI never pretends it was e-mailed."""

    def describe(self) -> str:
        """Where mail goes, for people (never contains a password)."""
        ...

    async def send(self, message: EmailMessage) -> str:
        """Hand the mail over; return the server's answer text. Raises MailError or PermanentMailError."""
        ...


class SmtpTransport:
    sends_mail = True

    def __init__(self, *, host: str, port: int, username: str = '', password: str = '', tls: str = 'starttls',
                 timeout: float = 20.0, helo_name: str | None = None) -> None:
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.tls = tls
        self.timeout = timeout
        self.helo_name = helo_name

    def __repr__(self) -> str:
        return f'SmtpTransport({self.describe()})'

    def describe(self) -> str:
        mode = {'none': 'no TLS', 'starttls': 'STARTTLS', 'tls': 'TLS'}.get(self.tls, self.tls)
        login = f', login as {self.username}' if self.username else ''
        return f'SMTP {self.host}:{self.port} ({mode}{login})'

    async def send(self, message: EmailMessage) -> str:
        try:
            errors, answer = await aiosmtplib.send(
                message, hostname=self.host, port=self.port, username=self.username or None,
                password=self._password if self.username else None, use_tls=self.tls == 'tls',
                start_tls=True if self.tls == 'starttls' else False, timeout=self.timeout,
                local_hostname=self.helo_name)
        except aiosmtplib.SMTPRecipientsRefused as error:
            refusals = '; '.join(f'{r.recipient}: {r.code} {r.message}' for r in error.recipients)
            permanent = all(r.code >= 500 for r in error.recipients)
            raise (PermanentMailError if permanent else MailError)(f'Recipient refused: {refusals}') from error
        except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError) as error:
            cls = PermanentMailError if error.code >= 500 else MailError
            raise cls(f'{error.code} {error.message}') from error
        except aiosmtplib.SMTPResponseException as error:
            raise MailError(f'{type(error).__name__}: {error.code} {error.message}') from error
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
            raise MailError(f'{type(error).__name__}: {error}'.rstrip(': ')) from error
        if errors:  # one recipient only, so a refusal raised above; keep any per-recipient note anyway
            answer = f'{answer} ({"; ".join(f"{k}: {v}" for k, v in errors.items())})'
        return answer


_UNSAFE = re.compile(r'[^A-Za-z0-9._@+-]')


def eml_name(message: EmailMessage) -> str:
    """A file name from the Message-ID, so saving the same mail twice overwrites instead of duplicating."""
    return eml_name_of(str(message.get('Message-ID', ''))) or f'no-id-{secrets.token_hex(8)}.eml'


def eml_name_of(message_id: str) -> str:
    """The .eml file name a mail with this Message-ID is saved under ('' for an empty id); erasure uses it too."""
    base = _UNSAFE.sub('_', message_id.strip().strip('<>'))[:180].strip('.')
    return f'{base}.eml' if base else ''


class FolderTransport:
    """The embedded default: no mail server, every mail is written to DATA_DIR/mail as an .eml file."""
    sends_mail = False

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = Path(mail_dir)

    def __repr__(self) -> str:
        return f'FolderTransport({self.mail_dir})'

    def describe(self) -> str:
        return f'saved to the folder {self.mail_dir} (no mail server configured)'

    def _write(self, name: str, data: bytes) -> Path:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        target = self.mail_dir / name
        temporary = self.mail_dir / f'.{name}.{secrets.token_hex(4)}.tmp'
        try:
            with open(temporary, 'wb') as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)  # atomic: a reader sees the old file or the whole new one
        finally:
            if temporary.exists():
                temporary.unlink()
        return target

    async def send(self, message: EmailMessage) -> str:
        try:
            path = await asyncio.to_thread(self._write, eml_name(message), message.as_bytes())
        except OSError as error:
            raise MailError(f'Could not save the mail: {error}') from error
        return f'Saved to {path} (no mail server configured, not sent)'

    async def discard(self, message: EmailMessage) -> None:
        """Remove the saved file of this mail (its customer was erased while it was written)."""
        target = self.mail_dir / eml_name(message)
        await asyncio.to_thread(target.unlink, missing_ok=True)


def transport_for(mail: MailConfig) -> MailTransport:
    """SMTP when a server is configured, else the folder."""
    if mail.sends_mail:
        return SmtpTransport(host=mail.smtp_host, port=mail.smtp_port, username=mail.smtp_username,
                             password=mail.smtp_password, tls=mail.smtp_tls, timeout=mail.smtp_timeout_seconds,
                             helo_name=mail.helo_name)
    return FolderTransport(mail.mail_dir)
