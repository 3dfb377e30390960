"""Email Parley sends: stored first, then delivered by the mail worker."""
from datetime import datetime
from enum import Enum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from models._types import UTCDateTime, utcnow


class EmailStatus(str, Enum):
    QUEUED = 'queued'        # waiting for its first attempt
    RETRYING = 'retrying'    # an attempt failed; next_attempt_at says when the next one is
    SENT = 'sent'
    FAILED = 'failed'        # gave up after the last attempt
    KEPT = 'kept'            # no SMTP server configured: kept in the outbox for admins to read


class OutboundEmail(SQLModel, table=True):
    __table_args__ = (Index('ix_outboundemail_due', 'status', 'next_attempt_at'),)

    id: int | None = Field(default=None, primary_key=True)
    to_address: str
    to_name: str = ''
    subject: str
    text_body: str = Field(sa_column=Column(Text, nullable=False))
    html_body: str = Field(sa_column=Column(Text, nullable=False))
    reply_to: str | None = None
    message_id: str = Field(unique=True)
    in_reply_to: str | None = None
    references: str = ''     # space-separated Message-IDs, oldest first
    conversation_id: int | None = Field(default=None, foreign_key='conversation.id', index=True)
    status: EmailStatus = EmailStatus.QUEUED
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
