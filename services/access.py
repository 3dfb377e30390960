"""Who is acting: every service entry acts for the person as the database knows them now.

A page holds a copy of its agent (a UserView) from when it was built. An admin may deactivate that
agent meanwhile, or take away their admin role; the copy does not know. So the services read the
actor again before they act, and refuse one who is gone or deactivated with SignedOut.
"""
from collections.abc import Callable
import functools
from typing import Any, TypeVar

from models import User, UserKind
from services.errors import NotFound, SignedOut
from services.views import UserView

# Ids are 32-bit integers on PostgreSQL (SQLite's are 64-bit). An id outside that range names nothing:
# it is "not found" on every database, never a database error.
MAX_ID = 2**31 - 1
SIGNED_OUT = 'Your session has ended. Sign in again to continue.'

Method = TypeVar('Method', bound=Callable[..., Any])


def is_id(value: object) -> bool:
    """Whether value can be the id of a stored row (an int, not a bool, within every database's range)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def checked_id(value: object, not_found: str) -> int:
    """value as an id, or NotFound(not_found) for anything that cannot be one."""
    if not is_id(value):
        raise NotFound(not_found)
    return value


def to_view(user: User) -> UserView:
    return UserView(id=user.id, name=user.name, email=user.email, kind=user.kind.value,
                    is_admin=user.is_admin, organization=user.organization, is_active=user.is_active)


def current_actor(session, actor: UserView) -> UserView:
    """The actor as stored now (name, role); SignedOut when they are gone, deactivated or not who they were."""
    user = session.get(User, actor.id) if isinstance(actor, UserView) and is_id(actor.id) else None
    if user is None or not user.is_active or user.kind != UserKind(actor.kind):
        raise SignedOut(SIGNED_OUT)
    return to_view(user)


def acting(method: Method) -> Method:
    """A service method `(self, actor, ...)` runs for the actor as stored now (self.db), or raises SignedOut."""
    @functools.wraps(method)
    def checked(self, actor: UserView, *args, **kwargs):
        with self.db.session() as session:
            actor = current_actor(session, actor)
        return method(self, actor, *args, **kwargs)
    return checked  # type: ignore[return-value]
