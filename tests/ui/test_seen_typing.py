"""Who read it (avatars under the last message each teammate read) and who is typing, live."""
from collections.abc import Callable

from nicegui.testing import User

from tests.conftest import cid
from tests.ui.conftest import sign_in
from ui import live
from ui.internals import goes_out_whole
from ui.messages import MessageList


async def test_seen_avatars_follow_what_teammates_read(user: User, people, app_parley):
    alice, susan, john = people['alice'], people['susan'], people['john']
    chat = app_parley.conversations.create_conversation(alice, participant_ids=[susan.id, john.id], body='Lunch?',
                                                        client_id=cid())
    app_parley.conversations.mark_read(susan, chat.id)
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    await user.should_see('Seen by Susan Miller')
    app_parley.conversations.mark_read(john, chat.id)
    await user.should_see('Seen by John Smith, Susan Miller')
    second = app_parley.conversations.send_message(alice, chat.id, body='At noon?', client_id=cid())
    app_parley.conversations.mark_read(susan, chat.id)
    await user.should_see('At noon?')
    await user.should_see('Seen by Susan Miller')   # under the new message now
    await user.should_see('Seen by John Smith')     # still under the first
    assert second.id


async def test_typing_shows_for_a_few_seconds_and_goes_with_the_message(user: User, create_user: Callable[[], User],
                                                                       people, app_parley):
    alice, susan = people['alice'], people['susan']
    customer = app_parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    chat = app_parley.conversations.create_conversation(alice, participant_ids=[susan.id, customer.id], body='Hi',
                                                        client_id=cid(), with_customer=True)
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    app_parley.conversations.typing(susan, chat.id, note=True)
    await user.should_see('Susan Miller is writing a note…')
    app_parley.conversations.typing(customer, chat.id)
    await user.should_see('Susan Miller and Sample Customer are typing…')
    app_parley.conversations.send_message(customer, chat.id, body='Here I am', client_id=cid())
    await user.should_see('Susan Miller is writing a note…')
    await user.should_not_see('Susan Miller and Sample Customer are typing…')


async def test_a_group_reading_as_it_goes_changes_only_the_new_message(user: User, people, app_parley, monkeypatch):
    """Who read up to the last message is drawn after it (the tail): a message everyone reads as it arrives
    reaches the browser as one call, and "is typing" changes by a call too, never by redrawing the page."""
    alice, susan, john = people['alice'], people['susan'], people['john']
    chat = app_parley.conversations.create_conversation(alice, participant_ids=[susan.id, john.id], body='Lunch?',
                                                        client_id=cid())
    for reader in (susan, john):
        app_parley.conversations.mark_read(reader, chat.id)
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    await user.should_see('Seen by John Smith, Susan Miller')
    [shown] = user.find(kind=MessageList).elements
    assert shown.props['tail']['label'] == 'Seen by John Smith, Susan Miller'
    assert not any(m.get('seen') for m in shown.data), 'under the last message: the tail, not a message'
    calls = []
    real_call = live.call

    def call(element, method, *args):
        assert not goes_out_whole(element), 'a call, not an update'
        calls.append((type(element).__name__, method))
        real_call(element, method, *args)
    monkeypatch.setattr(live, 'call', call)
    monkeypatch.setattr(app_parley.presence, 'viewers', lambda conversation_id: frozenset({susan.id, john.id}))
    app_parley.conversations.send_message(susan, chat.id, body='At noon?', client_id=cid())
    await user.should_see('At noon?')
    assert ('MessageList', 'put') in calls and ('MessageList', 'setTail') in calls, 'Susan wrote it: John only'
    assert shown.props['tail']['label'] == 'Seen by John Smith'
    calls.clear()
    app_parley.conversations.send_message(susan, chat.id, body='Or at one?', client_id=cid())
    await user.should_see('Or at one?')
    assert [c for c in calls if c[0] == 'MessageList'] == [('MessageList', 'put')], 'John read it as it came'
    assert not any(m.get('seen') for m in shown.data)

    calls.clear()
    app_parley.conversations.typing(john, chat.id)
    await user.should_see('John Smith is typing…')
    assert calls == [('LiveText', 'set')]
