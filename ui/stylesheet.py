"""Tailwind's utility classes for Parley's pages, built ahead of time instead of in every browser.

By default NiceGUI runs Tailwind's browser build in each page: it scans the page and writes the CSS for the classes it
finds, about 60 ms of script on every page load (README, Performance). Parley runs NiceGUI with tailwind=False and
links ui/utilities.css instead, built by `make css` with that same script, in Chromium, from every class-like word in
ui/*.py and ui/*.js. As with Tailwind's own build, a class must be written whole in the source: 'text-slate-500',
never f'text-{colour}-500'. tests/e2e/test_stylesheet.py builds it again and fails when it differs.
"""
import asyncio
import hashlib
import os
import re
import sys
from pathlib import Path

import nicegui
from nicegui import app

HERE = Path(__file__).parent
STYLESHEET = HERE / 'utilities.css'
TAILWIND = Path(nicegui.__file__).parent / 'static' / 'tailwindcss.min.js'
HEADER = '/* Built by `make css` (python -m ui.stylesheet) from the classes in ui/*.py and ui/*.js: do not edit. */\n'
_WORD = re.compile(r'[^\s\'"`]+')
_CLASS_LIKE = re.compile(r'[-!@a-z\[][\w\-:./%#\[\](),!&>*+=~@]*')
# NiceGUI's own Tailwind set-up (templates/index.html), so the result is what its browser build writes.
_TAILWIND_CONFIG = '@custom-variant dark (&:where(body.body--dark, body.body--dark *));'
_WRITTEN = '''() => [...document.querySelectorAll('style')].map((s) => s.textContent)
                    .filter((t) => t.includes('tailwindcss v4')).pop() || ""'''


def candidates() -> list[str]:
    """Every word in ui/'s Python and JavaScript that could be a class; Tailwind keeps the ones that are."""
    words = set()
    for path in sorted([*HERE.glob('*.py'), *HERE.glob('*.js')]):
        words.update(w for w in _WORD.findall(path.read_text()) if len(w) <= 80 and _CLASS_LIKE.fullmatch(w))
    return sorted(words)


async def build(browser) -> str:
    """The stylesheet for candidates(), written by NiceGUI's Tailwind in a page of `browser` (a Playwright Browser)."""
    page = await browser.new_page()
    try:
        await page.set_content(f'<!doctype html><html><head><style type="text/tailwindcss">{_TAILWIND_CONFIG}'
                               '</style></head><body><div id="all"></div></body></html>')
        await page.evaluate('(names) => { document.getElementById("all").className = names.join(" ") }',
                            candidates())
        await page.add_script_tag(content=TAILWIND.read_text())
        await page.wait_for_function(_WRITTEN)
        css, previous = await page.evaluate(_WRITTEN), None
        while css != previous:  # settled: Tailwind writes again when it finds more
            await asyncio.sleep(0.2)
            css, previous = await page.evaluate(_WRITTEN), css
        return HEADER + css.strip() + '\n'
    finally:
        await page.close()


def serve() -> str:
    """Serves the stylesheet at an address that changes with its content, cached for a year; returns the address."""
    digest = hashlib.sha256(STYLESHEET.read_bytes()).hexdigest()[:12]
    return app.add_static_file(local_file=STYLESHEET, url_path=f'/_parley/utilities-{digest}.css',
                               max_cache_age=365 * 24 * 3600)


async def _main() -> None:
    from playwright.async_api import async_playwright  # a test dependency: `make css` installs the test extras
    async with async_playwright() as playwright:
        chromium = os.environ.get('PARLEY_CHROMIUM', '/usr/bin/chromium')
        browser = await playwright.chromium.launch(executable_path=chromium, args=['--no-sandbox', '--disable-gpu'])
        css = await build(browser)
        await browser.close()
    changed = not STYLESHEET.exists() or STYLESHEET.read_text() != css
    STYLESHEET.write_text(css)
    print(f'{STYLESHEET.relative_to(Path.cwd())}: {len(css):,} bytes, {"rebuilt" if changed else "unchanged"}',
          file=sys.stderr)


if __name__ == '__main__':
    asyncio.run(_main())
