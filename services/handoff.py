"""Hand-off: who is in a conversation, who has it, what it is called and what it belongs to.

Agents who take part in a conversation add and remove people, leave it, rename it, assign it (customer
conversations) and link it to a ticket or task; each change is a line in the thread (services.threadlines) and a
ConversationChanged to the pages after the commit. People added get a ConversationCreated (it appears in their list)
and, through the handlers (services.hooks), the "Added to a conversation" notice; someone removed loses access in the
same commit (every later call is "not found"), their pending emails and notices go with the handlers.
"""
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, func, select

from models import Conversation, ConversationKind, Item, Message, Participant, ThreadEvent, User, UserKind
from models._types import utcnow
from services import access
from services.i18n import N_, _
from services.access import acting, is_id
from services.db import Database, Transaction
from services.errors import InvalidInput, NotFound
from services.events import ConversationChanged, ConversationCreated, EventBus
from services.hooks import ConversationAssigned, ParticipantsAdded, ParticipantRemoved
from services.items import ItemService
from services.text import one_line
from services.threadlines import add_line, agent_ids
from services.views import ItemLink, UserView

MAX_PARTICIPANTS = 100
MAX_SUBJECT = 200
LAST_AGENT = N_('You are the last agent in this conversation with a customer: assign it to a teammate or to '
              'Unassigned first, so the customer is not left without anyone.')
CUSTOMER_ONLY = N_('Only a conversation with a customer has an assignee.')


class HandoffService:
    def __init__(self, db: Database, bus: EventBus, items: ItemService, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.bus, self.items, self.clock = db, bus, items, clock

    # ----- people -------------------------------------------------------------------------------

    @acting
    def add_participants(self, actor: UserView, conversation_id: int, person_ids: Iterable[int]) -> list[UserView]:
        """Add teammates (and, to a conversation with a customer, customers): they see its whole history."""
        wanted = list(dict.fromkeys(person_ids))
        if not wanted:
            raise InvalidInput('Pick someone to add.')
        with self.db.transaction() as tx:
            conversation = self._taking_part(tx, actor, conversation_id)
            present = set(_member_ids(tx, conversation.id))
            people = self._people(tx, wanted)
            for person in people:
                if person.id in present:
                    raise InvalidInput('{name} is already in this conversation.', name=person.name)
                if person.kind == UserKind.CUSTOMER and conversation.kind != ConversationKind.CUSTOMER:
                    raise InvalidInput('Customers can only join a conversation with a customer. '
                                       'Start a conversation with the customer instead.')
            if len(present) + len(people) > MAX_PARTICIPANTS:
                raise InvalidInput('A conversation can have up to {max_participants} participants.',
                                   max_participants=MAX_PARTICIPANTS)
            self._join(tx, conversation, people)
            add_line(tx, self.bus, conversation_id=conversation.id, actor=actor, event=ThreadEvent.ADDED,
                     at=self.clock(), names=[p.name for p in people])
            tx.emit(ParticipantsAdded(conversation_id=conversation.id, actor=actor, added=tuple(people)))
            self._changed(tx, conversation, also=[p.id for p in people])
            return people

    @acting
    def remove_participant(self, actor: UserView, conversation_id: int, person_id: int) -> None:
        """Take a teammate or a customer out of the conversation: they lose access at once."""
        with self.db.transaction() as tx:
            conversation = self._taking_part(tx, actor, conversation_id)
            if person_id == actor.id:
                raise InvalidInput('To take yourself out, use Leave conversation.')
            members = _members(tx, conversation.id)
            person = members.get(person_id) if is_id(person_id) else None
            if person is None:
                raise InvalidInput('That person is not in this conversation any more.')
            if person.kind == UserKind.CUSTOMER and conversation.kind == ConversationKind.CUSTOMER and \
                    sum(m.kind == UserKind.CUSTOMER for m in members.values()) == 1:
                raise InvalidInput('This is the only customer in the conversation. Close it instead.')
            self._leave(tx, conversation, person, ThreadEvent.REMOVED, actor)

    @acting
    def leave(self, actor: UserView, conversation_id: int, *, hand_to: int | None = None,
              to_unassigned: bool = False) -> None:
        """Take oneself out. The last agent of a conversation with a customer hands it to a teammate (`hand_to`)
        or to Unassigned first."""
        with self.db.transaction() as tx:
            conversation = self._taking_part(tx, actor, conversation_id)
            members = _members(tx, conversation.id)
            if actor.id not in members:   # (an unassigned conversation one may open without being in it)
                raise InvalidInput('You are not in this conversation.')
            agents = [m for m in members.values() if m.kind == UserKind.AGENT and m.id != actor.id]
            if conversation.kind == ConversationKind.CUSTOMER and not agents and not conversation.unassigned:
                if hand_to is not None:
                    self._assign(tx, conversation, actor, hand_to)
                elif to_unassigned:
                    self._unassign(tx, conversation, actor)
                else:
                    raise InvalidInput(LAST_AGENT)
            self._leave(tx, conversation, actor, ThreadEvent.LEFT, actor)

    # ----- what it is called, who has it, what it belongs to ------------------------------------

    @acting
    def rename(self, actor: UserView, conversation_id: int, subject: str) -> None:
        """Set the subject (empty: named after its people again)."""
        subject = one_line(subject)
        if len(subject) > MAX_SUBJECT:
            raise InvalidInput('A subject can be up to {max_subject} characters; this one has {count}.',
                               max_subject=MAX_SUBJECT, count=len(subject))
        with self.db.transaction() as tx:
            conversation = self._taking_part(tx, actor, conversation_id)
            if (conversation.subject or '') == subject:
                return
            conversation.subject = subject or None
            tx.session.add(conversation)
            add_line(tx, self.bus, conversation_id=conversation.id, actor=actor, event=ThreadEvent.RENAMED,
                     at=self.clock(), subject=subject)
            self._changed(tx, conversation)

    @acting
    def assign(self, actor: UserView, conversation_id: int, assignee_id: int) -> None:
        """Give a conversation with a customer to an active agent (who joins it and is told)."""
        with self.db.transaction() as tx:
            conversation = self._may_assign(tx, actor, conversation_id)
            waiting = conversation.unassigned   # every agent's Unassigned list changes
            self._assign(tx, conversation, actor, assignee_id)
            self._changed(tx, conversation, everyone=waiting)

    @acting
    def unassign(self, actor: UserView, conversation_id: int) -> None:
        """Back to Unassigned, where every agent sees it waiting."""
        with self.db.transaction() as tx:
            conversation = self._may_assign(tx, actor, conversation_id)
            if conversation.unassigned:
                return
            self._unassign(tx, conversation, actor)
            self._changed(tx, conversation)

    @acting
    def link_item(self, actor: UserView, conversation_id: int, item_id: int) -> ItemLink:
        """Make the conversation belong to a ticket or task (its visibility does not change)."""
        with self.db.transaction() as tx:
            conversation = self._taking_part(tx, actor, conversation_id)
            item = tx.session.get(Item, item_id) if is_id(item_id) else None
            if item is None:
                raise InvalidInput('That ticket or task does not exist any more.')
            link = ItemLink(kind=item.kind, number=item.number, title=item.title)
            if conversation.item_id == item.id:
                return link
            conversation.item_id = item.id
            tx.session.add(conversation)
            add_line(tx, self.bus, conversation_id=conversation.id, actor=actor, event=ThreadEvent.LINKED,
                     at=self.clock(), item=link.label)
            self._changed(tx, conversation)
            return link

    @acting
    def ticket_proposal(self, actor: UserView, conversation_id: int) -> tuple[str, UserView | None]:
        """A title and customer for a ticket made from a conversation: its subject, or the first line the customer
        wrote; its first customer."""
        with self.db.session() as session:
            if actor.kind != UserKind.AGENT:
                raise NotFound(access.CONVERSATION_NOT_FOUND)
            conversation = access.conversation(session, actor, conversation_id)
            customer = session.exec(select(User).join(Participant, col(Participant.user_id) == User.id).where(
                Participant.conversation_id == conversation.id, User.kind == UserKind.CUSTOMER)
                .order_by(col(Participant.joined_at))).first()
            first = session.exec(select(Message.body).join(User, col(User.id) == Message.author_id).where(
                Message.conversation_id == conversation.id, User.kind == UserKind.CUSTOMER,
                col(Message.is_note).is_(False)).order_by(col(Message.id))).first() if customer else None
            first = first or session.exec(select(Message.body).where(
                Message.conversation_id == conversation.id, col(Message.event).is_(None))
                .order_by(col(Message.id))).first()
        title = conversation.subject or one_line((first or '').split('\n')[0])[:120] or _('Conversation')
        return title, access.to_view(customer) if customer else None

    def create_ticket(self, actor: UserView, conversation_id: int, *, title: str) -> ItemLink:
        """A ticket for the conversation's customer, linked to it."""
        _, customer = self.ticket_proposal(actor, conversation_id)   # (also: may the actor open it)
        ticket = self.items.create(actor, 'ticket', title=title, customer_id=customer.id if customer else None)
        return self.link_item(actor, conversation_id, ticket.id)

    # ----- internals ----------------------------------------------------------------------------

    def _taking_part(self, tx: Transaction, actor: UserView, conversation_id: int) -> Conversation:
        """The conversation, if the actor is an agent in it (or it is unassigned: any agent may act on it)."""
        if actor.kind != UserKind.AGENT:
            raise NotFound(access.CONVERSATION_NOT_FOUND)
        return access.conversation(tx.session, actor, conversation_id)

    def _may_assign(self, tx: Transaction, actor: UserView, conversation_id: int) -> Conversation:
        conversation = self._taking_part(tx, actor, conversation_id)
        if conversation.kind != ConversationKind.CUSTOMER:
            raise InvalidInput(CUSTOMER_ONLY)
        return conversation

    def _people(self, tx: Transaction, ids: Sequence[int]) -> list[UserView]:
        if not all(is_id(i) for i in ids):
            raise InvalidInput('Some of these people do not exist.')
        found = {u.id: u for u in tx.session.exec(select(User).where(col(User.id).in_(list(ids)))).all()}
        if len(found) != len(ids):
            raise InvalidInput('Some of these people do not exist.')
        for user in found.values():
            if not user.is_active:
                raise InvalidInput('{name} is not active any more.', name=user.name)
        return [access.to_view(found[i]) for i in ids]

    def _join(self, tx: Transaction, conversation: Conversation, people: Sequence[UserView]) -> None:
        """Participants from now on, with the history they may read counted unread."""
        now = self.clock()
        for person in people:
            visible = select(func.count()).select_from(Message).where(
                Message.conversation_id == conversation.id, col(Message.event).is_(None))
            if person.kind == UserKind.CUSTOMER:
                visible = visible.where(col(Message.is_note).is_(False))
            tx.session.add(Participant(conversation_id=conversation.id, user_id=person.id, joined_at=now,
                                       unread_count=tx.session.exec(visible).one(), status=conversation.status,
                                       last_message_at=conversation.last_message_at))
        tx.session.flush()
        created = ConversationCreated(recipients=tuple(p.id for p in people), conversation_id=conversation.id,
                                      created_by_id=conversation.created_by_id)
        tx.on_commit(lambda: self.bus.publish(created))

    def _leave(self, tx: Transaction, conversation: Conversation, person: UserView, event: ThreadEvent,
               actor: UserView) -> None:
        told = agent_ids(tx, conversation.id)
        tx.session.exec(delete(Participant).where(col(Participant.conversation_id) == conversation.id,
                                                  col(Participant.user_id) == person.id))
        if conversation.assignee_id == person.id:
            conversation.assignee_id = None
            tx.session.add(conversation)
        details = {} if event == ThreadEvent.LEFT else {'names': person.name}
        add_line(tx, self.bus, conversation_id=conversation.id, actor=actor, event=event, at=self.clock(), **details)
        tx.emit(ParticipantRemoved(conversation_id=conversation.id, person=person))
        self._changed(tx, conversation, also=[*told, person.id])

    def _assign(self, tx: Transaction, conversation: Conversation, actor: UserView, assignee_id: int) -> None:
        [assignee] = self._people(tx, [assignee_id])
        if assignee.kind != UserKind.AGENT:
            raise InvalidInput('Only an agent can have a conversation: pick a teammate.')
        if conversation.assignee_id == assignee.id and not conversation.unassigned:
            return
        if assignee.id not in _member_ids(tx, conversation.id):
            self._join(tx, conversation, [assignee])
        conversation.assignee_id = assignee.id
        conversation.unassigned = False
        tx.session.add(conversation)
        add_line(tx, self.bus, conversation_id=conversation.id, actor=actor, event=ThreadEvent.ASSIGNED,
                 at=self.clock(), assignee=assignee.name)
        tx.emit(ConversationAssigned(conversation_id=conversation.id, actor=actor, assignee=assignee))

    def _unassign(self, tx: Transaction, conversation: Conversation, actor: UserView) -> None:
        conversation.assignee_id = None
        conversation.unassigned = True
        tx.session.add(conversation)
        add_line(tx, self.bus, conversation_id=conversation.id, actor=actor, event=ThreadEvent.UNASSIGNED,
                 at=self.clock())

    def _changed(self, tx: Transaction, conversation: Conversation, *, also: Iterable[int] = (),
                 everyone: bool = False) -> None:
        """After the commit, the pages of everyone concerned read it again (all agents' while it is unassigned)."""
        tx.session.flush()
        told = [*agent_ids(tx, conversation.id), *also]
        if conversation.unassigned or everyone:
            told += access.active_agent_ids(tx.session)
        changed = ConversationChanged(recipients=tuple(dict.fromkeys(told)), conversation_id=conversation.id)
        tx.on_commit(lambda: self.bus.publish(changed))


def _member_ids(tx: Transaction, conversation_id: int) -> list[int]:
    return list(tx.session.exec(select(Participant.user_id).where(
        Participant.conversation_id == conversation_id)).all())


def _members(tx: Transaction, conversation_id: int) -> dict[int, UserView]:
    rows = tx.session.exec(select(User).join(Participant, col(Participant.user_id) == User.id)
                           .where(Participant.conversation_id == conversation_id)).all()
    return {u.id: access.to_view(u) for u in rows}
