"""The outbox: stored first, sent by the worker, retried with backoff, resumed after a restart; SMTP security."""
from datetime import timedelta
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
import pytest
import trustme

from services.errors import Forbidden, InvalidInput
from services.mail import FIRST_RETRY, MAX_ATTEMPTS, MailService
from services.smtp import Security, SmtpServer
from tests.conftest import Clock, Sink, free_port


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
    server = SmtpServer.from_url('smtp://me%40x.com:p%3Ass@mail.example.com')
    assert server == SmtpServer(host='mail.example.com', port=587, security=Security.STARTTLS_IF_OFFERED,
                                user='me@x.com', password='p:ss')
    assert SmtpServer.from_url('smtps://mail.example.com') == SmtpServer('mail.example.com', 465, Security.TLS)
    assert SmtpServer.from_url('smtp://127.0.0.1:2525?starttls=off').security == Security.PLAIN
    assert SmtpServer.from_url('smtp://h?starttls=required').security == Security.STARTTLS_REQUIRED
    for wrong in ('http://mail.example.com', 'smtp://h?starttls=maybe'):
        with pytest.raises(ValueError):
            SmtpServer.from_url(wrong)


class Accounts:
    """aiosmtpd's AUTH check: records every attempt, accepts one account."""

    def __init__(self):
        self.attempts = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.attempts.append((auth_data.login, session.ssl is not None))
        return AuthResult(success=(auth_data.login, auth_data.password) == (b'parley', b'app password'))


@pytest.fixture
def smtp_server(tmp_path, monkeypatch):
    """Start an SMTP sink on a free port: with STARTTLS (a certificate our client trusts) or without; AUTH offered."""
    started = []

    def start(*, starttls: bool) -> tuple[Sink, Accounts, int]:
        handler, accounts, options = Sink(), Accounts(), {}
        if starttls:
            authority = trustme.CA()
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            authority.issue_cert('127.0.0.1').configure_cert(context)
            authority.cert_pem.write_to_path(str(tmp_path / 'ca.pem'))
            monkeypatch.setenv('SSL_CERT_FILE', str(tmp_path / 'ca.pem'))   # our client trusts this authority
            options['tls_context'] = context
        controller = Controller(handler, hostname='127.0.0.1', port=free_port(), authenticator=accounts,
                                auth_require_tls=False, **options)
        controller.start()
        started.append(controller)
        return handler, accounts, controller.port
    yield start
    for controller in started:
        controller.stop()


def send_through(parley, url: str):
    service = MailService(parley.db, smtp_url=url, mail_from='help@example.com', team_name='Acme Support',
                          clock=Clock())
    queue(service)
    sent = service.send_due()
    [row] = service.list_outbox(_admin(parley))
    return sent, row


def test_a_local_relay_without_starttls_delivers(parley, smtp_server):
    """smtp://127.0.0.1:1025 (Mailpit, a local relay): no STARTTLS offered and no password, so it goes in the clear."""
    handler, accounts, port = smtp_server(starttls=False)
    sent, row = send_through(parley, f'smtp://127.0.0.1:{port}')
    assert (sent, row.status, row.last_error) == (1, 'sent', None)
    assert [m['Subject'] for _, m in handler.messages] == ['Your question'] and accounts.attempts == []


def test_starttls_is_used_whenever_the_server_offers_it_and_the_password_goes_inside(parley, smtp_server):
    handler, accounts, port = smtp_server(starttls=True)
    sent, row = send_through(parley, f'smtp://parley:app%20password@127.0.0.1:{port}')
    assert (sent, row.status) == (1, 'sent')
    assert accounts.attempts == [(b'parley', True)], 'signed in once, inside TLS'
    assert handler.sessions_with_tls == [True]


def test_a_password_is_never_sent_in_the_clear(parley, smtp_server):
    handler, accounts, port = smtp_server(starttls=False)
    sent, row = send_through(parley, f'smtp://parley:app%20password@127.0.0.1:{port}')
    assert (sent, row.status) == (0, 'retrying') and handler.messages == [] and accounts.attempts == []
    assert row.last_error.startswith(f'The mail server at 127.0.0.1:{port} does not offer STARTTLS, so Parley '
                                     'will not send the password in the clear.')


def test_starttls_required_refuses_a_server_without_it_and_off_never_asks(parley, smtp_server):
    _handler, _, port = smtp_server(starttls=False)
    sent, row = send_through(parley, f'smtp://127.0.0.1:{port}?starttls=required')
    assert (sent, row.status) == (0, 'retrying') and 'starttls=required' in row.last_error
    tls_handler, _, tls_port = smtp_server(starttls=True)
    plain = MailService(parley.db, smtp_url=f'smtp://127.0.0.1:{tls_port}?starttls=off',
                        mail_from='help@example.com', team_name='Acme Support', clock=Clock())
    queue(plain)
    assert plain.send_due() == 1 and tls_handler.sessions_with_tls == [False], 'offered, but off means off'


def _admin(parley):
    """A stored admin (services act for people as stored, never for a made-up view)."""
    found = parley.auth.get_agent(1)
    return found if found is not None and found.is_admin else parley.directory.create_agent(
        name='Admin', email='admin@example.com', password='correct horse battery', is_admin=True)
