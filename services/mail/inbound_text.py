"""A raw e-mail → what the inbox keeps of it: the reply+<token>@ tokens it is addressed to, its key for repeats, the
sender, the subject and only the new text.

The plain part is preferred (HTML is turned into text with the stdlib parser), and quoted history is cut off: `>`
lines, "On ... wrote:" lines in several languages, "-----Original Message-----" blocks, Outlook's "From: / Sent:"
header blocks, our own reply marker, signatures after "-- " and "Sent from my phone" lines.

Only the standard library (and services.errors): a worker process imports this module alone.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from services.errors import Invalid

MAX_TEXT = 100_000
"""Characters of a mail's text searched for its new part; a reply is kept to far fewer anyway (`max_body`)."""
REPLY_MARKER = '##- Please type your reply above this line -##'
"""Everything below this line in a customer's answer is our own mail quoted back (services/mail/compose.py writes
it); it is cut off here."""

ADDRESS_HEADERS = ('Delivered-To', 'X-Original-To', 'Envelope-To', 'To', 'Cc')
REPLY_LOCAL_PART = re.compile(r'^reply\+([A-Za-z0-9_-]{16,64})$', re.IGNORECASE)

# "On <date>, <name> wrote:" in en, da, de, fi, nl, it (and fr, es, sv, no): the verb, a date, a colon at the end.
_WROTE = r'(?:wrote|skrev|schrieb|kirjoitti|schreef|ha scritto|hanno scritto|a écrit|escribió|написал)'
_INTRO = r'(?:On|Den|Am|Op|Il|Le|El|Em)'
_ATTRIBUTION = re.compile(
    rf'^\s*(?=.*\d)(?:(?:{_INTRO}\b.{{0,250}}|.{{0,250}}@.{{0,100}})\b{_WROTE}\b.{{0,200}}|.{{0,250}}\b{_WROTE}\s*):\s*$',
    re.IGNORECASE)
_ORIGINAL = re.compile(
    r'^\s*-{2,}\s*(?:Original Message|Oprindelig meddelelse|Ursprüngliche Nachricht|Originalnachricht|'
    r'Alkuperäinen viesti|Oorspronkelijk bericht|Origineel bericht|Messaggio originale|Message d\'origine|'
    r'Mensaje original|Forwarded message|Videresendt meddelelse|Weitergeleitete Nachricht|'
    r'Välitetty viesti|Doorgestuurd bericht|Messaggio inoltrato)\s*-{2,}\s*$', re.IGNORECASE)
_HEADER_FROM = re.compile(r'^\s*\*?(?:From|Fra|Von|Lähettäjä|Van|Da|De|Från)\s*:\*?\s*\S', re.IGNORECASE)
_HEADER_NEXT = re.compile(r'^\s*\*?(?:Sent|Date|Sendt|Dato|Gesendet|Datum|Lähetetty|Päivämäärä|Verzonden|Inviato|'
                          r'Data|Envoyé|Enviado|Skickat)\s*:', re.IGNORECASE)
_MOBILE = re.compile(r'^\s*(?:Sent from my \S.*|Sent from (?:Outlook|Mail) for \S.*|Get Outlook for \S.*|'
                     r'Sendt fra min \S.*|Sendt fra \S+ til \S.*|Von meinem \S.* gesendet|Gesendet von meinem \S.*|'
                     r'Gesendet mit der \S.*|Lähetetty \S.*(?:iPhone|iPad|Android|puhelimesta|laitteesta)\S*|'
                     r'Verzonden (?:vanaf|met) mijn \S.*|Verstuurd vanaf mijn \S.*|Inviato da(?:l mio)? \S.*)$',
                     re.IGNORECASE)
_UNDERSCORES = re.compile(r'^\s*_{20,}\s*$')


def parse_email(raw: bytes) -> EmailMessage:
    if not raw or not raw.strip():
        raise Invalid('The e-mail is empty.', code='unparseable_email')
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as error:  # noqa: BLE001 - the parser is lenient; anything it still refuses is bad input
        raise Invalid('The e-mail could not be read.', code='unparseable_email') from error
    assert isinstance(message, EmailMessage)
    if not message.keys():
        raise Invalid('The e-mail has no headers.', code='unparseable_email')
    return message


def _header_values(message: EmailMessage, name: str) -> list[str]:
    try:
        return [str(value) for value in message.get_all(name, [])]
    except Exception:  # noqa: BLE001 - a header too broken to read just does not count
        return []


def reply_tokens(message: EmailMessage, envelope_to: Sequence[str] = ()) -> list[str]:
    """Tokens of reply+<token>@ addresses: the SMTP envelope first, then Delivered-To, To and Cc."""
    candidates = list(envelope_to)
    for name in ADDRESS_HEADERS:
        candidates += [address for _name, address in getaddresses(_header_values(message, name))]
    tokens: list[str] = []
    for address in candidates:
        local = parseaddr(address)[1].rpartition('@')[0] if '<' in address else address.rpartition('@')[0]
        match = REPLY_LOCAL_PART.match(local.strip())
        if match and match.group(1) not in tokens:
            tokens.append(match.group(1))
    return tokens


class _HtmlText(HTMLParser):
    """HTML → plain text: block tags become line breaks, quoted blocks and scripts are dropped."""
    VOID = frozenset({'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source',
                      'track', 'wbr'})
    BLOCK = frozenset({'p', 'div', 'tr', 'table', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section',
                       'article', 'header', 'footer', 'pre', 'address', 'dl', 'dt', 'dd', 'center'})
    DROP = frozenset({'script', 'style', 'head', 'title', 'blockquote', 'template', 'noscript'})
    DROP_CLASSES = ('gmail_quote', 'gmail_extra', 'moz-cite-prefix', 'yahoo_quoted', 'protonmail_quote')
    STOP_IDS = ('divrplyfwdmsg', 'appendonsend', 'mail-editor-reference-message-container')

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.skip_depth: int | None = None
        self.stopped = False
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        values = {name: (value or '') for name, value in attrs}
        if values.get('id', '').lower() in self.STOP_IDS:
            self.stopped = True  # Outlook: everything from its reply header on is the quoted original
            return
        if tag in self.VOID:
            self._void(tag)
            return
        self.stack.append(tag)
        if self.skip_depth is not None:
            return
        classes = values.get('class', '').lower()
        if tag in self.DROP or any(name in classes for name in self.DROP_CLASSES):
            self.skip_depth = len(self.stack)
            return
        if tag == 'pre':
            self.pre += 1
        if tag == 'li':
            self.out.append('\n- ')
        elif tag in ('td', 'th'):
            self.out.append(' ')
        elif tag in self.BLOCK:
            self.out.append('\n\n' if tag == 'p' else '\n')

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            if not self.stopped and self.skip_depth is None:
                self._void(tag)
            return
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def _void(self, tag: str) -> None:
        if self.skip_depth is None and tag in ('br', 'hr'):
            self.out.append('\n')

    def handle_endtag(self, tag: str) -> None:
        if self.stopped or tag in self.VOID or tag not in self.stack:
            return
        while self.stack:
            top = self.stack.pop()
            if self.skip_depth is not None and len(self.stack) < self.skip_depth:
                self.skip_depth = None
            elif self.skip_depth is None and top == 'pre':
                self.pre = max(0, self.pre - 1)
            if top == tag:
                break
        if self.skip_depth is None and tag in self.BLOCK:
            self.out.append('\n\n' if tag == 'p' else '\n')

    def handle_data(self, data: str) -> None:
        if self.stopped or self.skip_depth is not None:
            return
        self.out.append(data if self.pre else re.sub(r'\s+', ' ', data))

    def text(self) -> str:
        lines = [line.strip() for line in ''.join(self.out).replace('\xa0', ' ').split('\n')]
        return re.sub(r'\n{3,}', '\n\n', '\n'.join(lines)).strip()


def html_to_text(markup: str) -> str:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return parser.text()


def _quoted(depth: int, text: str) -> str:
    return f'{">" * depth} {text}' if depth else text


def unflow(text: str, *, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines (of the same quote depth) back into paragraphs."""
    out: list[str] = []
    pending: tuple[int, str] | None = None
    for line in text.split('\n'):
        if line == '-- ':  # the signature separator is never a soft break
            if pending:
                out.append(_quoted(*pending))
                pending = None
            out.append(line)
            continue
        depth = len(line) - len(line.lstrip('>'))
        content = line[depth:]
        if content.startswith(' '):
            content = content[1:]  # space-stuffing
        if pending and pending[0] != depth:
            out.append(_quoted(*pending))
            pending = None
        joined = (pending[1] if pending else '') + content
        if content.endswith(' '):
            pending = (depth, joined[:-1] if delsp else joined)
        else:
            out.append(_quoted(depth, joined))
            pending = None
    if pending:
        out.append(_quoted(*pending))
    return '\n'.join(out)


def body_text(message: EmailMessage) -> str:
    """The readable text: the plain part when there is one, else the HTML part as text."""
    part = message.get_body(preferencelist=('plain', 'html'))
    if part is None:
        return ''
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, KeyError):
        payload = part.get_payload(decode=True)
        content = payload.decode('utf-8', 'replace') if isinstance(payload, bytes) else str(payload or '')
    if not isinstance(content, str):
        return ''
    content = content.replace('\r\n', '\n').replace('\r', '\n')
    if part.get_content_type() == 'text/html':
        return html_to_text(content)
    if str(part.get_param('format', '')).lower() == 'flowed':
        content = unflow(content, delsp=str(part.get_param('delsp', '')).lower() == 'yes')
    return content


_WROTE_LINE = re.compile(rf'^.{{0,250}}\b{_WROTE}\s*:\s*$', re.IGNORECASE)


def _is_attribution(lines: list[str], index: int, following: str) -> bool:
    """`following` is the next line after `index` that is not blank ('' when there is none)."""
    line = lines[index]
    if _ATTRIBUTION.match(line):
        return True
    if _WROTE_LINE.match(line) and following.lstrip().startswith('>'):
        return True  # "... wrote:" directly above quoted lines, even without a date
    # Mail clients wrap a long "On ... wrote:" line; only join when the next line is not a header by itself.
    if index + 1 < len(lines) and lines[index + 1].strip() and not _ATTRIBUTION.match(lines[index + 1]):
        return bool(_ATTRIBUTION.match(f'{line.rstrip()} {lines[index + 1].strip()}')) and \
            bool(re.match(rf'^\s*{_INTRO}\b', line, re.IGNORECASE) or line.rstrip().endswith('<'))
    return False


def _is_header_block(lines: list[str], index: int) -> bool:
    if not _HEADER_FROM.match(lines[index]):
        return False
    following = [line for line in lines[index + 1:index + 8] if line.strip()]
    return any(_HEADER_NEXT.match(line) for line in following[:4])


def _next_non_blank(lines: list[str]) -> list[str]:
    """For each line, the next line after it that is not blank: one pass from the end, so that finding the history
    stays linear in the number of lines (a mail of 20,000 blank lines once took seconds)."""
    following = [''] * len(lines)
    seen = ''
    for index in range(len(lines) - 1, -1, -1):
        following[index] = seen
        if lines[index].strip():
            seen = lines[index]
    return following


def history_starts(lines: list[str]) -> int:
    """The index of the first line of quoted history or signature (len(lines) when there is none)."""
    following = _next_non_blank(lines)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if REPLY_MARKER in line or line.rstrip('\n') in ('-- ', '--') or _ORIGINAL.match(line) or \
                _MOBILE.match(line) or _is_attribution(lines, index, following[index]) or \
                _is_header_block(lines, index):
            return index
        if _UNDERSCORES.match(stripped) and any(_HEADER_FROM.match(n) for n in lines[index + 1:index + 3]):
            return index
    return len(lines)


def strip_quoted(text: str) -> str:
    """The new text of an answer: history, signatures and `>` lines removed, blank runs squeezed."""
    lines = text.replace('\r\n', '\n').replace('\r', '\n').split('\n')
    lines = lines[:history_starts(lines)]
    kept = [line.rstrip() for line in lines if not line.lstrip().startswith('>')]
    return re.sub(r'\n{3,}', '\n\n', '\n'.join(kept)).strip()


def mail_key(message: EmailMessage, raw: bytes, *, max_length: int) -> str:
    """What makes a mail "the same mail twice": its Message-ID (hashed when longer than the column), else its bytes."""
    message_id = ' '.join(_header_values(message, 'Message-ID')[:1]).strip()
    if message_id and len(message_id) <= max_length:
        return message_id
    digest = hashlib.sha256(message_id.encode('utf-8', 'replace') if message_id else raw).hexdigest()
    return f'sha256:{digest}'[:max_length]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + '…'


@dataclass(frozen=True)
class ReadEmail:
    tokens: list[str]
    key: str
    text: str
    sender: str
    subject: str


def read_email(raw: bytes, envelope_to: Sequence[str] = (), *, max_body: int, max_key: int) -> ReadEmail:
    """Everything receive_email needs of the raw mail: its new text cut to `max_body` characters, its key for
    repeats cut to `max_key`. Linear in its size and at most MAX_TEXT characters of text are searched for history,
    but still CPU (about 70 ms for a 1 MB mail): the inbox runs it in a worker process (services/mail/mail_reader.py),
    since a thread would hold the interpreter lock away from the event loop as long."""
    message = parse_email(raw)
    text = body_text(message)[:MAX_TEXT]
    return ReadEmail(tokens=reply_tokens(message, envelope_to), key=mail_key(message, raw, max_length=max_key),
                     text=_shorten(strip_quoted(text), max_body),
                     sender=parseaddr(' '.join(_header_values(message, 'From')[:1]))[1],
                     subject=' '.join(_header_values(message, 'Subject')[:1]))
