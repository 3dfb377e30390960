"""What follows from a write, as domain events raised inside its transaction.

A service stores what it owns and raises an event on the transaction (`tx.emit(event)`); the handlers that
build_parley registers on `db.hooks` (notifications, deliveries) write what follows in the same transaction, so
all of it commits or none of it does, and the service never imports them. Handlers run in the order registered.
Events to pages (services.events) are another thing: they go out after the commit only (`tx.on_commit`).
"""
from dataclasses import dataclass, field
from typing import NamedTuple

from models import ConversationKind, ConversationStatus, NotificationSettings, OutboundEmail, UserKind
from services.views import DeliveryView, ItemLink, MessageView, UserView


class Member(NamedTuple):   # a tuple: a busy group's send makes one per participant
    """A participant as a send needs them: who they are, their unread count, how they want to be told."""
    user_id: int
    kind: UserKind
    name: str
    active: bool
    unread: int
    settings: NotificationSettings | None
    has_thread: bool          # customers: their reply address for this conversation exists


@dataclass(frozen=True)
class Facts:
    """What a send needs to know of its conversation."""
    id: int
    kind: ConversationKind
    subject: str | None
    unassigned: bool
    status: ConversationStatus = ConversationStatus.OPEN
    status_by: int | None = None   # who closed or snoozed it


@dataclass
class MessageStored:
    """A message was stored, the conversation and the unread counts updated: what else follows is the handlers'.

    `deliveries` is filled by the deliveries handler (how the message reaches each customer), for the author's view.
    """
    conversation: Facts               # as it was before this message
    members: dict[int, Member]        # the participants, the author included (also when they joined by this send)
    message: MessageView
    author: UserView
    joined: bool                      # an agent answered an unassigned conversation and joined it
    started: bool                     # the conversation's first message
    viewing: frozenset[int]           # agents who have the conversation on screen: they read it as it arrives
    everyone: tuple[int, ...]         # every active agent, when the conversation was unassigned (else empty)
    deliveries: list[DeliveryView] = field(default_factory=list)


@dataclass(frozen=True)
class ConversationOpened:
    """The actor has read the conversation up to now (agents' notices, customers' deliveries follow)."""
    conversation_id: int
    reader: UserView
    had_unread: bool                  # the reader is a participant with unread messages (or an agent not yet one)


@dataclass(frozen=True)
class EmailAttempted:
    """An attempt to send this outgoing email succeeded or failed (or a bounce said it failed after all)."""
    email: OutboundEmail
    failed: bool


@dataclass(frozen=True)
class ItemAssigned:
    """A ticket or task got a new assignee."""
    item_id: int
    link: ItemLink
    actor: UserView
    assignee_id: int


@dataclass(frozen=True)
class ConversationClosed:
    """An agent closed the conversation; with transcript, its customers are to get one by email."""
    conversation_id: int
    actor: UserView
    transcript: bool


@dataclass(frozen=True)
class SnoozeEnded:
    """A snoozed conversation is open again (its line in the thread is line_id): its agents are told."""
    conversation_id: int
    line_id: int


@dataclass(frozen=True)
class ParticipantsAdded:
    """People joined a conversation (they see its history): the agents among them are told."""
    conversation_id: int
    actor: UserView
    added: tuple[UserView, ...]


@dataclass(frozen=True)
class ParticipantRemoved:
    """Someone was taken out of a conversation (or left it): nothing of it waits for them any more."""
    conversation_id: int
    person: UserView


@dataclass(frozen=True)
class ConversationAssigned:
    """A conversation with a customer was given to an agent."""
    conversation_id: int
    actor: UserView
    assignee: UserView


@dataclass(frozen=True)
class MessageDeleted:
    """Its author deleted a message: what still waits to carry it (deliveries not emailed) goes, and notices stop
    quoting it."""
    conversation_id: int
    message_id: int
