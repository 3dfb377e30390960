"""What Parley holds about a customer, for them: everything in one export, and deleting them.

Deleting keeps the conversations whole for the agents: the customer's messages (and the files they sent) stay,
attributed to "Deleted customer". What named them goes: their name and email address on their record and wherever
Parley wrote them into text (message bodies, earlier versions, file names, thread lines, previews, subjects, notices,
tickets), the emails received from them (raw included, and their files not posted), the emails sent to them, their
reply addresses, their pending email deliveries, their uploads never sent and their sessions.
Both actions are for admins and are logged (by the customer's id only).
"""
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from models import (Attachment, AuditAction, Conversation, CustomerThread, Delivery, DeliveryState, InboundEmail, Item,
                    ItemKind, Message, MessageVersion, Notification, OutboundEmail, Participant, User, UserKind)
from models._types import utcnow
from services.i18n import N_
from services.access import acting, is_id, require_admin
from services.audit import record
from services.db import Database
from services.errors import NotFound
from services.events import EventBus, SessionsEnded
from services.views import AttachmentView, UserView

DELETED_NAME = N_('Deleted customer')


def deleted_address(customer_id: int) -> str:
    """The placeholder that keeps a deleted customer's email column unique and names no one (.invalid: RFC 2606)."""
    return f'deleted-customer-{customer_id}@deleted.invalid'


class CustomerRecords:
    def __init__(self, db: Database, bus: EventBus) -> None:
        self.db, self.bus = db, bus

    @acting
    def export(self, actor: UserView, customer_id: int) -> dict:
        """Everything Parley holds about the customer, as plain JSON-ready data (admins only; logged)."""
        require_admin(actor)
        with self.db.transaction() as tx:
            session = tx.session
            customer = _customer(session, customer_id)
            data = {
                'exported_at': _time(utcnow()),
                'customer': {'id': customer.id, 'name': customer.name, 'email': customer.email,
                             'organization': customer.organization, 'created_at': _time(customer.created_at)},
                'conversations': _conversations(session, customer.id),
                'tickets': [{'ref': f'T-{i.number}', 'title': i.title, 'description': i.description,
                             'status': i.status.value, 'created_at': _time(i.created_at)}
                            for i in session.exec(select(Item).where(Item.kind == ItemKind.TICKET,
                                                                     Item.customer_id == customer.id)
                                                  .order_by(col(Item.number)))],
                'emails_received': [{'received_at': _time(e.received_at), 'from': e.from_address,
                                     'subject': e.subject, 'text': e.body, 'outcome': e.outcome.value}
                                    for e in session.exec(select(InboundEmail)
                                                          .where(InboundEmail.from_address == customer.email)
                                                          .order_by(col(InboundEmail.id)))],
            }
            record(session, actor, AuditAction.CUSTOMER_EXPORTED, subject_id=customer.id)
        return data

    @acting
    def delete(self, actor: UserView, customer_id: int) -> None:
        """Remove the customer's personal data, keeping their messages in the agents' threads (admins only; logged)."""
        require_admin(actor)
        with self.db.transaction() as tx:
            session = tx.session
            customer = _customer(session, customer_id)
            name, email = customer.name, customer.email
            # Emails received from them (and the files they carried, not posted) and sent to them, their reply
            # addresses, their pending deliveries, their uploads never sent (the sweep removes the bytes).
            received = select(InboundEmail.id).where(func.lower(col(InboundEmail.from_address)) == email)
            session.exec(delete(Attachment).where(col(Attachment.inbound_id).in_(received)))
            session.exec(delete(Attachment).where(col(Attachment.uploader_id) == customer.id,
                                                  col(Attachment.message_id).is_(None)))
            session.exec(delete(InboundEmail).where(func.lower(col(InboundEmail.from_address)) == email))
            sent = select(OutboundEmail.id).where(func.lower(col(OutboundEmail.to_address)) == email)
            session.exec(update(Delivery).where(col(Delivery.email_id).in_(sent)).values(email_id=None))
            session.exec(delete(OutboundEmail).where(func.lower(col(OutboundEmail.to_address)) == email))
            session.exec(delete(CustomerThread).where(col(CustomerThread.customer_id) == customer.id))
            session.exec(delete(Delivery).where(col(Delivery.customer_id) == customer.id,   # never emailed now
                                                col(Delivery.state).in_([DeliveryState.QUEUED, DeliveryState.LIVE])))
            # Their name and address wherever Parley wrote them into text.
            for column in _NAMING:
                _scrub(session, column, (name, email))
            customer.name, customer.email, customer.organization = DELETED_NAME, deleted_address(customer.id), None
            customer.is_active, customer.deleted_at = False, utcnow()
            customer.session_generation += 1   # their chat tabs and emailed links end
            session.add(customer)
            record(session, actor, AuditAction.CUSTOMER_DELETED, subject_id=customer.id)
            tx.on_commit(lambda: self.bus.publish(SessionsEnded(recipients=(customer_id,))))


# Text that may name a customer once their own rows are gone: what was written, and what other emails carried (a
# transcript to another customer quoting her, a bounce report naming her address).
_NAMING = (Message.body, Message.attachments, Attachment.name, MessageVersion.body, Conversation.subject,
           Conversation.last_message_preview, Conversation.customer_preview,
           Notification.title, Notification.preview, Item.title, Item.description, InboundEmail.from_name,
           InboundEmail.subject, InboundEmail.body, InboundEmail.reason, OutboundEmail.to_name, OutboundEmail.subject,
           OutboundEmail.text_body, OutboundEmail.html_body, OutboundEmail.last_error)


def _customer(session: Session, customer_id: int) -> User:
    user = session.get(User, customer_id) if is_id(customer_id) else None
    if user is None or user.kind != UserKind.CUSTOMER or user.deleted_at is not None:
        raise NotFound('Customer not found')
    return user


def _conversations(session: Session, customer_id: int) -> list[dict]:
    """Their conversations with what they could see: messages, never internal notes or lines about the thread."""
    rows = session.exec(select(Conversation).join(Participant, col(Participant.conversation_id) == Conversation.id)
                        .where(Participant.user_id == customer_id).order_by(col(Conversation.id))).all()
    result = []
    for conversation in rows:
        messages = session.exec(select(Message, User.name).join(User, col(User.id) == Message.author_id)
                                .where(Message.conversation_id == conversation.id, col(Message.is_note).is_(False))
                                .order_by(col(Message.id))).all()
        result.append({'id': conversation.id, 'subject': conversation.subject,
                       'started_at': _time(conversation.created_at),
                       'messages': [{'at': _time(m.created_at), 'from': author, 'text': m.body,
                                     'by_email': m.via == 'email',
                                     'files': [{'name': a.name, 'size': a.size, 'kept': a.kept}
                                               for a in AttachmentView.load(m.attachments)]}
                                    for m, author in messages if m.deleted_at is None]})
    return result


def _scrub(session: Session, column, words: tuple[str, ...]) -> None:
    """Replace each of the words in this text column with DELETED_NAME (case as stored: names and lower-case
    addresses), in the rows that contain it."""
    for word in words:
        if word:
            session.exec(update(column.class_).where(col(column).contains(word, autoescape=True))
                         .values({column.key: func.replace(column, word, DELETED_NAME)}))


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
