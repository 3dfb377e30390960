"""The customer half of the walkthrough in real browsers, with a real SMTP sink."""
import asyncio
from email.utils import parseaddr
import re

from playwright.async_api import Browser, expect

from tests.e2e.conftest import EMAIL_FALLBACK_SECONDS
from tests.e2e.test_direct_conversations import LIVE, thread

MAIL_WAIT = (EMAIL_FALLBACK_SECONDS + 15) * 1000


async def start_chat(page, name: str, email: str, question: str) -> None:
    """Fill the live chat's pre-chat form on an open /chat page and start the chat."""
    await page.get_by_label('Your name').fill(name)
    await page.get_by_label('Your email').fill(email)
    await page.get_by_label('How can we help?').fill(question)
    await page.get_by_role('button', name='Start chat').click()


async def wait_for_mail(sink, count: int, *, to: str = 'customer@example.com', timeout: float = MAIL_WAIT / 1000):
    for _ in range(int(timeout * 5)):
        found = [m for rcpt, m in sink.messages if to in rcpt]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f'expected {count} email(s) to {to}, got {len(found)}')


async def test_offline_customer_gets_email_follows_the_link_and_chats_live(new_person, browser: Browser, server,
                                                                           mail_sink):
    alice = await new_person('alice@example.com')
    await alice.get_by_role('button', name='Add conversation').click()
    await alice.get_by_text('Conversation with customer').click()
    await alice.wait_for_url('**/messenger/draft')
    await alice.get_by_label('Customer', exact=True).fill('sample')
    await alice.get_by_role('option', name=re.compile('Sample Customer')).click()
    await alice.get_by_role('textbox', name='Message').fill('Your replacement toner ships today.')
    await alice.get_by_role('button', name='Create conversation').click()
    await alice.wait_for_url(re.compile(r'.*/messenger/\d+$'))
    await expect(thread(alice).get_by_text('Queued')).to_be_visible(timeout=LIVE)

    # Nobody is on the live chat: after the window, one email with the reply address and the link.
    before = len([m for rcpt, m in mail_sink.messages if 'customer@example.com' in rcpt])
    [*_, email] = await wait_for_mail(mail_sink, before + 1)
    assert parseaddr(email['Reply-To'])[1].startswith('reply+')
    text = email.get_body(('plain',)).get_content()
    assert 'Your replacement toner ships today.' in text
    link = re.search(r'Continue in live chat: (\S+)', text).group(1)
    assert '/chat#t=' in link
    await expect(thread(alice).get_by_text('Emailed')).to_be_visible(timeout=LIVE)

    # The customer follows the link: the token leaves the address bar, the conversation is there.
    customer_context = await browser.new_context(viewport={'width': 390, 'height': 740})
    customer = await customer_context.new_page()
    await customer.goto(link)
    chat = customer.get_by_role('log', name='Messages')
    await expect(chat.get_by_text('Your replacement toner ships today.')).to_be_visible(timeout=LIVE)
    assert '#t=' not in customer.url and customer.url.endswith('/chat')
    await expect(thread(alice).get_by_text('Seen')).to_be_visible(timeout=LIVE)

    await customer.get_by_role('textbox', name='Message').fill('Great! When will it arrive?')
    await customer.keyboard.press('Enter')
    await expect(thread(alice).get_by_text('Great! When will it arrive?')).to_be_visible(timeout=LIVE)
    await expect(thread(alice).get_by_text('Replied')).to_be_visible(timeout=LIVE)

    # Alice answers while the chat is open and visible: delivered live, seen, and never emailed.
    emails_so_far = len([m for rcpt, m in mail_sink.messages if 'customer@example.com' in rcpt])
    await alice.get_by_role('textbox', name='Message').fill('Tomorrow before noon.')
    await alice.keyboard.press('Enter')
    await expect(chat.get_by_text('Tomorrow before noon.')).to_be_visible(timeout=LIVE)
    await expect(thread(alice).get_by_text('Seen').last).to_be_visible(timeout=LIVE)
    await asyncio.sleep(EMAIL_FALLBACK_SECONDS + 3)
    assert len([m for rcpt, m in mail_sink.messages if 'customer@example.com' in rcpt]) == emails_so_far

    # A reload in the same tab stays in the conversation.
    await customer.reload()
    await expect(chat.get_by_text('Tomorrow before noon.')).to_be_visible(timeout=LIVE)
    await customer_context.close()


async def test_the_widget_on_the_demo_site_opens_the_chat(browser: Browser, server, new_person):
    alice = await new_person('alice@example.com')
    context = await browser.new_context(viewport={'width': 1100, 'height': 760})
    site = await context.new_page()
    await site.goto(f'{server}/demo/site')
    await site.get_by_role('button', name='Chat with us').click()
    frame = site.frame_locator('#parley-chat')
    await expect(frame.get_by_text('We are online')).to_be_visible(timeout=LIVE)
    await frame.get_by_label('Your name').fill('Dana Visitor')
    await frame.get_by_label('Your email').fill('dana@example.org')
    await frame.get_by_label('How can we help?').fill('My printer prints blank pages.')
    await frame.get_by_role('button', name='Start chat').click()
    await expect(frame.get_by_role('log', name='Messages').get_by_text('My printer prints blank pages.')) \
        .to_be_visible(timeout=LIVE)
    unassigned = alice.get_by_role('navigation', name='Conversations')
    await expect(unassigned.get_by_text('Dana Visitor')).to_be_visible(timeout=LIVE)
    dana = unassigned.get_by_role('listitem').filter(has_text='Dana Visitor')   # other tests' visitors wait too
    await expect(dana.get_by_text('Waiting', exact=True)).to_be_visible(timeout=LIVE)
    await site.get_by_role('button', name='Chat with us').click()
    await expect(site.locator('#parley-chat')).to_be_hidden()

    # A signed-in user of the site is vouched for by HMAC: no form, straight into their conversation.
    await site.goto(f'{server}/demo/site?signed-in')
    await site.get_by_role('button', name='Chat with us').click()
    await expect(frame.get_by_text('Hi Sample, how can we help?').or_(
        frame.get_by_role('log', name='Messages').get_by_text('Your replacement toner ships today.')).first) \
        .to_be_visible(timeout=LIVE)
    await context.close()


async def test_a_host_page_keeps_working_when_parley_is_down(browser: Browser):
    context = await browser.new_context()
    page = await context.new_page()
    errors = []
    page.on('pageerror', lambda error: errors.append(error))
    await page.set_content('<h1>Shop</h1><button id="buy">Buy</button>'
                           '<script>document.getElementById("buy").onclick = () => document.title = "bought"</script>'
                           '<script src="http://127.0.0.1:9/widget.js" async></script>')
    await page.click('#buy')
    assert await page.title() == 'bought' and errors == []
    assert await page.locator('#parley-launcher').count() == 0
    await context.close()


async def test_agent_pages_cannot_be_framed_but_the_chat_can(browser: Browser, server):
    context = await browser.new_context()
    page = await context.new_page()
    agent = await page.request.get(f'{server}/login')
    chat = await page.request.get(f'{server}/chat')
    assert agent.headers['content-security-policy'] == "frame-ancestors 'none'"
    assert agent.headers['x-frame-options'] == 'DENY'
    assert chat.headers['content-security-policy'] == "frame-ancestors 'self'"
    cookie = agent.headers['set-cookie'].lower()
    assert 'httponly' in cookie and 'samesite=lax' in cookie and 'secure' not in cookie   # plain http here
    assert re.fullmatch(r'app;dur=\d+\.\d', agent.headers['server-timing']), 'its time, for devtools and bench'
    await context.close()


def test_a_pages_socket_is_not_compressed(server):
    """permessage-deflate costs a page about 0.27 MB of server memory (zlib's state) and saves little on its small
    updates: main.py turns it off, so a browser that offers it is answered without it."""
    from websockets.sync.client import connect
    address = server.replace('http://', 'ws://') + '/_nicegui_ws/socket.io/?EIO=4&transport=websocket'
    with connect(address, compression='deflate', open_timeout=10) as socket:
        assert socket.recv(timeout=10).startswith('0{')   # engine.io's open packet: the socket works
        assert 'Sec-WebSocket-Extensions' not in socket.response.headers   # (case-insensitive)


async def test_a_visitor_types_on_after_enter_and_unsent_text_survives_a_reload(browser: Browser, server):
    context = await browser.new_context(base_url=server, viewport={'width': 390, 'height': 740})
    visitor = await context.new_page()
    await visitor.goto('/chat')
    await start_chat(visitor, 'Vera Visitor', 'vera.visitor@example.org', 'My order has not arrived yet.')
    chat = visitor.get_by_role('log', name='Messages')
    await expect(chat.get_by_text('My order has not arrived yet.')).to_be_visible(timeout=LIVE)

    box = visitor.get_by_role('textbox', name='Message')
    await box.fill('It was order 1234.')
    await box.press('Enter')
    await visitor.keyboard.type('Not sent yet')   # straight on: the sent text leaves the box, this stays
    await expect(chat.get_by_text('It was order 1234.')).to_have_count(1, timeout=LIVE)
    await expect(box).to_have_value('Not sent yet')

    await visitor.reload()   # the tab keeps what was typed and not sent
    await expect(chat.get_by_text('It was order 1234.')).to_have_count(1, timeout=LIVE)
    await expect(visitor.get_by_role('textbox', name='Message')).to_have_value('Not sent yet', timeout=LIVE)
    await context.close()
