"""The bell in real browsers: a customer's reply in one browser lights up an agent's bell in another."""
import re

from playwright.async_api import Browser, expect

from tests.conftest import cid
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.test_direct_conversations import LIVE


async def test_the_bell_lights_up_live_when_a_customer_replies(new_person, browser: Browser, server, server_parley):
    parley = server_parley
    alice = parley.auth.authenticate('alice@example.com', DEMO_PASSWORD)
    susan = parley.auth.authenticate('susan@example.com', DEMO_PASSWORD)
    [customer] = parley.directory.search_customers(alice, 'customer@example.com')
    conversation = parley.conversations.create_conversation(
        alice, participant_ids=[customer.id, susan.id], subject='Paper jam', body='Is the jam cleared?',
        client_id=cid())
    parley.notifications.mark_all_read(susan)   # start from an empty bell

    page = await new_person('susan@example.com')
    bell = page.get_by_role('button', name=re.compile('^Notifications'))
    await expect(bell).to_have_accessible_name('Notifications')

    # The customer, in another browser, answers on the live chat (from the link in their email).
    link = parley.chat.link(customer.id, conversation.id)
    context = await browser.new_context(viewport={'width': 390, 'height': 740})
    chat = await context.new_page()
    await chat.goto(server + link[link.index('/chat'):])
    await expect(chat.get_by_text('Is the jam cleared?')).to_be_visible(timeout=LIVE)
    await chat.get_by_role('textbox', name='Message').fill('Yes, printing again.')
    await chat.keyboard.press('Enter')

    await expect(bell).to_have_accessible_name('Notifications, 1 unread', timeout=LIVE)
    await expect(page.get_by_text('Sample Customer replied: Paper jam: Yes, printing again.')).to_be_visible()
    # The pop-up's Dismiss is drawn in a colour of its own (not the pop-up's), and closes it.
    popup = page.locator('.q-notification').filter(has_text='Sample Customer replied')
    dismiss = popup.get_by_role('button', name='Dismiss')
    text, background = await dismiss.evaluate(
        '(b) => [getComputedStyle(b).color, getComputedStyle(b.closest(".q-notification")).backgroundColor]')
    assert text != background
    await dismiss.click()
    await expect(popup).to_have_count(0)
    await bell.click()
    item = page.get_by_role('listitem').filter(has_text='Sample Customer replied: Paper jam')
    await expect(item).to_be_visible()
    await item.click()
    await page.wait_for_url(f'**/messenger/{conversation.id}')
    await expect(page.get_by_role('log', name='Messages').get_by_text('Yes, printing again.')).to_be_visible()
    await expect(bell).to_have_accessible_name('Notifications', timeout=LIVE)
    await context.close()
