"""The walkthrough in Portuguese and English at once: Alice's browser speaks European Portuguese, Susan's English;
each reads the same conversation in their own language. A Portuguese visitor's chat, from the widget's data-lang."""
import re

from playwright.async_api import Browser, expect

from tests.e2e.conftest import DEMO_PASSWORD

LIVE = 5_000  # ms: generous for a shared 2-core machine


async def sign_in(browser: Browser, server: str, email: str, *, locale: str):
    """A browser whose language is `locale` (its Accept-Language and navigator.language)."""
    context = await browser.new_context(base_url=server, locale=locale, viewport={'width': 1280, 'height': 800})
    page = await context.new_page()
    await page.goto('/login')
    portuguese = locale.startswith('pt')
    await page.get_by_label('Email').fill(email)
    await page.get_by_label('Palavra-passe' if portuguese else 'Password').fill(DEMO_PASSWORD)
    await page.get_by_role('button', name='Iniciar sessão' if portuguese else 'Sign in').click()
    await page.wait_for_url('**/messenger')
    await page.get_by_text('Conversas' if portuguese else 'Conversations', exact=True).wait_for()
    return page


async def test_alice_in_portuguese_and_susan_in_english_share_a_conversation(browser, server):
    susan = await sign_in(browser, server, 'susan@example.com', locale='en-GB')
    alice = await sign_in(browser, server, 'alice@example.com', locale='pt-PT')
    await expect(alice.locator('html')).to_have_attribute('lang', 'pt-PT')

    await alice.get_by_role('button', name='Adicionar conversa').click()
    await alice.get_by_text('Conversa com utilizador').click()
    await alice.wait_for_url('**/messenger/draft')
    await expect(alice.get_by_role('button', name='Descartar rascunho')).to_be_visible()
    participants = alice.get_by_label('Participantes')
    await participants.fill('@su')
    await alice.get_by_role('option', name=re.compile('Susan Miller')).click()
    await expect(alice.locator('.q-chip', has_text='Susan Miller')).to_be_visible()
    await alice.get_by_role('textbox', name='Mensagem').fill('Bom dia, Susan! A reunião passa para as 10h.')
    await alice.get_by_role('button', name='Criar conversa').click()
    await alice.wait_for_url(re.compile(r'/messenger/\d+$'))
    alice_thread = alice.get_by_role('log', name='Mensagens')
    await expect(alice_thread.get_by_text('Bom dia, Susan!')).to_be_visible()
    await expect(alice_thread.get_by_text('Hoje')).to_be_visible()

    # Susan's list shows it live, in English around it; she answers.
    row = susan.get_by_role('navigation', name='Conversations').get_by_text('Bom dia, Susan!')
    await expect(row).to_be_visible(timeout=LIVE)
    await row.click()
    susan_thread = susan.get_by_role('log', name='Messages')
    await expect(susan_thread.get_by_text('Bom dia, Susan!')).to_be_visible()
    await expect(susan_thread.get_by_text('Today')).to_be_visible()
    await expect(susan.get_by_role('button', name='Add conversation')).to_be_visible()
    await expect(alice.get_by_role('img', name='Vista por Susan Miller')).to_be_visible(timeout=LIVE)
    await susan.get_by_role('textbox', name='Message').fill('Sounds good, see you at 10.')
    await susan.get_by_role('textbox', name='Message').press('Enter')

    # Alice reads it live, and what her page says around it stays Portuguese; Susan sees that she read it.
    await expect(alice_thread.get_by_text('Sounds good, see you at 10.')).to_be_visible(timeout=LIVE)
    await expect(alice.get_by_text('Add conversation')).to_have_count(0)
    await expect(susan.get_by_role('img', name='Seen by Alice Admin')).to_be_visible(timeout=LIVE)


async def test_the_widget_opens_the_chat_in_the_host_pages_language(browser, server):
    """data-lang on the widget's script tag: the launcher and the chat speak it, whatever the browser's language."""
    context = await browser.new_context(base_url=server, locale='en-US')
    site = await context.new_page()
    await site.route('**/host-page', lambda route: route.fulfill(content_type='text/html', body=(
        '<!doctype html><html lang="pt"><body><h1>Loja</h1>'
        f'<script src="{server}/widget.js" data-lang="pt-PT" async></script></body></html>')))
    await site.goto(server + '/host-page')
    launcher = site.get_by_role('button', name='Fale connosco')
    await launcher.click()
    chat = site.frame_locator('#parley-chat')
    await expect(chat.get_by_text('Olá!')).to_be_visible(timeout=LIVE)
    await expect(chat.get_by_role('button', name='Iniciar chat')).to_be_visible()
    await expect(site.locator('#parley-chat')).to_have_attribute('title', 'Chat em direto')
    await context.close()
