import pytest

from services.directory import SUGGESTION_LIMIT
from services.errors import Forbidden, InvalidInput, NotFound


def names(users):
    return [u.name for u in users]


def test_search_matches_name_or_email_case_insensitively(parley, team):
    alice = team['alice']
    assert names(parley.directory.search_agents(alice, 'su')) == ['Susan Miller']
    assert names(parley.directory.search_agents(alice, '@SMITH')) == ['John Smith']
    assert names(parley.directory.search_agents(alice, 'john@EXAMPLE')) == ['John Smith']
    assert names(parley.directory.search_agents(alice, '@')) == ['John Smith', 'Mike Brown', 'Susan Miller']


def test_search_leaves_out_yourself_customers_exclusions_and_wildcards(parley, team):
    alice = team['alice']
    assert names(parley.directory.search_agents(alice, 'alice')) == []
    assert names(parley.directory.search_agents(alice, 'customer')) == []
    assert names(parley.directory.search_agents(alice, '', exclude_ids=[team['susan'].id])) == [
        'John Smith', 'Mike Brown']
    assert names(parley.directory.search_agents(alice, '%')) == []
    assert names(parley.directory.search_agents(alice, '_')) == []
    assert names(parley.directory.search_agents(alice, '/')) == []   # autoescape's own escape character
    parley.directory.create_customer(name='Percent 100% Ltd', email='p_q@example.com')
    assert [c.name for c in parley.directory.list_customers(alice, '100%')] == ['Percent 100% Ltd']
    assert [c.name for c in parley.directory.search_customers(alice, 'p_q')] == ['Percent 100% Ltd']
    assert parley.directory.search_customers(alice, 'pxq') == []


def test_search_returns_at_most_eight(parley, team):
    for i in range(12):
        parley.directory.create_agent(name=f'Agent {i:02}', email=f'agent{i}@example.com', password='x' * 8)
    assert len(parley.directory.search_agents(team['alice'], 'agent')) == SUGGESTION_LIMIT


@pytest.mark.parametrize('email', ['', 'plain', 'a@b', 'a b@example.com', 'x@example.com\r\nBcc: y@z.com',
                                   '<a@example.com>', 'a..b@example.com', '.dot@example.com', 'x@-example.com',
                                   'x@example..com', 'x@localhost'])
def test_malformed_email_is_refused_with_a_clear_message(parley, email):
    with pytest.raises(InvalidInput, match='valid email'):
        parley.directory.create_customer(name='X', email=email)


def test_addresses_are_checked_by_email_validator_and_kept_lower_case(parley):
    assert parley.directory.create_customer(name='Ana', email='  Ana.Sousa@Example.PT ').email == 'ana.sousa@example.pt'
    assert parley.directory.create_customer(name='Zoë', email='zoë@exämple.com').email == 'zoë@exämple.com'
    with pytest.raises(InvalidInput, match=r'valid email address, like name@example.com\. \(An email address cannot'):
        parley.directory.create_customer(name='X', email='a..b@example.com')


def test_email_is_unique_whatever_its_case(parley, team):
    with pytest.raises(InvalidInput, match='already in use'):
        parley.directory.create_customer(name='Other', email='Customer@Example.com')


def test_names_are_required(parley):
    with pytest.raises(InvalidInput, match='Enter a name'):
        parley.directory.create_customer(name='  ', email='n@example.com')


def test_only_admins_manage_people(parley, team):
    """Agents are added, edited, reset and deactivated by admins; a customer's details any agent may correct."""
    susan = team['susan']
    for call in (lambda: parley.directory.add_customer(susan, name='X', email='x@example.com'),
                 lambda: parley.directory.add_agent(susan, name='X', email='x@example.com', password='long enough'),
                 lambda: parley.directory.set_agent_active(susan, team['mike'].id, active=False),
                 lambda: parley.directory.update_agent(susan, team['mike'].id, name='X', email='x@example.com'),
                 lambda: parley.directory.set_admin(susan, team['mike'].id, is_admin=True),
                 lambda: parley.directory.reset_password(susan, team['mike'].id),
                 lambda: parley.directory.list_agents(susan)):
        with pytest.raises(Forbidden):
            call()


def test_admin_adds_and_edits_customers(parley, team):
    alice = team['alice']
    added = parley.directory.add_customer(alice, name='  Ana   Costa ', email='ANA@example.com', organization=' ACME ')
    assert (added.name, added.email, added.organization) == ('Ana Costa', 'ana@example.com', 'ACME')
    edited = parley.directory.update_customer(alice, added.id, name='Ana C.', email='ana.c@example.com',
                                              organization='')
    assert (edited.name, edited.email, edited.organization) == ('Ana C.', 'ana.c@example.com', None)
    with pytest.raises(InvalidInput, match='already in use'):
        parley.directory.update_customer(alice, added.id, name='Ana', email='customer@example.com', organization=None)
    with pytest.raises(InvalidInput, match='valid email'):
        parley.directory.update_customer(alice, added.id, name='Ana', email='not-an-email', organization=None)
    with pytest.raises(NotFound):
        parley.directory.update_customer(alice, team['susan'].id, name='S', email='s2@example.com', organization=None)
    assert [c.name for c in parley.directory.list_customers(alice, 'acme')] == []
    assert [c.name for c in parley.directory.list_customers(alice, 'ana.c@')] == ['Ana C.']
    assert [c.name for c in parley.directory.list_customers(alice)] == ['Ana C.', 'Sample Customer']


def test_deactivated_agents_cannot_sign_in_and_are_not_suggested(parley, team):
    alice, mike = team['alice'], team['mike']
    assert parley.directory.set_agent_active(alice, mike.id, active=False).is_active is False
    assert parley.auth.get_agent(mike.id) is None
    assert 'Mike Brown' not in [a.name for a in parley.directory.search_agents(alice, '')]
    assert [a.is_active for a in parley.directory.list_agents(alice) if a.name == 'Mike Brown'] == [False]
    parley.directory.set_agent_active(alice, mike.id, active=True)
    assert parley.auth.get_agent(mike.id).name == 'Mike Brown'
    with pytest.raises(InvalidInput, match='your own'):
        parley.directory.set_agent_active(alice, alice.id, active=False)
    with pytest.raises(NotFound):
        parley.directory.set_agent_active(alice, team['customer'].id, active=False)


def test_admin_adds_an_agent_who_can_sign_in(parley, team):
    with pytest.raises(InvalidInput, match='at least 8'):
        parley.directory.add_agent(team['alice'], name='Nina', email='nina@example.com', password='short')
    nina = parley.directory.add_agent(team['alice'], name='Nina', email='nina@example.com', password='temporary1')
    assert parley.auth.authenticate('nina@example.com', 'temporary1').id == nina.id
