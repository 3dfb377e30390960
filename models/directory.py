"""People: agents (who sign in) and customers (who are written to)."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models._types import UTCDateTime, utcnow


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
