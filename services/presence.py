"""Who is connected right now, and through how many pages. Per process, in memory.

A page is added when its client connects and removed when the client is deleted (after the
reconnect grace), not on every short disconnect.
"""
from collections import defaultdict
import threading


class Presence:
    def __init__(self) -> None:
        self._pages: dict[int, set[str]] = defaultdict(set)
        self._lock = threading.Lock()

    def page_opened(self, user_id: int, page_id: str) -> None:
        with self._lock:
            self._pages[user_id].add(page_id)

    def page_closed(self, user_id: int, page_id: str) -> None:
        with self._lock:
            pages = self._pages.get(user_id)
            if pages is not None:
                pages.discard(page_id)
                if not pages:
                    del self._pages[user_id]

    def is_online(self, user_id: int) -> bool:
        with self._lock:
            return user_id in self._pages

    def online_ids(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._pages)
