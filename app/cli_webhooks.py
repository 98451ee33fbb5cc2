"""`inbox webhooks add URL [--events ...] | list | remove ID` (W1): the Webhooks page's actions from the shell.

Whoever runs the server acts as the store's owner, so the services' permission checks still run; the secret of a
new endpoint is printed once, as the page shows it once."""
from __future__ import annotations

import argparse
from collections.abc import Callable

from app.settings import Settings


def add_parser(commands: argparse._SubParsersAction,  # type: ignore[type-arg]
               with_data_dir: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    from services.webhooks import EVENT_TYPES
    hooks = commands.add_parser('webhooks', help='add, list or remove webhook endpoints')
    actions = hooks.add_subparsers(dest='webhooks_command', required=True, metavar='ACTION')
    add = with_data_dir(actions.add_parser('add', help='add an endpoint and print its signing secret once'))
    add.add_argument('url', metavar='URL')
    add.add_argument('--events', nargs='+', metavar='EVENT', default=[e for e in EVENT_TYPES if e != 'rating.created'],
                     help=f'events to send (default: all but rating.created); any of {", ".join(EVENT_TYPES)}')
    add.add_argument('--allow-private', action='store_true',
                     help="allow an address on the shop's own network (loopback, private, link-local)")
    with_data_dir(actions.add_parser('list', help='list the endpoints with their last delivery'))
    remove = with_data_dir(actions.add_parser('remove', help='remove an endpoint and its delivery log'))
    remove.add_argument('endpoint_id', metavar='ID', type=int)


async def run(settings: Settings, args: argparse.Namespace) -> str:
    from sqlmodel import col, select

    from db.engine import open_database
    from db.models import Staff
    from services import webhooks
    from services.errors import Invalid

    database = open_database(settings.effective_database_url)
    try:
        async with database.sessions() as db:
            owner = (await db.exec(select(Staff).where(col(Staff.is_owner).is_(True), col(Staff.active).is_(True))
                                   .order_by(col(Staff.id)).limit(1))).first()
            if owner is None:
                raise Invalid('there is no active owner account (inbox create-staff --owner ...)')
            if args.webhooks_command == 'add':
                created = await webhooks.add_endpoint(db=db, staff=owner, url=args.url, events=args.events,
                                                      allow_private=args.allow_private)
                return (f'Added endpoint {created.endpoint.id}: {created.endpoint.url} '
                        f'({" ".join(created.endpoint.events)})\n'
                        f'Signing secret (shown only now): {created.secret}')
            if args.webhooks_command == 'remove':
                await webhooks.remove_endpoint(db=db, staff=owner, endpoint_id=args.endpoint_id)
                return f'Removed endpoint {args.endpoint_id}.'
            endpoints = await webhooks.list_endpoints(db=db, staff=owner)
            if not endpoints:
                return 'No webhook endpoints.'
            return '\n'.join(
                f'{e.id}\t{e.url}\t{"active" if e.active else "paused"}\t{" ".join(e.events)}\t'
                f'last: {e.last_status or "nothing sent yet"}'
                f'{f" ({e.last_status_code})" if e.last_status_code is not None else ""}\twaiting: {e.waiting}'
                for e in endpoints)
    finally:
        await database.dispose()
