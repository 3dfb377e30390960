"""Three Parley processes behind HAProxy act as one: what is sent on one shows on the others, a session works on
every one, presence and the email workers see the whole cluster, and a killed process or a restarted Redis loses
nothing and shows nothing twice."""
from pathlib import Path
import asyncio
import re
import time

from playwright.async_api import expect
from sqlalchemy import func, select

from bench.cluster import healthy
from models.conversations import Delivery, DeliveryState
from models.mail import OutboundEmail
from tests.cluster.conftest import EMAIL_FALLBACK_SECONDS, LEASE_SECONDS, PASSWORD, pin, sign_in
from tests import samplefiles
from tests.conftest import cid
from tests.e2e.test_attachments import put_file
from tests.e2e.test_customer_chat import start_chat
from tests.e2e.test_direct_conversations import thread

LIVE = 2_000   # ms: the bound for a message sent on one process to show on another
SLOW = 15_000   # ms: a page reloading onto another process after a kill


def people(parley):
    return (parley.auth.authenticate('alice@example.com', PASSWORD),
            parley.auth.authenticate('susan@example.com', PASSWORD))


def emails_to(sink, address: str) -> list:
    return [m for rcpt, m in sink.messages if address in rcpt]


async def test_a_browser_signed_in_through_one_process_is_signed_in_on_every_process(pinned, cluster):
    page = await pinned(1)
    await sign_in(page, 'john@example.com')
    for slot in (2, 3, 1):
        await pin(page.context, cluster, slot)
        await page.goto('/messenger')
        await expect(page.get_by_text('Conversations', exact=True)).to_be_visible()
        assert page.url.endswith('/messenger'), f'process {slot} sent the browser to {page.url}'


async def susan_on_process_2(pinned, parley, first: str):
    """A new conversation of Alice's with Susan, its first message `first`, open on Susan's page on process 2."""
    alice_view, susan_view = people(parley)
    conversation = parley.conversations.create_conversation(
        alice_view, participant_ids=[susan_view.id], body=first, client_id=cid())
    susan = await pinned(2)
    await sign_in(susan, 'susan@example.com')
    await susan.goto(f'/messenger/{conversation.id}')
    await expect(thread(susan).get_by_text(first)).to_be_visible()
    return conversation, susan


async def test_a_message_sent_on_one_process_shows_live_on_a_page_of_another(pinned, cluster, cluster_parley):
    conversation, susan = await susan_on_process_2(pinned, cluster_parley, 'Across processes?')
    alice = await pinned(1)
    await sign_in(alice, 'alice@example.com')
    await alice.goto(f'/messenger/{conversation.id}')
    for text in ('Sent on process 1', 'And another'):
        await alice.get_by_role('textbox', name='Message').fill(text)
        await alice.keyboard.press('Enter')
        await expect(thread(susan).get_by_text(text)).to_be_visible(timeout=LIVE)
    # Read as it arrived (Susan had it on screen on process 2): Alice's page on process 1 shows her avatar.
    await expect(thread(alice).get_by_label('Seen by Susan Miller')).to_be_visible(timeout=LIVE)


async def test_a_file_uploaded_on_one_process_downloads_from_another(pinned, cluster, cluster_parley):
    """The processes share one files folder (PARLEY_FILES_DIR): Alice drops a PDF on process 1, Susan's page on
    process 2 shows it live and downloads it."""
    conversation, susan = await susan_on_process_2(pinned, cluster_parley, 'The setup guide comes next')
    alice = await pinned(1)
    await sign_in(alice, 'alice@example.com')
    await alice.goto(f'/messenger/{conversation.id}')
    await put_file(alice, '.parley-thread', 'drop', 'setup guide.pdf', 'application/pdf', samplefiles.pdf())
    await expect(alice.get_by_role('progressbar')).to_have_count(0, timeout=SLOW)
    await alice.get_by_role('textbox', name='Message').fill('Here it is')
    await alice.keyboard.press('Enter')
    link = thread(susan).get_by_role('link', name=re.compile('setup guide.pdf'))
    await expect(link).to_be_visible(timeout=LIVE)
    async with susan.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    assert Path(await download.path()).read_bytes() == samplefiles.pdf()


async def test_a_customer_chatting_on_one_process_gets_an_agents_reply_from_another_live_and_no_email(
        pinned, cluster, cluster_sink):
    customer = await pinned(2, viewport={'width': 390, 'height': 740})
    await customer.goto('/chat')
    await start_chat(customer, 'Rita Cluster', 'rita.cluster@example.com', 'Is my order on its way?')
    chat = customer.get_by_role('log', name='Messages')
    await expect(chat.get_by_text('Is my order on its way?')).to_be_visible()

    alice = await pinned(1)
    await sign_in(alice, 'alice@example.com')
    await alice.get_by_text('Rita Cluster').first.click()
    await expect(thread(alice).get_by_text('Is my order on its way?')).to_be_visible()
    await alice.get_by_role('textbox', name='Message').fill('It left the warehouse this morning.')
    await alice.keyboard.press('Enter')
    await expect(chat.get_by_text('It left the warehouse this morning.')).to_be_visible(timeout=LIVE)
    await expect(thread(alice).get_by_text('Seen')).to_be_visible(timeout=LIVE)
    await asyncio.sleep(EMAIL_FALLBACK_SECONDS + 3)   # past the fallback window, every process's worker had a look
    assert emails_to(cluster_sink, 'rita.cluster@example.com') == []


def _customer_conversations(parley, count: int, tag: str) -> dict[str, int]:
    """{address: conversation id} of `count` new customers, each with a message from Alice due for an email."""
    alice_view, _ = people(parley)
    made = {}
    for n in range(count):
        address = f'due-{tag}-{n}@example.com'
        customer = parley.directory.create_customer(name=f'Due {tag} {n}', email=address)
        made[address] = parley.conversations.create_conversation(
            alice_view, participant_ids=[customer.id], with_customer=True, body=f'Your ticket {tag}-{n} is solved.',
            client_id=cid()).id
    return made


async def test_twenty_customers_due_an_email_get_exactly_one_each_from_three_processes(cluster, cluster_parley,
                                                                                     cluster_sink):
    addresses = list(_customer_conversations(cluster_parley, 20, 'twenty'))
    deadline = time.monotonic() + EMAIL_FALLBACK_SECONDS + 30
    while time.monotonic() < deadline and not all(emails_to(cluster_sink, a) for a in addresses):
        await asyncio.sleep(0.2)
    await asyncio.sleep(3)   # every worker's next rounds: nothing more goes out
    assert {a: len(emails_to(cluster_sink, a)) for a in addresses} == dict.fromkeys(addresses, 1)
    with cluster_parley.db.session() as session:
        rows = session.exec(select(func.count()).select_from(OutboundEmail).where(
            OutboundEmail.to_address.in_(addresses))).one()
    assert rows[0] == 20


async def test_a_process_killed_during_a_burst_of_sends_loses_nothing_and_doubles_nothing(
        pinned, cluster, cluster_parley, cluster_sink):
    """Alice sends on process 3 and it is killed mid-burst: her page reloads onto another process, still signed
    in; every message her page showed as sent is stored once; each is emailed once (the lease of a killed
    process's email runs out and another sends it)."""
    [(address, conversation_id)] = _customer_conversations(cluster_parley, 1, 'burst').items()
    alice_view, _ = people(cluster_parley)
    alice = await pinned(3)
    await sign_in(alice, 'alice@example.com')
    await alice.goto(f'/messenger/{conversation_id}')
    box = alice.get_by_role('textbox', name='Message')
    sent = []
    for n in range(12):
        text = f'Burst message {n}'
        if n == 6:
            cluster.processes[2].kill()
        await _send_until_shown(alice, box, text)
        sent.append(text)
    assert '/login' not in alice.url
    cluster.processes[2].start()

    bodies = [m.body for m in cluster_parley.conversations.list_messages(alice_view, conversation_id)]
    assert {text: bodies.count(text) for text in sent} == dict.fromkeys(sent, 1)
    # Every message emailed once: each delivery row in exactly one email, each email sent once.
    deadline = time.monotonic() + EMAIL_FALLBACK_SECONDS + LEASE_SECONDS + 30
    while time.monotonic() < deadline and not _all_emailed(cluster_parley, conversation_id):
        await asyncio.sleep(0.5)
    assert _all_emailed(cluster_parley, conversation_id)
    ids = [m['Message-ID'] for m in emails_to(cluster_sink, address)]
    assert len(ids) == len(set(ids))


async def _send_until_shown(page, box, text: str) -> None:
    """Type and send; if the page was cut off meanwhile (it reloads onto another process, keeping the unsent
    text), send what the box kept again, as a person would."""
    await box.fill(text)
    await box.press('Enter')
    for _ in range(3):
        try:
            await expect(thread(page).get_by_text(text, exact=True)).to_be_visible(timeout=SLOW)
            return
        except AssertionError:
            await box.wait_for(timeout=SLOW)
            if await box.input_value() == text:
                await box.press('Enter')
    raise AssertionError(f'{text!r} was never shown as sent')


def _all_emailed(parley, conversation_id: int) -> bool:
    with parley.db.session() as session:
        rows = session.exec(select(Delivery.message_id, Delivery.state).where(
            Delivery.conversation_id == conversation_id)).all()
    return bool(rows) and all(state == DeliveryState.EMAILED for _, state in rows)


async def test_after_redis_restarts_the_bus_reconnects_and_pages_catch_up_showing_nothing_twice(
        pinned, cluster, cluster_parley):
    conversation, susan = await susan_on_process_2(pinned, cluster_parley, 'Before the restart')
    alice_view, _ = people(cluster_parley)

    cluster.redis.stop()
    # Sent while Redis is away (here through the services: HAProxy takes processes out while /healthz says 503):
    # stored, but no other process hears of it.
    cluster_parley.conversations.send_message(alice_view, conversation.id, body='While Redis was away',
                                              client_id=cid())
    await asyncio.sleep(1)
    cluster.redis.start()
    await expect(thread(susan).get_by_text('While Redis was away')).to_have_count(1, timeout=SLOW)

    deadline = time.monotonic() + 30   # HAProxy takes the processes back once /healthz says 200 again
    while not healthy(cluster.address) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    alice = await pinned(1)
    await sign_in(alice, 'alice@example.com')
    await alice.goto(f'/messenger/{conversation.id}')
    await alice.get_by_role('textbox', name='Message').fill('After the restart')
    await alice.keyboard.press('Enter')
    await expect(thread(susan).get_by_text('After the restart')).to_be_visible(timeout=LIVE)
    for text in ('Before the restart', 'While Redis was away', 'After the restart'):
        await expect(thread(susan).get_by_text(text)).to_have_count(1)
