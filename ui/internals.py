"""Where Parley leans on NiceGUI (3.18) beyond its public API: all of it here, nowhere else in ui/.

tests/ui/test_internals.py fails with a message naming the piece when a NiceGUI upgrade changes any of it.
"""
from collections.abc import Callable
import logging

import redis

from nicegui import Client
from nicegui.element import Element
from nicegui.elements.mixins.value_element import ValueElement
from nicegui.nicegui import _exception_handler_404 as nicegui_not_found  # noqa: F401  (NiceGUI's own 404 answer)


class ShowsText:
    """For an element that draws its text in the browser (a list row, a whole thread): what it shows as text, for
    NiceGUI's ElementFilter and so the user simulation's should_see. NiceGUI documents Element._displayed_contents
    as the hook to override for this; the override lives here. Subclasses say it in shown_text()."""

    shown_text: Callable[[], list]   # each subclass defines it

    def _displayed_contents(self, *, only_visible: bool) -> list:
        return self.shown_text()


def goes_out_whole(element: Element) -> bool:
    """Whether the element is sent to the browser whole in the page's next message (new or changed)."""
    return element.id in element.client.outbox.updates


def send_script(client: Client, code: str) -> None:
    """Put a script straight into the page's outbox, as run_javascript does a loop turn later."""
    client.outbox.enqueue_message('run_javascript', {'code': code}, client.id)


def set_quietly(field: ValueElement, value: str) -> None:
    """Change the server's copy of a field only, as NiceGUI does for a value from the browser."""
    field._send_update_on_value_change = False
    try:
        field.value = value
    finally:
        field._send_update_on_value_change = True


# The page's content area (NiceGUI's `.nicegui-content` div, padded by its nicegui.css): Parley's frame fills the
# window edge to edge.
CONTENT_CSS = '.nicegui-content { padding: 0; }\n'
# Keyboard focus that can be seen. Quasar's buttons carry `no-outline`, an !important rule in the layer NiceGUI's
# page template calls quasar_importants; an !important rule wins only from an earlier layer (overrides). Inside
# lists the ring is drawn inward, so a scrolling list does not clip it; text fields show focus by their border.
FOCUS_RING_CSS = '''
@layer overrides {
  a:focus-visible, button:focus-visible, .q-btn:focus-visible, .q-chip:focus-visible, [role=button]:focus-visible,
  [role=tab]:focus-visible, [role=menuitem]:focus-visible, [tabindex]:not(input):not(textarea):focus-visible {
    outline: 2px solid #4f46e5 !important; outline-offset: 2px; }
  .q-item:focus-visible, [role=option]:focus-visible, [role=menuitem]:focus-visible { outline-offset: -2px; }
}
'''
# NiceGUI's "Connection lost. Trying to reconnect..." (#popup in its page template) as a slim banner at the top,
# never over the message box and what is being typed (tests/e2e/test_keyboard.py checks where it is).
CONNECTION_BANNER_CSS = '''
#popup.nicegui-error-popup { top: 8px; bottom: auto; left: 50%; right: auto; transform: translateX(-50%);
  margin: 0; padding: 6px 14px; flex-direction: row; flex-wrap: wrap; justify-content: center; gap: 0.35em;
  font-size: 13px; line-height: 1.3; border-radius: 9999px; background: #fffbeb; color: #92400e;
  border-color: #fcd34d; max-width: calc(100vw - 16px); width: max-content; }
#popup.nicegui-error-popup > span:first-child::before { position: static; margin-right: 0.35em; }
'''


# NiceGUI's Redis session storage listens for other processes' changes to a session; when Redis drops (a restart),
# that listener logs the error with a traceback and ends (NiceGUI 3.18 does not reconnect it), and its clean-up fails
# the same way. Parley says so in one warning per session instead: the session data stays in the process, is written
# to Redis again on its next change, and a session loaded afresh listens anew. Matched on NiceGUI's wording for the
# listener (tests/ui/test_internals.py checks it is there) and on Redis's errors (refused, reset, timed out) for the
# rest.
REDIS_LISTENER_FAILED = 'Unexpected error in Redis listener for '


class _RedisListenerLost:
    def filter(self, record) -> bool:
        problem = record.exc_info[1] if record.exc_info else None
        if problem is None or record.levelno < logging.ERROR:
            return True
        message = record.getMessage()
        listener = message.startswith(REDIS_LISTENER_FAILED)   # whatever ended it, the listener is gone
        if not listener and not isinstance(problem, redis.RedisError):
            return True
        if listener:
            message = (f'session storage {message[len(REDIS_LISTENER_FAILED):]} lost its Redis subscription; it no '
                       'longer hears changes made by other processes until the session is loaded again')
        elif message == str(problem):   # a storage's background write, unsubscribe or clean-up, logged bare
            message = 'a session storage could not reach Redis'
        record.levelno, record.levelname = logging.WARNING, 'WARNING'
        record.msg, record.args = f'{message} ({problem})', None
        record.exc_info = record.exc_text = None
        return True


def quiet_redis_listener_errors() -> None:
    """Install the filter above on NiceGUI's logger (several processes, Redis sessions)."""
    logger = logging.getLogger('nicegui')
    if not any(isinstance(f, _RedisListenerLost) for f in logger.filters):
        logger.addFilter(_RedisListenerLost())
