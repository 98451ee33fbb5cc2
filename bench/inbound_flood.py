"""Inbound flood: does a shopper posting 1 MB e-mails in a loop delay another shopper's chat message?

    python -m bench.inbound_flood                      # 200 messages idle, 200 under the flood, 200 idle again
    python -m bench.inbound_flood --messages 50 --flooders 4

A real server (`python -m app.cli serve`) with inbound e-mail on (INBOX_INBOUND_SECRET) and the message
limits raised. One shopper holds a reply address (a reply+<token>@ address of a mail we sent them: the token's
hash is put in `reply_address` as the outbox does), the other chats. The flooder, a separate process so that it
never slows the measuring client, POSTs a ~1 MB mail (blank and quoted lines, what made the quote stripper
quadratic once; a new Message-ID each time, so each is parsed and stored) to /api/v1/inbound/email back to back
on one keep-alive connection (`--flooders` such loops at once). The measuring client posts shopper messages to
/api/v1/chat/messages one at a time with a random 10-30 ms pause (so they land anywhere in a mail's handling)
and takes each one's latency (p50/p95).

Baseline, same run: the same messages on the same server while it is idle, before the flood and again after.
The issue's bar (16, "Must show"): the flood may add at most what the message takes on the idle server, so
flooded p50 and p95 <= 2 x idle.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import sqlite3
import sys
import time
import uuid
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.http_client import KeepAliveClient  # noqa: E402
from bench.machine import busy_processes, cpu_seconds, machine  # noqa: E402
from bench.profiling import profile_report, start_profiler  # noqa: E402
from bench.report import header, table, write_json  # noqa: E402
from bench.server import RAISED_LIMITS, Server, shopper_address  # noqa: E402
from bench.stats import ms, summary  # noqa: E402

SECRET = 'bench-inbound-' + 'k' * 32
MAIL_BYTES = 1_000_000


def flood_mail_body(size: int) -> bytes:
    """About `size` bytes of plain text: a short answer, then history of blank and quoted lines."""
    lines = ['Thanks, here is everything again:', '']
    total = sum(len(line) + 2 for line in lines)
    n = 0
    while total < size:
        n += 1
        line = '' if n % 3 else f'> On an earlier day the shop wrote, line {n}: which size do you need?'
        lines.append(line)
        total += len(line) + 2
    return '\r\n'.join(lines).encode()


def flood_mail(token: str, n: int, body: bytes) -> bytes:
    head = (f'From: Flooder <flooder@example.com>\r\nTo: <reply+{token}@localhost>\r\nSubject: Re: again\r\n'
            f'Message-ID: <flood-{n}-{uuid.uuid4().hex[:8]}@bench.example>\r\nMIME-Version: 1.0\r\n'
            'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n')
    return head.encode() + body


def flood(host: str, port: int, token: str, size: int, stop: Any, results: Any) -> None:
    """One flooding client (its own process): POST mails back to back until `stop` is set."""
    import http.client

    body = flood_mail_body(size)
    statuses: Counter[str] = Counter()
    took: list[float] = []
    connection = http.client.HTTPConnection(host, port, timeout=60)
    n = 0
    while not stop.is_set():
        n += 1
        raw = flood_mail(token, n, body)
        t0 = time.perf_counter()
        try:
            connection.request('POST', '/api/v1/inbound/email', body=raw, headers={
                'Authorization': f'Bearer {SECRET}', 'Content-Type': 'message/rfc822'})
            response = connection.getresponse()
            response.read()
            statuses[str(response.status)] += 1
        except (OSError, http.client.HTTPException) as error:
            statuses[type(error).__name__] += 1
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
        took.append((time.perf_counter() - t0) * 1000)
    connection.close()
    results.put({'statuses': dict(statuses), 'took_ms': took, 'bytes': len(flood_mail(token, 0, body))})


async def shopper_messages(host: str, port: int, token: str, count: int, tag: str, first_address: int,
                           rng: random.Random) -> dict[str, Any]:
    """`count` shopper messages one at a time with a 10-30 ms pause; each one's latency in ms."""
    client = KeepAliveClient(host, port)
    took: list[float] = []
    statuses: Counter[int] = Counter()
    try:
        for i in range(count):
            await asyncio.sleep(rng.uniform(0.010, 0.030))
            body = json.dumps({'body': f'Is the green one in stock? ({tag} {i})', 'client_msg_id': f'{tag}-{i}'})
            t0 = time.perf_counter()
            status = await client.post_json('/api/v1/chat/messages', body.encode(), {
                'Authorization': f'Bearer {token}', 'X-Forwarded-For': shopper_address(first_address + i)})
            took.append((time.perf_counter() - t0) * 1000)
            statuses[status] += 1
    finally:
        client.close()
    return {'latency_ms': summary(took), 'statuses': dict(statuses)}


def start_session(base: str, email: str, address: int) -> dict[str, Any]:
    import httpx

    response = httpx.post(f'{base}/api/v1/chat/sessions', json={'email': email, 'name': email.split('@')[0]},
                          headers={'X-Forwarded-For': shopper_address(address)}, timeout=30)
    response.raise_for_status()
    return dict(response.json())


def give_reply_address(db_path: Path, conversation_id: int) -> str:
    """What the outbox does when it mails a shopper: a new reply token, only its hash stored."""
    from services.mail.reply_addresses import new_reply_token, reply_token_hash

    token = new_reply_token()
    with closing(sqlite3.connect(db_path, timeout=30)) as connection, connection:
        connection.execute('INSERT INTO reply_address (conversation_id, token_hash, created_at) VALUES (?, ?, ?)',
                           (conversation_id, reply_token_hash(token),
                            datetime.now(UTC).replace(tzinfo=None).isoformat(sep=' ')))
    return token


def run(messages: int, flooders: int, mail_bytes: int, seed: int, profile: Path | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    with Server('inbound_flood', env={**RAISED_LIMITS, 'INBOX_INBOUND_SECRET': SECRET}) as server:
        print(f'server up in {server.ready_seconds:.2f} s (pid {server.pid}, empty database)', flush=True)
        host, port = server.base.split('//', 1)[1].rsplit(':', 1)
        chatting = start_session(server.base, 'chatting@example.com', 1)
        flooding = start_session(server.base, 'flooding@example.com', 2)
        token = give_reply_address(server.data_dir / 'inbox.db', int(flooding['conversation_id']))

        def measure(tag: str, first_address: int) -> dict[str, Any]:
            return asyncio.run(shopper_messages(host, int(port), chatting['session_token'], messages, tag,
                                                first_address, rng))

        measure('warm', 1_000)
        idle = measure('idle', 10_000)
        print(f'idle: p50 {ms(idle["latency_ms"]["p50"])} ms, p95 {ms(idle["latency_ms"]["p95"])} ms', flush=True)

        context = multiprocessing.get_context('spawn')
        stop, results = context.Event(), context.Queue()
        workers = [context.Process(target=flood, args=(host, int(port), token, mail_bytes, stop, results))
                   for _ in range(flooders)]
        flood_began = time.perf_counter()
        for worker in workers:
            worker.start()
        time.sleep(2.0)  # the flood is under way (a spawned process imports, then sends its first mail)
        cpu0, t0 = cpu_seconds(server.pid), time.perf_counter()
        profiler = start_profiler(server.pid, profile, messages * 0.025) if profile else None
        flooded = measure('flood', 20_000)
        server_cores = (cpu_seconds(server.pid) - cpu0) / (time.perf_counter() - t0)
        stop.set()
        flood_seconds = time.perf_counter() - flood_began
        floods = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(30)
        print(f'flooded: p50 {ms(flooded["latency_ms"]["p50"])} ms, p95 {ms(flooded["latency_ms"]["p95"])} ms',
              flush=True)
        after = measure('after', 30_000)
        tracebacks = server.tracebacks()
        if profiler is not None and profile is not None:
            profiler.wait(30)
            print(profile_report(profile))
    mail_statuses: Counter[str] = Counter()
    for result in floods:
        mail_statuses.update(result['statuses'])
    mail_took = [t for result in floods for t in result['took_ms']]
    return {'messages': messages, 'flooders': flooders, 'mail_bytes': floods[0]['bytes'] if floods else mail_bytes,
            'idle': idle, 'flooded': flooded, 'after': after, 'mail_statuses': dict(mail_statuses),
            'mail_took_ms': summary(mail_took), 'mails_per_second': len(mail_took) / flood_seconds,
            'server_cpu_cores_flooded': server_cores, 'server_tracebacks': tracebacks}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--messages', type=int, default=200, help='shopper messages per phase')
    parser.add_argument('--flooders', type=int, default=1, help='mails posted at once (each its own loop)')
    parser.add_argument('--mail-bytes', type=int, default=MAIL_BYTES, help='size of each flooding mail')
    parser.add_argument('--seed', type=int, default=16)
    parser.add_argument('--json', help='write the figures here')
    parser.add_argument('--profile', type=Path, help='sample the server with py-spy under the flood into this file')
    args = parser.parse_args(argv)
    if not 10 <= args.messages <= 10_000 or not 1 <= args.flooders <= 16 or not 1_000 <= args.mail_bytes <= 9_000_000:
        parser.error('--messages 10..10000, --flooders 1..16, --mail-bytes 1000..9000000')
    header(f'inbound flood: {args.messages} shopper messages idle, under {args.flooders} x '
           f'{args.mail_bytes / 1e6:.1f} MB mails in a loop, idle again')
    facts, others = machine(), busy_processes(2.0)
    print(f'machine: {facts["nproc"]} CPUs ({facts["cpu"]}), load average {facts["load_average"]}; other processes '
          f'using the CPU now: {others[0]:.2f} cores {others[1]}', flush=True)
    result = run(args.messages, args.flooders, args.mail_bytes, args.seed, args.profile)
    idle, flooded, after = (result[k]['latency_ms'] for k in ('idle', 'flooded', 'after'))
    met = flooded['p50'] <= 2 * idle['p50'] and flooded['p95'] <= 2 * idle['p95']
    mails = result['mail_took_ms']
    rows = [
        ['shopper message, idle server (baseline)', f'{ms(idle["p50"])} / {ms(idle["p95"])} / {ms(idle["max"])}'],
        [f'shopper message, {args.flooders} x 1 MB mail flood', f'{ms(flooded["p50"])} / {ms(flooded["p95"])} / '
                                                                 f'{ms(flooded["max"])}'],
        ['shopper message, idle again', f'{ms(after["p50"])} / {ms(after["p95"])} / {ms(after["max"])}'],
        ['flooded / idle (p50, p95)', f'{flooded["p50"] / idle["p50"]:.2f}x, {flooded["p95"] / idle["p95"]:.2f}x'
                                      f' ({"within" if met else "past"} 2x)'],
        ['shopper statuses (idle, flood, after)', '; '.join(
            ', '.join(f'{k}: {v}' for k, v in sorted(result[p]['statuses'].items())) for p in ('idle', 'flooded',
                                                                                                  'after'))],
        [f'mails of {result["mail_bytes"] / 1e6:.2f} MB: answers', ', '.join(
            f'{k}: {v}' for k, v in sorted(result['mail_statuses'].items())) or 'none'],
        ['mail POST p50 / p95 (ms); mails stored per second', f'{ms(mails["p50"])} / {ms(mails["p95"])}; '
                                                          f'{result["mails_per_second"]:.1f}'],
        ['server CPU during the flood (cores)', f'{result["server_cpu_cores_flooded"]:.2f}'],
        ['tracebacks in the server log', str(result['server_tracebacks'])],
    ]
    text = table([f'{args.messages} messages per phase', 'p50 / p95 / max (ms)'], rows)
    print()
    print(text)
    result.update({'met': met, 'table': text, 'machine': facts, 'other_cpu_cores_before': others[0]})
    write_json(args.json, result)
    return result


if __name__ == '__main__':
    main()
