"""Rate limits on the `limits` library: a moving window per key. In memory for one Parley process; several processes
share a storage (a Redis one comes with the PostgreSQL + Redis issue). Thread-safe."""
from datetime import timedelta
import math
import time

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from services.errors import Throttled
from services.i18n import N_, duration

# What a throttled sign-in says, by what was throttled.
THROTTLED = {'this email': N_('Too many failed sign-ins for this email. Try again in {wait}.'),
             'this network': N_('Too many failed sign-ins from this network. Try again in {wait}.')}


class RateLimit:
    """At most `limit` events per key within `window` (a moving window)."""

    def __init__(self, limit: int, window: timedelta, *, name: str, storage: Storage | None = None) -> None:
        self.name, self.window = name, window
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())
        self.limit = limit

    @property
    def limit(self) -> int:
        return self._item.amount

    @limit.setter
    def limit(self, value: int) -> None:
        self._item = RateLimitItemPerSecond(value, max(1, int(self.window.total_seconds())))

    def allow(self, key: str) -> bool:
        """Count one event for key: False (and not counted) when the key is at its limit."""
        return self._limiter.hit(self._item, self.name, key)

    def full(self, key: str) -> bool:
        """Whether the key is at its limit now (the next event would be refused)."""
        return not self._limiter.test(self._item, self.name, key)

    def seconds_left(self, key: str) -> float:
        """How long until the key may have an event again (0 when it may now)."""
        return max(0.0, self._limiter.get_window_stats(self._item, self.name, key).reset_time - time.time()) \
            if self.full(key) else 0.0

    def clear(self, key: str) -> None:
        self._limiter.clear(self._item, self.name, key)


class LoginThrottle:
    """After `limit` failed sign-ins for one key (an email, a network address) within `window` seconds, that key
    is refused for `lockout` seconds, with a message saying how long."""

    def __init__(self, *, limit: int = 5, window: float = 900, lockout: float = 300, what: str = 'this email',
                 storage: Storage | None = None) -> None:
        self.what = what
        self.message = THROTTLED[what]
        self.failures = RateLimit(limit, timedelta(seconds=window), name=f'sign-in failures {what}', storage=storage)
        self.locks = RateLimit(1, timedelta(seconds=lockout), name=f'sign-in lockout {what}', storage=storage)

    @property
    def limit(self) -> int:
        return self.failures.limit

    @limit.setter
    def limit(self, value: int) -> None:
        self.failures.limit = value

    def check(self, key: str) -> None:
        """Throttled while the key is locked out."""
        remaining = self.locks.seconds_left(key)
        if remaining > 0:
            minutes = max(1, math.ceil(remaining / 60))
            raise Throttled(self.message, wait=lambda: duration(timedelta(minutes=minutes)))

    def failed(self, key: str) -> None:
        self.failures.allow(key)
        if self.failures.full(key):   # the limit-th failure in the window: locked out, and counting starts again
            self.locks.allow(key)
            self.failures.clear(key)

    def succeeded(self, key: str) -> None:
        self.failures.clear(key)
