"""Files in real browsers: pasted, dropped and chosen; shown live; downloaded only by those who may."""
import asyncio
import socket
from datetime import timedelta
from pathlib import Path
import re

from playwright.async_api import Page, expect

from tests import mailcorpus as corpus, samplefiles
from tests.conftest import cid
from tests.e2e.conftest import DEMO_PASSWORD, EMAIL_FALLBACK_SECONDS, INBOUND_SECRET
from tests.e2e.test_customer_chat import start_chat, wait_for_mail
from tests.e2e.test_direct_conversations import LIVE, thread
from tests.e2e.test_inbound_email import post_email
from email.utils import parseaddr

# Puts a file on the page's clipboard event or drop, as the browser does for a screenshot or a dragged file.
FILE_EVENT = '''async ([selector, kind, name, type, bytes]) => {
  const data = new DataTransfer();
  data.items.add(new File([new Uint8Array(bytes)], name, {type: type}));
  const target = document.querySelector(selector);
  if (kind === "paste") {
    target.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
  } else {
    target.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true, cancelable: true}));
    target.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
  }
}'''


async def put_file(page: Page, selector: str, kind: str, name: str, content_type: str, data: bytes) -> None:
    await page.evaluate(FILE_EVENT, [selector, kind, name, content_type, list(data)])


def people(parley):
    alice = parley.auth.authenticate('alice@example.com', DEMO_PASSWORD)
    susan = parley.auth.authenticate('susan@example.com', DEMO_PASSWORD)
    return alice, susan


async def live_chat_with_alice(new_person, browser, server, name: str, question: str):
    """A visitor starts a live chat from the pre-chat form (on a phone) and Alice opens it: (their context, their
    page, their chat's messages, Alice's page)."""
    customer_context = await browser.new_context(base_url=server, viewport={'width': 390, 'height': 740})
    customer = await customer_context.new_page()
    await customer.goto('/chat')
    await start_chat(customer, name, f'{name.split()[0].lower()}-{cid()[:8]}@example.com', question)
    chat = customer.get_by_role('log', name='Messages')
    await expect(chat.get_by_text(question)).to_be_visible(timeout=LIVE)
    alice = await new_person('alice@example.com')
    await alice.get_by_text(name).first.click()
    await expect(thread(alice).get_by_text(question)).to_be_visible(timeout=LIVE)
    return customer_context, customer, chat, alice


async def test_a_customer_pastes_a_screenshot_and_alice_sees_its_thumbnail_live(new_person, browser, server):
    _, customer, chat, alice = await live_chat_with_alice(new_person, browser, server, 'Paula Paste',
                                                          'The printer shows an error')

    await put_file(customer, 'textarea', 'paste', 'image.png', 'image/png', samplefiles.png(300, 200))
    await expect(customer.get_by_role('list', name='Files to send').get_by_text(re.compile(r'Pasted image'))) \
        .to_be_visible(timeout=LIVE)
    await expect(customer.get_by_role('progressbar')).to_have_count(0, timeout=LIVE)   # uploaded
    await customer.get_by_role('textbox', name='Message').press('Enter')
    await expect(chat.get_by_role('img', name=re.compile('Pasted image'))).to_be_visible(timeout=LIVE)

    picture = thread(alice).get_by_role('img', name=re.compile('Pasted image'))
    await expect(picture).to_be_visible(timeout=LIVE)   # live, without a reload
    assert await picture.evaluate('img => img.complete && img.naturalWidth') == 300   # the thumbnail loaded
    await thread(alice).get_by_role('button', name=re.compile('Open Pasted image')).click()
    dialog = alice.get_by_role('dialog')
    await expect(dialog.get_by_role('img')).to_be_visible()
    await alice.keyboard.press('Escape')
    await expect(dialog).to_have_count(0)
    await alice.get_by_role('textbox', name='Message', exact=True).fill('Thanks, that helps')   # hers now: no
    await alice.get_by_role('textbox', name='Message', exact=True).press('Enter')   # longer waiting for the others
    await expect(chat.get_by_text('Thanks, that helps')).to_be_visible(timeout=LIVE)


async def test_alice_drops_a_pdf_susan_downloads_it_and_mike_gets_not_found(new_person, browser, server,
                                                                            server_parley):
    alice_view, susan_view = people(server_parley)
    conversation = server_parley.conversations.create_conversation(
        alice_view, participant_ids=[susan_view.id], body='The setup guide, as promised', client_id=cid())
    alice = await new_person('alice@example.com')
    await alice.goto(f'/messenger/{conversation.id}')
    await expect(thread(alice).get_by_text('The setup guide, as promised')).to_be_visible(timeout=LIVE)
    await put_file(alice, '.parley-thread', 'drop', 'setup guide.pdf', 'application/pdf', samplefiles.pdf())
    await expect(alice.get_by_role('list', name='Files to send').get_by_text('setup guide.pdf')).to_be_visible()
    await expect(alice.get_by_role('progressbar')).to_have_count(0, timeout=LIVE)
    await alice.get_by_role('textbox', name='Message').fill('Here it is')
    await alice.get_by_role('textbox', name='Message').press('Enter')
    link = thread(alice).get_by_role('link', name=re.compile('setup guide.pdf'))
    await expect(link).to_be_visible(timeout=LIVE)

    susan = await new_person('susan@example.com')
    await susan.goto(f'/messenger/{conversation.id}')
    async with susan.expect_download() as download_info:
        await thread(susan).get_by_role('link', name=re.compile('setup guide.pdf')).click()
    download = await download_info.value
    assert download.suggested_filename == 'setup guide.pdf'
    assert Path(await download.path()).read_bytes() == samplefiles.pdf()

    address = await link.get_attribute('href')
    mike = await new_person('mike@example.com')
    answer = await mike.request.get(address)
    assert answer.status == 404 and 'File not found' in await answer.text()
    anonymous = await browser.new_context(base_url=server)
    assert (await anonymous.request.get(address)).status == 404


async def test_an_svg_with_script_served_by_parley_runs_nothing(new_person, server, server_parley):
    alice_view, susan_view = people(server_parley)
    conversation = server_parley.conversations.create_conversation(
        alice_view, participant_ids=[susan_view.id], body='Our new logo?', client_id=cid())
    alice = await new_person('alice@example.com')
    await alice.goto(f'/messenger/{conversation.id}')
    await expect(thread(alice).get_by_text('Our new logo?')).to_be_visible(timeout=LIVE)
    await alice.locator('input[type=file]').set_input_files(files=[
        {'name': 'logo.svg', 'mimeType': 'image/svg+xml', 'buffer': samplefiles.SVG_WITH_SCRIPT}])
    await expect(alice.get_by_role('progressbar')).to_have_count(0, timeout=LIVE)
    await alice.get_by_role('textbox', name='Message').press('Enter')
    link = thread(alice).get_by_role('link', name=re.compile('logo.svg'))
    await expect(link).to_be_visible(timeout=LIVE)
    assert await thread(alice).locator('img[alt="logo.svg"]').count() == 0   # a file, never shown as an image

    address = await link.get_attribute('href')
    answer = await alice.request.get(address)
    assert answer.headers['content-disposition'].startswith('attachment')
    assert answer.headers['content-type'] == 'application/octet-stream'
    assert answer.headers['x-content-type-options'] == 'nosniff'
    assert 'sandbox' in answer.headers['content-security-policy']
    # Opened directly, it downloads: no document of it ever loads in Parley's origin, no script runs.
    title = await alice.title()
    async with alice.expect_download():
        await alice.evaluate('url => { window.location.href = url }', address)
    assert await alice.title() == title != 'pwned'


async def test_a_customer_emails_two_attachments_and_both_show_in_the_thread(new_person, server, server_parley,
                                                                             mail_sink):
    alice_view, _ = people(server_parley)
    [customer] = server_parley.directory.search_customers(alice_view, 'customer@example.com')
    before = len([m for rcpt, m in mail_sink.messages if 'customer@example.com' in rcpt])
    server_parley.deliveries.window = timedelta(0)
    conversation = server_parley.conversations.create_conversation(
        alice_view, participant_ids=[customer.id], subject='Error on the display', body='Can you send a photo?',
        client_id=cid())
    [*_, email] = await wait_for_mail(mail_sink, before + 1)
    alice = await new_person('alice@example.com')
    await alice.goto(f'/messenger/{conversation.id}')
    await expect(thread(alice).get_by_text('Can you send a photo?')).to_be_visible(timeout=LIVE)

    status, _ = post_email(server, corpus.with_attachment(parseaddr(email['Reply-To'])[1]), INBOUND_SECRET)
    assert status == 200
    await expect(thread(alice).get_by_role('img', name='error 42.png')).to_be_visible(timeout=LIVE)
    await expect(thread(alice).get_by_role('link', name=re.compile('invoice.pdf'))).to_be_visible()


async def test_edit_and_delete_reach_the_customers_chat_live(new_person, browser, server, mail_sink):
    customer_context, _, chat, alice = await live_chat_with_alice(new_person, browser, server, 'Eddie Edit',
                                                                  'Where is my parcel?')
    box = alice.get_by_role('textbox', name='Message', exact=True)

    async def sent_then(text: str, action: str) -> None:
        """Alice sends it, the chat shows it, and she picks Edit or Delete in its menu."""
        await box.fill(text)
        await box.press('Enter')
        await expect(chat.get_by_text(text)).to_be_visible(timeout=LIVE)
        mine = thread(alice).locator('.parley-message', has_text=text)
        await mine.hover()
        await mine.get_by_role('button', name='Edit or delete this message').click()
        await alice.get_by_role('menuitem', name=action).click()

    # Alice edits it: the customer's chat shows the new text, marked edited, without a reload.
    await sent_then('It ships on Monday', 'Edit')
    editor = alice.get_by_role('dialog').get_by_role('textbox', name='Edit message')
    await editor.fill('It ships on **Tuesday**')
    await editor.press('Enter')
    await expect(thread(alice).get_by_text('It ships on Tuesday')).to_be_visible(timeout=LIVE)
    await expect(chat.get_by_text('It ships on Tuesday')).to_be_visible(timeout=LIVE)
    await expect(chat.get_by_text('edited')).to_be_visible()
    await expect(chat.get_by_text('It ships on Monday')).to_have_count(0)

    # A second message, deleted inside the email window: unsent, gone from the chat, never emailed.
    await sent_then('Wrong parcel number 4711, sorry', 'Delete')
    await alice.get_by_role('dialog').get_by_role('button', name='Delete', exact=True).click()
    await expect(chat.get_by_text('Message deleted')).to_be_visible(timeout=LIVE)
    await expect(chat.get_by_text('Wrong parcel number')).to_have_count(0)
    await customer_context.close()
    await asyncio.sleep(EMAIL_FALLBACK_SECONDS + 2)   # past the email window: nothing carries the deleted message
    assert all('Wrong parcel number' not in str(m) for rcpt, m in mail_sink.messages if 'eddie-' in rcpt)


def raw_upload(server: str, cookie: str, *, declared: int, body: bytes, finish: bool) -> bytes:
    """POST /files over a plain socket: say `declared` bytes, send `body`, then read the answer (finish) or hang
    up (a dropped connection)."""
    host, port = server.removeprefix('http://').split(':')
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(f'POST /files HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n'
                           f'X-File-Name: big.bin\r\nContent-Length: {declared}\r\n\r\n'.encode() + body)
        if not finish:
            return b''
        answer = b''
        while not answer.rstrip().endswith(b'}'):   # the headers, then the JSON body
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


async def test_a_file_over_the_limit_is_refused_before_it_is_sent_and_a_dropped_upload_leaves_nothing(
        new_person, server, server_database):
    alice = await new_person('alice@example.com')
    cookie = '; '.join(f'{c["name"]}={c["value"]}' for c in await alice.context.cookies())
    # 30 MB announced, not one byte of it sent: the answer comes at once.
    answer = await asyncio.to_thread(raw_upload, server, cookie, declared=30 * 1024 * 1024, body=b'', finish=True)
    assert answer.startswith(b'HTTP/1.1 413') and b'files can be up to 25 MB' in answer
    # 5 MB announced, 1 MB sent, then the connection drops: no file, no temporary file, no upload waiting.
    files = server_database[1] / 'files'
    before = sorted(p.name for p in files.rglob('*') if p.is_file())
    await asyncio.to_thread(raw_upload, server, cookie, declared=5 * 1024 * 1024, body=b'x' * (1024 * 1024),
                            finish=False)
    await asyncio.sleep(1.5)
    assert sorted(p.name for p in files.rglob('*') if p.is_file()) == before
