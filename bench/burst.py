"""Bursts of new chats: many shoppers starting a chat at the same moment (a newsletter, a flash sale).

    python -m bench.burst                         # 1,000 chats started 100 at a time on 10k conversations
    python -m bench.burst --chats 500 --concurrency 50

A real server; each chat is `POST /api/v1/chat/sessions` (a customer, a conversation and a chat
session written in one ORM transaction) from its own address, all rate limits raised. Reported:
the statuses (a 503 is a shopper told "busy, try again"), how long each start took (p50, p99,
max) and chats started per second. Baseline, same run: a raw aiosqlite insert + commit loop on
the same machine (bench/ingest.py), what one writer alone can commit.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import ensure_database  # noqa: E402
from bench.ingest import raw_insert_baseline  # noqa: E402
from bench.report import header, table, write_json  # noqa: E402
from bench.server import RAISED_LIMITS, Server, shopper_address  # noqa: E402
from bench.stats import ms, summary  # noqa: E402


async def start_chats(base: str, chats: int, concurrency: int) -> dict[str, Any]:
    import httpx

    statuses: Counter[str] = Counter()
    took: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=90,
                                 limits=httpx.Limits(max_connections=concurrency)) as http:
        async def start(i: int) -> None:
            async with gate:
                t0 = time.perf_counter()
                try:
                    response = await http.post('/api/v1/chat/sessions', json={
                        'email': f'burst{i}-{uuid.uuid4().hex[:6]}@example.com', 'name': f'Shopper {i}'},
                        headers={'X-Forwarded-For': shopper_address(i)})
                    statuses[str(response.status_code)] += 1
                except Exception as error:  # noqa: BLE001  (counted by kind)
                    statuses[type(error).__name__] += 1
                took.append((time.perf_counter() - t0) * 1000)

        began = time.perf_counter()
        await asyncio.gather(*(start(i) for i in range(chats)))
        wall = time.perf_counter() - began
    return {'statuses': dict(statuses), 'took_ms': summary(took), 'seconds': wall,
            'started_per_second': statuses['201'] / wall}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--chats', type=int, default=1000, help='chats started')
    parser.add_argument('--concurrency', type=int, default=100, help='requests in flight at once')
    parser.add_argument('--db-size', type=int, default=10_000, help='conversations of history; 0: empty database')
    parser.add_argument('--json', help='write the figures here')
    args = parser.parse_args(argv)
    if not 1 <= args.chats <= 20_000 or not 1 <= args.concurrency <= 500:
        parser.error('--chats 1..20000, --concurrency 1..500')
    header(f'burst: {args.chats:,} chats started {args.concurrency} at a time')
    baseline = asyncio.run(raw_insert_baseline(3))
    print(f'baseline: raw aiosqlite insert + commit: {baseline["rows_per_second"]:,.0f} rows/s', flush=True)
    database, _facts = ensure_database(args.db_size, 10) if args.db_size else (None, None)
    with Server('burst', database=database, env={**RAISED_LIMITS}) as server:
        load = asyncio.run(start_chats(server.base, args.chats, args.concurrency))
        tracebacks = server.tracebacks()
    took = load['took_ms']
    busy = load['statuses'].get('503', 0)
    rows = [['chats started (201)', f'{load["statuses"].get("201", 0):,} of {args.chats:,}'],
            ['answered 503 busy', f'{busy:,}'],
            ['other answers', ', '.join(f'{k}: {v}' for k, v in load['statuses'].items() if k not in ('201', '503'))
             or 'none'],
            ['time to answer p50 / p99 / max (ms)', f'{ms(took["p50"])} / {ms(took["p99"])} / {ms(took["max"])}'],
            ['chats started per second', f'{load["started_per_second"]:,.0f}'],
            ['baseline: raw aiosqlite insert+commit/s', f'{baseline["rows_per_second"]:,.0f}'],
            ['tracebacks in the server log', str(tracebacks)]]
    text = table([f'{args.chats:,} chats, {args.concurrency} at a time', 'value'], rows)
    print()
    print(text)
    result = {'chats': args.chats, 'concurrency': args.concurrency, 'load': load, 'baseline': baseline,
              'busy': busy, 'server_tracebacks': tracebacks, 'table': text}
    write_json(args.json, result)
    return result


if __name__ == '__main__':
    main()
