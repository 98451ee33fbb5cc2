"""Memory: the server's resident memory idle, with 500 shopper sockets, and with 20 staff tabs open.

    python -m bench.memory                        # 500 sockets, 20 tabs, 10k conversations of history
    python -m bench.memory --sockets 100 --tabs 5

A real server (`python -m app.cli serve`); RSS is VmRSS from /proc/<pid>/status, read after each
step has settled. Steps (cumulative): idle after start-up; + N shoppers, each with a chat session
and an open WebSocket; + T staff tabs (pages of one signed-in context in one Chromium, each on
/inbox); then everything closed again (what is not given back is kept for good or leaks); then the
same sockets and tabs again and closed again, `--rounds` times in all (2 by default): if later
closes end where the first did, what the first kept is kept for reuse (Python's and the C
allocator's free lists), not leaked. The tabs' own cost in Chromium is printed for information.
Baseline, same run: the RSS of a bare `python -c "import nicegui, sqlalchemy, sklearn"` process
(what the libraries cost before any app).
"""
from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser import browser_pid, launch_chromium, sign_in  # noqa: E402
from bench.databases import ensure_database  # noqa: E402
from bench.machine import rss_mb, tree_rss_mb  # noqa: E402
from bench.paths import PYTHON  # noqa: E402
from bench.report import header, table, write_json  # noqa: E402
from bench.server import RAISED_LIMITS, Server, shopper_address  # noqa: E402

SETTLE = 5.0
RECONNECT_TIMEOUT = 10.0  # app/main.py: ui.run(reconnect_timeout=10)


def baseline_import_rss() -> float:
    code = ('import nicegui, sqlalchemy, sqlmodel, aiosqlite, sklearn, fastapi; from pathlib import Path; '
            'print([l for l in Path("/proc/self/status").read_text().splitlines() '
            'if l.startswith("VmRSS")][0].split()[1])')
    out = subprocess.run([PYTHON, '-c', code], capture_output=True, text=True, timeout=120, check=True).stdout
    return int(out.strip()) / 1024


async def settle_rss(pid: int, seconds: float = SETTLE) -> float:
    """RSS after `seconds` of quiet (the highest of the last readings, so a collection in between does not flatter)."""
    readings = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await asyncio.sleep(0.5)
        readings.append(rss_mb(pid))
    return max(readings[-3:])


async def run(args: argparse.Namespace) -> dict[str, Any]:
    baseline = baseline_import_rss()
    print(f'baseline: bare python importing the libraries: {baseline:.0f} MB', flush=True)
    database, facts = ensure_database(args.db_size, 10) if args.db_size else (None, None)
    server = Server('memory', database=database, env={**RAISED_LIMITS})
    if database is None:
        subprocess.run([PYTHON, '-m', 'app.cli', 'create-staff', '--email', 'bench@example.com', '--password',
                        'bench password 123', '--name', 'Bea Bench', '--owner'], env=server.env, check=True,
                       capture_output=True, cwd=server.data_dir)
    email = facts['staff_email'] if facts else 'bench@example.com'
    password = facts['staff_password'] if facts else 'bench password 123'
    steps: dict[str, float] = {}
    rounds: list[dict[str, Any]] = []
    with server:
        print(f'server up in {server.ready_seconds:.2f} s (pid {server.pid})', flush=True)
        steps['idle'] = await settle_rss(server.pid)
        print(f'  idle: {steps["idle"]:.0f} MB', flush=True)
        for round_number in range(1, args.rounds + 1):  # later rounds tell memory kept for reuse from growth
            rounds.append(await load_round(args, server, email, password))
            steps[f'sockets{round_number}'] = rounds[-1]['sockets_mb']
            steps[f'tabs{round_number}'] = rounds[-1]['tabs_mb']
            # NiceGUI deletes a tab's client reconnect_timeout (10 s) after its socket went: wait past that.
            steps[f'closed{round_number}'] = await settle_rss(server.pid, RECONNECT_TIMEOUT + SETTLE * 2)
            print(f'  all closed again: {steps[f"closed{round_number}"]:.0f} MB', flush=True)
        tracebacks = server.tracebacks()
    first = rounds[0]
    steps.update(sockets=steps['sockets1'], tabs=steps['tabs1'], closed=steps['closed1'])
    per_socket_kb = (steps['sockets'] - steps['idle']) * 1024 / max(1, first['sockets'])
    per_tab_mb = (steps['tabs'] - steps['sockets']) / max(1, first['tabs'])
    return {'baseline_import_mb': baseline, 'rss_mb': steps, 'sockets': first['sockets'],
            'socket_failures': sum(r['failures'] for r in rounds), 'tabs': first['tabs'],
            'per_socket_kb': per_socket_kb,
            'per_tab_mb': per_tab_mb, 'chromium_mb': first['chromium_mb'], 'db_size': args.db_size,
            'rounds': args.rounds, 'server_tracebacks': tracebacks}


async def load_round(args: argparse.Namespace, server: Server, email: str, password: str) -> dict[str, Any]:
    """N shopper sockets, then T staff tabs; RSS after each; then everything closed."""
    import httpx
    import websockets
    from playwright.async_api import async_playwright

    sockets: list[Any] = []
    failures = 0
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        gate = asyncio.Semaphore(20)

        async def connect(i: int) -> None:
            nonlocal failures
            async with gate:
                try:
                    response = await http.post('/api/v1/chat/sessions', json={
                        'email': f'mem{i}-{uuid.uuid4().hex[:6]}@example.com', 'name': f'Shopper {i}'},
                        headers={'X-Forwarded-For': shopper_address(i)})
                    response.raise_for_status()
                    token = response.json()['session_token']
                    ws_base = server.base.replace('http', 'ws', 1)
                    sockets.append(await websockets.connect(f'{ws_base}/api/v1/chat/ws?token={token}',
                                                            open_timeout=30, ping_interval=None))
                except Exception:  # noqa: BLE001  (counted)
                    failures += 1

        try:
            await asyncio.wait_for(asyncio.gather(*(connect(i) for i in range(args.sockets))), timeout=300)
        except TimeoutError:
            print('  (connecting cut at its time bound)')
        sockets_mb = await settle_rss(server.pid)
        print(f'  + {len(sockets)} shopper sockets: {sockets_mb:.0f} MB', flush=True)

        async with async_playwright() as pw:
            browser = await launch_chromium(pw)
            context = await browser.new_context(viewport={'width': 1400, 'height': 900})
            context.set_default_timeout(60_000)
            first = await context.new_page()
            await sign_in(first, server.base, email, password)
            pages = [first]

            async def open_tabs() -> None:
                for _ in range(args.tabs - 1):
                    page = await context.new_page()
                    await page.goto(f'{server.base}/inbox')
                    await page.get_by_text('Conversations', exact=True).wait_for()
                    pages.append(page)

            try:
                await asyncio.wait_for(open_tabs(), 240)
            except (TimeoutError, Exception) as error:  # noqa: BLE001  (reported with the count)
                print(f'  (opening tabs stopped: {type(error).__name__}; {len(pages)} open)')
            tabs_mb = await settle_rss(server.pid, SETTLE * 2)
            pid = browser_pid(browser)
            chromium_mb = tree_rss_mb(pid) if pid else float('nan')
            print(f'  + {len(pages)} staff tabs: {tabs_mb:.0f} MB (Chromium itself: {chromium_mb:,.0f} MB)', flush=True)
            await browser.close()
        for ws in sockets:
            try:
                await asyncio.wait_for(ws.close(), 2)
            except Exception:  # noqa: BLE001
                pass
    return {'sockets': len(sockets), 'failures': failures, 'tabs': len(pages), 'sockets_mb': sockets_mb,
            'tabs_mb': tabs_mb, 'chromium_mb': chromium_mb}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sockets', type=int, default=500, help='shopper WebSockets')
    parser.add_argument('--tabs', type=int, default=20, help='staff tabs in one Chromium')
    parser.add_argument('--db-size', type=int, default=10_000, help='conversations of history; 0: empty database')
    parser.add_argument('--rounds', type=int, default=2, help='times the sockets and tabs are opened and closed')
    parser.add_argument('--json', help='write the figures here')
    args = parser.parse_args(argv)
    if not 0 <= args.sockets <= 5000 or not 1 <= args.tabs <= 50 or not 2 <= args.rounds <= 20:
        parser.error('--sockets 0..5000, --tabs 1..50, --rounds 2..20')
    header(f'memory: server RSS idle, with {args.sockets} shopper sockets, with {args.tabs} staff tabs')
    result = asyncio.run(run(args))
    r = result['rss_mb']
    rows = [['idle (after start-up)', f'{r["idle"]:.0f}', ''],
            [f'+ {result["sockets"]} shopper sockets', f'{r["sockets"]:.0f}',
             f'{result["per_socket_kb"]:.0f} KB per socket'],
            [f'+ {result["tabs"]} staff tabs', f'{r["tabs"]:.0f}', f'{result["per_tab_mb"]:.1f} MB per tab'],
            ['everything closed again', f'{r["closed"]:.0f}', f'{r["closed"] - r["idle"]:+.0f} MB vs idle'],
            *([f'round {n}: the same sockets and tabs again, then closed', f'{r[f"closed{n}"]:.0f}',
               f'{r[f"closed{n}"] - r[f"closed{n - 1}"]:+.0f} MB vs round {n - 1} '
               f'(with {r[f"tabs{n}"]:.0f} MB while open)']
              for n in range(2, result['rounds'] + 1)),
            ['baseline: python importing the libraries', f'{result["baseline_import_mb"]:.0f}', ''],
            ['(Chromium with the tabs, all processes)', f'{result["chromium_mb"]:,.0f}',
             'shared pages counted per process']]
    text = table(['server RSS', 'MB', 'note'], rows)
    print()
    print(text)
    if result['socket_failures'] or result['server_tracebacks']:
        print(f'  socket failures {result["socket_failures"]}, '
              f'tracebacks in the server log {result["server_tracebacks"]}')
    result['table'] = text
    write_json(args.json, result)
    return result


if __name__ == '__main__':
    main()
