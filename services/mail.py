"""Outgoing email: every message is stored first, then sent by a worker with retries and backoff.

An SMTP outage never blocks a page or loses an email: the row stays due until it is sent or
runs out of attempts, and a restart resumes whatever is still due. Without PARLEY_SMTP_URL
mail is kept in the outbox (status "kept") so admins see exactly what would have gone out.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit
import asyncio
import logging
import secrets

import emails
from sqlmodel import col, select

from models import EmailStatus, OutboundEmail
from models._types import utcnow
from services.db import Database
from services.directory import validate_email
from services.errors import Forbidden, InvalidInput
from services.views import UserView

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
SMTP_TIMEOUT = 20


@dataclass(frozen=True)
class EmailView:
    id: int
    to_address: str
    to_name: str
    subject: str
    text_body: str
    html_body: str
    reply_to: str | None
    message_id: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def smtp_options(url: str) -> dict:
    """`emails` SMTP options from smtp://user:pass@host:port (STARTTLS) or smtps://user:pass@host:port."""
    parts = urlsplit(url)
    if parts.scheme not in ('smtp', 'smtps') or not parts.hostname:
        raise ValueError('PARLEY_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465')
    query = parse_qs(parts.query)
    options = {'host': parts.hostname, 'port': parts.port or (465 if parts.scheme == 'smtps' else 587),
               'timeout': SMTP_TIMEOUT, 'ssl': parts.scheme == 'smtps',
               'tls': parts.scheme == 'smtp' and query.get('starttls', ['on'])[0] not in ('off', 'false', '0')}
    if parts.username:
        options['user'] = unquote(parts.username)
        options['password'] = unquote(parts.password or '')
    return options


class MailService:
    def __init__(self, db: Database, *, smtp_url: str | None, mail_from: str, team_name: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.smtp = smtp_options(smtp_url) if smtp_url else None
        self.mail_from = (_one_line(team_name), validate_email(mail_from))
        self.domain = self.mail_from[1].split('@', 1)[1]
        self.clock = clock

    def enqueue(self, *, to_address: str, to_name: str, subject: str, text: str, html: str,
                reply_to: str | None = None, in_reply_to: str | None = None, references: Iterable[str] = (),
                conversation_id: int | None = None) -> EmailView:
        """Store an email for the worker (kept in the outbox when no SMTP server is configured)."""
        to_address = validate_email(to_address)
        if not _one_line(subject):
            raise InvalidInput('An email needs a subject.')
        now = self.clock()
        row = OutboundEmail(to_address=to_address, to_name=_one_line(to_name), subject=_one_line(subject),
                            text_body=text, html_body=html, reply_to=reply_to,
                            message_id=f'<{secrets.token_hex(16)}@{self.domain}>', in_reply_to=in_reply_to,
                            references=' '.join(references), conversation_id=conversation_id,
                            status=EmailStatus.QUEUED if self.smtp else EmailStatus.KEPT,
                            created_at=now, next_attempt_at=now)
        with self.db.transaction() as tx:
            tx.session.add(row)
            tx.session.flush()
            return _view(row)

    def send_due(self, *, limit: int = 20) -> int:
        """Try every email that is due now; returns how many were sent. Blocking: run it off the event loop."""
        if self.smtp is None:
            return 0
        with self.db.session() as session:
            due = session.exec(select(OutboundEmail).where(
                col(OutboundEmail.status).in_([EmailStatus.QUEUED, EmailStatus.RETRYING]),
                OutboundEmail.next_attempt_at <= self.clock()).order_by(OutboundEmail.id).limit(limit)).all()
        sent = 0
        for row in due:
            error = self._deliver(row)
            self._record(row.id, error)
            sent += error is None
        return sent

    async def run_worker(self, *, interval: float = 2.0) -> None:
        """Send due email until cancelled; each round runs in a worker thread."""
        while True:
            try:
                await asyncio.to_thread(self.send_due)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception('mail worker round failed; trying again shortly')
            await asyncio.sleep(interval)

    def list_outbox(self, actor: UserView, *, limit: int = 100) -> list[EmailView]:
        """The newest emails, whatever their state (admins only)."""
        if not actor.is_admin:
            raise Forbidden('Only admins can read the outbox.')
        with self.db.session() as session:
            rows = session.exec(select(OutboundEmail).order_by(col(OutboundEmail.id).desc()).limit(limit)).all()
        return [_view(r) for r in rows]

    def _deliver(self, row: OutboundEmail) -> str | None:
        message = emails.Message(subject=row.subject, text=row.text_body, html=row.html_body,
                                 mail_from=self.mail_from, message_id=row.message_id)
        headers = {}
        if row.reply_to:
            headers['Reply-To'] = row.reply_to
        if row.in_reply_to:
            headers['In-Reply-To'] = row.in_reply_to
        if row.references:
            headers['References'] = row.references
        if headers:
            message.set_headers(headers)
        try:
            response = message.send(to=(row.to_name, row.to_address), smtp=dict(self.smtp))
        except Exception as problem:  # `emails` mostly reports through the response, but not always
            return f'{type(problem).__name__}: {problem}'
        if response is not None and getattr(response, 'status_code', None) == 250:
            return None
        return str(getattr(response, 'error', None) or getattr(response, 'status_text', None) or
                   f'SMTP status {getattr(response, "status_code", None)}')

    def _record(self, email_id: int, error: str | None) -> None:
        now = self.clock()
        with self.db.transaction() as tx:
            row = tx.session.get(OutboundEmail, email_id)
            row.attempts += 1
            if error is None:
                row.status, row.sent_at, row.last_error = EmailStatus.SENT, now, None
            else:
                log.warning('email %s to %s failed (attempt %s): %s', row.id, row.to_address, row.attempts, error)
                row.last_error = error[:500]
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = EmailStatus.FAILED
                else:
                    row.status = EmailStatus.RETRYING
                    row.next_attempt_at = now + min(FIRST_RETRY * 2 ** (row.attempts - 1), LONGEST_WAIT)
            tx.session.add(row)


def _one_line(text: str | None) -> str:
    """Header-safe text: no line breaks, so nothing can be injected after it."""
    return ' '.join((text or '').split())


def _view(row: OutboundEmail) -> EmailView:
    return EmailView(id=row.id, to_address=row.to_address, to_name=row.to_name, subject=row.subject,
                     text_body=row.text_body, html_body=row.html_body, reply_to=row.reply_to,
                     message_id=row.message_id, status=row.status.value, attempts=row.attempts,
                     last_error=row.last_error, created_at=row.created_at, sent_at=row.sent_at)
