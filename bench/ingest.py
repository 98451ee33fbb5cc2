"""Ingest: how many shopper messages per second one server accepts, and how long each POST takes.

    python -m bench.ingest                          # 50 clients for 20 s on a copy of the 10k database
    python -m bench.ingest --clients 20 --seconds 5 --db-size 0    # an empty database

A real server (`python -m app.cli serve` in a subprocess, like e2e/conftest.py) with the per-session
and new-session limits raised (INBOX_MESSAGE_RATE_LIMIT, INBOX_SESSION_RATE_LIMIT). 50 chat sessions
are created (httpx), then 50 concurrent clients (bench.http_client.KeepAliveClient) POST
/api/v1/chat/messages back to back
for a fixed time. Each request carries its own X-Forwarded-For address (uvicorn trusts it from
127.0.0.1): the per-address limit (60 messages per 10 s) has no setting, and without this the
benchmark would measure that limit instead of the server. Reported: accepted messages/s (201s),
latency p50/p95/p99 of accepted POSTs, other statuses, and the CPU the server and the load
generator used.

Baseline, same run: a raw aiosqlite loop inserting one message row per transaction (commit per
message) into a scratch SQLite file with the app's PRAGMAs (WAL, synchronous=NORMAL, foreign_keys,
busy_timeout): what the disk and SQLite allow at all.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import time
import uuid
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import ensure_database  # noqa: E402
from bench.http_client import KeepAliveClient  # noqa: E402
from bench.machine import cpu_seconds  # noqa: E402
from bench.paths import DATA  # noqa: E402
from bench.profiling import profile_report, start_profiler  # noqa: E402
from bench.report import header, table, write_json  # noqa: E402
from bench.server import RAISED_LIMITS, Server, loopback_source, shopper_address  # noqa: E402
from bench.stats import ms, summary  # noqa: E402

BODIES = ('Hi, is the linen shirt available in size M?', 'When will my order #48213 arrive?',
          'Can I return the wool scarf I bought last week?', 'Do you ship to Finland?')



async def raw_insert_baseline(seconds: float, max_rows: int = 200_000) -> dict[str, Any]:
    """One row and one commit per message through aiosqlite, the app's PRAGMAs, a scratch file."""
    import aiosqlite

    path = DATA / 'scratch' / 'raw-insert.db'
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ('', '-wal', '-shm'):
        Path(str(path) + suffix).unlink(missing_ok=True)
    async with aiosqlite.connect(path) as db:
        for pragma in ('journal_mode=WAL', 'foreign_keys=ON', 'busy_timeout=5000', 'synchronous=NORMAL'):
            await db.execute(f'PRAGMA {pragma}')
        await db.execute('CREATE TABLE conversation (id INTEGER PRIMARY KEY, last_message_at TEXT)')
        await db.execute('INSERT INTO conversation (id, last_message_at) VALUES (1, "")')
        await db.execute(
            'CREATE TABLE message (id INTEGER PRIMARY KEY, '
            'conversation_id INTEGER NOT NULL REFERENCES conversation(id), '
            'session_id INTEGER, author TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, client_msg_id TEXT, '
            'created_at TEXT NOT NULL, UNIQUE (session_id, client_msg_id))')
        await db.commit()
        latencies: list[float] = []
        start = time.perf_counter()
        deadline = start + seconds
        n = 0
        while time.perf_counter() < deadline and n < max_rows:
            t0 = time.perf_counter()
            await db.execute('INSERT INTO message (conversation_id, session_id, author, kind, body, client_msg_id, '
                             'created_at) VALUES (1, 1, "customer", "text", ?, ?, ?)',
                             (BODIES[n % len(BODIES)], f'm{n}', '2026-01-01 00:00:00.000000'))
            await db.commit()
            latencies.append((time.perf_counter() - t0) * 1000)
            n += 1
        elapsed = time.perf_counter() - start
    return {'rows_per_second': n / elapsed, 'rows': n, 'seconds': elapsed, 'latency_ms': summary(latencies)}


async def run_load(base: str, clients: int, seconds: float, warmup: float, server_pid: int,
                   profile: Path | None = None, *, spread_sources: bool = False) -> dict[str, Any]:
    """`spread_sources`: each client connects from its own loopback address (bench/server.py: loopback_source)."""
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    counter = 0
    statuses: Counter[int] = Counter()
    accepted: list[float] = []
    errors: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        tokens = []
        for i in range(clients):
            counter += 1
            response = await client.post('/api/v1/chat/sessions', json={
                'email': f'ingest{i}-{uuid.uuid4().hex[:8]}@example.com', 'name': f'Ingest {i}'},
                headers={'X-Forwarded-For': shopper_address(counter)})
            response.raise_for_status()
            tokens.append(response.json()['session_token'])

        started = time.perf_counter()
        measure_from = started + warmup
        stop_at = measure_from + seconds

        host, port = base.split('//', 1)[1].rsplit(':', 1)

        async def shopper(token: str, index: int) -> None:
            nonlocal counter
            connection = KeepAliveClient(host, int(port), source=loopback_source(index) if spread_sources else None)
            n = 0
            try:
                while True:
                    now = time.perf_counter()
                    if now >= stop_at:
                        return
                    counter += 1
                    n += 1
                    body = json.dumps({'body': f'{BODIES[n % len(BODIES)]} ({index}/{n})',
                                       'client_msg_id': f'i{n}'}).encode()
                    t0 = time.perf_counter()
                    try:
                        status = await connection.post_json('/api/v1/chat/messages', body, {
                            'Authorization': f'Bearer {token}', 'X-Forwarded-For': shopper_address(counter)})
                    except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                        errors[type(error).__name__] += 1
                        continue
                    t1 = time.perf_counter()
                    if t0 >= measure_from and t1 <= stop_at:
                        statuses[status] += 1
                        if status == 201:
                            accepted.append((t1 - t0) * 1000)
            finally:
                connection.close()

        server_cpu0 = cpu_seconds(server_pid)
        client_cpu0 = time.process_time()
        await asyncio.sleep(0)
        tasks = [asyncio.create_task(shopper(token, i)) for i, token in enumerate(tokens)]
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        server_cpu1, client_cpu1 = cpu_seconds(server_pid), time.process_time()
        profiler = start_profiler(server_pid, profile, seconds) if profile else None
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + warmup + 60)
        server_cpu2, client_cpu2 = cpu_seconds(server_pid), time.process_time()
        window = seconds
    del server_cpu0, client_cpu0
    if profiler is not None and profile is not None:
        profiler.wait(30)
        print(profile_report(profile))
    return {
        'clients': clients, 'seconds': window, 'accepted': len(accepted),
        'accepted_per_second': len(accepted) / window, 'statuses': dict(statuses), 'errors': dict(errors),
        'latency_ms': summary(accepted),
        'server_cpu_cores': (server_cpu2 - server_cpu1) / window,
        'load_generator_cpu_cores': (client_cpu2 - client_cpu1) / window,
    }


def last_message_id(db_path: Path) -> int:
    with closing(sqlite3.connect(f'file:{db_path}?mode=ro', uri=True)) as connection:
        return int(connection.execute('SELECT coalesce(max(id), 0) FROM message').fetchone()[0])


def wait_for_topics(db_path: Path, after_id: int, timeout: float = 60) -> dict[str, Any]:
    """Tagging runs after the answer (T1): how long after the load until every stored shopper message has its topic."""
    start = time.perf_counter()
    with closing(sqlite3.connect(f'file:{db_path}?mode=ro', uri=True)) as connection:
        while True:
            stored, untagged = connection.execute(
                "SELECT count(*), count(*) - count(topic) FROM message WHERE id > ? AND author = 'customer'",
                (after_id,)).fetchone()
            waited = time.perf_counter() - start
            if not untagged or waited > timeout:
                return {'stored': stored, 'untagged': untagged, 'seconds_after_load': waited}
            time.sleep(0.05)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--clients', type=int, default=50, help='concurrent clients (and chat sessions)')
    parser.add_argument('--seconds', type=float, default=20, help='measured time')
    parser.add_argument('--warmup', type=float, default=3, help='seconds of load before measuring')
    parser.add_argument('--db-size', type=int, default=10_000,
                        help='conversations of history in the server\'s database '
                             '(a copy of the generated one); 0: empty')
    parser.add_argument('--baseline-seconds', type=float, default=5)
    parser.add_argument('--json', help='write the figures here')
    parser.add_argument('--profile', type=Path, help='sample the server with py-spy during the window into this file')
    parser.add_argument('--server-env', action='append', default=[], metavar='KEY=VALUE',
                        help='extra environment for the server (e.g. INBOX_TOPIC_AUTOTRAIN=false)')
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 1000 or not 0 < args.seconds <= 600:
        parser.error('--clients 1..1000, --seconds up to 600')

    header(f'ingest: {args.clients} clients POSTing shopper messages for {args.seconds:g} s')
    baseline = asyncio.run(raw_insert_baseline(args.baseline_seconds))
    print(f'baseline: raw aiosqlite insert + commit per message: {baseline["rows_per_second"]:,.0f} rows/s, '
          f'p50 {ms(baseline["latency_ms"]["p50"])} ms, p99 {ms(baseline["latency_ms"]["p99"])} ms', flush=True)

    database = ensure_database(args.db_size, 10)[0] if args.db_size else None
    extra = dict(item.split('=', 1) for item in args.server_env)
    with Server('ingest', database=database, env={**RAISED_LIMITS, **extra}) as server:
        print(f'server up in {server.ready_seconds:.2f} s (pid {server.pid}, '
              f'{"copy of " + str(args.db_size) + " conversations" if database else "empty database"})', flush=True)
        db_path = server.database or server.data_dir / 'inbox.db'
        first_id = last_message_id(db_path)
        load = asyncio.run(run_load(server.base, args.clients, args.seconds, args.warmup, server.pid,
                                    profile=args.profile))
        topics = wait_for_topics(db_path, first_id)
        tracebacks = server.tracebacks()
    lat = load['latency_ms']
    ratio = load['accepted_per_second'] / baseline['rows_per_second']
    rows = [
        ['server: accepted messages/s (201)', f'{load["accepted_per_second"]:,.0f}'],
        ['server: POST latency p50 / p95 / p99 (ms)', f'{ms(lat["p50"])} / {ms(lat["p95"])} / {ms(lat["p99"])}'],
        ['server: statuses in the window', ', '.join(f'{k}: {v:,}' for k, v in sorted(load['statuses'].items()))],
        ['server CPU / load generator CPU (cores)', f'{load["server_cpu_cores"]:.2f} / '
                                                   f'{load["load_generator_cpu_cores"]:.2f}'],
        ['server CPU per accepted message (ms)',
         ms(load['server_cpu_cores'] * 1000 / max(load['accepted_per_second'], 1e-9))],
        ['classified: stored shopper messages with a topic', f'{topics["stored"] - topics["untagged"]:,} of '
                                                            f'{topics["stored"]:,}, the last '
                                                            f'{topics["seconds_after_load"]:.2f} s after the load'],
        ['baseline: raw aiosqlite insert+commit/s', f'{baseline["rows_per_second"]:,.0f}'],
        ['server / baseline', f'{ratio:.1%}'],
    ]
    print()
    print(table(['ingest', 'value'], rows))
    if load['errors'] or tracebacks:
        print(f'  client errors: {load["errors"]}; tracebacks in the server log: {tracebacks}')
    result = {'baseline': baseline, 'load': load, 'topics': topics, 'ratio_to_baseline': ratio, 'db_size': args.db_size,
              'server_tracebacks': tracebacks, 'table': table(['ingest', 'value'], rows)}
    write_json(args.json, result)
    return result


if __name__ == '__main__':
    main()
