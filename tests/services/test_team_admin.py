"""Running the team: editing agents, roles and the last admin, temporary passwords, profiles, the audit log."""
import pytest

from models import AuditAction
from services.errors import Forbidden, InvalidInput, NotFound
from tests.conftest import PASSWORD, cid


def test_an_admin_edits_an_agent_and_the_log_says_what_changed(parley, team):
    alice, mike = team['alice'], team['mike']
    edited = parley.directory.update_agent(alice, mike.id, name=' Mike  Davis ', email='MIKE.DAVIS@example.com')
    assert (edited.name, edited.email) == ('Mike Davis', 'mike.davis@example.com')
    assert parley.auth.authenticate('mike.davis@example.com', PASSWORD).id == mike.id
    with pytest.raises(InvalidInput, match='already in use'):
        parley.directory.update_agent(alice, mike.id, name='Mike', email='susan@example.com')
    with pytest.raises(NotFound):
        parley.directory.update_agent(alice, team['customer'].id, name='X', email='x@example.com')
    [entry] = parley.audit.entries(alice)
    assert (entry.action, entry.actor, entry.subject) == (AuditAction.AGENT_EDITED, 'Alice Admin', 'Mike Davis')
    assert entry.detail == 'name: Mike Brown → Mike Davis; email: mike@example.com → mike.davis@example.com'


def test_the_team_always_keeps_an_active_admin(parley, team):
    alice, susan = team['alice'], team['susan']
    with pytest.raises(InvalidInput, match='at least one active admin'):
        parley.directory.set_admin(alice, alice.id, is_admin=False)   # the last one: not even herself
    parley.directory.set_admin(alice, susan.id, is_admin=True)
    assert parley.auth.get_agent(susan.id).is_admin
    parley.directory.set_admin(alice, alice.id, is_admin=False)       # Susan is an admin now: allowed
    with pytest.raises(Forbidden):
        parley.directory.list_agents(alice)                           # Alice's next call is an agent's
    with pytest.raises(InvalidInput, match='at least one active admin'):
        parley.directory.set_admin(susan, susan.id, is_admin=False)
    actions = [e.action for e in parley.audit.entries(susan)]
    assert actions == [AuditAction.ROLE_CHANGED, AuditAction.ROLE_CHANGED]


def test_a_reset_password_is_temporary_ends_sessions_and_must_be_replaced_first(parley, team):
    alice, mike = team['alice'], team['mike']
    generation = parley.directory.session_generation(mike.id)
    temporary = parley.directory.reset_password(alice, mike.id)
    assert len(temporary) >= 12
    assert parley.auth.get_agent(mike.id, generation=generation) is None, 'signed out everywhere'
    with pytest.raises(InvalidInput):
        parley.auth.authenticate('mike@example.com', PASSWORD)
    signed_in = parley.auth.authenticate('mike@example.com', temporary)
    assert signed_in.must_change_password
    with pytest.raises(Forbidden, match='Choose your own password first'):
        parley.conversations.create_conversation(signed_in, participant_ids=[alice.id], body='Hi', client_id=cid())
    with pytest.raises(InvalidInput, match='different from the temporary'):
        parley.auth.choose_password(signed_in, temporary)
    with pytest.raises(InvalidInput, match='at least 8'):
        parley.auth.choose_password(signed_in, 'short')
    parley.auth.choose_password(signed_in, 'my own password')
    mike_now = parley.auth.authenticate('mike@example.com', 'my own password')
    assert not mike_now.must_change_password
    parley.conversations.create_conversation(mike_now, participant_ids=[alice.id], body='Hi', client_id=cid())
    with pytest.raises(InvalidInput, match='your own already'):
        parley.auth.choose_password(mike_now, 'another password')
    with pytest.raises(InvalidInput, match='Change password'):
        parley.directory.reset_password(alice, alice.id)
    assert [e.action for e in parley.audit.entries(alice)] == [AuditAction.PASSWORD_RESET]


def test_a_new_agent_chooses_their_own_password_first(parley, team):
    nina = parley.directory.add_agent(team['alice'], name='Nina', email='nina@example.com', password='temporary1')
    assert parley.auth.authenticate('nina@example.com', 'temporary1').must_change_password
    parley.auth.choose_password(nina, 'ninas own password')
    assert not parley.auth.get_agent(nina.id).must_change_password
    [entry] = parley.audit.entries(team['alice'])
    assert (entry.action, entry.subject, entry.detail) == (AuditAction.AGENT_CREATED, 'Nina', 'Nina <nina@example.com>')


def test_deactivation_and_reactivation_are_logged_once_each(parley, team):
    alice, mike = team['alice'], team['mike']
    parley.directory.set_agent_active(alice, mike.id, active=False)
    parley.directory.set_agent_active(alice, mike.id, active=False)   # already: nothing more to log
    parley.directory.set_agent_active(alice, mike.id, active=True)
    assert [e.action for e in parley.audit.entries(alice)] == [AuditAction.AGENT_REACTIVATED,
                                                               AuditAction.AGENT_DEACTIVATED]


def test_an_agent_keeps_their_own_profile(parley, team):
    susan = team['susan']
    saved = parley.directory.update_profile(susan, name='Susan M.', avatar_color='teal', avatar_initials='sm',
                                            time_zone='Europe/Lisbon')
    assert (saved.name, saved.avatar_color, saved.initials, saved.time_zone) == ('Susan M.', 'teal', 'SM',
                                                                                 'Europe/Lisbon')
    assert parley.auth.get_agent(susan.id).initials == 'SM'
    for wrong, message in (({'avatar_color': 'chartreuse'}, 'colours'), ({'avatar_initials': 'ABCD'}, 'Initials'),
                           ({'avatar_initials': '<b>'}, 'Initials'), ({'time_zone': 'Mars/Base'}, 'time zone'),
                           ({'name': ' '}, 'Enter a name')):
        with pytest.raises(InvalidInput, match=message):
            parley.directory.update_profile(susan, **{'name': 'Susan', **wrong})
    back = parley.directory.update_profile(susan, name='Susan Miller')
    assert (back.initials, back.avatar_color, back.time_zone) == ('SM', None, None)
    assert parley.audit.entries(team['alice']) == [], 'their own profile is not an admin action'


def test_the_log_filters_and_pages(parley, team):
    alice = team['alice']
    for person in (team['susan'], team['john'], team['mike']):
        parley.directory.set_agent_active(alice, person.id, active=False)
    parley.directory.reset_password(alice, team['john'].id)
    everything = parley.audit.entries(alice)
    assert len(everything) == 4 and everything[0].action == AuditAction.PASSWORD_RESET
    assert [e.subject for e in parley.audit.entries(alice, action='agent_deactivated')] == [
        'Mike Brown', 'John Smith', 'Susan Miller']
    assert [e.subject for e in parley.audit.entries(alice, subject=team['john'].id)] == ['John Smith'] * 2
    page = parley.audit.entries(alice, limit=2)
    assert [e.id for e in page + parley.audit.entries(alice, before=page[-1].id)] == [e.id for e in everything]
    assert parley.audit.entries(alice, by=team['susan'].id) == []
    assert parley.audit.entries(alice, before=-5) == []
    with pytest.raises(InvalidInput):
        parley.audit.entries(alice, action='rm -rf')
    with pytest.raises(Forbidden):
        parley.audit.entries(team['susan'])
