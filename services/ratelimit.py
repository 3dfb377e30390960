"""A sliding-window rate limit, in memory (one Parley process), safe across threads."""
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime, timedelta
import threading


class RateLimit:
    """At most `limit` events per key within `window` (a sliding window, in memory, thread-safe)."""

    def __init__(self, limit: int, window: timedelta, clock: Callable[[], datetime]) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            times = self._seen[key]
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            if len(self._seen) > 10_000:  # forget idle senders
                for stale in [k for k, v in self._seen.items() if not v or v[-1] <= now - self.window]:
                    del self._seen[stale]
            return True
