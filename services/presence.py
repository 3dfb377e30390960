"""Who is connected right now, through which pages. Per process, in memory.

A page is added when its client connects and removed when the client is deleted (after the
reconnect grace), not on every short disconnect. For a customer's live-chat page it also
knows which conversation is open and whether the tab is on screen: routing asks
`customer_view(...)` to decide between "delivered live" and waiting for the email fallback, and a send
asks `viewers(...)` which agents read the message as it arrives (no unread count, no notice to clear).
"""
from dataclasses import dataclass
import itertools
import threading


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

    def is_online(self, user_id: int) -> bool:
        with self._lock:
            return any(p.user_id == user_id for p in self._pages.values())

    def online_ids(self) -> frozenset[int]:
        with self._lock:
            return frozenset(p.user_id for p in self._pages.values())

    def agents_online(self) -> int:
        """How many agents have Parley open (the live chat says so when nobody is)."""
        with self._lock:
            return len({p.user_id for p in self._pages.values() if p.is_agent})

    def viewers(self, conversation_id: int) -> frozenset[int]:
        """Agents with this conversation open in a tab on screen: a message there is read as it arrives."""
        with self._lock:
            return frozenset(p.user_id for p in self._pages.values()
                             if p.is_agent and p.visible and p.conversation_id == conversation_id)

    def customer_view(self, customer_id: int, conversation_id: int) -> str | None:
        """'visible' if the customer has this conversation on screen, 'hidden' if open in a background tab."""
        with self._lock:
            states = {p.visible for p in self._pages.values()
                      if p.user_id == customer_id and p.conversation_id == conversation_id and not p.is_agent}
        if True in states:
            return 'visible'
        return 'hidden' if states else None
