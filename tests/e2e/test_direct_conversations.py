"""The walkthrough in real browsers: Alice starts a conversation with Susan and John."""
import re
import uuid

from playwright.async_api import expect

from tests.e2e.conftest import DEMO_PASSWORD

LIVE = 5_000  # ms: generous for a shared 2-core machine; live delivery is measured in `make bench`
FIRST = 'Standup moves to 10:00 tomorrow <b>ok?</b> {{ 6 * 7 }}'   # shown as typed: no HTML, no template


def thread(page):
    return page.get_by_role('log', name='Messages')


def conversations(page):
    return page.get_by_role('navigation', name='Conversations')


def conversation_between(server_parley, author: str, other: str, body: str):
    """A conversation demo agent `author` started with `other` (first names), straight through the services."""
    author_view = server_parley.auth.authenticate(f'{author}@example.com', DEMO_PASSWORD)
    other_view = server_parley.auth.authenticate(f'{other}@example.com', DEMO_PASSWORD)
    conversation = server_parley.conversations.create_conversation(
        author_view, participant_ids=[other_view.id], body=body, client_id=uuid.uuid4().hex)
    return author_view, other_view, conversation


async def test_alice_starts_a_conversation_susan_sees_it_live_mike_cannot(new_person):
    susan = await new_person('susan@example.com')
    mike = await new_person('mike@example.com')
    alice = await new_person('alice@example.com')

    await alice.get_by_role('button', name='Add conversation').click()
    await alice.get_by_text('Conversation with user').click()
    await alice.wait_for_url('**/messenger/draft')
    await expect(alice.get_by_role('button', name='Discard draft')).to_be_visible()

    participants = alice.get_by_label('Participants')
    await participants.fill('@su')
    await alice.get_by_role('option', name=re.compile('Susan Miller')).click()
    await expect(alice.locator('.q-chip', has_text='Susan Miller')).to_be_visible()
    await expect(participants).to_have_value('')   # the pick has landed: typing on cannot be overwritten
    await participants.fill('@jo')
    await expect(alice.get_by_role('option', name=re.compile('John Smith'))).to_be_visible()
    await participants.press('Enter')  # keyboard: the highlighted suggestion
    await expect(alice.locator('.q-chip', has_text='John Smith')).to_be_visible()

    composer = alice.get_by_role('textbox', name='Message')
    await composer.fill(FIRST)
    await alice.get_by_role('button', name='Create conversation').click()
    await alice.wait_for_url(re.compile(r'/messenger/\d+$'))
    url = alice.url
    await expect(alice.get_by_role('heading', name='John Smith, Susan Miller')).to_be_visible()
    await expect(thread(alice).get_by_text(FIRST)).to_be_visible()

    # Susan was already on /messenger: the conversation and its message appear without a reload.
    await expect(conversations(susan).get_by_text('Alice Admin, John Smith')).to_be_visible(timeout=LIVE)
    await expect(conversations(susan).get_by_text(FIRST)).to_be_visible()
    await conversations(susan).get_by_text('Alice Admin, John Smith').click()
    await expect(thread(susan).get_by_text(FIRST)).to_be_visible()

    # Susan answers with Enter; Alice sees it in her open thread.
    await susan.get_by_role('textbox', name='Message').fill('Works for me')
    await susan.get_by_role('textbox', name='Message').press('Enter')
    await expect(thread(alice).get_by_text('Works for me')).to_be_visible(timeout=LIVE)
    await expect(conversations(alice).get_by_text('Works for me')).to_be_visible()

    # Mike is not a participant: nothing in his list, and the address says not found.
    await expect(mike.get_by_text('Standup moves')).to_have_count(0)
    await mike.goto(url)
    await expect(mike.get_by_text('Conversation not found')).to_be_visible()
    await expect(mike.get_by_text('Standup moves')).to_have_count(0)


async def test_shift_enter_is_a_new_line_and_the_draft_survives_reload(new_person):
    john = await new_person('john@example.com')
    await john.get_by_role('button', name='Add conversation').click()
    await john.get_by_text('Conversation with user').click()
    await john.wait_for_url('**/messenger/draft')
    await john.get_by_label('Participants').fill('mike')
    await john.get_by_role('option', name=re.compile('Mike Brown')).click()
    await expect(john.get_by_label('Participants')).to_have_value('')   # the pick (and its focus) has landed
    composer = john.get_by_role('textbox', name='Message')
    await composer.type('line one')
    await composer.press('Shift+Enter')
    await composer.type('line two')
    await expect(composer).to_have_value('line one\nline two')
    await john.wait_for_timeout(300)
    await john.reload()
    await expect(john.get_by_role('textbox', name='Message')).to_have_value('line one\nline two')
    await expect(john.locator('.q-chip', has_text='Mike Brown')).to_be_visible()
    await john.get_by_role('button', name='Discard draft').click()
    await john.wait_for_url(re.compile(r'/messenger$'))
    await expect(john.get_by_text('New conversation')).to_have_count(0)


async def test_phone_sized_screen_shows_list_then_thread(new_person):
    alice = await new_person('alice@example.com', viewport={'width': 390, 'height': 760})
    await expect(thread(alice)).to_have_count(0)
    await conversations(alice).get_by_text('Weekend rota').click()
    await expect(alice.get_by_role('button', name='Back to conversations')).to_be_visible()
    await expect(thread(alice).get_by_text('Who can cover Saturday morning?')).to_be_visible()
    await expect(conversations(alice)).to_be_hidden()
    await alice.get_by_role('button', name='Back to conversations').click()
    await expect(conversations(alice).get_by_text('Weekend rota')).to_be_visible()


async def test_scrolling_up_loads_older_messages(new_person, server_parley):
    alice_view = server_parley.auth.authenticate('alice@example.com', DEMO_PASSWORD)
    mike_view = server_parley.auth.authenticate('mike@example.com', DEMO_PASSWORD)
    conversation = server_parley.conversations.create_conversation(
        mike_view, participant_ids=[alice_view.id], body='history 0', client_id='h0', subject='Long history')
    for i in range(1, 120):
        server_parley.conversations.send_message(mike_view, conversation.id, body=f'history {i}', client_id=f'h{i}')
    alice = await new_person('alice@example.com')
    await alice.goto(f'/messenger/{conversation.id}')
    log = thread(alice)
    await expect(log.get_by_text('history 119', exact=True)).to_be_visible()
    await expect(log.get_by_text('history 69', exact=True)).to_have_count(0)
    for _ in range(3):  # two older pages of 50
        await log.evaluate('el => el.scrollTop = -el.scrollHeight')
        await alice.wait_for_timeout(700)
    await expect(log.get_by_text('history 0', exact=True)).to_be_attached(timeout=LIVE)
    await expect(log.get_by_text('history 119', exact=True)).to_be_attached()
    assert await log.locator('.pm-bubble').all_inner_texts() == [f'history {i}' for i in range(120)]
    assert await log.locator('.pm-name').count() == 1, 'one group: the pages joined without a second header'


async def test_the_thread_element_applies_what_the_server_sends(new_person, server_parley):
    """ui/messages.js put(): a new message at the end, a changed one in place, the oldest dropped, older ones first."""
    alice_view = server_parley.auth.authenticate('alice@example.com', DEMO_PASSWORD)
    john_view = server_parley.auth.authenticate('john@example.com', DEMO_PASSWORD)
    conversation = server_parley.conversations.create_conversation(
        john_view, participant_ids=[alice_view.id], body='one', client_id='put0')
    for i, body in enumerate(('two', 'three'), 1):
        server_parley.conversations.send_message(john_view, conversation.id, body=body, client_id=f'put{i}')
    alice = await new_person('alice@example.com')
    await alice.goto(f'/messenger/{conversation.id}')
    log = thread(alice)
    await expect(log.get_by_text('three', exact=True)).to_be_visible()
    put = '''([items, atStart, first]) => {
        const id = Number(document.querySelector(".parley-messages").id.slice(1));
        const shown = getElement(id).list;
        // [index, body]: the message shown there, changed; [null, body]: a new one (ids from 10^6 up)
        window.nextId = window.nextId || 1e6;
        window.lastPut = [items.map(([at, body]) => ({...shown[at ?? shown.length - 1], body: body, html: body,
                                                         id: at === null ? window.nextId++ : shown[at].id})),
                          atStart, first === null ? null : shown[first].id];
        window.putAgain = () => runMethod(id, "put", window.lastPut);
        window.putAgain();
    }'''
    bodies = lambda: log.locator('.pm-bubble').all_inner_texts()  # noqa: E731
    await alice.evaluate(put, [[[None, 'four']], False, None])
    await expect(log.get_by_text('four', exact=True)).to_be_visible()
    assert await bodies() == ['one', 'two', 'three', 'four']
    await alice.evaluate(put, [[[1, 'two, edited']], False, None])    # same id: in place
    await expect(log.get_by_text('two, edited', exact=True)).to_be_visible()
    assert await bodies() == ['one', 'two, edited', 'three', 'four']
    drop = [[[None, 'five'], [2, 'three, first now']], False, 2]   # a new first message: the ones before go
    await alice.evaluate(put, drop)
    await expect(log.get_by_text('five', exact=True)).to_be_visible()
    assert await bodies() == ['three, first now', 'four', 'five']
    await alice.evaluate('() => window.putAgain()')
    assert await bodies() == ['three, first now', 'four', 'five'], 'the same call again changes nothing'
    await alice.evaluate(put, [[[None, 'older a'], [None, 'older b']], True, None])
    await expect(log.get_by_text('older a', exact=True)).to_be_visible()
    assert await bodies() == ['older a', 'older b', 'three, first now', 'four', 'five']


async def test_a_message_in_a_background_tab_stays_unread_until_the_tab_shows(new_person, server_parley):
    _, mike_view, conversation = conversation_between(server_parley, 'susan', 'mike', 'Are you around?')
    mike = await new_person('mike@example.com')
    await mike.goto(f'/messenger/{conversation.id}')
    await expect(thread(mike).get_by_text('Are you around?')).to_be_visible()
    set_visibility = '''state => {
        Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }'''
    await mike.evaluate(set_visibility, 'hidden')
    await mike.wait_for_timeout(300)
    send = await new_person('susan@example.com')
    await send.goto(f'/messenger/{conversation.id}')
    await send.get_by_role('textbox', name='Message').fill('Ping while you are away')
    await send.get_by_role('textbox', name='Message').press('Enter')
    await expect(thread(mike).get_by_text('Ping while you are away')).to_be_attached(timeout=LIVE)
    await mike.wait_for_timeout(500)  # time a visible tab would have taken to mark it read
    unread = lambda: server_parley.conversations.access_conversation(mike_view, conversation.id).unread_count  # noqa: E731
    assert unread() == 1
    await mike.evaluate(set_visibility, 'visible')
    for _ in range(50):
        if unread() == 0:
            break
        await mike.wait_for_timeout(100)
    assert unread() == 0


async def test_a_message_typed_offline_is_sent_once_when_back_even_across_a_reload(new_person, server_parley):
    susan_view, _, conversation = conversation_between(server_parley, 'susan', 'john', 'Offline test')
    susan = await new_person('susan@example.com')
    context = susan.context

    # A short drop: the send waits in the browser and goes out when the connection is back.
    await susan.goto(f'/messenger/{conversation.id}')
    box = susan.get_by_role('textbox', name='Message')
    # The page is connected first: going offline while its socket is still opening can leave the socket
    # waiting for socket.io's 20 s connect timeout (then NiceGUI reloads), which is not the drop tested here.
    await susan.wait_for_function('window.did_handshake === true')
    await context.set_offline(True)
    await box.fill('Sent after a short drop')
    await box.press('Enter')
    await context.set_offline(False)
    await expect(thread(susan).get_by_text('Sent after a short drop')).to_be_visible(timeout=LIVE * 4)

    # A drop long enough for a reload: the text comes back in the box, and sending it stores it once.
    await context.set_offline(True)
    await box.fill('Kept across a reload')
    await box.press('Enter')
    await context.set_offline(False)
    await susan.reload()
    box = susan.get_by_role('textbox', name='Message')
    await expect(thread(susan).get_by_text('Sent after a short drop')).to_be_visible(timeout=LIVE * 3)
    if await thread(susan).get_by_text('Kept across a reload').count() == 0:   # it did not get out in time
        await expect(box).to_have_value('Kept across a reload', timeout=LIVE * 3)
        await expect(susan.get_by_text('Not sent yet: the connection dropped.')).to_be_visible(timeout=LIVE)
        await box.press('Enter')
    await expect(thread(susan).get_by_text('Kept across a reload')).to_have_count(1, timeout=LIVE * 3)
    await susan.reload()
    await expect(thread(susan).get_by_text('Kept across a reload')).to_have_count(1, timeout=LIVE)
    await expect(susan.get_by_role('textbox', name='Message')).to_have_value('')
    bodies = [m.body for m in server_parley.conversations.list_messages(susan_view, conversation.id)]
    assert bodies.count('Kept across a reload') == 1 and bodies.count('Sent after a short drop') == 1


async def test_typing_on_right_after_enter_keeps_the_new_text_and_each_message_goes_once(new_person, server_parley):
    susan_view, _, conversation = conversation_between(server_parley, 'susan', 'john', 'Typing test')
    susan = await new_person('susan@example.com')
    await susan.goto(f'/messenger/{conversation.id}')
    await susan.wait_for_function('window.did_handshake === true')
    box = susan.get_by_role('textbox', name='Message')

    await box.fill('First, sent with Enter')
    await box.press('Enter')
    await susan.keyboard.type('Second')   # straight on, before the server has answered
    await expect(thread(susan).get_by_text('First, sent with Enter')).to_have_count(1, timeout=LIVE)
    await expect(box).to_have_value('Second')
    await box.press('Enter')
    await box.press('Enter')   # twice, quickly: one message
    await expect(thread(susan).get_by_text('Second', exact=True)).to_have_count(1, timeout=LIVE)
    await expect(box).to_have_value('')
    await susan.wait_for_timeout(500)
    bodies = [m.body for m in server_parley.conversations.list_messages(susan_view, conversation.id)]
    assert bodies == ['Typing test', 'First, sent with Enter', 'Second']


async def test_typing_on_right_after_picking_a_person_keeps_what_was_typed(new_person, server_parley):
    """A pick is the server's doing; the keys pressed before its answer arrives are not overwritten by it."""
    alice = await new_person('alice@example.com')
    await alice.get_by_role('button', name='Add conversation').click()
    await alice.get_by_text('Conversation with user').click()
    await alice.wait_for_url('**/messenger/draft')
    participants = alice.get_by_label('Participants')
    await participants.click()
    await alice.keyboard.type('@su')
    await expect(alice.get_by_role('option', name=re.compile('Susan Miller'))).to_be_visible()
    await alice.keyboard.press('Enter')
    await alice.keyboard.type('@jo')   # straight on, before the pick has come back
    await expect(alice.get_by_role('option', name=re.compile('John Smith'))).to_be_visible(timeout=LIVE)
    await expect(participants).to_have_value('@jo')
    await alice.keyboard.press('Enter')
    await expect(alice.locator('.q-chip', has_text='John Smith')).to_be_visible()
    await expect(alice.locator('.q-chip', has_text='Susan Miller')).to_be_visible()
    await expect(participants).to_have_value('')

    _, _, conversation = conversation_between(server_parley, 'susan', 'john', 'Mention test')
    susan = await new_person('susan@example.com')
    await susan.goto(f'/messenger/{conversation.id}')
    box = susan.get_by_role('textbox', name='Message')
    await box.click()
    await susan.keyboard.type('Thanks @jo')
    await expect(susan.get_by_role('option', name=re.compile('John Smith'))).to_be_visible()
    await susan.keyboard.press('Enter')
    await susan.keyboard.type('see you')   # straight on
    await expect(box).to_have_value('Thanks @John Smith see you')
    await expect(susan.get_by_role('option', name=re.compile('John Smith'))).to_have_count(0)
