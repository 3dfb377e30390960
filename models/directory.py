"""People: agents (who sign in) and customers (who are written to)."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, false
from sqlmodel import Field, SQLModel

from models._types import EnumText, UTCDateTime, utcnow


class UserKind(StrEnum):
    AGENT = 'agent'
    CUSTOMER = 'customer'


class User(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    kind: UserKind = Field(index=True)
    name: str
    # Stored lower-cased: addresses are compared case-insensitively.
    email: str = Field(unique=True, index=True)
    organization: str | None = None
    password_hash: str | None = None
    is_admin: bool = False
    is_active: bool = True
    # Bumped to end every session at once: an agent's sign-out, a customer's "sign out everywhere".
    session_generation: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # Set when an admin gave the agent a temporary password (new or reset): they choose their own first.
    must_change_password: bool = Field(default=False, sa_column_kwargs={'server_default': false()})
    # An agent's profile: their avatar's colour and initials (None: from the name), their time zone (None: the
    # browser's).
    avatar_color: str | None = None
    avatar_initials: str | None = None
    time_zone: str | None = None
    # The language Parley speaks to them (services.i18n.LANGUAGES). None: an agent's browser decides; a customer
    # gets the team's default (PARLEY_DEFAULT_LANGUAGE) until the live chat or an agent sets it.
    language: str | None = None
    # A deleted customer: name and email are gone ("Deleted customer"); their messages stay.
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class AuditAction(StrEnum):
    AGENT_CREATED = 'agent_created'
    AGENT_EDITED = 'agent_edited'
    ROLE_CHANGED = 'role_changed'
    PASSWORD_RESET = 'password_reset'
    AGENT_DEACTIVATED = 'agent_deactivated'
    AGENT_REACTIVATED = 'agent_reactivated'
    CUSTOMER_EXPORTED = 'customer_exported'
    CUSTOMER_DELETED = 'customer_deleted'
    CUSTOMER_SIGNED_OUT = 'customer_signed_out'
    EMAIL_ATTACHED = 'email_attached'
    EMAIL_DISCARDED = 'email_discarded'
    EMAIL_TO_CONVERSATION = 'email_to_conversation'
    EMAIL_TO_TICKET = 'email_to_ticket'
    SETTINGS_CHANGED = 'settings_changed'


class AuditEntry(SQLModel, table=True):
    """An admin action: who, when, what, on whom. Customers are named by id only (shown with their name while they
    exist): deleting a customer leaves no name or address of theirs here."""
    __table_args__ = (Index('ix_auditentry_action', 'action', 'id'),)

    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    actor_id: int = Field(foreign_key='user.id', index=True)
    action: AuditAction = Field(sa_column=Column(EnumText(AuditAction), nullable=False))
    subject_id: int | None = Field(default=None, foreign_key='user.id', index=True)   # the agent or customer
    detail: str = Field(default='', sa_column=Column(Text, nullable=False))   # words without a customer's data
