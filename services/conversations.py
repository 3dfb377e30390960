"""Conversations: create, send, list, read. Every access goes through access_conversation."""
from collections.abc import Iterable, Sequence

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from models import Conversation, Message, Participant, User, UserKind
from models._types import utcnow
from models.conversations import ConversationKind, ConversationStatus
from services.db import Database
from services.directory import to_view
from services.errors import InvalidInput, NotFound
from services.events import ConversationCreated, ConversationRead, EventBus, MessageSent
from services.views import ConversationView, MessageView, UserView

MAX_MESSAGE_LENGTH = 10_000
MAX_CLIENT_ID_LENGTH = 64
PAGE_SIZE = 50
PREVIEW_LENGTH = 140
NOT_FOUND = 'Conversation not found'


def validate_body(body: str) -> str:
    """The message as it will be stored (outer whitespace trimmed), or InvalidInput saying why not."""
    text = (body or '').strip()
    if not text:
        raise InvalidInput('Write a message first.')
    if len(text) > MAX_MESSAGE_LENGTH:
        raise InvalidInput(f'This message is {len(text):,} characters long; the limit is '
                           f'{MAX_MESSAGE_LENGTH:,}. Shorten it or split it in two.')
    return text


def parse_conversation_id(raw: object) -> int:
    """An id from a URL; anything malformed is simply not found."""
    text = str(raw)
    if not text.isdigit() or len(text) > 18:
        raise NotFound(NOT_FOUND)
    return int(text)


class ConversationService:
    def __init__(self, db: Database, bus: EventBus) -> None:
        self.db = db
        self.bus = bus

    # ----- writes -----------------------------------------------------------------------------

    def create_conversation(self, actor: UserView, *, participant_ids: Iterable[int], body: str,
                            client_id: str, subject: str | None = None) -> ConversationView:
        """Store a conversation between the actor and teammates with its first message, all or nothing.

        Retrying with the same client_id returns the conversation created the first time.
        """
        text = validate_body(body)
        client_id = _validate_client_id(client_id)
        others = [i for i in dict.fromkeys(participant_ids) if i != actor.id]
        if not others:
            raise InvalidInput('Add at least one participant.')
        subject = (subject or '').strip()[:200] or None
        with self.db.transaction() as tx:
            session = tx.session
            existing = _message_by_client_id(session, actor.id, client_id)
            if existing is not None:
                conversation_id = existing.conversation_id
            else:
                agents = session.exec(select(User.id).where(
                    col(User.id).in_(others), User.kind == UserKind.AGENT, User.is_active)).all()
                if len(agents) != len(others):
                    raise InvalidInput('Some participants are not active teammates any more. '
                                       'Remove them and try again.')
                now = utcnow()
                conversation = Conversation(kind=ConversationKind.INTERNAL, subject=subject,
                                            created_by_id=actor.id, created_at=now, last_message_at=now,
                                            last_message_preview=_preview(text),
                                            last_message_author_id=actor.id)
                session.add(conversation)
                session.flush()
                conversation_id = conversation.id
                message = Message(conversation_id=conversation_id, author_id=actor.id, body=text,
                                  client_id=client_id, created_at=now)
                session.add(message)
                session.flush()
                session.add(Participant(conversation_id=conversation_id, user_id=actor.id, joined_at=now,
                                        last_read_message_id=message.id))
                for user_id in others:
                    session.add(Participant(conversation_id=conversation_id, user_id=user_id, joined_at=now,
                                            unread_count=1))
                recipients = (actor.id, *others)
                tx.on_commit(lambda: self.bus.publish(ConversationCreated(
                    recipients=recipients, conversation_id=conversation_id, created_by_id=actor.id)))
        return self.access_conversation(actor, conversation_id)

    def send_message(self, actor: UserView, conversation_id: int, *, body: str, client_id: str) -> MessageView:
        """Append a message; participants' unread counts go up and they are told after the commit.

        Retrying with the same client_id returns the message stored the first time.
        """
        text = validate_body(body)
        client_id = _validate_client_id(client_id)
        try:
            with self.db.transaction() as tx:
                session = tx.session
                conversation = self._access(session, actor, conversation_id)
                existing = _message_by_client_id(session, actor.id, client_id)
                if existing is not None:
                    if existing.conversation_id != conversation.id:
                        raise InvalidInput('This message was already sent to another conversation.')
                    message = existing
                else:
                    message = self._append(tx, conversation, actor, text, client_id)
        except IntegrityError:  # the same client id raced in from another request: return the winner
            with self.db.session() as session:
                message = _message_by_client_id(session, actor.id, client_id)
                if message is None:
                    raise
        return MessageView(id=message.id, conversation_id=message.conversation_id, author=actor,
                           body=message.body, created_at=message.created_at, client_id=message.client_id)

    def mark_read(self, actor: UserView, conversation_id: int) -> None:
        """Everything in the conversation up to now counts as read by the actor."""
        with self.db.transaction() as tx:
            session = tx.session
            conversation = self._access(session, actor, conversation_id)
            participant = session.get(Participant, (conversation.id, actor.id))
            if participant.unread_count == 0:
                return
            last_id = session.exec(select(func.max(Message.id)).where(
                Message.conversation_id == conversation.id)).one() or 0
            participant.unread_count = 0
            participant.last_read_message_id = last_id
            session.add(participant)
            tx.on_commit(lambda: self.bus.publish(ConversationRead(recipients=(actor.id,),
                                                                   conversation_id=conversation.id)))

    # ----- reads ------------------------------------------------------------------------------

    def access_conversation(self, actor: UserView, conversation_id: int) -> ConversationView:
        """The conversation if the actor takes part in it; NotFound otherwise (also for unknown ids)."""
        with self.db.session() as session:
            conversation = self._access(session, actor, conversation_id)
            participant = session.get(Participant, (conversation.id, actor.id))
            people = _participants_by_conversation(session, [conversation.id])
        return _conversation_view(conversation, participant.unread_count, people[conversation.id], actor)

    def list_conversations(self, actor: UserView, *, limit: int = 100) -> list[ConversationView]:
        """The actor's open conversations, newest activity first."""
        with self.db.session() as session:
            rows = session.exec(
                select(Conversation, Participant.unread_count)
                .join(Participant, col(Participant.conversation_id) == Conversation.id)
                .where(Participant.user_id == actor.id, Conversation.status == ConversationStatus.OPEN)
                .order_by(col(Conversation.last_message_at).desc(), col(Conversation.id).desc())
                .limit(limit)).all()
            people = _participants_by_conversation(session, [c.id for c, _ in rows])
        return [_conversation_view(c, unread, people[c.id], actor) for c, unread in rows]

    def list_messages(self, actor: UserView, conversation_id: int, *, before_id: int | None = None,
                      limit: int = PAGE_SIZE) -> list[MessageView]:
        """Up to `limit` messages, oldest first: the latest ones, or those before `before_id`."""
        with self.db.session() as session:
            conversation = self._access(session, actor, conversation_id)
            statement = select(Message, User).join(User, col(User.id) == Message.author_id).where(
                Message.conversation_id == conversation.id)
            if before_id is not None:
                statement = statement.where(col(Message.id) < before_id)
            rows = session.exec(statement.order_by(col(Message.id).desc()).limit(max(1, min(limit, 200)))).all()
        return [_message_view(m, u) for m, u in reversed(rows)]

    def get_message(self, actor: UserView, message_id: int) -> MessageView:
        """One message of a conversation the actor takes part in; NotFound otherwise."""
        with self.db.session() as session:
            row = session.exec(select(Message, User).join(User, col(User.id) == Message.author_id)
                               .where(Message.id == message_id)).first()
            if row is None:
                raise NotFound('Message not found')
            self._access(session, actor, row[0].conversation_id)
        return _message_view(*row)

    def unread_total(self, actor: UserView) -> int:
        """Unread messages over all the actor's open conversations."""
        with self.db.session() as session:
            return session.exec(
                select(func.coalesce(func.sum(Participant.unread_count), 0))
                .join(Conversation, col(Conversation.id) == Participant.conversation_id)
                .where(Participant.user_id == actor.id, Conversation.status == ConversationStatus.OPEN)).one()

    # ----- internals --------------------------------------------------------------------------

    def _access(self, session: Session, actor: UserView, conversation_id: int) -> Conversation:
        if not isinstance(conversation_id, int) or isinstance(conversation_id, bool):
            raise NotFound(NOT_FOUND)
        row = session.exec(select(Conversation).join(
            Participant, col(Participant.conversation_id) == Conversation.id).where(
            Conversation.id == conversation_id, Participant.user_id == actor.id)).first()
        if row is None:
            raise NotFound(NOT_FOUND)
        return row

    def _append(self, tx, conversation: Conversation, author: UserView, text: str, client_id: str) -> Message:
        session = tx.session
        now = utcnow()
        message = Message(conversation_id=conversation.id, author_id=author.id, body=text,
                          client_id=client_id, created_at=now)
        session.add(message)
        session.flush()
        conversation.last_message_at = now
        conversation.last_message_preview = _preview(text)
        conversation.last_message_author_id = author.id
        session.add(conversation)
        session.exec(update(Participant)
                     .where(col(Participant.conversation_id) == conversation.id,
                            col(Participant.user_id) != author.id)
                     .values(unread_count=Participant.unread_count + 1))
        session.exec(update(Participant)
                     .where(col(Participant.conversation_id) == conversation.id,
                            col(Participant.user_id) == author.id)
                     .values(unread_count=0, last_read_message_id=message.id))  # replying reads the thread
        recipients = tuple(session.exec(select(Participant.user_id).where(
            Participant.conversation_id == conversation.id)).all())
        event = MessageSent(recipients=recipients, conversation_id=conversation.id, message_id=message.id,
                            author_id=author.id)
        tx.on_commit(lambda: self.bus.publish(event))
        return message


def _validate_client_id(client_id: str) -> str:
    client_id = (client_id or '').strip()
    if not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH:
        raise InvalidInput('This message could not be sent; reload the page and try again.')
    return client_id


def _message_by_client_id(session: Session, author_id: int, client_id: str) -> Message | None:
    return session.exec(select(Message).where(Message.author_id == author_id,
                                              Message.client_id == client_id)).first()


def _participants_by_conversation(session: Session, ids: Sequence[int]) -> dict[int, list[UserView]]:
    people: dict[int, list[UserView]] = {i: [] for i in ids}
    if ids:
        rows = session.exec(select(Participant.conversation_id, User)
                            .join(User, col(User.id) == Participant.user_id)
                            .where(col(Participant.conversation_id).in_(ids))
                            .order_by(col(Participant.joined_at), col(User.name))).all()
        for conversation_id, user in rows:
            people[conversation_id].append(to_view(user))
    return people


def _conversation_view(conversation: Conversation, unread: int, people: list[UserView],
                       viewer: UserView) -> ConversationView:
    others = [p.name for p in people if p.id != viewer.id]
    title = conversation.subject or ', '.join(others) or 'Only you'
    return ConversationView(id=conversation.id, kind=conversation.kind.value, title=title,
                            participants=tuple(people), last_message_at=conversation.last_message_at,
                            last_message_preview=conversation.last_message_preview, unread_count=unread)


def _message_view(message: Message, author: User) -> MessageView:
    return MessageView(id=message.id, conversation_id=message.conversation_id, author=to_view(author),
                       body=message.body, created_at=message.created_at, client_id=message.client_id)


def _preview(text: str) -> str:
    flat = ' '.join(text.split())
    return flat if len(flat) <= PREVIEW_LENGTH else flat[:PREVIEW_LENGTH - 1] + '…'

