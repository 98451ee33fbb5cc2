"""Every benchmark with modest defaults (about 10 minutes on 2 cores), the machine, the figures and the targets.

    python -m bench.run_all                 # what `make bench` runs; writes bench/results.md
    python -m bench.run_all --only scale,startup

Each benchmark runs as its own process (fresh server, fresh Chromium) with a time bound; its
figures come back as JSON. The Markdown report has the machine (nproc, CPU model, RAM, Python),
what else was using the CPU before and after, every table, and the issue's targets marked met or
missed. Benchmarks never assert times: a missed target is a finding, not a failure.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import ensure_database  # noqa: E402
from bench.machine import busy_processes, machine  # noqa: E402
from bench.paths import BENCH, DATA, PYTHON, ROOT  # noqa: E402
from bench.stats import ms  # noqa: E402

# name -> (module, arguments, time bound in seconds)
BENCHMARKS: dict[str, tuple[str, list[str], int]] = {
    'scale': ('scale', ['--sizes', '10000,100000', '--runs', '200', '--max-seconds', '12'], 420),
    'ingest': ('ingest', ['--clients', '50', '--seconds', '20', '--db-size', '10000'], 240),
    'live': ('live', ['--shoppers', '300', '--seconds', '30', '--db-size', '10000'], 420),
    'live_light': ('live', ['--shoppers', '30', '--seconds', '30', '--db-size', '10000'], 300),
    'memory': ('memory', ['--sockets', '500', '--tabs', '20', '--db-size', '10000'], 420),
    'startup': ('startup', ['--db-size', '100000', '--runs', '3'], 300),
    'burst': ('burst', ['--chats', '1000', '--concurrency', '100', '--db-size', '10000'], 180),
    'inbound_flood': ('inbound_flood', ['--messages', '200'], 240),
    # only with a PostgreSQL server (INBOX_BENCH_DATABASE_URL; `make bench` starts a throwaway one)
    'postgres': ('postgres_ingest', ['--clients', '50', '--seconds', '15', '--live-shoppers', '300',
                                     '--live-seconds', '30'], 1200),
}


def run_one(name: str, module: str, args: list[str], bound: int) -> dict[str, Any] | None:
    out = DATA / 'results' / f'{name}.json'
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        subprocess.run([PYTHON, '-m', f'bench.{module}', *args, '--json', str(out)], cwd=ROOT, timeout=bound)
    except subprocess.TimeoutExpired:
        print(f'!! {name} cut at its time bound ({bound} s)', flush=True)
    print(f'({name} took {time.perf_counter() - started:.0f} s)', flush=True)
    return json.loads(out.read_text()) if out.exists() else None


def verdict(ok: bool | None) -> str:
    return 'no figure' if ok is None else ('**met**' if ok else '**missed**')


def live_notes(r: dict[str, Any]) -> str:
    return (f'Messages counted {r["messages_counted"]:,}, never shown in the staff list {r["list_missing"]:,}; '
            f'POST statuses {r["post_status"]} (-1: no answer in time); staff sends {r["staff_attempts"]}, '
            f'failures {r["staff_failures"]}; staff page rebuilt {r["staff_page_rebuilt"]} times; '
            f'server CPU {r["server_cpu_cores"]:.2f} cores ({r["server_cpu_ms_per_message"]:.1f} ms per shopper '
            f'message); Chromium {r["chromium_cpu_cores"]:.2f} cores; load generator and Playwright '
            f'{r["load_generator_cpu_cores"]:.2f} cores; server RSS {r["server_rss_mb"][1]:.0f} MB; '
            f'tracebacks in the server log {r["server_tracebacks"]}.')


def targets(results: dict[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = []
    live = results.get('live')
    if live:
        s, t = live['shopper_to_staff_list_ms'], live['staff_to_shopper_ms']
        lost = live['list_missing']
        ok = (s['n'] > 0 and t['n'] > 0 and lost == 0 and s['p50'] <= 30 and s['p99'] <= 150
              and t['p50'] <= 30 and t['p99'] <= 150)
        rows.append([f'live latency at {live["shoppers"]} shoppers: p50 <= 30 ms, p99 <= 150 ms',
                     f'shopper->staff p50 {ms(s["p50"])} / p99 {ms(s["p99"])} ms (n={s["n"]}, never shown {lost}); '
                     f'staff->shopper p50 {ms(t["p50"])} / p99 {ms(t["p99"])} ms (n={t["n"]})', verdict(ok)])
    else:
        rows.append(['live latency at 300 shoppers: p50 <= 30 ms, p99 <= 150 ms', '-', verdict(None)])
    ingest = results.get('ingest')
    if ingest:
        rate, ratio = ingest['load']['accepted_per_second'], ingest['ratio_to_baseline']
        untagged = ingest['topics']['untagged']
        rows.append(['ingest >= 1,000 messages/s and >= 1/4 of the raw insert baseline, all classified',
                     f'{rate:,.0f} messages/s = {ratio:.1%} of {ingest["baseline"]["rows_per_second"]:,.0f} rows/s; '
                     f'{untagged:,} left unclassified',
                     verdict(rate >= 1000 and ratio >= 0.25 and untagged == 0)])
    else:
        rows.append(['ingest >= 1,000 messages/s and >= 1/4 of the raw insert baseline', '-', verdict(None)])
    scale = results.get('scale')
    if scale and len(scale['sizes']) >= 2:
        last = scale['by_size'][str(scale['sizes'][-1])]['operations']['first_page']
        growth = scale['growth']['first_page']
        rows.append([f'first page <= 30 ms p95 at {scale["sizes"][-1]:,} conversations',
                     f'p95 {ms(last["p95"])} ms (p50 {ms(last["p50"])})', verdict(last['p95'] <= 30)])
        rows.append(['first page grows <= 1.5x from 10k to 100k',
                     f'p95 {growth["p95"]:.2f}x, p50 {growth["p50"]:.2f}x', verdict(growth['p95'] <= 1.5)])
    else:
        rows.append(['first page <= 30 ms p95 at 100k, growth <= 1.5x', '-', verdict(None)])
    memory = results.get('memory')
    if memory:
        rss = memory['rss_mb']['sockets']
        rows.append([f'server RSS <= 300 MB with {memory["sockets"]} shoppers', f'{rss:.0f} MB', verdict(rss <= 300)])
    else:
        rows.append(['server RSS <= 300 MB with 500 shoppers', '-', verdict(None)])
    flood = results.get('inbound_flood')
    if flood:
        idle, flooded = flood['idle']['latency_ms'], flood['flooded']['latency_ms']
        rows.append(['a 1 MB inbound mail flood adds at most the idle latency to a shopper message (p50, p95)',
                     f'flooded p50 {ms(flooded["p50"])} / p95 {ms(flooded["p95"])} ms, idle p50 {ms(idle["p50"])} / '
                     f'p95 {ms(idle["p95"])} ms', verdict(flood['met'])])
    else:
        rows.append(['a 1 MB inbound mail flood adds at most the idle latency to a shopper message', '-',
                     verdict(None)])
    startup = results.get('startup')
    if startup:
        rows.append(['start-up <= 3 s (100k conversations)', f'median {startup["median"]:.2f} s',
                     verdict(startup['median'] <= 3)])
    else:
        rows.append(['start-up <= 3 s', '-', verdict(None)])
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--only', help='comma-separated subset of: ' + ', '.join(BENCHMARKS))
    parser.add_argument('--out', type=Path, default=BENCH / 'results.md')
    args = parser.parse_args(argv)
    chosen = [n for n in BENCHMARKS if not args.only or n in args.only.split(',')]
    if 'postgres' in chosen and not os.environ.get('INBOX_BENCH_DATABASE_URL', '').startswith('postgresql'):
        print('PostgreSQL: no server (INBOX_BENCH_DATABASE_URL); `make bench` starts one. Left out.', flush=True)
        chosen.remove('postgres')
    began = time.perf_counter()
    facts = machine()
    print(f'machine: {facts["nproc"]} CPUs ({facts["cpu"]}), {facts["ram_gb"]} GB RAM, Python {facts["python"]}, '
          f'{facts["platform"]}; load average {facts["load_average"]}', flush=True)
    other_before = busy_processes(2.0)
    print(f'other processes using the CPU now: {other_before[0]:.2f} cores {other_before[1]}', flush=True)

    generated = {}
    for size in (10_000, 100_000):
        if any(n in chosen for n in ('scale', 'startup')) or size == 10_000:
            t0 = time.perf_counter()
            _, db_facts = ensure_database(size, 10)
            generated[size] = db_facts
            print(f'database {size:,} x 10: {db_facts["messages"]:,} messages, generated in {db_facts["seconds"]} s'
                  f'{" (already there)" if time.perf_counter() - t0 < 1 else ""}', flush=True)

    results: dict[str, Any] = {}
    for name in chosen:
        module, bench_args, bound = BENCHMARKS[name]
        results[name] = run_one(name, module, bench_args, bound)
    other_after = busy_processes(2.0)
    total = time.perf_counter() - began
    target_rows = targets(results)

    lines = ['# Benchmark results', '',
             f'Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench` (`python -m bench.run_all`), '
             f'{total / 60:.1f} minutes.', '',
             f'Machine: {facts["nproc"]} CPUs ({facts["cpu"]}), {facts["ram_gb"]} GB RAM, Python {facts["python"]}, '
             f'{facts["platform"]}. Load average at the start {facts["load_average"]}.', '',
             f'Other processes using the CPU: {other_before[0]:.2f} cores before '
             f'({", ".join(other_before[1]) or "none"}), '
             f'{other_after[0]:.2f} cores after ({", ".join(other_after[1]) or "none"}). '
             'Figures taken while other work runs are slower and noisier than on an idle machine.', '',
             '## Targets (issues 8 and 16)', '',
             '| target | measured | |', '|---|---|---|', *(f'| {a} | {b} | {c} |' for a, b, c in target_rows), '']
    for size, db_facts in generated.items():
        lines.append(f'- Database {size:,} x 10: {db_facts["conversations"]:,} conversations, '
                     f'{db_facts["messages"]:,} messages, {db_facts["size_mb"]} MB, '
                     f'generated in {db_facts["seconds"]} s.')
    titles = {'scale': 'Scale (p50/p95 in ms over up to 200 runs; baseline SELECT 1 on the same engine)',
              'ingest': 'Ingest (50 clients; baseline raw aiosqlite insert + commit per row)',
              'live': 'Live latency, 300 shoppers (baseline bare WebSocket echo)',
              'live_light': 'Live latency, 30 shoppers, for reference (baseline bare WebSocket echo)',
              'memory': 'Memory (server VmRSS)', 'startup': 'Start-up',
              'burst': 'Bursts of new chats (baseline raw aiosqlite insert + commit per row)',
              'inbound_flood': 'Inbound flood: a shopper message while 1 MB mails arrive (baseline the same '
                               'messages on the idle server)',
              'postgres': 'PostgreSQL: ingest with 1 and 2 processes (baseline raw asyncpg insert + commit per row), '
                          'live latency at 300 shoppers through HAProxy with 2 processes (baseline bare WebSocket '
                          'echo)'}
    for name in chosen:
        lines += ['', f'## {titles[name]}', '']
        result = results.get(name)
        lines.append(result['table'] if result else '_no figures: the benchmark failed or was cut; see its output_')
        if name.startswith('live') and result:
            lines += ['', live_notes(result)]
        if name == 'postgres' and result:
            live = result.get('live')
            lines += ['', live['table'], '', live_notes(live)] if live else ['', '_live run: no figures_']
        if name == 'ingest' and result and (result['load']['errors'] or result['server_tracebacks']):
            lines += ['', f'Client errors {result["load"]["errors"]}; '
                          f'server log tracebacks {result["server_tracebacks"]}.']
    args.out.write_text('\n'.join(lines) + '\n')
    print('\n' + '\n'.join(lines[:len(lines)]), flush=True)
    print(f'\nwritten to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}'
          f' ({total / 60:.1f} minutes)')


if __name__ == '__main__':
    main()
