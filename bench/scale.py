"""Scale: what staff wait for as the store's history grows (10k -> 100k conversations).

    python -m bench.scale                       # 10,000 and 100,000 conversations x 10 messages, 200 runs each
    python -m bench.scale --sizes 2000,20000 --runs 50

Each operation runs through the real service functions on an async session from
`db.engine.open_database` (aiosqlite, the app's PRAGMAs), one session per run as the pages do:
- first page: `conversations.list_rows` (50 open, newest first) + `count_by_status`, i.e.
  `ConversationList.reload()`;
- open the 500-message conversation: `conversations.get_row` + `messages.list_thread` (the newest
  100, the thread's page size), i.e. the reads of `Thread.open()`;
- search by e-mail and by message text: `list_rows(flt=ListFilter(search=...))` + `count_by_status`;
- Reports (K1), last 30 days: `reports.build_report` for the store's zone, i.e. what the Reports page reads.
Baseline, same run and engine: a raw `SELECT 1` round trip through the same aiosqlite engine.
Prints p50/p95 per size and the growth 10k -> 100k. The databases are generated (bench/generate.py)
when missing.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import ensure_database  # noqa: E402
from bench.report import header, table, write_json  # noqa: E402
from bench.stats import ms, summary  # noqa: E402

WARMUP = 5


async def measure(op: Callable[[], Awaitable[Any]], runs: int, max_seconds: float) -> list[float]:
    for _ in range(WARMUP):
        await op()
    times: list[float] = []
    deadline = time.perf_counter() + max_seconds
    while len(times) < runs and time.perf_counter() < deadline:
        start = time.perf_counter()
        await op()
        times.append((time.perf_counter() - start) * 1000)
    return times


async def bench_database(path: Path, facts: dict[str, Any], runs: int, max_seconds: float) -> dict[str, Any]:
    from sqlmodel import text

    from app.heap import freeze_startup_heap
    from db.engine import open_database
    from db.models import Staff
    from services import conversations, messages, reports
    from services.conversations import ListFilter
    freeze_startup_heap()  # as the server does once start-up is over (app/heap.py): collections skip its heap

    database = open_database(f'sqlite+aiosqlite:///{path}')
    staff_id = 1
    big = int(facts['big_conversation_id'])
    results: dict[str, Any] = {}
    found: dict[str, int] = {}

    async def select_one() -> None:
        async with database.sessions() as db:
            (await db.exec(text('SELECT 1'))).one()  # type: ignore[call-overload]

    async def first_page() -> None:
        flt = ListFilter(staff_id=staff_id)
        async with database.sessions() as db:
            rows = await conversations.list_rows(db=db, limit=50, flt=flt)
            counts = await conversations.count_by_status(db=db, flt=flt)
        found['first_page'] = len(rows)
        found['open'] = counts['open']

    async def open_thread() -> None:
        async with database.sessions() as db:
            await conversations.get_row(db=db, conversation_id=big)
            views = await messages.list_thread(db=db, conversation_id=big, limit=100)
        found['open_thread'] = len(views)

    def searcher(name: str, term: str) -> Callable[[], Awaitable[None]]:
        async def search() -> None:
            flt = ListFilter(staff_id=staff_id, search=term)
            async with database.sessions() as db:
                rows = await conversations.list_rows(db=db, limit=50, flt=flt)
                counts = await conversations.count_by_status(db=db, flt=flt)
            found[name] = len(rows)
            found[name + '_total'] = counts['open'] + counts['closed']
        return search

    async def reports_30_days() -> None:
        async with database.sessions() as db:
            owner = await db.get(Staff, staff_id)  # the generated owner: every permission
            period = reports.period_for('last_30_days', zone='UTC')
            report = await reports.build_report(db=db, staff=owner, period=period)
        found['reports_new_conversations'] = report.current.new_conversations

    operations = {
        'select1': ('baseline: SELECT 1 round trip', select_one),
        'first_page': ('first page (list_rows + count_by_status)', first_page),
        'open_thread': ('open the 500-message conversation (get_row + list_thread, 100 newest)', open_thread),
        'search_email': ('search by e-mail (part of one address)',
                         searcher('search_email', str(facts['search_email']))),
        'search_text': (f'search by message text ("{facts["search_text"]}")',
                        searcher('search_text', str(facts['search_text']))),
        'reports_30_days': ('Reports, last 30 days (build_report)', reports_30_days),
    }
    try:
        for key, (name, op) in operations.items():
            times = await measure(op, runs, max_seconds)
            results[key] = {'label': name, **summary(times)}
            print(f'  {name}: p50 {ms(results[key]["p50"])} ms, p95 {ms(results[key]["p95"])} ms '
                  f'(n={len(times)})', flush=True)
    finally:
        await database.dispose()
    return {'operations': results, 'found': found}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sizes', default='10000,100000', help='conversation counts, comma-separated')
    parser.add_argument('--messages', type=int, default=10, help='messages per conversation')
    parser.add_argument('--runs', type=int, default=200, help='timed runs per operation')
    parser.add_argument('--max-seconds', type=float, default=60, help='time bound per operation and size')
    parser.add_argument('--json', help='write the figures here')
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(',') if s.strip()]

    header('scale: staff read models as history grows')
    by_size: dict[int, Any] = {}
    for size in sizes:
        path, facts = ensure_database(size, args.messages)
        print(f'{facts["conversations"]:,} conversations, {facts["messages"]:,} messages, {facts["size_mb"]} MB '
              f'({path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path})', flush=True)
        by_size[size] = {'facts': facts, **asyncio.run(bench_database(path, facts, args.runs, args.max_seconds))}

    names = list(next(iter(by_size.values()))['operations'])
    headers = ['operation (ms)']
    for size in sizes:
        headers += [f'{size // 1000}k p50', f'{size // 1000}k p95']
    if len(sizes) >= 2:
        headers += [f'growth {sizes[0] // 1000}k->{sizes[-1] // 1000}k p50', 'p95']
    rows = []
    growth: dict[str, dict[str, float]] = {}
    for name in names:
        row: list[str] = [by_size[sizes[-1]]['operations'][name]['label']]
        for size in sizes:
            op = by_size[size]['operations'][name]
            row += [ms(op['p50']), ms(op['p95'])]
        if len(sizes) >= 2:
            first, last = by_size[sizes[0]]['operations'][name], by_size[sizes[-1]]['operations'][name]
            growth[name] = {'p50': last['p50'] / first['p50'], 'p95': last['p95'] / first['p95']}
            row += [f'{growth[name]["p50"]:.2f}x', f'{growth[name]["p95"]:.2f}x']
        rows.append(row)
    print()
    print(table(headers, rows))
    for size in sizes:
        print(f'  {size:,}: rows found {by_size[size]["found"]}')
    result = {'sizes': sizes, 'by_size': by_size, 'growth': growth, 'table': table(headers, rows)}
    write_json(args.json, result)
    return result


if __name__ == '__main__':
    main()
