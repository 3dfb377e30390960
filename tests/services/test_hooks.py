"""What follows a write happens in its transaction (services.hooks): all of it commits, or none of it does."""
import pytest
from sqlmodel import select

from models import Message, Notification
from services.hooks import ConversationOpened, MessageStored
from tests.conftest import cid


class Boom(Exception):
    pass


def count(parley, table) -> int:
    with parley.db.session() as session:
        return len(session.exec(select(table)).all())


def test_a_failing_handler_takes_the_message_and_its_notices_with_it(parley, team):
    alice, susan = team['alice'], team['susan']
    group = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Hi', client_id=cid())
    messages, notices = count(parley, Message), count(parley, Notification)
    heard = []
    parley.bus.subscribe(susan.id, heard.append)

    def fail(tx, event):
        raise Boom('a handler failed')
    parley.db.hooks.on(MessageStored, fail)   # after the notifications' own handler: it has written its row
    with pytest.raises(Boom):
        parley.conversations.send_message(alice, group.id, body='Lost with the notice', client_id=cid())
    assert (count(parley, Message), count(parley, Notification)) == (messages, notices)
    assert heard == [], 'nothing is published for a write that did not commit'
    assert parley.conversations.list_messages(susan, group.id)[-1].body == 'Hi'


def test_every_handler_sees_the_message_once_in_the_order_registered(parley, team):
    alice, susan, customer = team['alice'], team['susan'], team['customer']
    seen = []
    parley.db.hooks.on(MessageStored, lambda tx, e: seen.append(('stored', e.message.body, tuple(e.deliveries))))
    parley.db.hooks.on(ConversationOpened, lambda tx, e: seen.append(('opened', e.reader.id, e.had_unread)))
    chat = parley.conversations.create_conversation(alice, participant_ids=[susan.id, customer.id], body='Hello',
                                                    client_id=cid())
    [(what, body, deliveries)] = seen
    assert (what, body) == ('stored', 'Hello')
    assert [d.customer_id for d in deliveries] == [customer.id], 'the deliveries handler ran first'
    parley.conversations.mark_read(susan, chat.id)
    assert seen[-1] == ('opened', susan.id, True)


def test_the_send_path_knows_nothing_of_notifications_or_deliveries(parley, team):
    """Without handlers a message is still stored and published: the rest is the handlers' (wired in build_parley)."""
    from services.conversations import ConversationService
    alone = ConversationService(type(parley.db)(parley.settings.database_url), parley.bus, parley.presence)
    alice, susan = team['alice'], team['susan']
    before = count(parley, Notification)
    sent = alone.create_conversation(alice, participant_ids=[susan.id], body='No notices', client_id=cid())
    assert parley.conversations.list_messages(susan, sent.id)[0].body == 'No notices'
    assert count(parley, Notification) == before
    alone.db.dispose()
