"""Conversations: create, send, list, read. Every access goes through access_conversation."""
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
import time

from sqlalchemy import Boolean, Integer, String, and_, bindparam, case, cast, insert, literal_column, or_, update
from sqlalchemy import select as sql_select   # sqlmodel's select types up to four columns
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, func, select

from models import (Conversation, ConversationKind, ConversationStatus, CustomerThread, Delivery, EmailStatus, Item,
                    Message, MessageVia, NotificationSettings, OutboundEmail, Participant, ThreadEvent, User, UserKind)
from models._types import utcnow
from services.i18n import N_, _
from services.db import Database, Transaction
from services.directory import to_view
from services.errors import InvalidInput, NotFound, SignedOut
from services.events import (ConversationChanged, ConversationCreated, ConversationRead, Event, EventBus,
                             MessageSent, SeenUpTo, Typing)
from services.hooks import ConversationOpened, Facts, Member, MessageStored
from services.presence import Presence
from services.attachments import claim, staged
from services.richtext import to_text
from services.text import clean_text, one_line
from services.threadlines import add_line, agent_ids
from services import access
from services.access import SIGNED_OUT, acting, current_actor, is_id
from services.views import (NOTE_PREFIX, AttachmentView, ConversationView, DeliveryView, Inbox, ItemLink, MessageView,
                            UserView, delivery_label, files_line)

MAX_MESSAGE_LENGTH = 10_000
MAX_PARTICIPANTS = 100
MAX_CLIENT_ID_LENGTH = 64
PAGE_SIZE = 50
PREVIEW_LENGTH = 140
TYPING_EVERY = 3.0   # seconds: one "is typing" event per person and conversation at most this often
NOT_FOUND = access.CONVERSATION_NOT_FOUND
NO_CUSTOMER = N_('Pick the customer this conversation is with.')
Cursor = tuple[datetime, int]   # where a page of a list ends: the last row's (last_message_at, id)
_INBOX_STATUS = {Inbox.OPEN: ConversationStatus.OPEN, Inbox.UNREAD: ConversationStatus.OPEN,
                 Inbox.SNOOZED: ConversationStatus.SNOOZED, Inbox.CLOSED: ConversationStatus.CLOSED}


def validate_body(body: str, *, files: bool = False) -> str:
    """The message as it will be stored (invisible characters removed, outer whitespace trimmed), or InvalidInput.
    With files it may be empty."""
    text = clean_text(body).strip()
    if not text and not files:
        raise InvalidInput('Write a message first.')
    if len(text) > MAX_MESSAGE_LENGTH:
        raise InvalidInput('This message is {count} characters long; the limit is {max_message_length}. Shorten it '
                           'or split it in two.', count=len(text), max_message_length=MAX_MESSAGE_LENGTH)
    return text


def unread_after(unread: int, event: MessageSent | ConversationRead, reader_id: int, *, on_screen: bool) -> int:
    """A list row's unread count after an event, as the send path counts it in the database: read by opening it;
    a new message is read by its author and by whoever has the conversation on screen, one more for the others."""
    if isinstance(event, ConversationRead) or reader_id in event.read_by or on_screen:
        return 0
    return unread + 1


def parse_conversation_id(raw: object) -> int:
    """An id from a URL; anything malformed is simply not found."""
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or not is_id(int(text)):
        raise NotFound(NOT_FOUND)
    return int(text)


class ConversationService:
    """Agents see conversations they take part in, plus unassigned customer conversations.

    Customers see only conversations they take part in, and never internal notes or agents' emails.
    """

    def __init__(self, db: Database, bus: EventBus, presence: Presence | None = None, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.bus = bus
        self.presence = presence or Presence()
        self.clock = clock
        # The send path's statements, compiled once and run on the driver (services.db.Prepared).
        self._insert_message = db.prepare(db.insert_ignoring_duplicates(Message).returning(Message.id), _MESSAGE)
        self._load_statement = db.prepare(_LOAD)
        self._update_conversation = db.prepare(_UPDATE_CONVERSATION)
        self._update_unread = db.prepare(_UPDATE_UNREAD)
        self._typing: dict[tuple[int, int], float] = {}   # (person, conversation): when their last Typing went out

    # ----- writes -----------------------------------------------------------------------------

    @acting
    def create_conversation(self, actor: UserView, *, participant_ids: Iterable[int], body: str,
                            client_id: str, subject: str | None = None, with_customer: bool = False,
                            item_id: int | None = None, attachment_ids: Sequence[int] = ()) -> ConversationView:
        """An agent starts a conversation with teammates and/or customers and its first message, all or nothing.

        With a customer among the participants it is a customer conversation: the first message goes to
        them (live or by email). With item_id it belongs to that ticket or task (its visibility does not change).
        Retrying with the same client_id returns the conversation created the first time. attachment_ids: the
        agent's uploads for the first message (then its text may be empty).
        """
        access.require_agent(actor, InvalidInput('Only agents start conversations here.'))
        text = validate_body(body, files=bool(attachment_ids))
        client_id = _validate_client_id(client_id)
        others = [i for i in dict.fromkeys(participant_ids) if i != actor.id]
        if not others:
            raise InvalidInput(NO_CUSTOMER if with_customer else 'Add at least one participant.')
        if len(others) > MAX_PARTICIPANTS:
            raise InvalidInput('A conversation can have up to {max_participants} participants; this one has '
                               '{count}. Split the group, or use a ticket for everyone.',
                               max_participants=MAX_PARTICIPANTS, count=len(others))
        subject = one_line(subject)[:200] or None

        def create(tx: Transaction) -> int:
            people = tx.session.exec(select(User).where(col(User.id).in_(others), User.is_active)).all()
            if len(people) != len(others):
                raise InvalidInput('Some participants are not active any more. Remove them and try again.')
            has_customer = any(p.kind == UserKind.CUSTOMER for p in people)
            if with_customer and not has_customer:  # "Conversation with customer" needs its customer
                raise InvalidInput(NO_CUSTOMER)
            if item_id is not None and (not is_id(item_id) or tx.session.get(Item, item_id) is None):
                raise InvalidInput('That ticket or task does not exist any more.')
            conversation = self._new_conversation(
                tx, ConversationKind.CUSTOMER if has_customer else ConversationKind.INTERNAL, actor, subject,
                [actor.id, *others], item_id=item_id, assignee_id=actor.id if has_customer else None)
            created = ConversationCreated(recipients=(actor.id, *others), conversation_id=conversation.id,
                                          created_by_id=actor.id)
            self._append(tx, *self._loaded(tx.connection, conversation.id), actor, text, client_id, event=created,
                         attachments=staged(tx.session, actor, attachment_ids) if attachment_ids else ())
            return conversation.id
        return self.access_conversation(actor, self._create_once(actor, client_id, create))

    @acting
    def start_customer_conversation(self, customer: UserView, *, body: str, client_id: str,
                                    attachment_ids: Sequence[int] = ()) -> ConversationView:
        """A customer writes from the live chat: a new conversation in the Unassigned inbox every agent sees."""
        if customer.kind != UserKind.CUSTOMER:
            raise InvalidInput('Only customers start live-chat conversations.')
        text = validate_body(body, files=bool(attachment_ids))
        client_id = _validate_client_id(client_id)

        def create(tx: Transaction) -> int:
            files = staged(tx.session, customer, attachment_ids)
            conversation = self._new_conversation(tx, ConversationKind.CUSTOMER, customer, None, [customer.id],
                                                  unassigned=True)
            started = ConversationCreated(recipients=(customer.id, *access.active_agent_ids(tx.session)),
                                          conversation_id=conversation.id, created_by_id=customer.id)
            self._append(tx, *self._loaded(tx.connection, conversation.id), customer, text, client_id,
                         attachments=files, event=started)
            return conversation.id
        return self.access_conversation(customer, self._create_once(customer, client_id, create))

    @acting
    def start_from_email(self, agent: UserView, customer: UserView, *, subject: str | None, body: str,
                         client_id: str, attachments: Sequence[AttachmentView] = ()) -> ConversationView:
        """An email from a customer that answered nothing of ours becomes a new conversation: its first message
        is theirs ("by email"), the agent who made it takes part and has it, and a reply threads back into it."""
        access.require_agent(agent, InvalidInput('Only agents start conversations here.'))
        if customer.kind != UserKind.CUSTOMER:
            raise InvalidInput('Only customers reply by email.')
        text = validate_body(body, files=any(a.kept for a in attachments))
        client_id = _validate_client_id(client_id)

        def create(tx: Transaction) -> int:
            conversation = self._new_conversation(tx, ConversationKind.CUSTOMER, agent, one_line(subject)[:200] or None,
                                                  [agent.id, customer.id], assignee_id=agent.id)
            created = ConversationCreated(recipients=(agent.id, customer.id), conversation_id=conversation.id,
                                          created_by_id=agent.id)
            self._append(tx, *self._loaded(tx.connection, conversation.id), customer, text, client_id,
                         via=MessageVia.EMAIL, attachments=attachments, event=created)
            return conversation.id
        return self.access_conversation(agent, self._create_once(customer, client_id, create))

    def send_message(self, actor: UserView, conversation_id: int, *, body: str, client_id: str,
                     note: bool = False, attachment_ids: Sequence[int] = ()) -> MessageView:
        """Append a message (or, for agents in a customer conversation, an internal note), with the actor's
        uploads waiting to be sent (services.attachments) if any: then the text may be empty.

        Participants' unread counts go up and they are told after the commit. An agent answering an
        unassigned conversation joins it. Retrying with the same client_id returns the first message.
        """
        return self._send(actor, conversation_id, validate_body(body, files=bool(attachment_ids)), client_id,
                          note=note, staged_ids=attachment_ids)

    def receive_email(self, customer: UserView, conversation_id: int, *, body: str, client_id: str,
                      attachments: Sequence[AttachmentView] = (), join: bool = False) -> MessageView:
        """A customer's reply by email, posted like a live-chat reply and marked "by email".

        The customer must take part in the conversation, unless join=True (an admin attaching an
        email from the triage list), which adds them to a customer conversation first. The same
        client_id (derived from the email's Message-ID) never posts twice.
        """
        if customer.kind != UserKind.CUSTOMER:
            raise InvalidInput('Only customers reply by email.')
        return self._send(customer, conversation_id, validate_body(body, files=bool(attachments)), client_id,
                          via=MessageVia.EMAIL,
                          attachments=attachments, join=join)

    def _send(self, actor: UserView, conversation_id: int, text: str, client_id: str, *, note: bool = False,
              via: MessageVia = MessageVia.APP, attachments: Sequence[AttachmentView] = (),
              join: bool = False, staged_ids: Sequence[int] = ()) -> MessageView:
        client_id = _validate_client_id(client_id)
        with self.db.transaction() as tx:
            if staged_ids:
                earlier = _message_by_client_id(tx.session, actor.id, client_id)
                if earlier is not None:   # a retry of a send that claimed its files already
                    return self.get_message(actor, earlier.id)
            if join:
                self._join_customer(tx.session, actor, conversation_id)
            conversation, members = self._load(tx.connection, conversation_id)
            if conversation is None or not access.may_write(actor, takes_part=actor.id in members,
                                                            unassigned=conversation.unassigned):
                raise NotFound(NOT_FOUND)
            # The author as stored now (their page's copy may predate a deactivation): from the load when they take
            # part, read once more only when an agent takes an unassigned chat.
            if actor.id not in members:
                current_actor(tx.session, actor)
            elif not members[actor.id].active:
                raise SignedOut(SIGNED_OUT)
            if note and (actor.kind != UserKind.AGENT or conversation.kind != ConversationKind.CUSTOMER):
                raise InvalidInput('Internal notes are for customer conversations: '
                                   'everything here is internal already.')
            if staged_ids:
                attachments = staged(tx.session, actor, staged_ids)
            sent = self._append(tx, conversation, members, actor, text, client_id, note=note, via=via,
                                attachments=attachments)
        if isinstance(sent, MessageView):
            return sent
        if sent.conversation_id != conversation.id:  # a retry of a message stored before, elsewhere
            raise InvalidInput('This message was already sent to another conversation.')
        return self.get_message(actor, sent.id)

    @acting
    def was_sent(self, actor: UserView, client_id: str) -> bool:
        """Whether the actor's message with this client id is stored (a page checking an unsent-looking text)."""
        with self.db.session() as session:
            return _message_by_client_id(session, actor.id, (client_id or '')[:MAX_CLIENT_ID_LENGTH]) is not None

    def mark_read(self, actor: UserView, conversation_id: int) -> None:
        """Everything in the conversation up to now counts as read by the actor.

        For a customer it also means seen: their pending deliveries become "Seen" and are never emailed.
        """
        if actor.kind == UserKind.AGENT and is_id(conversation_id):
            with self.db.session() as session:   # an active participant is allowed in; nothing unread, nothing to write
                unread = session.exec(select(Participant.unread_count).join(User, col(User.id) == Participant.user_id)
                                      .where(Participant.conversation_id == conversation_id,
                                             Participant.user_id == actor.id, User.is_active)).first()
            if unread == 0:
                return
        with self.db.transaction() as tx:
            session = tx.session
            actor = current_actor(session, actor)
            conversation = access.conversation(session, actor, conversation_id)
            participant = session.get(Participant, (conversation.id, actor.id))
            # Notices read (agents), deliveries seen (customers): the handlers' (services.hooks).
            tx.emit(ConversationOpened(conversation_id=conversation.id, reader=actor,
                                       had_unread=participant is None or participant.unread_count > 0))
            if participant is None or participant.unread_count == 0:  # (None: an agent looking at an unassigned one)
                return
            last_id = session.exec(select(func.max(Message.id)).where(
                Message.conversation_id == conversation.id)).one() or 0
            participant.unread_count = 0
            participant.last_read_message_id = last_id
            session.add(participant)
            tx.on_commit(lambda: self.bus.publish(ConversationRead(recipients=(actor.id,),
                                                                   conversation_id=conversation.id)))
            if conversation.kind == ConversationKind.INTERNAL:   # teammates see who read how far
                seen = SeenUpTo(recipients=tuple(i for i in agent_ids(tx, conversation.id) if i != actor.id),
                                conversation_id=conversation.id, user_id=actor.id, message_id=last_id)
                tx.on_commit(lambda: self.bus.publish(seen))

    # ----- reads ------------------------------------------------------------------------------

    @acting
    def access_conversation(self, actor: UserView, conversation_id: int) -> ConversationView:
        """The conversation if the actor may open it; NotFound otherwise (also for unknown ids)."""
        with self.db.session() as session:
            conversation = access.conversation(session, actor, conversation_id)
            participant = session.get(Participant, (conversation.id, actor.id))
            people = _participants_by_conversation(session, [conversation.id])
            items = _item_links(session, [conversation])
        return _conversation_view(conversation, participant.unread_count if participant else 0,
                                  people[conversation.id], actor, items)

    @acting
    def list_conversations(self, actor: UserView, *, inbox: Inbox = Inbox.OPEN, after: Cursor | None = None,
                           limit: int = 100) -> list[ConversationView]:
        """A page of one of the actor's lists, newest activity first (Unassigned: longest wait first); the next page
        starts after the last one's `cursor` (keyset paging on the inbox indexes: as quick on page 200 as on 1).

        Customers' lists ignore status: they never see it.
        """
        limit = max(1, min(limit, 200))
        if actor.kind != UserKind.AGENT:
            inbox = Inbox.OPEN
        elif inbox == Inbox.UNASSIGNED:
            return self.list_unassigned(actor, after=after, limit=limit)
        with self.db.session() as session:
            if inbox == Inbox.MINE:
                statement = (select(Conversation, Participant.unread_count)
                             .outerjoin(Participant, (col(Participant.conversation_id) == Conversation.id) &
                                        (col(Participant.user_id) == actor.id))
                             .where(Conversation.assignee_id == actor.id,
                                    Conversation.status == ConversationStatus.OPEN))
                at, key = col(Conversation.last_message_at), col(Conversation.id)
            else:
                statement = (select(Conversation, Participant.unread_count)
                             .join(Participant, col(Participant.conversation_id) == Conversation.id)
                             .where(Participant.user_id == actor.id))
                if actor.kind == UserKind.AGENT:
                    statement = statement.where(Participant.status == _INBOX_STATUS[inbox])
                if inbox == Inbox.UNREAD:
                    statement = statement.where(col(Participant.unread_count) > 0)
                at, key = col(Participant.last_message_at), col(Participant.conversation_id)  # type: ignore[arg-type]
            if after is not None:
                statement = statement.where(or_(at < after[0], and_(at == after[0], key < after[1])))
            rows = session.exec(statement.order_by(at.desc(), key.desc()).limit(limit)).all()
            return self._views(session, actor, rows)

    @acting
    def inbox_counts(self, actor: UserView) -> dict[Inbox, int]:
        """How many conversations each of the agent's lists holds (three indexed counts)."""
        if actor.kind != UserKind.AGENT:
            return {}
        with self.db.session() as session:
            by_status = session.exec(
                select(Participant.status, func.count(), func.sum(case((col(Participant.unread_count) > 0, 1),
                                                                       else_=0)))
                .where(Participant.user_id == actor.id).group_by(Participant.status)).all()
            mine = session.exec(select(func.count()).select_from(Conversation).where(
                Conversation.assignee_id == actor.id, Conversation.status == ConversationStatus.OPEN)).one()
            waiting = session.exec(select(func.count()).select_from(Conversation).where(
                col(Conversation.unassigned).is_(True), Conversation.status == ConversationStatus.OPEN)).one()
        counts = {ConversationStatus(status): (total, unread or 0) for status, total, unread in by_status}
        return {Inbox.OPEN: counts.get(ConversationStatus.OPEN, (0, 0))[0],
                Inbox.UNREAD: counts.get(ConversationStatus.OPEN, (0, 0))[1], Inbox.MINE: mine,
                Inbox.UNASSIGNED: waiting, Inbox.SNOOZED: counts.get(ConversationStatus.SNOOZED, (0, 0))[0],
                Inbox.CLOSED: counts.get(ConversationStatus.CLOSED, (0, 0))[0]}

    def views_of(self, session: Session, actor: UserView, ids: Sequence[int]) -> list[ConversationView]:
        """Views of these conversations for the actor (for another service, in its session; access is its caller's)."""
        if not ids:
            return []
        rows = session.exec(select(Conversation, Participant.unread_count)
                            .outerjoin(Participant, (col(Participant.conversation_id) == Conversation.id) &
                                       (col(Participant.user_id) == actor.id))
                            .where(col(Conversation.id).in_(list(ids)))).all()
        return self._views(session, actor, rows)

    def _views(self, session: Session, actor: UserView, rows) -> list[ConversationView]:
        people = _participants_by_conversation(session, [c.id for c, _ in rows])
        items = _item_links(session, [c for c, _ in rows])
        return [_conversation_view(c, unread or 0, people[c.id], actor, items) for c, unread in rows]

    @acting
    def list_unassigned(self, actor: UserView, *, after: Cursor | None = None,
                        limit: int = 100) -> list[ConversationView]:
        """Open customer conversations no agent has, longest wait first (agents only)."""
        if actor.kind != UserKind.AGENT:
            return []
        with self.db.session() as session:
            statement = select(Conversation).where(col(Conversation.unassigned).is_(True),
                                                   Conversation.status == ConversationStatus.OPEN)
            at, key = col(Conversation.last_message_at), col(Conversation.id)
            if after is not None:
                statement = statement.where(or_(at > after[0], and_(at == after[0], key > after[1])))
            rows = session.exec(statement.order_by(at, key).limit(max(1, min(limit, 200)))).all()
            return self._views(session, actor, [(c, 1) for c in rows])

    @acting
    def item_conversations(self, actor: UserView, item_id: int) -> tuple[list[ConversationView], int]:
        """The item's conversations the actor may open (newest first), and how many others it has."""
        if actor.kind != UserKind.AGENT:
            return [], 0
        with self.db.session() as session:
            joined = select(Participant.conversation_id).where(Participant.user_id == actor.id)
            rows = session.exec(
                select(Conversation, Participant.unread_count)
                .outerjoin(Participant, (col(Participant.conversation_id) == Conversation.id) &
                           (col(Participant.user_id) == actor.id))
                .where(Conversation.item_id == item_id,
                       or_(col(Conversation.id).in_(joined), col(Conversation.unassigned).is_(True)))
                .order_by(col(Conversation.last_message_at).desc())).all()
            total = session.exec(select(func.count()).select_from(Conversation)
                                 .where(Conversation.item_id == item_id)).one()
            people = _participants_by_conversation(session, [c.id for c, _ in rows])
            items = _item_links(session, [c for c, _ in rows])
        return [_conversation_view(c, unread or 0, people[c.id], actor, items) for c, unread in rows], \
            total - len(rows)

    @acting
    def list_customer_conversations(self, admin: UserView, *, limit: int = 200) -> list[ConversationView]:
        """Open customer conversations, newest first, without their content: where an admin may attach an email."""
        access.require_admin(admin, 'Only admins attach emails to conversations.')
        with self.db.session() as session:
            rows = session.exec(select(Conversation).where(
                Conversation.kind == ConversationKind.CUSTOMER, Conversation.status == ConversationStatus.OPEN)
                .order_by(col(Conversation.last_message_at).desc()).limit(limit)).all()
            people = _participants_by_conversation(session, [c.id for c in rows])
        return [replace(_conversation_view(c, 0, people[c.id], admin), last_message_preview='') for c in rows]

    @acting
    def with_customer(self, actor: UserView, customer_id: int, *, limit: int = 100) -> list[ConversationView]:
        """The conversations with this customer that the agent may open (their customer page), newest first."""
        if actor.kind != UserKind.AGENT or not is_id(customer_id):
            return []
        with self.db.session() as session:
            theirs = session.exec(select(Participant.conversation_id).where(Participant.user_id == customer_id)).all()
            found = session.exec(select(Conversation).where(col(Conversation.id).in_(theirs), access.may_open(actor))
                                 .order_by(col(Conversation.last_message_at).desc())
                                 .limit(max(1, min(limit, 200)))).all()
            unread = dict(session.exec(select(Participant.conversation_id, Participant.unread_count).where(
                Participant.user_id == actor.id, col(Participant.conversation_id).in_([c.id for c in found]))).all())
            return self._views(session, actor, [(c, unread.get(c.id, 0)) for c in found])

    @acting
    def latest_customer_conversation(self, customer: UserView) -> ConversationView | None:
        """The customer's most recently active conversation, for the live chat to show again (closed or not: a
        customer never sees the status, and writing in it opens it again)."""
        with self.db.session() as session:
            row = session.exec(
                select(Conversation.id).join(Participant, col(Participant.conversation_id) == Conversation.id)
                .where(Participant.user_id == customer.id, Conversation.kind == ConversationKind.CUSTOMER)
                .order_by(col(Conversation.last_message_at).desc()).limit(1)).first()
        return self.access_conversation(customer, row) if row is not None else None

    @acting
    def list_messages(self, actor: UserView, conversation_id: int, *, before_id: int | None = None,
                      limit: int = PAGE_SIZE) -> list[MessageView]:
        """Up to `limit` messages, oldest first: the latest ones, or those before `before_id`."""
        with self.db.session() as session:
            conversation = access.conversation(session, actor, conversation_id)
            statement = select(Message, User).join(User, col(User.id) == Message.author_id).where(
                Message.conversation_id == conversation.id)
            if not access.sees_notes(actor):
                statement = statement.where(col(Message.is_note).is_(False))
            if before_id is not None:
                statement = statement.where(col(Message.id) < before_id)
            rows = session.exec(statement.order_by(col(Message.id).desc()).limit(max(1, min(limit, 200)))).all()
            deliveries = self._deliveries(session, actor, [m.id for m, _ in rows])
        return [_message_view(m, u, actor, deliveries.get(m.id, ())) for m, u in reversed(rows)]

    @acting
    def get_message(self, actor: UserView, message_id: int) -> MessageView:
        """One message of a conversation the actor may open (notes for agents only); NotFound otherwise."""
        if not is_id(message_id):
            raise NotFound('Message not found')
        with self.db.session() as session:
            row = session.exec(select(Message, User).join(User, col(User.id) == Message.author_id)
                               .where(Message.id == message_id)).first()
            if row is None or (row[0].is_note and not access.sees_notes(actor)):
                raise NotFound('Message not found')
            access.conversation(session, actor, row[0].conversation_id)
            deliveries = self._deliveries(session, actor, [message_id])
        return _message_view(*row, actor, deliveries.get(message_id, ()))

    @acting
    def deliveries(self, actor: UserView, conversation_id: int,
                   message_ids: Iterable[int]) -> dict[int, tuple[DeliveryView, ...]]:
        """Delivery states of these messages of one conversation (agents only; empty for others)."""
        with self.db.session() as session:
            conversation = access.conversation(session, actor, conversation_id)
            ids = session.exec(select(Message.id).where(col(Message.id).in_(list(message_ids)),
                                                        Message.conversation_id == conversation.id)).all()
            return self._deliveries(session, actor, ids)

    @acting
    def seen_by(self, actor: UserView, conversation_id: int) -> dict[int, int]:
        """In a team conversation, how far each other teammate has read: {their id: the last message id}."""
        with self.db.session() as session:
            conversation = access.conversation(session, actor, conversation_id)
            if conversation.kind != ConversationKind.INTERNAL:
                return {}
            rows = session.exec(select(Participant.user_id, Participant.last_read_message_id).where(
                Participant.conversation_id == conversation.id, Participant.user_id != actor.id)).all()
        return {user_id: last for user_id, last in rows if last}

    def typing(self, actor: UserView, conversation_id: int, *, note: bool = False) -> None:
        """The actor is typing in the conversation: its other participants' pages say so a few seconds (customers
        only of a reply, never of a note). At most one event per person and conversation every TYPING_EVERY."""
        now = time.monotonic()
        key = (actor.id, conversation_id)
        if now - self._typing.get(key, -TYPING_EVERY) < TYPING_EVERY:
            return
        with self.db.session() as session:
            actor = current_actor(session, actor)
            conversation = access.conversation(session, actor, conversation_id)
            note = note and actor.kind == UserKind.AGENT
            rows = session.exec(select(Participant.user_id, User.kind).join(User, col(User.id) == Participant.user_id)
                                .where(Participant.conversation_id == conversation.id, User.is_active)).all()
        if len(self._typing) > 10_000:   # forget the old ones now and then
            self._typing = {k: t for k, t in self._typing.items() if now - t < TYPING_EVERY}
        self._typing[key] = now
        told = tuple(i for i, kind in rows if i != actor.id and not (note and kind == UserKind.CUSTOMER))
        if told:
            self.bus.publish(Typing(recipients=told, conversation_id=conversation.id, user_id=actor.id,
                                    name=actor.name, note=note))

    @acting
    def unread_total(self, actor: UserView) -> int:
        """Unread messages over all the actor's open conversations."""
        with self.db.session() as session:
            return session.exec(
                select(func.coalesce(func.sum(Participant.unread_count), 0))
                .where(Participant.user_id == actor.id, Participant.status == ConversationStatus.OPEN)).one()

    # ----- internals --------------------------------------------------------------------------

    def _join_customer(self, session: Session, customer: UserView, conversation_id: int) -> None:
        conversation = session.get(Conversation, conversation_id) if is_id(conversation_id) else None
        if conversation is None or conversation.kind != ConversationKind.CUSTOMER:
            raise NotFound('Customer conversation not found')
        if session.get(Participant, (conversation.id, customer.id)) is None:
            now = self.clock()
            session.add(Participant(conversation_id=conversation.id, user_id=customer.id, joined_at=now,
                                    last_message_at=conversation.last_message_at, status=conversation.status))
            session.flush()

    def _create_once(self, author: UserView, client_id: str, create: Callable[[Transaction], int]) -> int:
        """The conversation a first message with this client id started, creating it only the first time."""
        with self.db.transaction() as tx:
            existing = _message_by_client_id(tx.session, author.id, client_id)
            return existing.conversation_id if existing is not None else create(tx)

    def _load(self, connection: Connection, conversation_id: int) -> 'tuple[Facts | None, dict[int, Member]]':
        """The conversation and its participants, with what a send needs of each, in one statement."""
        if not is_id(conversation_id):
            return None, {}
        rows = self._load_statement.execute(connection, p_id=conversation_id).fetchall()
        if not rows:
            return None, {}
        members = {}
        for row in rows:
            user_id, unread, kind, name, active, grid, delay, thread = row[4:12]
            if user_id is not None:   # plain values from the driver: enums by name, booleans as 0/1
                settings = None if grid is None else NotificationSettings(user_id=user_id, grid=grid,
                                                                          email_delay_minutes=delay)
                members[user_id] = Member(user_id, UserKind[kind], name, bool(active), unread or 0, settings,
                                          thread is not None)
        conversation_id, kind, subject, unassigned = rows[0][:4]
        status, status_by = rows[0][-2:]
        return Facts(conversation_id, ConversationKind[kind], subject, bool(unassigned), ConversationStatus(status),
                     status_by), members

    def _loaded(self, connection: Connection, conversation_id: int) -> 'tuple[Facts, dict[int, Member]]':
        """_load of a conversation this transaction has just made."""
        facts, members = self._load(connection, conversation_id)
        if facts is None:
            raise RuntimeError(f'conversation {conversation_id} vanished inside its own transaction')
        return facts, members

    def _new_conversation(self, tx: Transaction, kind: ConversationKind, creator: UserView, subject: str | None,
                          member_ids: list[int], *, unassigned: bool = False, item_id: int | None = None,
                          assignee_id: int | None = None) -> Conversation:
        now = self.clock()
        conversation = Conversation(kind=kind, subject=subject, created_by_id=creator.id, created_at=now,
                                    last_message_at=now, unassigned=unassigned, item_id=item_id,
                                    assignee_id=assignee_id)
        tx.session.add(conversation)
        tx.session.flush()
        for user_id in member_ids:
            tx.session.add(Participant(conversation_id=conversation.id, user_id=user_id, joined_at=now,
                                       last_message_at=now))
        tx.session.flush()
        return conversation

    def _append(self, tx: Transaction, conversation: 'Facts', members: dict[int, 'Member'], author: UserView,
                text: str, client_id: str, *, note: bool = False, via: MessageVia = MessageVia.APP,
                attachments: Sequence[AttachmentView] = (),
                event: ConversationCreated | None = None) -> 'MessageView | Message':
        """Store a message, the conversation's preview and the unread counts, then raise MessageStored: what
        follows (delivery rows, notifications, the hand-off, read-on-arrival) is the handlers', in the same
        transaction (services.hooks). The pages hear of it after the commit.

        Returns the new message's view, or the message stored earlier with this client id (nothing else
        is written then). A send is five statements: the message, the conversation, the unread counts,
        then the handlers' notifications (teammates) or delivery rows (customers), after the one read in _load.
        """
        sql = tx.connection  # plain statements: nothing for the ORM to track or synchronise
        now = self.clock()
        was_unassigned = conversation.unassigned
        joined = author.kind == UserKind.AGENT and author.id not in members
        values = dict(conversation_id=conversation.id, author_id=author.id, body=text, client_id=client_id,
                      is_note=note, via=via, created_at=now, attachments=AttachmentView.dump(attachments))
        message_id = self._insert_message.execute(sql, **values).scalar()
        if message_id is None:  # the same client id was stored before: a retry
            earlier = _message_by_client_id(tx.session, author.id, client_id)
            if earlier is None:   # cannot be: the insert met that very message
                raise InvalidInput('This message could not be sent; reload the page and try again.')
            return earlier
        claim(tx.session, attachments, message_id=message_id, conversation_id=conversation.id)
        # A message from anyone but who closed or snoozed it opens it again (for everyone in it).
        reopen = conversation.status != ConversationStatus.OPEN and author.id != conversation.status_by
        status = ConversationStatus.OPEN if reopen else conversation.status
        if joined:  # answering an unassigned conversation takes it out of the Unassigned inbox
            sql.execute(insert(Participant), dict(conversation_id=conversation.id, user_id=author.id, joined_at=now,
                                                  unread_count=0, last_message_at=now, status=status))
            members[author.id] = Member(author.id, UserKind.AGENT, author.name, True, 0, None, False)
        preview = (NOTE_PREFIX if note else '') + preview_text(text, attachments)
        self._update_conversation.execute(
            sql, p_id=conversation.id, p_at=now, p_author=author.id, p_preview=preview,
            p_customer_preview=None if note else preview_text(text, attachments),
            p_unassigned=conversation.unassigned and not joined,
            p_assignee=author.id if joined and conversation.unassigned else None, p_reopen=reopen)
        # Everyone else has one more unread message (customers do not see notes); the author has read the thread by
        # replying, and so has every teammate who has it open on screen right now.
        viewing = {i for i in self.presence.viewers(conversation.id)
                   if i in members and members[i].kind == UserKind.AGENT and i != author.id}
        skipped = [m.user_id for m in members.values() if note and m.kind == UserKind.CUSTOMER]
        self._update_unread.execute(sql, p_conversation=conversation.id, p_skipped=_ids(skipped),
                                    p_readers=_ids([author.id, *viewing]), p_message=message_id, p_at=now,
                                    p_reopen=reopen)
        everyone = access.active_agent_ids(tx.session) if was_unassigned else []
        recipients = [m.user_id for m in members.values() if not (note and m.kind == UserKind.CUSTOMER)]
        recipients += everyone  # every agent's Unassigned inbox changes
        view = MessageView(id=message_id, conversation_id=conversation.id, author=author, body=text, created_at=now,
                           client_id=client_id, is_note=note, via=via, attachments=tuple(attachments))
        # Deliveries to customers, notifications, the hand-off and read-on-arrival: the handlers' (services.hooks).
        stored = MessageStored(conversation=conversation, members=members, message=view, author=author,
                               joined=joined, started=event is not None, viewing=frozenset(viewing),
                               everyone=tuple(everyone))
        published: list[Event] = []   # made once the handlers are done; published before anything they publish
        tx.on_commit(lambda: self.bus.publish(published[0]))
        tx.emit(stored)
        view = replace(view, deliveries=tuple(stored.deliveries))
        if reopen:
            agents = [i for i, m in members.items() if m.kind == UserKind.AGENT]
            self._reopened(tx, conversation.id, author, [*agents, *everyone], now)
        published.append(event or MessageSent(recipients=tuple(dict.fromkeys(recipients)),
                                              conversation_id=conversation.id, message_id=message_id,
                                              author_id=author.id, preview=preview, at=now.isoformat(),
                                              read_by=(author.id, *sorted(viewing)), agent_view=view))
        return view

    def _reopened(self, tx: Transaction, conversation_id: int, author: UserView, told: list[int],
                  now: datetime) -> None:
        """A message opened the conversation again: its line after the message ("Reopened by Sample Customer's
        reply"), and the agents' pages read its status again."""
        add_line(tx, self.bus, conversation_id=conversation_id, actor=author, event=ThreadEvent.REOPENED, at=now,
                 reply=True)
        changed = ConversationChanged(recipients=tuple(dict.fromkeys(told)), conversation_id=conversation_id)
        tx.on_commit(lambda: self.bus.publish(changed))

    def _deliveries(self, session: Session, viewer: UserView,
                    message_ids: Sequence[int]) -> dict[int, tuple[DeliveryView, ...]]:
        if viewer.kind != UserKind.AGENT or not message_ids:
            return {}
        rows = session.exec(
            select(Delivery, User.name, OutboundEmail.status)
            .join(User, col(User.id) == Delivery.customer_id)
            .outerjoin(OutboundEmail, col(OutboundEmail.id) == Delivery.email_id)
            .where(col(Delivery.message_id).in_(list(message_ids))).order_by(col(Delivery.id))).all()
        found: dict[int, list[DeliveryView]] = {}
        for delivery, name, email_status in rows:
            found.setdefault(delivery.message_id, []).append(DeliveryView(
                customer_id=delivery.customer_id, customer_name=name, state=delivery.state,
                label=delivery_label(delivery.state, EmailStatus(email_status) if email_status else None)))
        return {message_id: tuple(views) for message_id, views in found.items()}


# The send path's statements (prepared once per service, see __init__).
_MESSAGE = ('conversation_id', 'author_id', 'body', 'client_id', 'is_note', 'via', 'created_at', 'attachments')
_LOAD = (sql_select(col(Conversation.id), col(Conversation.kind), col(Conversation.subject),
                    col(Conversation.unassigned), col(Participant.user_id), col(Participant.unread_count),
                    col(User.kind), col(User.name), col(User.is_active), col(NotificationSettings.grid),
                    col(NotificationSettings.email_delay_minutes), col(CustomerThread.customer_id),
                    col(Conversation.status), col(Conversation.status_by_id))
         .outerjoin(Participant, col(Participant.conversation_id) == Conversation.id)
         .outerjoin(User, col(User.id) == Participant.user_id)
         .outerjoin(NotificationSettings, col(NotificationSettings.user_id) == Participant.user_id)
         .outerjoin(CustomerThread, and_(col(CustomerThread.conversation_id) == Conversation.id,
                                         col(CustomerThread.customer_id) == Participant.user_id))
         .where(col(Conversation.id) == bindparam('p_id')))
_OPENING = bindparam('p_reopen', type_=Boolean)   # the message opens a closed or snoozed conversation again
_UPDATE_CONVERSATION = update(Conversation).where(col(Conversation.id) == bindparam('p_id')).values(
    last_message_at=bindparam('p_at'), last_message_author_id=bindparam('p_author'),
    last_message_preview=bindparam('p_preview'), unassigned=bindparam('p_unassigned'),
    customer_preview=func.coalesce(bindparam('p_customer_preview'), Conversation.customer_preview),
    assignee_id=func.coalesce(bindparam('p_assignee', type_=Integer), Conversation.assignee_id),
    status=case((_OPENING, ConversationStatus.OPEN.value), else_=Conversation.status),
    status_by_id=case((_OPENING, None), else_=Conversation.status_by_id),
    snoozed_until=case((_OPENING, None), else_=Conversation.snoozed_until))


def _listed(param: str):
    """Whether the participant is in a list of user ids given as one string (",3,17,"): one parameter, so the
    statement is compiled once (an expanding IN list is compiled again on every send)."""
    pattern = literal_column("'%,'").concat(cast(Participant.user_id, String)).concat(literal_column("',%'"))
    return bindparam(param, type_=String).like(pattern)


_UPDATE_UNREAD = update(Participant).where(
    col(Participant.conversation_id) == bindparam('p_conversation'), ~_listed('p_skipped')).values(
    unread_count=case((_listed('p_readers'), 0), else_=Participant.unread_count + 1),
    last_read_message_id=case((_listed('p_readers'), bindparam('p_message')),
                              else_=Participant.last_read_message_id),
    last_message_at=bindparam('p_at'), status=case((_OPENING, ConversationStatus.OPEN.value), else_=Participant.status))


def _ids(ids: Iterable[int]) -> str:
    return ',' + ','.join(map(str, ids)) + ','


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
        views: dict[int, UserView] = {}
        rows = session.execute(sql_select(col(Participant.conversation_id), col(User.id), col(User.name),
                                          col(User.email), col(User.kind), col(User.is_admin), col(User.organization),
                                          col(User.is_active))
                               .join(User, col(User.id) == Participant.user_id)
                               .where(col(Participant.conversation_id).in_(ids))
                               .order_by(col(Participant.joined_at), col(User.name))).all()
        for conversation_id, user_id, name, email, kind, is_admin, organization, active in rows:
            if user_id not in views:
                views[user_id] = UserView(id=user_id, name=name, email=email, kind=kind, is_admin=is_admin,
                                          organization=organization, is_active=active)
            people[conversation_id].append(views[user_id])
    return people


def _item_links(session: Session, conversations: Sequence[Conversation]) -> dict[int, ItemLink]:
    ids = {c.item_id for c in conversations if c.item_id is not None}
    if not ids:
        return {}
    return {i.id: ItemLink(kind=i.kind, number=i.number, title=i.title)
            for i in session.exec(select(Item).where(col(Item.id).in_(ids))).all()}


def _conversation_view(conversation: Conversation, unread: int, people: list[UserView],
                       viewer: UserView, items: dict[int, ItemLink] | None = None) -> ConversationView:
    others = [p.name for p in people if p.id != viewer.id]
    title = conversation.subject or ', '.join(others) or _('Only you')
    if viewer.kind != UserKind.AGENT:  # a customer sees their conversation with the team, nothing agent-only
        return ConversationView(id=conversation.id, kind=conversation.kind, title=title,
                                participants=(viewer,), last_message_at=conversation.last_message_at,
                                last_message_preview=conversation.customer_preview, unread_count=unread)
    assignee = next((p for p in people if p.id == conversation.assignee_id), None)
    return ConversationView(id=conversation.id, kind=conversation.kind, title=title,
                            participants=tuple(people), last_message_at=conversation.last_message_at,
                            last_message_preview=conversation.last_message_preview, unread_count=unread,
                            unassigned=conversation.unassigned, item=(items or {}).get(conversation.item_id or 0),
                            status=conversation.status, snoozed_until=conversation.snoozed_until, assignee=assignee,
                            subject=conversation.subject)


def _message_view(message: Message, author: User | UserView, viewer: UserView,
                  deliveries: tuple[DeliveryView, ...] = ()) -> MessageView:
    person = author if isinstance(author, UserView) else to_view(author)
    if viewer.kind != UserKind.AGENT and author.id != viewer.id:  # customers never learn agents' addresses
        person = UserView(id=person.id, name=person.name, email='', kind=person.kind)
    return MessageView(id=message.id, conversation_id=message.conversation_id, author=person, body=message.body,
                       created_at=message.created_at, client_id=message.client_id, is_note=message.is_note,
                       via=message.via, attachments=AttachmentView.load(message.attachments), deliveries=deliveries,
                       event=message.event, edited=message.edited_at is not None,
                       deleted=message.deleted_at is not None)


def preview_text(text: str, attachments: Sequence[AttachmentView] = ()) -> str:
    """A message as a list row's preview: its words on one line, cut to PREVIEW_LENGTH (files alone: their names)."""
    flat = ' '.join(to_text(text).split()) or ' '.join(text.split())
    flat = flat or files_line(attachments)
    return flat if len(flat) <= PREVIEW_LENGTH else flat[:PREVIEW_LENGTH - 1] + '…'

