"""Keyboard and connection comfort in real browsers: focus where typing goes, menus by arrow keys, a focus ring
that can be seen, and a dropped connection that never hides the message box."""
import re


from playwright.async_api import Browser, expect

from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.test_customer_chat import start_chat
from tests.e2e.test_direct_conversations import LIVE, conversation_between, conversations, thread


async def test_opening_a_conversation_from_the_list_with_enter_puts_the_typing_in_the_message_box(
        new_person, server_parley):
    _, _, conversation = conversation_between(server_parley, 'susan', 'mike', 'Where do we keep the toner?')
    mike = await new_person('mike@example.com')
    row = conversations(mike).get_by_role('listitem').filter(has_text='Where do we keep the toner?')
    await row.focus()
    await mike.keyboard.press('Enter')
    await mike.wait_for_url(f'**/messenger/{conversation.id}')
    await expect(mike.get_by_role('textbox', name='Message')).to_be_focused()
    # a text field shows its focus by its own border, never with a second ring inside it
    assert await mike.get_by_role('textbox', name='Message').evaluate('e => getComputedStyle(e).outlineStyle') \
        == 'none'
    await mike.keyboard.type('Second shelf')
    await mike.keyboard.press('Enter')
    await expect(thread(mike).get_by_text('Second shelf')).to_be_visible(timeout=LIVE)


async def test_the_add_conversation_menu_works_with_the_arrow_keys_and_shows_where_the_focus_is(new_person):
    alice = await new_person('alice@example.com')
    add = alice.get_by_role('button', name='Add conversation')
    await add.focus()
    await alice.keyboard.press('Enter')
    user_item = alice.get_by_role('menuitem', name='Conversation with user')
    customer_item = alice.get_by_role('menuitem', name='Conversation with customer')
    await expect(user_item).to_be_visible()
    await alice.keyboard.press('ArrowDown')
    await expect(user_item).to_be_focused()
    await alice.keyboard.press('ArrowDown')
    await expect(customer_item).to_be_focused()
    ring = await customer_item.evaluate('e => { const s = getComputedStyle(e); '
                                        'return [s.outlineStyle, s.outlineWidth, s.outlineColor] }')
    assert ring == ['solid', '2px', 'rgb(79, 70, 229)'], ring
    await alice.keyboard.press('ArrowDown')   # round again to the first
    await expect(user_item).to_be_focused()
    await alice.keyboard.press('ArrowUp')
    await expect(customer_item).to_be_focused()
    await alice.keyboard.press('Enter')
    await alice.wait_for_url('**/messenger/draft')
    await expect(alice.get_by_role('heading', name='New conversation with customer')).to_be_visible()
    await alice.get_by_role('button', name='Discard draft').click()
    await alice.wait_for_url(re.compile(r'.*/messenger$'))
    await expect(add).to_be_visible()
    await alice.get_by_role('navigation', name='Main').get_by_role('link', name='Tickets').focus()
    await alice.keyboard.press('Shift+Tab')   # a plain button or link reached by the keyboard: the same ring
    focused = await alice.evaluate('() => { const s = getComputedStyle(document.activeElement); '
                                   'return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth] }')
    assert focused[1:] == ['solid', '2px'], focused


async def test_a_dropped_connection_in_the_live_chat_leaves_the_message_box_in_view(browser: Browser, server):
    context = await browser.new_context(base_url=server, viewport={'width': 390, 'height': 700})
    chat = await context.new_page()
    await chat.goto('/chat')
    await start_chat(chat, 'Olga Offline', 'olga@example.org', 'Is the shop open on Sunday?')
    box = chat.get_by_role('textbox', name='Message')
    await expect(box).to_be_visible(timeout=LIVE)
    await chat.wait_for_function('window.did_handshake === true')
    await box.fill('And on holidays')
    await context.set_offline(True)
    notice = chat.locator('#popup')
    await expect(notice).to_have_attribute('aria-hidden', 'false', timeout=LIVE * 2)
    await expect(notice).to_be_visible(timeout=LIVE)   # shown after NiceGUI's 2 s grace
    shown, typed = await notice.bounding_box(), await box.bounding_box()
    assert shown['y'] + shown['height'] <= typed['y'], (shown, typed)   # above the box, not over it
    assert shown['x'] >= 0 and shown['x'] + shown['width'] <= 390
    await expect(box).to_have_value('And on holidays')
    await context.set_offline(False)
    await expect(notice).to_be_hidden(timeout=LIVE * 4)
    await box.press('Enter')
    await expect(chat.get_by_role('log', name='Messages').get_by_text('And on holidays')).to_be_visible(timeout=LIVE)
    await context.close()


async def test_a_second_tab_continues_the_same_live_chat(browser: Browser, server, server_parley):
    context = await browser.new_context(base_url=server)
    first, early = await context.new_page(), await context.new_page()
    await early.goto('/chat')   # opened before the chat starts: its form is already on screen
    await expect(early.get_by_label('Your name')).to_be_visible(timeout=LIVE)
    await first.goto('/chat')
    await start_chat(first, 'Tomas Tabs', 'tomas@example.org', 'My order has not arrived.')
    await expect(first.get_by_role('log', name='Messages').get_by_text('My order has not arrived.')) \
        .to_be_visible(timeout=LIVE)

    second = await context.new_page()
    await second.goto('/chat')
    messages = second.get_by_role('log', name='Messages')
    await expect(messages.get_by_text('My order has not arrived.')).to_be_visible(timeout=LIVE)
    await expect(second.get_by_label('Your name')).to_have_count(0)

    await start_chat(early, 'Tomas Tabs', 'tomas@example.org', 'Order number 1234.')
    await expect(early.get_by_role('log', name='Messages').get_by_text('My order has not arrived.')) \
        .to_be_visible(timeout=LIVE)
    await expect(messages.get_by_text('Order number 1234.')).to_be_visible(timeout=LIVE)   # live in the other tab
    tomas = [c for c in server_parley.conversations.list_customer_conversations(
        server_parley.auth.authenticate('alice@example.com', DEMO_PASSWORD))
        if any(p.email == 'tomas@example.org' for p in c.participants)]
    assert len(tomas) == 1, 'one conversation, whatever the number of tabs'
    await context.close()
