from collections.abc import Callable

from nicegui import ui
from nicegui.testing import User

from services.auth import BAD_CREDENTIALS
from tests.conftest import PASSWORD
from tests.ui.conftest import SLOW, sign_in, sign_out


async def test_pages_ask_for_sign_in_and_return_to_the_page_asked_for(user: User, people, app_parley):
    conversation = app_parley.conversations.create_conversation(
        people['susan'], participant_ids=[people['alice'].id], body='Coffee at 3?', client_id='c1')
    await user.open(f'/messenger/{conversation.id}')
    await user.should_see('Sign in')
    user.find('Email').type('alice@example.com')
    user.find('Password').type(PASSWORD)
    user.find(kind=ui.button, content='Sign in').click()
    await user.should_see('Coffee at 3?', retries=SLOW)
    assert user.back_history[-1] == f'/messenger/{conversation.id}'


async def test_wrong_password_and_unknown_email_read_the_same(user: User, people):
    for email in ('alice@example.com', 'nobody@example.com'):
        await user.open('/login')
        user.find('Email').type(email)
        user.find('Password').type('wrong password')
        user.find(kind=ui.button, content='Sign in').click()
        await user.should_see(BAD_CREDENTIALS, retries=SLOW)
        await user.should_not_see('Conversations')


async def test_next_never_leaves_the_site(user: User, people):
    await sign_in(user, 'alice@example.com', path='/login?next=//evil.example.com/x')
    assert user.back_history[-1] == '/messenger'


async def test_sign_out_ends_every_session_of_the_agent(user: User, create_user: Callable[[], User], people):
    other_browser = create_user()
    await sign_in(other_browser, 'alice@example.com')
    # Its tab is closed: the simulation sends every page's ui.navigate to the User touched last, so an open page
    # there going to sign-in would move `user` instead. Open pages going live: tests/e2e/test_sessions.py.
    other_browser.client.delete()
    await sign_in(user, 'alice@example.com')
    await sign_out(user)
    await user.open('/messenger')
    await user.should_see('Sign in')
    await other_browser.open('/messenger')
    await other_browser.should_see('Sign in')


async def test_a_link_to_logout_from_elsewhere_signs_nobody_out(user: User, people):
    await sign_in(user, 'alice@example.com')
    await user.open('/logout')
    await user.should_see('Sign out of Parley?')
    await user.open('/messenger')
    await user.should_see('Conversations')


async def test_first_visit_to_an_empty_workspace_offers_setup_once(user: User):
    await user.open('/')
    await user.should_see('Create the first admin')
    user.find('Name').type('Rita Root')
    user.find('Email').type('rita@example.com')
    user.find('Password').type('short')
    user.find('Create admin').click()
    await user.should_see('at least 8 characters', retries=SLOW)
    user.find('Password').type(' but longer now')
    user.find('Create admin').click()
    await user.should_see('Conversations', retries=SLOW)
    await user.open('/setup')
    await user.should_see('Page not found')
    await user.should_not_see('Create the first admin')


async def test_unknown_addresses_get_a_page_not_found(user: User):
    response = await user.http_client.get('/no/such/page')
    assert response.status_code == 404
    assert 'Page not found' in response.text and 'HTTPException' not in response.text


async def test_an_anonymous_visitor_reaches_no_agent_page_or_api(user: User, people, app_parley):
    client = user.http_client
    for path in ('/messenger', '/messenger/1', '/messenger/draft', '/tickets', '/tickets/1', '/tasks', '/tasks/1',
                 '/settings/notifications', '/admin/customers', '/admin/agents', '/admin/outbox', '/admin/email',
                 '/admin/live-chat', '/settings/replies', '/settings/profile', '/admin/audit'):
        answer = await client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers['location'].startswith('/login'), path
    # Files: an upload needs a session (an agent's, or the live chat's token); a download is "not found".
    assert (await client.post('/files', content=b'x', headers={'X-File-Name': 'a.txt'})).status_code == 401
    assert (await client.get('/files/1/a.txt')).status_code == 404
    assert (await client.delete('/files/1')).status_code == 404
    # The load balancer's check answers anyone, and says only whether the database (and Redis) answer.
    health = await client.get('/healthz')
    assert health.status_code == 200 and health.json() == {'ok': True, 'database': True}
    assert health.headers['cache-control'] == 'no-store'
    assert (await client.head('/healthz')).status_code == 200
    assert (await client.post('/healthz')).status_code == 405
    app_parley.settings.inbound_secret = 'webhook secret'
    answer = await client.post('/api/inbound-email', content=b'From: a@b.test\r\n\r\nhi',
                               headers={'Content-Type': 'message/rfc822'})
    assert answer.status_code == 401


async def test_a_load_balancers_check_opens_no_browser_session(user: User):
    """A check carries no cookie; it gets no session (with Redis each one would cost a read and a subscription),
    while a page asked for without a cookie still gets one."""
    client = user.http_client
    client.cookies.clear()
    health = await client.get('/healthz')
    assert health.status_code == 200 and 'set-cookie' not in health.headers
    page = await client.get('/login')
    assert 'session=' in page.headers['set-cookie'] and 'samesite=lax' in page.headers['set-cookie'].lower()


async def test_changing_the_password_keeps_this_browser_and_signs_out_the_others(user: User,
                                                                                  create_user: Callable[[], User],
                                                                                  people, app_parley):
    other_browser = create_user()
    await sign_in(other_browser, 'alice@example.com')
    # Its tab is closed: the simulation sends every page's ui.navigate to the User touched last, so an open page
    # there going to sign-in would move `user` instead. Open pages going live: tests/e2e/test_sessions.py.
    other_browser.client.delete()
    await sign_in(user, 'alice@example.com')
    await user.open('/settings/password')
    user.find(marker='current-password').type('not it')
    user.find(marker='new-password').type('a brand new passphrase')
    user.find(marker='new-password-again').type('a brand new passphrase')
    user.find(marker='change-password').click()
    await user.should_see('Your current password is not right.', retries=SLOW)
    user.find(marker='current-password').clear().type(PASSWORD)
    user.find(marker='change-password').click()
    await user.should_see('Password changed. Your other browsers are signed out.', retries=SLOW)
    await user.open('/messenger')
    await user.should_see('Conversations')                 # still signed in here
    await other_browser.open('/messenger')
    await other_browser.should_see('Sign in')
    assert app_parley.auth.authenticate('alice@example.com', 'a brand new passphrase').name == 'Alice Admin'
