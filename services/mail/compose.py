"""An outbox row → the e-mail a shopper gets: headers that thread, a text and an HTML part, the conversation so far."""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, Conversation, Customer, EmailOutbox, Message, RatingSurvey, Staff, Store
from services import locale_format, rating_links
from services.errors import NotFound
from services.i18n import SOURCE_LANGUAGE, _, language, normalize
from services.mail.config import MailConfig, reply_address
from services.mail.inbound_text import REPLY_MARKER
from services.views import CUSTOMER_VISIBLE_KINDS

HISTORY_MESSAGES = 10
MAX_REFERENCES = 20


@dataclass(frozen=True)
class MailLine:
    """One message as the shopper sees it in the e-mail."""
    author: str
    sent_at: datetime
    text: str
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MailContext:
    """Everything one e-mail is made of, loaded from the database in one place."""
    to_address: str
    customer_name: str
    customer_zone: str
    store_name: str
    storefront_url: str
    reply_token: str
    message_id_header: str
    sent_at: datetime
    reply: MailLine
    history: tuple[MailLine, ...]
    references: tuple[str, ...]
    language: str = 'en'
    """The shopper's language (their chat session's locale, else the customer's): the whole mail is written in it."""


def safe_link(url: object) -> str:
    """Only http(s) links make it into a mail."""
    text = str(url or '').strip()
    return text if text.lower().startswith(('https://', 'http://')) and len(text) <= 2000 else ''


def line_of(message: Message, author: str) -> MailLine:
    """A message's readable text; products, discounts and images become text plus safe links."""
    payload = dict(message.payload or {})
    parts = [message.body] if message.body else []
    links: list[tuple[str, str]] = []
    if message.kind == 'products':
        for product in payload.get('products', []) or []:
            if not isinstance(product, dict):
                continue
            title = str(product.get('title', '')).strip() or _('Product')
            price = str(product.get('price', '')).strip()
            url = safe_link(product.get('url'))
            parts.append(f'{title} {price}'.strip() + (f' <{url}>' if url else ''))
            if url:
                links.append((title, url))
    elif message.kind == 'discount':
        parts.append(_('Discount code: {code}', code=str(payload.get('code', ''))))
    elif message.kind == 'image':
        url = safe_link(payload.get('url'))
        parts.append(_('Image: {url}', url=url) if url else _('(an image)'))
        if url:
            links.append((_('Image'), url))
    return MailLine(author=author, sent_at=message.created_at, text='\n'.join(parts), links=tuple(links))


def thread_references(earlier: Sequence[tuple[int, str]]) -> tuple[str, ...]:
    """The Message-IDs this mail answers, oldest first: the first one and the newest ones (RFC 5322 3.6.4)."""
    ids = [header for _id, header in sorted(earlier) if header.startswith('<') and header.endswith('>')]
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1):]
    return tuple(dict.fromkeys(ids))


async def load_context(*, db: AsyncSession, row: EmailOutbox, reply_token: str,
                       mail: MailConfig | None = None) -> MailContext:
    """What the mail of this outbox row says; `reply_token` is the secret of its Reply-To address (one per mail,
    services/mail/reply_addresses.py). A survey (K2) says the rating prompt and its signed link, made with `mail`'s
    secret and public address."""
    message = await db.get(Message, row.message_id)
    conversation = await db.get(Conversation, row.conversation_id)
    if message is None or conversation is None:
        raise NotFound('The message of this e-mail no longer exists.')
    store = await db.get(Store, 1)
    customer = await db.get(Customer, conversation.customer_id)
    customer_name = (customer.name if customer else '') or ''
    store_name = store.name if store else 'Our store'
    lang = await mail_language(db, conversation, customer)

    rows = (await db.exec(
        select(Message, Staff.name).join(Staff, col(Message.staff_id) == Staff.id, isouter=True)
        .where(Message.conversation_id == conversation.id, col(Message.id) < message.id,
               col(Message.kind).in_(CUSTOMER_VISIBLE_KINDS), col(Message.author).in_(('customer', 'staff')))
        .order_by(col(Message.id).desc()).limit(HISTORY_MESSAGES))).all()
    staff_name = (await db.exec(select(Staff.name).where(Staff.id == message.staff_id))).first() or ''

    def author_of(item: Message, name: str | None) -> str:
        if item.author == 'customer':
            return customer_name or _('You')
        return f'{name or _("Staff")}, {store_name}'

    with language(lang):
        history = tuple(line_of(item, author_of(item, name)) for item, name in reversed(rows))
        if message.kind == 'survey':
            reply = await survey_line(db, message, store_name=store_name, mail=mail)
        else:
            reply = line_of(message, author_of(message, staff_name))

    earlier_mails = (await db.exec(select(EmailOutbox.message_id, EmailOutbox.message_id_header).where(
        EmailOutbox.conversation_id == conversation.id, col(EmailOutbox.message_id) < message.id))).all()
    customer_mails = (await db.exec(select(Message.id, Message.client_msg_id).where(
        Message.conversation_id == conversation.id, Message.author == 'customer',
        col(Message.session_id).is_(None), col(Message.client_msg_id).is_not(None),
        col(Message.id) < message.id))).all()
    references = thread_references([(i, h) for i, h in earlier_mails]
                                   + [(i, h or '') for i, h in customer_mails if i is not None])  # (ids: never None)

    return MailContext(
        to_address=row.to_address, customer_name=customer_name, customer_zone=customer.timezone if customer else '',
        store_name=store_name, storefront_url=safe_link(store.storefront_url if store else ''),
        reply_token=reply_token, message_id_header=row.message_id_header, sent_at=message.created_at,
        reply=reply, history=history, references=references, language=lang)


async def survey_line(db: AsyncSession, message: Message, *, store_name: str, mail: MailConfig | None) -> MailLine:
    """K2's rating request: the prompt and the signed link to the rating page (services/rating_links.py)."""
    survey = await db.get(RatingSurvey, int((message.payload or {}).get('survey_id') or 0))
    if survey is None or survey.id is None or mail is None:
        raise NotFound('The survey of this e-mail no longer exists.')
    url = rating_links.link(mail.public_url, rating_links.sign(mail.link_secret, survey_id=survey.id,
                                                                expires_at=survey.expires_at))
    label = _('Rate this conversation')
    text = '\n'.join([message.body, '', f'{label}: {url}', '',
                      _('The link works once, for {days} days.', days=(survey.expires_at - survey.created_at).days)])
    return MailLine(author=store_name, sent_at=message.created_at, text=text, links=((label, url),))


async def mail_language(db: AsyncSession, conversation: Conversation, customer: Customer | None) -> str:
    """The locale of the conversation's latest chat session that has one, else the customer's; English when we
    have no catalogue for it."""
    locale = (await db.exec(select(ChatSession.locale).where(ChatSession.conversation_id == conversation.id,
                                                             ChatSession.locale != '')
                            .order_by(col(ChatSession.id).desc()).limit(1))).first()
    return normalize(locale or (customer.locale if customer else '')) or SOURCE_LANGUAGE


def subject_for(store_name: str) -> str:
    """One subject per conversation, so every mail client files the replies in one thread."""
    return _('Your conversation with {store}', store=store_name)


def _when(moment: datetime, zone: str) -> str:
    try:
        tz = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    local = moment.astimezone(tz)
    return f'{locale_format.date_and_time(local)} ' + (zone if zone and tz is not UTC else 'UTC')


def _text_part(context: MailContext) -> str:
    out = [REPLY_MARKER, '', context.reply.text, '', f'— {context.reply.author}', '',
           _('Reply to this e-mail to answer us; your answer goes straight into our conversation.')]
    if context.history:
        out += ['', '-' * 40, _('Earlier in this conversation:'), '']
        for line in context.history:
            out += [f'{line.author} · {_when(line.sent_at, context.customer_zone)}', line.text, '']
    if context.storefront_url:
        out += ['', f'{context.store_name} · {context.storefront_url}']
    return '\n'.join(out).rstrip() + '\n'


def _html_text(text: str) -> str:
    return html.escape(text).replace('\n', '<br>\n')


def _html_links(line: MailLine) -> str:
    if not line.links:
        return ''
    items = ''.join(f'<li><a href="{html.escape(url, quote=True)}">{html.escape(title)}</a></li>'
                    for title, url in line.links)
    return f'<ul style="margin:6px 0 0 0;padding-left:18px">{items}</ul>'


def _html_part(context: MailContext) -> str:
    store = html.escape(context.store_name)
    parts = [
        f'<!doctype html><html lang="{context.language}"><head><meta charset="utf-8"></head>'
        '<body style="margin:0;padding:16px;font-family:-apple-system,Segoe UI,Roboto,Arial,sans-serif;'
        'color:#1c1917;background:#fafaf9">',
        f'<div style="color:#a8a29e;font-size:11px">{html.escape(REPLY_MARKER)}</div>',
        f'<div style="max-width:600px;margin:12px auto;background:#fff;border:1px solid #e7e5e4;'
        f'border-radius:12px;padding:20px"><div style="font-size:13px;color:#57534e;margin-bottom:12px">{store}</div>',
        f'<div style="font-size:15px;line-height:1.5">{_html_text(context.reply.text)}</div>'
        f'{_html_links(context.reply)}',
        f'<div style="font-size:13px;color:#57534e;margin-top:12px">— {html.escape(context.reply.author)}</div>',
        '<div style="font-size:12px;color:#78716c;margin-top:16px">'
        f'{html.escape(_("Reply to this e-mail to answer us; your answer goes straight into our conversation."))}'
        '</div></div>',
    ]
    if context.history:
        parts.append('<div style="max-width:600px;margin:12px auto;font-size:13px;color:#44403c">'
                     f'<div style="font-weight:600;margin-bottom:8px">'
                     f'{html.escape(_("Earlier in this conversation:"))}</div>')
        for line in context.history:
            parts.append(
                '<div style="border-left:3px solid #e7e5e4;padding:2px 0 2px 10px;margin-bottom:10px">'
                f'<div style="color:#78716c;font-size:12px">{html.escape(line.author)} · '
                f'{html.escape(_when(line.sent_at, context.customer_zone))}</div>'
                f'<div>{_html_text(line.text)}</div>{_html_links(line)}</div>')
        parts.append('</div>')
    if context.storefront_url:
        parts.append(f'<div style="max-width:600px;margin:12px auto;font-size:12px;color:#78716c">'
                     f'<a href="{html.escape(context.storefront_url, quote=True)}">{store}</a></div>')
    parts.append('</body></html>')
    return '\n'.join(parts)


def compose(*, context: MailContext, mail: MailConfig) -> EmailMessage:
    """The e-mail for one staff message. Same context → same headers; a resend has the same Message-ID (its
    Reply-To has a token of its own, and every one of them leads back to the conversation)."""
    with language(context.language):
        return _compose(context=context, mail=mail)


_CONTROL = re.compile(r'[\x00-\x1f\x7f\u2028\u2029]+')


def header_text(text: str) -> str:
    """Text from shoppers and settings made fit for one header line: line breaks and other control characters
    become spaces (a name with CR/LF made composing fail, and could have added headers of its own)."""
    return ' '.join(_CONTROL.sub(' ', text).split())


def _compose(*, context: MailContext, mail: MailConfig) -> EmailMessage:
    sender_name, sender_address = parseaddr(mail.mail_from)
    store_name = header_text(context.store_name)
    message = EmailMessage()
    message['From'] = formataddr((header_text(sender_name) or store_name, header_text(sender_address)))
    message['To'] = formataddr((header_text(context.customer_name), header_text(context.to_address)))
    message['Reply-To'] = formataddr((store_name,
                                      reply_address(reply_token=context.reply_token, domain=mail.reply_domain)))
    message['Subject'] = subject_for(store_name)
    message['Date'] = format_datetime(context.sent_at.astimezone(UTC))
    message['Message-ID'] = context.message_id_header
    if context.references:
        message['In-Reply-To'] = context.references[-1]
        message['References'] = ' '.join(context.references)
    message['X-Auto-Response-Suppress'] = 'OOF, AutoReply'
    message.set_content(_text_part(context))
    message.add_alternative(_html_part(context), subtype='html')
    return message


def compose_test_message(*, mail: MailConfig, store_name: str, to_address: str) -> EmailMessage:
    """The settings page's test e-mail."""
    sender_name, sender_address = parseaddr(mail.mail_from)
    store_name = header_text(store_name)
    message = EmailMessage()
    message['From'] = formataddr((header_text(sender_name) or store_name, header_text(sender_address)))
    message['To'] = header_text(to_address)
    message['Subject'] = _('Test e-mail from the {store} inbox', store=store_name)
    message['Date'] = format_datetime(datetime.now(UTC))
    message['Message-ID'] = make_msgid(idstring='test', domain=mail.reply_domain)
    message.set_content(_('This is a test e-mail from your inbox. If you can read it, replies to offline '
                          'customers will reach them.') + '\n')
    return message
