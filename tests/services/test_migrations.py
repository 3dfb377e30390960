"""Schema migrations (services.migrate): a database Parley 0.1 wrote upgrades in place with its data, on SQLite
and PostgreSQL; a newer or older database is refused; the models and the migrations never disagree.

tests/fixtures/parley-0.1.*.sql were written by Parley 0.1 (main before migrations) with the demo workspace, a
customer's live chat with a note and an emailed reply, a ticket, a task, an agent's settings and an unmatched
email: see tests/fixtures/README.md.
"""
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import logging
import sqlite3
import subprocess
import sys

import psycopg
import pytest

from services.views import ConversationStatus, Inbox, UserKind
from alembic import command
from sqlalchemy import create_engine, text

from services import migrate
from services.config import Settings
from services.container import build_parley
from services.db import Database

FIXTURES = Path(__file__).parent.parent / 'fixtures'
ROOT = Path(__file__).parent.parent.parent
PASSWORD = 'legacy-password'


def sqlite_from_fixture(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        connection.executescript((FIXTURES / 'parley-0.1.sqlite.sql').read_text())
    connection.close()
    return f'sqlite:///{path}'


def postgresql_from_fixture(url: str) -> str:
    with psycopg.connect(url.replace('postgresql+psycopg://', 'postgresql://'), autocommit=True) as connection:
        connection.execute((FIXTURES / 'parley-0.1.postgresql.sql').read_text())
    return url


@pytest.fixture(params=['sqlite', 'postgresql'])
def legacy_url(request, tmp_path) -> str:
    """The URL of a database Parley 0.1 wrote, with data in it."""
    if request.param == 'sqlite':
        return sqlite_from_fixture(tmp_path / 'parley.db')
    return postgresql_from_fixture(request.getfixturevalue('postgres_url'))


@pytest.fixture(params=['sqlite', 'postgresql'])
def empty_url(request, tmp_path) -> str:
    if request.param == 'sqlite':
        return f'sqlite:///{tmp_path / "empty.db"}'
    return request.getfixturevalue('postgres_url')


def revision_of(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = migrate.current(connection)
    engine.dispose()
    return found


def test_a_parley_0_1_database_upgrades_in_place_and_keeps_its_data(legacy_url, parley_at, caplog):
    caplog.set_level(logging.INFO, logger='services.migrate')
    parley = parley_at(legacy_url)
    assert revision_of(legacy_url) == migrate.head()
    [said] = [r.getMessage() for r in caplog.records if r.name == 'services.migrate']
    assert said.startswith(f'database upgraded from Parley 0.1 to revision {migrate.head()}')

    alice = parley.auth.authenticate('alice@example.com', PASSWORD)
    susan = parley.auth.authenticate('susan@example.com', PASSWORD)
    assert alice.is_admin and not susan.is_admin
    conversations = parley.conversations.list_conversations(susan)
    assert 'Weekend rota' in [c.title for c in conversations]
    [chat] = [c for c in conversations if c.is_customer]
    # 0002: statuses kept (as values now), each participant's copy made, the answering agent assigned.
    assert {c.status for c in conversations} == {ConversationStatus.OPEN}
    assert chat.assignee is not None and chat.assignee.kind == UserKind.AGENT
    assert parley.conversations.inbox_counts(susan)[Inbox.OPEN] == len(conversations)
    messages = parley.conversations.list_messages(susan, chat.id)
    assert [(m.body, m.is_note) for m in messages] == [
        ('Hello, my order #1042 has not arrived.', False), ('Sorry to hear that, Carla. Let me check.', False),
        ('Internal: courier says Tuesday.', True), ('Thanks! Tuesday is fine.', False)]
    assert [(a.name, a.size) for a in messages[-1].attachments] == [('receipt.pdf', 1234)]
    ticket = parley.items.get(alice, 'ticket', 1)
    assert (ticket.title, ticket.assignee.id, ticket.customer.name) == ('Order 1042 late', susan.id, 'Carla Cliente')
    assert parley.items.get(alice, 'task', 1).title == 'Call the courier'
    # 0003: the messages there were are searchable.
    assert [h.conversation.id for h in parley.search.search(susan, 'courier tuesday').messages] == [chat.id]
    assert parley.notifications.settings(susan).email_delay_minutes == 15
    assert parley.notifications.unread_count(susan) > 0
    assert parley.inbound.triage_count(alice) == 1

    parley.lifecycle.close(susan, chat.id)
    assert [c.id for c in parley.conversations.list_conversations(susan, inbox=Inbox.CLOSED)] == [chat.id]
    parley.lifecycle.reopen(susan, chat.id)
    # The upgraded database takes new writes, ids carrying on after the old ones (PostgreSQL's sequences too).
    new = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='After the upgrade',
                                                   client_id='after-upgrade')
    assert new.id > chat.id
    assert parley.items.create(alice, 'ticket', title='Second').number == 2


def test_the_sqlite_file_is_copied_before_it_is_upgraded(tmp_path, parley_at):
    url = sqlite_from_fixture(tmp_path / 'parley.db')
    parley_at(url)
    copy = tmp_path / f'parley.db.before-{migrate.BASELINE}'
    with sqlite3.connect(copy) as kept:
        assert kept.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone() == (0,)
        assert kept.execute('SELECT count(*) FROM message').fetchone()[0] == 7
    kept.close()


def test_an_up_to_date_database_is_left_alone(tmp_path, parley_at, caplog):
    path = tmp_path / 'parley.db'
    parley_at(path).close()
    caplog.set_level(logging.INFO, logger='services.migrate')
    parley_at(path)
    assert [r.getMessage() for r in caplog.records if r.name == 'services.migrate'] == [
        f'database at revision {migrate.head()} (up to date)']
    assert not list(tmp_path.glob('parley.db.before-*'))


def test_the_migrations_build_exactly_the_models_schema(empty_url):
    """Autogenerate finds nothing to do: a change to models/ without its migration fails here."""
    engine = create_engine(empty_url)
    with engine.begin() as connection:
        command.upgrade(migrate.alembic_config(connection), 'head')
    with engine.connect() as connection:
        assert migrate.differences(connection) == []
    engine.dispose()


def _fulltext(connection) -> list:
    """The full-text index's definition as the database holds it."""
    if connection.dialect.name == 'sqlite':
        return connection.exec_driver_sql("SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'message_fts%' "
                                          'ORDER BY name').all()
    return connection.exec_driver_sql("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_message_search'").all()


def test_the_full_text_index_is_the_same_migrated_or_made_new(empty_url):
    """services.fulltext.install (a new database) and revision 0003 (an older one) make the same index."""
    database = Database(empty_url)
    migrate.upgrade(database)   # new: the models' tables, then install
    with database.engine.begin() as connection:
        made = _fulltext(connection)
        command.downgrade(migrate.alembic_config(connection), '0002')
        assert _fulltext(connection) == []
        command.upgrade(migrate.alembic_config(connection), 'head')
        assert _fulltext(connection) == made and made
    database.dispose()


def test_a_new_database_is_made_at_the_newest_revision(empty_url):
    database = Database(empty_url)
    assert migrate.upgrade(database) == f'database created at revision {migrate.head()}'
    with database.engine.connect() as connection:
        assert migrate.current(connection) == migrate.head()
        assert migrate.differences(connection) == []
    database.dispose()


def test_the_first_revision_goes_down_and_up_again(empty_url):
    engine = create_engine(empty_url)
    with engine.begin() as connection:
        command.upgrade(migrate.alembic_config(connection), migrate.BASELINE)
    with engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), 'base')
    with engine.begin() as connection:
        command.upgrade(migrate.alembic_config(connection), 'head')
    with engine.connect() as connection:
        assert migrate.differences(connection) == []
    engine.dispose()


def test_a_database_from_a_newer_parley_is_refused(empty_url, parley_at):
    parley_at(empty_url).close()
    engine = create_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(migrate.NewerDatabase, match=r'written by a newer Parley \(revision 9999; this one knows up '
                                                    rf'to {migrate.head()}\)'):
        parley_at(empty_url)


def test_a_database_older_than_0_1_is_refused_with_a_clear_message(tmp_path, parley_at):
    path = tmp_path / 'old.db'
    with sqlite3.connect(path) as old:
        old.execute('CREATE TABLE message (id INTEGER PRIMARY KEY, body TEXT)')
    old.close()
    with pytest.raises(RuntimeError, match=r'made by a Parley older than 0\.1 .*cannot be upgraded in place'):
        parley_at(path)


def test_processes_starting_together_upgrade_once(legacy_url):
    databases = [Database(legacy_url) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        said = sorted(pool.map(migrate.upgrade, databases))
    for database in databases:
        database.dispose()
    assert sum(s.startswith('database upgraded from Parley 0.1') for s in said) == 1
    assert said.count(f'database at revision {migrate.head()} (up to date)') == 2
    assert revision_of(legacy_url) == migrate.head()


def test_upgrade_only_upgrades_and_exits(tmp_path):
    url = sqlite_from_fixture(tmp_path / 'parley.db')
    done = subprocess.run([sys.executable, 'main.py', '--upgrade-only', '--database-url', url,
                           '--data-dir', str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f'database upgraded from Parley 0.1 to revision {migrate.head()}' in done.stdout
    assert revision_of(url) == migrate.head()
    again = subprocess.run([sys.executable, 'main.py', '--upgrade-only', '--database-url', url,
                            '--data-dir', str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert again.stdout.strip().endswith('(up to date)')


def test_start_up_refuses_a_newer_database_without_a_traceback(tmp_path):
    url = f'sqlite:///{tmp_path / "parley.db"}'
    build_parley(Settings(database_url=url, data_dir=tmp_path)).close()
    with sqlite3.connect(tmp_path / 'parley.db') as db:
        db.execute("UPDATE alembic_version SET version_num = 'abc123'")
    db.close()
    done = subprocess.run([sys.executable, 'main.py', '--database-url', url, '--data-dir', str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert 'Parley cannot start: The database' in done.stderr and 'written by a newer Parley' in done.stderr
    assert 'Traceback' not in done.stderr


def test_autogenerated_revisions_name_plain_sqlalchemy_types():
    """A revision must not import models (they change after it is written): Parley's column types render plain."""
    from models import ItemStatus
    from models._types import EnumText, UTCDateTime
    assert migrate.render_item('type', UTCDateTime(), None) == 'sa.DateTime()'
    assert migrate.render_item('type', EnumText(ItemStatus), None) == 'sa.String()'
