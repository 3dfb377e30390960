"""What agents are told about, and how each agent wants to be told."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models._types import EnumText, UTCDateTime, utcnow


# A "new messages" notice still gathering a conversation's messages: unread and not emailed yet.
MESSAGES_OPEN = "kind = 'message' AND read_at IS NULL AND emailed_at IS NULL"


class NotificationKind(StrEnum):
    ADDED = 'added'                    # added to a conversation
    MESSAGE = 'message'                # new messages in a conversation (one notice gathers them)
    CUSTOMER_REPLY = 'customer_reply'  # a customer answered
    MENTION = 'mention'                # @name
    UNASSIGNED = 'unassigned'          # a new live chat nobody has taken
    ASSIGNED = 'assigned'              # a ticket, task or customer conversation assigned to the agent
    SNOOZE_ENDED = 'snooze_ended'      # a snoozed conversation is open again


class Channel(StrEnum):
    IN_APP = 'in_app'     # the bell
    POPUP = 'popup'
    SOUND = 'sound'
    DESKTOP = 'desktop'
    EMAIL = 'email'       # the digest


class Notification(SQLModel, table=True):
    """One event for one agent: in the bell (when in_app), and due for the email digest (when email_due_at)."""
    __table_args__ = (
        # One notification per event and agent, however many tabs or retries: the idempotency key.
        UniqueConstraint('user_id', 'key', name='uq_notification_user_key'),
        Index('ix_notification_user_unread', 'user_id', 'read_at', 'id'),
        Index('ix_notification_user_conversation', 'user_id', 'conversation_id', 'read_at'),
        Index('ix_notification_email_due', 'emailed_at', 'read_at', 'email_due_at'),
        # A conversation's new messages are one notice per agent until it is read or emailed.
        Index('uq_notification_unread_messages', 'user_id', 'conversation_id', unique=True,
              sqlite_where=text(MESSAGES_OPEN), postgresql_where=text(MESSAGES_OPEN)),
    )

    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    user_id: int = Field(foreign_key='user.id')
    key: str                          # e.g. "message:42": the event it stands for
    kind: NotificationKind = Field(sa_column=Column(EnumText(NotificationKind), nullable=False))
    conversation_id: int | None = Field(default=None, foreign_key='conversation.id')
    message_id: int | None = Field(default=None, foreign_key='message.id')
    actor_id: int | None = Field(default=None, foreign_key='user.id')
    title: str                        # about the latest message it stands for
    preview: str = ''
    count: int = 1                    # how many new messages it stands for (kind "message"); 1 otherwise
    link: str = ''                    # where clicking it goes when it is not a conversation (an item page)
    # The channels chosen for it when it was created, comma-separated: in_app,popup,sound,desktop,email.
    channels: str = ''
    # When it last changed: a notice for several messages moves up with each one (the bell is newest first).
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Email channel: when the digest may include it unless read first; set once emailed.
    email_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    emailed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class NotificationSettings(SQLModel, table=True):
    """An agent's choices; absent means the defaults."""
    user_id: int = Field(foreign_key='user.id', primary_key=True)
    grid: str = Field(default='{}', sa_column=Column(Text, nullable=False))   # JSON {kind: [channel, ...]}
    email_delay_minutes: int = 5
