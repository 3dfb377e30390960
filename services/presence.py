"""Who is connected right now, through which pages: per process in memory, or across processes in Redis.

A page is added when its client connects and removed when the client is deleted (after the
reconnect grace), not on every short disconnect. For a customer's live-chat page it also
knows which conversation is open and whether the tab is on screen: routing asks
`customer_view(...)` to decide between "delivered live" and waiting for the email fallback, and a send
asks `viewers(...)` which agents read the message as it arrives (no unread count, no notice to clear).
"""
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
import itertools
import json
import threading
import time

from services.redislink import RedisLink


@dataclass
class _Page:
    user_id: int
    is_agent: bool
    conversation_id: int | None
    visible: bool


class Presence:
    def __init__(self) -> None:
        self._pages: dict[str, _Page] = {}
        self._focus: dict[str, tuple[int, int]] = {}   # agent page -> (user id, when it was last focused)
        self._ticks = itertools.count(1)
        self._lock = threading.Lock()

    def page_opened(self, user_id: int, page_id: str, *, is_agent: bool = True,
                    conversation_id: int | None = None, visible: bool = True) -> None:
        """A page connected (again: a reconnect of the same page replaces its entry)."""
        with self._lock:
            self._pages[page_id] = _Page(user_id, is_agent, conversation_id, visible)

    def page_changed(self, page_id: str, *, visible: bool | None = None,
                     conversation_id: int | None = None) -> None:
        """The tab was hidden or shown, or the page opened another conversation."""
        with self._lock:
            page = self._pages.get(page_id)
            if page is None:
                return
            if visible is not None:
                page.visible = visible
            if conversation_id is not None:
                page.conversation_id = conversation_id

    def page_closed(self, page_id: str) -> None:
        with self._lock:
            self._pages.pop(page_id, None)

    def page_focused(self, user_id: int, page_id: str) -> None:
        """An agent page was opened or got the focus: it is the one that pops up and chimes."""
        with self._lock:
            self._focus[page_id] = (user_id, next(self._ticks))

    def page_unfocusable(self, page_id: str) -> None:
        """The page is gone: the agent's previously focused page takes over."""
        with self._lock:
            self._focus.pop(page_id, None)

    def focused_page(self, user_id: int) -> str | None:
        """The agent's page focused last (one pop-up and one sound per agent, however many tabs)."""
        with self._lock:
            pages = [(tick, page_id) for page_id, (owner, tick) in self._focus.items() if owner == user_id]
        return max(pages)[1] if pages else None

    def _matching(self, index: str, keep: Callable[[_Page], bool]) -> list[_Page]:
        """The open pages `keep` takes; `index` names the Redis set they are in (RedisPresence asks every process)."""
        with self._lock:
            return [p for p in self._pages.values() if keep(p)]

    def is_online(self, user_id: int) -> bool:
        return bool(self._matching(f'user:{user_id}', lambda p: p.user_id == user_id))

    def online_ids(self) -> frozenset[int]:
        return frozenset(p.user_id for p in self._matching('pages', lambda p: True))

    def agents_online(self) -> int:
        """How many agents have Parley open (the live chat says so when nobody is)."""
        return len({p.user_id for p in self._matching('pages', lambda p: p.is_agent)})

    def viewers(self, conversation_id: int) -> frozenset[int]:
        """Agents with this conversation open in a tab on screen: a message there is read as it arrives."""
        return frozenset(p.user_id for p in self._matching(
            f'conversation:{conversation_id}',
            lambda p: p.is_agent and p.visible and p.conversation_id == conversation_id))

    def customer_view(self, customer_id: int, conversation_id: int) -> str | None:
        """'visible' if the customer has this conversation on screen, 'hidden' if open in a background tab."""
        states = {p.visible for p in self._matching(
            f'user:{customer_id}',
            lambda p: p.user_id == customer_id and p.conversation_id == conversation_id and not p.is_agent)}
        if True in states:
            return 'visible'
        return 'hidden' if states else None


# The live pages among the members of an index set (KEYS[1]): each member is a page id whose key (ARGV[1] .. id)
# holds its JSON; a member whose key expired (its process died, or closed it while Redis was away) is dropped.
_LIVE = '''
local found = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local value = redis.call('GET', ARGV[1] .. id)
  if value then table.insert(found, value) else redis.call('SREM', KEYS[1], id) end
end
return found
'''

PREFIX = 'parley:presence:'


class RedisPresence(Presence):
    """Presence shared by several processes: a Redis key per page with a TTL, written again by a heartbeat.

    Each process keeps its own pages in memory (as Presence does) and mirrors them to Redis; questions are answered
    from Redis, so routing, "anyone online" and the focused tab see every process's pages. A process that dies stops
    its heartbeat and its pages expire after `ttl` seconds. When Redis cannot answer, this process's own pages
    answer (the fallback a single process has anyway), and they always count, even when Redis lost them (restarted
    empty) until the heartbeat writes them back.
    """

    def __init__(self, link: RedisLink, *, ttl: float = 20.0) -> None:
        super().__init__()
        self.link, self.ttl = link, ttl
        self._focused_at: dict[str, int] = {}
        self._live = link.client.register_script(_LIVE)

    # ----- writes: this process's pages, mirrored ------------------------------------------------

    def page_opened(self, user_id: int, page_id: str, *, is_agent: bool = True,
                    conversation_id: int | None = None, visible: bool = True) -> None:
        super().page_opened(user_id, page_id, is_agent=is_agent, conversation_id=conversation_id, visible=visible)
        self._mirror([page_id])

    def page_changed(self, page_id: str, *, visible: bool | None = None,
                     conversation_id: int | None = None) -> None:
        with self._lock:
            page = self._pages.get(page_id)
            before = page.conversation_id if page else None
        super().page_changed(page_id, visible=visible, conversation_id=conversation_id)
        if before is not None and conversation_id not in (None, before):
            self.link.write(lambda r: r.srem(f'{PREFIX}conversation:{before}', page_id))
        self._mirror([page_id])

    def page_closed(self, page_id: str) -> None:
        with self._lock:
            page = self._pages.get(page_id)
        super().page_closed(page_id)
        if page is not None:
            def forget(r) -> None:
                pipe = r.pipeline(transaction=False)
                pipe.delete(PREFIX + 'page:' + page_id)
                for index in (f'user:{page.user_id}', f'conversation:{page.conversation_id}', 'pages'):
                    pipe.srem(PREFIX + index, page_id)
                pipe.execute()
            self.link.write(forget)

    def page_focused(self, user_id: int, page_id: str) -> None:
        super().page_focused(user_id, page_id)
        with self._lock:   # focus order across processes: wall-clock time of the focus
            self._focused_at[page_id] = time.time_ns()
        self._mirror_focus([page_id])

    def page_unfocusable(self, page_id: str) -> None:
        with self._lock:
            owner = self._focus.get(page_id)
            self._focused_at.pop(page_id, None)
        super().page_unfocusable(page_id)
        if owner is not None:
            def forget(r) -> None:
                pipe = r.pipeline(transaction=False)
                pipe.delete(PREFIX + 'focus:' + page_id)
                pipe.srem(f'{PREFIX}focus-user:{owner[0]}', page_id)
                pipe.execute()
            self.link.write(forget)

    def heartbeat(self) -> None:
        """Write every page of this process again with a fresh TTL (run_background calls it every ttl/4 seconds)."""
        with self._lock:
            pages, focused = list(self._pages), list(self._focus)
        self._mirror(pages)
        self._mirror_focus(focused)

    def _mirror(self, page_ids: Iterable[str]) -> None:
        with self._lock:
            pages = {i: asdict(p) | {'id': i} for i in page_ids if (p := self._pages.get(i)) is not None}
        if not pages:
            return
        ttl = int(self.ttl * 1000)

        def write(r) -> None:
            pipe = r.pipeline(transaction=False)
            for page_id, page in pages.items():
                pipe.set(PREFIX + 'page:' + page_id, json.dumps(page), px=ttl)
                pipe.sadd(f'{PREFIX}user:{page["user_id"]}', page_id)
                pipe.sadd(f'{PREFIX}conversation:{page["conversation_id"]}', page_id)
                pipe.sadd(PREFIX + 'pages', page_id)
            pipe.execute()
        self.link.write(write)

    def _mirror_focus(self, page_ids: Iterable[str]) -> None:
        with self._lock:
            stamped = {i: {'id': i, 'user_id': self._focus[i][0], 'at': self._focused_at[i]}
                       for i in page_ids if i in self._focus and i in self._focused_at}
        if not stamped:
            return
        ttl = int(self.ttl * 1000)

        def write(r) -> None:
            pipe = r.pipeline(transaction=False)
            for page_id, entry in stamped.items():
                pipe.set(PREFIX + 'focus:' + page_id, json.dumps(entry), px=ttl)
                pipe.sadd(f'{PREFIX}focus-user:{entry["user_id"]}', page_id)
            pipe.execute()
        self.link.write(write)

    # ----- reads: every process's pages --------------------------------------------------------

    def _pages_in(self, index: str) -> list[dict] | None:
        """The live pages in an index set, from Redis; None when Redis cannot answer."""
        return self._read(PREFIX + index, PREFIX + 'page:')

    def _read(self, index: str, prefix: str) -> list[dict] | None:
        none: Callable[[], list[dict] | None] = lambda: None   # noqa: E731
        return self.link.read(lambda r: [json.loads(v) for v in self._live(keys=[index], args=[prefix])], none)

    def focused_page(self, user_id: int) -> str | None:
        found = self._read(f'{PREFIX}focus-user:{user_id}', PREFIX + 'focus:')
        if found is None:
            return super().focused_page(user_id)
        return max(found, key=lambda e: e['at'])['id'] if found else None

    def _matching(self, index: str, keep: Callable[[_Page], bool]) -> list[_Page]:
        """Every process's pages in the index set that `keep` takes, this process's own always among them: Redis may
        have lost them (restarted empty) until the next heartbeat writes them back."""
        found = {}
        for page in self._pages_in(index) or ():   # None: Redis cannot answer
            candidate = _Page(page['user_id'], page['is_agent'], page['conversation_id'], page['visible'])
            if keep(candidate):
                found[page['id']] = candidate
        with self._lock:
            found.update((i, p) for i, p in self._pages.items() if keep(p))
        return list(found.values())
