from services.events import LocalEventBus, MessageSent
from services.presence import Presence


def test_online_while_any_page_is_open():
    presence = Presence()
    presence.page_opened(1, 'tab-a')
    presence.page_opened(1, 'tab-b')
    presence.page_opened(1, 'tab-a')  # a reconnect of the same page
    presence.page_closed(1, 'tab-a')
    assert presence.is_online(1) and presence.online_ids() == {1}
    presence.page_closed(1, 'tab-b')
    presence.page_closed(1, 'tab-b')
    assert not presence.is_online(1) and presence.online_ids() == frozenset()


def test_unsubscribed_handlers_get_nothing_more():
    bus, got = LocalEventBus(), []
    unsubscribe = bus.subscribe(7, got.append)
    event = MessageSent(recipients=(7, 7), conversation_id=1, message_id=1, author_id=2)
    bus.publish(event)
    unsubscribe()
    unsubscribe()
    bus.publish(event)
    assert got == [event], 'once per recipient, and nothing after unsubscribing'
