"""Signed, expiring tokens for customers: live-chat links and sessions, and links to files (itsdangerous)."""
from base64 import urlsafe_b64decode
from collections.abc import Callable
from datetime import datetime, timedelta
import hashlib
import hmac

from itsdangerous import BadSignature, URLSafeSerializer

from models._types import utcnow
from services.i18n import N_
from services.errors import NotFound

EXPIRED = N_('This chat link has expired or is not valid. Use the link in our latest email, or start a new chat.')


class ChatTokens:
    """Signed, expiring tokens naming a customer and a conversation (no database row needed): itsdangerous, salted
    per purpose, so a session token is never a link and the other way round."""

    def __init__(self, secret: str, clock: Callable[[], datetime] = utcnow) -> None:
        self._secret = secret
        self._key = hmac.new(secret.encode(), b'parley live-chat tokens', hashlib.sha256).digest()   # legacy format
        self.clock = clock

    def _serializer(self, purpose: str) -> URLSafeSerializer:
        return URLSafeSerializer(self._secret, salt=f'parley live-chat {purpose}')

    def issue(self, purpose: str, customer_id: int, conversation_id: int | None, lifetime: timedelta,
              generation: int = 0) -> str:
        expires = int((self.clock() + lifetime).timestamp())
        return self._serializer(purpose).dumps([customer_id, conversation_id or 0, generation, expires])

    def read(self, token: str, purpose: str) -> tuple[int, int | None, int]:
        """(customer_id, conversation_id, generation) of a genuine, unexpired token of this purpose; else NotFound."""
        token = (token or '').strip()
        try:
            customer, conversation, generation, expires = self._serializer(purpose).loads(token)
            if not all(isinstance(n, int) and not isinstance(n, bool) for n in (customer, conversation, generation,
                                                                                expires)):
                raise ValueError('malformed')
        except BadSignature:
            return self._read_legacy(token, purpose)
        except (ValueError, TypeError):
            raise NotFound(EXPIRED) from None
        if expires < self.clock().timestamp():
            raise NotFound(EXPIRED)
        return customer, conversation or None, generation

    def _read_legacy(self, token: str, purpose: str) -> tuple[int, int | None, int]:
        """Parley 0.1's hand-signed tokens, still in customers' mailboxes. Drop this once PARLEY_CHAT_LINK_DAYS
        (30 by default) have passed since the release that replaced them: by then every one has expired."""
        try:
            body, signature = token.split('.')
            payload = _unb64(body)
            if not hmac.compare_digest(_unb64(signature), self._sign(payload)):
                raise ValueError('bad signature')
            kind, customer, conversation, expires, *generation = payload.decode().split(':')
            if kind != purpose or int(expires) < self.clock().timestamp() or len(generation) > 1:
                raise ValueError('wrong purpose or expired')
            return int(customer), int(conversation) or None, int(generation[0]) if generation else 0
        except (ValueError, UnicodeDecodeError):
            raise NotFound(EXPIRED) from None

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()


def _unb64(text: str) -> bytes:
    return urlsafe_b64decode(text + '=' * (-len(text) % 4))
