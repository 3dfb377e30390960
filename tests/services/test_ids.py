"""Ids from addresses and forms, on SQLite and on PostgreSQL (whose ids are 32-bit): whatever the number, an id
that names nothing is "not found", never a database error (a 500 on /messenger/3000000000 before)."""
import pytest

from services.conversations import parse_conversation_id
from services.errors import NotFound
from tests.conftest import cid

ABSURD = (2**31, 3_000_000_000, 2**63 - 1, 2**63, 10**18)


@pytest.fixture
def world(any_parley):
    parley = any_parley
    alice = parley.directory.create_agent(name='Alice Admin', email='alice@example.com',
                                          password='correct horse battery', is_admin=True)
    susan = parley.directory.create_agent(name='Susan Miller', email='susan@example.com',
                                          password='correct horse battery')
    customer = parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id, customer.id],
                                                            body='Hello', client_id=cid())
    return parley, alice, customer, conversation


@pytest.mark.parametrize('number', ABSURD)
def test_an_id_out_of_range_is_not_found_everywhere(world, number):
    parley, alice, customer, conversation = world
    with pytest.raises(NotFound):
        parse_conversation_id(str(number))
    for who in (alice, customer):
        with pytest.raises(NotFound, match='Conversation not found'):
            parley.conversations.access_conversation(who, number)
        with pytest.raises(NotFound):
            parley.conversations.list_messages(who, number)
        with pytest.raises(NotFound):
            parley.conversations.send_message(who, number, body='x', client_id=cid())
        with pytest.raises(NotFound):
            parley.conversations.get_message(who, number)
        with pytest.raises(NotFound):
            parley.conversations.mark_read(who, number)
    with pytest.raises(NotFound):
        parley.items.get_by_id(alice, number)
    with pytest.raises(NotFound):
        parley.items.get(alice, 'ticket', number)
    with pytest.raises(NotFound):
        parley.directory.set_agent_active(alice, number, active=False)
    with pytest.raises(NotFound):
        parley.directory.sign_out_customer_everywhere(alice, number)
    with pytest.raises(NotFound):
        parley.directory.update_customer(alice, number, name='X', email='x@example.com', organization=None)
    with pytest.raises(NotFound):
        parley.inbound.source(alice, number)
    parley.notifications.mark_read(alice, number)   # someone else's or nobody's: nothing happens
    with pytest.raises(Exception, match='customer'):
        parley.items.create(alice, 'ticket', title='Printer', customer_id=number)
    assert parley.auth.get_agent(number) is None
    # and the real ones still work
    assert parley.conversations.access_conversation(alice, conversation.id).id == conversation.id
