"""Only the customer's new words are kept: quoted history, attributions, signatures and HTML are stripped."""
from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation, Message
from services.errors import Invalid
from services.events import EventBus
from services.mail.inbound import receive_email
from services.mail.inbound_text import REPLY_MARKER, history_starts, html_to_text, read_email, strip_quoted
from services.mail.reply_addresses import issue_reply_token
from services.messages import MAX_BODY, MAX_CLIENT_MSG_ID
from tests.mail.conftest import offline_shopper

QUOTE = '> Which size do you need?\n> \n> — Ana, Nordic Knits\n'


@pytest.mark.parametrize('attribution', [
    'On Tue, 4 Jun 2024 at 10:04, Nordic Knits <shop@shop.test> wrote:',
    'Den tirs. 4. jun. 2024 kl. 10.04 skrev Nordic Knits <shop@shop.test>:',
    'Am 04.06.2024 um 10:04 schrieb Nordic Knits <shop@shop.test>:',
    'ti 4.6.2024 klo 10.04 Nordic Knits (<shop@shop.test>) kirjoitti:',
    'Op di 4 jun 2024 om 10:04 schreef Nordic Knits <shop@shop.test>:',
    'Il giorno mar 4 giu 2024 alle ore 10:04 Nordic Knits <shop@shop.test> ha scritto:',
    'On Tue, 4 Jun 2024 at 10:04, Nordic Knits <\nshop@shop.test> wrote:',  # wrapped by the client
])
def test_attribution_lines_in_six_languages_end_the_new_text(attribution: str) -> None:
    text = f'Size M, please.\nThank you!\n\n{attribution}\n{QUOTE}'
    assert strip_quoted(text) == 'Size M, please.\nThank you!'


@pytest.mark.parametrize('tail', [
    '-----Original Message-----\nFrom: Nordic Knits\nSent: Tuesday\n\nWhich size?',
    '-----Ursprüngliche Nachricht-----\nVon: Nordic Knits\n\nWelche Größe?',
    'From: Nordic Knits <shop@shop.test>\nSent: Tuesday, June 4, 2024 10:04 AM\nTo: Sara\nSubject: Re\n\nWhich?',
    'Fra: Nordic Knits <shop@shop.test>\nSendt: 4. juni 2024 10:04\nTil: Sara\n\nHvilken?',
    '-- \nSara Lind\nCopenhagen',
    'Sent from my iPhone',
    '________________________________\nFrom: Nordic Knits <shop@shop.test>\nSent: Tuesday',
    f'{REPLY_MARKER}\n\nWhich size do you need?',
])
def test_forwarded_blocks_signatures_and_our_marker_are_cut(tail: str) -> None:
    assert strip_quoted(f'Size M, please.\n\n{tail}') == 'Size M, please.'


def test_ordinary_text_that_looks_a_bit_like_headers_is_kept() -> None:
    text = 'I wrote to you on 3 May: nothing arrived.\nShipping from: Copenhagen\nTo: Berlin?\n> not this'
    assert strip_quoted(text) == 'I wrote to you on 3 May: nothing arrived.\nShipping from: Copenhagen\nTo: Berlin?'


def test_html_becomes_text_without_the_quoted_part_or_scripts() -> None:
    markup = ('<html><head><style>p{color:red}</style></head><body><div dir="ltr">Size <b>M</b> &amp; '
              'blue<br>Sara<script>alert(1)</script></div><div class="gmail_quote"><div class="gmail_attr">On Tue, '
              '4 Jun 2024 Nordic Knits wrote:</div><blockquote class="gmail_quote">Which size?<div>nested</div>'
              '</blockquote></div></body></html>')
    assert html_to_text(markup) == 'Size M & blue\nSara'


def mail_to(token: str, *, plain: str | None = None, html: str | None = None,
            message_id: str = '<a1@mail.example.com>') -> bytes:
    message = EmailMessage()
    message['From'] = 'sara@example.com'
    message['To'] = f'Nordic Knits <reply+{token}@shop.test>'
    message['Subject'] = 'Re: Your conversation'
    message['Message-ID'] = message_id
    if plain is not None:
        message.set_content(plain)
        if html is not None:
            message.add_alternative(html, subtype='html')
    elif html is not None:
        message.set_content(html, subtype='html')
    return message.as_bytes()


async def conversation_of(db: AsyncSession) -> tuple[Conversation, str]:
    """A shopper's conversation and the reply token of a mail sent to them."""
    session = await offline_shopper(db)
    conversation = await db.get(Conversation, session.conversation_id)
    assert conversation is not None and conversation.id is not None
    token = issue_reply_token(db, conversation_id=conversation.id)
    await db.commit()
    return conversation, token


async def test_html_only_mail_is_stored_as_text(db: AsyncSession) -> None:
    conversation, token = await conversation_of(db)
    view = await receive_email(db=db, bus=EventBus(), raw=mail_to(token, html=(
        '<p>Is the <i>blue</i> one &lt;in stock&gt;?</p><blockquote>old stuff</blockquote>')))
    assert view.body == 'Is the blue one <in stock>?' and view.conversation_id == conversation.id


async def test_plain_part_is_preferred_and_the_same_mail_twice_is_stored_once(db: AsyncSession) -> None:
    conversation, token = await conversation_of(db)
    bus = EventBus()
    seen: list[int] = []
    bus.message_created.subscribe(lambda view: seen.append(view.id))
    raw = mail_to(token, plain='Plain words', html='<p>HTML words</p>')
    first = await receive_email(db=db, bus=bus, raw=raw)
    second = await receive_email(db=db, bus=bus, raw=raw)
    assert first.body == 'Plain words' and second.id == first.id and seen == [first.id]
    count = (await db.exec(select(func.count()).select_from(Message).where(
        Message.conversation_id == conversation.id, Message.author == 'customer'))).one()
    assert count == 2  # the chat message and one e-mail


async def test_a_mail_with_nothing_but_quotes_is_refused(db: AsyncSession) -> None:
    conversation, token = await conversation_of(db)
    with pytest.raises(Invalid):
        await receive_email(db=db, bus=EventBus(), raw=mail_to(token, plain=f'\n{QUOTE}'))
    bodies = (await db.exec(select(Message.body).where(Message.conversation_id == conversation.id)
                            .order_by(col(Message.id)))).all()
    assert bodies == ['Is the jumper wool?']


async def test_a_relay_that_changes_the_case_of_the_address_still_finds_the_conversation(db: AsyncSession) -> None:
    conversation, token = await conversation_of(db)
    raw = mail_to(token, plain='upper-cased relay').replace(token.encode(), token.upper().encode())
    view = await receive_email(db=db, bus=EventBus(), raw=raw)
    assert view.conversation_id == conversation.id


def test_a_wrote_line_without_a_date_above_quoted_lines_is_history() -> None:
    from services.mail.inbound_text import strip_quoted
    assert strip_quoted('Yes please!\n\nOn Tue, the shop wrote:\n> Shall I reserve one?\n') == 'Yes please!'
    assert strip_quoted('The shop wrote: nothing here\nthanks') == 'The shop wrote: nothing here\nthanks'


class CountingLines(list[str]):
    """A list of lines that counts how many lines its slices copy."""

    copied = 0

    def __getitem__(self, index):  # type: ignore[no-untyped-def,override]
        found = super().__getitem__(index)
        if isinstance(index, slice):
            CountingLines.copied += len(found)
        return found


@pytest.mark.parametrize('filler', ['', 'more words', '> quoted'])
def test_finding_the_history_is_linear_in_the_number_of_lines(filler: str) -> None:
    """20,000 lines once cost ~200 million copied lines (4.5 s on the event loop): one mail stalled everyone."""
    lines = CountingLines(['Thanks!', *[filler] * 20_000, 'On Tue, 4 Jun 2024 at 10:04, Ana <a@shop.test> wrote:'])
    CountingLines.copied = 0
    assert history_starts(lines) in (1, len(lines) - 1)
    assert CountingLines.copied <= 10 * len(lines)


def test_only_the_first_part_of_a_huge_mail_is_searched_and_the_reply_is_capped() -> None:
    mail = EmailMessage()
    mail['From'], mail['To'], mail['Subject'] = 'a@example.com', 'reply+abcdefghijklmnop@shop.test', 'Re'
    mail.set_content('Size M.\n' + 'x' * 400_000)
    read = read_email(mail.as_bytes(), max_body=MAX_BODY, max_key=MAX_CLIENT_MSG_ID)
    assert read.tokens == ['abcdefghijklmnop']
    assert read.text.startswith('Size M.') and len(read.text) <= 5000
