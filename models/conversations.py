"""Conversations, who takes part in them, and their messages."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models._types import EnumText, UTCDateTime, utcnow


class ConversationKind(StrEnum):
    INTERNAL = 'internal'   # agents only
    CUSTOMER = 'customer'   # one or more customers with agents


class ConversationStatus(StrEnum):
    OPEN = 'open'
    SNOOZED = 'snoozed'   # back to open at snoozed_until, or at the next message when that is empty
    CLOSED = 'closed'


class ThreadEvent(StrEnum):
    """A line in the thread (for agents) saying what happened to the conversation."""
    CLOSED = 'closed'
    REOPENED = 'reopened'
    SNOOZED = 'snoozed'
    WOKE = 'woke'                 # a snooze ended
    ADDED = 'added'
    REMOVED = 'removed'
    LEFT = 'left'
    RENAMED = 'renamed'
    ASSIGNED = 'assigned'
    UNASSIGNED = 'unassigned'
    LINKED = 'linked'


class MessageVia(StrEnum):
    APP = 'app'       # the messenger or the live chat
    EMAIL = 'email'   # a customer's emailed reply


class Conversation(SQLModel, table=True):
    __table_args__ = (Index('ix_conversation_unassigned', 'unassigned', 'last_message_at'),
                      Index('ix_conversation_snoozed', 'status', 'snoozed_until'),
                      # "Mine": customer conversations assigned to an agent, by status, newest first.
                      Index('ix_conversation_assignee', 'assignee_id', 'status', 'last_message_at', 'id'))

    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    kind: ConversationKind = ConversationKind.INTERNAL
    status: ConversationStatus = Field(default=ConversationStatus.OPEN,
                                       sa_column=Column(EnumText(ConversationStatus), nullable=False))
    # Who closed or snoozed it: a message from anyone else opens it again.
    status_by_id: int | None = Field(default=None, foreign_key='user.id')
    snoozed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Customer conversations: the agent who has it (None while unassigned, or after Unassign).
    assignee_id: int | None = Field(default=None, foreign_key='user.id')
    subject: str | None = None
    created_by_id: int = Field(foreign_key='user.id')
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # Denormalised from the newest message so the inbox is one indexed query.
    last_message_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_message_preview: str = ''
    last_message_author_id: int | None = None
    # A customer started it from the live chat and no agent has answered yet: every agent sees it.
    unassigned: bool = False
    # What customers of the conversation last saw in it (agents see notes too: see last_message_*).
    customer_preview: str = ''
    # The ticket or task it belongs to, if any (visibility stays with the participants).
    item_id: int | None = Field(default=None, foreign_key='item.id', index=True)


class Participant(SQLModel, table=True):
    __table_args__ = (Index('ix_participant_user_conversation', 'user_id', 'conversation_id'),
                      # The inbox: a participant's open (snoozed, closed) conversations, newest activity first,
                      # read off one index and paged by (last_message_at, conversation_id); the filters' counts too.
                      Index('ix_participant_inbox', 'user_id', 'status', 'last_message_at', 'conversation_id',
                            'unread_count'))

    conversation_id: int = Field(foreign_key='conversation.id', primary_key=True)
    user_id: int = Field(foreign_key='user.id', primary_key=True)
    joined_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # Counted on send, zeroed on read: listing the inbox never counts messages.
    unread_count: int = 0
    last_read_message_id: int = 0
    # The conversation's last_message_at, copied on every send (the same UPDATE as the unread counts).
    last_message_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # The conversation's status, copied whenever it changes, for the same index.
    status: ConversationStatus = Field(default=ConversationStatus.OPEN,
                                       sa_column=Column(EnumText(ConversationStatus), nullable=False,
                                                        server_default='open'))


class Message(SQLModel, table=True):
    __table_args__ = (
        Index('ix_message_conversation_id', 'conversation_id', 'id'),
        # A retried send carries the same client id and must not store a second message.
        UniqueConstraint('author_id', 'client_id', name='uq_message_author_client'),
    )

    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    conversation_id: int = Field(foreign_key='conversation.id')
    author_id: int = Field(foreign_key='user.id')
    body: str
    client_id: str
    # Internal notes are for agents only: never shown, sent live or emailed to a customer.
    is_note: bool = False
    via: MessageVia = Field(default=MessageVia.APP, sa_column=Column(EnumText(MessageVia), nullable=False))
    # JSON: the files it carries as shown (services.views.AttachmentView.dump), so a thread reads no other table.
    # Kept files have a row in `attachment` (who may download them); [name, size] pairs are files only listed.
    attachments: str = '[]'
    # A line about the conversation (closed, added...), not something someone wrote: the body holds its details
    # as JSON, and it is a note (agents only), never counted unread or shown in a preview.
    event: ThreadEvent | None = Field(default=None, sa_column=Column(EnumText(ThreadEvent), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # Its author changed it (earlier versions in messageversion) or deleted it (the body and files are gone).
    edited_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class MessageVersion(SQLModel, table=True):
    """A message's text before an edit, for agents to see what it said."""
    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    message_id: int = Field(foreign_key='message.id', index=True)
    body: str
    replaced_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Attachment(SQLModel, table=True):
    """A kept file. An upload waits here (no message yet) until its uploader sends it, or expires; a file from an
    email waits with its inbound email until that is posted. The bytes are in the file store, named by digest."""
    __table_args__ = (Index('ix_attachment_staged', 'uploader_id', 'message_id'),)

    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    message_id: int | None = Field(default=None, foreign_key='message.id', index=True)
    conversation_id: int | None = Field(default=None, foreign_key='conversation.id')
    uploader_id: int | None = Field(default=None, foreign_key='user.id')
    inbound_id: int | None = Field(default=None, foreign_key='inboundemail.id', index=True)
    name: str
    size: int
    content_type: str                  # from the bytes, never from the name
    digest: str = Field(index=True)    # sha256 of the original: its name in the store
    image: bool = False                # a raster image Pillow read: shown as a thumbnail
    width: int = 0                     # of the shown image (orientation applied)
    height: int = 0
    preview_digest: str | None = None  # the image as shown large: orientation applied, no metadata
    thumb_digest: str | None = None    # the thumbnail in the thread
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class DeliveryState(StrEnum):
    QUEUED = 'queued'              # stored; the customer has not had it yet
    LIVE = 'live'                  # pushed to the customer's open live chat
    SEEN = 'seen'                  # shown in a visible live-chat tab
    EMAILED = 'emailed'            # part of an email handed to the outbox
    EMAIL_FAILED = 'email_failed'  # that email failed; the outbox retries it
    REPLIED = 'replied'            # the customer answered after it


class Delivery(SQLModel, table=True):
    """How one agent message reached one customer. Routing decisions read and write these rows only."""
    __table_args__ = (
        UniqueConstraint('message_id', 'customer_id', name='uq_delivery_message_customer'),
        Index('ix_delivery_due', 'state', 'email_due_at'),
        Index('ix_delivery_conversation_customer', 'conversation_id', 'customer_id', 'state'),
    )

    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    message_id: int = Field(foreign_key='message.id')
    conversation_id: int = Field(foreign_key='conversation.id')
    customer_id: int = Field(foreign_key='user.id')
    state: DeliveryState = DeliveryState.QUEUED
    # When an email goes out unless the customer has seen the message by then.
    email_due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    email_id: int | None = Field(default=None, foreign_key='outboundemail.id', index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class CustomerThread(SQLModel, table=True):
    """One customer in one conversation: the secret reply address token of their emails."""
    conversation_id: int = Field(foreign_key='conversation.id', primary_key=True)
    customer_id: int = Field(foreign_key='user.id', primary_key=True)
    reply_token: str = Field(unique=True)   # 128+ random bits: reply+{token}@PARLEY_REPLY_DOMAIN


class SavedReply(SQLModel, table=True):
    """A reply kept for reuse: the team's (owner None, kept by admins) or one agent's own."""
    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    owner_id: int | None = Field(default=None, foreign_key='user.id', index=True)
    title: str
    shortcut: str       # typed after "/" in the composer: lowercase letters, digits and dashes
    body: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
