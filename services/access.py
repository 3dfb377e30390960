"""Who may see or do what: every rule of access lives here, and services call these.

Who is acting: a page holds a copy of its agent (a UserView) from when it was built. An admin may deactivate
that agent meanwhile, or take away their admin role; the copy does not know. So the services read the actor
again before they act (`acting`), and refuse one who is gone or deactivated with SignedOut.

What they may reach: agents only (`require_agent`), admins only (`require_admin`), a conversation (its
participants; agents also the unassigned ones: `conversation`), an internal note (agents only: `sees_notes`), a
notification (its own agent's: `own_notification`). Something the actor may not reach is "not found", the same
error as for something that does not exist, so ids cannot be probed.
"""
from collections.abc import Callable
import functools
from typing import Any, TypeGuard, TypeVar

from sqlalchemy import ColumnElement, bindparam, or_
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from models import Conversation, Notification, Participant, User, UserKind
from services.i18n import N_
from services.db import Database
from services.errors import Forbidden, NotFound, ParleyError, PasswordFirst, SignedOut
from services.views import UserView

# Ids are 32-bit integers on PostgreSQL (SQLite's are 64-bit). An id outside that range names nothing:
# it is "not found" on every database, never a database error.
MAX_ID = 2**31 - 1
SIGNED_OUT = N_('Your session has ended. Sign in again to continue.')
CONVERSATION_NOT_FOUND = N_('Conversation not found')
ADMINS_ONLY = N_('Only admins can do that.')

Method = TypeVar('Method', bound=Callable[..., Any])


def is_id(value: object) -> TypeGuard[int]:
    """Whether value can be the id of a stored row (an int, not a bool, within every database's range)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def checked_id(value: object, not_found: str) -> int:
    """value as an id, or NotFound(not_found) for anything that cannot be one."""
    if not is_id(value):
        raise NotFound(not_found)
    return value


def to_view(user: User) -> UserView:
    return UserView(id=user.id, name=user.name, email=user.email, kind=user.kind,
                    is_admin=user.is_admin, organization=user.organization, is_active=user.is_active,
                    must_change_password=user.must_change_password, avatar_color=user.avatar_color,
                    avatar_initials=user.avatar_initials, time_zone=user.time_zone, language=user.language,
                    deleted=user.deleted_at is not None)


def current_actor(session, actor: UserView) -> UserView:
    """The actor as stored now (name, role); SignedOut when they are gone, deactivated or not who they were."""
    user = session.get(User, actor.id) if isinstance(actor, UserView) and is_id(actor.id) else None
    if user is None or not user.is_active or user.kind != UserKind(actor.kind):
        raise SignedOut(SIGNED_OUT)
    return to_view(user)


# The actor as stored now, read on the driver (services.db.Prepared): every service entry runs it, a page's build
# several times, so it costs one indexed read and no ORM work.
_ACTOR = sql_select(col(User.name), col(User.email), col(User.kind), col(User.is_admin), col(User.organization),
                    col(User.is_active), col(User.must_change_password), col(User.avatar_color),
                    col(User.avatar_initials), col(User.time_zone), col(User.language)) \
    .where(col(User.id) == bindparam('p_id'))
PASSWORD_FIRST = N_('Choose your own password first (Settings → Change password).')



def acting(method: Method) -> Method:
    """A service method `(self, actor, ...)` runs for the actor as stored now (self.db), or raises SignedOut."""
    @functools.wraps(method)
    def checked(self, actor: UserView, *args, **kwargs):
        return method(self, stored_actor(self.db, actor), *args, **kwargs)
    return checked  # type: ignore[return-value]


def stored_actor(db: Database, actor: UserView) -> UserView:
    """As current_actor, outside a transaction: SignedOut when they are gone, deactivated or not who they were."""
    if not (isinstance(actor, UserView) and is_id(actor.id)):
        raise SignedOut(SIGNED_OUT)
    with db.engine.connect() as connection:
        row = db.prepared(_ACTOR).execute(connection, p_id=actor.id).first()
    if row is None:
        raise SignedOut(SIGNED_OUT)
    name, email, kind, is_admin, organization, active, temporary, color, initials, zone, language = row  # driver's
    if not active or UserKind[kind] != actor.kind:
        raise SignedOut(SIGNED_OUT)
    if temporary:   # an agent signed in with a temporary password does nothing else until they choose their own
        raise PasswordFirst(PASSWORD_FIRST)
    return UserView(id=actor.id, name=name, email=email, kind=UserKind[kind], is_admin=bool(is_admin),
                    organization=organization, is_active=True, avatar_color=color, avatar_initials=initials,
                    time_zone=zone, language=language)


def require_agent(actor: UserView, refusal: ParleyError) -> None:
    """Agents only: anyone else gets `refusal` (each entry keeps the words its users know)."""
    if actor.kind != UserKind.AGENT:
        raise refusal


def require_admin(actor: UserView, message: str = ADMINS_ONLY) -> None:
    """Admins only (as stored now: `acting` has read the actor again)."""
    if not actor.is_admin:
        raise Forbidden(message)


def sees_notes(actor: UserView) -> bool:
    """Internal notes are for agents: never listed, sent or emailed to a customer."""
    return actor.kind == UserKind.AGENT


def may_open(actor: UserView) -> ColumnElement[bool]:
    """The conversations the actor may open, as a condition on Conversation: those they take part in, and for
    agents also the unassigned ones (a live chat nobody has answered yet)."""
    joined = select(Participant.user_id).where(col(Participant.conversation_id) == Conversation.id,
                                               Participant.user_id == actor.id).exists()
    return or_(joined, col(Conversation.unassigned).is_(True)) if actor.kind == UserKind.AGENT else joined


def may_write(actor: UserView, *, takes_part: bool, unassigned: bool) -> bool:
    """Whether the actor may write in a conversation (the send path knows both from the statement it runs): its
    participants, and any agent in an unassigned one (answering it takes it)."""
    return takes_part or (actor.kind == UserKind.AGENT and unassigned)


def conversation(session: Session, actor: UserView, conversation_id: object) -> Conversation:
    """The conversation if the actor may open it; NotFound for a missing one, a forbidden one and a malformed id."""
    if not is_id(conversation_id):
        raise NotFound(CONVERSATION_NOT_FOUND)
    row = session.exec(select(Conversation).where(Conversation.id == conversation_id, may_open(actor))).first()
    if row is None:
        raise NotFound(CONVERSATION_NOT_FOUND)
    return row


def active_agent_ids(session: Session) -> list[int]:
    """Every active agent: who may take an unassigned conversation (and sees the Unassigned list change)."""
    return list(session.exec(select(User.id).where(User.kind == UserKind.AGENT, User.is_active)).all())


def own_notification(actor: UserView) -> ColumnElement[bool]:
    """The notifications the actor may read or mark: their own."""
    return col(Notification.user_id) == actor.id
