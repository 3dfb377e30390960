"""Saved replies: the team's (admins keep them) and each agent's own; filled in for a conversation."""
import pytest

from services.errors import Forbidden, InvalidInput, NotFound
from services.replies import fill


def test_an_agent_keeps_their_own_and_sees_the_teams(parley, team):
    parley.replies.create(team['alice'], title='Refund policy', shortcut='refund', body='Refunds take 5 days.',
                          shared=True)
    parley.replies.create(team['susan'], title='My greeting', shortcut='hi', body='Hi {customer.first_name}!')
    parley.replies.create(team['john'], title='John only', shortcut='john', body='...')
    susan = parley.replies.list_replies(team['susan'])
    assert [(r.shortcut, r.shared, r.mine) for r in susan] == [('hi', False, True), ('refund', True, False)]
    alice = parley.replies.list_replies(team['alice'])
    assert [(r.shortcut, r.mine) for r in alice] == [('refund', True)]   # an admin keeps the team's


def test_only_admins_keep_the_teams_replies(parley, team):
    with pytest.raises(Forbidden, match='Only admins'):
        parley.replies.create(team['susan'], title='T', shortcut='t', body='x', shared=True)
    shared = parley.replies.create(team['alice'], title='T', shortcut='t', body='x', shared=True)
    with pytest.raises(Forbidden):
        parley.replies.update(team['susan'], shared.id, title='Mine now', shortcut='t', body='y')
    with pytest.raises(Forbidden):
        parley.replies.delete(team['susan'], shared.id)


def test_nobody_sees_or_changes_anothers_own_replies(parley, team):
    own = parley.replies.create(team['susan'], title='Mine', shortcut='mine', body='x')
    for other in ('alice', 'john'):
        with pytest.raises(NotFound):
            parley.replies.update(team[other], own.id, title='x', shortcut='x', body='x')
        with pytest.raises(NotFound):
            parley.replies.delete(team[other], own.id)
    with pytest.raises(Forbidden):
        parley.replies.list_replies(team['customer'])


@pytest.mark.parametrize('title, shortcut, body, message', [
    ('', 'x', 'text', 'Give the reply a title'),
    ('T', 'Has Space', 'text', 'A shortcut is 1 to 32'),
    ('T', '', 'text', 'A shortcut is 1 to 32'),
    ('T', 'x' * 33, 'text', 'A shortcut is 1 to 32'),
    ('T', 'x', '   ', "Write the reply's text"),
    ('T', 'x', 'y' * 10_001, 'characters; a message can have'),
])
def test_bad_input_says_what_to_fix(parley, team, title, shortcut, body, message):
    with pytest.raises(InvalidInput, match=message):
        parley.replies.create(team['susan'], title=title, shortcut=shortcut, body=body)


def test_a_shortcut_is_one_replys_in_each_scope(parley, team):
    parley.replies.create(team['susan'], title='A', shortcut='/Thanks', body='x')   # "/" and case are forgiven
    with pytest.raises(InvalidInput, match='"/thanks" is taken'):
        parley.replies.create(team['susan'], title='B', shortcut='thanks', body='y')
    parley.replies.create(team['john'], title='B', shortcut='thanks', body='y')   # John's own: fine
    parley.replies.create(team['alice'], title='C', shortcut='thanks', body='z', shared=True)   # the team's: fine


def test_suggestions_by_shortcut_then_title(parley, team):
    for title, shortcut in (('Refund policy', 'refund'), ('Reset password', 'reset'), ('Printer refunds', 'prn')):
        parley.replies.create(team['susan'], title=title, shortcut=shortcut, body='x')
    replies = parley.replies.list_replies(team['susan'])
    assert [r.shortcut for r in parley.replies.suggest(replies, 're')] == ['refund', 'reset', 'prn']   # "Printer"
    assert [r.shortcut for r in parley.replies.suggest(replies, 'refund')] == ['refund', 'prn']
    assert [r.shortcut for r in parley.replies.suggest(replies, '')] == ['prn', 'refund', 'reset']


def test_placeholders_fill_in_for_the_conversation(team):
    body = 'Hi {customer.first_name}, this is {agent.first_name} ({agent.name}) for {customer.name}. {other}'
    assert fill(body, agent=team['alice'], customers=[team['customer']]) == \
        'Hi Sample, this is Alice (Alice Admin) for Sample Customer. {other}'
    assert fill('Hi {customer.first_name}, thanks!', agent=team['alice']) == 'Hi, thanks!'
