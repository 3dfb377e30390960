"""The audit log: what admins did, by whom and when, kept in the database (auditentry) and shown on /admin/audit.

Entries are written in the transaction of the action they record (`record`), so an action that fails leaves
none. A customer is named by id only, their name read when the log is shown: deleting a customer leaves no
name or address of theirs in the log ("Deleted customer").
"""
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models import AuditAction, AuditEntry, User, UserKind
from services.access import acting, is_id, require_admin, to_view
from services.db import Database
from services.errors import InvalidInput
from services.i18n import N_, _, fitted, shown
from services.views import UserView

PAGE = 50
MAX_DETAIL = 500

WHAT = {
    AuditAction.AGENT_CREATED: N_('Agent created'),
    AuditAction.AGENT_EDITED: N_('Agent edited'),
    AuditAction.ROLE_CHANGED: N_('Role changed'),
    AuditAction.PASSWORD_RESET: N_('Password reset'),
    AuditAction.AGENT_DEACTIVATED: N_('Agent deactivated'),
    AuditAction.AGENT_REACTIVATED: N_('Agent reactivated'),
    AuditAction.CUSTOMER_EXPORTED: N_('Customer data exported'),
    AuditAction.CUSTOMER_DELETED: N_('Customer deleted'),
    AuditAction.CUSTOMER_SIGNED_OUT: N_('Customer signed out everywhere'),
    AuditAction.EMAIL_ATTACHED: N_('Email attached to a conversation'),
    AuditAction.EMAIL_DISCARDED: N_('Email discarded'),
    AuditAction.EMAIL_TO_CONVERSATION: N_('Email made a new conversation'),
    AuditAction.EMAIL_TO_TICKET: N_('Email made a ticket'),
    AuditAction.SETTINGS_CHANGED: N_('Settings changed'),
}


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    action: AuditAction
    what: str            # "Password reset"
    actor: str           # who did it
    subject: str | None  # on whom: an agent's or customer's name now ("Deleted customer")
    subject_id: int | None
    subject_is_customer: bool
    detail: str


def record(session: Session, actor: UserView, action: AuditAction, *, subject_id: int | None = None,
           detail: str = '') -> None:
    """Log an admin action in the caller's transaction (it commits with the action, or not at all)."""
    session.add(AuditEntry(actor_id=actor.id, action=action, subject_id=subject_id, detail=fitted(detail, MAX_DETAIL)))


class AuditService:
    def __init__(self, db: Database) -> None:
        self.db = db

    @acting
    def entries(self, actor: UserView, *, action: str | None = None, by: int | None = None,
                subject: int | None = None, before: int | None = None, limit: int = PAGE) -> list[AuditView]:
        """The log, newest first (admins only); filtered by action, by who did it or by whom it was about, and
        paged by the id of the last entry shown (`before`)."""
        require_admin(actor)
        statement = select(AuditEntry)
        if action:
            try:
                statement = statement.where(AuditEntry.action == AuditAction(action))
            except ValueError:
                raise InvalidInput('Choose an action from the list.') from None
        for column, value in ((AuditEntry.actor_id, by), (AuditEntry.subject_id, subject), (AuditEntry.id, before)):
            if value is None:
                continue
            if not is_id(value):
                return []
            statement = statement.where(col(column) < value if column is AuditEntry.id else column == value)
        statement = statement.order_by(col(AuditEntry.id).desc()).limit(max(1, min(limit, 200)))
        with self.db.session() as session:
            rows = session.exec(statement).all()
            ids = {i for e in rows for i in (e.actor_id, e.subject_id) if i is not None}
            people = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))} if ids else {}
        return [_view(entry, people) for entry in rows]

    @acting
    def actors(self, actor: UserView) -> list[UserView]:
        """Everyone who appears as the doer of an entry (for the filter), by name."""
        require_admin(actor)
        with self.db.session() as session:
            users = session.exec(select(User).where(col(User.id).in_(select(AuditEntry.actor_id).distinct()))
                                 .order_by(User.name)).all()
            return [to_view(u) for u in users]


def _view(entry: AuditEntry, people: dict[int, User]) -> AuditView:
    actor = people.get(entry.actor_id)
    subject = people.get(entry.subject_id) if entry.subject_id is not None else None
    return AuditView(id=entry.id, at=entry.at, action=entry.action, what=WHAT[entry.action],
                     actor=actor.name if actor else _('Someone'), subject=subject.name if subject else None,
                     subject_id=entry.subject_id,
                     subject_is_customer=subject is not None and subject.kind == UserKind.CUSTOMER,
                     detail=shown(entry.detail))
