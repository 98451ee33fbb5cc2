"""Live latency: shopper sends -> staff sees it; staff sends -> shopper gets it, with N shoppers online.

    python -m bench.live                          # 300 shoppers, 60 s measured, 10k conversations of history
    python -m bench.live --shoppers 50 --seconds 20

A real server (`python -m app.cli serve`), N simulated shoppers, each with a chat session (own
X-Forwarded-For address, as separate shoppers have), an open WebSocket (`websockets`) and one
message every 5 s through POST /api/v1/chat/messages, and one staff member with the inbox open in
real Chromium (Playwright, Debian's /usr/bin/chromium, the e2e flags), showing shopper 0's
conversation.

Measured inside the page, not around Playwright calls: a MutationObserver (installed with
`page.evaluate`) stamps `performance.timeOrigin + performance.now()` the first time each message's
marker appears in a conversation-list row or in the open thread. The shopper's send time is the
wall clock (epoch ms) just before the POST; both clocks are the same machine's (the page clock's
offset from Date.now() is measured and removed). Staff -> shopper: the composer is filled and Send
clicked; the page stamps the click (capture listener), the shopper's socket reader stamps arrival.

Baseline, same run: a bare WebSocket echo round trip (a tiny `websockets` server on a free port).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
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
from bench.http_client import KeepAliveClient  # noqa: E402
from bench.machine import cpu_seconds, rss_mb, tree_cpu_seconds, tree_rss_mb  # noqa: E402
from bench.paths import PYTHON  # noqa: E402
from bench.profiling import profile_report, start_profiler  # noqa: E402
from bench.report import header, table, write_json  # noqa: E402
from bench.server import RAISED_LIMITS, Server, free_port, loopback_source, shopper_address  # noqa: E402
from bench.stats import ms, summary  # noqa: E402

INTERVAL = 5.0
MARKER = re.compile(r"(bm\d+x\d+|sr\d+)(?=\s|$)")  # no leading \b: textContent glues "02:06" to "bm1x2"
OBSERVER_JS = r'''() => {
  const b = window.__bench = {list: {}, thread: {}, wire: {}, clicks: [], mutations: 0};
  const re = /(bm\d+x\d+|sr\d+)(?=\s|$)/g;  // textContent glues the time to the preview: no \b before
  const now = () => performance.timeOrigin + performance.now();
  const record = (map, text, t) => {
    if (!text) return;
    for (const m of text.matchAll(re)) { if (!(m[1] in map)) map[m[1]] = t; }
  };
  new MutationObserver((mutations) => {
    const t = now();
    b.mutations += mutations.length;
    for (const mu of mutations) {
      const target = mu.target.nodeType === 1 ? mu.target : mu.target.parentElement;
      if (!target) continue;
      const map = target.closest('.conversation-row') ? b.list : (target.closest('[role="log"]') ? b.thread : null);
      if (!map) {
        for (const n of mu.addedNodes) {  // a whole row or bubble added at once
          if (n.nodeType !== 1) continue;
          if (n.matches('.conversation-row') || n.querySelector('.conversation-row')) record(b.list, n.textContent, t);
        }
        continue;
      }
      if (mu.type === 'characterData') record(map, mu.target.data, t);
      for (const n of mu.addedNodes) record(map, n.textContent, t);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
  if (window.socket) window.socket.onAny((event, data) => {  // when NiceGUI's update reaches the page
    if (event === 'update' || event === 'run_javascript') record(b.wire, JSON.stringify(data), now());
  });
  document.addEventListener('click', (e) => {
    const button = e.target.closest && e.target.closest('button');
    if (button && button.textContent.trim().endsWith('Send')) b.clicks.push(now());
  }, true);
  return true;
}'''
CLOCK_JS = '() => [performance.timeOrigin + performance.now(), Date.now()]'
BODIES = ('is the linen shirt available in size M?', 'when will my order arrive?', 'can I return the scarf?',
          'do you ship to Finland?', 'is there a discount for students?')


def now_ms() -> float:
    return time.time() * 1000



async def echo_baseline(rounds: int = 300, max_seconds: float = 10) -> dict[str, Any]:
    """Round trips through a bare `websockets` echo server on 127.0.0.1."""
    import websockets

    async def echo(ws: Any) -> None:
        async for message in ws:
            await ws.send(message)

    port = free_port()
    times: list[float] = []
    async with websockets.serve(echo, '127.0.0.1', port):
        async with websockets.connect(f'ws://127.0.0.1:{port}') as ws:
            deadline = time.perf_counter() + max_seconds
            for i in range(rounds):
                if time.perf_counter() > deadline:
                    break
                t0 = time.perf_counter()
                await ws.send(json.dumps({'type': 'ping', 'n': i}))
                await ws.recv()
                times.append((time.perf_counter() - t0) * 1000)
    return summary(times[10:] if len(times) > 20 else times)


class Shopper:
    def __init__(self, index: int, *, source: str | None = None) -> None:
        self.index = index
        self.source = source
        """The loopback address this shopper connects from (bench/server.py: loopback_source), if its own."""
        self.token = ''
        self.conversation_id = 0
        self.ws: Any = None
        self.received: dict[str, float] = {}
        self.seq = 0
        self.poster: Any = None

    async def start(self, http: Any, base: str) -> None:
        import websockets
        response = await http.post('/api/v1/chat/sessions', json={
            'email': f'shopper{self.index}-{uuid.uuid4().hex[:6]}@example.com', 'name': f'Shopper {self.index}'},
            headers={'X-Forwarded-For': shopper_address(self.index)})
        response.raise_for_status()
        data = response.json()
        self.token, self.conversation_id = data['session_token'], data['conversation_id']
        host, port = base.split('//', 1)[1].rsplit(':', 1)
        # httpx cost the load generator ~5 ms CPU per request
        self.poster = KeepAliveClient(host, int(port), source=self.source)
        self.ws = await websockets.connect(f'{base.replace("http", "ws", 1)}/api/v1/chat/ws?token={self.token}',
                                           open_timeout=30, ping_interval=None,
                                           **({'local_addr': (self.source, 0)} if self.source else {}))

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                t = now_ms()
                data = json.loads(raw)
                if data.get('type') == 'message':
                    found = MARKER.search(data['message'].get('body', ''))
                    if found and found.group(1) not in self.received:
                        self.received[found.group(1)] = t
        except Exception:  # noqa: BLE001  (closed at the end, or by the server when overloaded)
            return


DRAIN_JS = '''() => {
  const b = window.__bench;
  if (!b) return null;
  const out = {list: b.list, thread: b.thread, wire: b.wire, mutations: b.mutations};
  b.list = {}; b.thread = {}; b.wire = {}; b.mutations = 0;
  return out;
}'''


class StaffTab:
    """The staff member's inbox page; what its observer saw is drained into Python every second, so a page
    that reloads (e.g. after its socket timed out) loses nothing already seen and gets a new observer."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.list: dict[str, float] = {}
        self.thread: dict[str, float] = {}
        self.wire: dict[str, float] = {}
        self.mutations = 0
        self.reinstalled = 0
        self.clock: list[list[float]] = []

    async def install(self) -> None:
        await self.page.evaluate(OBSERVER_JS)
        self.clock.append(await self.page.evaluate(CLOCK_JS))

    async def drain(self) -> None:
        try:
            data = await self.page.evaluate(DRAIN_JS)
            if data is None:  # the page was rebuilt: observe again
                self.reinstalled += 1
                await self.install()
                return
        except Exception:  # noqa: BLE001  (navigating right now; the next round gets it)
            return
        for mine, theirs in ((self.list, data['list']), (self.thread, data['thread']), (self.wire, data['wire'])):
            for marker, seen in theirs.items():
                mine.setdefault(marker, seen)
        self.mutations += data['mutations']

    async def drain_forever(self) -> None:
        while True:
            await asyncio.sleep(1)
            await self.drain()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    # `inbox cluster` is a parent with the processes and HAProxy as children: count all of them
    server_cpu, server_rss = (tree_cpu_seconds, tree_rss_mb) if args.processes > 1 else (cpu_seconds, rss_mb)
    import httpx
    from playwright.async_api import async_playwright

    echo = await echo_baseline()
    print(f'baseline: bare WebSocket echo round trip p50 {ms(echo["p50"])} ms, p99 {ms(echo["p99"])} ms', flush=True)

    database, facts = ensure_database(args.db_size, 10) if args.db_size else (None, None)
    server = Server('live', database=database, env={**RAISED_LIMITS})
    if args.postgres_url:  # the same history, moved to PostgreSQL as a merchant would (`inbox migrate-to-postgres`)
        if server.database is not None:
            for command in (['migrate'], ['migrate-to-postgres', '--from', str(server.database), '--to',
                                          args.postgres_url]):
                done = subprocess.run([PYTHON, '-m', 'app.cli', *command], env=server.env, capture_output=True,
                                      text=True, cwd=server.data_dir)
                if done.returncode != 0:
                    raise RuntimeError(f'{command[0]} failed:\n{done.stdout}{done.stderr}'[-3000:])
        server.env['INBOX_DATABASE_URL'] = args.postgres_url
        if args.processes > 1:
            os.environ['BENCH_SERVER_COMMAND'] = f'{PYTHON} -m app.cli cluster --processes {args.processes}'
    if database is None:  # an empty database needs a staff member
        subprocess.run([PYTHON, '-m', 'app.cli', 'create-staff', '--email', 'bench@example.com', '--password',
                        'bench password 123', '--name', 'Bea Bench', '--owner'], env=server.env, check=True,
                       capture_output=True, cwd=server.data_dir)
    email = facts['staff_email'] if facts else 'bench@example.com'
    password = facts['staff_password'] if facts else 'bench password 123'
    server.start()
    print(f'server up in {server.ready_seconds:.2f} s (pid {server.pid})', flush=True)
    shoppers = [Shopper(i, source=loopback_source(i) if args.processes > 1 else None) for i in range(args.shoppers)]
    sends: dict[str, float] = {}
    counted: set[str] = set()
    post_latency: list[float] = []
    post_status: dict[int, int] = {}
    staff_results: list[dict[str, float]] = []
    staff_failures: dict[str, int] = {}
    staff_attempts: list[str] = []
    tasks: list[asyncio.Task[None]] = []
    start_failures = 0
    tab: StaffTab | None = None
    own_cpu = 0.0
    chromium_cpu = float('nan')
    cpu = [0.0, 0.0]
    wall = [0.0, 1.0]
    rss = [0.0, 0.0]
    try:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        async with httpx.AsyncClient(base_url=server.base, limits=limits, timeout=30) as http, \
                async_playwright() as pw:
            t0 = time.perf_counter()
            gate = asyncio.Semaphore(20)

            async def start(shopper: Shopper) -> None:
                nonlocal start_failures
                async with gate:
                    try:
                        await asyncio.wait_for(shopper.start(http, server.base), 60)
                    except Exception:  # noqa: BLE001  (counted: an overloaded server refuses or times out)
                        start_failures += 1

            try:
                await asyncio.wait_for(asyncio.gather(*(start(s) for s in shoppers)), 180)
            except TimeoutError:
                print('  (connecting shoppers cut at its time bound)')
            shoppers = [s for s in shoppers if s.ws is not None]
            if not shoppers:
                raise RuntimeError('no shopper could connect')
            tasks += [asyncio.create_task(s.read()) for s in shoppers]
            print(f'{len(shoppers)} shoppers connected in {time.perf_counter() - t0:.1f} s'
                  + (f' ({start_failures} failed)' if start_failures else ''), flush=True)

            browser = await launch_chromium(pw)
            context = await browser.new_context(viewport={'width': 1400, 'height': 900})
            context.set_default_timeout(20_000)
            page = await context.new_page()
            await sign_in(page, server.base, email, password)
            first = shoppers[0]
            await page.goto(f'{server.base}/inbox/{first.conversation_id}')
            await page.get_by_label('Reply').wait_for()
            tab = StaffTab(page)
            await tab.install()
            tasks.append(asyncio.create_task(tab.drain_forever()))

            measure_from = time.perf_counter() + INTERVAL  # every shopper has sent once before we count
            stop_at = measure_from + args.seconds

            async def shop(shopper: Shopper) -> None:
                await asyncio.sleep(random.uniform(0, INTERVAL))
                next_at = time.perf_counter()
                while next_at < stop_at:
                    shopper.seq += 1
                    marker = f'bm{shopper.index}x{shopper.seq}'
                    counting = next_at >= measure_from
                    sent = now_ms()
                    sends[marker] = sent
                    if counting:
                        counted.add(marker)
                    try:
                        status = await asyncio.wait_for(shopper.poster.post_json('/api/v1/chat/messages', json.dumps(
                            {'body': f'{marker} {random.choice(BODIES)}', 'client_msg_id': marker}).encode(), {
                            'Authorization': f'Bearer {shopper.token}',
                            'X-Forwarded-For': shopper_address(shopper.index)}),
                            timeout=30)
                        post_status[status] = post_status.get(status, 0) + 1
                        if counting:
                            post_latency.append(now_ms() - sent)
                    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                        post_status[-1] = post_status.get(-1, 0) + 1
                    next_at += INTERVAL
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

            async def staff() -> None:
                """Fill the composer, click Send, wait for the shopper's socket; one at a time, bounded."""
                await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
                for k in range(args.staff_sends):
                    if time.perf_counter() > stop_at - 2:
                        return
                    marker = f'sr{k}'
                    staff_attempts.append(marker)
                    try:
                        clicks_before = await asyncio.wait_for(page.evaluate(
                            '() => window.__bench ? window.__bench.clicks.length : -1'), 10)
                        if clicks_before < 0:
                            raise RuntimeError('page rebuilt')
                        await page.get_by_label('Reply').fill(f'{marker} Thanks, we will check that for you.',
                                                             timeout=5000)
                        await page.get_by_role('button', name='Send', exact=True).click(timeout=5000)
                        deadline = time.perf_counter() + 10
                        while marker not in first.received and time.perf_counter() < deadline:
                            await asyncio.sleep(0.02)
                        clicks = await asyncio.wait_for(page.evaluate(
                            '() => window.__bench ? window.__bench.clicks : []'), 10)
                        if marker not in first.received:
                            raise TimeoutError('reply not received within 10 s')
                        if len(clicks) <= clicks_before:
                            raise RuntimeError('click not recorded')
                        staff_results.append({'click': clicks[clicks_before], 'received': first.received[marker]})
                    except Exception as error:  # noqa: BLE001  (counted; an overloaded page may be reconnecting)
                        name = type(error).__name__
                        staff_failures[name] = staff_failures.get(name, 0) + 1
                    await asyncio.sleep(random.uniform(0.5, 1.5))

            cpu[0], rss[0], wall[0] = server_cpu(server.pid), server_rss(server.pid), time.perf_counter()
            own_cpu = time.process_time()
            chromium = browser_pid(browser)
            chromium_cpu = tree_cpu_seconds(chromium) if chromium else float('nan')
            metrics = await context.new_cdp_session(page)  # the page's main thread: where its time goes
            await metrics.send('Performance.enable')
            main_thread = [await page_metrics(metrics)]
            cdp = None
            if args.browser_profile:  # Chromium's own sampling profiler (DevTools protocol), over the window
                cdp = await context.new_cdp_session(page)
                await cdp.send('Profiler.enable')
                await cdp.send('Profiler.start')
            if args.profile:
                asyncio.get_running_loop().call_later(INTERVAL, lambda: setattr(
                    server, 'profiler', start_profiler(server.pid, args.profile, args.seconds)))
            try:
                await asyncio.wait_for(asyncio.gather(*(shop(s) for s in shoppers), staff()),
                                       timeout=args.seconds + INTERVAL + 90)
            except TimeoutError:
                print('  (load phase cut at its time bound)')
            cpu[1], rss[1], wall[1] = server_cpu(server.pid), server_rss(server.pid), time.perf_counter()
            own_cpu = (time.process_time() - own_cpu) / (wall[1] - wall[0])
            chromium_cpu = ((tree_cpu_seconds(chromium) - chromium_cpu) / (wall[1] - wall[0])
                            if chromium else float('nan'))
            main_thread.append(await page_metrics(metrics))
            busy = {name: (main_thread[1][name] - main_thread[0][name]) / (wall[1] - wall[0])
                    for name in PAGE_METRICS}
            if cdp is not None:
                browser_profile = (await cdp.send('Profiler.stop'))['profile']
                args.browser_profile.write_text(json.dumps(browser_profile))
                print(browser_profile_report(browser_profile))
            settle = time.perf_counter() + 10  # let the last messages reach the page (bounded)
            while time.perf_counter() < settle and len(tab.list) < len(sends) * 0.999:
                await asyncio.sleep(0.5)
            await tab.drain()
            tab.clock.append(await page.evaluate(CLOCK_JS))
            await browser.close()
    finally:
        for task in tasks:
            task.cancel()
        for shopper in shoppers:
            if shopper.ws is not None:
                try:
                    await asyncio.wait_for(shopper.ws.close(), 2)
                except Exception:  # noqa: BLE001
                    pass
        server.stop()
    if args.profile and getattr(server, 'profiler', None) is not None:
        server.profiler.wait(30)
        print(profile_report(args.profile))

    assert tab is not None
    # The page clock (timeOrigin + now) against the system clock (Date.now(), what Python's time.time() reads).
    offsets = [perf - date for perf, date in tab.clock]
    offset = sum(offsets) / len(offsets)
    list_latency = [tab.list[m] - offset - sends[m] for m in counted if m in tab.list]
    wire_latency = [tab.wire[m] - offset - sends[m] for m in counted if m in tab.wire and not m.startswith('bm0x')]
    first_markers = {m for m in counted if m.startswith('bm0x')}
    thread_latency = [tab.thread[m] - offset - sends[m] for m in first_markers if m in tab.thread]
    staff_latency = [r['received'] - (r['click'] - offset) for r in staff_results]
    own_socket = [shopper.received[m] - sends[m] for shopper in shoppers for m in shopper.received if m in counted]
    return {
        'shoppers': args.shoppers, 'shoppers_connected': len(shoppers), 'seconds': args.seconds,
        'db_size': args.db_size, 'messages_sent': len(sends), 'messages_counted': len(counted),
        'shopper_to_staff_list_ms': summary(list_latency), 'list_missing': len(counted) - len(list_latency),
        'shopper_to_staff_thread_ms': summary(thread_latency),
        'staff_to_shopper_ms': summary(staff_latency), 'staff_failures': staff_failures,
        'staff_attempts': len(staff_attempts), 'load_generator_cpu_cores': own_cpu, 'chromium_cpu_cores': chromium_cpu,
        'post_ms': summary(post_latency), 'post_status': post_status,
        'shopper_to_own_socket_ms': summary(own_socket),
        'shopper_to_staff_update_received_ms': summary(wire_latency),
        'echo_baseline_ms': echo, 'page_clock_offset_ms': offsets, 'staff_page_rebuilt': tab.reinstalled,
        'server_cpu_cores': (cpu[1] - cpu[0]) / (wall[1] - wall[0]), 'server_rss_mb': rss,
        'server_cpu_ms_per_message': (cpu[1] - cpu[0]) * 1000 / max(1, sum(post_status.values())),
        'mutations': tab.mutations, 'server_tracebacks': server.tracebacks(),
        'page_main_thread_share': busy,
    }


PAGE_METRICS = ('TaskDuration', 'ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration')


async def page_metrics(cdp: Any) -> dict[str, float]:
    """Seconds the page's main thread spent so far: in all tasks, and in script, style and layout within them."""
    found = {metric['name']: metric['value'] for metric in (await cdp.send('Performance.getMetrics'))['metrics']}
    return {name: found.get(name, 0.0) for name in PAGE_METRICS}


def browser_profile_report(profile: dict[str, Any], top: int = 25) -> str:
    """Self time per function of a DevTools CPU profile (samples x interval), hottest first."""
    nodes = {node['id']: node for node in profile['nodes']}
    deltas = profile.get('timeDeltas', [])
    own: dict[str, float] = {}
    for sample, delta in zip(profile.get('samples', []), deltas[1:] + [0], strict=False):
        frame = nodes[sample]['callFrame']
        url = frame.get('url', '').rsplit('/', 1)[-1]
        name = f'{frame.get("functionName") or "(anonymous)"} {url}:{frame.get("lineNumber", 0) + 1}'
        own[name] = own.get(name, 0.0) + delta / 1000
    total = sum(own.values()) or 1.0
    lines = [f'Chromium main thread, {total / 1000:.1f} s sampled; self time:']
    for name, spent in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f'  {spent / total:6.1%}  {name}')
    return '\n'.join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--shoppers', type=int, default=300, help='simulated shoppers, one message each 5 s')
    parser.add_argument('--seconds', type=float, default=60, help='measured time (after one 5 s round)')
    parser.add_argument('--staff-sends', type=int, default=30, help='at most this many staff replies')
    parser.add_argument('--db-size', type=int, default=10_000,
                        help='conversations of history (a copy of the generated database); 0: empty')
    parser.add_argument('--profile', type=Path, help='sample the server with py-spy while measuring')
    parser.add_argument('--browser-profile', type=Path,
                        help="record the staff tab's JavaScript with Chromium's profiler into this file")
    parser.add_argument('--postgres-url', default='',
                        help='an empty PostgreSQL database (postgresql+asyncpg://...): the history is moved there')
    parser.add_argument('--processes', type=int, default=1,
                        help='with --postgres-url: this many processes behind HAProxy (`inbox cluster`)')
    parser.add_argument('--json', help='write the figures here')
    args = parser.parse_args(argv)
    if args.processes != 1 and not args.postgres_url.startswith('postgresql') or not 1 <= args.processes <= 8:
        parser.error('--processes 2..8 needs --postgres-url (several processes share one PostgreSQL database)')
    if not 1 <= args.shoppers <= 2000 or not 1 <= args.seconds <= 600 or not 0 <= args.staff_sends <= 200:
        parser.error('--shoppers 1..2000, --seconds 1..600, --staff-sends 0..200')

    where = '' if not args.postgres_url else (
        ' on PostgreSQL' + (f', {args.processes} processes behind HAProxy' if args.processes > 1 else ''))
    header(f'live: {args.shoppers} shoppers (one message each {INTERVAL:g} s) and one staff tab in Chromium{where}')
    result = asyncio.run(run(args))
    rows = []
    for label, key in (('shopper send -> staff list row updated', 'shopper_to_staff_list_ms'),
                       ('shopper send -> message in the open thread', 'shopper_to_staff_thread_ms'),
                       ('staff click Send -> shopper socket', 'staff_to_shopper_ms'),
                       ('shopper POST /messages (HTTP answer)', 'post_ms'),
                       ('shopper send -> list update reaches the page (socket.io)',
                        'shopper_to_staff_update_received_ms'),
                       ('shopper send -> pushed back on own socket (no browser)', 'shopper_to_own_socket_ms'),
                       ('baseline: bare WebSocket echo round trip', 'echo_baseline_ms')):
        s = result[key]
        rows.append([label, s['n'], ms(s['p50']), ms(s['p95']), ms(s['p99']), ms(s['max'])])
    text = table(['live latency (ms)', 'n', 'p50', 'p95', 'p99', 'max'], rows)
    print()
    print(text)
    print(f'  messages counted {result["messages_counted"]:,}, never seen in the list {result["list_missing"]:,}; '
          f'POST statuses {result["post_status"]} (-1: no answer in time); staff sends {result["staff_attempts"]}, '
          f'failures {result["staff_failures"]}; staff page '
          f'rebuilt {result["staff_page_rebuilt"]} times; server CPU {result["server_cpu_cores"]:.2f} cores '
          f'({result["server_cpu_ms_per_message"]:.1f} ms per shopper message), load generator + Playwright '
          f'{result["load_generator_cpu_cores"]:.2f} cores, Chromium {result["chromium_cpu_cores"]:.2f} cores, '
          f'RSS {result["server_rss_mb"][1]:.0f} MB; page clock offset '
          f'{", ".join(f"{x:.1f}" for x in result["page_clock_offset_ms"])} ms; '
          f'tracebacks in the server log: {result["server_tracebacks"]}')
    busy = result['page_main_thread_share']
    other = busy['TaskDuration'] - busy['ScriptDuration'] - busy['RecalcStyleDuration'] - busy['LayoutDuration']
    print(f'  staff tab main thread busy {busy["TaskDuration"]:.0%} of the time: '
          f'style {busy["RecalcStyleDuration"]:.0%}, '
          f'layout {busy["LayoutDuration"]:.0%}, script from timers and events {busy["ScriptDuration"]:.0%}, other '
          f'{other:.0%} (the JavaScript of socket messages, which runs as microtasks, paint and compositing)')
    result['table'] = text
    write_json(args.json, result)
    return result


if __name__ == '__main__':
    main()
