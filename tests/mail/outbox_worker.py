"""One outbox round in a process of its own: the crash test SIGKILLs it while the SMTP server stalls."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from db.engine import open_database  # noqa: E402
from services.events import EventBus  # noqa: E402
from services.mail.config import resolve_mail_config  # noqa: E402
from services.mail.outbox import deliver_due  # noqa: E402
from services.mail.transport import SmtpTransport  # noqa: E402


async def main(database_url: str, port: int) -> None:
    database = open_database(database_url)
    mail = resolve_mail_config(public_url='https://inbox.shop.test', mail_from='Nordic Knits <shop@shop.test>',
                               smtp_host='127.0.0.1', smtp_port=port, smtp_tls='none')
    transport = SmtpTransport(host='127.0.0.1', port=port, tls='none', timeout=300, helo_name='shop.test')
    print('delivering', flush=True)
    sent = await deliver_due(sessions=database.sessions, transport=transport, bus=EventBus(), mail=mail)
    print(f'sent {sent}', flush=True)
    await database.dispose()


if __name__ == '__main__':
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
