"""Languages: English and European Portuguese, chosen per person; the catalog stays complete.

The catalog tests extract the marked strings from the sources exactly as `make messages` does (its keywords are read
from the Makefile), so a string added without a translation, or marked fuzzy, fails here.
"""
import ast
from datetime import datetime, timedelta, UTC
from pathlib import Path
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlmodel import select

from models import OutboundEmail
from services import i18n
from services.config import Settings
from services.errors import InvalidInput, NotFound, Throttled
from services.i18n import negotiate, normalize, using
from services.ratelimit import LoginThrottle
from services.threadlines import describe
from services.views import preview_shown, size_label
from tests.conftest import Clock, cid

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / 'locales' / 'pt_PT' / 'LC_MESSAGES' / 'parley.po'
# Material icon names (ligatures, not words) and the product's name, which the components may carry as they are.
ICONS = {'lock', 'block', 'download', 'close', 'edit', 'group', 'support_agent', 'attach_file', 'mail_outline',
         'delete_outline', 'more_horiz', 'Parley'}
PLACEHOLDER = re.compile(r'\{[a-z_0-9]*(?:![rs])?(?::[^}]*)?\}|%\([a-z_]+\)[sd]')


def makefile_keywords() -> dict:
    """The extraction keywords of `make messages` (BABEL_KEYWORDS in the Makefile), in Babel's form."""
    text = (ROOT / 'Makefile').read_text()
    block = re.search(r'^BABEL_KEYWORDS := (.*?)\n(?!\t)', text, re.M | re.S).group(1)
    keywords = {'_': None, 'gettext': None, 'ngettext': (1, 2), 'pgettext': ((1, 'c'), 2), 'N_': None}
    for spec in re.findall(r'-k (\S+)', block):
        name, _, positions = spec.partition(':')
        if not positions:
            keywords[name] = None
            continue
        keywords[name] = tuple((int(p[:-1]), 'c') if p.endswith('c') else int(p) for p in positions.split(','))
    return keywords


def extracted() -> dict:
    """(context, message id) -> where, for every marked string in ui/, services/ and the email templates."""
    methods = [('ui/**.py', 'python'), ('services/**.py', 'python'), ('services/templates/*.html', 'jinja2'),
               ('services/templates/*.txt', 'jinja2')]
    options = {'services/templates/*.html': {'extensions': 'jinja2.ext.i18n', 'trimmed': 'true'},
               'services/templates/*.txt': {'extensions': 'jinja2.ext.i18n', 'trimmed': 'true'}}
    found = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map=methods, options_map=options, keywords=makefile_keywords()):
        found[(context, message)] = filename
    return found


@pytest.fixture(scope='module')
def catalog():
    with CATALOG.open('rb') as file:
        return read_po(file, locale='pt_PT')


def test_every_marked_string_is_in_the_portuguese_catalog_translated_and_not_fuzzy(catalog):
    entries = {(m.context, m.id): m for m in catalog if m.id}
    found = extracted()
    assert len(found) > 600, 'the extraction found the sources'
    missing = [f'{where}: {key[1]!r}' for key, where in found.items() if key not in entries]
    assert not missing, 'not in the catalog (run make messages, then translate):\n' + '\n'.join(missing)
    untranslated = [m.id for m in entries.values() if not m.string or
                    (isinstance(m.string, tuple) and not all(m.string))]
    assert not untranslated, f'untranslated: {untranslated}'
    fuzzy = [m.id for m in entries.values() if m.fuzzy]
    assert not fuzzy, f'fuzzy: {fuzzy}'
    stale = [key[1] for key in entries if key not in found]
    assert not stale, f'in the catalog but no longer in the sources (run make messages): {stale}'


def test_translations_keep_every_placeholder(catalog):
    """{name} and %(name)s are filled in by code: a translation that drops or renames one breaks the sentence."""
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - wanted or (wanted - set(PLACEHOLDER.findall(string))
                                                               - {'%(num)d'}):
                wrong.append((ids[0], string))
    assert not wrong


def text_calls_with_plain_words(path: Path) -> list[str]:
    """Literal words handed to NiceGUI elements without _() (they would show in English to everyone)."""
    first = {'label', 'button', 'notify', 'tooltip', 'menu_item', 'checkbox', 'switch', 'link', 'item_label', 'chip',
             'input', 'textarea', 'number', 'page_title', 'expansion', 'set_text', 'item_section'}
    named = {'label', 'placeholder', 'title', 'hint', 'caption', 'text'}
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, 'attr', getattr(node.func, 'id', ''))
        candidates = ([node.args[0]] if name in first and node.args else []) + \
            [k.value for k in node.keywords if k.arg in named]
        if name == 'props' and node.args:   # every literal part of the props, however they are put together
            parts = [n for n in ast.walk(node.args[0]) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            candidates = [p for p in parts if re.search(r'\b(aria-label|placeholder|label|title|hint)=("?)[A-Za-z]{2}',
                                                        p.value)]
        for value in candidates:
            words = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else \
                ''.join(v.value for v in value.values if isinstance(v, ast.Constant)) \
                if isinstance(value, ast.JoinedStr) else ''
            if re.search(r'[A-Za-z]{2}', words) and not re.fullmatch(r'[\w./:-]+', words):
                found.append(f'{path.name}:{node.lineno}: {words!r}')
    return found


def test_no_page_shows_words_that_bypass_the_catalog():
    plain = [line for path in sorted((ROOT / 'ui').glob('*.py')) for line in text_calls_with_plain_words(path)]
    assert not plain, 'wrap these in _() (or N_ where they are constants):\n' + '\n'.join(plain)


def test_components_and_email_templates_carry_no_words_of_their_own():
    """ui/*.js draw words the server sends in the page's language; templates say everything through _()."""
    english = []
    for path in sorted((ROOT / 'ui').glob('*.js')):
        template = ''.join(re.findall(r'template: `(.*?)`', path.read_text(), re.S))
        text = re.sub(r'<(?:[^>"]|"[^"]*")*>', ' ', re.sub(r'\{\{.*?\}\}', ' ', template, flags=re.S))
        attributes = re.findall(r'\s(?:title|aria-label|placeholder|alt)="([^"]*)"', template)
        english += [f'{path.name}: {w!r}' for w in re.findall(r'[A-Za-z][\w-]*', text) if w not in ICONS]
        english += [f'{path.name}: {a!r}' for a in attributes if re.search('[A-Za-z]{2}', a)]
    for path in sorted((ROOT / 'services' / 'templates').iterdir()):
        text = re.sub(r'\{\{.*?\}\}|\{%.*?%\}|<[^>]*>|&#?\w+;|https?://\S+', ' ', path.read_text(), flags=re.S)
        english += [f'{path.name}: {w!r}' for w in re.findall(r'[A-Za-z]{2,}', text) if w not in {'UTC'}]
    assert not english


def test_languages_from_browsers_and_settings():
    assert negotiate('pt-PT,pt;q=0.9,en;q=0.8') == 'pt_PT'
    assert negotiate('en-GB,en;q=0.9') == 'en'
    assert negotiate('de-DE,pt-BR;q=0.5') == 'pt_PT', 'any Portuguese is the Portuguese Parley has'
    assert negotiate('de,fr;q=0.9') is None and negotiate('') is None and negotiate(None) is None
    assert negotiate('pt;q=0,en') == 'en', 'q=0 means "not this one"'
    assert negotiate('en;q=0.2,pt;q=0.8') == 'pt_PT', 'by weight, not by order'
    assert [normalize(t) for t in ('pt-PT', 'pt_PT', 'PT', 'en-US', 'xx', '', None)] == \
        ['pt_PT', 'pt_PT', 'pt_PT', 'en', None, None, None]
    with pytest.raises(ValueError, match='PARLEY_DEFAULT_LANGUAGE'):
        Settings(default_language='klingon').check()


def test_errors_keep_their_message_id_and_are_translated_where_shown():
    error = InvalidInput('Choose a password of at least {min_password_length} characters.', min_password_length=12)
    assert str(error) == 'Choose a password of at least 12 characters.'
    with using('pt_PT'):
        assert str(error) == 'Escolha uma palavra-passe com pelo menos 12 caracteres.'
    assert error.message_id.startswith('Choose a password') and error.arguments == {'min_password_length': 12}
    big = InvalidInput('This message is {count} characters long; the limit is {max_message_length}. Shorten it or '
                       'split it in two.', count=12345, max_message_length=10000)
    assert '12,345 characters' in str(big)
    with using('pt_PT'):
        assert '12\xa0345 caracteres' in str(big) and 'o limite é 10\xa0000' in str(big)


def test_a_throttled_sign_in_says_how_long_in_the_readers_words(limits_time):
    throttle = LoginThrottle(limit=1, lockout=300)
    throttle.failed('ana@example.com')
    with pytest.raises(Throttled) as raised:
        throttle.check('ana@example.com')
    assert 'Try again in 5 minutes.' in str(raised.value)
    with using('pt_PT'):
        assert str(raised.value) == ('Demasiadas tentativas de início de sessão falhadas para este email. Tente '
                                     'novamente daqui a 5 minutos.')


def test_dates_numbers_and_plurals_follow_the_language():
    moment = datetime(2026, 12, 7, 9, 5, tzinfo=UTC)
    assert (i18n.pattern(moment, 'MMMd'), i18n.pattern(moment, 'Hm')) == ('7 Dec', '09:05')
    with using('pt_PT'):
        assert i18n.pattern(moment, 'MMMMEEEEd') == 'segunda, 7 de dezembro'
        assert i18n.duration(timedelta(minutes=5)) == '5 minutos'
        assert (size_label(1), size_label(900), size_label(1536)) == ('1 byte', '900 bytes', '1,5 KB')
        assert i18n.ngettext('{count} minute', '{count} minutes', 1).format(count=1) == '1 minuto'
        assert i18n.name_list(['Ana', 'Bruno', 'Carla']) == 'Ana, Bruno e Carla'
        assert preview_shown('Note: Message deleted') == 'Nota: Mensagem eliminada', 'a stored preview, worded'
        assert preview_shown('Note to self') == 'Note to self'
    assert i18n.duration(timedelta(minutes=5)) == '5 minutes' and size_label(1536) == '1.5 KB'
    assert i18n.name_list(['Ana', 'Bruno', 'Carla']) == 'Ana, Bruno and Carla'


def test_an_agent_chooses_their_language_and_customers_get_one_too(parley, team):
    alice, susan, customer = team['alice'], team['susan'], team['customer']
    assert alice.language is None, 'until they choose, their browser decides'
    assert parley.directory.set_language(alice, 'pt_PT').language == 'pt_PT'
    assert parley.auth.get_agent(alice.id, generation=parley.directory.session_generation(alice.id)).language == \
        'pt_PT'
    with pytest.raises(InvalidInput, match='Choose one of the languages shown'):
        parley.directory.set_language(susan, 'fr')
    assert parley.directory.set_language(alice, None).language is None
    # A customer: the browser fills an empty one; the host page (data-lang) replaces it; an agent can change it.
    assert parley.directory.remember_customer_language(customer.id, 'pt-BR', stated=False) == 'pt_PT'
    assert parley.directory.remember_customer_language(customer.id, 'en-US', stated=False) == 'pt_PT'
    assert parley.directory.remember_customer_language(customer.id, 'en', stated=True) == 'en'
    assert parley.directory.set_customer_language(susan, customer.id, 'pt_PT').language == 'pt_PT'
    assert parley.directory.remember_customer_language(customer.id, None, stated=False) == 'pt_PT'
    with pytest.raises(NotFound):
        parley.directory.set_customer_language(susan, alice.id, 'pt_PT')
    assert parley.directory.remember_customer_language(alice.id, 'en', stated=True) is None, 'agents are not customers'


def outbox(parley):
    with parley.db.session() as session:
        return session.exec(select(OutboundEmail).order_by(OutboundEmail.id)).all()


@pytest.fixture
def clock(parley) -> Clock:
    fake = Clock()
    parley.conversations.clock = parley.deliveries.clock = parley.mail.clock = parley.notifications.clock = fake
    return fake


def test_each_customer_is_emailed_in_their_own_language(parley, team, clock):
    alice, customer = team['alice'], team['customer']
    ana = parley.directory.create_customer(name='Ana Costa', email='ana@example.pt')
    parley.directory.set_customer_language(alice, ana.id, 'pt_PT')
    for person in (customer, ana):
        parley.conversations.create_conversation(alice, participant_ids=[person.id], body='A sua encomenda seguiu.',
                                                 client_id=cid(), subject='Encomenda')
    clock.now += timedelta(minutes=2)
    assert parley.deliveries.send_due() == 2
    english, portuguese = sorted(outbox(parley), key=lambda e: e.to_address != 'customer@example.com')
    assert 'Continue in live chat' in english.html_body and 'Or simply reply to this email.' in english.text_body
    assert 'Continuar no chat em direto' in portuguese.html_body
    assert 'Ou simplesmente responda a este email.' in portuguese.text_body
    assert 'Alice Admin (Parley Support) escreveu:' in portuguese.text_body
    assert 'Continue' not in portuguese.text_body


def test_the_team_default_speaks_to_customers_nobody_asked(parley_at, tmp_path):
    parley, clock = parley_at(tmp_path / 'pt.db'), Clock()
    try:
        parley.settings.default_language = 'pt-PT'
        i18n.set_default(parley.settings.default_language)
        parley.conversations.clock = parley.deliveries.clock = parley.mail.clock = clock
        agent = parley.directory.create_agent(name='Rita Lopes', email='rita@example.pt', password='x' * 12)
        buyer = parley.directory.create_customer(name='Rui Sousa', email='rui@example.pt')
        conversation = parley.conversations.create_conversation(agent, participant_ids=[buyer.id], body='Olá Rui',
                                                                client_id=cid())
        clock.now += timedelta(minutes=2)
        assert parley.deliveries.send_due() == 1
        assert 'Continuar no chat em direto' in outbox(parley)[0].text_body
        parley.lifecycle.close(agent, conversation.id, transcript=True)
        transcript = outbox(parley)[-1]
        assert transcript.subject.startswith('Transcrição: ') and 'A conversa com Parley Support' in \
            transcript.text_body
    finally:
        i18n.set_default('en')


def test_notices_are_stored_as_words_and_read_in_the_readers_language(parley, team, clock):
    alice, susan = team['alice'], team['susan']
    parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Rota de sábado',
                                             client_id=cid(), subject='Fim de semana')
    [notice] = parley.notifications.bell(susan)
    assert notice.title == 'Alice Admin added you to a conversation: Fim de semana'
    with using('pt_PT'):
        [notice] = parley.notifications.bell(susan)
        assert notice.title == 'Alice Admin adicionou-o a uma conversa: Fim de semana'
    parley.directory.set_language(susan, 'pt_PT')   # her digest: her language (no browser to ask)
    clock.now += timedelta(minutes=10)
    assert parley.notifications.send_due_digests() == 1
    [digest] = outbox(parley)
    assert digest.subject == '1 novidade à sua espera no Parley'
    assert 'Olá Susan, isto está à sua espera no Parley:' in digest.text_body
    assert 'Alice Admin adicionou-o a uma conversa: Fim de semana' in digest.text_body


def test_lines_in_a_thread_are_words_for_whoever_reads_them(parley, team):
    alice, susan, mike = team['alice'], team['susan'], team['mike']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Olá',
                                                            client_id=cid())
    parley.handoff.add_participants(alice, conversation.id, [mike.id, team['john'].id])
    [line] = [m for m in parley.conversations.list_messages(alice, conversation.id) if m.event]
    assert describe(line, str) == 'Alice Admin added Mike Brown and John Smith'
    with using('pt_PT'):
        assert describe(line, str) == 'Alice Admin adicionou Mike Brown e John Smith'


def test_the_catalog_compiles_in_memory_when_make_has_not_run(tmp_path, monkeypatch):
    """python main.py straight from a checkout: the .po is read when the .mo is missing or older."""
    folder = tmp_path / 'pt_PT' / 'LC_MESSAGES'
    folder.mkdir(parents=True)
    (folder / 'parley.po').write_bytes(CATALOG.read_bytes())
    monkeypatch.setattr(i18n, 'LOCALES', tmp_path)
    i18n.translations.cache_clear()
    try:
        with using('pt_PT'):
            assert i18n.gettext('Add conversation') == 'Adicionar conversa'
    finally:
        i18n.translations.cache_clear()


def test_the_inbound_log_and_the_audit_log_are_stored_as_words_and_read_in_the_readers_language(parley, team):
    """Why an email was not posted and what an admin did are read later, by whoever reads them: stored as message
    ids with their values. Mail servers and the operator's log get English; rows from before read as stored."""
    from models import InboundEmail, InboundOutcome, InboundSource
    from tests import mailcorpus as corpus
    alice, mike = team['alice'], team['mike']
    receipt = parley.inbound.receive(corpus.fresh())
    assert receipt.reason == 'No reply address or thread header of ours: it answers nothing Parley sent.'
    assert receipt.smtp_reply == '250 2.0.0 OK: unmatched'
    [email] = parley.inbound.list_emails(alice)
    assert email.reason == receipt.reason
    with using('pt_PT'):
        [email] = parley.inbound.list_emails(alice)
        assert email.reason == ('Sem endereço de resposta nem cabeçalho de conversa nossos: não responde a nada que '
                                'o Parley tenha enviado.')
        parley.inbound.discard(alice, email.id)
        [email] = parley.inbound.list_emails(alice, triage=False)
        assert email.reason == 'Descartado por Alice Admin.'
    unreadable = parley.inbound.receive(b'Subject: hi\r\n\r\nbody')
    assert unreadable.reason == 'The email has no valid sender address (From).'
    with using('pt_PT'):
        [email] = parley.inbound.list_emails(alice)
        assert email.id == unreadable.inbound_id
        assert email.reason == 'O email não tem um endereço de remetente válido (From).'

    parley.directory.update_agent(alice, mike.id, name='Mike Davis', email='mike@example.com')
    parley.directory.set_admin(alice, mike.id, is_admin=True)
    entries = parley.audit.entries(alice, limit=3)
    assert [e.detail for e in entries[:2]] == ['made an admin', 'name: Mike Brown → Mike Davis']
    with using('pt_PT'):
        entries = parley.audit.entries(alice, limit=3)
        assert [e.detail for e in entries] == ['passou a administrador', 'nome: Mike Brown → Mike Davis',
                                               'email #1']

    with parley.db.transaction() as tx:   # a row written before reasons were stored as words
        tx.session.add(InboundEmail(source=InboundSource.SMTP, size=1, outcome=InboundOutcome.UNMATCHED,
                                    reason='No reply address or thread header of ours.', from_address='a@b.test',
                                    body='Hi'))
    with using('pt_PT'):
        assert parley.inbound.list_emails(alice)[0].reason == 'No reply address or thread header of ours.'


def test_stored_words_too_long_for_their_column_are_kept_as_english_words_not_cut_json(parley, team):
    long_name, long_email = 'N' * 120, 'e' * 59 + '@' + '.'.join(['d' * 60] * 3) + '.example.com'
    parley.directory.update_agent(team['alice'], team['mike'].id, name=long_name, email=long_email)
    [entry] = parley.audit.entries(team['alice'], limit=1)
    # As JSON it is 535 characters, over the column's 500: kept as the English sentence (421) instead of cut JSON.
    assert entry.detail == f'name: Mike Brown → {long_name}; email: mike@example.com → {long_email}'
    assert i18n.fitted(i18n.deferred('made an admin'), 500) == i18n.deferred('made an admin')
