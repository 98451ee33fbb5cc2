"""Build a large inbox database fast, for the scale, start-up and load benchmarks.

    python -m bench.generate                                   # 10,000 conversations x 10 messages
    python -m bench.generate --conversations 100000 --messages 10   # 1,000,000 messages
    python -m bench.generate --out /tmp/big --force            # elsewhere; replace what is there

What it makes (in OUT, default bench/.data/db-<N>x<M>/):
- `inbox.db`: the real schema (the app's Alembic migrations, `db.migrate.upgrade`), then in ONE
  transaction with the stdlib `sqlite3` module (`executemany`): N customers, N chat conversations
  (about 12 % open, the rest closed; some unread, some assigned, some with topics, one reply
  address each: `reply_address.token_hash` = SHA-256 of a token), one chat session per conversation
  (`token_hash` = SHA-256 of a token, as the app stores it), M messages each alternating
  shopper/staff with realistic text (shopper messages already carry a topic, so the server's
  classifier backfill has nothing to do), plus one open conversation
  with 500 messages ("open a conversation"), three staff members and the store row from the
  migrations. Message text reaches the FTS5 table `message_fts` through the migration's own
  insert trigger (kind = 'text'), exactly as in the app.
- `facts.json`: ids and search terms the benchmarks use, the staff sign-in, and the time taken.

Times are stored as SQLAlchemy stores them on SQLite (naive UTC, "YYYY-MM-DD HH:MM:SS.ffffff").
No ANALYZE is run: a merchant's database has no statistics either.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import database_dir  # noqa: E402

STAFF_PASSWORD = 'bench password 123'
STAFF = [('bench@example.com', 'Bea Bench', True), ('sam@example.com', 'Sam Staff', False),
         ('kim@example.com', 'Kim Helper', False)]
BIG_THREAD = 500
TOPICS = ('checkout', 'edit_order', 'order_status', 'pricing_discounts', 'product_details', 'product_interest',
          'returns', 'shipping', 'store_info', 'wholesale')
FIRST = ('Anna', 'Jonas', 'Mette', 'Lars', 'Sofie', 'Emil', 'Ida', 'Noah', 'Freja', 'Oskar', 'Clara', 'Lukas',
         'Maja', 'Felix', 'Alma', 'Elias', 'Ella', 'Hugo', 'Nora', 'Viktor', 'Laura', 'Mads', 'Julia', 'Karl')
LAST = ('Berg', 'Hansen', 'Nielsen', 'Jensen', 'Larsen', 'Schmidt', 'Virtanen', 'de Vries', 'Rossi', 'Meyer',
        'Andersen', 'Pedersen', 'Korhonen', 'Bakker', 'Bianchi', 'Fischer', 'Wagner', 'Jansen', 'Lind', 'Holm')
DOMAINS = ('example.com', 'mail.example', 'post.example.org', 'shop.example.net')
PRODUCTS = ('linen shirt', 'wool scarf', 'rain jacket', 'canvas tote', 'leather belt', 'denim jacket',
            'cotton hoodie', 'knit beanie', 'chino trousers', 'summer dress', 'running shoes', 'travel mug')
RARE_PRODUCT = 'weekender'  # appears in about 1 % of shopper messages: the "search by message text" term
CUSTOMER_LINES = (
    'Hi, is the {p} available in size {s}?', 'When will my order #{o} arrive?',
    'Can I return the {p} I bought last week?',
    'Do you ship to {c}?', 'Is there a discount code for the {p}?', 'I would like to change the address on order #{o}.',
    'How do I wash the {p}?', 'My payment failed at checkout, can you help?', 'Do you sell wholesale?',
    'What are your opening hours?', 'The {p} arrived damaged, what now?', 'Thanks, that helps a lot!',
)
STAFF_LINES = (
    'Hi! Yes, the {p} is in stock in size {s}.', 'Order #{o} left our warehouse yesterday.',
    'Of course, returns are free within 30 days.', 'We ship to {c} in 3 to 5 days.',
    'Use WELCOME10 for 10 % off your first order.', 'Done, the address on #{o} is updated.',
    'Wash it cold and dry it flat.', 'Sorry about that! Could you try again?', 'Happy to help, anything else?',
)
SIZES = ('XS', 'S', 'M', 'L', 'XL')
COUNTRIES = ('Denmark', 'Germany', 'Finland', 'the Netherlands', 'Italy', 'Sweden')
TIME_FORMAT = '%Y-%m-%d %H:%M:%S.%f'


def stamp(moment: datetime) -> str:
    return moment.strftime(TIME_FORMAT)


def preview(body: str) -> str:
    flat = ' '.join(body.split())
    return flat if len(flat) <= 140 else flat[:139] + '…'


def customer_text(rng: random.Random) -> str:
    product = RARE_PRODUCT + ' bag' if rng.random() < 0.01 else rng.choice(PRODUCTS)
    return rng.choice(CUSTOMER_LINES).format(p=product, s=rng.choice(SIZES), o=rng.randint(1000, 99999),
                                             c=rng.choice(COUNTRIES))


def staff_text(rng: random.Random) -> str:
    return rng.choice(STAFF_LINES).format(p=rng.choice(PRODUCTS), s=rng.choice(SIZES), o=rng.randint(1000, 99999),
                                          c=rng.choice(COUNTRIES))


def generate(out: Path, conversations: int, messages: int, *, seed: int = 8) -> dict[str, object]:
    from db.migrate import upgrade
    from db.report_backfill import backfill_statements
    from services.passwords import hash_password

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    path = out / 'inbox.db'
    for suffix in ('', '-wal', '-shm'):
        Path(str(path) + suffix).unlink(missing_ok=True)
    upgrade(f'sqlite+aiosqlite:///{path}')
    migrated = time.perf_counter()

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(tzinfo=None)
    password_hash = hash_password(STAFF_PASSWORD)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute('PRAGMA journal_mode=MEMORY')  # one bulk transaction; switched back to WAL below
    conn.execute('PRAGMA synchronous=OFF')
    conn.execute('PRAGMA cache_size=-262144')
    conn.execute('PRAGMA foreign_keys=ON')
    conn.execute('BEGIN')

    conn.executemany(
        "INSERT INTO staff (id, email, name, password_hash, is_owner, permissions, active, language, notify_scope, "
        "notify_sound, created_at) VALUES (?, ?, ?, ?, ?, 'reply share_discounts share_products', 1, 'en', 'all', "
        "1, ?)",
        [(i + 1, email, name, password_hash, int(owner), stamp(now - timedelta(days=400)))
         for i, (email, name, owner) in enumerate(STAFF)])
    staff_names = {i + 1: name for i, (_email, name, _owner) in enumerate(STAFF)}

    total = conversations + 1  # + the big thread, the last id
    big_id = total
    customers, convs, sessions = [], [], []
    message_rows: list[tuple[object, ...]] = []
    message_id = 0
    span = timedelta(days=365)
    for cid in range(1, total + 1):
        big = cid == big_id
        count = BIG_THREAD if big else messages
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f'{first.lower()}.{last.lower().replace(" ", "")}{cid}@{rng.choice(DOMAINS)}'
        started_at = now - (timedelta(hours=30) if big else span * (1 - (cid / total)) ** 1.5) - timedelta(hours=3)
        customers.append((cid, email, f'{first} {last}', stamp(started_at)))
        token_hash = hashlib.sha256(f'bench-session-{cid}'.encode()).hexdigest()
        sessions.append((cid, token_hash, cid, cid, email, f'{first} {last}', stamp(started_at), stamp(started_at)))
        moment = started_at
        body = ''
        author = 'customer'
        for j in range(count):
            message_id += 1
            moment += timedelta(seconds=rng.randint(20, 600) if not big else 200)
            author = 'customer' if j % 2 == 0 else 'staff'
            if author == 'customer':
                body = customer_text(rng)
                message_rows.append((message_id, cid, cid, 'customer', None, body, f'm{j}', rng.choice(TOPICS),
                                     round(rng.uniform(0.5, 1.0), 4), None, stamp(moment)))
            else:
                staff_id = rng.randint(1, len(STAFF))
                body = staff_text(rng)
                message_rows.append((message_id, cid, cid, 'staff', staff_id, body, None, None, None, 'chat',
                                     stamp(moment)))
        recent = cid > total * 0.88
        status = 'open' if big or (recent and rng.random() < 0.9) or rng.random() < 0.02 else 'closed'
        unread = int(status == 'open' and author == 'customer')
        assignee = rng.randint(1, len(STAFF)) if rng.random() < 0.3 else None
        topics = json.dumps(rng.sample(TOPICS, rng.randint(0, 2)))
        reply_token_hash = hashlib.sha256(f'{rng.getrandbits(128):032x}'.encode()).hexdigest()
        convs.append((cid, cid, status, assignee, unread, stamp(started_at), stamp(moment), preview(body), author,
                      topics, reply_token_hash))
        if len(message_rows) >= 200_000:
            _flush(conn, customers, convs, sessions, message_rows)
    _flush(conn, customers, convs, sessions, message_rows)
    conn.execute("UPDATE conversation SET closed_at = last_message_at WHERE status = 'closed'")  # as the demo does
    for statement in backfill_statements('sqlite'):  # K1's columns (services/report_columns.py) from the messages
        conn.execute(statement)
    conn.execute('COMMIT')
    conn.execute('PRAGMA journal_mode=WAL')
    conn.close()
    elapsed = time.perf_counter() - started

    check = sqlite3.connect(path)
    open_ids = [row[0] for row in check.execute("SELECT id FROM conversation WHERE status = 'open' AND id < ?",
                                                (big_id,))]
    search_customer = rng.choice(open_ids) if open_ids else 1  # an open one, so the search finds a row to show
    email = check.execute('SELECT email FROM customer WHERE id = ?', (search_customer,)).fetchone()[0]
    counts = dict(check.execute('SELECT status, count(*) FROM conversation GROUP BY status').fetchall())
    fts_rows = check.execute('SELECT count(*) FROM message_fts').fetchone()[0]
    rare_hits = check.execute('SELECT count(*) FROM message_fts WHERE message_fts MATCH ?',
                              (f'"{RARE_PRODUCT}"*',)).fetchone()[0]
    check.close()
    facts = {
        'conversations': total, 'messages': message_id, 'messages_per_conversation': messages,
        'open': counts.get('open', 0), 'closed': counts.get('closed', 0), 'fts_rows': fts_rows,
        'big_conversation_id': big_id, 'big_conversation_messages': BIG_THREAD,
        'search_email': email.split('@')[0], 'search_text': RARE_PRODUCT, 'search_text_messages': rare_hits,
        'staff_email': STAFF[0][0], 'staff_password': STAFF_PASSWORD, 'staff_names': staff_names,
        'seconds': round(elapsed, 2), 'migrate_seconds': round(migrated - started, 2),
        'size_mb': round(path.stat().st_size / 1e6, 1),
    }
    (out / 'facts.json').write_text(json.dumps(facts, indent=2))
    return facts


def _flush(conn: sqlite3.Connection, customers: list, convs: list, sessions: list, message_rows: list) -> None:
    """Write what has been built so far (parents before children) and empty the buffers."""
    conn.executemany(
        "INSERT INTO customer (id, email, name, phone, city, country, timezone, locale, accepts_email_marketing, "
        "accepts_sms_marketing, note, created_at) VALUES (?, ?, ?, '', '', '', '', '', 0, 0, '', ?)", customers)
    conn.executemany(
        "INSERT INTO conversation (id, customer_id, channel, status, assignee_id, unread, customer_online, started_at, "
        "last_message_at, last_message_preview, last_message_author, topics) "
        "VALUES (?, ?, 'chat', ?, ?, ?, 0, ?, ?, ?, ?, ?)", [row[:-1] for row in convs])
    conn.executemany("INSERT INTO reply_address (conversation_id, token_hash, created_at) VALUES (?, ?, ?)",
                     [(row[0], row[-1], row[6]) for row in convs])
    conn.executemany(
        "INSERT INTO chat_session (id, token_hash, customer_id, conversation_id, email, name, locale, timezone, "
        "identity_verified, online, last_seen_at, discount_code, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, '', '', 0, 0, ?, NULL, ?)", sessions)
    conn.executemany(
        "INSERT INTO message (id, conversation_id, session_id, author, staff_id, kind, body, payload, client_msg_id, "
        "topic, topic_confidence, delivery, created_at) VALUES (?, ?, ?, ?, ?, 'text', ?, '{}', ?, ?, ?, ?, ?)",
        message_rows)
    for buffer in (customers, convs, sessions, message_rows):
        buffer.clear()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--conversations', type=int, default=10_000, help='conversations (default 10,000)')
    parser.add_argument('--messages', type=int, default=10, help='messages per conversation (default 10)')
    parser.add_argument('--out', type=Path, help='output folder (default bench/.data/db-<N>x<M>)')
    parser.add_argument('--force', action='store_true', help='replace an existing database there')
    args = parser.parse_args(argv)
    if not 1 <= args.conversations <= 2_000_000 or not 1 <= args.messages <= 1000:
        parser.error('--conversations must be 1 to 2,000,000 and --messages 1 to 1,000')
    out = args.out or database_dir(args.conversations, args.messages)
    if (out / 'facts.json').exists() and not args.force:
        print(f'{out} exists (use --force to rebuild): {(out / "facts.json").read_text()}')
        return
    if out.exists() and args.force:
        shutil.rmtree(out)
    print(f'generating {args.conversations:,} conversations x {args.messages} messages into {out} ...', flush=True)
    facts = generate(out, args.conversations, args.messages)
    print(f'generated {facts["conversations"]:,} conversations and {facts["messages"]:,} messages '
          f'({facts["open"]:,} open, {facts["fts_rows"]:,} rows in message_fts, {facts["size_mb"]} MB) '
          f'in {facts["seconds"]:.1f} s (migrations {facts["migrate_seconds"]:.1f} s)')


if __name__ == '__main__':
    main()
