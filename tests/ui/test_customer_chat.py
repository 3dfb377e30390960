"""Customer conversations in the messenger, and the customer's live chat page (/chat)."""
from collections.abc import Callable
import re

import pytest
from nicegui import ui
from nicegui.testing import User

from tests.conftest import cid
from tests.ui.conftest import sign_in

BOOT = re.compile(r'/\*parley-chat-boot\*/')
OTHER_TAB = re.compile(r'/\*parley-chat-other-tab\*/')


@pytest.fixture
def customers(app_parley):
    d = app_parley.directory
    return {
        'sample': d.create_customer(name='Sample Customer', email='customer@example.com', organization='Sample Co'),
        'carlos': d.create_customer(name='Carlos Pereira', email='carlos@pereira.pt', organization='Lisbon Books'),
    }


def boot_with(user: User, fragment: str = '', saved: str | None = None, other_tab: str | None = None) -> None:
    """What the /chat page's start-up script finds in the browser: the address fragment and the tab's session;
    and what the pre-chat form finds when it looks for a chat another tab started since."""
    user.javascript_rules[BOOT] = lambda _match: {'hash': fragment, 'saved': saved}
    user.javascript_rules[OTHER_TAB] = lambda _match: other_tab


async def test_customer_draft_picks_by_organization_and_creates(user: User, people, customers, app_parley):
    await sign_in(user, 'alice@example.com')
    user.find('Add conversation').click()
    user.find(marker='new-customer-conversation').click()
    await user.should_see('New conversation with customer')
    user.find(marker='composer').type('Your books are on the way.')
    user.find(kind=ui.button, content='Create conversation').click()
    await user.should_see('Pick the customer this conversation is with.')
    user.find(kind=ui.input, content='Customer').type('lisbon')
    await user.should_see('Carlos Pereira')
    await user.should_not_see('Sample Customer')
    user.find(marker='person-carlos@pereira.pt').click()
    user.find(kind=ui.button, content='Create conversation').click()
    await user.should_see('Queued')                     # its delivery state, under the message
    await user.should_see('carlos@pereira.pt · Lisbon Books')
    [conversation] = app_parley.conversations.list_conversations(customers['carlos'])
    assert conversation.last_message_preview == 'Your books are on the way.'


async def test_add_customer_dialog_searches(user: User, people, customers):
    await sign_in(user, 'alice@example.com')
    user.find('Add conversation').click()
    user.find(marker='new-customer-conversation').click()
    await user.should_see('New conversation with customer')
    user.find(marker='customer-add').click()
    await user.should_see('Search customers')
    user.find('Search customers').type('nobody-like-this')
    await user.should_see('No matching customers')


async def test_internal_note_is_marked_and_kept_from_the_customer(user: User, people, customers, app_parley):
    conversation = app_parley.conversations.create_conversation(
        people['alice'], participant_ids=[customers['sample'].id], body='Hello from us', client_id=cid())
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{conversation.id}')
    await user.should_see('Hello from us')
    user.find(marker='mode').elements.pop().value = 'note'
    user.find(marker='composer').type('Refund approved by finance')
    user.find(marker='send').click()
    await user.should_see('Refund approved by finance')
    await user.should_see('Internal note')
    bodies = [m.body for m in app_parley.conversations.list_messages(customers['sample'], conversation.id)]
    assert bodies == ['Hello from us']


async def test_chat_link_opens_the_conversation_and_the_customer_replies(user: User, people, customers, app_parley):
    conversation = app_parley.conversations.create_conversation(
        people['alice'], participant_ids=[customers['sample'].id], body='Your toner ships today', client_id=cid())
    app_parley.conversations.send_message(people['alice'], conversation.id, body='VIP customer', client_id=cid(),
                                          note=True)
    link = app_parley.chat.link(customers['sample'].id, conversation.id)
    boot_with(user, link.split('#', 1)[1])
    await user.open('/chat')
    await user.should_see('Your toner ships today')
    await user.should_not_see('VIP customer')
    await user.should_not_see('alice@example.com')
    user.find(marker='composer').type('Thanks, when does it arrive?')
    user.find(marker='send').click()
    await user.should_see('Thanks, when does it arrive?')
    messages = app_parley.conversations.list_messages(people['alice'], conversation.id)
    assert messages[-1].body == 'Thanks, when does it arrive?' and messages[-1].author.id == customers['sample'].id
    assert [d.label for d in messages[0].deliveries] == ['Replied']


async def test_a_bad_link_says_so_and_offers_a_new_chat(user: User, people):
    boot_with(user, 't=forged.token')
    await user.open('/chat')
    await user.should_see('This chat link has expired or is not valid')
    await user.should_see('Start chat')
    await user.should_see('No one is online right now. Leave a message and we will answer by email.')


async def test_prechat_visitor_lands_in_unassigned_for_every_agent(user: User, create_user: Callable[[], User],
                                                                 people, app_parley):
    susan = create_user()
    await sign_in(susan, 'susan@example.com')
    boot_with(user)
    await user.open('/chat')
    await user.should_see('We are online')     # Susan has Parley open
    await user.should_see('Start chat')
    user.find('Your name').type('Dana Visitor')
    user.find('Your email').type('dana@example.org')
    user.find(marker='prechat-message').type('My printer prints blank pages')
    user.find(kind=ui.button, content='Start chat').click()
    await user.should_see('My printer prints blank pages')
    await susan.should_see('Waiting')
    # Susan's page pops up; the simulation hands every page's ui.notify to the User touched last, which may be
    # the visitor's (pop-ups in a browser of one's own: e2e test_notifications.py).
    popups = susan.notify.messages + user.notify.messages
    assert any(m.startswith('New live chat from Dana Visitor') for m in popups), popups
    [waiting] = app_parley.conversations.list_unassigned(people['alice'])
    assert waiting.title == 'Dana Visitor'


async def test_prechat_form_explains_bad_input_and_keeps_it(user: User, people):
    boot_with(user)
    await user.open('/chat')
    await user.should_see('Start chat')
    user.find('Your name').type('Dana')
    user.find('Your email').type('dana-at-example')
    user.find(marker='prechat-message').type('Hello?')
    user.find(kind=ui.button, content='Start chat').click()
    await user.should_see('Enter a valid email address')
    assert user.find(marker='prechat-message').elements.pop().value == 'Hello?'


async def test_agent_and_customer_see_each_other_live(user: User, create_user: Callable[[], User], people, customers,
                                                      app_parley):
    conversation = app_parley.conversations.create_conversation(
        people['alice'], participant_ids=[customers['sample'].id], body='How can I help?', client_id=cid())
    alice = create_user()
    await sign_in(alice, 'alice@example.com')
    await alice.open(f'/messenger/{conversation.id}')
    await alice.should_see('How can I help?')

    boot_with(user, app_parley.chat.link(customers['sample'].id, conversation.id).split('#', 1)[1])
    await user.open('/chat')
    await user.should_see('We are online')
    await alice.should_see('Seen')                        # the visible chat saw it, and Alice is told
    user.find(marker='composer').type('My order is late')
    user.find(marker='send').click()
    await alice.should_see('My order is late')

    alice.find(marker='composer').type('Checking right now')
    alice.find(marker='send').click()
    await user.should_see('Checking right now')
    await alice.should_see('Seen')
    app_parley.deliveries.clock = lambda: app_parley.conversations.clock() + app_parley.deliveries.window
    assert app_parley.deliveries.send_due() == 0, 'seen live: no email'


async def test_a_long_chat_opens_with_the_last_hundred_and_loads_earlier(user: User, people, customers, app_parley):
    conversation = app_parley.conversations.create_conversation(
        people['alice'], participant_ids=[customers['sample'].id], body='chat message 0', client_id=cid())
    for i in range(1, 130):
        app_parley.conversations.send_message(people['alice'], conversation.id, body=f'chat message {i}',
                                              client_id=cid())
    boot_with(user, app_parley.chat.link(customers['sample'].id, conversation.id).split('#', 1)[1])
    await user.open('/chat')
    await user.should_see('chat message 129')
    await user.should_see('chat message 30')
    await user.should_not_see('chat message 29')
    user.find('Load earlier messages').click()
    await user.should_see('chat message 0')
    await user.should_see('chat message 29')
    await user.should_not_see('Load earlier messages')
