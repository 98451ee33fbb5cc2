"""`inbox cluster`'s HAProxy configuration (deploy/haproxy.cfg filled in by app/cluster.py)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from app.cluster import haproxy_config


def _backends(config: str) -> dict[str, list[str]]:
    backends: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in config.splitlines():
        if line.startswith(('backend ', 'frontend ', 'defaults', 'global')):
            current = backends.setdefault(line.split()[1], []) if line.startswith('backend ') else None
        elif current is not None and line.strip() and not line.strip().startswith('#'):
            current.append(line.strip())
    return backends


def test_shoppers_api_requests_go_by_address_and_staff_browsers_by_cookie() -> None:
    config = haproxy_config(host='0.0.0.0', port=80, backend_ports=[8081, 8082, 8083])
    assert 'use_backend api if { path_beg /api/ }' in config
    backends = _backends(config)
    assert 'balance source' in backends['api'] and 'hash-type consistent' in backends['api']
    assert [line for line in backends['api'] if line.startswith('server ')] == [
        'server p1 127.0.0.1:8081 check', 'server p2 127.0.0.1:8082 check', 'server p3 127.0.0.1:8083 check']
    assert any(line.startswith('cookie INBOX_PROCESS insert') for line in backends['processes'])
    assert [line for line in backends['processes'] if line.startswith('server ')] == [
        'server p1 127.0.0.1:8081 check cookie p1', 'server p2 127.0.0.1:8082 check cookie p2',
        'server p3 127.0.0.1:8083 check cookie p3']
    lines = [line.strip() for line in config.splitlines() if not line.strip().startswith('#')]
    assert '{servers}' not in lines and 'bind {bind}' not in lines and 'bind 0.0.0.0:80' in lines


def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    haproxy = shutil.which('haproxy') or ('/usr/sbin/haproxy' if Path('/usr/sbin/haproxy').exists() else None)
    if haproxy is None:
        pytest.skip('HAProxy is not installed here (make test-postgres installs it and runs the cluster journey)')
    path = tmp_path / 'haproxy.cfg'
    path.write_text(haproxy_config(host='127.0.0.1', port=8080, backend_ports=[8081, 8082]))
    checked = subprocess.run([haproxy, '-c', '-f', str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
