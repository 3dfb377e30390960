"""Errors whose messages are safe to show to a user as they are."""


class ParleyError(Exception):
    """Base class; str(error) is a sentence for the user."""


class NotFound(ParleyError):
    """Does not exist, or is not yours: the same error for both, so existence never leaks."""


class Forbidden(ParleyError):
    """Exists and is visible, but this action is not allowed."""


class SignedOut(Forbidden):
    """The actor was deactivated or deleted since their page opened: they must sign in again."""


class PasswordFirst(SignedOut):
    """The agent signed in with a temporary password: they choose their own before anything else (their pages go
    to sign-in, which sends them to choose it)."""


class InvalidInput(ParleyError):
    """The input cannot be accepted; the message says why and what to do."""


class Throttled(ParleyError):
    """Too many attempts; the message says when to try again."""
