"""Live-chat identity: signed links, session tokens, HMAC identity verification."""
from base64 import urlsafe_b64encode
from datetime import datetime, timedelta
import hashlib
import hmac

from itsdangerous import BadSignature, URLSafeSerializer
import pytest

from services.errors import NotFound
from services.livechat import LINK_PURPOSE, SESSION_PURPOSE, ChatIdentity, ChatTokens, widget_signature
from tests.conftest import Clock, cid


@pytest.fixture
def chat(parley, team):
    conversation = parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['customer'].id], body='Hello', client_id=cid())
    return conversation.id


def test_an_email_link_opens_that_conversation_as_that_customer(parley, team, chat):
    link = parley.chat.link(team['customer'].id, chat)
    identity = parley.chat.open_link(link.split('#t=', 1)[1])
    assert identity == ChatIdentity(team['customer'], chat)
    resumed = parley.chat.resume(parley.chat.session_token(identity))
    assert resumed == identity


@pytest.mark.parametrize('mangle', [
    lambda t: t[:-2] + ('AA' if not t.endswith('AA') else 'BB'),   # tampered signature
    lambda t: 'x' + t,                                               # tampered payload
    lambda t: '',
    lambda t: 'not a token',
    lambda t: t.split('.')[0],
])
def test_tampered_or_malformed_tokens_are_refused(parley, team, chat, mangle):
    token = parley.chat.link(team['customer'].id, chat).split('#t=', 1)[1]
    with pytest.raises(NotFound, match='expired or is not valid'):
        parley.chat.open_link(mangle(token))


def test_tokens_expire_and_keep_to_their_purpose():
    clock = Clock()
    tokens = ChatTokens('secret', clock)
    link = tokens.issue(LINK_PURPOSE, 5, 9, timedelta(days=30))
    assert tokens.read(link, LINK_PURPOSE) == (5, 9, 0)   # customer, conversation, session generation
    with pytest.raises(NotFound):
        tokens.read(link, SESSION_PURPOSE)
    with pytest.raises(NotFound):
        ChatTokens('another secret', clock).read(link, LINK_PURPOSE)
    clock.now += timedelta(days=30, seconds=1)
    with pytest.raises(NotFound):
        tokens.read(link, LINK_PURPOSE)


def legacy_token(secret: str, purpose: str, customer_id: int, conversation_id: int, expires: datetime) -> str:
    """A token as Parley 0.1 signed it by hand (before itsdangerous): such links are in customers' mailboxes."""
    key = hmac.new(secret.encode(), b'parley live-chat tokens', hashlib.sha256).digest()
    payload = f'{purpose}:{customer_id}:{conversation_id}:{int(expires.timestamp())}:0'.encode()
    b64 = lambda data: urlsafe_b64encode(data).rstrip(b'=').decode()  # noqa: E731
    return f'{b64(payload)}.{b64(hmac.new(key, payload, hashlib.sha256).digest())}'


def test_links_in_the_old_format_keep_working_until_they_expire():
    clock = Clock()
    tokens = ChatTokens('secret', clock)
    old = legacy_token('secret', LINK_PURPOSE, 5, 9, clock.now + timedelta(days=30))
    assert tokens.read(old, LINK_PURPOSE) == (5, 9, 0)
    with pytest.raises(NotFound):
        tokens.read(old, SESSION_PURPOSE)
    with pytest.raises(NotFound):
        tokens.read(legacy_token('another secret', LINK_PURPOSE, 5, 9, clock.now + timedelta(days=30)), LINK_PURPOSE)
    clock.now += timedelta(days=30, seconds=1)
    with pytest.raises(NotFound):
        tokens.read(old, LINK_PURPOSE)


def test_a_token_is_itsdangerous_and_salted_per_purpose():
    tokens = ChatTokens('secret', Clock())
    link = tokens.issue(LINK_PURPOSE, 5, 9, timedelta(days=1))
    assert URLSafeSerializer('secret', salt='parley live-chat link').loads(link)[:3] == [5, 9, 0]
    with pytest.raises(BadSignature):
        URLSafeSerializer('secret', salt='parley live-chat session').loads(link)


def test_a_link_stops_working_when_the_customer_is_no_longer_in_the_conversation(parley, team, chat):
    other = parley.directory.create_customer(name='Grace Hopper', email='grace@example.com')
    forged = parley.chat.tokens.issue(LINK_PURPOSE, other.id, chat, timedelta(days=1))
    with pytest.raises(NotFound):
        parley.chat.open_link(forged)
    agent_token = parley.chat.tokens.issue(LINK_PURPOSE, team['alice'].id, chat, timedelta(days=1))
    with pytest.raises(NotFound):
        parley.chat.open_link(agent_token)


def test_identity_verification_trusts_a_valid_signature_only(parley, team, chat):
    parley.chat.widget_secret = 'host secret'
    good = widget_signature('Customer@Example.com', 'host secret')
    identity = parley.chat.verify(email='customer@example.com', signature=good)
    assert identity == ChatIdentity(team['customer'], chat), 'reopens their latest conversation'
    with pytest.raises(NotFound, match='could not confirm'):
        parley.chat.verify(email='customer@example.com', signature=widget_signature('customer@example.com', 'guess'))
    with pytest.raises(NotFound, match='could not confirm'):
        parley.chat.verify(email='grace@example.com', signature=good)
    new = parley.chat.verify(email='new@example.org', signature=widget_signature('new@example.org', 'host secret'),
                             name='New Person')
    assert new.conversation_id is None and new.customer.name == 'New Person'


def test_identity_verification_is_off_without_a_secret(parley, team):
    with pytest.raises(NotFound, match='not set up'):
        parley.chat.verify(email='customer@example.com', signature=widget_signature('customer@example.com', ''))
