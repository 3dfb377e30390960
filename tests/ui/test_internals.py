"""What ui/internals.py takes from NiceGUI beyond its public API is still there, as it expects it.

A failure here names the piece that a NiceGUI upgrade changed; mend ui/internals.py (and only it).
"""
import inspect
from pathlib import Path

import nicegui
from nicegui.elements.mixins.value_element import ValueElement
from nicegui.outbox import Outbox

TEMPLATE = (Path(nicegui.__file__).parent / 'templates' / 'index.html').read_text()


def test_the_outbox_still_lists_pending_updates_and_takes_messages():
    assert 'self.updates' in inspect.getsource(Outbox.__init__), 'Outbox.updates is gone: goes_out_whole()'
    parameters = list(inspect.signature(Outbox.enqueue_message).parameters)
    assert parameters == ['self', 'message_type', 'data', 'target_id'], f'enqueue_message{parameters}: send_script()'


def test_a_value_element_can_still_change_without_an_update():
    source = inspect.getsource(ValueElement)
    assert source.count('_send_update_on_value_change') >= 2, 'ValueElement no longer checks the flag: set_quietly()'


def test_the_page_template_still_has_the_connection_notice_and_the_layers_the_css_assumes():
    assert '<div id="popup" class="nicegui-error-popup"' in TEMPLATE, 'the connection-lost notice changed: ' \
                                                                       'CONNECTION_BANNER_CSS'
    layers = next(line for line in TEMPLATE.splitlines() if line.strip().startswith('@layer') and ',' in line)
    names = [n.strip(' ;') for n in layers.strip().removeprefix('@layer').split(',')]
    assert names.index('overrides') < names.index('quasar_importants'), f'layers are now {names}: FOCUS_RING_CSS'


def test_the_page_content_still_sits_in_the_div_content_css_unpads():
    from nicegui import client
    assert "classes('nicegui-content')" in inspect.getsource(client.Client), \
        "a page's content is no longer in a .nicegui-content div: CONTENT_CSS"


def test_nicegui_still_has_its_own_404_handler_for_its_resources():
    """ui/__init__.py answers NiceGUI's own resources and APIs with NiceGUI's 404 handler, Parley's pages with its
    own page: the handler must still be a coroutine taking (request, exception)."""
    import inspect

    from ui.internals import nicegui_not_found
    assert inspect.iscoroutinefunction(nicegui_not_found), 'nicegui.nicegui._exception_handler_404 changed'
    assert list(inspect.signature(nicegui_not_found).parameters) == ['request', 'exception'], \
        'nicegui.nicegui._exception_handler_404 takes other arguments now'


def test_elements_still_tell_the_element_filter_what_they_show_through_displayed_contents():
    """ui/internals.ShowsText overrides Element._displayed_contents(only_visible=...), the hook NiceGUI documents for
    elements whose text is drawn in the browser (the thread, the list rows); should_see relies on it."""
    import inspect

    from nicegui.element import Element
    assert hasattr(Element, '_displayed_contents'), 'nicegui.element.Element._displayed_contents is gone'
    assert 'only_visible' in inspect.signature(Element._displayed_contents).parameters, \
        'Element._displayed_contents takes other arguments now'


def test_nicegui_still_logs_a_lost_redis_session_listener_in_the_words_parley_quiets():
    import inspect
    import logging
    import sys
    from nicegui.persistence import redis_persistent_dict
    from ui.internals import REDIS_LISTENER_FAILED, quiet_redis_listener_errors
    assert f"f'{REDIS_LISTENER_FAILED}" in inspect.getsource(redis_persistent_dict), \
        'NiceGUI no longer says "Unexpected error in Redis listener for ...": check ui/internals.py'
    quiet_redis_listener_errors()
    import redis
    try:
        raise redis.ConnectionError('Connection refused')
    except redis.ConnectionError:
        record = logging.LogRecord('nicegui', logging.ERROR, __file__, 1,
                                   REDIS_LISTENER_FAILED + 'parley:session:user-1', None, sys.exc_info())
    for f in logging.getLogger('nicegui').filters:
        f.filter(record)
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage().startswith('session storage parley:session:user-1 lost its Redis subscription')
    assert record.getMessage().endswith('(Connection refused)')
    # A session storage's write or clean-up that times out says so in one line too; other errors keep their traceback.
    words = {}
    for problem, quieted in ((redis.TimeoutError('Timeout reading from socket'), True), (KeyError('x'), False)):
        try:
            raise problem
        except Exception:
            record = logging.LogRecord('nicegui', logging.ERROR, __file__, 1, str(problem), None, sys.exc_info())
        for f in logging.getLogger('nicegui').filters:
            f.filter(record)
        assert (record.levelno == logging.WARNING and record.exc_info is None) == quieted, problem
        words[type(problem)] = record.getMessage()
    assert words[redis.TimeoutError] == 'a session storage could not reach Redis (Timeout reading from socket)'
    assert words[KeyError] == "'x'"
