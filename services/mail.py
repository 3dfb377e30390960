"""Outgoing email: every message is stored first, then sent by a worker with retries and backoff.

An SMTP outage never blocks a page or loses an email: the row stays due until it is sent or
runs out of attempts, and a restart resumes whatever is still due. Without PARLEY_SMTP_URL
mail is kept in the outbox (status "kept") so admins see exactly what would have gone out.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
import secrets
import smtplib

import emails
from sqlmodel import Session, col, select

from models import EmailStatus, OutboundEmail
from models._types import utcnow
from services.db import Database, Transaction
from services.hooks import EmailAttempted
from services.directory import valid_sender, validate_email
from services.errors import InvalidInput
from services.smtp import SmtpServer
from services.text import one_line
from services.access import acting, require_admin
from services.views import UserView

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)


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
    status: EmailStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None = None


class MailService:
    def __init__(self, db: Database, *, smtp_url: str | None, mail_from: str, team_name: str,
                 clock: Callable[[], datetime] = utcnow, lease: timedelta = timedelta(minutes=2)) -> None:
        self.db = db
        self.lease = lease   # how long one process may take to hand an email over (an SMTP step: up to 20 s)
        self.smtp = SmtpServer.from_url(smtp_url) if smtp_url else None
        self.mail_from = (one_line(team_name), valid_sender(mail_from))
        self.domain = self.mail_from[1].split('@', 1)[1]
        self.clock = clock

    def enqueue(self, **fields) -> EmailView:
        """Store an email for the worker (kept in the outbox when no SMTP server is configured)."""
        with self.db.transaction() as tx:
            return _view(self.add(tx.session, **fields))

    def add(self, session: Session, *, to_address: str, to_name: str, subject: str, text: str, html: str,
            reply_to: str | None = None, in_reply_to: str | None = None, references: Iterable[str] = (),
            conversation_id: int | None = None) -> OutboundEmail:
        """Add an email to the caller's transaction: it is queued if and only if that transaction commits."""
        to_address = validate_email(to_address)
        if not one_line(subject):
            raise InvalidInput('An email needs a subject.')
        now = self.clock()
        row = OutboundEmail(to_address=to_address, to_name=one_line(to_name), subject=one_line(subject),
                            text_body=text, html_body=html, reply_to=one_line(reply_to) or None,
                            message_id=f'<{secrets.token_hex(16)}@{self.domain}>', in_reply_to=in_reply_to,
                            references=' '.join(references), conversation_id=conversation_id,
                            status=EmailStatus.QUEUED if self.smtp else EmailStatus.KEPT,
                            created_at=now, next_attempt_at=now)
        session.add(row)
        session.flush()
        return row

    def send_due(self, *, limit: int = 20) -> int:
        """Try up to `limit` emails due now; returns how many were sent. Blocking: run it off the event loop."""
        if self.smtp is None:
            return 0
        sent = 0
        for _ in range(limit):
            row = self._claim()
            if row is None:
                break
            error = self._deliver(row)
            self._record(row.id, error)
            sent += error is None
        return sent

    def _claim(self) -> OutboundEmail | None:
        """The next due email, claimed for `lease`: its next attempt moves past the lease, so no other process takes
        it meanwhile (SKIP LOCKED: nor while this one decides). A process that dies mid-send leaves it to be tried
        again when the lease ends."""
        now = self.clock()
        with self.db.transaction() as tx:
            row = tx.session.exec(select(OutboundEmail).where(
                col(OutboundEmail.status).in_([EmailStatus.QUEUED, EmailStatus.RETRYING]),
                OutboundEmail.next_attempt_at <= now).order_by(col(OutboundEmail.id)).limit(1)
                .with_for_update(skip_locked=True)).first()
            if row is not None:
                row.next_attempt_at = now + self.lease
                tx.session.add(row)
        return row

    @acting
    def list_outbox(self, actor: UserView, *, limit: int = 100) -> list[EmailView]:
        """The newest emails, whatever their state (admins only)."""
        require_admin(actor, 'Only admins can read the outbox.')
        with self.db.session() as session:
            rows = session.exec(select(OutboundEmail).order_by(col(OutboundEmail.id).desc()).limit(limit)).all()
        return [_view(r) for r in rows]

    def _deliver(self, row: OutboundEmail) -> str | None:
        """Hand one email to the SMTP server; None when it took it, else what went wrong (for the outbox)."""
        message = emails.Message(subject=row.subject, text=row.text_body, html=row.html_body,
                                 mail_from=self.mail_from, mail_to=(row.to_name, row.to_address),
                                 message_id=row.message_id)
        headers = {}
        if row.reply_to:
            headers['Reply-To'] = row.reply_to
        if row.in_reply_to:
            headers['In-Reply-To'] = row.in_reply_to
        if row.references:
            headers['References'] = row.references
        if headers:
            message.set_headers(headers)
        if self.smtp is None:
            return 'No SMTP server is configured.'
        try:
            self.smtp.send(self.mail_from[1], row.to_address, message.as_bytes())
        except smtplib.SMTPNotSupportedError as problem:   # our own sentence: no STARTTLS where it is needed
            return str(problem)
        except (smtplib.SMTPException, OSError, ValueError) as problem:
            return f'{type(problem).__name__}: {problem}'
        return None

    def _record(self, email_id: int, error: str | None) -> None:
        now = self.clock()
        with self.db.transaction() as tx:
            row = tx.session.get(OutboundEmail, email_id)
            if row is None:   # deleted meanwhile: nothing to record
                return
            row.attempts += 1
            tx.emit(EmailAttempted(email=row, failed=error is not None))   # its messages' deliveries follow
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

    def mark_failed(self, tx: Transaction, row: OutboundEmail) -> None:
        """A bounce came back for this email: its messages show "Email failed" (in the caller's transaction)."""
        tx.emit(EmailAttempted(email=row, failed=True))


def _view(row: OutboundEmail) -> EmailView:
    return EmailView(id=row.id, to_address=row.to_address, to_name=row.to_name, subject=row.subject,
                     text_body=row.text_body, html_body=row.html_body, reply_to=row.reply_to,
                     message_id=row.message_id, status=row.status, attempts=row.attempts,
                     last_error=row.last_error, created_at=row.created_at, sent_at=row.sent_at,
                     next_attempt_at=row.next_attempt_at)
