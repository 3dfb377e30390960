"""The frame every agent page shares: header with nav and account menu, colours, type."""
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fastapi import Request
from nicegui import context, ui

from services.i18n import N_, _
from services.container import Parley
from services.views import UserView
from ui.bell import Bell
from ui import live
from ui.internals import CONNECTION_BANNER_CSS, CONTENT_CSS, FOCUS_RING_CSS, ShowsText
from ui.formatting import TZ_SCRIPT
from ui.i18n import use_page_language
from ui.session import current_agent, first_things_first, login_redirect, sign_out

BRAND = '#4f46e5'
SETTINGS_PATH = '/settings/notifications'
PASSWORD_PATH = '/settings/password'
PROFILE_PATH = '/settings/profile'
REPLIES_PATH = '/settings/replies'
AUDIT_PATH = '/admin/audit'
NAV = [(N_('Messenger'), '/messenger', 'forum'), (N_('Tickets'), '/tickets', 'confirmation_number'),
       (N_('Tasks'), '/tasks', 'task_alt')]
ADMIN_NAV = [(N_('Customers'), '/admin/customers', 'contacts'), (N_('Agents'), '/admin/agents', 'badge'),
             (N_('Live chat'), '/admin/live-chat', 'chat'), (N_('Outbox'), '/admin/outbox', 'outbox'),
             (N_('Unmatched email'), '/admin/email', 'move_to_inbox'), (N_('Audit log'), AUDIT_PATH, 'history')]

_CSS = '''
:root { --parley-header: 52px; }  /* the header's height; the content area fills the rest of the window */
body { background: #f8fafc; color: #0f172a; -webkit-font-smoothing: antialiased;
       font-family: Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.q-avatar__content { font-weight: 600; letter-spacing: 0.02em; }
.parley-bubble { white-space: pre-wrap; overflow-wrap: anywhere; }
.parley-note-box .q-field__control { background: #fffbeb; }
.parley-note-box .q-field__control:before { border-color: #fcd34d; }
.parley-item:focus-visible, .parley-focus:focus-visible { outline: 2px solid #4f46e5; outline-offset: -2px; }
.parley-thread { display: flex; flex-direction: column-reverse; overflow-y: auto; overscroll-behavior: contain; }
.parley-scroll { contain: strict; }
/* The list's filters: six with their counts fit the list's width (Quasar's tabs are roomier). */
.parley-tab.q-tab { padding: 0 5px; min-height: 36px; }
.parley-tab .q-tab__label { font-size: 13px; }
/* A message (ui/message.js), under the utility classes the page adds (bubble colours, corners, width). */
@layer components {
  .pm-bubble { overflow-wrap: anywhere; font-size: 15px; line-height: 1.375;
               padding: 0.5rem 0.75rem; border-radius: 1rem; }
  .pm-plain { white-space: pre-wrap; }   /* plain words, as typed (services/richtext.py rich_html: None) */
  /* The Markdown subset in a bubble (services/richtext.py): compact, like a chat, not like a document. */
  .pm-rich p, .pm-rich ul, .pm-rich ol, .pm-rich blockquote, .pm-rich pre { margin: 0; }
  .pm-rich > * + * { margin-top: 0.375rem; }
  .pm-rich ul, .pm-rich ol { padding-left: 1.25rem; }
  .pm-rich ul { list-style: disc; } .pm-rich ol { list-style: decimal; }
  .pm-rich blockquote { border-left: 3px solid currentColor; opacity: 0.8; padding-left: 0.5rem; }
  .pm-rich code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.875em;
                  background: rgb(0 0 0 / 0.07); border-radius: 0.25rem; padding: 0.05rem 0.25rem; }
  .pm-rich pre { background: rgb(0 0 0 / 0.07); border-radius: 0.5rem; padding: 0.5rem; overflow-x: auto;
                 white-space: pre; }
  .pm-rich pre code { background: none; padding: 0; }
  .pm-rich a { color: inherit; text-decoration: underline; text-underline-offset: 2px; }
  .parley-message { width: 100%; display: flex; flex-direction: column; }
  .pm-day { width: 100%; display: flex; align-items: center; gap: 0.75rem; margin-block: 0.75rem; }
  .pm-day-line { flex: 1; border-top: 1px solid oklch(92.9% 0.013 255.508); }
  .pm-day-text, .pm-name, .pm-note, .pm-time, .pm-email, .pm-delivery { font-size: 0.75rem; line-height: 1rem; }
  .pm-day-text { font-weight: 500; color: oklch(55.4% 0.046 257.417); }
  .pm-row { width: 100%; display: flex; flex-wrap: nowrap; align-items: flex-end; gap: 0.5rem; margin-top: 0.75rem; }
  .pm-row.pm-grouped { margin-top: 0.125rem; }
  .pm-column { display: flex; flex-direction: column; flex-wrap: nowrap; min-width: 0; align-items: flex-start; }
  .pm-head { display: flex; gap: 0.5rem; align-items: baseline; padding-inline: 0.25rem; }
  .pm-own, .pm-own .pm-head { flex-direction: row-reverse; }
  .pm-own .pm-column { align-items: flex-end; }
  .pm-name { font-weight: 600; color: oklch(37.2% 0.044 257.287); }
  .pm-note, .pm-email { display: flex; gap: 0.25rem; align-items: center; }
  .pm-note { font-weight: 600; color: oklch(47.3% 0.137 46.201); }
  .pm-time { color: oklch(70.4% 0.04 256.788); }
  .pm-email, .pm-delivery { color: oklch(55.4% 0.046 257.417); }
  .pm-files { display: flex; flex-wrap: wrap; gap: 0.25rem; margin-top: 0.25rem; padding-inline: 0.25rem;
              max-width: 100%; }
  .pm-own .pm-files { justify-content: flex-end; }
  .pm-delivery { padding-inline: 0.25rem; margin-top: 0.125rem; }
  /* An own message's menu (Edit, Delete) and what an edit or deletion leaves. */
  .pm-bubble-row { display: flex; align-items: center; gap: 0.25rem; max-width: 100%; }
  .pm-own .pm-bubble-row { flex-direction: row-reverse; }
  .pm-more { border: 0; background: none; padding: 0.125rem; border-radius: 9999px; cursor: pointer; line-height: 0;
             color: oklch(55.4% 0.046 257.417); opacity: 0; flex-shrink: 0; }
  .pm-more .q-icon { font-size: 18px; }
  .parley-message:hover .pm-more, .pm-more:focus-visible { opacity: 1; }
  .pm-more:hover { background: oklch(92.9% 0.013 255.508); }
  .pm-more:focus-visible { outline: 2px solid var(--q-primary); }
  @media (hover: none) { .pm-more { opacity: 0.6; } }
  .pm-more-files { align-self: flex-end; }
  .pm-edited { font-size: 0.6875rem; color: oklch(55.4% 0.046 257.417); padding-inline: 0.25rem; border: 0;
               background: none; font-family: inherit; }
  .pm-edited-button { cursor: pointer; text-decoration: underline dotted; text-underline-offset: 2px; }
  .pm-deleted { display: flex; align-items: center; gap: 0.375rem; font-style: italic; font-size: 0.875rem;
                color: oklch(55.4% 0.046 257.417); border: 1px dashed oklch(86.9% 0.022 252.894);
                background: transparent; }
  .pm-menu-backdrop { position: fixed; inset: 0; z-index: 6000; }
  .pm-menu { position: fixed; width: 160px; background: #fff; border-radius: 0.5rem; padding: 0.25rem;
             box-shadow: 0 10px 25px rgb(15 23 42 / 0.18), 0 0 0 1px rgb(15 23 42 / 0.06); display: flex;
             flex-direction: column; }
  .pm-menu button { display: flex; align-items: center; gap: 0.5rem; border: 0; background: none; padding: 0.5rem;
                    border-radius: 0.375rem; font: inherit; font-size: 0.875rem; cursor: pointer; text-align: left;
                    color: oklch(27.9% 0.041 260.031); }
  .pm-menu button:hover, .pm-menu button:focus-visible { background: oklch(96.8% 0.007 247.896); outline: none; }
  .pm-menu .q-icon { font-size: 18px; }
  .pm-menu-danger { color: var(--q-negative) !important; }
  /* Files in a message: thumbnails that open large, chips that download (ui/messages.js). */
  .pm-images { display: flex; flex-wrap: wrap; gap: 0.25rem; margin-top: 0.25rem; max-width: 100%; }
  .pm-own .pm-images { justify-content: flex-end; }
  .pm-image { padding: 0; border: 1px solid oklch(92.9% 0.013 255.508); border-radius: 0.75rem; overflow: hidden;
              background: oklch(96.8% 0.007 247.896); cursor: zoom-in; line-height: 0; }
  .pm-image:focus-visible { outline: 2px solid var(--q-primary); outline-offset: 2px; }
  .pm-image img { display: block; max-width: min(240px, 60vw); max-height: 240px; width: auto; height: auto;
                  object-fit: cover; }
  .pm-file { display: inline-flex; align-items: center; gap: 0.375rem; max-width: 100%; min-width: 0;
             padding: 0.375rem 0.625rem;
             border: 1px solid oklch(86.9% 0.022 252.894); border-radius: 0.75rem; background: #fff;
             color: oklch(27.9% 0.041 260.031); font-size: 0.8125rem; text-decoration: none; }
  a.pm-file:hover { background: oklch(96.8% 0.007 247.896); }
  a.pm-file:focus-visible { outline: 2px solid var(--q-primary); outline-offset: 1px; }
  .pm-file .q-icon { font-size: 20px; color: oklch(55.4% 0.046 257.417); }
  .pm-file-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; font-weight: 500; }
  .pm-file-size { color: oklch(55.4% 0.046 257.417); white-space: nowrap; }
  .pm-file.pm-listed { border-style: dashed; background: transparent; }
  .pm-lightbox { position: fixed; inset: 0; z-index: 6000; background: rgb(15 23 42 / 0.88); display: flex;
                 flex-direction: column; align-items: center; justify-content: center; padding: 1rem; gap: 0.75rem; }
  .pm-lightbox img { max-width: 100%; max-height: calc(100dvh - 6rem); object-fit: contain; border-radius: 0.5rem;
                     background: #fff; cursor: zoom-out; }
  .pm-lightbox-bar { display: flex; align-items: center; gap: 0.75rem; color: #fff; max-width: 100%; }
  .pm-lightbox-button { display: inline-flex; align-items: center; gap: 0.25rem; color: #fff; background: rgb(255 255
                        255 / 0.15); border: 0; border-radius: 9999px; padding: 0.375rem 0.75rem; font: inherit;
                        cursor: pointer; text-decoration: none; }
  .pm-lightbox-button:focus-visible { outline: 2px solid #fff; }
  /* Files waiting to go with the next message (ui/uploads.js). */
  .pu-list { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0 0 0.375rem; padding: 0; list-style: none; }
  .pu-item { display: flex; align-items: center; gap: 0.5rem; width: 15rem; max-width: 100%; padding: 0.375rem;
             border: 1px solid oklch(86.9% 0.022 252.894); border-radius: 0.75rem; background: #fff; }
  .pu-item.pu-error { border-color: var(--q-negative); background: oklch(97.1% 0.013 17.38); width: 100%; }
  .pu-thumb { width: 2.5rem; height: 2.5rem; object-fit: cover; border-radius: 0.5rem; flex-shrink: 0; }
  .pu-icon { font-size: 28px; color: oklch(55.4% 0.046 257.417); flex-shrink: 0; }
  .pu-error .pu-icon { color: var(--q-negative); }
  .pu-text { flex: 1; min-width: 0; font-size: 0.8125rem; line-height: 1.125rem; }
  .pu-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-weight: 500; }
  .pu-size { color: oklch(55.4% 0.046 257.417); font-size: 0.75rem; }
  .pu-message { color: var(--q-negative); font-size: 0.75rem; }
  .pu-bar { height: 4px; border-radius: 2px; background: oklch(92.9% 0.013 255.508); margin-top: 0.25rem;
            overflow: hidden; }
  .pu-bar > div { height: 100%; background: var(--q-primary); transition: width 0.2s; }
  .pu-remove { border: 0; background: none; padding: 0.25rem; border-radius: 9999px; cursor: pointer;
               color: oklch(44.6% 0.043 257.281); line-height: 0; }
  .pu-remove:hover { background: oklch(96.8% 0.007 247.896); }
  .pu-remove:focus-visible { outline: 2px solid var(--q-primary); }
  .pu-remove .q-icon { font-size: 18px; }
  .pu-drop { position: fixed; inset: 0; pointer-events: none; z-index: 5000; display: flex; align-items: center;
             justify-content: center; border: 3px dashed var(--q-primary); background: rgb(79 70 229 / 0.06);
             color: var(--q-primary); font-weight: 600; font-size: 1.125rem; }
  .pm-delivery.pm-failed { color: var(--q-negative); font-weight: 500; }
  .pm-seen { display: flex; justify-content: flex-end; gap: 2px; margin-top: 0.25rem; padding-right: 2.5rem; }
  .parley-message.pm-found { background: oklch(96.2% 0.059 95.617); border-radius: 0.75rem;
                             transition: background 0.6s; }
  .pm-line { align-self: center; display: flex; align-items: center; gap: 0.375rem; margin-top: 0.75rem;
             padding: 0.25rem 0.75rem; border-radius: 9999px; background: oklch(96.8% 0.007 247.896);
             color: oklch(44.6% 0.043 257.281); font-size: 0.8125rem; line-height: 1.25rem; max-width: 100%; }
}
'''


# Arrow keys, Home and End move through the items of an open menu, from the button that opened it too (Enter on an
# item picks it; Quasar's QMenu has no arrow keys). Static: no user data in it.
MENU_KEYS_SCRIPT = '''<script>
document.addEventListener("keydown", (e) => {
  if (!["ArrowDown", "ArrowUp", "Home", "End"].includes(e.key) || !e.target.closest) return;
  let menu = e.target.closest(".q-menu");
  if (!menu && !e.target.matches("input, textarea, [contenteditable]")) {   // the button that opened it
    const open = document.querySelectorAll(".q-menu");
    menu = open.length ? open[open.length - 1] : null;
  }
  if (!menu) return;
  const items = [...menu.querySelectorAll(".q-item[tabindex]:not(.disabled)")];
  if (!items.length) return;
  const at = items.indexOf(document.activeElement && document.activeElement.closest(".q-item"));
  const last = items.length - 1;
  const next = e.key === "Home" ? 0 : e.key === "End" ? last
    : e.key === "ArrowDown" ? (at + 1) % items.length : (at <= 0 ? last : at - 1);
  items[next].focus();
  e.preventDefault();
});
</script>'''


def use_shared_head(url: str) -> None:
    """Every page links the utility classes at url (ui/stylesheet.py), in place of Tailwind in the browser, and
    gets the same CSS and scripts: added once for all pages (NiceGUI's shared head) rather than copied into each
    page's client (about 15 KB of server memory per open page)."""
    ui.add_head_html(f'<link rel="stylesheet" href="{url}">', shared=True)
    ui.add_css(_CSS + CONTENT_CSS + FOCUS_RING_CSS + CONNECTION_BANNER_CSS, shared=True)
    ui.add_head_html(TZ_SCRIPT, shared=True)
    ui.add_head_html(live.REPLACE_SCRIPT, shared=True)
    ui.add_head_html(MENU_KEYS_SCRIPT, shared=True)


def page_title(title: str) -> None:
    """The tab's title in the page's language (title: English, marked with N_)."""
    ui.page_title(_('{title} · Parley').format(title=_(title)))


def page_setup(title: str, *, language: str | None = None) -> None:
    """The page's language (`language`, else the browser's), its title (English, marked with N_: shown translated),
    colours, fonts, the utility classes and the time-zone cookie, for every page (signed in or not)."""
    use_page_language(context.client.request, language)
    page_title(title)
    ui.colors(primary=BRAND, secondary='#0ea5e9', accent='#f59e0b', positive='#16a34a', negative='#dc2626')


def agent_page(parley: Parley, path: str, title: str, build: Callable[[UserView, Request], object], *,
               active: str | None = None) -> None:
    """An agent page in the shared frame; anonymous visitors sign in first and come back here.

    build(agent, request) draws the content; path parameters are in request.path_params.
    """
    @ui.page(path)
    def page(request: Request):
        agent = current_agent(parley)
        if agent is None:
            return login_redirect(request.url.path)
        if (first := first_things_first(agent)) is not None:
            return first
        with frame(parley, agent, title, active=active or path):
            build(agent, request)
        return None


@contextmanager
def frame(parley: Parley, agent: UserView, title: str, *, active: str = '/messenger') -> Iterator[ui.element]:
    """Header with navigation, the bell and the account menu; yields the full-height content area."""
    page_setup(title, language=agent.language)
    with ui.header().classes('bg-white text-slate-900 border-b border-slate-200 px-3 md:px-5 py-2 no-wrap '
                             'items-center gap-3').props('bordered=false elevated=false') \
            .style('height: var(--parley-header)'):
        with Masthead(agent, active) as masthead:
            Bell(parley, agent)
        masthead.on('sign_out', lambda: (sign_out(parley), ui.navigate.to('/login')))
    with ui.element('main').classes('w-full flex').style('height: calc(100dvh - var(--parley-header))') as main:
        yield main


class Masthead(ShowsText, ui.element, component='masthead.js'):
    """Home link, navigation (links, so they open in a new tab too), a slot for the bell, the account menu."""

    def __init__(self, agent: UserView, active: str) -> None:
        super().__init__()
        self.props.update(nav=[{'label': _(label), 'href': href, 'icon': icon, 'current': href == active}
                                for label, href, icon in _nav(agent)],
                           t={'home': _('Parley home'), 'main': _('Main'), 'account': _('Account'),
                              'profile': _('Profile'), 'replies': _('Saved replies'),
                              'settings': _('Notification settings'), 'password': _('Change password'),
                              'signOut': _('Sign out')},
                           name=agent.name, email=agent.email, initials=agent.initials, settings=SETTINGS_PATH,
                           password=PASSWORD_PATH, profile=PROFILE_PATH, replies=REPLIES_PATH,
                           color=agent.avatar_color or 'primary')
        self.classes('w-full')

    def shown_text(self) -> list:
        return [self.props['name'], *(item['label'] for item in self.props['nav'])]


def avatar(person: UserView | None, *, size: str, color: str = 'indigo-1', text_color: str = 'indigo-9') -> None:
    """Initials in a circle (a group icon when person is None)."""
    if person is None:
        ui.avatar('group', color=color, text_color=text_color, size=size).classes('shrink-0')
        return
    if person.avatar_color:   # their own choice (profile)
        color, text_color = f'{person.avatar_color}-2', f'{person.avatar_color}-9'
    with ui.avatar(color=color, text_color=text_color, size=size, font_size='0.4em') \
            .classes('shrink-0').props('aria-hidden=true'):
        ui.label(person.initials)


def _nav(agent: UserView) -> list[tuple[str, str, str]]:
    return NAV + (ADMIN_NAV if agent.is_admin else [])


def attachment_list(attachments) -> None:
    """Files an emailed reply carried, by name and size (the files themselves are not kept)."""
    with ui.row().classes('gap-1 mt-1 px-1 flex-wrap').mark('attachments'):
        for attachment in attachments:
            ui.chip(attachment.label, icon='attach_file').props('dense outline color=grey-8') \
                .classes('text-xs max-w-full') \
                .tooltip(_('Listed from the email: Parley does not keep attached files.'))
