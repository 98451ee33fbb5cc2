"""`inbox cluster`: N `inbox serve` processes on one PostgreSQL database behind HAProxy with sticky sessions (X1).

The processes listen on free ports of 127.0.0.1 (chosen at start, printed); HAProxy (Debian's `haproxy` package) listens
on the public host and port with deploy/haproxy.cfg, filled in. If any of them exits, the others are stopped and
the command fails, so a supervisor (systemd) sees one unit that is either whole or down."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from app.settings import Settings

TEMPLATE = Path(__file__).resolve().parent.parent / 'deploy' / 'haproxy.cfg'
MAX_PROCESSES = 16


class ClusterError(Exception):
    pass


def haproxy_config(*, host: str, port: int, backend_ports: list[int]) -> str:
    lines = []
    sticky = False  # the staff pages' backend pins browsers with a cookie; the API's goes by address
    for line in TEMPLATE.read_text().splitlines():
        if line.strip().startswith('cookie '):
            sticky = True
        if line.strip() == 'bind {bind}':
            line = f'    bind {host}:{port}'
        elif line.strip() == '{servers}':
            line = '\n'.join(f'    server p{i} 127.0.0.1:{backend} check' + (f' cookie p{i}' if sticky else '')
                             for i, backend in enumerate(backend_ports, start=1))
        elif line.startswith('backend '):
            sticky = False
        lines.append(line)
    return '\n'.join(lines) + '\n'


def free_local_ports(count: int) -> list[int]:
    """Ports of 127.0.0.1 nothing listens on now (the OS picks them; the fixed "next ports" were sometimes taken)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(('127.0.0.1', 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def check_cluster(settings: Settings, processes: int) -> str:
    """The haproxy executable, once the settings allow several processes."""
    if not 2 <= processes <= MAX_PROCESSES:
        raise ClusterError(f'--processes must be 2 to {MAX_PROCESSES}')
    if not settings.database_url.startswith('postgresql'):
        raise ClusterError('several processes need PostgreSQL: set INBOX_DATABASE_URL (README "Running on '
                           'PostgreSQL"); SQLite is served by one process (inbox serve)')
    haproxy = shutil.which('haproxy') or ('/usr/sbin/haproxy' if Path('/usr/sbin/haproxy').exists() else None)
    if haproxy is None:
        raise ClusterError('HAProxy is not installed (Debian: apt-get install haproxy)')
    return haproxy


def _all_serving(children: list[subprocess.Popen[bytes]], ports: list[int], seconds: float = 180.0) -> bool:
    """Until every process answers GET /login on its own port; False when one exits or time runs out."""
    deadline = time.monotonic() + seconds
    waiting = set(ports)
    while waiting:
        if time.monotonic() > deadline or any(child.poll() is not None for child in children):
            return False
        for port in sorted(waiting):
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{port}/login', timeout=2) as answer:
                    if answer.status == 200:
                        waiting.discard(port)
            except OSError:
                pass
        time.sleep(0.2)
    return True


def run_cluster(settings: Settings, processes: int) -> int:
    haproxy = check_cluster(settings, processes)
    backend_ports = free_local_ports(processes)
    config = settings.data_dir / 'haproxy.cfg'
    config.write_text(haproxy_config(host=settings.host, port=settings.port, backend_ports=backend_ports))
    checked = subprocess.run([haproxy, '-c', '-q', '-f', str(config)], capture_output=True, text=True)
    if checked.returncode != 0:
        raise ClusterError(f'HAProxy refused {config}: {checked.stderr.strip() or checked.stdout.strip()}')
    env = dict(os.environ, INBOX_DATA_DIR=str(settings.data_dir), INBOX_DATABASE_URL=settings.database_url,
               INBOX_PUBLIC_URL=settings.effective_public_url)
    children: list[subprocess.Popen[bytes]] = []
    for i, backend in enumerate(backend_ports):
        child_env = dict(env, INBOX_HOST='127.0.0.1', INBOX_PORT=str(backend))
        if i > 0:
            child_env['INBOX_SMTP_INBOUND_PORT'] = '0'  # one SMTP receiver: only the first process can bind its port
        children.append(subprocess.Popen([sys.executable, '-m', 'app.cli', 'serve'], env=child_env))
    if not _all_serving(children, backend_ports):
        for child in children:
            child.terminate()
        raise ClusterError('a process did not start (its output above says why)')
    # Only now HAProxy: its first health checks find every process up. Started at once, it marked them down and
    # answered 503 ("no server available") until a later check, while the staff pages' backend was already up.
    children.append(subprocess.Popen([haproxy, '-db', '-f', str(config)]))
    print(f'Inbox: {settings.effective_public_url}/inbox through HAProxy, {processes} processes on 127.0.0.1 ports '
          f'{", ".join(map(str, backend_ports))}', flush=True)

    stopping = False

    def stop(_signal: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [child for child in children if child.returncode not in (0, -signal.SIGTERM)]
    return 0 if stopping and not failed else 1
