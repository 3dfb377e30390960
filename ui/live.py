"""Bridge from the event bus to one open page.

A page subscribes for its signed-in user; each event runs the page's handler inside that
page's own client, on the event loop, in publish order. The subscription ends when the
client is deleted (after NiceGUI's reconnect grace), not on every short disconnect.
"""
from collections.abc import Callable
import asyncio
import base64
import contextvars
import inspect
import json
import logging
import threading
import uuid
import weakref

from nicegui import Client, background_tasks, context
from nicegui.element import Element
from nicegui.elements.mixins.value_element import ValueElement

from services.errors import SignedOut
from services.events import Event, EventBus
from ui.internals import goes_out_whole, send_script, set_quietly

log = logging.getLogger(__name__)


def subscribe(bus: EventBus, user_id: int, handler: Callable[[Event], object]) -> None:
    """Run handler(event) in the current page for every event addressed to user_id."""
    client = context.client
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()
    # The handler runs in this page's context (its request, so app.storage.user is this browser's), not in
    # the publisher's: call_soon would otherwise copy whatever page or thread published the event.
    page_context = contextvars.copy_context()

    def run(event: Event) -> None:
        if client.id not in client.instances:
            return
        try:
            with client:
                result = handler(event)
                if inspect.isawaitable(result):
                    background_tasks.create(result, name=f'live-{type(event).__name__}', context=client)
            flush(client)   # what the handler changed goes out in one message, without waiting a turn
        except SignedOut:   # deactivated meanwhile: this page ends (its SessionsEnded may come after this event)
            go_to_sign_in(client)
        except Exception:
            log.exception('live update failed on %s', client.page.path if client.page else '?')

    def deliver(event: Event) -> None:
        # Publishers are mostly another page's handler, on this loop: queue it (no wake-up needed). A worker
        # thread (email, inbound mail) hops onto the loop.
        if threading.get_ident() == loop_thread:
            loop.call_soon(run, event, context=page_context.copy())
        else:
            loop.call_soon_threadsafe(run, event, context=page_context.copy())

    client.on_delete(bus.subscribe(user_id, deliver))


_leaving: 'weakref.WeakSet[Client]' = weakref.WeakSet()

# Once per page: several updates can end it at once (a list refresh meeting SignedOut, then SessionsEnded),
# and a second navigation started while the first loads aborts the first.
LEAVE_SCRIPT = 'if (!window.parleyLeaving) { window.parleyLeaving = true; window.location.href = "/login"; }'


def go_to_sign_in(client: Client) -> None:
    """The page's agent is signed out or may no longer act (deactivated): send the page to sign-in, once."""
    if client in _leaving or client.is_deleted:
        return
    _leaving.add(client)
    with client:
        client.run_javascript(LEAVE_SCRIPT)


_shared: 'weakref.WeakKeyDictionary[Event, object]' = weakref.WeakKeyDictionary()


def shared(event: Event, load: Callable[[], object]) -> object:
    """What load() returns, read once per event: every page the event reaches gets the same result.

    For what is the same for all of them (a message as agents see it); the bus only routes an event to
    the people it concerns, so the first page's read stands for the others.
    """
    if event not in _shared:
        _shared[event] = load()
    return _shared[event]


class Soon:
    """Run `action` once in this page, `delay` seconds after a call: a burst of calls meanwhile runs it once."""

    def __init__(self, delay: float, action: Callable[[], object], name: str) -> None:
        self.delay, self.action, self.name = delay, action, name
        self.pending = False

    def __call__(self) -> None:
        if self.pending:
            return
        self.pending = True
        client = context.client

        async def later() -> None:
            await asyncio.sleep(self.delay)
            self.pending = False
            if not client.is_deleted:   # the page may have closed meanwhile
                try:
                    with client:
                        self.action()
                except SignedOut:
                    go_to_sign_in(client)
                    return
                flush(client)   # e.g. the list rows it changed, at once
        background_tasks.create(later(), name=self.name)


_calls: dict[str, tuple[Client, list[str]]] = {}
_DECODE = 'JSON.parse(new TextDecoder().decode(Uint8Array.from(atob("{}"), (c) => c.charCodeAt(0))))'


def call(element: Element, method: str, *args) -> None:
    """Run `method(*args)` of `element` in the browser; the calls a page makes in one go reach it as one message.

    One message is one frame for the browser to draw: a new message and its row in the list show together
    (as two messages, NiceGUI's update and a run_method, they came a few milliseconds apart and the browser
    drew twice). The calls go out when the page's event handler returns (`flush`), or else on the loop's
    next turn. Skipped when the element goes out whole in this same go anyway (it was just created).
    The methods must be safe to run twice: after a reconnect NiceGUI may send a message again.
    The arguments (message bodies, names: user text) travel base64-encoded, so the script holds only the
    alphabet A-Z a-z 0-9 + / = where they are: user text never is script, whatever it contains.
    """
    client = element.client
    if client.is_deleted or goes_out_whole(element):
        return
    _queue(client, f'runMethod({element.id}, {json.dumps(method)}, {_encoded(args)})')


def run(function: str, *args) -> None:
    """Run the page's global `function(*args)` in the current page's browser, queued and encoded as call() is."""
    _queue(context.client, f'{function}(...{_encoded(args)})')


def _encoded(args: tuple) -> str:
    return _DECODE.format(base64.b64encode(json.dumps(args).encode()).decode())


def _queue(client: Client, code: str) -> None:
    if client.is_deleted:
        return
    if client.id in _calls:
        _calls[client.id][1].append(code)
    else:
        _calls[client.id] = (client, [code])
        asyncio.get_running_loop().call_soon(flush, client)


def flush(client: Client | None = None) -> None:
    """Send the calls this page (default: the current one) has made so far, as one message, now.

    Straight into the page's outbox, as NiceGUI's own run_javascript does a moment later: each hop through
    the event loop costs a turn, and on a busy server a turn is tens of milliseconds.
    """
    client = client or context.client
    _, calls = _calls.pop(client.id, (None, None))
    if calls and not client.is_deleted:
        send_script(client, ';\n'.join(calls))


# Static script (in every page's head, ui/theme.py): put `next` in place of `old` at the start of a text field,
# keeping what was typed after it. `nonce` makes it run once: NiceGUI may send a message again after a reconnect.
REPLACE_SCRIPT = '''<script>
window.parleyReplace = (id, nonce, old, next) => {
  const el = document.getElementById(id);
  const box = el && (["INPUT", "TEXTAREA"].includes(el.tagName) ? el : el.querySelector("input, textarea"));
  if (!box || box.dataset.replaced === nonce || !box.value.startsWith(old)) return;
  box.dataset.replaced = nonce;
  box.value = next + box.value.slice(old.length);
  box.dispatchEvent(new Event("input", {bubbles: true}));
};
</script>'''


def replace_start(field: ValueElement, new: str) -> None:
    """Put `new` in place of what the server knows of a text field, keeping what the person typed since.

    For a field the server rewrites as the person types (a picked @name, a search turned into a chip): a value
    set by the server reaches the browser a round trip later and would overwrite the keys pressed meanwhile.
    The browser does the replacing (parleyReplace); the server's copy changes without an update.
    """
    old = field.value or ''
    run('window.parleyReplace', f'c{field.id}', uuid.uuid4().hex, old, new)
    set_quietly(field, new)
