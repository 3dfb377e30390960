"""Errors whose messages are safe to show to a user as they are.

An error keeps its message id (English, with {named} arguments, marked for the catalog) and its arguments; str(error)
is the sentence in the language of whoever is shown it (services.i18n), so the page that shows it translates it.
"""
from services.i18n import deferred, gettext, number


class ParleyError(Exception):
    """Base class; str(error) is a sentence for the user, in their language."""

    def __init__(self, message: str = '', /, **arguments) -> None:
        super().__init__(message)
        self.message_id = message
        self.arguments = arguments

    def stored(self) -> str:
        """The sentence kept for a later reader (`i18n.deferred`): its id and arguments (words that need the reader's
        language are put into words now)."""
        return deferred(self.message_id, **{name: value() if callable(value) else value
                                            for name, value in self.arguments.items()})

    def __str__(self) -> str:
        text = gettext(self.message_id) if self.message_id else ''
        if not self.arguments:
            return text
        return text.format(**{name: _shown(value) for name, value in self.arguments.items()})


def _shown(value: object) -> object:
    """An argument as the reader reads it: counts and limits as they write numbers (1,234 / 1234), and a callable
    (words that need the reader's language themselves: "5 minutes") called now."""
    if callable(value):
        return value()
    if isinstance(value, int) and not isinstance(value, bool):
        return number(value)
    return value


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
