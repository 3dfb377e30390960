import pytest

from services.directory import SUGGESTION_LIMIT
from services.errors import InvalidInput


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


def test_search_returns_at_most_eight(parley, team):
    for i in range(12):
        parley.directory.create_agent(name=f'Agent {i:02}', email=f'agent{i}@example.com', password='x' * 8)
    assert len(parley.directory.search_agents(team['alice'], 'agent')) == SUGGESTION_LIMIT


@pytest.mark.parametrize('email', ['', 'plain', 'a@b', 'a b@example.com', 'x@example.com\r\nBcc: y@z.com',
                                   '<a@example.com>'])
def test_malformed_email_is_refused_with_a_clear_message(parley, email):
    with pytest.raises(InvalidInput, match='valid email'):
        parley.directory.create_customer(name='X', email=email)


def test_email_is_unique_whatever_its_case(parley, team):
    with pytest.raises(InvalidInput, match='already in use'):
        parley.directory.create_customer(name='Other', email='Customer@Example.com')


def test_names_are_required(parley):
    with pytest.raises(InvalidInput, match='Enter a name'):
        parley.directory.create_customer(name='  ', email='n@example.com')
