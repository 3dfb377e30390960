"""Password hashing with the passlib API (argon2id), and the temporary password an admin passes on."""
import secrets

from passlib.context import CryptContext

from services.errors import InvalidInput

MIN_PASSWORD_LENGTH = 8

# OWASP's argon2id floor (19 MiB, 2 passes): tens of milliseconds, not hundreds.
_context = CryptContext(schemes=['argon2'], argon2__memory_cost=19456, argon2__rounds=2,
                        argon2__parallelism=1)


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _context.verify(password, password_hash)


def temporary_password() -> str:
    """A password for a new agent to sign in with once (12 URL-safe characters, 72 random bits)."""
    return secrets.token_urlsafe(9)


def validate_password(password: str) -> None:
    if len(password or '') < MIN_PASSWORD_LENGTH:
        raise InvalidInput('Choose a password of at least {min_password_length} characters.',
                           min_password_length=MIN_PASSWORD_LENGTH)
