"""The customer side: who is on the live chat, and which conversation they may see.

Three ways in, all ending in a ChatIdentity (one customer, at most one conversation):
1. a signed, expiring link from an email ("Continue in live chat");
2. the pre-chat form: an anonymous visitor gives a name and email and starts a NEW conversation
   (typing someone's email never opens their earlier conversations);
3. identity verification: the host site passes email + HMAC-SHA256(email, PARLEY_WIDGET_SECRET).
The page keeps a short-lived session token (signed the same way) so a reload stays signed in.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
import hashlib
import hmac

from models import UserKind
from limits.storage import Storage

from services.conversations import ConversationService
from services.directory import DirectoryService
from services.errors import InvalidInput, NotFound, Throttled
from services.presence import Presence
from services.ratelimit import RateLimit
from services.tokens import EXPIRED, ChatTokens
from services.views import MessageView, UserView

LINK_PURPOSE = 'link'
SESSION_PURPOSE = 'session'
SESSION_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class ChatIdentity:
    customer: UserView
    conversation_id: int | None   # None: a verified customer who has not written yet


def widget_signature(email: str, secret: str) -> str:
    """What a host site computes on its server: hex HMAC-SHA256 of the lower-cased email."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


class LiveChatService:
    def __init__(self, conversations: ConversationService, directory: DirectoryService, presence: Presence,
                 tokens: ChatTokens, *, public_url: str, link_lifetime: timedelta,
                 widget_secret: str | None = None, limits: Storage | None = None) -> None:
        self.conversations = conversations
        self.directory = directory
        self.presence = presence
        self.tokens = tokens
        self.public_url = public_url
        self.link_lifetime = link_lifetime
        self.widget_secret = widget_secret
        # Per visitor: new conversations from the pre-chat form (by email and by address), and messages.
        self.starts_per_email = RateLimit(5, timedelta(hours=1), name='chats started per email', storage=limits)
        self.starts_per_address = RateLimit(20, timedelta(hours=1), name='chats started per address', storage=limits)
        self.messages_per_customer = RateLimit(30, timedelta(minutes=1), name='chat messages per customer',
                                               storage=limits)

    # ----- ways in ----------------------------------------------------------------------------

    def link(self, customer_id: int, conversation_id: int) -> str:
        """The "Continue in live chat" address for an email; the token rides in the fragment, never in logs."""
        token = self.tokens.issue(LINK_PURPOSE, customer_id, conversation_id, self.link_lifetime,
                                  self.directory.session_generation(customer_id))
        return f'{self.public_url}/chat#t={token}'

    def open_link(self, token: str) -> ChatIdentity:
        return self._identity(*self.tokens.read(token, LINK_PURPOSE))

    def resume(self, session_token: str) -> ChatIdentity:
        return self._identity(*self.tokens.read(session_token, SESSION_PURPOSE))

    def session_token(self, identity: ChatIdentity) -> str:
        return self.tokens.issue(SESSION_PURPOSE, identity.customer.id, identity.conversation_id, SESSION_LIFETIME,
                                 self.directory.session_generation(identity.customer.id))

    def verify(self, *, email: str, signature: str, name: str | None = None) -> ChatIdentity:
        """A customer vouched for by the host site; reopens their latest conversation."""
        if not self.widget_secret:
            raise NotFound('Identity verification is not set up on this Parley.')
        expected = widget_signature(email or '', self.widget_secret)
        if not hmac.compare_digest(expected, (signature or '').strip().lower()):
            raise NotFound('We could not confirm who you are. Reload the page, or start a chat with your email.')
        customer = self.directory.customer_for_chat(name=name or (email or '').split('@')[0], email=email)
        latest = self.conversations.latest_customer_conversation(customer)
        return ChatIdentity(customer, latest.id if latest else None)

    # ----- writing ----------------------------------------------------------------------------

    def start_as_visitor(self, *, name: str, email: str, body: str, client_id: str,
                         address: str | None = None) -> ChatIdentity:
        """The pre-chat form: a new conversation in the Unassigned inbox, and only that one.

        A visitor may start a few conversations an hour (per email, and per network address).
        """
        if not (name or '').strip():
            raise InvalidInput('Tell us your name.')
        customer = self.directory.customer_for_chat(name=name, email=email)
        if not self.starts_per_email.allow(customer.email) or \
                (address and not self.starts_per_address.allow(address)):
            raise Throttled('You have started several chats in a short time. Please continue in the chat you '
                            'have, or try again in a while.')
        return self.start(customer, body=body, client_id=client_id)

    def send(self, identity: ChatIdentity, *, body: str, client_id: str, files: Sequence[int] = ()) -> MessageView:
        """A customer's message on the live chat (at most 30 a minute)."""
        if not self.messages_per_customer.allow(str(identity.customer.id)):
            raise Throttled('You are sending messages very fast. Wait a moment, then send again: '
                            'your text is still here.')
        if identity.conversation_id is None:   # nothing started yet: start() is the way in
            raise NotFound('Conversation not found')
        return self.conversations.send_message(identity.customer, identity.conversation_id, body=body,
                                               client_id=client_id, attachment_ids=files)

    def write(self, identity: ChatIdentity, *, body: str, client_id: str,
              files: Sequence[int] = ()) -> tuple[ChatIdentity, list[MessageView]]:
        """What the chat's message box does: a verified customer's first message starts their conversation (the
        identity then names it, and the messages are the thread so far); later ones are sent into it. `files`: the
        customer's uploads to send with it."""
        if identity.conversation_id is None:
            started = self.start(identity.customer, body=body, client_id=client_id, files=files)
            assert started.conversation_id is not None
            return started, self.conversations.list_messages(started.customer, started.conversation_id)
        return identity, [self.send(identity, body=body, client_id=client_id, files=files)]

    def start(self, customer: UserView, *, body: str, client_id: str, files: Sequence[int] = ()) -> ChatIdentity:
        conversation = self.conversations.start_customer_conversation(customer, body=body, client_id=client_id,
                                                                      attachment_ids=files)
        return ChatIdentity(customer, conversation.id)

    def typing(self, identity: ChatIdentity) -> None:
        """The customer is typing in their chat: the agents of the conversation see it a few seconds."""
        if identity.conversation_id is not None:
            self.conversations.typing(identity.customer, identity.conversation_id)

    def agents_online(self) -> bool:
        return self.presence.agents_online() > 0

    def _identity(self, customer_id: int, conversation_id: int | None, generation: int = 0) -> ChatIdentity:
        people = [u for u in self.directory.get_users([customer_id]) if u.kind == UserKind.CUSTOMER and u.is_active]
        if not people or self.directory.session_generation(customer_id) != generation:
            raise NotFound(EXPIRED)   # unknown, deactivated, or signed out everywhere since
        if conversation_id is not None:
            try:
                self.conversations.access_conversation(people[0], conversation_id)  # still theirs?
            except NotFound:
                raise NotFound(EXPIRED) from None
        return ChatIdentity(people[0], conversation_id)
