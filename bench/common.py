"""What every benchmark shares: paths, a real server process on a free port, percentiles, machine facts.

Benchmarks only talk to 127.0.0.1, bound every loop in count and time, and print figures; they
never assert times.
"""
from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / 'bench'
DATA = BENCH / '.data'
PYTHON = sys.executable
HOST = '127.0.0.1'
# The same browser and flags as e2e/conftest.py (Debian's Chromium, driven by Playwright).
CHROMIUM = os.environ.get('INBOX_E2E_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run']
# Generous limits so the benchmark measures the server, not its throttling (see README "Benchmarks").
RAISED_LIMITS = {'INBOX_MESSAGE_RATE_LIMIT': '1000000', 'INBOX_SESSION_RATE_LIMIT': '1000000'}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------- numbers

def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of values; nan for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """n, p50, p95, p99, mean, max of values (e.g. milliseconds)."""
    return {'n': len(values), 'p50': percentile(values, 50), 'p95': percentile(values, 95),
            'p99': percentile(values, 99), 'mean': statistics.fmean(values) if values else math.nan,
            'max': max(values) if values else math.nan}


def ms(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '-'
    if value >= 100:
        return f'{value:,.0f}'
    if value >= 10:
        return f'{value:.1f}'
    return f'{value:.2f}'


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (readable as plain text too)."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    line = lambda cells: '| ' + ' | '.join(str(c).ljust(w) for c, w in zip(cells, widths)) + ' |'  # noqa: E731
    return '\n'.join([line(headers), '|' + '|'.join('-' * (w + 2) for w in widths) + '|', *(line(r) for r in rows)])


def write_json(path: str | Path | None, data: dict[str, Any]) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=2, default=str))


# ---------------------------------------------------------------- the machine

def machine() -> dict[str, Any]:
    cpu = ''
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.lower().startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = math.nan
    try:
        for line in Path('/proc/meminfo').read_text().splitlines():
            if line.startswith('MemTotal:'):
                ram_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = (math.nan,) * 3
    return {'nproc': os.cpu_count(), 'cpu': cpu or platform.processor() or '?', 'ram_gb': round(ram_gb, 1),
            'python': platform.python_version(), 'platform': platform.platform(terse=True),
            'load_average': [round(x, 2) for x in load]}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc/<pid>/stat), in seconds."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def _all_cpu() -> dict[int, tuple[str, float]]:
    found = {}
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / 'stat').read_text()
                name = stat[stat.index('(') + 1:stat.rindex(')')]
                found[int(entry.name)] = (name, cpu_seconds(int(entry.name)))
            except (OSError, ValueError, IndexError):
                continue
    return found


def busy_processes(seconds: float = 1.0, limit: int = 6, exclude: Iterable[int] = ()) -> tuple[float, list[str]]:
    """Other processes' CPU use over the next `seconds` (in cores), and the busiest of them, so a reader
    knows whether the figures were taken on an idle machine."""
    skip = {os.getpid(), *exclude}
    before = _all_cpu()
    time.sleep(seconds)
    after = _all_cpu()
    used: dict[str, float] = {}
    for pid, (name, cpu) in after.items():
        if pid in skip or pid not in before:
            continue
        delta = (cpu - before[pid][1]) / seconds
        if delta > 0:
            used[name] = used.get(name, 0.0) + delta
    busiest = sorted(used.items(), key=lambda kv: -kv[1])
    return sum(used.values()), [f'{name} {share * 100:.0f} %' for name, share in busiest[:limit] if share >= 0.03]


def rss_mb(pid: int) -> float:
    """Resident set size of a process from /proc/<pid>/status (VmRSS), in MB."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    return math.nan


def _descendants(root_pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / 'stat').read_text().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _tree_sum(root_pid: int, measure: Callable[[int], float]) -> float:
    total = 0.0
    for pid in _descendants(root_pid):
        try:
            total += measure(pid)
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    return total


def tree_cpu_seconds(root_pid: int) -> float:
    """CPU time used so far by a process and its living descendants (e.g. all of Chromium)."""
    return _tree_sum(root_pid, cpu_seconds)


def tree_rss_mb(root_pid: int) -> float:
    """RSS summed over a process and its descendants (e.g. all of Chromium), in MB; shared pages count twice."""
    return _tree_sum(root_pid, rss_mb)


# ---------------------------------------------------------------- a real server

def shopper_address(n: int) -> str:
    """The n-th simulated shopper's own address (X-Forwarded-For, which uvicorn trusts from 127.0.0.1)."""
    return f'10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}'


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


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (WAL included) through SQLite's backup API."""
    import sqlite3
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ('', '-wal', '-shm'):
        Path(str(target) + suffix).unlink(missing_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    dst.execute('PRAGMA journal_mode=WAL')
    dst.close()
    src.close()


# ---------------------------------------------------------------- generated databases

def database_dir(conversations: int, messages: int) -> Path:
    return DATA / f'db-{conversations}x{messages}'


def ensure_database(conversations: int, messages: int) -> tuple[Path, dict[str, Any]]:
    """The generated database of that size (made by bench/generate.py when missing) and its facts."""
    folder = database_dir(conversations, messages)
    facts_file = folder / 'facts.json'
    if not facts_file.exists():
        subprocess.run([PYTHON, '-m', 'bench.generate', '--conversations', str(conversations), '--messages',
                        str(messages), '--out', str(folder)], check=True, cwd=ROOT)
    from db.migrate import upgrade  # a database generated before a new migration gets it once, here, not per run
    upgrade(f'sqlite+aiosqlite:///{folder / "inbox.db"}')
    return folder / 'inbox.db', json.loads(facts_file.read_text())


def header(title: str) -> None:
    print(f'\n=== {title} ===', flush=True)


# ---------------------------------------------------------------- load

class _ClosedUnanswered(ConnectionError):
    """The server closed the connection before sending any byte of an answer."""


class KeepAliveClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, for load loops.

    httpx costs ~5 ms of CPU per request here: on 2 cores the load generator, not the server, set the pace. This
    one writes the request bytes and reads the status line, headers and Content-Length body (~0.1 ms)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
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
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
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



# ---------------------------------------------------------------- profiling (optional: pip install py-spy)

def start_profiler(pid: int, out: Path, seconds: float) -> subprocess.Popen[bytes] | None:
    """Sample a server with py-spy (collapsed stacks, all threads, idle excluded) for `seconds`."""
    spy = shutil.which('py-spy') or str(Path(PYTHON).parent / 'py-spy')
    if not Path(spy).exists():
        print('  (py-spy is not installed: `pip install py-spy` to profile)')
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([spy, 'record', '--pid', str(pid), '--duration', str(max(1, int(seconds))), '--rate', '200',
                             '--format', 'raw', '--output', str(out), '--gil', '--threads'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profile_report(collapsed: Path, top: int = 25, focus: Sequence[str] = ('/work/', 'app/', 'services/', 'pages/',
                                                                              'components/', 'db/')) -> str:
    """The hottest functions of a py-spy raw (collapsed) profile: own samples and inclusive samples."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in collapsed.read_text(errors='replace').splitlines():
        stack, _, count_text = line.rpartition(' ')
        try:
            count = int(count_text)
        except ValueError:
            continue
        total += count
        frames = [f for f in stack.split(';') if f and not f.startswith('process ') and not f.startswith('thread ')]
        if not frames:
            continue
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    lines = [f'{total} samples']
    lines.append('own time (top):')
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f'  {count / total:6.1%}  {frame}')
    lines.append('inclusive time, project code (top):')
    ours = [(f, c) for f, c in inclusive.items() if any(x in f for x in focus) and '.venv' not in f]
    for frame, count in sorted(ours, key=lambda kv: -kv[1])[:top]:
        lines.append(f'  {count / total:6.1%}  {frame}')
    return '\n'.join(lines)


# ---------------------------------------------------------------- Chromium (Playwright, async API)

async def launch_chromium(playwright: Any) -> Any:
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


async def sign_in(page: Any, base: str, email: str, password: str) -> None:
    """Staff sign-in as e2e/page_objects.py does it; ends on the inbox."""
    await page.goto(f'{base}/login')
    await page.get_by_label('E-mail').fill(email)
    await page.get_by_label('Password').fill(password)
    await page.get_by_role('button', name='Sign in').click()
    await page.get_by_text('Conversations', exact=True).wait_for(timeout=30_000)


def browser_pid(browser: Any) -> int | None:
    """The pid of the Chromium that Playwright launched (a child of Playwright's driver)."""
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / 'cmdline').read_bytes().split(b'\0')
            stat = (entry / 'stat').read_text()
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(b'chromium') and b'--remote-debugging-pipe' in cmdline \
                and not any(arg.startswith(b'--type=') for arg in cmdline):
            ppid = int(stat.rsplit(')', 1)[1].split()[1])
            if _is_descendant(ppid, os.getpid()):
                return int(entry.name)
    return None


def _is_descendant(pid: int, ancestor: int) -> bool:
    for _ in range(20):
        if pid == ancestor:
            return True
        if pid <= 1:
            return False
        try:
            pid = int(Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[1])
        except OSError:
            return False
    return False
