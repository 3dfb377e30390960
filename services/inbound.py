"""Email coming back: customer replies join their conversation; everything else is explained.

One entry point, receive(raw), behind both the SMTP listener and POST /api/inbound-email:

1. too big -> refused (SMTP 552 / HTTP 413); same sender too often -> try later (451 / 429)
2. unreadable (malformed MIME, no sender) -> quarantined for an admin
3. seen before (same Message-ID from the same sender) -> duplicate, ignored
4. a delivery failure report -> the email it names is marked failed ("Email failed")
5. auto-reply or bulk mail -> ignored
6. match: a reply+TOKEN recipient, else In-Reply-To/References against every Message-ID
   Parley sent (and customer emails it posted); else unmatched -> triage
7. the sender must be a customer taking part in that conversation, else triage; a token
   alone never lets anyone read or post anything
8. posted as the customer's reply, marked "by email": live for agents, unread counts, and the
   agent messages it answers become "Replied"

Every email gets an InboundEmail row (its outcome and why) and a log line.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
import hashlib
import logging
import re

from sqlalchemy import func, update
from sqlmodel import col, select

from models import (AuditAction, CustomerThread, EmailStatus, InboundEmail, InboundOutcome, InboundSource,
                    OutboundEmail, Participant, User, UserKind)
from models._types import utcnow
from models.mail import TRIAGE
from limits.storage import Storage

from services.i18n import N_, _, deferred, english, fitted, shown
from services.conversations import MAX_MESSAGE_LENGTH, ConversationService
from services.db import Database
from services.directory import DirectoryService, to_view
from services.errors import InvalidInput, NotFound, ParleyError
from services.text import one_line
from services.items import ItemService
from services.mail import MailService
from services.mailparse import Bounce, ParsedEmail, Unreadable, parse_email
from services.ratelimit import RateLimit
from services.access import acting, is_id, require_admin
from services.attachments import AttachmentService
from services.audit import record
from services.views import AttachmentView, UserView

log = logging.getLogger(__name__)

TOO_LARGE = 'too_large'
RATE_LIMITED = 'rate_limited'
NO_TEXT = '(No text, only attachments)'
SHORTENED = '\n\n[Shortened: the email is {length:,} characters long. The full text is kept in Parley.]'
RAW_PREVIEW = 20_000


@dataclass(frozen=True)
class Receipt:
    """What happened to one received email (outcome is an InboundOutcome value, too_large or rate_limited)."""
    outcome: str
    reason: str
    inbound_id: int | None = None
    conversation_id: int | None = None

    @property
    def smtp_reply(self) -> str:
        if self.outcome == TOO_LARGE:
            return '552 5.3.4 Message too big for this system'
        if self.outcome == RATE_LIMITED:
            return '451 4.7.1 Too many emails from this sender; try again in a minute'
        return '250 2.0.0 OK: ' + self.outcome


@dataclass(frozen=True)
class InboundView:
    id: int
    received_at: datetime
    source: InboundSource
    from_address: str
    from_name: str
    subject: str
    outcome: InboundOutcome
    reason: str
    conversation_id: int | None
    body: str
    attachments: tuple[AttachmentView, ...]
    size: int

    @property
    def can_attach(self) -> bool:
        return self.outcome in TRIAGE and bool(self.from_address) and \
            bool(self.body or self.attachments)


class InboundService:
    def __init__(self, db: Database, conversations: ConversationService, directory: DirectoryService,
                 mail: MailService, items: ItemService, files: AttachmentService, *,
                 max_bytes: int = 10 * 1024 * 1024, per_minute: int = 50,
                 clock: Callable[[], datetime] = utcnow, limits: Storage | None = None) -> None:
        self.db, self.conversations, self.directory, self.mail = db, conversations, directory, mail
        self.items, self.files = items, files
        self.max_bytes = max_bytes
        self.clock = clock
        self.rate_limit = RateLimit(per_minute, timedelta(minutes=1), name='inbound email per sender', storage=limits)

    # ----- receiving --------------------------------------------------------------------------

    def receive(self, raw: bytes, *, source: InboundSource = InboundSource.SMTP,
                envelope_to: Iterable[str] = ()) -> Receipt:
        """Decide what one raw email is and act on it. Never raises for anything about the email itself."""
        if len(raw) > self.max_bytes:
            # Refused before anything is stored: the reason is for the sender's mail server and the log (English).
            return self._log(Receipt(TOO_LARGE, f'{len(raw):,} bytes; the limit is {self.max_bytes:,}'), source)
        try:
            email = parse_email(raw, tuple(envelope_to))
        except Unreadable as problem:
            return self._record(raw, source, None, InboundOutcome.QUARANTINED, str(problem), keep_raw=True,
                                subject=problem.subject)
        except Exception as problem:  # a parser bug must not lose the email: keep it for an admin
            log.warning('inbound email could not be parsed', exc_info=True)
            return self._record(raw, source, None, InboundOutcome.QUARANTINED,
                                deferred('Parley could not read this email ({error}).', error=type(problem).__name__),
                                keep_raw=True)
        if not self.rate_limit.allow(email.from_address):
            return self._log(Receipt(RATE_LIMITED, f'more than {self.rate_limit.limit} emails a minute from '
                                                   f'{email.from_address}'), source)
        if self._seen_before(email):
            return self._record(raw, source, email, InboundOutcome.DUPLICATE,
                                deferred('Already received ({message_id}).', message_id=email.message_id))
        if email.bounce is not None:
            return self._record(raw, source, email, InboundOutcome.BOUNCE, self._bounced(email.bounce))
        if email.automatic:
            return self._record(raw, source, email, InboundOutcome.AUTO_REPLY,
                                deferred('Not posted: automatic mail ({why}).', why=email.automatic))
        conversation_id, matched_by = self._match(email)
        if conversation_id is None:
            return self._record(raw, source, email, InboundOutcome.UNMATCHED,
                                deferred('No reply address or thread header of ours: it answers nothing Parley sent.'),
                                keep_raw=True)
        customer = self._customer_in(conversation_id, email.from_address)
        if customer is None:
            return self._record(raw, source, email, InboundOutcome.NOT_PARTICIPANT,
                                deferred('Matched conversation #{id} {matched_by}, but {address} is not a '
                                         'customer in it.', id=conversation_id, matched_by=matched_by,
                                         address=email.from_address), conversation_id=conversation_id, keep_raw=True)
        body = _message_body(email)
        if not body:
            return self._record(raw, source, email, InboundOutcome.EMPTY,
                                deferred('Nothing to post: no text outside the quoted history and signature.'),
                                conversation_id=conversation_id)
        client_id = _client_id(email, raw)
        if self.conversations.was_sent(customer, client_id):   # the same email again (no Message-ID to tell)
            return self._record(raw, source, email, InboundOutcome.DUPLICATE,
                                deferred('Already received: the same email was posted before.'),
                                conversation_id=conversation_id)
        files = self.files.from_email(email.attachments, uploader_id=customer.id)
        body = _posted_text(email.reply, files)
        try:
            message = self.conversations.receive_email(customer, conversation_id, body=body,
                                                       client_id=client_id, attachments=files)
        except ParleyError as problem:  # e.g. removed from the conversation a moment ago: an admin decides
            return self._record(raw, source, email, InboundOutcome.NOT_PARTICIPANT,
                                deferred('Matched conversation #{id} {matched_by}, but it could not be '
                                         'posted: {problem}', id=conversation_id, matched_by=matched_by,
                                         problem=problem.stored()), conversation_id=conversation_id, keep_raw=True)
        return self._record(raw, source, email, InboundOutcome.POSTED,
                            deferred('Posted: matched {matched_by}.', matched_by=matched_by),
                            conversation_id=conversation_id, message_id=message.id, files=files)

    # ----- triage (admins) --------------------------------------------------------------------

    @acting
    def list_emails(self, admin: UserView, *, triage: bool = True, limit: int = 100) -> list[InboundView]:
        """Emails waiting for an admin (triage) or every recent one with its outcome, newest first."""
        require_admin(admin, TRIAGE_ADMINS)
        statement = select(InboundEmail)
        if triage:
            statement = statement.where(col(InboundEmail.outcome).in_(TRIAGE))
        with self.db.session() as session:
            rows = session.exec(statement.order_by(col(InboundEmail.id).desc()).limit(limit)).all()
        return [_view(r) for r in rows]

    @acting
    def received_from(self, actor: UserView, customer_id: int, *, limit: int = 50) -> list[InboundView]:
        """The emails received from this customer's address, newest first, with what became of each (agents)."""
        if actor.kind != UserKind.AGENT:
            raise NotFound('Customer not found')
        with self.db.session() as session:
            customer = session.get(User, customer_id) if is_id(customer_id) else None
            if customer is None or customer.kind != UserKind.CUSTOMER or customer.deleted_at is not None:
                raise NotFound('Customer not found')
            rows = session.exec(select(InboundEmail).where(InboundEmail.from_address == customer.email)
                                .order_by(col(InboundEmail.id).desc()).limit(limit)).all()
        return [_view(r) for r in rows]

    @acting
    def triage_count(self, admin: UserView) -> int:
        if not admin.is_admin:
            return 0
        with self.db.session() as session:
            return session.exec(select(func.count()).select_from(InboundEmail)
                                .where(col(InboundEmail.outcome).in_(TRIAGE))).one()

    @acting
    def source(self, admin: UserView, inbound_id: int) -> str:
        """The start of the raw email as text, for an admin deciding on it."""
        require_admin(admin, TRIAGE_ADMINS)
        row = self._triaged(inbound_id)
        return (row.raw or b'')[:RAW_PREVIEW].decode('utf-8', errors='replace')

    @acting
    def attach(self, admin: UserView, inbound_id: int, conversation_id: int) -> int:
        """Post a triaged email into a customer conversation as its sender's reply (adding them if needed)."""
        require_admin(admin, TRIAGE_ADMINS)
        row = self._triaged(inbound_id)
        view = _view(row)
        if not view.can_attach:
            raise InvalidInput('This email has no sender or no text to post. Discard it instead.')
        customer = self._customer_from(row, N_('{address} belongs to an agent or a deactivated customer, so it '
                                                'cannot be posted as a customer reply.'))
        body = _posted_text(row.body, view.attachments)
        message = self.conversations.receive_email(customer, conversation_id, body=body, join=True,
                                                   client_id=f'inbound:{row.id}', attachments=view.attachments)
        self._resolve(row.id, admin, InboundOutcome.ATTACHED,
                      deferred('Attached to conversation #{id} by {name}.', id=conversation_id, name=admin.name),
                      conversation_id, message.id, audit=(AuditAction.EMAIL_ATTACHED, customer.id, deferred(
                          'email #{email} → conversation #{conversation}', email=row.id, conversation=conversation_id)))
        return message.id

    @acting
    def start_conversation(self, admin: UserView, inbound_id: int, *, add_customer: bool = False) -> int:
        """Make a triaged email a new conversation with its sender (added as a customer when unknown, if the admin
        confirmed it: add_customer); the admin has it. Returns the conversation's id."""
        require_admin(admin, TRIAGE_ADMINS)
        row, customer = self._sender(admin, inbound_id, add_customer)
        conversation = self.conversations.start_from_email(
            admin, customer, subject=_subject(row.subject), body=_posted_text(row.body, _view(row).attachments),
            client_id=f'inbound:{row.id}', attachments=_view(row).attachments)
        message_id = self.conversations.list_messages(admin, conversation.id)[0].id
        self._resolve(row.id, admin, InboundOutcome.ATTACHED,
                      deferred('Made a new conversation #{id} by {name}.', id=conversation.id, name=admin.name),
                      conversation.id, message_id, audit=(AuditAction.EMAIL_TO_CONVERSATION, customer.id, deferred(
                          'email #{email} → conversation #{conversation}', email=row.id, conversation=conversation.id)))
        return conversation.id

    @acting
    def create_ticket(self, admin: UserView, inbound_id: int, *, add_customer: bool = False) -> int:
        """Make a triaged email a ticket for its sender: the subject is its title, the text its description.
        Returns the ticket's id."""
        require_admin(admin, TRIAGE_ADMINS)
        row, customer = self._sender(admin, inbound_id, add_customer)
        ticket = self.items.create(admin, 'ticket', title=_subject(row.subject) or
                                   _('Email from {name}').format(name=customer.name),
                                   description=_limit(row.body) or NO_TEXT, customer_id=customer.id)
        self._resolve(row.id, admin, InboundOutcome.TICKETED,
                      deferred('Made ticket T-{number} by {name}.', number=ticket.number, name=admin.name),
                      None, None, audit=(AuditAction.EMAIL_TO_TICKET, customer.id, deferred(
                          'email #{email} → ticket T-{number}', email=row.id, number=ticket.number)))
        return ticket.id

    @acting
    def known_sender(self, admin: UserView, inbound_id: int) -> bool:
        """Whether the email's sender is a customer already (else starting from it adds them, once confirmed)."""
        require_admin(admin, TRIAGE_ADMINS)
        with self.db.session() as session:
            row = session.get(InboundEmail, inbound_id) if is_id(inbound_id) else None
            return row is not None and session.exec(select(User.id).where(
                User.email == row.from_address.lower(), User.kind == UserKind.CUSTOMER)).first() is not None

    def _sender(self, admin: UserView, inbound_id: int, add_customer: bool) -> tuple[InboundEmail, UserView]:
        row = self._triaged(inbound_id)
        if not _view(row).can_attach:
            raise InvalidInput('This email has no sender or no text to use. Discard it instead.')
        if not add_customer and not self.known_sender(admin, inbound_id):
            raise InvalidInput('{from_address} is not a customer yet. Confirm adding them first.',
                               from_address=row.from_address)
        return row, self._customer_from(row, N_('{address} belongs to an agent or a deactivated customer, so it cannot '
                                                'start a conversation or a ticket as a customer.'))

    def _customer_from(self, row: InboundEmail, refusal: str) -> UserView:
        """The email's sender as a customer (made one when unknown); refused (`refusal`, with {address}) for an agent's
        or deactivated address."""
        try:
            return self.directory.customer_for_chat(name=row.from_name or row.from_address.split('@')[0],
                                                    email=row.from_address)
        except InvalidInput:
            raise InvalidInput(refusal, address=row.from_address) from None

    @acting
    def discard(self, admin: UserView, inbound_id: int) -> None:
        require_admin(admin, TRIAGE_ADMINS)
        self._triaged(inbound_id)
        self._resolve(inbound_id, admin, InboundOutcome.DISCARDED, deferred('Discarded by {name}.', name=admin.name),
                      None, None,
                      audit=(AuditAction.EMAIL_DISCARDED, None, deferred('email #{email}', email=inbound_id)))

    # ----- internals --------------------------------------------------------------------------

    def _seen_before(self, email: ParsedEmail) -> bool:
        if not email.message_id:
            return False
        with self.db.session() as session:
            return session.exec(select(InboundEmail.id).where(
                InboundEmail.email_message_id == email.message_id,
                InboundEmail.from_address == email.from_address).limit(1)).first() is not None

    def _match(self, email: ParsedEmail) -> tuple[int | None, str]:
        with self.db.session() as session:
            for token in email.reply_tokens:
                thread = session.exec(select(CustomerThread).where(CustomerThread.reply_token == token)).first() \
                    or session.exec(select(CustomerThread).where(  # some mail systems lower-case addresses
                        func.lower(CustomerThread.reply_token) == token.lower())).first()
                if thread is not None:
                    return thread.conversation_id, deferred('by its reply address')
            for message_id in email.thread_ids:
                found = session.exec(select(OutboundEmail.conversation_id).where(
                    OutboundEmail.message_id == message_id, col(OutboundEmail.conversation_id).is_not(None))).first()
                if found is None:  # the customer answered their own earlier email to us
                    found = session.exec(select(InboundEmail.conversation_id).where(
                        InboundEmail.email_message_id == message_id,
                        col(InboundEmail.outcome).in_([InboundOutcome.POSTED, InboundOutcome.ATTACHED]))).first()
                if found is not None:
                    return found, deferred('by its thread headers')
        return None, ''

    def _customer_in(self, conversation_id: int, address: str) -> UserView | None:
        with self.db.session() as session:
            user = session.exec(select(User).join(Participant, col(Participant.user_id) == User.id).where(
                Participant.conversation_id == conversation_id, User.email == address,
                User.kind == UserKind.CUSTOMER, User.is_active)).first()
        return to_view(user) if user is not None else None

    def _bounced(self, bounce: Bounce) -> str:
        """Mark the email a bounce names as failed; its messages show "Email failed"."""
        with self.db.transaction() as tx:
            row = tx.session.exec(select(OutboundEmail).where(
                col(OutboundEmail.message_id).in_(list(bounce.original_ids) or ['-']))
                .order_by(col(OutboundEmail.id).desc())).first()
            if row is None:
                return deferred('Delivery failure report for an email Parley did not send: {reason}',
                                reason=bounce.reason)
            row.status = EmailStatus.FAILED
            row.last_error = f'Bounced: {bounce.reason}'[:500]
            tx.session.add(row)
            self.mail.mark_failed(tx, row)
            return deferred('Email #{id} to {address} bounced: {reason}', id=row.id, address=row.to_address,
                            reason=bounce.reason)

    def _record(self, raw: bytes, source: InboundSource, email: ParsedEmail | None, outcome: InboundOutcome,
                reason: str, *, conversation_id: int | None = None, message_id: int | None = None,
                keep_raw: bool = False, files: tuple[AttachmentView, ...] | None = None,
                subject: str = '') -> Receipt:
        """Log the email; its files are listed, and kept for one that may still be posted (triage). `subject`: what
        could be read of an unreadable one."""
        row = InboundEmail(received_at=self.clock(), source=source, size=len(raw), outcome=outcome,
                           reason=fitted(reason, 1000), conversation_id=conversation_id, message_id=message_id,
                           raw=raw if keep_raw else None, subject=subject)
        if email is not None:
            row.from_address, row.from_name, row.subject = email.from_address, email.from_name, email.subject
            row.email_message_id = email.message_id
            row.body = email.reply
            row.attachments = AttachmentView.dump(files if files is not None else
                                                  [AttachmentView(name=f.name, size=f.size) for f in email.attachments])
        with self.db.transaction() as tx:
            tx.session.add(row)
            tx.session.flush()
            inbound_id = row.id
        if email is not None and email.attachments and files is None and outcome in TRIAGE:
            kept = self.files.from_email(email.attachments, inbound_id=inbound_id)
            with self.db.transaction() as tx:
                tx.session.exec(update(InboundEmail).where(col(InboundEmail.id) == inbound_id)
                                .values(attachments=AttachmentView.dump(kept)))
        return self._log(Receipt(outcome.value, english(reason), inbound_id, conversation_id), source,
                         email.from_address if email else '')

    def _log(self, receipt: Receipt, source: InboundSource, sender: str = '') -> Receipt:
        log.info('inbound email%s via %s from %s: %s (%s)', f' #{receipt.inbound_id}' if receipt.inbound_id else '',
                 source, sender or 'unknown sender', receipt.outcome, receipt.reason)
        return receipt

    def _triaged(self, inbound_id: int) -> InboundEmail:
        with self.db.session() as session:
            row = session.get(InboundEmail, inbound_id) if is_id(inbound_id) else None
        if row is None or row.outcome not in TRIAGE:
            raise NotFound('This email is not waiting for a decision (any more).')
        return row

    def _resolve(self, inbound_id: int, admin: UserView, outcome: InboundOutcome, reason: str,
                 conversation_id: int | None, message_id: int | None, *,
                 audit: tuple[AuditAction, int | None, str]) -> None:
        """Record the admin's decision, in the audit log too (the customer by id only, no address)."""
        with self.db.transaction() as tx:
            action, subject_id, detail = audit
            record(tx.session, admin, action, subject_id=subject_id, detail=detail)
            row = tx.session.get(InboundEmail, inbound_id)
            if row is None:   # checked by the caller in an earlier read
                raise NotFound('This email is not waiting for a decision (any more).')
            row.outcome, row.reason, row.raw, row.resolved_by_id = outcome, reason, None, admin.id
            if conversation_id is not None:
                row.conversation_id, row.message_id = conversation_id, message_id
            tx.session.add(row)
        log.info('inbound email #%s: %s', inbound_id, english(reason))


TRIAGE_ADMINS = N_('Only admins handle unmatched email.')


def _subject(subject: str) -> str:
    """An email's subject as a title: without "Re:"/"Fwd:" prefixes."""
    return re.sub(r'^(\s*(re|fw|fwd|aw|sv)\s*:\s*)+', '', one_line(subject), flags=re.IGNORECASE)[:200]


def _message_body(email: ParsedEmail) -> str:
    if email.reply:
        return _limit(email.reply)
    return NO_TEXT if email.attachments else ''   # (with files a message may have no text: see receive)


def _posted_text(text: str, files: tuple[AttachmentView, ...]) -> str:
    """An email's text as posted: with kept files and no text, none (the files are the message)."""
    return _limit(text) or ('' if any(f.kept for f in files) else NO_TEXT)


def _limit(text: str) -> str:
    if len(text) <= MAX_MESSAGE_LENGTH:
        return text
    note = SHORTENED.format(length=len(text))
    return text[:MAX_MESSAGE_LENGTH - len(note)].rstrip() + note


def _client_id(email: ParsedEmail, raw: bytes) -> str:
    """The same email (by Message-ID, else by content) always maps to the same message."""
    key = email.message_id.encode() if email.message_id else raw
    return 'email:' + hashlib.sha256(key).hexdigest()[:40]


def _view(row: InboundEmail) -> InboundView:
    attachments = AttachmentView.load(row.attachments)
    return InboundView(id=row.id, received_at=row.received_at, source=row.source, from_address=row.from_address,
                       from_name=row.from_name, subject=row.subject, outcome=row.outcome, reason=shown(row.reason),
                       conversation_id=row.conversation_id, body=row.body, attachments=attachments, size=row.size)
