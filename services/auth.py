"""Sign-in: argon2 password hashes (passlib API), same answer and cost for unknown email and
wrong password, and throttles on repeated failures per email and per network address."""
from collections.abc import Callable
from dataclasses import dataclass
import math
import secrets
import threading
import time

from sqlmodel import select

from models import User, UserKind
from services.access import is_id
from services.db import Database
from services.directory import DirectoryService, normalize_email, to_view
from services.errors import Forbidden, InvalidInput, Throttled
from services.passwords import hash_password, validate_password, verify_password
from services.views import UserView

BAD_CREDENTIALS = 'That email and password do not match an active account.'


@dataclass
class _Failures:
    count: int = 0
    first_at: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    """After `limit` failures for one email within `window` seconds, refuse that email for `lockout`."""

    def __init__(self, *, limit: int = 5, window: float = 900, lockout: float = 300,
                 clock: Callable[[], float] = time.monotonic, what: str = 'this email') -> None:
        self.limit, self.window, self.lockout, self.clock = limit, window, lockout, clock
        self.what = what
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def check(self, email: str) -> None:
        with self._lock:
            entry = self._failures.get(email)
            remaining = entry.locked_until - self.clock() if entry else 0
        if remaining > 0:
            minutes = max(1, math.ceil(remaining / 60))
            raise Throttled(f'Too many failed sign-ins for {self.what}. Try again in {minutes} '
                            f'minute{"s" if minutes > 1 else ""}.')

    def failed(self, email: str) -> None:
        now = self.clock()
        with self._lock:
            entry = self._failures.setdefault(email, _Failures(first_at=now))
            if now - entry.first_at > self.window:
                entry.count, entry.first_at = 0, now
            entry.count += 1
            if entry.count >= self.limit:
                entry.locked_until = now + self.lockout
                entry.count, entry.first_at = 0, now

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(email, None)


class AuthService:
    def __init__(self, db: Database, directory: DirectoryService, *, throttle: LoginThrottle | None = None) -> None:
        self.db = db
        self.directory = directory
        self.throttle = throttle or LoginThrottle()
        # Many emails tried from one place (password spraying): a looser limit per network address.
        self.address_throttle = LoginThrottle(limit=20, what='this network')
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

        The browser that changed it keeps going with that generation, then calls
        DirectoryService.announce_sessions_ended so the agent's other open pages end. Blocking (argon2).
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
            user.password_hash = hash_password(new)
            user.session_generation += 1
            tx.session.add(user)
            generation = user.session_generation
        return generation

    def create_first_admin(self, *, name: str, email: str, password: str) -> UserView:
        """Create the first admin; refused once any agent exists."""
        if not self.needs_setup():
            raise Forbidden('This workspace is already set up. Sign in instead.')
        validate_password(password)
        return self.directory.create_agent(name=name, email=email, password=password, is_admin=True)
