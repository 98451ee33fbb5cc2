"""Configuration from the environment (INBOX_*), with a secret kept in the data dir when none is given."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix='INBOX_', extra='ignore')

    data_dir: Path = Field(default=Path('data'), description='Where the database, uploads and the secret live.')
    database_url: str = Field(default='', description='SQLAlchemy async URL; default: SQLite file in the data dir.')
    secret: str = Field(default='', description='Signs staff sessions; generated into DATA_DIR/secret when empty.')
    host: str = '127.0.0.1'
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str = Field(default='', description='The address shoppers and staff reach; default http://HOST:PORT.')
    presence_grace_seconds: float = Field(default=30.0, gt=0, le=3600)
    topic_threshold: float = Field(default=0.9, ge=0, le=1)
    topic_model_path: Path | None = Field(default=None, description='Trained topic model; default DATA_DIR/models/.')
    topic_autotrain: bool = Field(default=True, description='Train the topic model on start when it is missing.')
    topic_retrain_corrections: int = Field(default=20, ge=0, description=(
        'New staff topic corrections that start a retrain; 0: only `inbox train` and Train now.'))
    topic_retrain_hours: float = Field(default=6.0, ge=0, le=24 * 365,
                                       description='At least this long between two scheduled retrains.')
    message_rate_limit: int = Field(default=20, ge=1)
    message_rate_window_seconds: float = Field(default=10.0, gt=0)
    address_rate_limit: int = Field(default=60, ge=1,
                                    description='Shopper messages per client address per message window.')
    session_rate_limit: int = Field(default=10, ge=1, description='New chat sessions per client address per minute.')
    staff_idle_hours: float = Field(default=12.0, gt=0, le=24 * 90,
                                    description='Hours without any open staff page before signing in again.')
    shopper_token_days: float = Field(default=30.0, gt=0, le=3650,
                                      description='Days a shopper chat session token stays valid after its last use.')
    login_max_failures: int = Field(default=5, ge=1, description='Failed sign-ins per address or e-mail per 15 min.')
    smtp_host: str = Field(default='', description='Outgoing mail server; empty: mail is written to DATA_DIR/mail.')
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ''
    smtp_password: str = Field(default='', repr=False)
    smtp_tls: Literal['none', 'starttls', 'tls'] = 'starttls'
    mail_from: str = Field(default='', description='From address of replies; default inbox@<public host>.')
    mail_reply_domain: str = Field(default='',
                                   description='Domain of reply+<token>@ addresses; default: from mail_from.')
    mail_max_attempts: int = Field(default=8, ge=1, le=100)
    smtp_inbound_port: int = Field(default=0, ge=0, le=65535, description='Built-in SMTP receiver port; 0 = off.')
    inbound_secret: str = Field(default='', repr=False, description='Bearer secret for POST /api/v1/inbound/email.')

    @field_validator('data_dir')
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f'sqlite+aiosqlite:///{self.data_dir / "inbox.db"}'

    @property
    def effective_public_url(self) -> str:
        host = 'localhost' if self.host in ('0.0.0.0', '127.0.0.1', '::') else self.host
        return (self.public_url or f'http://{host}:{self.port}').rstrip('/')

    @property
    def effective_topic_model_path(self) -> Path:
        from services.classification import MODEL_VERSION
        return self.topic_model_path or self.data_dir / 'models' / f'{MODEL_VERSION}.joblib'

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / 'mail'

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / 'uploads'

    def prepare_data_dir(self) -> None:
        """Create the data dir and fill in the secret from DATA_DIR/secret (made once, mode 600)."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.uploads_dir.mkdir(mode=0o700, exist_ok=True)
        if self.secret:
            return
        secret_file = self.data_dir / 'secret'
        if not secret_file.exists():
            fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, 'w') as handle:
                handle.write(secrets.token_urlsafe(48))
        self.secret = secret_file.read_text().strip()
