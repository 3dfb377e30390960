"""Parley in European Portuguese: the walkthrough as a Portuguese agent sees it, and a Portuguese customer's chat and
fallback email, beside English ones."""
from collections.abc import Callable
from datetime import timedelta

from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from models import OutboundEmail
from tests.conftest import PASSWORD, cid
from tests.ui.conftest import SLOW, sign_in
from tests.ui.test_customer_chat import boot_with


async def entrar(user: User, email: str, *, browser: str = 'pt-PT,pt;q=0.9,en;q=0.5') -> None:
    """Sign in from a browser that asks for Portuguese (the sign-in page is in it); Parley then speaks the agent's
    language, or the browser's while they have chosen none."""
    user.http_client.headers['Accept-Language'] = browser
    await user.open('/login')
    portuguese = browser.startswith('pt')
    user.find('Email').type(email)
    user.find('Palavra-passe' if portuguese else 'Password').type(PASSWORD)
    user.find(kind=ui.button, content='Iniciar sessão' if portuguese else 'Sign in').click()
    await user.should_see('Conversas', retries=SLOW)


async def comecar(user: User, name: str, email: str, text: str) -> None:
    """A visitor fills the Portuguese pre-chat form and starts the chat."""
    user.find('O seu nome').type(name)
    user.find('O seu email').type(email)
    user.find(marker='prechat-message').type(text)
    user.find(kind=ui.button, content='Iniciar chat').click()
    await user.should_not_see(marker='prechat-message', retries=SLOW)   # the chat started
    await user.should_see(text)


async def test_the_walkthrough_in_portuguese(user: User, create_user: Callable[[], User], people, app_parley):
    app_parley.directory.set_language(people['alice'], 'pt_PT')   # her choice, whatever her browser says
    susan = create_user()   # Susan, in English, is signed in too (both first: the simulation's way)
    await sign_in(susan, 'susan@example.com')
    await entrar(user, 'alice@example.com', browser='en-GB,en;q=0.9')
    await user.should_see('Adicionar conversa')
    await user.should_see('Não há conversas abertas')
    user.find('Adicionar conversa').click()
    await user.should_see('Conversa com utilizador')
    await user.should_see('Conversa com cliente')
    user.find(marker='new-user-conversation').click()
    await user.should_see('Nova conversa')
    await user.should_see('Descartar rascunho')
    user.find('Participantes').type('@su')
    await user.should_see('Susan Miller')
    user.find(marker='person-susan@example.com').click()
    user.find(marker='composer').type('Olá Susan, bem-vinda à equipa!')
    user.find(kind=ui.button, content='Criar conversa').click()
    await user.should_see('Olá Susan, bem-vinda à equipa!')
    await user.should_see('Hoje')
    await user.should_not_see('Descartar rascunho')

    await susan.should_see('Olá Susan, bem-vinda à equipa!')   # live, in her English page
    await susan.should_see('Add conversation')
    await susan.should_not_see('Adicionar conversa')
    [notice] = app_parley.notifications.bell(people['susan'])
    assert notice.title == 'Alice Admin added you to a conversation'


async def test_the_browsers_language_decides_until_the_agent_chooses(user: User, people, app_parley):
    await entrar(user, 'susan@example.com')
    await user.should_see('Adicionar conversa')
    await user.open('/settings/profile')
    await user.should_see('Idioma')
    user.find(marker='profile-language').elements.pop().value = 'en'
    user.find(marker='save-profile').click()
    await user.should_see('Profile', retries=SLOW)   # the page again, in the language chosen
    [susan] = app_parley.directory.get_users([people['susan'].id])
    assert susan.language == 'en'
    await user.open('/messenger')
    await user.should_see('Add conversation')
    await user.should_not_see('Adicionar conversa')


async def test_a_portuguese_customer_chats_and_is_emailed_in_portuguese(user: User, people, app_parley):
    boot_with(user)
    user.http_client.headers['Accept-Language'] = 'pt-PT'
    await user.open('/chat')
    await user.should_see('Olá!')
    await user.should_see('Não está ninguém online neste momento. Deixe uma mensagem e respondemos por email.')
    await comecar(user, 'Ana Costa', 'ana@example.pt', 'A impressora não imprime')
    [ana] = app_parley.directory.search_customers(people['alice'], 'ana@example.pt')
    assert ana.language == 'pt_PT', "the browser's language is kept on the customer"
    [conversation] = app_parley.conversations.list_conversations(ana)
    app_parley.conversations.send_message(people['alice'], conversation.id, body='Já vamos ver isso.',
                                          client_id=cid())
    await user.should_see('Já vamos ver isso.')
    await user.should_see('Hoje')

    # A conversation her open chat does not show: it reaches her by email, in Portuguese.
    app_parley.conversations.create_conversation(people['alice'], participant_ids=[ana.id], client_id=cid(),
                                                 body='Segue a fatura em anexo.', subject='Fatura')
    later = app_parley.conversations.clock() + app_parley.deliveries.window + timedelta(seconds=5)
    app_parley.deliveries.clock = lambda: later
    assert app_parley.deliveries.send_due() == 1
    with app_parley.db.session() as session:
        [email] = session.exec(select(OutboundEmail).where(OutboundEmail.to_address == 'ana@example.pt')).all()
    assert email.subject == 'Fatura' and 'Segue a fatura em anexo.' in email.text_body
    assert 'Continuar no chat em direto' in email.text_body and 'Ou simplesmente responda a este email.' in \
        email.text_body


async def test_the_host_page_states_the_language_of_its_chat(user: User, people, app_parley):
    """The widget passes data-lang as ?lang=; it wins over the browser and is stored on the customer."""
    app_parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    boot_with(user)
    user.http_client.headers['Accept-Language'] = 'en-GB'
    await user.open('/chat?lang=pt-PT')
    await user.should_see('Olá!')
    await comecar(user, 'Sample Customer', 'customer@example.com', 'Preciso de ajuda')
    [customer] = app_parley.directory.search_customers(people['alice'], 'customer@example.com')
    assert customer.language == 'pt_PT'


async def test_an_agent_sets_a_customers_language_on_their_page(user: User, people, app_parley):
    customer = app_parley.directory.create_customer(name='Carlos Pereira', email='carlos@pereira.pt')
    await sign_in(user, 'alice@example.com')
    await user.open(f'/customers/{customer.id}')
    await user.should_see('Language of the live chat and emails')
    select_box = user.find(marker='customer-language').elements.pop()
    assert select_box.value == '' and 'Team default (English)' in select_box.options.values()
    select_box.value = 'pt_PT'
    await user.should_see('Saved. Their live chat and emails use it from now on.')
    [carlos] = app_parley.directory.get_users([customer.id])
    assert carlos.language == 'pt_PT'


async def test_a_portuguese_admin_reads_why_an_email_waits_in_portuguese(user: User, people, app_parley):
    """The reason was stored before anyone read it; it is put into the admin's words when shown."""
    app_parley.inbound.receive(b'Subject: sem remetente\r\n\r\nola')
    await entrar(user, 'alice@example.com')
    await user.open('/admin/email')
    await user.should_see('O email não tem um endereço de remetente válido (From).')
    await user.should_not_see('The email has no valid sender address (From).')
