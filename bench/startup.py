"""Start-up: from launching `inbox serve` on the 100k database to the first successful GET /login.

    python -m bench.startup                       # 3 starts on 100,000 conversations (1,000,000 messages)
    python -m bench.startup --db-size 10000 --runs 5

Each run launches `python -m app.cli serve` (migrations check, app build, NiceGUI and uvicorn
start) with a fresh data dir pointed at the generated database, and polls GET /login every 20 ms
until it answers 200. Baseline, same run: the same server on an empty database, and a bare
`python -c pass`.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import ensure_database  # noqa: E402
from bench.paths import PYTHON  # noqa: E402
from bench.report import header, table, write_json  # noqa: E402
from bench.server import Server  # noqa: E402


def start_times(name: str, database: Path | None, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        server = Server(f'{name}-{i}', database=database, copy_database=False, ready_timeout=120)
        try:
            times.append(server.start())
        finally:
            server.stop()
        print(f'  {name} run {i + 1}: {times[-1]:.2f} s', flush=True)
    return times


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--db-size', type=int, default=100_000, help='conversations in the database')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--json', help='write the figures here')
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 20:
        parser.error('--runs 1..20')
    header(f'start-up: inbox serve on {args.db_size:,} conversations until GET /login is 200')
    database, facts = ensure_database(args.db_size, 10)
    t0 = time.perf_counter()
    subprocess.run([PYTHON, '-c', 'pass'], check=True)
    bare = time.perf_counter() - t0
    empty = start_times('empty', None, args.runs)
    big = start_times(f'{args.db_size // 1000}k', database, args.runs)
    rows = [[f'{facts["conversations"]:,} conversations, {facts["messages"]:,} messages ({facts["size_mb"]} MB)',
             f'{statistics.median(big):.2f}', f'{min(big):.2f}', f'{max(big):.2f}'],
            ['baseline: empty database', f'{statistics.median(empty):.2f}', f'{min(empty):.2f}', f'{max(empty):.2f}'],
            ['baseline: python -c pass', f'{bare:.2f}', '', '']]
    text = table(['start-up to first GET /login 200 (s)', 'median', 'min', 'max'], rows)
    print()
    print(text)
    result = {'db_size': args.db_size, 'facts': facts, 'runs': big, 'empty_runs': empty, 'python_seconds': bare,
              'median': statistics.median(big), 'table': text}
    write_json(args.json, result)
    return result


if __name__ == '__main__':
    main()
