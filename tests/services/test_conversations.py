import pytest
from sqlalchemy import event as sa_event
from sqlmodel import Session, func, select

from models import Conversation, Message, Participant
from services.conversations import MAX_MESSAGE_LENGTH, parse_conversation_id
from services.errors import InvalidInput, NotFound
from services.events import (ConversationCreated, ConversationRead, MessageSent, NotificationCreated, NotificationsRead,
                             SeenUpTo)
from tests.conftest import cid


def received(parley, user):
    """The conversation events addressed to user (notifications have their own tests)."""
    inbox = []
    parley.bus.subscribe(user.id, lambda e: None if isinstance(e, (NotificationCreated, NotificationsRead))
                         else inbox.append(e))
    return inbox


def count(parley, model) -> int:
    with parley.db.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_create_stores_conversation_participants_and_first_message(parley, team):
    alice, susan, john = team['alice'], team['susan'], team['john']
    conversation = parley.conversations.create_conversation(
        alice, participant_ids=[susan.id, john.id], body='  Standup moved to 10:00  ', client_id=cid())
    assert conversation.title == 'John Smith, Susan Miller'
    assert {p.name for p in conversation.participants} == {'Alice Admin', 'Susan Miller', 'John Smith'}
    messages = parley.conversations.list_messages(susan, conversation.id)
    assert [(m.author.name, m.body) for m in messages] == [('Alice Admin', 'Standup moved to 10:00')]
    assert conversation.unread_count == 0
    assert parley.conversations.access_conversation(susan, conversation.id).unread_count == 1
    assert parley.conversations.access_conversation(susan, conversation.id).title == 'Alice Admin, John Smith'


def test_create_needs_a_participant_and_a_message(parley, team):
    alice = team['alice']
    with pytest.raises(InvalidInput, match='participant'):
        parley.conversations.create_conversation(alice, participant_ids=[], body='hi', client_id=cid())
    with pytest.raises(InvalidInput, match='participant'):
        parley.conversations.create_conversation(alice, participant_ids=[alice.id], body='hi', client_id=cid())
    with pytest.raises(InvalidInput, match='Write a message'):
        parley.conversations.create_conversation(alice, participant_ids=[team['susan'].id], body=' \n\t ',
                                                 client_id=cid())
    assert count(parley, Conversation) == 0


def test_unknown_or_deactivated_people_cannot_be_added(parley, team):
    parley.directory.set_agent_active(team['alice'], team['mike'].id, active=False)
    for bad in (team['mike'].id, 9999):
        with pytest.raises(InvalidInput, match='not active any more'):
            parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id, bad],
                                                     body='hi', client_id=cid())
    assert count(parley, Conversation) == 0 and count(parley, Message) == 0 and count(parley, Participant) == 0


def test_a_customer_among_the_participants_makes_a_customer_conversation(parley, team):
    conversation = parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['customer'].id, team['susan'].id], body='hi', client_id=cid())
    assert conversation.kind == 'customer' and conversation.customers == (team['customer'],)
    with pytest.raises(InvalidInput, match='Pick the customer'):
        parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id], body='hi',
                                                 client_id=cid(), with_customer=True)
    with pytest.raises(InvalidInput, match='Only agents'):
        parley.conversations.create_conversation(team['customer'], participant_ids=[team['susan'].id], body='hi',
                                                 client_id=cid())


def test_create_is_atomic_when_the_transaction_fails(parley, team):
    def fail_on_participant(session, flush_context, instances):
        if any(isinstance(o, Participant) for o in session.new):
            raise RuntimeError('disk full')

    sa_event.listen(Session, 'before_flush', fail_on_participant)
    published = received(parley, team['susan'])
    try:
        with pytest.raises(RuntimeError):
            parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id],
                                                     body='hello', client_id=cid())
    finally:
        sa_event.remove(Session, 'before_flush', fail_on_participant)
    assert count(parley, Conversation) == 0 and count(parley, Message) == 0
    assert published == []


def test_create_retried_with_the_same_client_id_is_stored_once(parley, team):
    client_id = cid()
    first = parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id],
                                                     body='hello', client_id=client_id)
    again = parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id],
                                                     body='hello', client_id=client_id)
    assert again.id == first.id
    assert count(parley, Conversation) == 1 and count(parley, Message) == 1


def test_send_updates_unread_for_others_and_reading_clears_it(parley, team):
    alice, susan, john = team['alice'], team['susan'], team['john']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id, john.id],
                                                            body='one', client_id=cid())
    parley.conversations.send_message(alice, conversation.id, body='two', client_id=cid())
    assert parley.conversations.unread_total(susan) == 2
    parley.conversations.mark_read(susan, conversation.id)
    assert parley.conversations.unread_total(susan) == 0
    assert parley.conversations.unread_total(john) == 2
    parley.conversations.send_message(susan, conversation.id, body='three', client_id=cid())
    assert parley.conversations.unread_total(susan) == 0, 'your own message is never unread'
    assert parley.conversations.unread_total(alice) == 1
    assert parley.conversations.unread_total(john) == 3


def test_replying_counts_as_reading(parley, team):
    alice, susan = team['alice'], team['susan']
    conversation = parley.conversations.create_conversation(susan, participant_ids=[alice.id], body='q?',
                                                            client_id=cid())
    parley.conversations.send_message(alice, conversation.id, body='a!', client_id=cid())
    assert parley.conversations.access_conversation(alice, conversation.id).unread_count == 0


def test_send_retried_with_the_same_client_id_is_stored_once(parley, team):
    alice, susan = team['alice'], team['susan']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='one',
                                                            client_id=cid())
    published = received(parley, susan)
    client_id = cid()
    first = parley.conversations.send_message(alice, conversation.id, body='two', client_id=client_id)
    second = parley.conversations.send_message(alice, conversation.id, body='two', client_id=client_id)
    assert first.id == second.id
    assert count(parley, Message) == 2
    assert len([e for e in published if isinstance(e, MessageSent)]) == 1
    assert parley.conversations.unread_total(susan) == 2


def test_message_validation_keeps_nothing(parley, team):
    alice, susan = team['alice'], team['susan']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='one',
                                                            client_id=cid())
    with pytest.raises(InvalidInput, match='Write a message'):
        parley.conversations.send_message(alice, conversation.id, body='   ', client_id=cid())
    with pytest.raises(InvalidInput, match='10,000'):
        parley.conversations.send_message(alice, conversation.id, body='x' * (MAX_MESSAGE_LENGTH + 1),
                                          client_id=cid())
    exact = parley.conversations.send_message(alice, conversation.id, body='y' * MAX_MESSAGE_LENGTH,
                                              client_id=cid())
    assert len(exact.body) == MAX_MESSAGE_LENGTH
    assert count(parley, Message) == 2


def test_text_is_stored_exactly_as_typed(parley, team):
    alice, susan = team['alice'], team['susan']
    body = '<script>alert(1)</script>\n**not bold**\n  indented & <b>'
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body=body,
                                                            client_id=cid())
    assert parley.conversations.list_messages(susan, conversation.id)[0].body == body


def test_list_shows_own_open_conversations_newest_activity_first(parley, team):
    alice, susan, john, mike = team['alice'], team['susan'], team['john'], team['mike']
    first = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='first',
                                                     client_id=cid())
    second = parley.conversations.create_conversation(alice, participant_ids=[john.id], body='second',
                                                      client_id=cid())
    parley.conversations.create_conversation(mike, participant_ids=[john.id], body='not for alice',
                                             client_id=cid())
    assert [c.id for c in parley.conversations.list_conversations(alice)] == [second.id, first.id]
    parley.conversations.send_message(susan, first.id, body='bump', client_id=cid())
    listed = parley.conversations.list_conversations(alice)
    assert [c.id for c in listed] == [first.id, second.id]
    assert listed[0].last_message_preview == 'bump' and listed[0].unread_count == 1
    assert [c.title for c in parley.conversations.list_conversations(mike)] == ['John Smith']


def test_only_participants_can_open_read_or_write(parley, team):
    alice, susan, mike = team['alice'], team['susan'], team['mike']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='secret',
                                                            client_id=cid())
    message_id = parley.conversations.list_messages(alice, conversation.id)[0].id
    for call in (lambda: parley.conversations.access_conversation(mike, conversation.id),
                 lambda: parley.conversations.list_messages(mike, conversation.id),
                 lambda: parley.conversations.send_message(mike, conversation.id, body='hi', client_id=cid()),
                 lambda: parley.conversations.mark_read(mike, conversation.id),
                 lambda: parley.conversations.get_message(mike, message_id)):
        with pytest.raises(NotFound):
            call()
    assert parley.conversations.list_conversations(mike) == []
    assert parley.conversations.get_message(susan, message_id).body == 'secret'


def test_unknown_and_not_yours_are_the_same_error(parley, team):
    alice, susan, mike = team['alice'], team['susan'], team['mike']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='secret',
                                                            client_id=cid())
    with pytest.raises(NotFound) as not_yours:
        parley.conversations.access_conversation(mike, conversation.id)
    with pytest.raises(NotFound) as unknown:
        parley.conversations.access_conversation(mike, 424242)
    assert str(not_yours.value) == str(unknown.value) == 'Conversation not found'


@pytest.mark.parametrize('raw', ['abc', '-1', '1.5', '', '9' * 40, '1; DROP TABLE user', None])
def test_malformed_ids_from_urls_are_not_found(raw):
    with pytest.raises(NotFound):
        parse_conversation_id(raw)


def test_parse_conversation_id_accepts_digits():
    assert parse_conversation_id('42') == 42


def test_events_go_to_participants_only_and_after_commit(parley, team):
    alice, susan, john = team['alice'], team['susan'], team['john']
    inboxes = {name: received(parley, team[name]) for name in ('alice', 'susan', 'john', 'mike')}
    seen_in_database = []

    def check_committed(event):
        if isinstance(event, NotificationCreated):
            return
        with parley.db.session() as session:  # a new session sees only committed rows
            seen_in_database.append(session.get(Conversation, event.conversation_id) is not None)
    parley.bus.subscribe(susan.id, check_committed)

    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id, john.id],
                                                            body='hello', client_id=cid())
    message = parley.conversations.send_message(john, conversation.id, body='hi all', client_id=cid())
    assert seen_in_database == [True, True]
    for name in ('alice', 'susan', 'john'):
        kinds = [type(e) for e in inboxes[name]]
        assert kinds == [ConversationCreated, MessageSent], name
    assert inboxes['mike'] == []
    sent = inboxes['susan'][1]
    assert (sent.conversation_id, sent.message_id, sent.author_id) == (conversation.id, message.id, john.id)
    assert sent.to_json()['type'] == 'MessageSent'


def test_no_event_when_a_send_is_refused(parley, team):
    alice, susan = team['alice'], team['susan']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='x',
                                                            client_id=cid())
    inbox = received(parley, susan)
    with pytest.raises(InvalidInput):
        parley.conversations.send_message(alice, conversation.id, body='', client_id=cid())
    assert inbox == []


def test_mark_read_tells_the_reader_and_teammates_how_far_only_when_something_was_unread(parley, team):
    alice, susan = team['alice'], team['susan']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='x',
                                                            client_id=cid())
    susan_events, alice_events = received(parley, susan), received(parley, alice)
    parley.conversations.mark_read(susan, conversation.id)
    parley.conversations.mark_read(susan, conversation.id)
    assert [type(e) for e in susan_events] == [ConversationRead]   # her other tabs clear the count
    assert [(type(e), e.user_id) for e in alice_events] == [(SeenUpTo, susan.id)]   # Alice's page moves the avatar


def test_latest_fifty_then_older_pages(parley, team):
    alice, susan = team['alice'], team['susan']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='m0',
                                                            client_id=cid())
    for i in range(1, 120):
        parley.conversations.send_message(alice, conversation.id, body=f'm{i}', client_id=cid())
    latest = parley.conversations.list_messages(susan, conversation.id)
    assert [m.body for m in latest] == [f'm{i}' for i in range(70, 120)]
    older = parley.conversations.list_messages(susan, conversation.id, before_id=latest[0].id)
    assert [m.body for m in older] == [f'm{i}' for i in range(20, 70)]
    oldest = parley.conversations.list_messages(susan, conversation.id, before_id=older[0].id)
    assert [m.body for m in oldest] == [f'm{i}' for i in range(20)]


def test_a_failing_subscriber_never_breaks_the_sender(parley, team, caplog):
    alice, susan, john = team['alice'], team['susan'], team['john']

    def broken(event):
        raise RuntimeError('page went away')
    parley.bus.subscribe(susan.id, broken)
    john_events = received(parley, john)
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id, john.id],
                                                            body='still works', client_id=cid())
    assert conversation.id and len(john_events) == 1
    assert 'event handler failed' in caplog.text
