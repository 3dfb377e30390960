"""Who read how far (team conversations) and who is typing (never stored, at most one event every few seconds)."""
import pytest

from services.errors import NotFound
from services.events import SeenUpTo, Typing
from tests.conftest import cid


def heard_by(parley, *people):
    heard = {p.id: [] for p in people}
    for user_id, got in heard.items():
        parley.bus.subscribe(user_id, got.append)
    return heard


def test_reading_a_team_conversation_tells_the_others_how_far(parley, team):
    alice, susan, john = team['alice'], team['susan'], team['john']
    chat = parley.conversations.create_conversation(alice, participant_ids=[susan.id, john.id], body='Lunch?',
                                                    client_id=cid())
    second = parley.conversations.send_message(alice, chat.id, body='At noon', client_id=cid())
    assert parley.conversations.seen_by(alice, chat.id) == {}   # nobody else has read it yet
    heard = heard_by(parley, alice, susan, john)
    parley.conversations.mark_read(susan, chat.id)
    [seen] = [e for e in heard[alice.id] if isinstance(e, SeenUpTo)]
    assert (seen.user_id, seen.message_id) == (susan.id, second.id)
    assert not [e for e in heard[susan.id] if isinstance(e, SeenUpTo)]
    assert parley.conversations.seen_by(alice, chat.id) == {susan.id: second.id}
    assert parley.conversations.seen_by(susan, chat.id) == {alice.id: second.id}   # the author read it too


def test_customer_conversations_show_deliveries_not_seen_avatars(parley, team):
    chat = parley.conversations.create_conversation(team['alice'], participant_ids=[team['customer'].id],
                                                    body='Hello', client_id=cid(), with_customer=True)
    heard = heard_by(parley, team['alice'])
    parley.conversations.mark_read(team['customer'], chat.id)
    assert parley.conversations.seen_by(team['alice'], chat.id) == {}
    assert not [e for e in heard[team['alice'].id] if isinstance(e, SeenUpTo)]


def test_typing_reaches_the_others_once_every_few_seconds(parley, team, monkeypatch):
    alice, susan, customer = team['alice'], team['susan'], team['customer']
    chat = parley.conversations.create_conversation(alice, participant_ids=[susan.id, customer.id],
                                                    body='Hello', client_id=cid(), with_customer=True)
    now = [1000.0]
    monkeypatch.setattr('services.conversations.time.monotonic', lambda: now[0])
    heard = heard_by(parley, alice, susan, customer)
    parley.conversations.typing(alice, chat.id)
    parley.conversations.typing(alice, chat.id)   # a keystroke later: nothing more
    typing = [e for e in heard[customer.id] if isinstance(e, Typing)]
    assert [(e.name, e.note) for e in typing] == [('Alice Admin', False)]
    assert len([e for e in heard[susan.id] if isinstance(e, Typing)]) == 1
    assert not [e for e in heard[alice.id] if isinstance(e, Typing)]
    now[0] += 3.5
    parley.conversations.typing(alice, chat.id, note=True)   # a note: teammates only
    assert len([e for e in heard[customer.id] if isinstance(e, Typing)]) == 1
    assert [e.note for e in heard[susan.id] if isinstance(e, Typing)] == [False, True]
    parley.chat.typing(parley.chat.open_link(parley.chat.link(customer.id, chat.id).split('#t=')[1]))
    assert [e.name for e in heard[alice.id] if isinstance(e, Typing)] == ['Sample Customer']


@pytest.mark.parametrize('who', ['mike', 'other'])
def test_typing_where_one_is_not_is_not_found(parley, team, who):
    chat = parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id], body='Hi',
                                                    client_id=cid())
    person = team['mike'] if who == 'mike' else parley.directory.create_customer(name='Other', email='o@example.com')
    with pytest.raises(NotFound):
        parley.conversations.typing(person, chat.id)
    with pytest.raises(NotFound):
        parley.conversations.seen_by(person, chat.id)
