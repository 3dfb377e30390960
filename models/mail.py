"""Email Parley sends (stored first, then delivered by the mail worker) and email it receives."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from models._types import EnumText, UTCDateTime, utcnow


class EmailStatus(StrEnum):
    QUEUED = 'queued'        # waiting for its first attempt
    RETRYING = 'retrying'    # an attempt failed; next_attempt_at says when the next one is
    SENT = 'sent'
    FAILED = 'failed'        # gave up after the last attempt
    KEPT = 'kept'            # no SMTP server configured: kept in the outbox for admins to read


class OutboundEmail(SQLModel, table=True):
    __table_args__ = (Index('ix_outboundemail_due', 'status', 'next_attempt_at'),)

    id: int = Field(default=None, primary_key=True)   # set by the database on insert
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


class InboundSource(StrEnum):
    SMTP = 'smtp'   # the listener
    API = 'api'     # POST /api/inbound-email


class InboundOutcome(StrEnum):
    POSTED = 'posted'                    # added to its conversation
    DUPLICATE = 'duplicate'              # the same email came in before (a retry or a second route)
    BOUNCE = 'bounce'                    # a delivery failure report: the email it names is marked failed
    AUTO_REPLY = 'auto_reply'            # out-of-office, auto-responder or bulk mail: never posted
    EMPTY = 'empty'                      # nothing left to post once quotes and signature are gone
    UNMATCHED = 'unmatched'              # no reply address or thread header of ours: waits for an admin
    NOT_PARTICIPANT = 'not_participant'  # matched, but the sender is not a customer of that conversation
    QUARANTINED = 'quarantined'          # could not be read (malformed MIME, no sender): waits for an admin
    ATTACHED = 'attached'                # an admin posted it into a conversation
    DISCARDED = 'discarded'              # an admin threw it away
    TICKETED = 'ticketed'                # an admin made it a ticket


# Outcomes an admin still has to decide on (the "Unmatched email" page).
TRIAGE = (InboundOutcome.UNMATCHED, InboundOutcome.NOT_PARTICIPANT, InboundOutcome.QUARANTINED)


class InboundEmail(SQLModel, table=True):
    """Every email received, with what became of it and why."""
    __table_args__ = (Index('ix_inboundemail_outcome', 'outcome', 'id'),)

    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    source: InboundSource = Field(default=InboundSource.SMTP,
                                  sa_column=Column(EnumText(InboundSource), nullable=False))
    from_address: str = ''
    from_name: str = ''
    subject: str = ''
    email_message_id: str | None = Field(default=None, index=True)   # its Message-ID header
    size: int = 0
    outcome: InboundOutcome
    reason: str = ''
    conversation_id: int | None = Field(default=None, foreign_key='conversation.id', index=True)
    message_id: int | None = Field(default=None, foreign_key='message.id')   # the message it became
    body: str = Field(default='', sa_column=Column(Text, nullable=False))
    attachments: str = '[]'              # JSON [[name, size], ...]
    # The raw email, kept only while an admin has to decide on it.
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    resolved_by_id: int | None = Field(default=None, foreign_key='user.id')
