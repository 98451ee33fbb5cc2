"""The `inbox` command: serve, migrate, demo, create-staff, the imports, the privacy requests, ..."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from app.settings import Settings

DEMO_LOGIN_FILE = 'demo-login.txt'


class CliError(Exception):
    """A one-line message for the user; exit code 2."""


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    for name in ('host', 'port', 'data_dir'):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = '.'.join(str(p) for p in first.get('loc', ())) or 'setting'
        raise CliError(f'invalid {field}: {first.get("msg")}') from None
    try:
        settings.prepare_data_dir()
    except OSError as error:
        raise CliError(f'cannot use data dir {settings.data_dir}: {error.strerror}') from None
    return settings


def _migrate(settings: Settings) -> None:
    from db.migrate import upgrade
    upgrade(settings.effective_database_url)


async def _load_demo_if_empty(settings: Settings, *, required: bool) -> str | None:
    from app.demo import database_is_empty, load_demo
    from db.engine import open_database
    from services.passwords import hash_password

    database = open_database(settings.effective_database_url)
    try:
        async with database.sessions() as db:
            if not await database_is_empty(db):
                if required:
                    raise CliError('the database is not empty; demo data goes only into an empty database')
                return None
            login = await load_demo(db, hash_password=hash_password, uploads_dir=settings.uploads_dir)
    finally:
        await database.dispose()
    path = settings.data_dir / DEMO_LOGIN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write(f'email: {login.email}\npassword: {login.password}\n')
    return sign_in_line(settings) or ''


def sign_in_line(settings: Settings) -> str | None:
    """The demo owner's sign-in at the address this run serves (the file keeps only the e-mail and password, so
    a later `serve --port` or `INBOX_PUBLIC_URL` is what it prints)."""
    path = settings.data_dir / DEMO_LOGIN_FILE
    if not path.exists():
        return None
    fields = dict(line.split(': ', 1) for line in path.read_text().splitlines() if ': ' in line)
    if 'email' not in fields or 'password' not in fields:  # written by an older version: one sentence
        return path.read_text()
    return (f'Sign in at {settings.effective_public_url}/login as {fields["email"]} '
            f'with password {fields["password"]}\n')


async def _create_staff(settings: Settings, args: argparse.Namespace) -> str:
    from db.engine import open_database
    from services.errors import ServiceError
    from services.permissions import DEFAULT, Permission
    from services.staff import create_staff

    database = open_database(settings.effective_database_url)
    try:
        async with database.sessions() as db:
            staff = await create_staff(db=db, email=args.email, password=args.password, name=args.name,
                                       is_owner=args.owner,
                                       permissions=DEFAULT - {Permission.REPLY} if args.no_chat else DEFAULT)
    except ServiceError as error:
        raise CliError(error.message) from None
    finally:
        await database.dispose()
    return f'Created {"owner" if staff.is_owner else "staff member"} {staff.name} <{staff.email}>' + (
        '' if args.owner or not args.no_chat else ' without the chat permission')


async def _create_api_token(settings: Settings, email: str, name: str) -> str:
    from sqlmodel import select

    from db.engine import open_database
    from db.models import Staff
    from services.api_tokens import create_token
    from services.errors import ServiceError
    from services.staff import normalized_email

    database = open_database(settings.effective_database_url)
    try:
        async with database.sessions() as db:
            staff = (await db.exec(select(Staff).where(Staff.email == normalized_email(email)))).first()
            if staff is None or not staff.active:
                raise CliError(f'no active staff member with the e-mail {email}')
            made = await create_token(db=db, staff=staff, name=name)
    except ServiceError as error:
        raise CliError(error.message) from None
    finally:
        await database.dispose()
    return made.secret


async def _import_products(settings: Settings, path: Path) -> int:
    from db.engine import open_database
    from services.product_import import parse_products, save_products

    try:
        text = path.read_text(encoding='utf-8-sig')
    except FileNotFoundError:
        raise CliError(f'no such file: {path}') from None
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f'cannot read {path}: {error}') from None
    products, errors = await asyncio.to_thread(parse_products, text)
    total = len(products)

    def progress(done: int) -> None:
        if sys.stderr.isatty() or done == total:
            filled = int(30 * done / max(total, 1))
            print(f'\r[{"#" * filled}{"." * (30 - filled)}] {done}/{total} products', end='', file=sys.stderr)

    database = open_database(settings.effective_database_url)
    try:
        async with database.sessions() as db:
            report = await save_products(db=db, products=products, progress=progress)
    finally:
        await database.dispose()
    if total:
        print(file=sys.stderr)
    for line, reason in errors:
        print(f'{path.name}:{line}: {reason}', file=sys.stderr)
    report.errors = errors
    print(report.summary())
    return 1 if errors else 0


def _classify(settings: Settings, source: Path | None) -> int:
    """`inbox classify [FILE]`: JSON lines with "text" in, one JSON line per input out."""
    import json

    from services.classification import classify_lines, load

    classifier = load(settings.effective_topic_model_path)
    if classifier is None:
        raise CliError(f'no trained topic model at {settings.effective_topic_model_path}; run `inbox train`')
    try:
        handle = open(source, encoding='utf-8', errors='replace') if source else sys.stdin  # noqa: SIM115
    except OSError as error:
        raise CliError(f'cannot read {source}: {error.strerror}') from None
    with handle:
        for result in classify_lines(handle, classifier, threshold=settings.topic_threshold):
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + '\n')
    return 0


async def _train(settings: Settings) -> str:
    """Retrain with every staff correction; the new model is used only if no language loses precision
    (services/topic_training.py). A running server loads it before its next batch."""
    from db.engine import open_database
    from services.topic_training import judge_lines, retrain_locked

    database = open_database(settings.effective_database_url)
    try:
        result = await retrain_locked(database=database, model_path=settings.effective_topic_model_path,
                                      threshold=settings.topic_threshold)
    finally:
        await database.dispose()
    verdict = (f'Trained {result.record["version"]} with {result.record.get("corrections", 0)} staff corrections '
               f'into {settings.effective_topic_model_path}' if result.accepted else
               f'Kept the model in use: {result.reason}')
    return '\n'.join([verdict, *judge_lines(result)])


async def _import_store(settings: Settings, path: Path) -> int:
    import json

    from db.engine import open_database
    from services.store_import import import_store_data

    try:
        data = json.loads(path.read_text(encoding='utf-8'))
    except FileNotFoundError:
        raise CliError(f'no such file: {path}') from None
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f'cannot read {path}: {error}') from None
    except json.JSONDecodeError as error:
        raise CliError(f'{path.name}:{error.lineno}: not valid JSON ({error.msg})') from None
    database = open_database(settings.effective_database_url)
    try:
        async with database.sessions() as db:
            report = await import_store_data(db=db, data=data)
    finally:
        await database.dispose()
    for error in report.errors:
        print(f'{path.name}: {error}', file=sys.stderr)
    print(report.summary())
    return 1 if report.errors else 0


async def _erase_customer(settings: Settings, email: str) -> str:
    """G1 from the shell: whoever runs the server may erase (no staff member acts, so no permission check)."""
    from db.engine import open_database
    from services.customer_erasure import ErasureFiles, erase_and_clean_up
    from services.customers import customer_id_by_email
    from services.errors import ServiceError
    from services.events import EventBus

    database = open_database(settings.effective_database_url)
    try:
        async with database.sessions() as db:
            customer_id = await customer_id_by_email(db=db, email=email)
        report = await erase_and_clean_up(database=database, bus=EventBus(), customer_id=customer_id,
                                          files=ErasureFiles(uploads_dir=settings.uploads_dir,
                                                             mail_dir=settings.mail_dir))
    except ServiceError as error:
        raise CliError(error.message) from None
    finally:
        await database.dispose()
    logging.getLogger('services.customer_erasure').info(
        'customer %s erased from the command line: %d conversations, %d messages, %d files', customer_id,
        len(report.conversation_ids), report.messages_erased, report.files_removed)
    return (f'Erased customer {customer_id}: {len(report.conversation_ids)} conversations and '
            f'{report.messages_erased} messages kept without their texts, {report.files_removed} files removed')


async def _export_customer(settings: Settings, email: str, out: Path | None) -> str:
    """G2 from the shell: the JSON document on standard output, or written to --out (mode 600)."""
    from db.engine import open_database
    from services.audit import CLI
    from services.customer_export import collect, record_export, to_json
    from services.customers import customer_id_by_email
    from services.errors import ServiceError

    database = open_database(settings.effective_database_url)
    try:
        async with database.sessions() as db:
            customer_id = await customer_id_by_email(db=db, email=email)
            document = to_json(await collect(db=db, customer_id=customer_id))
            await record_export(db, actor=CLI, customer_id=customer_id)
    except ServiceError as error:
        raise CliError(error.message) from None
    finally:
        await database.dispose()
    if out is None:
        return document
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            handle.write(document)
    except OSError as error:
        raise CliError(f'cannot write {out}: {error.strerror}') from None
    return f'Wrote {out}\n'


def _migrate_to_postgres(settings: Settings, source: Path | None, target_url: str) -> int:
    from db.postgres_copy import CopyRefused, copy_sqlite_to_postgres
    path = source or settings.data_dir / 'inbox.db'
    try:
        counts = copy_sqlite_to_postgres(path, target_url)
    except CopyRefused as refused:
        raise CliError(str(refused)) from None
    differing = [count for count in counts if count.source != count.target]
    for count in differing:
        print(f'{count.table}: {count.source:,} rows in SQLite but {count.target:,} in PostgreSQL', file=sys.stderr)
    if differing:
        return 1
    print(f'Copied {sum(count.source for count in counts):,} rows in {len(counts)} tables; every count matches. '
          'Set INBOX_DATABASE_URL to the PostgreSQL URL and start `inbox serve`.')
    return 0


async def _audit_since(settings: Settings, since: date) -> str:
    """G4 from the shell: the audit events since that day (UTC midnight), oldest first, as CSV."""
    from db.engine import open_database
    from services import audit

    database = open_database(settings.effective_database_url)
    try:
        async with database.sessions() as db:
            rows = await audit.since(db, datetime.combine(since, datetime.min.time(), UTC))
    finally:
        await database.dispose()
    return audit.to_csv(rows)


async def _run_retention(settings: Settings) -> str:
    """G3 on demand from the shell (whoever runs the server; the audit row names `cli`)."""
    from db.engine import open_database
    from services import audit, retention
    from services.customer_erasure import ErasureFiles

    database = open_database(settings.effective_database_url)
    try:
        report = await retention.run_retention(
            database=database, bus=None, actor=audit.CLI,
            files=ErasureFiles(uploads_dir=settings.uploads_dir, mail_dir=settings.mail_dir))
    finally:
        await database.dispose()
    if report is None:
        return 'Retention is off: nothing erased (switch it on in the store settings).'
    return (f'Erased the texts of {report.messages} messages in {report.conversations} conversations closed before '
            f'{report.cutoff.isoformat()} ({report.files_removed} files removed).')


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'not a day (YYYY-MM-DD): {text!r}') from None


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'not a port number: {text!r}') from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f'port must be 1 to 65535, not {value}')
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog='inbox', description='A self-hosted customer inbox for small merchants.')
    commands = root.add_subparsers(dest='command', required=True, metavar='COMMAND')

    def with_data_dir(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument('--data-dir', type=Path, help='data directory (default: $INBOX_DATA_DIR or ./data)')
        return sub

    serve = with_data_dir(commands.add_parser('serve', help='migrate, then serve the inbox'))
    serve.add_argument('--host', help='address to listen on (default 127.0.0.1)')
    serve.add_argument('--port', type=_port, help='port (default 8080)')
    serve.add_argument('--demo-if-empty', action='store_true', help='load the demo store into an empty database')
    cluster = with_data_dir(commands.add_parser(
        'cluster', help='migrate, then serve with several processes on PostgreSQL behind HAProxy'))
    cluster.add_argument('--processes', type=int, default=2, help='inbox processes (2 to 16, default 2)')
    cluster.add_argument('--host', help='address HAProxy listens on (default 127.0.0.1)')
    cluster.add_argument('--port', type=_port, help='port HAProxy listens on (default 8080)')
    with_data_dir(commands.add_parser('migrate', help='bring the database schema up to date'))
    with_data_dir(commands.add_parser('demo', help='load the demo store into an empty database'))
    staff = with_data_dir(commands.add_parser('create-staff', help='add a staff account'))
    staff.add_argument('--email', required=True)
    staff.add_argument('--password', required=True)
    staff.add_argument('--name', required=True)
    staff.add_argument('--owner', action='store_true', help='the store owner')
    staff.add_argument('--no-chat', action='store_true', help='without the online-store chat permission')
    api_token = commands.add_parser('api-token', help='personal tokens of the staff API (W2)')
    api_token_commands = api_token.add_subparsers(dest='api_token_command', required=True, metavar='ACTION')
    api_token_create = with_data_dir(api_token_commands.add_parser(
        'create', help="make a token for a staff member; prints it once (only its hash is kept)"))
    api_token_create.add_argument('--staff', required=True, metavar='EMAIL', help="the staff member's e-mail")
    api_token_create.add_argument('--name', required=True, help='what the token is for, e.g. "order sync"')
    products = with_data_dir(commands.add_parser(
        'import-products', help='import a product CSV export (upsert by handle; bad rows are reported)'))
    products.add_argument('file', type=Path, metavar='FILE.csv')
    store_data = with_data_dir(commands.add_parser(
        'import-store', help='import customers and orders from the JSON format in the README'))
    store_data.add_argument('file', type=Path, metavar='FILE.json')
    classify = with_data_dir(commands.add_parser('classify', help='tag JSON lines {"text": ...} with topics'))
    classify.add_argument('file', nargs='?', type=Path, metavar='FILE', help='default: standard input')
    with_data_dir(commands.add_parser('train', help='train the topic model on the corpus and staff corrections'))
    erase = with_data_dir(commands.add_parser(
        'erase-customer', help="erase a customer's personal data and message texts (keeps the conversations)"))
    erase.add_argument('email', metavar='EMAIL')
    erase.add_argument('--yes', action='store_true', help='required: erasing cannot be undone')
    export = with_data_dir(commands.add_parser(
        'export-customer', help='everything stored about a customer as one JSON document (docs/privacy.md)'))
    export.add_argument('email', metavar='EMAIL')
    export.add_argument('--out', type=Path, metavar='FILE', help='write it here (default: standard output)')
    from app import cli_webhooks
    cli_webhooks.add_parser(commands, with_data_dir)
    audit_log = with_data_dir(commands.add_parser('audit', help='the audit log (G4) since a day, as CSV'))
    audit_log.add_argument('--since', type=_day, required=True, metavar='YYYY-MM-DD', help='from this day (UTC)')
    keeping = commands.add_parser('retention', help='G3: erase message texts as the retention setting says')
    keeping_commands = keeping.add_subparsers(dest='retention_command', required=True, metavar='ACTION')
    with_data_dir(keeping_commands.add_parser('run', help='erase what is due now (the daily run, on demand)'))
    to_postgres = with_data_dir(commands.add_parser(
        'migrate-to-postgres', help="copy the shop's SQLite database into a new, empty PostgreSQL database"))
    to_postgres.add_argument('--to', required=True, metavar='URL', help='postgresql+asyncpg://user:password@host/db')
    to_postgres.add_argument('--from', dest='source', type=Path, metavar='FILE.db',
                             help='the SQLite database (default: inbox.db in the data directory)')
    return root


def run(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    os.umask(0o077)  # the database, mail, uploads and secrets are the merchant's: readable by this user only
    try:
        settings = _settings(args)
        if args.command == 'migrate-to-postgres':
            return _migrate_to_postgres(settings, args.source, args.to)
        _migrate(settings)
        if args.command == 'migrate':
            print(f'Database is up to date ({settings.data_dir}).')
        elif args.command == 'demo':
            print(asyncio.run(_load_demo_if_empty(settings, required=True)), end='')
        elif args.command == 'create-staff':
            print(asyncio.run(_create_staff(settings, args)))
        elif args.command == 'api-token':
            print(asyncio.run(_create_api_token(settings, args.staff, args.name)))
        elif args.command == 'import-store':
            return asyncio.run(_import_store(settings, args.file))
        elif args.command == 'classify':
            return _classify(settings, args.file)
        elif args.command == 'train':
            print(asyncio.run(_train(settings)))
        elif args.command == 'erase-customer':
            if not args.yes:
                raise CliError('erasing cannot be undone: add --yes to erase ' + args.email)
            print(asyncio.run(_erase_customer(settings, args.email)))
        elif args.command == 'export-customer':
            print(asyncio.run(_export_customer(settings, args.email, args.out)), end='')
        elif args.command == 'retention':
            print(asyncio.run(_run_retention(settings)))
        elif args.command == 'audit':
            print(asyncio.run(_audit_since(settings, args.since)), end='')
        elif args.command == 'import-products':
            return asyncio.run(_import_products(settings, args.file))
        elif args.command == 'webhooks':
            from app import cli_webhooks
            from services.errors import ServiceError
            try:
                print(asyncio.run(cli_webhooks.run(settings, args)))
            except ServiceError as error:
                raise CliError(error.message) from None
        elif args.command == 'cluster':
            from app.cluster import ClusterError, run_cluster
            try:
                return run_cluster(settings, args.processes)
            except ClusterError as error:
                raise CliError(str(error)) from None
        elif args.command == 'serve':
            loaded = asyncio.run(_load_demo_if_empty(settings, required=False)) if args.demo_if_empty else None
            print(f'Inbox: {settings.effective_public_url}/inbox   Store: {settings.effective_public_url}/store')
            if loaded:  # the password is printed once, when it is made; later starts say where it is kept
                print(sign_in_line(settings) or '', end='')
            elif (settings.data_dir / DEMO_LOGIN_FILE).exists():
                print(f'The demo owner\'s sign-in is in {settings.data_dir / DEMO_LOGIN_FILE}')
            sys.stdout.flush()
            from app.main import serve
            serve(settings)
    except CliError as error:
        print(f'inbox: error: {error}', file=sys.stderr)
        return 2
    return 0


def main() -> None:
    sys.exit(run())


if __name__ == '__main__':
    main()
