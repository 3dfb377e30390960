"""The send path's cost in SQL statements is part of its contract (issue 8): counted, not timed."""
from sqlalchemy import event

from tests.conftest import cid


class Counter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, 'before_cursor_execute', self._seen)

    def _seen(self, *_args):
        self.count += 1


def sends(parley, author, conversation_id, counter) -> int:
    parley.conversations.send_message(author, conversation_id, body='warm-up', client_id=cid())
    counter.count = 0
    parley.conversations.send_message(author, conversation_id, body='counted', client_id=cid())
    return counter.count


def test_a_teammate_message_is_five_statements_however_many_are_told(parley, team):
    counter = Counter(parley.db.engine)
    group = parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['susan'].id, team['john'].id, team['mike'].id], body='Hi',
        client_id=cid())
    assert sends(parley, team['alice'], group.id, counter) == 5
    assert len([n for n in parley.notifications.bell(team['john']) if n.conversation_id == group.id]) == 3


def test_a_message_to_a_customer_is_five_statements_with_its_delivery_row(parley, team):
    counter = Counter(parley.db.engine)
    chat = parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['customer'].id], body='Hello', client_id=cid(), with_customer=True)
    assert sends(parley, team['alice'], chat.id, counter) == 5
    [last] = parley.conversations.list_messages(team['alice'], chat.id)[-1:]
    assert last.body == 'counted' and [d.state for d in last.deliveries] == ['queued']


def test_the_inbox_orders_by_the_latest_message_it_copied(parley, team):
    first = parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id], body='One',
                                                     client_id=cid())
    second = parley.conversations.create_conversation(team['alice'], participant_ids=[team['john'].id], body='Two',
                                                      client_id=cid())
    assert [c.id for c in parley.conversations.list_conversations(team['alice'])] == [second.id, first.id]
    parley.conversations.send_message(team['susan'], first.id, body='Back to one', client_id=cid())
    assert [c.id for c in parley.conversations.list_conversations(team['alice'])] == [first.id, second.id]
