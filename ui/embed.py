"""Putting the live chat on other sites: /widget.js, the demo site, and who may frame what.

Every response says who may show it in a frame: the live chat (/chat) only Parley itself and
PARLEY_EMBED_ORIGINS; everything else, agent pages first, nobody.
"""
from html import escape
import json
import logging
import re
import time

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from nicegui import app

from services.container import Parley
from services.i18n import LANGUAGES, _, using
from services.livechat import widget_signature

log = logging.getLogger(__name__)

CHAT_PATH = '/chat'
_ORIGIN = re.compile(r'^https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$')

# The launcher. It never throws into the host page: if Parley is down the script simply does not load,
# and anything unexpected is swallowed. window.ParleySettings = {email, signature, name} for verified users.
WIDGET_JS = r'''(function () {
  try {
    if (window.__parleyWidget) return;
    window.__parleyWidget = true;
    var WORDS = __WORDS__;
    var script = document.currentScript;
    var origin = new URL(script && script.src ? script.src : '/', location.href).origin;
    var settings = window.ParleySettings || {};
    // The host page's language: data-lang on this script tag (or ParleySettings.lang), else the browser's.
    var lang = (script && script.getAttribute('data-lang')) || settings.lang || '';
    var words = WORDS[(lang || navigator.language || 'en').toLowerCase().slice(0, 2)] || WORDS.en;
    var frame = null, open = false;
    var button = document.createElement('button');
    button.type = 'button';
    button.id = 'parley-launcher';
    button.setAttribute('aria-label', words.open);
    button.setAttribute('aria-expanded', 'false');
    button.textContent = '\uD83D\uDCAC';
    var LAUNCHER = 'position:fixed;width:56px;height:56px;border-radius:28px;border:none;background:#4f46e5;' +
      'color:#fff;font-size:24px;line-height:56px;cursor:pointer;box-shadow:0 6px 20px rgba(15,23,42,.25);' +
      'z-index:2147483000;margin:0;padding:0;';
    // What the person sees is the visual viewport. A host page wider than a phone's screen stretches the
    // layout viewport that position:fixed follows, so right/bottom and innerWidth would land off-screen.
    function screenBox() {
      var v = window.visualViewport;
      return v ? {left: v.offsetLeft, top: v.offsetTop, width: v.width, height: v.height}
               : {left: 0, top: 0, width: document.documentElement.clientWidth || window.innerWidth,
                  height: window.innerHeight};
    }
    function place() {
      var box = screenBox();
      var small = Math.min(box.width, window.screen && screen.width ? screen.width : box.width) < 520;
      var covered = open && small;   // full screen on a phone: its close button is in the chat's header
      button.style.cssText = LAUNCHER + 'left:' + (box.left + box.width - 76) + 'px;top:' +
        (box.top + box.height - 76) + 'px;' + (covered ? 'display:none;' : '');
      if (!frame) return;
      var height = Math.min(620, box.height - 110);   // above the launcher, 20 px from the right edge
      frame.style.cssText = 'position:fixed;border:none;background:#fff;z-index:2147483001;margin:0;' +
        (small ? 'left:' + box.left + 'px;top:' + box.top + 'px;width:' + box.width + 'px;height:' + box.height +
                 'px;border-radius:0;'
               : 'left:' + (box.left + box.width - 400) + 'px;top:' + (box.top + box.height - 88 - height) +
                 'px;width:380px;height:' + height + 'px;border-radius:16px;' +
                 'box-shadow:0 12px 40px rgba(15,23,42,.28);') + (open ? '' : 'display:none;');
    }
    function toggle(show) {
      open = show;
      if (open && !frame) {
        frame = document.createElement('iframe');
        var hash = '';
        if (settings.email && settings.signature) {
          hash = '#email=' + encodeURIComponent(settings.email) + '&sig=' + encodeURIComponent(settings.signature) +
            (settings.name ? '&name=' + encodeURIComponent(settings.name) : '');
        }
        frame.src = origin + '/chat' + (lang ? '?lang=' + encodeURIComponent(lang) : '') + hash;
        frame.title = words.title;
        frame.id = 'parley-chat';
        frame.allow = 'clipboard-write';
        document.body.appendChild(frame);
      }
      place();
      button.textContent = open ? '\u2715' : '\uD83D\uDCAC';
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
    }
    button.addEventListener('click', function () { toggle(!open); });
    window.addEventListener('resize', place);
    if (window.visualViewport) {
      window.visualViewport.addEventListener('resize', place);
      window.visualViewport.addEventListener('scroll', place);
    }
    window.addEventListener('message', function (e) {
      if (e.origin === origin && e.data === 'parley:close') toggle(false);
    });
    document.body.appendChild(button);
    place();
  } catch (e) { /* never break the host page */ }
})();
'''


def widget_script() -> str:
    """The launcher with its two phrases in every language Parley speaks (by the first two letters of a tag)."""
    words = {}
    for language in LANGUAGES:
        with using(language):
            words[language[:2]] = {'open': _('Chat with us'), 'title': _('Live chat')}
    return WIDGET_JS.replace('__WORDS__', json.dumps(words, ensure_ascii=False))


def embed_origins(text: str) -> list[str]:
    """The valid origins of PARLEY_EMBED_ORIGINS (space- or comma-separated); others are logged and ignored."""
    origins = []
    for item in re.split(r'[\s,]+', text or ''):
        if not item:
            continue
        if _ORIGIN.match(item.rstrip('/')):
            origins.append(item.rstrip('/'))
        else:
            log.warning('ignoring PARLEY_EMBED_ORIGINS entry %r: expected something like https://www.example.com', item)
    return origins


def snippet(parley: Parley) -> str:
    return f'<script src="{parley.settings.public_url}/widget.js" async></script>'


def register(parley: Parley) -> None:
    chat_ancestors = ' '.join(["'self'", *embed_origins(parley.settings.embed_origins)])

    @app.middleware('http')
    async def security_headers(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        # The server's own time for this response (building a page, for one): browsers' developer tools show it,
        # and `make bench` reads it (bench/browser.py).
        response.headers['Server-Timing'] = f'app;dur={(time.perf_counter() - started) * 1000:.1f}'
        if request.url.path == CHAT_PATH:
            response.headers['Content-Security-Policy'] = f'frame-ancestors {chat_ancestors}'
        elif 'Content-Security-Policy' in response.headers:   # a file's own, stricter one (ui/files.py)
            response.headers['X-Frame-Options'] = 'SAMEORIGIN'
        else:
            response.headers['Content-Security-Policy'] = "frame-ancestors 'none'"
            response.headers['X-Frame-Options'] = 'DENY'
        response.headers['X-Content-Type-Options'] = 'nosniff'
        response.headers['Referrer-Policy'] = 'same-origin'
        return response

    @app.get('/widget.js', include_in_schema=False)
    def widget_js() -> Response:
        return Response(widget_script(), media_type='application/javascript',
                        headers={'Cache-Control': 'public, max-age=300'})

    if parley.settings.demo:
        @app.get('/demo/site', include_in_schema=False)
        def demo_site(request: Request) -> HTMLResponse:
            return HTMLResponse(_demo_site(parley, signed_in='signed-in' in request.query_params))


def _demo_site(parley: Parley, *, signed_in: bool) -> str:
    identity = ''
    note = ('You are browsing anonymously: the chat asks for your name and email. '
            'Open the chat with the button at the bottom right.')
    secret = parley.settings.widget_secret
    if signed_in and secret:
        email = 'customer@example.com'
        settings = {'email': email, 'name': 'Sample Customer', 'signature': widget_signature(email, secret)}
        identity = f'<script>window.ParleySettings = {json.dumps(settings)};</script>'
        note = 'You are signed in as Sample Customer: the site vouches for you with an HMAC signature.'
    elif signed_in:
        note = 'Set PARLEY_WIDGET_SECRET to try identity verification; until then the chat asks who you are.'
    return f'''<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Northwind Printers (demo site)</title>
<style>
 body {{ margin:0; font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; color:#0f172a; }}
 header {{ background:#0f766e; color:#fff; padding:18px 28px; font-size:20px; font-weight:600; }}
 main {{ max-width:720px; margin:0 auto; padding:28px; line-height:1.6; }}
 .note {{ background:#f1f5f9; border-radius:10px; padding:12px 16px; font-size:14px; }}
 pre.note {{ white-space:pre-wrap; overflow-wrap:anywhere; }}
 a {{ color:#0f766e; }}
</style>{identity}</head>
<body><header>Northwind Printers</header>
<main><h1>Printers that just work</h1>
<p>This is a sample customer web site from Parley's demo mode, with the live-chat widget added by one line:</p>
<pre class="note">{escape(snippet(parley))}</pre>
<p class="note">{escape(note)} <a href="/demo/site">Anonymous</a> · <a href="/demo/site?signed-in">Signed in</a></p>
</main>
<script src="/widget.js" async></script>
</body></html>'''
