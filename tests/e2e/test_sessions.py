"""Sessions in real browsers: a deactivated agent's open pages end at once, and nothing they send lands."""
import re
import uuid

from playwright.async_api import expect

from tests.e2e.conftest import DEMO_PASSWORD

LIVE = 5_000  # ms


async def test_a_deactivated_agents_open_page_goes_to_sign_in_and_cannot_post(new_person, server_parley):
    susan = server_parley.auth.authenticate('susan@example.com', DEMO_PASSWORD)
    email = f'temp-{uuid.uuid4().hex[:8]}@example.com'
    temp = server_parley.directory.create_agent(name='Terry Temp', email=email, password=DEMO_PASSWORD)
    conversation = server_parley.conversations.create_conversation(
        temp, participant_ids=[susan.id], body='Covering the phones today', client_id=uuid.uuid4().hex)

    terry = await new_person(email)
    await terry.goto(f'/messenger/{conversation.id}')
    composer = terry.get_by_role('textbox', name='Message')
    await expect(composer).to_be_visible()

    admin = await new_person('alice@example.com')
    await admin.goto('/admin/agents')
    await admin.get_by_role('button', name='Actions for Terry Temp').click()
    await admin.get_by_role('menu').get_by_text('Deactivate').click()
    await admin.get_by_role('dialog').get_by_role('button', name='Deactivate').click()
    await expect(terry).to_have_url(re.compile(r'/login'), timeout=LIVE)

    messages = server_parley.conversations.list_messages(susan, conversation.id)
    assert [m.body for m in messages] == ['Covering the phones today']


async def test_a_password_change_ends_the_other_browsers_open_pages_and_keeps_this_one(new_person, server_parley):
    email = f'temp-{uuid.uuid4().hex[:8]}@example.com'
    server_parley.directory.create_agent(name='Pat Rotate', email=email, password=DEMO_PASSWORD)
    elsewhere = await new_person(email)                    # another browser, its messenger open
    here = await new_person(email)
    await here.goto('/settings/password')
    await here.get_by_label('Current password').fill(DEMO_PASSWORD)
    await here.get_by_label('New password', exact=True).fill('a brand new passphrase')
    await here.get_by_label('New password again').fill('a brand new passphrase')
    await here.get_by_role('button', name='Change password').click()
    await expect(here.get_by_text('Password changed. Your other browsers are signed out.')).to_be_visible()
    await expect(elsewhere).to_have_url(re.compile(r'/login'), timeout=LIVE)
    await here.goto('/messenger')
    await expect(here.get_by_text('Conversations', exact=True)).to_be_visible()   # still signed in here
    assert here.url.endswith('/messenger')
