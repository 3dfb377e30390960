"""/chat: the customer's live chat, light and phone-sized, made to run inside an iframe.

Who the visitor is comes from the address fragment (never sent to the server in a request,
so never in an access log) and is removed from the address bar at once: `#t=` a signed email
link, or `#email=&sig=` from a site that verified its user. A reload in the same tab resumes
from a short-lived session token kept in sessionStorage, and a second tab from the same token in
localStorage. Anyone else gets the pre-chat form.
Only customer-safe views reach this page: no internal notes, no other customers, no agent emails.
"""
from contextlib import suppress
from urllib.parse import parse_qs
import logging
import uuid

from fastapi import Request
from nicegui import ui

from services.i18n import N_, _, negotiate, normalize
from services.container import Parley
from services.conversations import TYPING_EVERY
from services.errors import NotFound, ParleyError
from services.events import (CatchUp, ConversationChanged, Event, MessageChanged, MessageSent, SessionsEnded,
                             Typing)
from services.livechat import ChatIdentity
from services.views import AttachmentView, MessageView
from ui import live
from ui.i18n import aria, page_language, use_page_language
from ui.composer import Composer
from ui.message_actions import MessageActions
from ui.files import file_path
from ui.formatting import viewer_zone, visibility_script
from ui.messages import CHAT_WIDTH, History, MessageList, Throttle, TypingLine, avatar_data, message_data
from ui.session import client_address
from ui.theme import page_setup, page_title

log = logging.getLogger(__name__)

SESSION_KEY = 'parley_chat'
# Reads (then hides) the fragment and the tab's saved session. Static: no user data in it.
BOOT_SCRIPT = '''/*parley-chat-boot*/(() => {
  const hash = location.hash.slice(1);
  if (hash) history.replaceState(null, '', location.pathname);
  let saved = null;
  try { saved = sessionStorage.getItem('parley_chat') || localStorage.getItem('parley_chat'); } catch (e) {}
  return {hash: hash, saved: saved};
})()'''
# The session another tab of this browser keeps (the pre-chat form looks once more before starting a chat).
OTHER_TAB_SCRIPT = '/*parley-chat-other-tab*/(() => { try { return localStorage.getItem("parley_chat") } ' \
                   'catch (e) { return null } })()'
_CLOSE_SCRIPT = 'window.parent && window.parent !== window && window.parent.postMessage("parley:close", "*")'
ONLINE = N_('We are online and usually answer within minutes.')
CHAT_PAGE = 100   # messages the chat opens with, and loads at a time when the customer scrolls up
AWAY = N_('No one is online right now. Leave a message and we will answer by email.')


def register(parley: Parley) -> None:
    @ui.page('/chat')
    async def chat(request: Request, lang: str | None = None):
        """lang: the language the host page states (the widget's data-lang), else the browser's decides."""
        page = ChatPage(parley, viewer_zone(request), stated=normalize(lang[:20] if lang else None),
                        browser=negotiate(request.headers.get('accept-language')))
        await page.start()


class ChatPage:
    def __init__(self, parley: Parley, zone, *, stated: str | None = None, browser: str | None = None) -> None:
        self.parley, self.zone = parley, zone
        self.stated, self.browser = stated, browser
        self.chat = parley.chat
        self.identity: ChatIdentity | None = None
        self.visible = True
        self.client = ui.context.client
        self.messages: MessageList | None = None
        self._file_tokens: dict[tuple[int, int], str] = {}
        self.empty: ui.element | None = None
        page_setup(N_('Live chat'), language=stated)
        ui.add_css('body { background: #fff; } .parley-chat { height: 100dvh; }')
        ui.add_head_html(visibility_script('parley_chat_visibility'))
        with ui.column().classes('parley-chat w-full max-w-2xl mx-auto gap-0 no-wrap'):
            with ui.row().classes('w-full items-center gap-3 px-4 py-3 bg-primary text-white no-wrap shrink-0'):
                ui.icon('support_agent', size='md')
                with ui.column().classes('gap-0 flex-1 min-w-0'):
                    ui.label(parley.settings.team_name).classes('text-base font-semibold truncate') \
                        .props('role=heading aria-level=1')
                    self.status = ui.label().classes('text-xs text-indigo-100')
                self.close = ui.button(icon='close', on_click=lambda: ui.run_javascript(_CLOSE_SCRIPT)) \
                    .props('flat round dense color=white ' + aria('Close chat')).tooltip(_('Close'))
            self.body = ui.column().classes('w-full flex-1 min-h-0 gap-0 no-wrap')
            with self.body:
                with ui.column().classes('w-full flex-1 items-center justify-center text-slate-500 gap-2'):
                    ui.spinner(size='lg')
                    ui.label(_('Connecting…'))
        self._show_status()
        ui.timer(20, self._show_status)   # agents come and go

    async def start(self) -> None:
        try:
            await self.client.connected(timeout=30)
        except TimeoutError:  # a prefetch, a bot, or a browser that went away: nobody to chat with
            return
        try:
            boot = await ui.run_javascript(BOOT_SCRIPT, timeout=5) or {}
        except TimeoutError:
            boot = {}
        problem = None
        try:
            self.identity = self._identify(boot.get('hash') or '', boot.get('saved'))
        except ParleyError as error:
            problem = str(error)
        if self.identity is None:
            self._prechat(problem)
        else:
            self._enter(self.identity)
        ui.on('parley_chat_visibility', self._visibility_changed)
        self.client.on_connect(self._present)
        self.client.on_delete(lambda: self.parley.presence.page_closed(self.client.id))

    # ----- identity ---------------------------------------------------------------------------

    def _identify(self, fragment: str, saved: str | None) -> ChatIdentity | None:
        fields = {k: v[0] for k, v in parse_qs(fragment[:4000]).items()}
        if fields.get('t'):
            return self.chat.open_link(fields['t'])
        if fields.get('email') and fields.get('sig'):
            return self.chat.verify(email=fields['email'], signature=fields['sig'], name=fields.get('name'))
        if saved:
            try:
                return self.chat.resume(saved)
            except NotFound:
                return None  # an old session: just start over
        return None

    def _enter(self, identity: ChatIdentity) -> None:
        """Signed in: remember it in this tab, show the conversation (or an empty one) and go live."""
        self.identity = identity
        self._speak(identity)
        self.body.clear()   # may hold the button that called us: work inside the body from here on
        with self.body:
            self._remember(identity)
            self._thread()
            self._present()
            live.subscribe(self.parley.bus, identity.customer.id, self._on_event)
        self._mark_seen()

    def _speak(self, identity: ChatIdentity) -> None:
        """The customer's language from here on: the host page's (stored on the customer), else the one stored, else
        the browser's (stored when none is), else the team's default; the header follows if it changes."""
        stored = self.parley.directory.remember_customer_language(
            identity.customer.id, self.stated or self.browser, stated=self.stated is not None)
        if stored is None or stored == page_language():
            return
        use_page_language(None, stored)
        page_title(N_('Live chat'))
        self.close.props(aria('Close chat'))
        self._show_status()

    def _remember(self, identity: ChatIdentity) -> None:
        """Keep a short-lived session in this tab and this browser (session and local storage), so a reload or a
        second tab continues the same conversation instead of offering the pre-chat form again."""
        token = self.chat.session_token(identity)   # signed, base64url: nothing to escape
        ui.run_javascript(f'try {{ sessionStorage.setItem("{SESSION_KEY}", "{token}"); '
                          f'localStorage.setItem("{SESSION_KEY}", "{token}") }} catch (e) {{}}')

    def _present(self) -> None:
        if self.identity is not None:
            self.parley.presence.page_opened(self.identity.customer.id, self.client.id, is_agent=False,
                                             conversation_id=self.identity.conversation_id, visible=self.visible)

    # ----- the pre-chat form ------------------------------------------------------------------

    def _prechat(self, problem: str | None) -> None:
        self.body.clear()
        with self.body, ui.column().classes('w-full flex-1 overflow-y-auto p-5 gap-3'):
            if problem:
                with ui.row().classes('w-full no-wrap gap-2 items-start p-3 rounded-lg bg-amber-50 '
                                      'text-amber-900 text-sm'):
                    ui.icon('link_off', size='sm')
                    ui.label(_(problem)).props('role=alert')   # (a message id, or an error's own words)
            ui.label(_('Hi there!')).classes('text-xl font-semibold')
            ui.label(_('Ask us anything. Tell us who you are so we can answer by email if you leave.')) \
                .classes('text-sm text-slate-600')
            name = ui.input(_('Your name')).props('outlined dense autocomplete=name maxlength=120').classes('w-full')
            email = ui.input(_('Your email')).props('outlined dense type=email autocomplete=email maxlength=254') \
                .classes('w-full')
            body = ui.textarea(_('How can we help?')).props('outlined autogrow rows=3 input-class="max-h-48"') \
                .classes('w-full').mark('prechat-message')
            error = ui.label().classes('text-negative text-sm').props('role=alert')
            client_id = uuid.uuid4().hex

            async def start() -> None:
                if await self._joined_elsewhere(body.value or '', client_id):
                    return
                try:
                    identity = self.chat.start_as_visitor(name=name.value or '', email=email.value or '',
                                                          body=body.value or '', client_id=client_id,
                                                          address=client_address(self.client))
                except ParleyError as failure:
                    error.text = str(failure)
                    return
                self._enter(identity)

            ui.button(_('Start chat'), icon='send', on_click=start).props('unelevated no-caps').classes('w-full')
            ui.label(_('We use your email only to answer you.')).classes('text-xs text-slate-400 self-center')

    async def _joined_elsewhere(self, text: str, client_id: str) -> bool:
        """A chat started in another tab since this form opened: continue it there, with this message."""
        try:
            saved = await ui.run_javascript(OTHER_TAB_SCRIPT, timeout=5)
            identity = self.chat.resume(saved) if saved else None
        except (TimeoutError, NotFound):
            return False
        if identity is None or identity.conversation_id is None:
            return False
        self._enter(identity)
        if text.strip():
            try:
                self._append([self.chat.send(identity, body=text, client_id=client_id)])
            except ParleyError as failure:
                ui.notify(str(failure), type='negative')
        return True

    # ----- the conversation -------------------------------------------------------------------

    def _thread(self) -> None:
        identity = self.identity
        with ui.element('div').classes('parley-thread flex-1 w-full px-3 py-4') \
                .props('role=log aria-live=polite ' + aria('Messages')) as self.scroller:
            with ui.column().classes('w-full gap-0') as self.inner:
                self.actions = MessageActions(self.parley, identity.customer, self.zone)
                self.history = History(self.scroller, self._draw, page_size=CHAT_PAGE, older=lambda before_id:
                                       self.parley.conversations.list_messages(
                                           self.identity.customer, self.identity.conversation_id,
                                           before_id=before_id, limit=CHAT_PAGE), on_action=self.actions)
                self.actions.messages = self.history.messages
        self.typing = TypingLine('w-full px-4 h-5 text-xs italic text-slate-500 truncate')
        self._may_tell_typing = Throttle(TYPING_EVERY)
        self.messages = self.history.messages
        messages = []
        if identity.conversation_id is not None:
            messages = self.parley.conversations.list_messages(identity.customer, identity.conversation_id,
                                                               limit=CHAT_PAGE)
        self.history.start(messages)
        if not messages:
            with self.inner, ui.column().classes('w-full items-center text-center text-slate-500 gap-1 py-8') \
                    as self.empty:
                ui.icon('waving_hand', size='md', color='grey-5')
                ui.label(_('Hi {name}, how can we help?').format(name=identity.customer.name.split()[0]))
        Composer(on_send=self._send, action=N_('Send'), hint=False, placeholder=N_('Write a message…'),
                 keep=f'chat_{identity.conversation_id or "new"}', on_text=self._typed,
                 was_sent=lambda client_id: self.parley.conversations.was_sent(self.identity.customer, client_id),
                 files={'limit': self.parley.files.max_bytes, 'chat': True, 'drop': [self.scroller]})

    def _typed(self, text: str) -> None:
        """The customer types: the agents of the conversation see it (at most every few seconds)."""
        if self.identity is not None and text.strip() and self._may_tell_typing():
            with suppress(ParleyError):   # nothing to tell, or no longer theirs: the page hears of it otherwise
                self.chat.typing(self.identity)

    def _send(self, text: str, client_id: str, files: list[int]) -> None:
        identity, messages = self.chat.write(self.identity, body=text, client_id=client_id, files=files)
        if identity != self.identity:   # a verified customer's first message started their conversation
            self.identity = identity
            self._present()
            self._remember(identity)
            self._append(messages)
            return
        self._append(messages)
        live.flush()   # the customer sees it at once

    def _append(self, messages: list[MessageView]) -> None:
        if self.empty is not None:
            self.empty.delete()
            self.empty = None
        self.history.append(messages)

    def _draw(self, message: MessageView, previous: MessageView | None) -> dict:
        own = message.author.id == self.identity.customer.id
        bubble = 'bg-primary text-white rounded-br-md' if own else 'bg-slate-100 text-slate-900 rounded-bl-md'
        return message_data(message, previous, self.zone, viewer_id=self.identity.customer.id, bubble=bubble,
                            avatar=None if own else avatar_data(message, size='28px', spacer='w-7'),
                            width=CHAT_WIDTH, name=None if own else message.author.name, link=self._file_link)

    def _file_link(self, attachment: AttachmentView, variant: str) -> str:
        """A file's address for this customer: their signed link (the chat has no session cookie to go by)."""
        key = (self.identity.customer.id, attachment.id)
        if key not in self._file_tokens:
            self._file_tokens[key] = self.parley.files.link_token(*key)
        return file_path(attachment, variant, self._file_tokens[key])

    # ----- live -------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, SessionsEnded):   # an admin signed this customer out everywhere
            self._end(N_('You were signed out of this chat. Start a new one if you need us.'))
            return
        identity = self.identity
        if identity is None:
            return
        if isinstance(event, ConversationChanged) and event.conversation_id == identity.conversation_id:
            try:   # taken out of the conversation: nothing more of it here
                self.parley.conversations.access_conversation(identity.customer, event.conversation_id)
            except NotFound:
                self._end(N_('This conversation is no longer available to you. Start a new one if you need us.'))
            return
        if isinstance(event, Typing) and event.conversation_id == identity.conversation_id:
            self.typing.typing(event.user_id, event.name)
            return
        if isinstance(event, CatchUp) and identity.conversation_id is not None and self.messages is not None:
            self.history.catch_up(self.parley.conversations.list_messages(
                identity.customer, identity.conversation_id, limit=CHAT_PAGE))
            self._mark_seen()
            return
        if isinstance(event, MessageChanged) and event.conversation_id == identity.conversation_id:
            if self.messages is not None and event.message_id in self.messages:
                with suppress(NotFound):
                    self.messages.replace(self.parley.conversations.get_message(identity.customer, event.message_id))
            return
        if not isinstance(event, MessageSent) or event.conversation_id != identity.conversation_id:
            return
        self.typing.stopped(event.author_id)
        if event.message_id in self.messages:
            return
        try:
            self._append([self.parley.conversations.get_message(identity.customer, event.message_id)])
        except NotFound:
            return
        self._mark_seen()

    def _end(self, said: str) -> None:
        """This chat's session is over (signed out everywhere, or taken out of the conversation): the form again."""
        self.identity = None
        self.parley.presence.page_closed(self.client.id)
        ui.run_javascript(f'try {{ sessionStorage.removeItem("{SESSION_KEY}"); '
                          f'localStorage.removeItem("{SESSION_KEY}") }} catch (e) {{}}')
        self._prechat(said)

    def _visibility_changed(self, event) -> None:
        self.visible = event.args == 'visible'
        self.parley.presence.page_changed(self.client.id, visible=self.visible)
        self._mark_seen()

    def _mark_seen(self) -> None:
        """Read means seen: only a tab on screen marks the team's messages seen (and cancels their email)."""
        identity = self.identity
        if self.visible and identity is not None and identity.conversation_id is not None:
            self.parley.conversations.mark_read(identity.customer, identity.conversation_id)

    def _show_status(self) -> None:
        self.status.text = _(ONLINE) if self.chat.agents_online() else _(AWAY)
