"""What lets several processes act as one, each piece against a real Redis and PostgreSQL: events through Redis
pub/sub, presence with a TTL, shared rate limits, workers that claim rows, /healthz, and the settings a cluster
needs. Two services objects on the same Redis and database stand for two processes."""
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from datetime import UTC, datetime, timedelta
import asyncio
import time

from limits.storage import RedisStorage
import pytest
from sqlmodel import create_engine, select

from bench.cluster import RedisServer
from models.conversations import DeliveryState, MessageVia
from models.directory import UserKind
from models.mail import OutboundEmail
from services.config import Settings
from services.container import build_parley
from services.errors import Throttled
from services.events import _KINDS, CatchUp, Event, MessageSent, RedisEventBus, event_from_json
from services.mail import MailService
from services.presence import RedisPresence
from services.ratelimit import LoginThrottle
from services.redislink import RETRY_AFTER, RedisLink
from services.views import AttachmentView, DeliveryView, MessageView, UserView
from tests.conftest import Clock, cid, free_port


def _sample(kind: type[Event]) -> Event:
    values = {}
    for f in fields(kind):
        if f.metadata.get('local'):
            continue
        kinds = str(f.type)
        values[f.name] = ((1, 2) if 'tuple[int' in kinds else ('popup', 'sound') if 'tuple[str' in kinds
                          else True if kinds == 'bool' else 7 if 'int' in kinds else 'text')
    return kind(**values)


def test_every_event_goes_through_json_and_comes_back_equal():
    assert len(_KINDS) >= 11
    for kind in _KINDS.values():
        event = _sample(kind)
        assert event_from_json(event.to_json()) == event, kind.__name__
    with pytest.raises(ValueError):
        event_from_json({'type': 'CatchUp', 'recipients': [1]})   # pages' own: never from another process


def _message_view() -> MessageView:
    author = UserView(id=1, name='Alice Admin', email='alice@example.com', kind=UserKind.AGENT, is_admin=True)
    return MessageView(id=3, conversation_id=2, author=author, body='Hello *there*', client_id='c1',
                       created_at=datetime(2026, 12, 2, 9, 30, tzinfo=UTC), via=MessageVia.APP,
                       attachments=(AttachmentView(name='a.png', size=10, id=4, content_type='image/png', image=True,
                                                   width=2, height=1),),
                       deliveries=(DeliveryView(customer_id=5, customer_name='C', state=DeliveryState.LIVE,
                                                label='Delivered live'),))


def test_the_local_half_of_an_event_is_not_part_of_it():
    event = MessageSent(recipients=(1,), conversation_id=2, message_id=3, author_id=1, agent_view=_message_view())
    assert 'agent_view' not in event.to_json() and event_from_json(event.to_json()).agent_view is None


async def _until(check, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, 'timed out'
        await asyncio.sleep(0.02)


async def test_an_event_published_in_one_process_reaches_the_pages_of_another_once(redis_url):
    a, b = RedisEventBus(RedisLink(redis_url)), RedisEventBus(RedisLink(redis_url))
    listening = [asyncio.create_task(a.listen()), asyncio.create_task(b.listen())]
    on_a, on_b, not_for_b = [], [], []
    a.subscribe(5, on_a.append)
    b.subscribe(5, on_b.append)
    b.subscribe(6, not_for_b.append)
    try:
        await asyncio.sleep(0.3)   # both subscribed
        event = MessageSent(recipients=(5,), conversation_id=2, message_id=3, author_id=1,
                            agent_view=_message_view())
        a.publish(event)
        assert on_a == [event] and on_a[0].agent_view is event.agent_view, 'its own pages at once'
        await _until(lambda: on_b)
        await asyncio.sleep(0.2)
        # The message as agents see it comes along, so the other process's pages need not read it.
        assert on_b == [event] and on_b[0].agent_view == event.agent_view
        assert on_a == [event], 'its own event, back from Redis, is not delivered again'
        assert not_for_b == []
    finally:
        for task in listening:
            task.cancel()
        a.link.close()
        b.link.close()


async def test_when_redis_restarts_the_bus_subscribes_again_and_its_pages_catch_up(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    a, b = RedisEventBus(RedisLink(server.url)), RedisEventBus(RedisLink(server.url))
    listening = asyncio.create_task(b.listen(retry=0.1))
    on_b = []
    b.subscribe(5, on_b.append)
    try:
        await asyncio.sleep(0.3)
        server.restart(down_for=0.3)
        await _until(lambda: any(isinstance(e, CatchUp) for e in on_b))
        assert on_b == [CatchUp(recipients=(5,))]
        event = MessageSent(recipients=(5,), conversation_id=2, message_id=4, author_id=1)
        await asyncio.sleep(0.2)
        a.publish(event)
        await _until(lambda: len(on_b) == 2)
        assert on_b[1] == event
    finally:
        listening.cancel()
        a.link.close()
        b.link.close()
        server.stop()


def _presences(redis_url, ttl: float = 20.0) -> tuple[RedisPresence, RedisPresence]:
    return RedisPresence(RedisLink(redis_url), ttl=ttl), RedisPresence(RedisLink(redis_url), ttl=ttl)


def test_presence_sees_the_pages_of_every_process(redis_url):
    a, b = _presences(redis_url)
    a.page_opened(7, 'chat-on-a', is_agent=False, conversation_id=3, visible=True)
    b.page_opened(1, 'agent-on-b', conversation_id=3, visible=True)
    b.page_opened(2, 'agent-hidden-on-b', conversation_id=3, visible=False)
    a.link.flush()
    b.link.flush()
    for presence in (a, b):
        assert presence.customer_view(7, 3) == 'visible' and presence.customer_view(7, 4) is None
        assert presence.viewers(3) == {1}
        assert presence.agents_online() == 2 and presence.online_ids() == {1, 2, 7}
        assert presence.is_online(7) and not presence.is_online(99)
    a.page_changed('chat-on-a', visible=False)
    b.page_changed('agent-on-b', conversation_id=4)
    a.link.flush()
    b.link.flush()
    assert b.customer_view(7, 3) == 'hidden' and a.viewers(3) == frozenset() and a.viewers(4) == {1}
    a.page_closed('chat-on-a')
    a.link.flush()
    assert b.customer_view(7, 3) is None and not b.is_online(7)


def test_the_focused_tab_is_the_last_focused_on_any_process(redis_url):
    a, b = _presences(redis_url)
    a.page_focused(1, 'tab-on-a')
    a.link.flush()
    b.page_focused(1, 'tab-on-b')
    b.link.flush()
    assert a.focused_page(1) == b.focused_page(1) == 'tab-on-b'
    a.page_focused(1, 'tab-on-a')
    a.link.flush()
    assert b.focused_page(1) == 'tab-on-a'
    a.page_unfocusable('tab-on-a')
    a.link.flush()
    assert a.focused_page(1) == 'tab-on-b' and b.focused_page(2) is None


def test_the_pages_of_a_process_that_died_expire_and_a_heartbeat_keeps_the_living(redis_url):
    dead, living = _presences(redis_url, ttl=0.5)
    dead.page_opened(7, 'chat-on-dead', is_agent=False, conversation_id=3)
    living.page_opened(8, 'chat-on-living', is_agent=False, conversation_id=3)
    dead.link.flush()
    for _ in range(6):   # the living process beats; the dead one does not
        time.sleep(0.2)
        living.heartbeat()
    living.link.flush()
    assert living.customer_view(7, 3) is None, 'expired: its process stopped beating'
    assert living.customer_view(8, 3) == 'visible'


def test_without_redis_presence_answers_from_this_process_and_the_heartbeat_restores_it(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    a, b = _presences(server.url)
    try:
        a.page_opened(7, 'chat-on-a', is_agent=False, conversation_id=3)
        a.link.flush()
        server.restart()   # empty: no persistence
        assert b.customer_view(7, 3) is None and a.customer_view(7, 3) == 'visible', 'its own pages always count'
        server.stop()
        assert a.customer_view(7, 3) == 'visible', 'Redis away: this process still knows its own pages'
        assert b.customer_view(7, 3) is None and b.agents_online() == 0
        server.start()
        a.heartbeat()
        a.link.flush()
        time.sleep(RETRY_AFTER)   # b asks Redis again a second after its last failure
        assert b.customer_view(7, 3) == 'visible'
    finally:
        a.link.close()
        b.link.close()
        server.stop()


def test_sign_in_failures_count_on_every_process(redis_url):
    a = LoginThrottle(limit=3, storage=RedisStorage(redis_url))
    b = LoginThrottle(limit=3, storage=RedisStorage(redis_url))
    a.failed('mallory@example.com')
    b.failed('mallory@example.com')
    a.failed('mallory@example.com')
    with pytest.raises(Throttled):
        b.check('mallory@example.com')


def _mail(parley, clock, lease=timedelta(seconds=60)) -> MailService:
    return MailService(parley.db, smtp_url='smtp://127.0.0.1:1?starttls=off', mail_from='help@example.com',
                       team_name='Acme', clock=clock, lease=lease)


def test_an_email_one_process_took_is_not_taken_by_another_until_its_lease_ends(any_parley):
    clock = Clock()
    first, second = _mail(any_parley, clock), _mail(any_parley, clock)
    email = first.enqueue(to_address='c@example.com', to_name='C', subject='S', text='t', html='<p>t</p>')
    claimed = first._claim()
    assert claimed is not None and claimed.id == email.id
    assert second._claim() is None, 'taken by the first process'
    clock.now += timedelta(seconds=59)
    assert second._claim() is None
    clock.now += timedelta(seconds=2)   # the first process died without a word: its lease is over
    assert second._claim().id == email.id


def test_two_processes_workers_queue_one_email_per_customer_on_postgresql(postgres_url, tmp_path):
    settings = Settings(database_url=postgres_url, data_dir=tmp_path, email_fallback_seconds=0)
    a, b = build_parley(settings), build_parley(settings)
    try:
        alice = a.directory.create_agent(name='Alice', email='alice@example.com', password='correct horse 1')
        for n in range(20):
            customer = a.directory.create_customer(name=f'C {n}', email=f'c{n}@example.com')
            a.conversations.create_conversation(alice, participant_ids=[customer.id], with_customer=True,
                                                body=f'Message {n}', client_id=cid())
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda p: p.deliveries.send_due(), [a, b, a, b]))
        with a.db.session() as session:
            addresses = session.exec(select(OutboundEmail.to_address)).all()
        assert sorted(addresses) == sorted(f'c{n}@example.com' for n in range(20))
    finally:
        a.close()
        b.close()


def test_health_says_which_part_does_not_answer(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    parley = build_parley(Settings(database_url=f'sqlite:///{tmp_path / "p.db"}', data_dir=tmp_path))
    try:
        assert parley.health() == {'database': True}
        parley.redis = RedisLink(server.url)
        assert parley.health() == {'database': True, 'redis': True}
        server.stop()
        assert parley.health() == {'database': True, 'redis': False}
        parley.db.engine.dispose()
        parley.db.engine = create_engine(f'postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone',
                                         connect_args={'connect_timeout': 2})   # nothing listens there
        assert parley.health() == {'database': False, 'redis': False}
    finally:
        parley.close()
        server.stop()


@pytest.mark.parametrize('settings, problem', [
    ({'redis_url': 'redis://127.0.0.1:6379/0', 'storage_secret': 's'}, 'which share a PostgreSQL database'),
    ({'redis_url': 'redis://127.0.0.1:6379/0', 'database_url': 'postgresql+psycopg://db/parley'},
     'set PARLEY_STORAGE_SECRET, the same in every process'),
    ({'redis_url': 'http://127.0.0.1:6379', 'database_url': 'postgresql+psycopg://db/parley', 'storage_secret': 's'},
     'must start with redis:// or rediss://'),
])
def test_a_cluster_without_what_it_needs_refuses_to_start_and_says_why(settings, problem):
    with pytest.raises(ValueError, match=problem):
        build_parley(Settings(**settings))
