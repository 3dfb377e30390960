"""Sign-in: argon2 password hashes (passlib API), same answer and cost for unknown email and
wrong password, and throttles on repeated failures per email and per network address (services.ratelimit)."""
import secrets

from sqlmodel import select

from models import User, UserKind
from limits.storage import Storage

from services.i18n import N_
from services.access import is_id
from services.db import Database, Transaction
from services.directory import DirectoryService, normalize_email, to_view
from services.errors import Forbidden, InvalidInput
from services.passwords import hash_password, validate_password, verify_password
from services.ratelimit import LoginThrottle
from services.views import UserView

BAD_CREDENTIALS = N_('That email and password do not match an active account.')


class AuthService:
    def __init__(self, db: Database, directory: DirectoryService, *, throttle: LoginThrottle | None = None,
                 limits: Storage | None = None) -> None:
        self.db = db
        self.directory = directory
        self.throttle = throttle or LoginThrottle(storage=limits)
        # Many emails tried from one place (password spraying): a looser limit per network address.
        self.address_throttle = LoginThrottle(limit=20, what='this network', storage=limits)
        # Verified against when the email is unknown, so both failures cost the same.
        self._dummy_hash = hash_password(secrets.token_urlsafe(16))

    def authenticate(self, email: str, password: str, address: str | None = None) -> UserView:
        """The active agent with these credentials; InvalidInput or Throttled otherwise. Blocking (argon2)."""
        email = normalize_email(email)
        self.throttle.check(email)
        if address:
            self.address_throttle.check(address)
        with self.db.session() as session:
            user = session.exec(select(User).where(User.email == email, User.kind == UserKind.AGENT)).first()
        password_hash = user.password_hash if user and user.password_hash else self._dummy_hash
        matches = verify_password(password or '', password_hash)
        if not (matches and user and user.password_hash and user.is_active):
            self.throttle.failed(email)
            if address:
                self.address_throttle.failed(address)
            raise InvalidInput(BAD_CREDENTIALS)
        self.throttle.succeeded(email)
        return to_view(user)

    def get_agent(self, user_id: int | None, generation: int | None = None) -> UserView | None:
        """The active agent with this id, or None (signed out, deactivated or deleted).

        With a session generation: None also when that session was ended since (sign-out elsewhere).
        """
        if not is_id(user_id):
            return None
        with self.db.session() as session:
            user = session.get(User, user_id)
        if user is None or user.kind != UserKind.AGENT or not user.is_active:
            return None
        if generation is not None and generation != user.session_generation:
            return None
        return to_view(user)

    def needs_setup(self) -> bool:
        """True while the workspace has no agent: the first visitor may create the admin."""
        return not self.directory.has_agents()

    def change_password(self, actor: UserView, current: str, new: str) -> int:
        """Change the actor's password and end all their sessions; returns the new session generation.

        After the commit the agent's open pages hear SessionsEnded and end; the browser that changed it keeps
        going with the new generation (it marks itself so while it waits: ui/settings.py). Blocking (argon2).
        A wrong current password counts as a failed sign-in.
        """
        self.throttle.check(actor.email)
        validate_password(new)
        with self.db.transaction() as tx:
            user = tx.session.get(User, actor.id)
            if user is None or user.kind != UserKind.AGENT or not user.is_active:
                raise Forbidden('Sign in again first.')
            if not verify_password(current or '', user.password_hash or self._dummy_hash):
                self.throttle.failed(actor.email)
                raise InvalidInput('Your current password is not right.')
            if new == current:
                raise InvalidInput('Choose a password different from the current one.')
            return self._replace_password(tx, user, new)

    def choose_password(self, actor: UserView, new: str) -> int:
        """An agent who signed in with a temporary password (an admin's) chooses their own; their other sessions
        end and this browser keeps going with the returned generation (as change_password). Blocking (argon2)."""
        validate_password(new)
        with self.db.transaction() as tx:
            user = tx.session.get(User, actor.id) if is_id(actor.id) else None
            if user is None or user.kind != UserKind.AGENT or not user.is_active:
                raise Forbidden('Sign in again first.')
            if not user.must_change_password:
                raise InvalidInput('Your password is your own already: change it with your current password.')
            if verify_password(new, user.password_hash or self._dummy_hash):
                raise InvalidInput('Choose a password different from the temporary one.')
            return self._replace_password(tx, user, new)

    def _replace_password(self, tx: Transaction, user: User, new: str) -> int:
        """The agent's own password from now on; their sessions end after the commit. The new generation."""
        user.password_hash = hash_password(new)
        user.must_change_password = False
        user.session_generation += 1
        tx.session.add(user)
        user_id = user.id
        tx.on_commit(lambda: self.directory.announce_sessions_ended(user_id))
        return user.session_generation

    def create_first_admin(self, *, name: str, email: str, password: str) -> UserView:
        """Create the first admin; refused once any agent exists."""
        if not self.needs_setup():
            raise Forbidden('This workspace is already set up. Sign in instead.')
        validate_password(password)
        return self.directory.create_agent(name=name, email=email, password=password, is_admin=True)
