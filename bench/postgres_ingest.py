"""PostgreSQL (X1): ingest, shopper messages per second with one `inbox serve` process and with `inbox cluster
--processes 2` behind HAProxy, beside a raw asyncpg insert + commit loop measured in the same run; then live latency
through HAProxy (bench/live.py with the 10k-conversation history moved to PostgreSQL, 2 processes), beside its bare
WebSocket echo baseline.

    make bench-postgres                                    # a throwaway cluster (Debian's pg_virtualenv)
    INBOX_BENCH_DATABASE_URL=postgresql+asyncpg://user:pw@host/db python -m bench.postgres_ingest --seconds 10

INBOX_BENCH_DATABASE_URL names a server and a role that may create databases; every run gets fresh empty
databases (migrated by the servers at start) and drops them after. The load is bench/ingest.py's (keep-alive
clients POSTing /api/v1/chat/messages back to back, limits raised); behind HAProxy each client connects from its own
loopback address, as separate shoppers would, since the proxy routes the API by client address. Baseline: one
connection inserting one message-sized row per transaction into a scratch table, as the SQLite benchmark's raw
aiosqlite loop does.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest import run_load  # noqa: E402
from bench.paths import PYTHON  # noqa: E402
from bench.report import header, table, write_json  # noqa: E402
from bench.server import RAISED_LIMITS, Server  # noqa: E402
from bench.stats import ms, summary  # noqa: E402

URL_VARIABLE = 'INBOX_BENCH_DATABASE_URL'


def _admin_dsn(url: str, database: str | None = None) -> str:
    from sqlalchemy.engine import make_url
    parsed = make_url(url).set(drivername='postgresql')
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    import psycopg
    name = f'inbox_bench_{uuid.uuid4().hex[:12]}'
    with psycopg.connect(_admin_dsn(url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    from sqlalchemy.engine import make_url
    try:
        yield make_url(url).set(drivername='postgresql+asyncpg', database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_dsn(url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def raw_insert_baseline(url: str, seconds: float) -> dict[str, Any]:
    import asyncpg
    connection = await asyncpg.connect(_admin_dsn(url))
    try:
        await connection.execute('CREATE TEMP TABLE raw_message (id bigserial PRIMARY KEY, conversation_id bigint, '
                                 'body text, created_at timestamptz)')
        times: list[float] = []
        stop = time.perf_counter() + seconds
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            async with connection.transaction():
                await connection.execute('INSERT INTO raw_message (conversation_id, body, created_at) '
                                         'VALUES ($1, $2, now())', 1, 'Hi, is the linen shirt available in size M?')
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        await connection.close()
    return {'rows_per_second': len(times) / seconds, 'latency_ms': summary(times)}


def ingest(url: str, *, processes: int, clients: int, seconds: float, warmup: float) -> dict[str, Any]:
    with fresh_database(url) as database_url:
        env = {**RAISED_LIMITS, 'INBOX_DATABASE_URL': database_url}
        command = [PYTHON, '-m', 'app.cli', 'serve'] if processes == 1 else \
            [PYTHON, '-m', 'app.cli', 'cluster', '--processes', str(processes)]
        os.environ['BENCH_SERVER_COMMAND'] = ' '.join(command)
        try:
            with Server(f'postgres-{processes}', env=env) as server:
                load = asyncio.run(run_load(server.base, clients, seconds, warmup, server.pid,
                                            spread_sources=processes > 1))
                load['tracebacks'] = server.tracebacks()
        finally:
            os.environ.pop('BENCH_SERVER_COMMAND', None)
    return load


def live_through_proxy(url: str, *, shoppers: int, seconds: float) -> dict[str, Any] | None:
    """bench/live.py against `inbox cluster --processes 2` on a fresh database holding the 10k history."""
    import json
    import subprocess
    import tempfile
    with fresh_database(url) as database_url, tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / 'live.json'
        subprocess.run([PYTHON, '-m', 'bench.live', '--shoppers', str(shoppers), '--seconds', str(seconds),
                        '--postgres-url', database_url, '--processes', '2', '--json', str(out)], check=False,
                       timeout=900)
        return json.loads(out.read_text()) if out.exists() else None


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--clients', type=int, default=50)
    parser.add_argument('--seconds', type=float, default=15)
    parser.add_argument('--warmup', type=float, default=3)
    parser.add_argument('--baseline-seconds', type=float, default=5)
    parser.add_argument('--live-shoppers', type=int, default=300, help='live run through HAProxy; 0: none')
    parser.add_argument('--live-seconds', type=float, default=30)
    parser.add_argument('--json', help='write the figures here')
    args = parser.parse_args(argv)
    url = os.environ.get(URL_VARIABLE, '')
    if not url.startswith('postgresql'):
        parser.error(f'{URL_VARIABLE} must name a PostgreSQL server (make bench-postgres starts one)')
    header(f'ingest on PostgreSQL: {args.clients} clients for {args.seconds:g} s, 1 process and 2 behind HAProxy')
    baseline = asyncio.run(raw_insert_baseline(url, args.baseline_seconds))
    print(f'baseline: raw asyncpg insert + commit: {baseline["rows_per_second"]:,.0f} rows/s', flush=True)
    runs = {n: ingest(url, processes=n, clients=args.clients, seconds=args.seconds, warmup=args.warmup)
            for n in (1, 2)}
    rows = []
    for n, load in runs.items():
        lat = load['latency_ms']
        rows.append([f'{n} process{"es behind HAProxy" if n > 1 else ""}', f'{load["accepted_per_second"]:,.0f}',
                     f'{load["accepted_per_second"] / baseline["rows_per_second"]:.1%}',
                     f'{ms(lat["p50"])} / {ms(lat["p99"])}',
                     ', '.join(f'{k}: {v:,}' for k, v in sorted(load['statuses'].items())),
                     str(load['tracebacks'])])
    rows.append(['baseline: raw asyncpg insert + commit per row', f'{baseline["rows_per_second"]:,.0f}', '100%',
                 f'{ms(baseline["latency_ms"]["p50"])} / {ms(baseline["latency_ms"]["p99"])}', '', ''])
    headers = ['PostgreSQL ingest', 'messages/s', 'of baseline', 'p50 / p99 ms', 'statuses', 'tracebacks']
    print()
    print(table(headers, rows))
    result = {'baseline': baseline, 'runs': {str(n): load for n, load in runs.items()}, 'table': table(headers, rows)}
    if args.live_shoppers:
        result['live'] = live_through_proxy(url, shoppers=args.live_shoppers, seconds=args.live_seconds)
    write_json(args.json, result)
    return result


if __name__ == '__main__':
    main()
