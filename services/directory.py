"""Who is who: agents and customers, and searching them."""
from collections.abc import Iterable
import re

from sqlalchemy import func, or_
from sqlmodel import col, select

from models import User, UserKind
from services.db import Database
from services.errors import InvalidInput
from services.passwords import hash_password
from services.views import UserView

SUGGESTION_LIMIT = 8
MAX_NAME_LENGTH = 120
_EMAIL = re.compile(r'^[^@\s<>(),;:"\[\]\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$')


def normalize_email(email: str) -> str:
    return (email or '').strip().lower()


def validate_email(email: str) -> str:
    email = normalize_email(email)
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput('Enter a valid email address, like name@example.com.')
    return email


def to_view(user: User) -> UserView:
    return UserView(id=user.id, name=user.name, email=user.email, kind=user.kind.value,
                    is_admin=user.is_admin, organization=user.organization)


class DirectoryService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def has_agents(self) -> bool:
        with self.db.session() as session:
            return session.exec(select(User.id).where(User.kind == UserKind.AGENT).limit(1)).first() is not None

    def create_agent(self, *, name: str, email: str, password: str, is_admin: bool = False) -> UserView:
        """Create an agent who can sign in with this password."""
        return self._create(UserKind.AGENT, name=name, email=email, password_hash=hash_password(password),
                            is_admin=is_admin)

    def create_customer(self, *, name: str, email: str, organization: str | None = None) -> UserView:
        """Create a customer (no password: customers never sign in to the agent side)."""
        return self._create(UserKind.CUSTOMER, name=name, email=email, organization=organization)

    def search_agents(self, actor: UserView, query: str, *, exclude_ids: Iterable[int] = (),
                      limit: int = SUGGESTION_LIMIT) -> list[UserView]:
        """Active agents other than the actor whose name or email contains the query (an "@" is ignored)."""
        text = (query or '').strip().lstrip('@').strip().lower()
        excluded = {actor.id, *exclude_ids}
        statement = select(User).where(User.kind == UserKind.AGENT, User.is_active,
                                       col(User.id).not_in(excluded))
        if text:
            pattern = '%' + text.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'
            statement = statement.where(or_(func.lower(User.name).like(pattern, escape='\\'),
                                            col(User.email).like(pattern, escape='\\')))
        statement = statement.order_by(func.lower(User.name)).limit(max(1, min(limit, 50)))
        with self.db.session() as session:
            return [to_view(user) for user in session.exec(statement)]

    def get_users(self, ids: Iterable[int]) -> list[UserView]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        with self.db.session() as session:
            users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))}
        return [to_view(users[i]) for i in ids if i in users]

    def _create(self, kind: UserKind, *, name: str, email: str, **fields) -> UserView:
        name = (name or '').strip()
        if not name:
            raise InvalidInput('Enter a name.')
        if len(name) > MAX_NAME_LENGTH:
            raise InvalidInput(f'Names are limited to {MAX_NAME_LENGTH} characters.')
        email = validate_email(email)
        with self.db.transaction() as tx:
            if tx.session.exec(select(User.id).where(User.email == email)).first() is not None:
                raise InvalidInput(f'{email} is already in use.')
            user = User(kind=kind, name=name, email=email, **fields)
            tx.session.add(user)
            tx.session.flush()
            return to_view(user)
