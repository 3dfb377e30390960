"""Who is who: agents and customers, and searching them."""
from collections.abc import Iterable
import re

from sqlalchemy import func, or_
from sqlmodel import col, select

from models import User, UserKind
from services.db import Database
from services.errors import Forbidden, InvalidInput, NotFound
from services.events import EventBus, SessionsEnded
from services.text import one_line
from services.passwords import hash_password, validate_password
from services.access import acting, is_id, to_view
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


class DirectoryService:
    def __init__(self, db: Database, bus: EventBus | None = None) -> None:
        self.db = db
        self.bus = bus

    def has_agents(self) -> bool:
        with self.db.session() as session:
            return session.exec(select(User.id).where(User.kind == UserKind.AGENT).limit(1)).first() is not None

    # ----- bootstrap (first admin, demo, tests): no actor -------------------------------------

    def create_agent(self, *, name: str, email: str, password: str, is_admin: bool = False) -> UserView:
        """Create an agent who can sign in with this password."""
        return self._create(UserKind.AGENT, name=name, email=email, password_hash=hash_password(password),
                            is_admin=is_admin)

    def create_customer(self, *, name: str, email: str, organization: str | None = None) -> UserView:
        """Create a customer (no password: customers never sign in to the agent side)."""
        return self._create(UserKind.CUSTOMER, name=name, email=email, organization=organization)

    # ----- admin ------------------------------------------------------------------------------

    @acting
    def add_agent(self, actor: UserView, *, name: str, email: str, password: str,
                  is_admin: bool = False) -> UserView:
        """An admin adds a teammate who signs in with this (temporary) password."""
        _require_admin(actor)
        validate_password(password)
        return self.create_agent(name=name, email=email, password=password, is_admin=is_admin)

    @acting
    def set_agent_active(self, actor: UserView, agent_id: int, *, active: bool) -> UserView:
        """An admin deactivates (signs out and bars) or reactivates an agent; never themself."""
        _require_admin(actor)
        if agent_id == actor.id and not active:
            raise InvalidInput('You cannot deactivate your own account.')
        with self.db.transaction() as tx:
            user = tx.session.get(User, agent_id) if is_id(agent_id) else None
            if user is None or user.kind != UserKind.AGENT:
                raise NotFound('Agent not found')
            user.is_active = active
            if not active:   # their open pages end now, not at their next click
                user.session_generation += 1
                if self.bus is not None:
                    tx.on_commit(lambda: self.bus.publish(SessionsEnded(recipients=(agent_id,))))
            tx.session.add(user)
            return to_view(user)

    @acting
    def add_customer(self, actor: UserView, *, name: str, email: str, organization: str | None = None) -> UserView:
        """An admin adds a customer."""
        _require_admin(actor)
        return self.create_customer(name=name, email=email, organization=organization)

    @acting
    def update_customer(self, actor: UserView, customer_id: int, *, name: str, email: str,
                        organization: str | None) -> UserView:
        """An admin corrects a customer's name, email or organization (email stays unique)."""
        _require_admin(actor)
        name, email, organization = _clean_name(name), validate_email(email), _clean_organization(organization)
        with self.db.transaction() as tx:
            customer = tx.session.get(User, customer_id) if is_id(customer_id) else None
            if customer is None or customer.kind != UserKind.CUSTOMER:
                raise NotFound('Customer not found')
            taken = tx.session.exec(select(User.id).where(User.email == email, User.id != customer_id)).first()
            if taken is not None:
                raise InvalidInput(f'{email} is already in use.')
            customer.name, customer.email, customer.organization = name, email, organization
            tx.session.add(customer)
            return to_view(customer)

    @acting
    def list_agents(self, actor: UserView) -> list[UserView]:
        """Every agent, active or not, by name (admins only)."""
        _require_admin(actor)
        with self.db.session() as session:
            users = session.exec(select(User).where(User.kind == UserKind.AGENT).order_by(func.lower(User.name)))
            return [to_view(u) for u in users]

    @acting
    def list_customers(self, actor: UserView, query: str = '', *, limit: int = 200) -> list[UserView]:
        """Customers whose name, email or organization contains the query, by name."""
        text = (query or '').strip().lower()
        statement = select(User).where(User.kind == UserKind.CUSTOMER)
        if text:
            pattern = _like(text)
            statement = statement.where(or_(func.lower(User.name).like(pattern, escape='\\'),
                                            col(User.email).like(pattern, escape='\\'),
                                            func.lower(User.organization).like(pattern, escape='\\')))
        with self.db.session() as session:
            users = session.exec(statement.order_by(func.lower(User.name)).limit(max(1, min(limit, 500))))
            return [to_view(u) for u in users]

    # ----- everyone -----------------------------------------------------------------------------

    @acting
    def search_agents(self, actor: UserView, query: str, *, exclude_ids: Iterable[int] = (),
                      limit: int = SUGGESTION_LIMIT) -> list[UserView]:
        """Active agents other than the actor whose name or email contains the query (an "@" is ignored)."""
        if actor.kind != 'agent':
            raise Forbidden('Only agents can look up teammates.')
        return self._search(UserKind.AGENT, query, {actor.id, *exclude_ids}, limit)

    @acting
    def search_customers(self, actor: UserView, query: str, *, exclude_ids: Iterable[int] = (),
                         limit: int = SUGGESTION_LIMIT) -> list[UserView]:
        """Customers whose name, email or organization contains the query (agents only)."""
        if actor.kind != 'agent':
            raise Forbidden('Only agents can look up customers.')
        return self._search(UserKind.CUSTOMER, query, set(exclude_ids), limit)

    def customer_for_chat(self, *, name: str, email: str) -> UserView:
        """The customer with this email, created with this name if new (live-chat visitors).

        An existing customer's details are never changed or revealed by someone typing their email.
        """
        email = validate_email(email)
        name = _clean_name(name)
        with self.db.transaction() as tx:
            user = tx.session.exec(select(User).where(User.email == email)).first()
            if user is None:
                user = User(kind=UserKind.CUSTOMER, name=name, email=email)
                tx.session.add(user)
                tx.session.flush()
            elif user.kind != UserKind.CUSTOMER or not user.is_active:
                raise InvalidInput('This email address cannot be used for the live chat.')
            return to_view(user)

    # ----- sessions -----------------------------------------------------------------------------

    def session_generation(self, user_id: int) -> int:
        """Sessions and chat tokens carry this number; bumping it ends all of them at once."""
        with self.db.session() as session:
            user = session.get(User, user_id)
            return user.session_generation if user is not None else -1

    def end_sessions(self, user_id: int) -> None:
        """Every session of this person ends (their other browsers, and a customer's chat links)."""
        with self.db.transaction() as tx:
            user = tx.session.get(User, user_id)
            if user is not None:
                user.session_generation += 1
                tx.session.add(user)
                if self.bus is not None:
                    tx.on_commit(lambda: self.bus.publish(SessionsEnded(recipients=(user_id,))))

    def announce_sessions_ended(self, user_id: int) -> None:
        """Tell the person's open pages that sessions ended (each page checks whether it is still signed in)."""
        if self.bus is not None:
            self.bus.publish(SessionsEnded(recipients=(user_id,)))

    @acting
    def sign_out_customer_everywhere(self, actor: UserView, customer_id: int) -> UserView:
        """An admin ends a customer's live-chat sessions and email links (they can start a new chat)."""
        _require_admin(actor)
        with self.db.session() as session:
            user = session.get(User, customer_id) if is_id(customer_id) else None
        if user is None or user.kind != UserKind.CUSTOMER:
            raise NotFound('Customer not found')
        self.end_sessions(customer_id)
        return to_view(user)

    def _search(self, kind: UserKind, query: str, excluded: set[int], limit: int) -> list[UserView]:
        text = (query or '').strip().lstrip('@').strip().lower()
        statement = select(User).where(User.kind == kind, User.is_active, col(User.id).not_in(excluded))
        if text:
            pattern = _like(text)
            matches = [func.lower(User.name).like(pattern, escape='\\'), col(User.email).like(pattern, escape='\\')]
            if kind == UserKind.CUSTOMER:
                matches.append(func.lower(User.organization).like(pattern, escape='\\'))
            statement = statement.where(or_(*matches))
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

    def _create(self, kind: UserKind, *, name: str, email: str, organization: str | None = None,
                **fields) -> UserView:
        name, email, organization = _clean_name(name), validate_email(email), _clean_organization(organization)
        with self.db.transaction() as tx:
            if tx.session.exec(select(User.id).where(User.email == email)).first() is not None:
                raise InvalidInput(f'{email} is already in use.')
            user = User(kind=kind, name=name, email=email, organization=organization, **fields)
            tx.session.add(user)
            tx.session.flush()
            return to_view(user)


def _require_admin(actor: UserView) -> None:
    if not actor.is_admin:
        raise Forbidden('Only admins can do that.')


def _clean_name(name: str) -> str:
    name = one_line(name)
    if not name:
        raise InvalidInput('Enter a name.')
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f'Names are limited to {MAX_NAME_LENGTH} characters.')
    return name


def _clean_organization(organization: str | None) -> str | None:
    organization = one_line(organization)
    if len(organization) > MAX_NAME_LENGTH:
        raise InvalidInput(f'Organization names are limited to {MAX_NAME_LENGTH} characters.')
    return organization or None


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with its wildcards taken literally."""
    return '%' + text.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'
