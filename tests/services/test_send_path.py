"""The send path's cost in SQL statements is part of its contract (issue 8): counted, not timed."""
from sqlalchemy import event

from tests.conftest import Clock, cid


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
    notices = [(n.kind, n.count, n.preview) for n in parley.notifications.bell(team['john'])
               if n.conversation_id == group.id]
    assert notices == [('message', 2, 'counted'), ('added', 1, 'Hi')], 'new messages: one notice, latest first'


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


def test_a_teammate_with_the_conversation_on_screen_reads_the_message_as_it_arrives(parley, team):
    """Presence says who has it open and visible: no unread count, no notice to clear, no read to write after."""
    alice, susan, john = team['alice'], team['susan'], team['john']
    group = parley.conversations.create_conversation(alice, participant_ids=[susan.id, john.id], body='Hi',
                                                     client_id=cid())
    parley.conversations.mark_read(susan, group.id)
    parley.conversations.mark_read(john, group.id)
    parley.presence.page_opened(susan.id, 'susan-tab', conversation_id=group.id)                 # on screen
    parley.presence.page_opened(john.id, 'john-tab', conversation_id=group.id, visible=False)    # background tab
    seen = []
    parley.bus.subscribe(susan.id, seen.append)
    parley.conversations.send_message(alice, group.id, body='Standup moved to 10:00', client_id=cid())
    unread = {p: parley.conversations.access_conversation(team[p], group.id).unread_count for p in ('susan', 'john')}
    assert unread == {'susan': 0, 'john': 1}
    assert parley.notifications.unread_count(susan) == 0 and parley.notifications.unread_count(john) == 1
    [sent] = [e for e in seen if type(e).__name__ == 'MessageSent']
    assert sent.read_by == (alice.id, susan.id) and sent.preview == 'Standup moved to 10:00'
    counter = Counter(parley.db.engine)
    parley.conversations.mark_read(susan, group.id)   # the page's own read afterwards writes nothing
    assert counter.count == 1   # one read of her participant row

    parley.presence.page_changed('susan-tab', visible=False)   # she switched tabs: unread again
    parley.conversations.send_message(alice, group.id, body='@Susan Miller can you host?', client_id=cid())
    assert parley.conversations.access_conversation(susan, group.id).unread_count == 1
    assert parley.notifications.bell(susan)[0].title == 'Alice Admin mentioned you'


def test_a_mention_seen_on_screen_stays_in_the_bell_as_read(parley, team):
    alice, susan = team['alice'], team['susan']
    pair = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Hi', client_id=cid())
    parley.conversations.mark_read(susan, pair.id)
    parley.presence.page_opened(susan.id, 'tab', conversation_id=pair.id)
    parley.conversations.send_message(alice, pair.id, body='@Susan Miller thanks!', client_id=cid())
    [mention] = [n for n in parley.notifications.bell(susan) if n.kind == 'mention']
    assert mention.read and parley.notifications.unread_count(susan) == 0


def test_the_prepared_statements_store_values_as_the_orm_does(parley, team):
    """The send path runs its statements on the driver: times, enums and flags must be stored exactly as the
    ORM stores them (a time on the second too, where a bare driver would drop the microseconds)."""
    clock = Clock()   # 09:00:00.000000 exactly
    parley.conversations.clock = parley.notifications.clock = clock
    group = parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['susan'].id], body='Hi', client_id=cid())
    parley.conversations.send_message(team['alice'], group.id, body='On the second', client_id=cid())
    with parley.db.engine.connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT c.created_at, m.created_at, n.created_at, n.kind, c.kind, m.is_note FROM message m "
            "JOIN conversation c ON c.id = m.conversation_id JOIN notification n ON n.message_id = m.id "
            "WHERE m.body = 'On the second'").one()
        # What the ORM stored for the conversation (created by the ORM path), as the driver reads it back.
        orm_time, orm_kind = connection.exec_driver_sql(
            f'SELECT created_at, kind FROM conversation WHERE id = {group.id}').one()
        orm_false = connection.exec_driver_sql("SELECT is_note FROM message WHERE body = 'Hi'").scalar_one()
    if parley.db.is_sqlite:   # the driver's own form: text with microseconds, flags as 0/1
        assert orm_time == '2026-11-24 09:00:00.000000' and orm_false == 0
    assert tuple(stored) == (orm_time,) * 3 + ('message', orm_kind, orm_false)
    [message] = parley.conversations.list_messages(team['susan'], group.id)[-1:]
    assert message.created_at == clock.now and message.body == 'On the second'


def test_a_many_row_insert_gives_the_driver_what_the_one_row_path_gives(parley):
    """execute_many fills a ready parameter list per row; the values must be the generic path's, each converted."""
    class Recorder:
        def exec_driver_sql(self, sql, params):
            self.params = params

    prepared = parley.notifications._insert
    # The ready list is for positional drivers (SQLite); psycopg's named parameters take the generic path.
    assert (prepared._plan is not None) == parley.db.is_sqlite
    now = Clock().now
    rows = [(user_id, 'message:7', 'mention' if user_id % 2 else 'message', 3, 7, 1, 'Alice wrote', 'Hi', '',
             'bell,popup', 1, now, now if user_id == 4 else None, None, None) for user_id in range(2, 6)]
    recorder = Recorder()
    prepared.execute_many(recorder, rows)
    assert recorder.params == [prepared._params(dict(zip(prepared._columns, row, strict=False)), {}) for row in rows]
    if parley.db.is_sqlite:
        assert recorder.params[0][prepared._names.index('created_at')] == '2026-11-24 09:00:00.000000'
