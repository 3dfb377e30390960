"""Close, reopen, snooze from the thread header; the list's filters and their counts."""
from collections.abc import Callable

from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from models import OutboundEmail
from services.views import ConversationStatus, Inbox
from tests.conftest import cid
from tests.ui.conftest import sign_in


def chat_with(app_parley, people, *names, **kwargs):
    return app_parley.conversations.create_conversation(
        people['alice'], participant_ids=[people[n].id for n in names], body='Is the rota done?', client_id=cid(),
        **kwargs)


async def test_close_from_the_header_moves_it_to_closed_and_reopen_brings_it_back(user: User, people, app_parley):
    chat = chat_with(app_parley, people, 'susan')
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='close-conversation').click()
    await user.should_see('Alice Admin closed this conversation')
    await user.should_see('This conversation is closed. A new message from someone else opens it again.')
    await user.should_see('No open conversations')   # the Open list
    assert app_parley.conversations.access_conversation(people['susan'], chat.id).status == ConversationStatus.CLOSED

    user.find(marker='inbox-closed').click()
    await user.should_see(marker=f'conversation-{chat.id}')
    user.find(marker='reopen-conversation').click()
    await user.should_see('Alice Admin reopened this conversation')
    await user.should_see('Nothing closed yet')
    await user.should_not_see(marker='status-banner')


async def test_the_filter_survives_a_reload_and_shows_counts(user: User, people, app_parley):
    first = chat_with(app_parley, people, 'susan')
    chat_with(app_parley, people, 'john')
    app_parley.lifecycle.close(people['alice'], first.id)
    await sign_in(user, 'alice@example.com')
    await user.open('/messenger')
    assert [b.text for b in user.find(marker='inbox-filters').elements.pop().descendants()
            if isinstance(b, ui.badge) and b.visible] == ['1', '1']   # Open, Closed
    user.find(marker='inbox-closed').click()
    await user.should_see(marker=f'conversation-{first.id}')
    await user.open('/messenger')
    await user.should_see(marker=f'conversation-{first.id}')
    await user.should_see('Closed')


async def test_snooze_until_someone_replies_and_a_reply_brings_it_back_live(user: User, create_user: Callable[[], User],
                                                                         people, app_parley):
    chat = chat_with(app_parley, people, 'susan')
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='snooze').click()
    user.find(marker='snooze-reply').click()
    await user.should_see('Snoozed until someone replies by Alice Admin')
    await user.should_see(marker='status-banner')
    await user.should_see('No open conversations')

    app_parley.conversations.send_message(people['susan'], chat.id, body='Rota is done', client_id=cid())
    await user.should_see("Reopened by Susan Miller's reply")
    await user.should_not_see(marker='status-banner')
    await user.should_see(marker=f'conversation-{chat.id}')


async def test_a_snooze_in_the_past_is_refused_in_the_dialog(user: User, people, app_parley):
    chat = chat_with(app_parley, people, 'susan')
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='snooze').click()
    user.find(marker='snooze-pick').click()
    user.find(marker='snooze-date').clear().type('2020-01-01')
    user.find(marker='confirm-snooze').click()
    await user.should_see('That time has passed: pick a later one.')
    assert app_parley.conversations.access_conversation(people['alice'], chat.id).status == ConversationStatus.OPEN


async def test_closing_a_customer_conversation_offers_a_transcript(user: User, people, app_parley):
    customer = app_parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    chat = app_parley.conversations.create_conversation(people['alice'], participant_ids=[customer.id],
                                                        body='Your refund is on its way.', client_id=cid(),
                                                        with_customer=True)
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='close-conversation').click()
    await user.should_see('Email Sample Customer a transcript')
    user.find(marker='transcript').click()
    user.find(marker='confirm-close').click()
    await user.should_see('Alice Admin closed this conversation')
    with app_parley.db.session() as session:
        subjects = session.exec(select(OutboundEmail.subject)).all()
    assert any(s.startswith('Transcript') for s in subjects)


async def test_a_teammates_page_follows_the_status_live(user: User, create_user: Callable[[], User], people,
                                                       app_parley):
    chat = chat_with(app_parley, people, 'susan')
    susan = create_user()
    await sign_in(susan, 'susan@example.com')
    await susan.open(f'/messenger/{chat.id}')
    await susan.should_see(marker='close-conversation')
    app_parley.lifecycle.close(people['alice'], chat.id)
    await susan.should_see('Alice Admin closed this conversation')
    await susan.should_see(marker='reopen-conversation')
    await susan.should_see(marker='status-banner')
    assert app_parley.conversations.inbox_counts(people['susan'])[Inbox.CLOSED] == 1
