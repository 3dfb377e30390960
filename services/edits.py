"""Edit and delete: the author of a message changes or removes it, live on every open page.

An edit keeps the earlier text (agents can read it: `versions`) and marks the message "edited". A deletion empties
the message (text and files) and leaves "Message deleted" in its place. An agent's message to a customer that no
email has carried yet is thereby unsent: its waiting deliveries go (a handler of MessageDeleted), so no email
ever carries it. Once an email carried it, the agent is told so: the customer keeps the version they got.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, func, select

from models import (Conversation, ConversationKind, Delivery, Message, MessageVersion, MessageVia, Participant, User,
                    UserKind)
from models._types import utcnow
from services import access
from services.i18n import N_, _, name_list
from services.access import acting, is_id
from services.attachments import forget
from services.conversations import ConversationService, preview_text, validate_body
from services.db import Database, Transaction
from services.errors import InvalidInput, NotFound
from services.events import EventBus, MessageChanged
from services.hooks import MessageDeleted
from services.views import DELETED_PREVIEW, NOTE_PREFIX, AttachmentView, MessageView, UserView

MESSAGE_NOT_FOUND = N_('This message does not exist any more, or is not yours to change.')


@dataclass(frozen=True)
class Changed:
    """What an edit or deletion did, with what the author should know (None: nothing more to say)."""
    message: MessageView
    notice: str | None = None


@dataclass(frozen=True)
class Version:
    body: str
    replaced_at: datetime


class MessageEdits:
    def __init__(self, db: Database, bus: EventBus, conversations: ConversationService) -> None:
        self.db, self.bus, self.conversations = db, bus, conversations

    @acting
    def edit(self, actor: UserView, message_id: int, *, body: str) -> Changed:
        """The author's new text for their message (the earlier one kept for agents)."""
        with self.db.transaction() as tx:
            message = self._own(tx, actor, message_id)
            text = validate_body(body, files=any(a.kept for a in AttachmentView.load(message.attachments)))
            if text == message.body:
                return Changed(self.conversations.get_message(actor, message.id))
            emailed = _emailed_to(tx, message.id)
            tx.session.add(MessageVersion(message_id=message.id, body=message.body, replaced_at=utcnow()))
            message.body, message.edited_at = text, utcnow()
            tx.session.add(message)
            self._preview_if_last(tx, message, preview_text(text, AttachmentView.load(message.attachments)))
            self._tell(tx, message)
        notice = (_('{names} already got the earlier version by email.').format(names=_names(emailed)) if emailed
                  else None)
        return Changed(self.conversations.get_message(actor, message_id), notice)

    @acting
    def delete(self, actor: UserView, message_id: int) -> Changed:
        """The author removes their message: text, files and earlier versions go; "Message deleted" stays. Not
        emailed yet, it is unsent: no email will carry it."""
        with self.db.transaction() as tx:
            message = self._own(tx, actor, message_id)
            emailed = _emailed_to(tx, message.id)
            tx.emit(MessageDeleted(conversation_id=message.conversation_id, message_id=message.id))
            forget(tx.session, [message.id])
            for version in tx.session.exec(select(MessageVersion).where(MessageVersion.message_id == message.id)):
                tx.session.delete(version)
            message.body, message.attachments, message.deleted_at = '', '[]', utcnow()
            tx.session.add(message)
            self._preview_if_last(tx, message, DELETED_PREVIEW)
            self._tell(tx, message)
        notice = (_('{names} already got it by email; it is gone from the conversation and the live chat.').format(
            names=_names(emailed)) if emailed else None)
        return Changed(self.conversations.get_message(actor, message_id), notice)

    @acting
    def what_deleting_does(self, actor: UserView, message_id: int) -> str:
        """The words of the confirmation: unsent, or emailed already, or simply gone for everyone."""
        with self.db.transaction() as tx:
            message = self._own(tx, actor, message_id)
            emailed = _emailed_to(tx, message.id)
            waiting = tx.session.exec(select(func.count()).select_from(Delivery).where(
                Delivery.message_id == message.id, col(Delivery.email_id).is_(None))).one()
        if emailed:
            return _('{names} already got it by email and keeps that copy. Here and on the live chat, everyone sees '
                     '"Message deleted".').format(names=_names(emailed))
        if waiting:
            return _('No email has carried it yet: deleting it now unsends it. Everyone sees "Message deleted".')
        return _('Everyone in the conversation sees "Message deleted" instead. This cannot be undone.')

    @acting
    def emailed_to(self, actor: UserView, message_id: int) -> list[str]:
        """The customers an email has carried the actor's message to (an edit reaches them no more)."""
        with self.db.transaction() as tx:
            return _emailed_to(tx, self._own(tx, actor, message_id).id)

    @acting
    def versions(self, actor: UserView, message_id: int) -> list[Version]:
        """A message's earlier texts, oldest first (agents who may open its conversation)."""
        if not access.sees_notes(actor):
            raise NotFound(MESSAGE_NOT_FOUND)
        with self.db.session() as session:
            message = session.get(Message, message_id) if is_id(message_id) else None
            if message is None:
                raise NotFound(MESSAGE_NOT_FOUND)
            access.conversation(session, actor, message.conversation_id)
            rows = session.exec(select(MessageVersion).where(MessageVersion.message_id == message.id)
                                .order_by(col(MessageVersion.id))).all()
            return [Version(r.body, r.replaced_at) for r in rows]

    # ----- helpers ----------------------------------------------------------------------------

    def _own(self, tx: Transaction, actor: UserView, message_id: object) -> Message:
        """The actor's own message (typed in Parley, not deleted) in a conversation they may still open."""
        message = tx.session.get(Message, message_id) if is_id(message_id) else None
        if message is None or message.author_id != actor.id or message.event is not None or \
                message.deleted_at is not None:
            raise NotFound(MESSAGE_NOT_FOUND)
        if message.via != MessageVia.APP:
            raise InvalidInput('A reply that came by email stays as it was sent.')
        access.conversation(tx.session, actor, message.conversation_id)
        return message

    def _preview_if_last(self, tx: Transaction, message: Message, preview: str) -> None:
        """The conversation's preview follows its last message."""
        last = tx.session.exec(select(func.max(Message.id)).where(Message.conversation_id == message.conversation_id,
                                                                  col(Message.event).is_(None))).one()
        if last != message.id:
            return
        values = {'last_message_preview': (NOTE_PREFIX if message.is_note else '') + preview}
        if not message.is_note:
            values['customer_preview'] = preview
        tx.session.exec(update(Conversation).where(col(Conversation.id) == message.conversation_id)
                        .values(**values))

    def _tell(self, tx: Transaction, message: Message) -> None:
        """Every page showing the conversation reads the message again (customers' pages: not a note's)."""
        rows = tx.session.exec(select(Participant.user_id, User.kind).join(User, col(User.id) == Participant.user_id)
                               .where(Participant.conversation_id == message.conversation_id)).all()
        conversation = tx.session.get(Conversation, message.conversation_id)
        told = [i for i, kind in rows if not (message.is_note and kind == UserKind.CUSTOMER)]
        if conversation is not None and conversation.unassigned and conversation.kind == ConversationKind.CUSTOMER:
            told += access.active_agent_ids(tx.session)
        event = MessageChanged(recipients=tuple(dict.fromkeys(told)), conversation_id=message.conversation_id,
                               message_id=message.id)
        tx.on_commit(lambda: self.bus.publish(event))


def _emailed_to(tx: Transaction, message_id: int) -> list[str]:
    """The customers an email has carried this message to already (or is about to: it is in the outbox)."""
    return list(tx.session.exec(select(User.name).join(Delivery, col(Delivery.customer_id) == User.id).where(
        Delivery.message_id == message_id, col(Delivery.email_id).is_not(None))).all())


def _names(names: list[str]) -> str:
    return name_list(names)
