from services.events import LocalEventBus, MessageSent
from services.presence import Presence


def test_online_while_any_page_is_open():
    presence = Presence()
    presence.page_opened(1, 'tab-a')
    presence.page_opened(1, 'tab-b')
    presence.page_opened(1, 'tab-a')  # a reconnect of the same page
    presence.page_closed('tab-a')
    assert presence.is_online(1) and presence.online_ids() == {1} and presence.agents_online() == 1
    presence.page_closed('tab-b')
    presence.page_closed('tab-b')
    assert not presence.is_online(1) and presence.online_ids() == frozenset() and presence.agents_online() == 0


def test_a_customer_page_knows_its_conversation_and_whether_it_is_on_screen():
    presence = Presence()
    presence.page_opened(5, 'chat-1', is_agent=False, conversation_id=10)
    assert presence.customer_view(5, 10) == 'visible' and presence.customer_view(5, 11) is None
    assert presence.agents_online() == 0, 'customers are not agents'
    presence.page_changed('chat-1', visible=False)
    assert presence.customer_view(5, 10) == 'hidden'
    presence.page_opened(5, 'chat-2', is_agent=False, conversation_id=10)   # a second tab, on screen
    assert presence.customer_view(5, 10) == 'visible'
    presence.page_closed('chat-2')
    presence.page_changed('chat-1', conversation_id=11, visible=True)
    assert presence.customer_view(5, 10) is None and presence.customer_view(5, 11) == 'visible'
    presence.page_changed('gone', visible=True)   # a page that already closed: nothing happens


def test_unsubscribed_handlers_get_nothing_more():
    bus, got = LocalEventBus(), []
    unsubscribe = bus.subscribe(7, got.append)
    event = MessageSent(recipients=(7, 7), conversation_id=1, message_id=1, author_id=2)
    bus.publish(event)
    unsubscribe()
    unsubscribe()
    bus.publish(event)
    assert got == [event], 'once per recipient, and nothing after unsubscribing'
