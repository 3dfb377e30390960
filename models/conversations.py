"""Conversations, who takes part in them, and their messages."""
from datetime import datetime
from enum import Enum

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models._types import UTCDateTime, utcnow


class ConversationKind(str, Enum):
    INTERNAL = 'internal'   # agents only
    CUSTOMER = 'customer'   # one or more customers with agents


class ConversationStatus(str, Enum):
    OPEN = 'open'
    CLOSED = 'closed'


class Conversation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: ConversationKind = ConversationKind.INTERNAL
    status: ConversationStatus = ConversationStatus.OPEN
    subject: str | None = None
    created_by_id: int = Field(foreign_key='user.id')
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # Denormalised from the newest message so the inbox is one indexed query.
    last_message_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_message_preview: str = ''
    last_message_author_id: int | None = None


class Participant(SQLModel, table=True):
    __table_args__ = (Index('ix_participant_user_conversation', 'user_id', 'conversation_id'),)

    conversation_id: int = Field(foreign_key='conversation.id', primary_key=True)
    user_id: int = Field(foreign_key='user.id', primary_key=True)
    joined_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # Counted on send, zeroed on read: listing the inbox never counts messages.
    unread_count: int = 0
    last_read_message_id: int = 0


class Message(SQLModel, table=True):
    __table_args__ = (
        Index('ix_message_conversation_id', 'conversation_id', 'id'),
        # A retried send carries the same client id and must not store a second message.
        UniqueConstraint('author_id', 'client_id', name='uq_message_author_client'),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key='conversation.id')
    author_id: int = Field(foreign_key='user.id')
    body: str
    client_id: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
