"""One process's connection to Redis (several processes): reads now, writes in order on a thread of their own.

The event bus and presence share it. A write (a publish, a page's presence) never waits on the event loop: it is
queued and a single thread sends the queue in order. A read answers now, or with the caller's fallback when Redis
is away; either way a warning is logged once per outage, not once per call.
"""
from collections.abc import Callable
from typing import TypeVar
import logging
import queue
import threading
import time

import redis

log = logging.getLogger(__name__)

T = TypeVar('T')
Write = Callable[[redis.Redis], object]
MAX_WAITING = 10_000   # writes queued while Redis does not answer; beyond, new ones are dropped (see write())
RETRY_AFTER = 1.0   # seconds after a failure during which reads answer with the fallback without asking Redis


class RedisLink:
    def __init__(self, url: str, *, timeout: float = 1.0) -> None:
        self.url = url
        # Short timeouts: a read sits on the send path; a Redis that hangs must not hold a send for long.
        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                           health_check_interval=10, decode_responses=True)
        self._writes: queue.SimpleQueue[Write | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.healthy = True
        self._failed_at = 0.0
        self.dropped = 0

    def write(self, command: Write) -> None:
        """Queue command(client); commands run one at a time, in the order they were queued. While Redis does not
        answer they wait; past MAX_WAITING they are dropped (presence is written again by its heartbeat, and pages
        catch up when the bus subscribes again)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name='parley-redis-writes', daemon=True)
                self._thread.start()
        if self._writes.qsize() >= MAX_WAITING:
            self.dropped += 1
            return
        self._writes.put(command)

    def read(self, query: Callable[[redis.Redis], T], fallback: Callable[[], T]) -> T:
        """query(client), or fallback() when Redis cannot answer (at once for a second after a failure: a Redis
        that hangs costs a send one timeout, not one per question)."""
        if not self.healthy and time.monotonic() - self._failed_at < RETRY_AFTER:
            return fallback()
        try:
            result = query(self.client)
        except (redis.RedisError, OSError) as problem:
            self._lost(problem)
            return fallback()
        self._back()
        return result

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except (redis.RedisError, OSError):
            return False

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the writes queued so far are sent (or failed); False after `timeout` seconds."""
        done = threading.Event()
        self.write(lambda _client: done.set())
        return done.wait(timeout)

    def close(self) -> None:
        if self._thread is not None:
            self._writes.put(None)
            self._thread.join(timeout=2)
            self._thread = None
        self.client.close()

    def _run(self) -> None:
        while (command := self._writes.get()) is not None:
            try:
                command(self.client)
            except (redis.RedisError, OSError) as problem:
                self._lost(problem)   # the heartbeat writes presence again; a lost publish is caught up on
            except Exception:
                log.exception('a Redis write failed')
            else:
                self._back()

    def _lost(self, problem: Exception) -> None:
        self._failed_at = time.monotonic()
        if self.healthy:
            self.healthy = False
            log.warning('Redis at %s cannot be reached (%s); this process carries on with what it knows',
                        self.url, problem)

    def _back(self) -> None:
        if not self.healthy:
            self.healthy = True
            log.info('Redis at %s answers again', self.url)
