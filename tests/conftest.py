"""Shared fixtures: a Parley wired to a temporary SQLite file, and a few agents in it."""
from contextlib import contextmanager
from datetime import datetime, timezone
from email import message_from_bytes, policy
import socket
import uuid

import psycopg
import pytest
from aiosmtpd.controller import Controller

from services.config import Settings
from services.container import Parley, build_parley
from services.inbound_smtp import InboundListener
from services.views import UserView
from tests import postgres

PASSWORD = 'correct horse battery'


@pytest.fixture
def parley_at(tmp_path):
    """Build a Parley on a given SQLite file (closed at the end of the test)."""
    built = []

    def build(path) -> Parley:
        built.append(build_parley(Settings(database_url=f'sqlite:///{path}', data_dir=tmp_path)))
        return built[-1]
    yield build
    for instance in built:
        instance.close()


@pytest.fixture
def parley(parley_at, tmp_path) -> Parley:
    return parley_at(tmp_path / 'parley.db')


@pytest.fixture(scope='session')
def postgres_server() -> str:
    """A private PostgreSQL for this test session (tests/postgres.py); the URL of its first database."""
    with postgres.cluster() as url:
        yield url


@pytest.fixture(params=['sqlite', 'postgresql'])
def any_parley(request, parley_at, tmp_path) -> Parley:
    """A Parley on SQLite, then on a fresh PostgreSQL database: for what must hold on both."""
    if request.param == 'sqlite':
        yield parley_at(tmp_path / 'parley.db')
        return
    url = request.getfixturevalue('postgres_server')
    name = f'test_{uuid.uuid4().hex[:12]}'
    with psycopg.connect(url.replace('postgresql+psycopg', 'postgresql'), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE {name}')
    instance = build_parley(Settings(database_url=url.rsplit('/', 1)[0] + f'/{name}', data_dir=tmp_path))
    yield instance
    instance.close()


@pytest.fixture
def team(parley) -> dict[str, UserView]:
    """alice (admin), susan, john, mike, and a customer."""
    people = {
        'alice': parley.directory.create_agent(name='Alice Admin', email='alice@example.com',
                                               password=PASSWORD, is_admin=True),
        'susan': parley.directory.create_agent(name='Susan Miller', email='susan@example.com', password=PASSWORD),
        'john': parley.directory.create_agent(name='John Smith', email='john@example.com', password=PASSWORD),
        'mike': parley.directory.create_agent(name='Mike Brown', email='mike@example.com', password=PASSWORD),
    }
    people['customer'] = parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    return people


def cid() -> str:
    return uuid.uuid4().hex


class Sink:
    def __init__(self):
        self.messages = []
        self.sessions_with_tls = []   # per message: whether it came inside TLS

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        self.sessions_with_tls.append(session.ssl is not None)
        return '250 OK'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def sink():
    handler = Sink()
    controller = Controller(handler, hostname='127.0.0.1', port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@contextmanager
def smtp_listener(inbound):
    """Parley's inbound SMTP listener on a free port, for as long as the with-block runs."""
    server = InboundListener(inbound, '127.0.0.1', free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now
