"""Running the team in real browsers: a reset password, and the agent choosing their own before anything else."""
import re
import uuid

from playwright.async_api import Browser, expect

from tests.e2e.conftest import DEMO_PASSWORD


async def test_alice_resets_a_password_and_the_agent_must_choose_a_new_one(new_person, browser: Browser, server,
                                                                          server_parley):
    email = f'mike-{uuid.uuid4().hex[:8]}@example.com'
    server_parley.directory.create_agent(name='Mike Reset', email=email, password=DEMO_PASSWORD)
    mike_before = await new_person(email)   # signed in elsewhere: the reset signs him out there

    alice = await new_person('alice@example.com')
    await alice.goto('/admin/agents')
    await alice.get_by_role('button', name='Actions for Mike Reset').click()
    await alice.get_by_role('menu').get_by_text('Reset password').click()
    await alice.get_by_role('dialog').get_by_role('button', name='Reset password').click()
    dialog = alice.get_by_role('dialog').filter(has_text='Temporary password')
    await expect(dialog).to_be_visible()
    temporary = (await dialog.locator('.font-mono').inner_text()).strip()
    assert len(temporary) >= 12
    await dialog.get_by_role('button', name='Done').click()
    await expect(mike_before).to_have_url(re.compile(r'/login'), timeout=10_000)

    context = await browser.new_context(base_url=server)
    mike = await context.new_page()
    await mike.goto('/login')
    await mike.get_by_label('Email').fill(email)
    await mike.get_by_label('Password').fill(temporary)
    await mike.get_by_role('button', name='Sign in').click()
    await expect(mike.get_by_text('Choose your own to continue')).to_be_visible()
    await mike.goto('/messenger')
    await expect(mike).to_have_url(re.compile(r'/welcome/password'))   # nothing else first
    await mike.get_by_label('New password', exact=True).fill('mikes very own password')
    await mike.get_by_label('New password again').fill('mikes very own password')
    await mike.get_by_role('button', name='Save and continue').click()
    await expect(mike.get_by_text('Conversations', exact=True)).to_be_visible()
    await expect(mike).to_have_url(re.compile(r'/messenger$'))
    assert server_parley.auth.authenticate(email, 'mikes very own password').must_change_password is False
    await context.close()

    await alice.goto('/admin/audit')
    await expect(alice.get_by_text('Password reset: Mike Reset')).to_be_visible()
