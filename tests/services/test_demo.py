import sqlite3

import pytest

from services.db import Database
from services.demo import seed_demo


def test_demo_workspace_is_seeded_once(parley):
    result = seed_demo(parley.directory, parley.conversations, password='demo-pass')
    assert result.created
    alice = parley.auth.authenticate('alice@example.com', 'demo-pass')
    assert alice.is_admin
    for email in ('susan@example.com', 'john@example.com', 'mike@example.com'):
        assert not parley.auth.authenticate(email, 'demo-pass').is_admin
    assert [u.name for u in parley.directory.search_agents(alice, '')] == ['John Smith', 'Mike Brown', 'Susan Miller']
    assert len(parley.conversations.list_conversations(alice)) == 2
    again = seed_demo(parley.directory, parley.conversations, password='other')
    assert not again.created and again.password is None


def test_demo_password_is_random_when_not_given(parley):
    result = seed_demo(parley.directory, parley.conversations)
    assert len(result.password) >= 12
    assert parley.auth.authenticate('susan@example.com', result.password).name == 'Susan Miller'


def test_a_database_from_an_older_parley_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / 'old.db'
    with sqlite3.connect(path) as old:
        old.execute('CREATE TABLE message (id INTEGER PRIMARY KEY, body TEXT)')
    database = Database(f'sqlite:///{path}')
    with pytest.raises(RuntimeError, match='created by an older Parley.*table message cannot be upgraded'):
        database.create_all()
    database.dispose()


def test_a_database_from_the_previous_version_is_upgraded_in_place_and_keeps_its_data(tmp_path, parley_at):
    path = tmp_path / 'previous.db'
    parley = parley_at(path)
    result = seed_demo(parley.directory, parley.conversations, password='demo-pass')
    assert result.created
    parley.close()
    with sqlite3.connect(path) as old:  # what the previous version wrote: no attachments, no inbound email
        old.execute('ALTER TABLE message DROP COLUMN attachments')
        old.execute('DROP TABLE inboundemail')
        old.execute('DROP INDEX ix_participant_user_recent')   # no inbox copy of last_message_at yet
        old.execute('ALTER TABLE participant DROP COLUMN last_message_at')
        old.execute('DROP INDEX uq_notification_unread_messages')   # a notice per new message
        old.execute('ALTER TABLE notification DROP COLUMN count')
        susan = old.execute("SELECT id FROM user WHERE email = 'susan@example.com'").fetchone()[0]
        [seeded] = old.execute("SELECT count(*) FROM notification WHERE user_id = ? AND conversation_id = 1 AND kind"
                               " = 'message' AND read_at IS NULL", (susan,)).fetchone()
        for n, text in enumerate(('First', 'Second', 'Third')):
            old.execute("INSERT INTO notification (user_id, key, kind, conversation_id, title, preview, link, channels,"
                        " created_at) VALUES (?, ?, 'message', 1, 'Alice Admin wrote', ?, '', 'in_app', ?)",
                        (susan, f'old:{n}', text, f'2026-11-2{n} 09:00:00.000000'))
    upgraded = parley_at(path)
    alice = upgraded.auth.authenticate('alice@example.com', 'demo-pass')
    conversations = upgraded.conversations.list_conversations(alice)
    assert len(conversations) == 2
    assert conversations[0].last_message_at >= conversations[1].last_message_at, 'newest first, from the copies'
    with sqlite3.connect(path) as db:
        assert db.execute('SELECT count(*) FROM participant WHERE last_message_at IS NULL').fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ix_participant_user_recent'").fetchone() \
            == (1,)
    susan = upgraded.auth.authenticate('susan@example.com', 'demo-pass')
    [merged] = [(n.preview, n.count) for n in upgraded.notifications.bell(susan) if n.kind == 'message']
    assert merged == ('Third', seeded + 3), "an older Parley's notices per message become one per conversation"
    messages = upgraded.conversations.list_messages(alice, conversations[0].id)
    assert messages and all(m.attachments == () for m in messages)
