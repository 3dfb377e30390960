"""Events (past tense, small, JSON-safe) and the bus that routes them to recipients: in one process, or through
Redis pub/sub to every process (each delivers to its own pages).

The service that commits chooses the recipients; the bus calls each recipient's handlers.
A failing handler is logged and never reaches the sender or the other handlers.
"""
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from typing import Protocol
import asyncio
import json
import logging
import uuid

from pydantic import TypeAdapter, ValidationError
import redis
import redis.asyncio as aioredis

from services.redislink import RedisLink
from services.views import MessageView

log = logging.getLogger(__name__)


def _plain(value):
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


@dataclass(frozen=True)
class Event:
    recipients: tuple[int, ...]

    def to_json(self) -> dict:
        """The event as data, without what only pages in this process use (fields marked local)."""
        return {'type': type(self).__name__, **{f.name: _plain(getattr(self, f.name)) for f in fields(self)
                                                 if not f.metadata.get('local')}}


def event_from_json(data: dict) -> Event:
    """The event to_json() gave (its process-local fields unset); ValueError for anything else."""
    kind = _KINDS.get(data.get('type', ''))
    if kind is None:
        raise ValueError(f'not an event: {data.get("type")!r}')
    values = {f.name: _tuples(data[f.name]) for f in fields(kind) if f.name in data and not f.metadata.get('local')}
    return kind(**values)


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


@dataclass(frozen=True)
class CatchUp(Event):
    """This process may have missed events (Redis was away): pages read again what they show. Never published."""


@dataclass(frozen=True)
class ConversationCreated(Event):
    conversation_id: int
    created_by_id: int


@dataclass(frozen=True)
class MessageSent(Event):
    conversation_id: int
    message_id: int
    author_id: int
    preview: str = ''   # the conversation's new preview as agents see it, so an open list needs no query
    at: str = ''        # when it was sent, ISO 8601
    read_by: tuple[int, ...] = ()   # who read it as it arrived: the author, and agents with it on screen
    # The message as agents see it, so agent pages show it without reading it again (never for customers' pages).
    agent_view: MessageView | None = field(default=None, compare=False, repr=False, metadata={'local': True})


@dataclass(frozen=True)
class MessageChanged(Event):
    """A message was edited or deleted: pages showing it read it again."""
    conversation_id: int
    message_id: int


@dataclass(frozen=True)
class ConversationChanged(Event):
    """Its status, people, subject, assignee or item changed: pages read it again (a page whose agent may no
    longer open it says so)."""
    conversation_id: int


@dataclass(frozen=True)
class SeenUpTo(Event):
    """A teammate read a team conversation up to this message: the others' pages move their "seen" avatar."""
    conversation_id: int
    user_id: int
    message_id: int


@dataclass(frozen=True)
class Typing(Event):
    """Someone is typing in a conversation (never stored; pages show it a few seconds)."""
    conversation_id: int
    user_id: int
    name: str
    note: bool = False   # an agent writing an internal note (never sent to customers)


@dataclass(frozen=True)
class ConversationRead(Event):
    """The recipient read a conversation (in one tab): their other tabs clear its unread count."""
    conversation_id: int


@dataclass(frozen=True)
class DeliveryChanged(Event):
    """Delivery states of these messages changed (seen, emailed, replied...): agents redraw them."""
    conversation_id: int
    message_ids: tuple[int, ...]


@dataclass(frozen=True)
class NotificationCreated(Event):
    """A notification for the recipient (its key is unique per recipient); channels are the ones they chose."""
    key: str
    kind: str
    conversation_id: int | None
    channels: tuple[str, ...]


@dataclass(frozen=True)
class NotificationsRead(Event):
    """Some of the recipient's notifications were read (in any tab): bells recount."""


@dataclass(frozen=True)
class SessionsEnded(Event):
    """The recipient was signed out everywhere: their open pages end their session."""


Handler = Callable[[Event], None]
_KINDS: dict[str, type[Event]] = {}   # filled below, once every event class exists


class EventBus(Protocol):
    """The interface pages and services use (LocalEventBus, RedisEventBus)."""

    def subscribe(self, user_id: int, handler: Handler) -> Callable[[], None]:
        """Call handler with every event addressed to user_id; returns the unsubscribe function."""

    def publish(self, event: Event) -> None:
        """Deliver event to the handlers of each of its recipients."""


class LocalEventBus:
    """In-process bus for a single Parley process."""

    def __init__(self) -> None:
        self._handlers: dict[int, list[Handler]] = defaultdict(list)

    def subscribe(self, user_id: int, handler: Handler) -> Callable[[], None]:
        self._handlers[user_id].append(handler)

        def unsubscribe() -> None:
            handlers = self._handlers.get(user_id, [])
            if handler in handlers:
                handlers.remove(handler)
            if not handlers:
                self._handlers.pop(user_id, None)
        return unsubscribe

    def publish(self, event: Event) -> None:
        for user_id in dict.fromkeys(event.recipients):
            for handler in list(self._handlers.get(user_id, ())):
                try:
                    handler(event)
                except Exception:
                    log.exception('event handler failed for %s', type(event).__name__)


_KINDS.update({kind.__name__: kind for kind in Event.__subclasses__() if kind is not CatchUp})
CHANNEL = 'parley:events'


# A MessageSent's agent_view (local to its process) also rides along as JSON beside the event, so the other
# processes' pages show the message without reading it (that read was most of the extra time across processes).
_AGENT_VIEW = TypeAdapter(MessageView)


class RedisEventBus(LocalEventBus):
    """Several processes: an event reaches this process's pages at once (with its local fields) and the other
    processes through Redis pub/sub, as JSON.

    socket.io and pub/sub are both at-most-once: the database stays the truth. When the subscription is lost (Redis
    restarted, the network dropped) and comes back, every page of this process gets a CatchUp and reads again.
    """

    def __init__(self, link: RedisLink) -> None:
        super().__init__()
        self.link = link
        self.origin = uuid.uuid4().hex   # this process: its own events come back through Redis and are skipped
        self.on_catch_up: list[Callable[[], object]] = []   # e.g. presence writes its pages again

    def publish(self, event: Event) -> None:
        super().publish(event)
        message: dict = {'origin': self.origin, 'event': event.to_json()}
        if isinstance(event, MessageSent) and event.agent_view is not None:
            message['agent_view'] = _AGENT_VIEW.dump_python(event.agent_view, mode='json')
        payload = json.dumps(message)
        self.link.write(lambda r: r.publish(CHANNEL, payload))

    def catch_up(self) -> None:
        """Every page of this process reads again what it shows."""
        with_pages = tuple(self._handlers)
        if with_pages:
            super().publish(CatchUp(recipients=with_pages))

    async def listen(self, *, retry: float = 1.0) -> None:
        """Deliver other processes' events to this process's pages until cancelled; reconnects when Redis drops."""
        client = aioredis.Redis.from_url(self.link.url, health_check_interval=10, socket_connect_timeout=2)
        lost = False
        try:
            while True:
                try:
                    async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                        await pubsub.subscribe(CHANNEL)
                        if lost:
                            log.info('event bus: subscribed to Redis again; pages catch up')
                            for callback in self.on_catch_up:
                                callback()
                            self.catch_up()
                            lost = False
                        async for message in pubsub.listen():
                            self._receive(message.get('data'))
                except (redis.RedisError, OSError) as problem:
                    if not lost:
                        log.warning('event bus: Redis subscription lost (%s); trying again every %s s', problem, retry)
                    lost = True
                    await asyncio.sleep(retry)
        finally:
            await client.aclose()

    def _receive(self, payload) -> None:
        try:
            message = json.loads(payload)
            if message.get('origin') == self.origin:
                return
            event = event_from_json(message['event'])
            if isinstance(event, MessageSent) and message.get('agent_view') is not None:
                event = replace(event, agent_view=_AGENT_VIEW.validate_python(message['agent_view']))
        except (TypeError, ValueError, KeyError, ValidationError):
            log.warning('event bus: ignoring a message that is not an event: %.200r', payload)
            return
        super().publish(event)
