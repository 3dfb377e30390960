"""Everyday conversations in real browsers: close and reopen by a customer's reply, the list by keyboard."""
import re
import uuid

from playwright.async_api import Browser, expect

from tests.e2e.test_customer_chat import start_chat
from tests.e2e.test_direct_conversations import LIVE, conversation_between, conversations, thread


async def test_a_customer_reply_brings_a_closed_conversation_back_to_the_open_list_live(new_person, browser: Browser,
                                                                                       server):
    name = f'Closed Customer {uuid.uuid4().hex[:6]}'
    alice = await new_person('alice@example.com')
    context = await browser.new_context(viewport={'width': 390, 'height': 740})
    customer = await context.new_page()
    await customer.goto(f'{server}/chat')
    await start_chat(customer, name, f'{uuid.uuid4().hex[:8]}@example.org', 'Where is my parcel?')
    chat = customer.get_by_role('log', name='Messages')
    await expect(chat.get_by_text('Where is my parcel?')).to_be_visible(timeout=LIVE)

    row = conversations(alice).get_by_role('listitem').filter(has_text=name)
    await row.click()
    await alice.wait_for_url(re.compile(r'.*/messenger/\d+$'))
    await alice.get_by_role('textbox', name='Message').fill('It left our warehouse today.')
    await alice.keyboard.press('Enter')
    await expect(chat.get_by_text('It left our warehouse today.')).to_be_visible(timeout=LIVE)

    await alice.get_by_role('button', name='Close conversation').click()
    await alice.get_by_role('dialog').get_by_role('button', name='Close conversation').click()
    await expect(thread(alice).get_by_text('Alice Admin closed this conversation')).to_be_visible(timeout=LIVE)
    await expect(row).to_have_count(0, timeout=LIVE)   # gone from the Open list
    await expect(chat.get_by_text('closed')).to_have_count(0)   # the customer never sees the status

    await customer.get_by_role('textbox', name='Message').fill('Thanks! One more question.')
    await customer.keyboard.press('Enter')
    await expect(row).to_be_visible(timeout=LIVE)   # back in Alice's Open list, unprompted
    await expect(thread(alice).get_by_text(f"Reopened by {name}'s reply")).to_be_visible(timeout=LIVE)
    await expect(alice.get_by_role('button', name='Close conversation')).to_be_visible()
    await context.close()


async def test_j_and_k_move_through_the_list_enter_opens_escape_comes_back(new_person, server_parley):
    marker = uuid.uuid4().hex[:6]
    for n in (1, 2):
        conversation_between(server_parley, 'susan', 'john', f'Keyboard {marker} number {n}')
    john = await new_person('john@example.com')
    rows = conversations(john).get_by_role('listitem')
    newer, older = (rows.filter(has_text=f'Keyboard {marker} number {n}') for n in (2, 1))
    await john.get_by_role('heading', name='Conversations').click()
    await john.keyboard.press('j')   # from nowhere: the first row
    await expect(rows.first).to_be_focused()
    await newer.focus()
    await john.keyboard.press('j')
    await expect(older).to_be_focused()
    await john.keyboard.press('k')
    await expect(newer).to_be_focused()
    await john.keyboard.press('ArrowDown')
    await expect(older).to_be_focused()
    await john.keyboard.press('Enter')
    await john.wait_for_url(re.compile(r'.*/messenger/\d+$'))
    await expect(john.get_by_role('textbox', name='Message')).to_be_focused()
    await john.keyboard.press('Escape')
    await expect(older).to_be_focused()


async def test_susan_searches_a_word_from_an_old_message_and_lands_on_it(new_person, server_parley):
    word = f'zebra{uuid.uuid4().hex[:6]}'
    alice, _, conversation = conversation_between(server_parley, 'alice', 'susan', f'The {word} report')
    for n in range(80):   # the message is pages back
        server_parley.conversations.send_message(alice, conversation.id, body=f'Later news {n}',
                                                 client_id=uuid.uuid4().hex)
    susan = await new_person('susan@example.com')
    await susan.get_by_role('searchbox', name='Search').fill(word[:-2])
    results = susan.get_by_role('region', name='Search results')
    hit = results.get_by_role('link').filter(has_text=f'The {word[:-2]}')
    await expect(hit).to_be_visible(timeout=LIVE)
    await expect(susan.get_by_role('navigation', name='Conversations')).to_be_hidden()
    await susan.get_by_role('searchbox', name='Search').press('ArrowDown')
    await expect(results.get_by_role('link').first).to_be_focused()
    await hit.click()
    await susan.wait_for_url(re.compile(rf'.*/messenger/{conversation.id}\?m=\d+$'))
    found = thread(susan).get_by_text(f'The {word} report')
    await expect(found).to_be_in_viewport(timeout=LIVE)
    await expect(thread(susan).locator('.pm-found')).to_have_count(1)


async def test_alice_adds_mike_who_sees_the_history_live(new_person, server_parley):
    topic = f'Rota {uuid.uuid4().hex[:6]}'
    _, _, conversation = conversation_between(server_parley, 'alice', 'susan', f'{topic}: who covers Saturday?')
    mike = await new_person('mike@example.com')
    alice = await new_person('alice@example.com')
    await alice.goto(f'{alice.url.split("/messenger")[0]}/messenger/{conversation.id}')
    await alice.get_by_role('button', name='More actions').click()
    await alice.get_by_role('menuitem', name='Add participant…').click()
    await expect(alice.get_by_text('New people see the whole conversation, from its first message.')).to_be_visible()
    await alice.get_by_label('Search teammates').fill('mike')
    await alice.get_by_role('option', name=re.compile('Mike Brown')).click()
    await expect(thread(alice).get_by_text('Alice Admin added Mike Brown')).to_be_visible(timeout=LIVE)
    row = conversations(mike).get_by_role('listitem').filter(has_text='Alice Admin added Mike Brown').or_(
        conversations(mike).get_by_role('listitem').filter(has_text=topic))
    await expect(row.first).to_be_visible(timeout=LIVE)   # appears in Mike's list, unprompted
    await row.first.click()
    await expect(thread(mike).get_by_text(f'{topic}: who covers Saturday?')).to_be_visible(timeout=LIVE)


async def test_alice_sees_susan_typing(new_person, server_parley):
    _, _, conversation = conversation_between(server_parley, 'alice', 'susan', 'Typing check')
    alice = await new_person('alice@example.com')
    susan = await new_person('susan@example.com')
    base = alice.url.split('/messenger')[0]
    await alice.goto(f'{base}/messenger/{conversation.id}')
    await susan.goto(f'{base}/messenger/{conversation.id}')
    await susan.get_by_role('textbox', name='Message').press_sequentially('I am on it', delay=50)
    await expect(alice.get_by_text('Susan Miller is typing…')).to_be_visible(timeout=LIVE)
    await susan.keyboard.press('Enter')
    await expect(thread(alice).get_by_text('I am on it')).to_be_visible(timeout=LIVE)
    await expect(alice.get_by_text('Susan Miller is typing…')).to_be_hidden(timeout=LIVE)
