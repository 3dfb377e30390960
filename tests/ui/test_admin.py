from nicegui import ui
from nicegui.testing import User

from services.mail import MailService
from tests.conftest import free_port
from tests.ui.conftest import SLOW, sign_in, sign_out


async def test_admin_adds_and_edits_a_customer(user: User, people, app_parley):
    await sign_in(user, 'alice@example.com')
    await user.open('/admin/customers')
    await user.should_see('No customers yet')
    user.find(kind=ui.button, content='Add customer').click()
    user.find('Name').type('Sample Customer')
    user.find('Email').type('not an email')
    user.find('Save').click()
    await user.should_see('Enter a valid email address')
    user.find('Email').clear()
    user.find('Email').type('customer@example.com')
    user.find('Organization').type('Sample Company')
    user.find('Save').click()
    await user.should_see('customer@example.com · Sample Company')

    user.find(marker='edit-customer@example.com').click()
    user.find('Organization').clear()
    user.find('Organization').type('Sample Holdings')
    user.find('Save').click()
    await user.should_see('customer@example.com · Sample Holdings')
    user.find('Search by name').type('holdings')
    await user.should_see('Sample Customer')
    [customer] = app_parley.directory.list_customers(people['alice'])
    assert customer.organization == 'Sample Holdings'


async def test_agents_and_customers_pages_are_for_admins(user: User, people):
    await sign_in(user, 'susan@example.com')
    for path in ('/admin/customers', '/admin/agents'):
        await user.open(path)
        await user.should_see('Only admins manage customers and agents.')
        await user.should_not_see('Add customer')
        await user.should_not_see('Add agent')
    await user.should_not_see('Customers')


async def test_a_deactivated_agent_cannot_sign_in(user: User, people):
    await sign_in(user, 'alice@example.com')
    await user.open('/admin/agents')
    await user.should_see('Mike Brown')
    user.find(marker='actions-mike@example.com').click()
    user.find(marker='menu-deactivate-mike@example.com').click()
    await user.should_see('is signed out everywhere at once and cannot sign in')   # what happens, before it does
    user.find(marker='confirm-deactivate').click()
    await user.should_see('Mike Brown is deactivated.')
    await user.should_see('Deactivated')
    await sign_out(user)
    user.find('Email').type('mike@example.com')
    user.find('Password').type('correct horse battery')
    user.find(kind=ui.button, content='Sign in').click()
    await user.should_see('do not match an active account', retries=SLOW)


async def test_admin_adds_an_agent_with_a_temporary_password(user: User, people, app_parley):
    await sign_in(user, 'alice@example.com')
    await user.open('/admin/agents')
    user.find(kind=ui.button, content='Add agent').click()
    user.find('Name').type('Nina North')
    user.find('Email').type('nina@example.com')
    user.find('Save').click()
    await user.should_see('Nina North')
    await user.should_see('Temporary password')
    [shown] = user.find(marker='password-value').elements
    nina = [a for a in app_parley.directory.list_agents(people['alice']) if a.email == 'nina@example.com']
    assert nina and nina[0].is_active and not nina[0].is_admin and nina[0].must_change_password
    assert app_parley.auth.authenticate('nina@example.com', shown.text).id == nina[0].id
    user.find(marker='password-done').click()
    await user.should_not_see(marker='password-value')


async def test_alice_resets_mikes_password_and_he_must_choose_his_own(user: User, people, app_parley):
    await sign_in(user, 'alice@example.com')
    await user.open('/admin/agents')
    user.find(marker='actions-mike@example.com').click()
    user.find(marker='menu-reset-password-mike@example.com').click()
    await user.should_see('They are signed out everywhere now')
    user.find(marker='confirm-reset').click()
    await user.should_see('signs in again with this password')
    [shown] = user.find(marker='password-value').elements
    temporary = shown.text
    user.find(marker='password-done').click()
    await user.open('/admin/audit')
    await user.should_see('Password reset: Mike Brown')
    await sign_out(user)

    user.find('Email').type('mike@example.com')
    user.find('Password').type(temporary)
    user.find(kind=ui.button, content='Sign in').click()
    await user.should_see('Choose your own to continue', retries=SLOW)
    await user.open('/messenger')   # nothing else first
    await user.should_see('Choose your own to continue')
    user.find('New password').type('mikes own password')
    user.find('New password again').type('mikes own passw0rd')
    user.find('Save and continue').click()
    await user.should_see('The two passwords are not the same.')
    user.find('New password again').clear()
    user.find('New password again').type('mikes own password')
    user.find('Save and continue').click()
    await user.should_see('Conversations', retries=SLOW)
    assert app_parley.auth.authenticate('mike@example.com', 'mikes own password').must_change_password is False


async def test_an_admin_changes_roles_but_never_leaves_the_team_without_one(user: User, people, app_parley):
    await sign_in(user, 'alice@example.com')
    await user.open('/admin/agents')
    user.find(marker='actions-alice@example.com').click()
    user.find(marker='menu-remove-admin-role-alice@example.com').click()
    user.find(marker='confirm-role').click()
    await user.should_see('The team needs at least one active admin')   # in the dialog, nothing changed
    assert app_parley.auth.get_agent(people['alice'].id).is_admin
    await user.open('/admin/agents')
    user.find(marker='actions-susan@example.com').click()
    user.find(marker='menu-make-admin-susan@example.com').click()
    user.find(marker='confirm-role').click()
    await user.should_see('Susan Miller is an admin now.')
    assert app_parley.auth.get_agent(people['susan'].id).is_admin


async def test_an_agent_edits_their_profile(user: User, people, app_parley):
    await sign_in(user, 'susan@example.com')
    await user.open('/settings/profile')
    user.find(marker='profile-initials').type('SUE')
    user.find(marker='save-profile').click()
    await user.should_see('Profile saved.')
    saved = app_parley.auth.get_agent(people['susan'].id)
    assert saved.initials == 'SUE'
    user.find(marker='profile-name').clear()
    user.find(marker='save-profile').click()
    await user.should_see('Enter a name.')
    await user.open('/admin/audit')
    await user.should_see('Only admins manage customers and agents.')


async def test_the_outbox_shows_kept_email_to_admins(user: User, people, app_parley):
    app_parley.mail.enqueue(to_address='customer@example.com', to_name='Sample Customer', subject='About your order',
                            text='It ships <tomorrow>.', html='<p>It ships &lt;tomorrow&gt;.</p>')
    await sign_in(user, 'alice@example.com')
    await user.open('/admin/outbox')
    await user.should_see('About your order → Sample Customer')
    [email] = user.find(ui.expansion).elements
    assert email.props['caption'].startswith('Kept (no SMTP server)')
    await user.should_see('It ships <tomorrow>.')


async def test_the_outbox_shows_why_an_email_is_retrying_without_opening_it(user: User, people, app_parley):
    """An SMTP server that refuses (here: nothing listens) leaves a visible reason on the row, not in a fold."""
    closed = MailService(app_parley.db, smtp_url=f'smtp://127.0.0.1:{free_port()}', mail_from='help@example.com',
                         team_name='Acme Support')
    email = closed.enqueue(to_address='customer@example.com', to_name='Sample Customer', subject='About your order',
                           text='It ships tomorrow.', html='<p>It ships tomorrow.</p>')
    assert closed.send_due() == 0
    await sign_in(user, 'alice@example.com')
    await user.open('/admin/outbox')
    await user.should_see('About your order → Sample Customer')
    [error] = user.find(marker=f'outbox-error-{email.id}').elements
    assert error.text.startswith('Attempt 1 of 8 failed: ConnectionRefusedError') and 'Next try' in error.text
