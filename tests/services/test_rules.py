"""Rules that used to sit in ui/ and now live in services (issue 19): the pages only call these."""
from datetime import date, timedelta

from services.conversations import unread_after
from services.directory import matching
from services.drafts import item_draft, new_draft
from services.events import ConversationRead, MessageSent
from services.livechat import ChatIdentity
from services.passwords import MIN_PASSWORD_LENGTH, temporary_password, validate_password
from services.views import ItemLink, UserView
from tests.conftest import cid

SUSAN, JOHN = 2, 3


def sent(read_by=(1,)):
    return MessageSent(recipients=(1, SUSAN, JOHN), conversation_id=7, message_id=9, author_id=1, preview='Hi',
                       at='2026-12-02T09:00:00+00:00', read_by=read_by)


def test_a_list_rows_unread_count_follows_the_events_as_the_database_counts():
    assert unread_after(2, sent(), SUSAN, on_screen=False) == 3
    assert unread_after(2, sent(), SUSAN, on_screen=True) == 0, 'on screen: read as it arrives'
    assert unread_after(2, sent(read_by=(1, SUSAN)), SUSAN, on_screen=False) == 0, 'read in another tab'
    assert unread_after(0, sent(), 1, on_screen=False) == 0, "the author's own message"
    assert unread_after(5, ConversationRead(recipients=(SUSAN,), conversation_id=7), SUSAN, on_screen=False) == 0


def test_a_draft_of_the_other_kind_keeps_its_text_not_its_people():
    draft = {'kind': 'user', 'participants': [SUSAN], 'customers': [], 'body': 'Half a sentence', 'item_id': None}
    assert new_draft('user', draft) is draft
    switched = new_draft('customer', draft)
    assert switched == {'kind': 'customer', 'participants': [], 'customers': [], 'body': 'Half a sentence',
                        'item_id': None}
    assert new_draft('anything else')['kind'] == 'user'


def test_a_draft_from_a_ticket_proposes_its_customer_only_for_a_customer_conversation():
    ticket = ItemLink(kind='ticket', number=4, title='Printer')
    assert item_draft('customer', 12, ticket, 40)['customers'] == [40]
    assert item_draft('user', 12, ticket, 40)['customers'] == []
    assert item_draft('customer', 12, ticket, 40)['item_id'] == 12


def test_overdue_is_by_the_viewers_calendar_and_never_once_done(parley, team):
    alice = team['alice']
    today = date(2026, 12, 2)
    task = parley.items.create(alice, 'task', title='Call the courier', due_date=today - timedelta(days=1))
    assert task.is_overdue(today) and not task.is_overdue(today - timedelta(days=1))
    done = parley.items.update(alice, task.id, status='done')
    assert done.is_done and not done.is_overdue(today)
    ticket = parley.items.create(alice, 'ticket', title='Printer')
    assert not ticket.is_overdue(today) and not ticket.is_done
    assert parley.items.update(alice, ticket.id, status='closed').is_done


def test_a_temporary_password_is_random_and_acceptable():
    first, second = temporary_password(), temporary_password()
    assert first != second and len(first) >= MIN_PASSWORD_LENGTH
    validate_password(first)


def test_an_at_name_matches_teammates_by_name_or_email_in_any_case():
    people = [UserView(id=2, name='Susan Miller', email='susan@example.com', kind='agent'),
              UserView(id=3, name='John Smith', email='jsmith@example.com', kind='agent')]
    assert [p.id for p in matching(people, 'MILL')] == [2]
    assert [p.id for p in matching(people, 'jsmith@')] == [3]
    assert [p.id for p in matching(people, '  ')] == [2, 3]


def test_the_chat_box_starts_a_verified_customers_conversation_then_sends_into_it(parley, team):
    customer = team['customer']
    identity, messages = parley.chat.write(ChatIdentity(customer, None), body='First words', client_id=cid())
    assert identity.conversation_id is not None and [m.body for m in messages] == ['First words']
    again, [message] = parley.chat.write(identity, body='And more', client_id=cid())
    assert again == identity and message.conversation_id == identity.conversation_id
