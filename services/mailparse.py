"""Reading one received email: who sent it, what it answers, what the person actually wrote.

Pure functions, no database. parse_email() either returns a ParsedEmail or raises Unreadable
with a reason for the quarantine; any MIME, charset or header damage ends there, never in a
traceback. The reply text is the readable body (text/plain, else HTML turned into text) with the
quoted history and the signature removed by mail-parser-reply.
"""
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr
import contextlib
import re
import unicodedata

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE
import html2text

from services.i18n import deferred
from services.text import clean_text, one_line

MAX_TEXT = 200_000        # characters of body text looked at; the rest of a giant email is not read
MAX_ATTACHMENTS = 50
# European Portuguese, in the shape of mail-parser-reply's own languages (constants.MAIL_LANGUAGES), ready to offer
# upstream: Gmail's "Em seg., 30/11/2026 às 10:02, Nome <a@b> escreveu:", Apple Mail's "A 30/11/2026, às 10:02, ...
# escreveu:", Outlook's De/Enviado/Para/Assunto block (and a phone's "-------- Mensagem original --------" with
# De/Data/Para/Assunto), "Enviado do meu iPhone" / "Enviado do meu smartphone Samsung Galaxy.", the usual sign-offs.
PORTUGUESE = {
    'wrote_header': r'^(?!(?:Em|A)[.\s]*(?:Em|A)\s(.+?\s?.+?)\sescreveu:)('
                    + QUOTED_MATCH_INCLUDE
                    + r'(?:Em|A|No dia)\s(?:.+?\s?.+?)\s?escreveu:)$',
    'from_header': r'((?:(?:^|\n|\n'
                   + QUOTED_MATCH_INCLUDE
                   + r')[* ]*(?:De|Enviado|Enviada|Para|Assunto|Data|Cc|Organiza\u00e7\u00e3o):[ *]*(?:\s{,2}).*){2,}'
                     r'(?:\n.*){,1})',
    'disclaimers': [
        r'(?:Aviso|Nota) de [Cc]onfidencialidade:',
        'AVISO:',
        'Confidencial:',
    ],
    'signatures': [
        'Com os (?:melhores|meus) cumprimentos',
        'Melhores cumprimentos',
        'Cumprimentos,',
        'Atenciosamente',
    ],
    'sent_from': 'Enviado do meu|Enviado a partir do meu|Obter o Outlook para',
}
MAIL_LANGUAGES.setdefault('pt', PORTUGUESE)
REPLY_LANGUAGES = ['en', 'pt', 'de', 'fr', 'es', 'it', 'nl', 'sv', 'da', 'pl', 'cs']
TOKEN = re.compile(r'(?:^|[\s<,;:"])reply\+([A-Za-z0-9_-]{16,64})@', re.IGNORECASE)
MESSAGE_ID = re.compile(r'<[^<>\s]{1,250}>')
FORWARDED = re.compile(r'^[ \t>]*(?:-{2,} ?Forwarded message ?-{2,}|Begin forwarded message:|'
                       r'-{2,} ?Original Message ?-{2,}\s*\n[ \t>]*From:.*\n(?:.*\n)*?[ \t>]*Subject: *(?:Fwd?|FW):)',
                       re.IGNORECASE | re.MULTILINE)
ADDRESS = re.compile(r'^[^@\s<>"(),;:]+@[^@\s<>"(),;:]+\.[^@\s<>"(),;:]+$')
RECIPIENT_HEADERS = ('To', 'Cc', 'Delivered-To', 'X-Original-To', 'Envelope-To')
AUTOMATIC_HEADERS = ('X-Autoreply', 'X-Autorespond', 'X-Autoresponder')
BULK_PRECEDENCE = ('bulk', 'list', 'junk', 'auto_reply')
DAEMONS = ('mailer-daemon', 'postmaster')
# Control characters (not tab or newline) and bidirectional overrides that could disguise a name.
_CONTROL = {c: None for c in [*range(32), 127, *range(0x202A, 0x202F), *range(0x2066, 0x206A)] if c not in (9, 10)}


class Unreadable(Exception):
    """The email cannot be read well enough to act on; its message says why, as stored words (i18n.deferred), and
    `subject` is its subject when the headers could be read (to recognise it in triage)."""

    def __init__(self, reason: str, subject: str = '') -> None:
        super().__init__(reason)
        self.subject = subject


@dataclass(frozen=True)
class Bounce:
    """A delivery failure report and the Message-IDs of the email(s) it is about."""
    original_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ParsedEmail:
    from_address: str                  # lower-cased
    from_name: str
    subject: str
    message_id: str | None             # its own Message-ID header, when it has a usable one
    reply_tokens: tuple[str, ...]      # from reply+TOKEN@ recipients (To, Cc, Delivered-To, envelope)
    thread_ids: tuple[str, ...]        # In-Reply-To first, then References newest first
    text: str                          # the whole readable body
    reply: str                         # what the sender wrote: no quoted history, no signature
    attachments: tuple['MailFile', ...]
    automatic: str | None              # the header that makes it an auto-reply or bulk mail, else None
    bounce: Bounce | None


@dataclass(frozen=True)
class MailFile:
    """A file an email carried (attached, or an image shown in it)."""
    name: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


def parse_email(raw: bytes, envelope_to: tuple[str, ...] = ()) -> ParsedEmail:
    """Read a raw RFC 5322 message. Raises Unreadable (with the reason) instead of anything else."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as problem:  # the parser is lenient; this is a last resort
        raise Unreadable(deferred('The email could not be parsed ({error}).', error=type(problem).__name__)) \
            from problem
    if not message.keys():
        raise Unreadable(deferred('The email has no headers.'))
    name, address = _sender(message)
    if not ADDRESS.match(address) or len(address) > 254:
        raise Unreadable(deferred('The email has no valid sender address (From).'),
                         subject=one_line(_header(message, 'Subject'))[:200])
    text = _body_text(message)
    recipients = ' '.join([_header(message, h, every=True) for h in RECIPIENT_HEADERS] + list(envelope_to))
    message_id = _message_ids(_header(message, 'Message-ID'))
    return ParsedEmail(
        from_address=address, from_name=one_line(name)[:200], subject=one_line(_header(message, 'Subject'))[:200],
        message_id=message_id[0] if message_id else None,
        reply_tokens=tuple(dict.fromkeys(TOKEN.findall(' ' + recipients))),
        thread_ids=tuple(dict.fromkeys(_message_ids(_header(message, 'In-Reply-To')) +
                                       list(reversed(_message_ids(_header(message, 'References')))))),
        text=text, reply=strip_reply(text), attachments=_attachments(message),
        automatic=_automatic(message), bounce=_bounce(message, address))


def strip_reply(text: str) -> str:
    """The newest reply in an email body: quoted history and signature removed.

    A forwarded email is kept whole under the sender's note: forwarding it was the point.
    """
    if not text.strip():
        return ''
    forward = FORWARDED.search(text)
    if forward:
        note = _strip_quotes_and_signature(text[:forward.start()])
        return (note + '\n\n' if note else '') + text[forward.start():].strip()
    return _strip_quotes_and_signature(text)


def _strip_quotes_and_signature(text: str) -> str:
    if not text.strip():
        return ''
    try:
        parsed = EmailReplyParser(languages=REPLY_LANGUAGES).read(text)
        replies = [r for r in parsed.replies if r.body.strip()]
        reply = replies[0].body if replies else ''
    except Exception:  # the library never should; if it does, the whole text is safer than nothing
        reply = text
    return _trim_quotes(reply) or _trim_quotes(text)


def html_to_text(html: str) -> str:
    """Readable text from an HTML body (html2text): no markup, scripts or styles; quotes marked with '> ' (so the
    quoted history can be cut like a plain-text reply's), lists as bullets, images by their alt text."""
    converter = html2text.HTML2Text()
    converter.body_width = 0            # no re-wrapping: the customer's lines stay theirs
    converter.ignore_emphasis = True    # plain text, not Markdown: no ** or _
    converter.ignore_links = True       # the link's text, not its address
    converter.ignore_tables = True      # cells as lines, not a Markdown table
    converter.images_to_alt = True
    converter.unicode_snob = True       # é, not e
    html = _CELL_END.sub(r' \1', html)   # cells apart: "Order 1042" not "Order1042"
    try:
        text = converter.handle(html)
    except Exception:   # the library is lenient; if it fails all the same, the tags go and the words stay
        text = re.sub(r'<[^>]*>', ' ', html)
    text = _MARKDOWN_ESCAPE.sub(r'\1', text)   # "1\. Restart" was "1. Restart"
    lines = [line.rstrip() for line in text.split('\n')]
    return unicodedata.normalize('NFC', re.sub(r'\n{3,}', '\n\n', '\n'.join(lines))).strip()


_CELL_END = re.compile(r'(?i)(</t[dh]\s*>)')
# What html2text puts a backslash before so that its Markdown reads as text.
_MARKDOWN_ESCAPE = re.compile(r'\\([\\`*_{}\[\]()#+\-.!>])')


# ----- internals ----------------------------------------------------------------------------------

def _header(message: Message, name: str, *, every: bool = False) -> str:
    """A header as text; a header the strict parser chokes on is decoded leniently or dropped."""
    try:
        values = message.get_all(name) or []
        values = values if every else values[:1]
        return ' , '.join(str(v) for v in values)
    except Exception:
        pass
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            try:
                return str(make_header(decode_header(str(value))))
            except Exception:
                return str(value)
    return ''


def _sender(message: EmailMessage) -> tuple[str, str]:
    """(display name, lower-cased address) of From; a name hiding line breaks is flattened, not trusted."""
    try:
        mailbox = message['From'].addresses[0]
        return mailbox.display_name, mailbox.addr_spec.strip().lower()
    except Exception:
        pass
    raw = next((str(v) for k, v in message.raw_items() if k.lower() == 'from'), '')
    bracketed = re.findall(r'<([^<>\s]+@[^<>\s]+)>', raw)
    if bracketed:
        name = raw[:raw.rfind('<')].strip().strip('"')
        with contextlib.suppress(Exception):
            name = str(make_header(decode_header(name)))
        return name, bracketed[-1].strip().lower()
    name, address = parseaddr(raw)
    return name, address.strip().lower()


def _message_ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or '')[:50]


def _body_text(message: EmailMessage) -> str:
    part = None
    with contextlib.suppress(Exception):
        part = message.get_body(preferencelist=('plain', 'html'))
    if part is None:
        for candidate in _walk(message):
            if candidate.get_content_maintype() == 'text' and not _is_attachment(candidate):
                part = candidate
                break
    if part is None:
        return ''
    content = _text_content(part)[:MAX_TEXT]
    if part.get_content_subtype() == 'html':
        content = html_to_text(content)
    return clean_text(content).strip()


def _text_content(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        if isinstance(content, str):
            return content
    except Exception:  # unknown charset, broken transfer encoding...
        pass
    try:
        payload = part.get_payload(decode=True) or b''
    except Exception:
        return ''
    if not isinstance(payload, bytes):
        return payload if isinstance(payload, str) else ''
    charset = part.get_content_charset() or 'utf-8'
    try:
        return payload.decode(charset, errors='replace')
    except LookupError:
        return payload.decode('utf-8', errors='replace')


def _walk(message: Message):
    try:
        yield from message.walk()
    except Exception:
        return


def _is_attachment(part: Message) -> bool:
    """A file: attached, named, or an image shown inside the email (Content-ID, an inline picture)."""
    try:
        return part.get_content_disposition() == 'attachment' or (
            bool(part.get_filename()) and part.get_content_maintype() not in ('text', 'multipart')) or (
            part.get_content_maintype() == 'image' and bool(part.get('Content-ID')))
    except Exception:
        return False


def _attachments(message: EmailMessage) -> tuple[MailFile, ...]:
    found = []
    for part in _walk(message):
        if part.is_multipart() or not _is_attachment(part):
            continue
        try:
            name = one_line(part.get_filename() or '')[:200]
            if not name:   # an inline picture without a name: image.png, by its type
                name = 'image.' + part.get_content_subtype() if part.get_content_maintype() == 'image' else 'attachment'
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b''
        except Exception:
            name, data = 'attachment', b''
        found.append(MailFile(name=name, data=data))
        if len(found) == MAX_ATTACHMENTS:
            break
    return tuple(found)


def _automatic(message: Message) -> str | None:
    submitted = one_line(_header(message, 'Auto-Submitted')).lower()
    if submitted and submitted.split(';')[0].strip() != 'no':
        return f'Auto-Submitted: {submitted[:60]}'
    precedence = one_line(_header(message, 'Precedence')).lower()
    if precedence in BULK_PRECEDENCE:
        return f'Precedence: {precedence}'
    for name in AUTOMATIC_HEADERS:
        if _header(message, name):
            return name
    if _header(message, 'List-Id') or _header(message, 'List-Unsubscribe'):
        return 'List-Id / List-Unsubscribe'
    return None


def _bounce(message: EmailMessage, sender: str) -> Bounce | None:
    """A delivery status report (RFC 3464) or a mailer-daemon message; None for anything else."""
    is_report = (message.get_content_type() == 'multipart/report' and
                 str(message.get_param('report-type', '')).lower() == 'delivery-status')
    if not is_report and sender.split('@')[0] not in DAEMONS:
        return None
    actions, reasons, originals = [], [], []
    for part in _walk(message):
        kind = part.get_content_type()
        if kind == 'message/delivery-status':
            for block in _status_blocks(part):
                actions.append(one_line(block.get('Action', '')).lower())
                reason = block.get('Diagnostic-Code') or block.get('Status')
                if reason:
                    reasons.append(one_line(str(reason))[:300])
        elif kind in ('message/rfc822', 'text/rfc822-headers'):
            originals += _original_ids(part)
    if actions and not any(a.startswith('failed') for a in actions):
        return None  # "delayed" or "delivered" reports are not failures (they count as automatic mail)
    originals += _message_ids(_header(message, 'In-Reply-To')) + _message_ids(_header(message, 'References'))
    if not originals:  # a mailer-daemon text that quotes the original headers inline
        originals = [m for m in _message_ids(_body_text(message)) if '@' in m]
    return Bounce(original_ids=tuple(dict.fromkeys(originals)),
                  reason=reasons[0] if reasons else 'The receiving mail server refused the email.')


def _status_blocks(part: Message) -> list[Message]:
    try:
        payload = part.get_payload()
    except Exception:
        return []
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    if isinstance(payload, str):  # some servers send it as one text block
        return [BytesParser(policy=policy.compat32).parsebytes(block.encode('utf-8', 'replace'), headersonly=True)
                for block in re.split(r'\n\s*\n', payload)]
    return []


def _original_ids(part: Message) -> list[str]:
    try:
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return _message_ids(_header(payload[0], 'Message-ID'))
        found = re.search(r'(?im)^message-id:\s*(.*)$', _text_content(part))
        return _message_ids(found.group(1)) if found else []
    except Exception:
        return []


def _trim_quotes(text: str) -> str:
    """Drop quoted lines ('>') leading or trailing the reply; inline quotes between answers stay."""
    lines = text.strip().split('\n')
    while lines and (lines[0].lstrip().startswith('>') or not lines[0].strip()):
        lines.pop(0)
    while lines and (lines[-1].lstrip().startswith('>') or not lines[-1].strip()):
        lines.pop()
    return '\n'.join(lines).strip()
