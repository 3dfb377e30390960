import pytest

from services.auth import BAD_CREDENTIALS
from services.ratelimit import LoginThrottle
from services.errors import Forbidden, InvalidInput, Throttled
from services.passwords import verify_password
from models import User
from tests.conftest import PASSWORD


def test_sign_in_with_the_right_password(parley, team):
    agent = parley.auth.authenticate('  ALICE@example.com ', PASSWORD)
    assert agent.id == team['alice'].id and agent.is_admin


def test_passwords_are_stored_as_argon2_hashes(parley, team):
    with parley.db.session() as session:
        stored = session.get(User, team['alice'].id).password_hash
    assert stored.startswith('$argon2id$') and PASSWORD not in stored
    assert verify_password(PASSWORD, stored)


def test_unknown_email_and_wrong_password_give_the_same_message(parley, team):
    with pytest.raises(InvalidInput) as wrong:
        parley.auth.authenticate('alice@example.com', 'nope nope')
    with pytest.raises(InvalidInput) as unknown:
        parley.auth.authenticate('nobody@example.com', 'nope nope')
    assert str(wrong.value) == str(unknown.value) == BAD_CREDENTIALS


def test_unknown_email_costs_a_hash_check_too(parley, team, monkeypatch):
    import services.auth as auth
    calls = []
    monkeypatch.setattr(auth, 'verify_password', lambda pw, h: calls.append(h) or False)
    for email in ('alice@example.com', 'nobody@example.com'):
        with pytest.raises(InvalidInput):
            parley.auth.authenticate(email, 'wrong password')
    assert len(calls) == 2 and all(h.startswith('$argon2id$') for h in calls)


def test_customers_and_deactivated_agents_cannot_sign_in(parley, team):
    with pytest.raises(InvalidInput):
        parley.auth.authenticate('customer@example.com', '')
    with parley.db.transaction() as tx:
        user = tx.session.get(User, team['mike'].id)
        user.is_active = False
        tx.session.add(user)
    with pytest.raises(InvalidInput):
        parley.auth.authenticate('mike@example.com', PASSWORD)
    assert parley.auth.get_agent(team['mike'].id) is None
    assert parley.auth.get_agent(team['customer'].id) is None
    assert parley.auth.get_agent('1') is None
    assert parley.auth.get_agent(team['susan'].id).name == 'Susan Miller'


def test_repeated_failures_are_throttled_per_email(parley, team, limits_time):
    parley.auth.throttle = LoginThrottle(limit=3, window=900, lockout=300)
    for _ in range(3):
        with pytest.raises(InvalidInput):
            parley.auth.authenticate('alice@example.com', 'guess')
    with pytest.raises(Throttled, match='Try again in 5 minutes'):
        parley.auth.authenticate('alice@example.com', PASSWORD)  # even the right password waits
    assert parley.auth.authenticate('susan@example.com', PASSWORD).name == 'Susan Miller'
    limits_time.now += 301
    assert parley.auth.authenticate('alice@example.com', PASSWORD).name == 'Alice Admin'


def test_failures_spread_over_time_do_not_lock(parley, team, limits_time):
    parley.auth.throttle = LoginThrottle(limit=3, window=60, lockout=300)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            parley.auth.authenticate('alice@example.com', 'guess')
        limits_time.now += 40
        if _ == 1:
            limits_time.now += 100
    with pytest.raises(InvalidInput):  # not Throttled: never three within a minute
        parley.auth.authenticate('alice@example.com', 'guess')


def test_first_admin_only_while_there_is_no_agent(parley):
    assert parley.auth.needs_setup()
    with pytest.raises(InvalidInput, match='at least 8'):
        parley.auth.create_first_admin(name='Root', email='root@example.com', password='short')
    admin = parley.auth.create_first_admin(name='Root', email='root@example.com', password='long enough')
    assert admin.is_admin and not parley.auth.needs_setup()
    with pytest.raises(Forbidden):
        parley.auth.create_first_admin(name='Evil', email='evil@example.com', password='long enough')


def test_many_failed_sign_ins_from_one_address_are_throttled_whatever_the_emails(parley, team):
    parley.auth.address_throttle.limit = 3
    for i in range(3):
        with pytest.raises(InvalidInput):
            parley.auth.authenticate(f'guess{i}@example.com', 'wrong password', '203.0.113.5')
    with pytest.raises(Throttled, match='this network'):
        parley.auth.authenticate('alice@example.com', PASSWORD, '203.0.113.5')
    assert parley.auth.authenticate('alice@example.com', PASSWORD, '198.51.100.1').name == 'Alice Admin'
