"""Who is who: agents and customers, and searching them."""
from collections.abc import Iterable
import re

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select
import email_validator

from models import AuditAction, User, UserKind
from services.audit import record
from services.db import Database
from services.errors import Forbidden, InvalidInput, NotFound
from services.events import EventBus, SessionsEnded
from services.i18n import LANGUAGES, deferred, normalize as normalize_language
from services.text import one_line
from services.passwords import hash_password, temporary_password, validate_password
from services.access import acting, is_id, require_admin, require_agent, to_view
from services.views import UserView

SUGGESTION_LIMIT = 8
# Avatar colours an agent may pick (Quasar's palette: background "<name>-2", text "<name>-9").
AVATAR_COLORS = ('indigo', 'blue', 'teal', 'green', 'amber', 'orange', 'red', 'pink', 'purple', 'grey')
MAX_NAME_LENGTH = 120
_EMAIL = re.compile(r'^[^@\s<>(),;:"\[\]\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$')


def matching(people: Iterable[UserView], text: str) -> list[UserView]:
    """The people whose name or email contains the text, any case (an "@name" among a conversation's teammates,
    who are at hand: search_agents asks the database for the others)."""
    text = text.strip().lower()
    return [p for p in people if text in p.name.lower() or text in p.email.lower()]


def normalize_email(email: str) -> str:
    return (email or '').strip().lower()


def validate_email(email: str) -> str:
    """An address typed into a form, checked by email-validator (syntax only: no DNS), lower-cased."""
    email = normalize_email(email)
    try:
        checked = email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError as problem:
        raise InvalidInput('Enter a valid email address, like name@example.com. ({problem})', problem=problem) from None
    return checked.normalized.lower()


def valid_sender(email: str) -> str:
    """An address from the settings (PARLEY_MAIL_FROM): plain syntax, so a local one (…@parley.localhost) will do."""
    email = normalize_email(email)
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput('{email!r} is not an email address, like support@example.com.', email=email)
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
        """An admin adds a teammate who signs in with this temporary password, then chooses their own."""
        require_admin(actor)
        validate_password(password)
        name, email = _clean_name(name), validate_email(email)
        with self.db.transaction() as tx:
            user = self._insert(tx.session, UserKind.AGENT, name=name, email=email,
                                password_hash=hash_password(password), is_admin=is_admin, must_change_password=True)
            record(tx.session, actor, AuditAction.AGENT_CREATED, subject_id=user.id,
                   detail=deferred('{name} <{email}>, admin', name=name, email=email) if is_admin else
                   f'{name} <{email}>')
            return to_view(user)

    @acting
    def update_agent(self, actor: UserView, agent_id: int, *, name: str, email: str) -> UserView:
        """An admin corrects an agent's name or email (email stays unique)."""
        require_admin(actor)
        name, email = _clean_name(name), validate_email(email)
        with self.db.transaction() as tx:
            user = _agent(tx.session, agent_id)
            self._check_free(tx.session, email, agent_id)
            changes = {'name': (user.name, name), 'email': (user.email, email)}
            changes = {what: change for what, change in changes.items() if change[0] != change[1]}
            if changes:
                record(tx.session, actor, AuditAction.AGENT_EDITED, subject_id=user.id, detail=_edited(changes))
                user.name, user.email = name, email
                tx.session.add(user)
            return to_view(user)

    @acting
    def set_admin(self, actor: UserView, agent_id: int, *, is_admin: bool) -> UserView:
        """An admin makes an agent an admin or not; the team always keeps an active admin."""
        require_admin(actor)
        with self.db.transaction() as tx:
            user = _agent(tx.session, agent_id)
            if user.is_admin == is_admin:
                return to_view(user)
            if not is_admin and user.is_active and _active_admins(tx.session) <= 1:
                raise InvalidInput('The team needs at least one active admin: make someone else an admin first.')
            user.is_admin = is_admin
            tx.session.add(user)
            record(tx.session, actor, AuditAction.ROLE_CHANGED, subject_id=user.id,
                   detail=deferred('made an admin') if is_admin else deferred('no longer an admin'))
            return to_view(user)

    @acting
    def reset_password(self, actor: UserView, agent_id: int) -> str:
        """An admin gives an agent a new temporary password (returned, to pass on) and ends their sessions; the
        agent chooses their own at their next sign-in. Not one's own: that is Change password."""
        require_admin(actor)
        if agent_id == actor.id:
            raise InvalidInput('To change your own password, use Change password in your account menu.')
        password = temporary_password()
        hashed = hash_password(password)
        with self.db.transaction() as tx:
            user = _agent(tx.session, agent_id)
            user.password_hash, user.must_change_password = hashed, True
            user.session_generation += 1
            tx.session.add(user)
            record(tx.session, actor, AuditAction.PASSWORD_RESET, subject_id=user.id)
            self._sessions_ended(tx, user.id)
        return password

    @acting
    def set_agent_active(self, actor: UserView, agent_id: int, *, active: bool) -> UserView:
        """An admin deactivates (signs out everywhere and bars) or reactivates an agent; never themself."""
        require_admin(actor)
        if agent_id == actor.id and not active:
            raise InvalidInput('You cannot deactivate your own account.')
        with self.db.transaction() as tx:
            user = _agent(tx.session, agent_id)
            if user.is_active == active:
                return to_view(user)
            user.is_active = active
            if not active:   # their open pages end now, not at their next click
                user.session_generation += 1
                self._sessions_ended(tx, user.id)
            tx.session.add(user)
            record(tx.session, actor, AuditAction.AGENT_REACTIVATED if active else AuditAction.AGENT_DEACTIVATED,
                   subject_id=user.id)
            return to_view(user)

    @acting
    def update_profile(self, actor: UserView, *, name: str, avatar_color: str | None = None,
                       avatar_initials: str | None = None, time_zone: str | None = None) -> UserView:
        """An agent's own name, avatar (colour, initials) and time zone (None: the browser's)."""
        require_agent(actor, Forbidden('Only agents have a profile.'))
        name = _clean_name(name)
        if avatar_color is not None and avatar_color not in AVATAR_COLORS:
            raise InvalidInput('Choose one of the colours shown.')
        initials = one_line(avatar_initials).upper() or None
        if initials is not None and not (1 <= len(initials) <= 3 and initials.isalnum()):
            raise InvalidInput('Initials are one to three letters or digits.')
        if time_zone:
            try:
                ZoneInfo(time_zone)
            except (ValueError, ZoneInfoNotFoundError):
                raise InvalidInput('Choose a time zone from the list.') from None
        with self.db.transaction() as tx:
            user = _agent(tx.session, actor.id)
            user.name, user.avatar_color, user.avatar_initials = name, avatar_color, initials
            user.time_zone = time_zone or None
            tx.session.add(user)
            return to_view(user)

    @acting
    def add_customer(self, actor: UserView, *, name: str, email: str, organization: str | None = None) -> UserView:
        """An admin adds a customer."""
        require_admin(actor)
        return self.create_customer(name=name, email=email, organization=organization)

    @acting
    def get_customer(self, actor: UserView, customer_id: int) -> UserView:
        """A customer's details (agents only; a deleted customer is not found)."""
        require_agent(actor, NotFound('Customer not found'))
        with self.db.session() as session:
            return to_view(_customer(session, customer_id))

    @acting
    def update_customer(self, actor: UserView, customer_id: int, *, name: str, email: str,
                        organization: str | None) -> UserView:
        """An agent corrects a customer's name, email or organization (email stays unique)."""
        require_agent(actor, NotFound('Customer not found'))
        name, email, organization = _clean_name(name), validate_email(email), _clean_organization(organization)
        with self.db.transaction() as tx:
            customer = _customer(tx.session, customer_id)
            self._check_free(tx.session, email, customer_id)
            customer.name, customer.email, customer.organization = name, email, organization
            tx.session.add(customer)
            return to_view(customer)

    @acting
    def set_language(self, actor: UserView, language: str | None) -> UserView:
        """An agent's own language (None: their browser's)."""
        require_agent(actor, Forbidden('Only agents choose a language here.'))
        language = _language(language)
        with self.db.transaction() as tx:
            user = _agent(tx.session, actor.id)
            user.language = language
            tx.session.add(user)
            return to_view(user)

    @acting
    def set_customer_language(self, actor: UserView, customer_id: int, language: str | None) -> UserView:
        """An agent sets the language of a customer's live chat and emails (None: the team's default)."""
        require_agent(actor, NotFound('Customer not found'))
        language = _language(language)
        with self.db.transaction() as tx:
            customer = _customer(tx.session, customer_id)
            customer.language = language
            tx.session.add(customer)
            return to_view(customer)

    def remember_customer_language(self, customer_id: int, language: str | None, *, stated: bool) -> str | None:
        """The live chat tells a customer's language: `stated` by the host page (its data-lang) replaces the stored
        one; a browser's only fills an empty one. Returns the customer's language now (None: the default)."""
        language = normalize_language(language)
        with self.db.transaction() as tx:
            customer = tx.session.get(User, customer_id) if is_id(customer_id) else None
            if customer is None or customer.kind != UserKind.CUSTOMER:
                return None
            if language is not None and (stated or customer.language is None) and customer.language != language:
                customer.language = language
                tx.session.add(customer)
            return customer.language

    @acting
    def list_agents(self, actor: UserView) -> list[UserView]:
        """Every agent, active or not, by name (admins only)."""
        require_admin(actor)
        with self.db.session() as session:
            users = session.exec(select(User).where(User.kind == UserKind.AGENT).order_by(func.lower(User.name)))
            return [to_view(u) for u in users]

    @acting
    def list_customers(self, actor: UserView, query: str = '', *, limit: int = 200) -> list[UserView]:
        """Customers whose name, email or organization contains the query, by name."""
        text = (query or '').strip().lower()
        statement = select(User).where(User.kind == UserKind.CUSTOMER, col(User.deleted_at).is_(None))
        if text:
            statement = statement.where(or_(*_containing(text, UserKind.CUSTOMER)))
        with self.db.session() as session:
            users = session.exec(statement.order_by(func.lower(User.name)).limit(max(1, min(limit, 500))))
            return [to_view(u) for u in users]

    # ----- everyone -----------------------------------------------------------------------------

    @acting
    def search_agents(self, actor: UserView, query: str, *, exclude_ids: Iterable[int] = (),
                      limit: int = SUGGESTION_LIMIT) -> list[UserView]:
        """Active agents other than the actor whose name or email contains the query (an "@" is ignored)."""
        require_agent(actor, Forbidden('Only agents can look up teammates.'))
        return self._search(UserKind.AGENT, query, {actor.id, *exclude_ids}, limit)

    @acting
    def search_customers(self, actor: UserView, query: str, *, exclude_ids: Iterable[int] = (),
                         limit: int = SUGGESTION_LIMIT) -> list[UserView]:
        """Customers whose name, email or organization contains the query (agents only)."""
        require_agent(actor, Forbidden('Only agents can look up customers.'))
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
                if (bus := self.bus) is not None:
                    tx.on_commit(lambda: bus.publish(SessionsEnded(recipients=(user_id,))))

    def announce_sessions_ended(self, user_id: int) -> None:
        """Tell the person's open pages that sessions ended (each page checks whether it is still signed in)."""
        if self.bus is not None:
            self.bus.publish(SessionsEnded(recipients=(user_id,)))

    @acting
    def sign_out_customer_everywhere(self, actor: UserView, customer_id: int) -> UserView:
        """An admin ends a customer's live-chat sessions and email links (they can start a new chat)."""
        require_admin(actor)
        with self.db.transaction() as tx:
            user = _customer(tx.session, customer_id)
            user.session_generation += 1
            tx.session.add(user)
            record(tx.session, actor, AuditAction.CUSTOMER_SIGNED_OUT, subject_id=user.id)
            self._sessions_ended(tx, user.id)
            return to_view(user)

    def _sessions_ended(self, tx, user_id: int) -> None:
        if (bus := self.bus) is not None:
            tx.on_commit(lambda: bus.publish(SessionsEnded(recipients=(user_id,))))

    def _search(self, kind: UserKind, query: str, excluded: set[int], limit: int) -> list[UserView]:
        text = (query or '').strip().lstrip('@').strip().lower()
        statement = select(User).where(User.kind == kind, User.is_active, col(User.id).not_in(excluded))
        if text:
            statement = statement.where(or_(*_containing(text, kind)))
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
            return to_view(self._insert(tx.session, kind, name=name, email=email, organization=organization,
                                        **fields))

    def _insert(self, session: Session, kind: UserKind, *, email: str, **fields) -> User:
        self._check_free(session, email, None)
        user = User(kind=kind, email=email, **fields)
        session.add(user)
        session.flush()
        return user

    @staticmethod
    def _check_free(session: Session, email: str, own_id: int | None) -> None:
        taken = session.exec(select(User.id).where(User.email == email, User.id != (own_id or 0))).first()
        if taken is not None:
            raise InvalidInput('{email} is already in use.', email=email)


def _language(language: str | None) -> str | None:
    if not language:
        return None
    if language not in LANGUAGES:
        raise InvalidInput('Choose one of the languages shown.')
    return language


def _edited(changes: dict[str, tuple[str, str]]) -> str:
    """What an admin corrected on an agent (name, email or both), for the audit log: worded when read."""
    if len(changes) == 2:
        (old_name, new_name), (old_email, new_email) = changes['name'], changes['email']
        return deferred('name: {old_name} → {new_name}; email: {old_email} → {new_email}', old_name=old_name,
                        new_name=new_name, old_email=old_email, new_email=new_email)
    if 'name' in changes:
        old, new = changes['name']
        return deferred('name: {old} → {new}', old=old, new=new)
    old, new = changes['email']
    return deferred('email: {old} → {new}', old=old, new=new)


def _agent(session: Session, agent_id: int) -> User:
    user = session.get(User, agent_id) if is_id(agent_id) else None
    if user is None or user.kind != UserKind.AGENT:
        raise NotFound('Agent not found')
    return user


def _customer(session: Session, customer_id: int) -> User:
    user = session.get(User, customer_id) if is_id(customer_id) else None
    if user is None or user.kind != UserKind.CUSTOMER or user.deleted_at is not None:
        raise NotFound('Customer not found')
    return user


def _active_admins(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User).where(
        User.kind == UserKind.AGENT, col(User.is_admin).is_(True), col(User.is_active).is_(True))).one()


def _clean_name(name: str) -> str:
    name = one_line(name)
    if not name:
        raise InvalidInput('Enter a name.')
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput('Names are limited to {max_name_length} characters.', max_name_length=MAX_NAME_LENGTH)
    return name


def _clean_organization(organization: str | None) -> str | None:
    organization = one_line(organization)
    if len(organization) > MAX_NAME_LENGTH:
        raise InvalidInput('Organization names are limited to {max_name_length} characters.',
                           max_name_length=MAX_NAME_LENGTH)
    return organization or None


def _containing(text: str, kind: UserKind) -> list[ColumnElement[bool]]:
    """Name or email (a customer's organization too) containing the lower-cased text, its % and _ taken literally
    (SQLAlchemy's autoescape)."""
    matches = [func.lower(User.name).contains(text, autoescape=True), col(User.email).contains(text, autoescape=True)]
    if kind == UserKind.CUSTOMER:
        matches.append(func.lower(User.organization).contains(text, autoescape=True))
    return matches
