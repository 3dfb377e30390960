from services.demo import seed_demo


def test_demo_workspace_is_seeded_once(parley):
    result = seed_demo(parley.directory, parley.conversations, password='demo-pass')
    assert result.created
    alice = parley.auth.authenticate('alice@example.com', 'demo-pass')
    assert alice.is_admin
    for email in ('susan@example.com', 'john@example.com', 'mike@example.com'):
        assert not parley.auth.authenticate(email, 'demo-pass').is_admin
    assert [u.name for u in parley.directory.search_agents(alice, '')] == ['John Smith', 'Mike Brown', 'Susan Miller']
    assert len(parley.conversations.list_conversations(alice)) == 2
    again = seed_demo(parley.directory, parley.conversations, password='other')
    assert not again.created and again.password is None


def test_demo_password_is_random_when_not_given(parley):
    result = seed_demo(parley.directory, parley.conversations)
    assert len(result.password) >= 12
    assert parley.auth.authenticate('susan@example.com', result.password).name == 'Susan Miller'
