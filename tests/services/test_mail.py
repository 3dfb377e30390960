"""The outbox: stored first, sent by the worker, retried with backoff, resumed after a restart."""
from datetime import timedelta

import pytest

from services.errors import Forbidden, InvalidInput
from services.mail import FIRST_RETRY, MAX_ATTEMPTS, MailService, smtp_options
from services.views import UserView
from tests.conftest import Clock, free_port


def mailer(parley, port: int | None, clock=None) -> MailService:
    url = f'smtp://127.0.0.1:{port}?starttls=off' if port else None
    return MailService(parley.db, smtp_url=url, mail_from='help@example.com', team_name='Acme Support',
                       clock=clock or Clock())


def queue(service, **overrides):
    fields = dict(to_address='customer@example.com', to_name='Sample Customer', subject='Your question',
                  text='Hello & welcome', html='<p>Hello &amp; welcome</p>', reply_to='reply+abc@example.com')
    return service.enqueue(**{**fields, **overrides})


def test_stored_then_sent_with_our_headers(parley, sink):
    handler, port = sink
    service = mailer(parley, port)
    first = queue(service)
    queue(service, in_reply_to=first.message_id, references=[first.message_id])
    assert handler.messages == [], 'enqueue never talks to SMTP'
    assert service.send_due() == 2
    (rcpt, mail), (_, reply) = handler.messages
    assert rcpt == ['customer@example.com']
    assert mail['Subject'] == 'Your question' and mail['Reply-To'] == 'reply+abc@example.com'
    assert 'Acme Support' in mail['From'] and 'help@example.com' in mail['From']
    assert mail['Message-ID'] == first.message_id
    assert reply['In-Reply-To'] == first.message_id and reply['References'] == first.message_id
    assert mail.get_body(('plain',)).get_content().strip() == 'Hello & welcome'
    assert [e.status for e in service.list_outbox(_admin(parley))] == ['sent', 'sent']
    assert service.send_due() == 0, 'sent mail is never sent again'


def test_names_and_subjects_cannot_inject_headers(parley, sink):
    handler, port = sink
    service = mailer(parley, port)
    queue(service, to_name='Eve\r\nBcc: victim@example.com', subject='Hi\nBcc: victim@example.com')
    service.send_due()
    [(rcpt, mail)] = handler.messages
    assert rcpt == ['customer@example.com'] and mail['Bcc'] is None
    with pytest.raises(InvalidInput):
        queue(service, to_address='a@example.com\r\nBcc: victim@example.com')


def test_an_smtp_outage_retries_with_backoff_and_a_restart_resumes(parley, sink):
    handler, port = sink
    clock = Clock()
    down = mailer(parley, free_port(), clock)  # nothing listens there
    email = queue(down)
    assert down.send_due() == 0
    [row] = down.list_outbox(_admin(parley))
    assert (row.status, row.attempts) == ('retrying', 1) and row.last_error
    clock.now += FIRST_RETRY - timedelta(seconds=1)
    assert down.send_due() == 0 and down.list_outbox(_admin(parley))[0].attempts == 1, 'not due yet'
    clock.now += timedelta(seconds=2)
    down.send_due()
    assert down.list_outbox(_admin(parley))[0].attempts == 2
    clock.now += FIRST_RETRY * 2
    restarted = mailer(parley, port, clock)  # the server is back and Parley was restarted
    assert restarted.send_due() == 1
    assert [m['Message-ID'] for _, m in handler.messages] == [email.message_id]


def test_gives_up_after_the_last_attempt(parley):
    clock = Clock()
    down = mailer(parley, free_port(), clock)
    queue(down)
    for _ in range(MAX_ATTEMPTS + 2):
        down.send_due()
        clock.now += timedelta(hours=2)
    [row] = down.list_outbox(_admin(parley))
    assert (row.status, row.attempts) == ('failed', MAX_ATTEMPTS)


def test_without_smtp_mail_is_kept_for_admins(parley, team):
    service = mailer(parley, None)
    queue(service)
    assert service.send_due() == 0
    [kept] = service.list_outbox(team['alice'])
    assert kept.status == 'kept' and kept.html_body == '<p>Hello &amp; welcome</p>'
    with pytest.raises(Forbidden):
        service.list_outbox(team['susan'])


def test_smtp_urls():
    assert smtp_options('smtp://me%40x.com:p%3Ass@mail.example.com') == {
        'host': 'mail.example.com', 'port': 587, 'timeout': 20, 'ssl': False, 'tls': True,
        'user': 'me@x.com', 'password': 'p:ss'}
    assert smtp_options('smtps://mail.example.com')['ssl'] is True
    assert smtp_options('smtp://127.0.0.1:2525?starttls=off')['tls'] is False
    with pytest.raises(ValueError):
        smtp_options('http://mail.example.com')


def _admin(parley):
    """A stored admin (services act for people as stored, never for a made-up view)."""
    found = parley.auth.get_agent(1)
    return found if found is not None and found.is_admin else parley.directory.create_agent(
        name='Admin', email='admin@example.com', password='correct horse battery', is_admin=True)
