"""The mail settings services need, resolved once from the environment's INBOX_SMTP_* / INBOX_MAIL_* values."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

TLS_MODES = ('none', 'starttls', 'tls')


@dataclass(frozen=True)
class MailConfig:
    smtp_host: str = ''
    smtp_port: int = 587
    smtp_username: str = ''
    smtp_password: str = field(default='', repr=False)
    smtp_tls: str = 'starttls'
    smtp_timeout_seconds: float = 20.0
    mail_from: str = 'inbox@localhost'
    """The effective From address (never empty)."""
    reply_domain: str = 'localhost'
    """The effective domain of reply+<token>@ addresses and of our Message-IDs (never empty)."""
    helo_name: str = 'localhost'
    max_attempts: int = 8
    mail_dir: Path = Path('data/mail')
    smtp_inbound_port: int = 0
    inbound_secret: str = field(default='', repr=False)
    public_url: str = 'http://localhost:8080'
    """Where links in mails lead (INBOX_PUBLIC_URL)."""
    link_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    """Signs K2's rating links (services/rating_links.py): the server's secret (INBOX_SECRET or DATA_DIR/secret)."""

    @property
    def sends_mail(self) -> bool:
        """False: no SMTP server is configured and mail is only saved to `mail_dir`."""
        return bool(self.smtp_host)


def public_host(public_url: str) -> str:
    return (urlsplit(public_url).hostname or 'localhost').lower()


def resolve_mail_config(*, public_url: str, smtp_host: str = '', smtp_port: int = 587, smtp_username: str = '',
                        smtp_password: str = '', smtp_tls: str = 'starttls', mail_from: str = '',
                        mail_reply_domain: str = '', max_attempts: int = 8, mail_dir: Path = Path('data/mail'),
                        smtp_inbound_port: int = 0, inbound_secret: str = '', link_secret: str = '') -> MailConfig:
    """Fill the defaults: From is inbox@<public host>, the reply domain is From's domain."""
    host = public_host(public_url)
    sender = mail_from.strip() or f'inbox@{host}'
    sender_domain = parseaddr(sender)[1].rpartition('@')[2].lower()
    reply_domain = mail_reply_domain.strip().lower().lstrip('@') or sender_domain or host
    if smtp_tls not in TLS_MODES:
        raise ValueError(f'smtp_tls must be one of {", ".join(TLS_MODES)}')
    return MailConfig(smtp_host=smtp_host.strip(), smtp_port=smtp_port, smtp_username=smtp_username,
                      smtp_password=smtp_password, smtp_tls=smtp_tls, mail_from=sender, reply_domain=reply_domain,
                      helo_name=host, max_attempts=max_attempts, mail_dir=mail_dir,
                      smtp_inbound_port=smtp_inbound_port, inbound_secret=inbound_secret,
                      public_url=public_url, link_secret=link_secret or secrets.token_urlsafe(32))


def reply_address(*, reply_token: str, domain: str) -> str:
    return f'reply+{reply_token}@{domain}'
