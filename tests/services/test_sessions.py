"""Sessions end everywhere on request, and live-chat visitors are rate limited."""
from datetime import timedelta

import pytest

from services.errors import Forbidden, InvalidInput, NotFound, Throttled
from services.events import SessionsEnded
from tests.conftest import PASSWORD, Clock, cid


@pytest.fixture
def clock(parley) -> Clock:
    fake = Clock()
    parley.conversations.clock = parley.chat.tokens.clock = fake
    return fake


def test_an_agents_sign_out_ends_their_other_sessions(parley, team):
    alice = team['alice']
    events = []
    parley.bus.subscribe(alice.id, events.append)
    generation = parley.directory.session_generation(alice.id)
    assert parley.auth.get_agent(alice.id, generation) == parley.auth.authenticate('alice@example.com', PASSWORD)
    parley.directory.end_sessions(alice.id)
    assert parley.auth.get_agent(alice.id, generation) is None, 'the old session is over'
    assert parley.auth.get_agent(alice.id, parley.directory.session_generation(alice.id)).id == alice.id
    assert [type(e) for e in events] == [SessionsEnded]


def test_an_admin_signs_a_customer_out_of_the_live_chat_everywhere(parley, team, clock):
    alice, customer = team['alice'], team['customer']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[customer.id], body='Hi',
                                                            client_id=cid())
    link_token = parley.chat.link(customer.id, conversation.id).split('#t=')[1]
    identity = parley.chat.open_link(link_token)
    session_token = parley.chat.session_token(identity)
    events = []
    parley.bus.subscribe(customer.id, events.append)
    with pytest.raises(Forbidden):
        parley.directory.sign_out_customer_everywhere(team['susan'], customer.id)
    with pytest.raises(NotFound):
        parley.directory.sign_out_customer_everywhere(alice, team['susan'].id)   # agents are not customers
    parley.directory.sign_out_customer_everywhere(alice, customer.id)
    assert [type(e) for e in events] == [SessionsEnded]
    for revoked in (lambda: parley.chat.open_link(link_token), lambda: parley.chat.resume(session_token)):
        with pytest.raises(NotFound, match='expired or is not valid'):
            revoked()
    fresh = parley.chat.link(customer.id, conversation.id).split('#t=')[1]
    assert parley.chat.open_link(fresh).conversation_id == conversation.id, 'new links work again'


def test_a_visitor_starts_only_a_few_chats_an_hour(parley, team, clock, limits_time):
    for i in range(5):
        parley.chat.start_as_visitor(name='Dana', email='dana@example.org', body=f'Question {i}', client_id=cid())
    with pytest.raises(Throttled, match='started several chats'):
        parley.chat.start_as_visitor(name='Dana', email='DANA@example.org', body='Again', client_id=cid())
    clock.now += timedelta(hours=1)
    limits_time.now += 3601
    parley.chat.start_as_visitor(name='Dana', email='dana@example.org', body='Later', client_id=cid())


def test_one_address_starts_only_so_many_chats_whatever_the_emails(parley, team, clock):
    parley.chat.starts_per_address.limit = 3
    for i in range(3):
        parley.chat.start_as_visitor(name='Bot', email=f'bot{i}@example.org', body='spam', client_id=cid(),
                                     address='203.0.113.9')
    with pytest.raises(Throttled):
        parley.chat.start_as_visitor(name='Bot', email='bot9@example.org', body='spam', client_id=cid(),
                                     address='203.0.113.9')
    parley.chat.start_as_visitor(name='Ann', email='ann@example.org', body='hello', client_id=cid(),
                                 address='198.51.100.7')


def test_live_chat_messages_are_limited_per_customer_and_nothing_is_stored_when_refused(parley, team, clock,
                                                                                      limits_time):
    identity = parley.chat.start_as_visitor(name='Dana', email='dana@example.org', body='Hi', client_id=cid())
    parley.chat.messages_per_customer.limit = 3
    for i in range(3):
        parley.chat.send(identity, body=f'm{i}', client_id=cid())
    with pytest.raises(Throttled, match='your text is still here'):
        parley.chat.send(identity, body='too fast', client_id=cid())
    bodies = [m.body for m in parley.conversations.list_messages(identity.customer, identity.conversation_id)]
    assert bodies == ['Hi', 'm0', 'm1', 'm2']
    clock.now += timedelta(minutes=1)
    limits_time.now += 61
    parley.chat.send(identity, body='calmer now', client_id=cid())


def test_deactivating_an_agent_ends_their_open_pages_at_once(parley, team):
    events = []
    parley.bus.subscribe(team['mike'].id, events.append)
    parley.directory.set_agent_active(team['alice'], team['mike'].id, active=False)
    assert [type(e) for e in events] == [SessionsEnded]
    assert parley.auth.get_agent(team['mike'].id, 0) is None


def test_a_password_change_needs_the_current_one_and_ends_the_sessions(parley, team):
    alice = team['alice']
    old = parley.directory.session_generation(alice.id)
    heard = []
    parley.bus.subscribe(alice.id, heard.append)
    with pytest.raises(InvalidInput, match='current password is not right'):
        parley.auth.change_password(alice, 'nope', 'another long passphrase')
    with pytest.raises(InvalidInput, match='at least'):
        parley.auth.change_password(alice, PASSWORD, 'short')
    with pytest.raises(InvalidInput, match='different'):
        parley.auth.change_password(alice, PASSWORD, PASSWORD)
    assert heard == [], 'a refused change ends nothing'
    generation = parley.auth.change_password(alice, PASSWORD, 'another long passphrase')
    assert generation == old + 1 and parley.auth.get_agent(alice.id, old) is None
    assert [type(e) for e in heard] == [SessionsEnded], "the agent's open pages hear it from the service"
    assert parley.auth.authenticate('alice@example.com', 'another long passphrase').id == alice.id
