"""Tickets and tasks: the helpdesk items conversations hang off."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models._types import EnumText, UTCDateTime, utcnow


class ItemKind(StrEnum):
    TICKET = 'ticket'   # #T-12: a customer's request
    TASK = 'task'       # #K-7: work for the team


class ItemStatus(StrEnum):
    NEW = 'new'           # tickets
    OPEN = 'open'
    PENDING = 'pending'
    CLOSED = 'closed'
    TO_DO = 'todo'        # tasks
    DOING = 'doing'
    DONE = 'done'


class Priority(StrEnum):   # tickets
    LOW = 'low'
    NORMAL = 'normal'
    HIGH = 'high'
    URGENT = 'urgent'


class Item(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint('kind', 'number', name='uq_item_kind_number'),
        Index('ix_item_kind_status', 'kind', 'status', 'updated_at'),
        Index('ix_item_assignee', 'assignee_id', 'kind'),
    )

    id: int = Field(default=None, primary_key=True)   # set by the database on insert
    kind: ItemKind
    number: int                     # per kind: T-1, T-2 ... and K-1, K-2 ...
    title: str
    description: str = Field(default='', sa_column=Column(Text, nullable=False))
    status: ItemStatus = Field(sa_column=Column(EnumText(ItemStatus), nullable=False))   # services.items: per kind
    priority: Priority = Field(default=Priority.NORMAL, sa_column=Column(EnumText(Priority), nullable=False))
    customer_id: int | None = Field(default=None, foreign_key='user.id')   # tickets
    assignee_id: int | None = Field(default=None, foreign_key='user.id')
    due_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))   # tasks
    created_by_id: int = Field(foreign_key='user.id')
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
