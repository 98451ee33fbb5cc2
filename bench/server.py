"""A real server: `python -m app.cli serve` as a subprocess on a free port of 127.0.0.1, with its own data dir,
the shared topic model and (for load) raised rate limits; and the simulated shoppers' own addresses."""
from __future__ import annotations

import math
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.databases import copy_sqlite
from bench.paths import DATA, PYTHON, ROOT

HOST = '127.0.0.1'
# Generous limits so the benchmark measures the server, not its throttling (see README "Benchmarks").
RAISED_LIMITS = {'INBOX_MESSAGE_RATE_LIMIT': '1000000', 'INBOX_ADDRESS_RATE_LIMIT': '1000000',
                 'INBOX_SESSION_RATE_LIMIT': '1000000'}


def shopper_address(n: int) -> str:
    """The n-th simulated shopper's own address (X-Forwarded-For, which uvicorn trusts from 127.0.0.1)."""
    return f'10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}'


def loopback_source(n: int) -> str:
    """The n-th simulated shopper's own loopback address to connect from (all of 127.0.0.0/8 is this machine), so a
    proxy that routes by client address (deploy/haproxy.cfg: /api/ by `balance source`) spreads them as it would
    real shoppers, instead of sending every one to the process that 127.0.0.1 hashes to."""
    return f'127.1.{(n // 250) % 250}.{n % 250 + 1}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def model_path() -> Path:
    """The topic model every benchmark server loads (trained once, ~5 s), so no server trains at start."""
    from services.classification.model import MODEL_VERSION, train_and_save
    path = DATA / 'models' / f'{MODEL_VERSION}.joblib'
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f'training the topic model once into {path.relative_to(ROOT)} ...', flush=True)
        train_and_save(str(path))
    return path


def server_env(data_dir: Path, port: int, *, database: Path | None = None, extra: dict[str, str] | None = None
               ) -> dict[str, str]:
    """Like e2e/conftest.py: no PYTEST_CURRENT_TEST / NICEGUI_USER_SIMULATION, own data dir, free port."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTEST_CURRENT_TEST', 'NICEGUI_USER_SIMULATION', 'NICEGUI_SCREEN_TEST_PORT')
           and not k.startswith('INBOX_')}
    env.update(INBOX_DATA_DIR=str(data_dir), INBOX_PORT=str(port), INBOX_HOST=HOST,
               NICEGUI_STORAGE_PATH=str(data_dir / 'nicegui'), INBOX_TOPIC_MODEL_PATH=str(model_path()),
               PYTHONPATH=str(ROOT))
    if database is not None:
        env['INBOX_DATABASE_URL'] = f'sqlite+aiosqlite:///{database}'
    env.update(extra or {})
    return env


class Server:
    """`python -m app.cli serve` as a subprocess; `with Server(...) as s:` waits for GET /login == 200."""

    def __init__(self, name: str, *, database: Path | None = None, copy_database: bool = True,
                 env: dict[str, str] | None = None, ready_timeout: float = 90) -> None:
        self.data_dir = DATA / 'run' / name
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True)
        self.database = database
        if database is not None and copy_database:
            self.database = self.data_dir / 'inbox.db'
            copy_sqlite(database, self.database)
        self.port = free_port()
        self.base = f'http://{HOST}:{self.port}'
        self.env = server_env(self.data_dir, self.port, database=self.database, extra=env)
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = math.nan
        self.ready_seconds = math.nan
        self.log_path = self.data_dir / 'server.log'

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> float:
        """Launch and wait for the first 200 on /login; returns the seconds that took."""
        self._log = open(self.log_path, 'wb')  # noqa: SIM115  (closed in stop)
        self.started_at = time.perf_counter()
        command = os.environ.get('BENCH_SERVER_COMMAND', '').split() or [PYTHON, '-m', 'app.cli', 'serve']
        self.process = subprocess.Popen(command, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT, cwd=self.data_dir)
        deadline = time.monotonic() + self.ready_timeout
        while True:
            try:
                with urllib.request.urlopen(f'{self.base}/login', timeout=2) as response:
                    if response.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError('server did not start:\n' + self.log_path.read_text(errors='replace')[-3000:])
            time.sleep(0.02)
        self.ready_seconds = time.perf_counter() - self.started_at
        return self.ready_seconds

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if getattr(self, '_log', None):
            self._log.close()

    def tracebacks(self) -> int:
        try:
            return self.log_path.read_text(errors='replace').count('Traceback')
        except OSError:
            return 0

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

