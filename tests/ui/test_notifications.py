"""The bell and the notification settings, as agents use them."""
import asyncio
from collections.abc import Callable

from nicegui import ElementFilter, ui
from nicegui.testing import User

from services.notifications import ALWAYS, KINDS
from tests.conftest import cid
from tests.ui.conftest import sign_in


def bell_count(user: User) -> str | None:
    """The bell's badge, or None while it is hidden (nothing unread)."""
    with user:
        [badge] = ElementFilter(marker='bell-count')
    return badge.text if badge.visible else None


async def eventually(check: Callable[[], bool], *, seconds: float = 5) -> None:
    for _ in range(int(seconds * 20)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


async def test_the_badge_counts_up_live_and_opening_the_conversation_clears_it(user: User, people, app_parley):
    await sign_in(user, 'susan@example.com')
    assert bell_count(user) is None
    conversation = app_parley.conversations.create_conversation(
        people['alice'], participant_ids=[people['susan'].id], body='Can you cover Saturday?', client_id=cid())
    await eventually(lambda: bell_count(user) == '1')
    await user.should_see('Alice Admin added you to a conversation: Can you cover Saturday?')   # the pop-up
    await user.should_see(marker=f'conversation-{conversation.id}')   # the list redraws a moment later
    user.find(marker=f'conversation-{conversation.id}').click()
    await user.should_see('2 participants')
    await eventually(lambda: bell_count(user) is None)
    assert app_parley.notifications.unread_count(people['susan']) == 0


async def test_an_agent_with_in_app_off_gets_no_badge_but_sees_the_conversation(user: User, people, app_parley):
    john = people['john']
    for kind in KINDS:
        if kind not in ALWAYS:
            app_parley.notifications.set_channel(john, kind, 'in_app', False)
            app_parley.notifications.set_channel(john, kind, 'popup', False)
    await sign_in(user, 'john@example.com')
    app_parley.conversations.create_conversation(people['alice'], participant_ids=[john.id],
                                                 body='Lunch at noon?', client_id=cid())
    await user.should_see('Lunch at noon?', retries=20)   # the conversation list
    await asyncio.sleep(0.3)
    assert bell_count(user) is None


async def test_the_bell_lists_opens_and_marks_all_read(user: User, people, app_parley):
    alice, susan = people['alice'], people['susan']
    first = app_parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='First thing',
                                                         client_id=cid(), subject='Rota')
    app_parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Second thing',
                                                 client_id=cid())
    await sign_in(user, 'susan@example.com')
    assert bell_count(user) == '2'
    user.find(marker='bell').click()
    await user.should_see('Alice Admin added you to a conversation: Rota')
    await user.should_see('Second thing')
    oldest = app_parley.notifications.bell(susan)[-1]
    user.find(marker=f'notification-{oldest.id}').click()
    await user.should_see('2 participants')   # the conversation opened
    await eventually(lambda: bell_count(user) == '1')
    assert app_parley.conversations.access_conversation(susan, first.id).unread_count == 0
    user.find(marker='bell').click()
    await user.should_see(marker='mark-all-read')   # the list is drawn when the bell opens
    user.find(marker='mark-all-read').click()
    await eventually(lambda: bell_count(user) is None)
    assert app_parley.notifications.unread_count(susan) == 0


async def test_settings_are_saved_as_they_are_changed(user: User, people, app_parley):
    susan = people['susan']
    await sign_in(user, 'susan@example.com')
    await user.open('/settings/notifications')
    await user.should_see('Customer reply')
    await user.should_see('Always shown in the bell.')
    user.find(marker='setting-message-popup').click()
    await user.should_see('Saved')
    assert app_parley.notifications.settings(susan).is_on('message', 'popup')
    user.find(marker='setting-customer_reply-sound').click()
    await eventually(lambda: not app_parley.notifications.settings(susan).is_on('customer_reply', 'sound'))
    [mention_bell] = user.find(marker='setting-mention-in_app').elements
    assert mention_bell.value and not mention_bell.enabled
    user.find(marker='email-delay').elements.pop().value = 30
    await eventually(lambda: app_parley.notifications.settings(susan).email_delay_minutes == 30)


async def test_one_pop_up_per_agent_in_the_tab_focused_last(user: User, create_user: Callable[[], User], people,
                                                            app_parley):
    second_tab = create_user()
    await sign_in(user, 'susan@example.com')
    await sign_in(second_tab, 'susan@example.com')    # opened last, so it has the focus
    app_parley.conversations.create_conversation(people['alice'], participant_ids=[people['susan'].id],
                                                 body='Standup moved', client_id=cid())
    await second_tab.should_see('Alice Admin added you to a conversation: Standup moved')
    await eventually(lambda: bell_count(user) == '1')   # both badges count it
    await user.should_not_see('Alice Admin added you to a conversation: Standup moved')


async def test_the_settings_page_needs_sign_in(user: User, people):
    await user.open('/settings/notifications')
    await user.should_see('Sign in')
    assert list(user.find(kind=ui.button, content='Sign in').elements)


async def test_an_at_mention_in_a_thread_suggests_teammates_and_notifies_them(user: User, people, app_parley):
    alice, susan = people['alice'], people['susan']
    conversation = app_parley.conversations.create_conversation(
        alice, participant_ids=[susan.id, people['john'].id], body='Who takes the Monday call?', client_id=cid())
    await sign_in(user, 'alice@example.com', path=f'/messenger/{conversation.id}')
    await user.should_see('Who takes the Monday call?')
    user.find(marker='composer').type('Could you, @su')
    await user.should_see(marker='person-susan@example.com')
    await user.should_not_see(marker='person-mike@example.com')   # not in this conversation
    user.find(marker='person-susan@example.com').click()
    assert user.find(marker='composer').elements.pop().value == 'Could you, @Susan Miller '
    user.find(marker='send').click()
    await user.should_see('Could you, @Susan Miller')
    assert app_parley.notifications.bell(susan)[0].title == 'Alice Admin mentioned you'
    assert app_parley.notifications.bell(people['john'])[0].title == 'Alice Admin wrote'
