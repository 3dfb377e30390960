"""The utility classes come from ui/utilities.css, built ahead by `make css`, not from Tailwind in each browser."""
from ui import stylesheet


async def test_the_committed_stylesheet_is_what_make_css_builds_from_the_classes_in_ui_today(browser):
    built = await stylesheet.build(browser)
    committed = stylesheet.STYLESHEET.read_text()
    differing = sorted(set(built.splitlines()) ^ set(committed.splitlines()))
    assert built == committed, ('ui/utilities.css is out of date with the classes in ui/: run `make css` and commit '
                                f'it. Lines that differ: {differing[:20]}')


async def test_pages_are_styled_by_the_built_stylesheet_which_browsers_keep(browser, server):
    context = await browser.new_context(base_url=server)
    page = await context.new_page()
    stylesheets = []
    page.on('response', lambda r: stylesheets.append(r) if '/_parley/utilities-' in r.url else None)
    await page.goto('/login')
    await page.get_by_role('button', name='Sign in').wait_for()

    assert len(stylesheets) == 1 and stylesheets[0].ok
    assert 'max-age=31536000' in (await stylesheets[0].all_headers())['cache-control']
    # No Tailwind in the page: no script of it, and nothing it would write.
    assert await page.evaluate('() => [...document.scripts].some((s) => s.src.includes("tailwind"))') is False
    assert await page.evaluate('() => [...document.querySelectorAll("style")]'
                               '.some((s) => s.textContent.includes("tailwindcss v4"))') is False
    # Classes from the sign-in page are styled: the card is max-w-sm (24rem), its title text-xl (1.25rem).
    assert await page.evaluate('() => getComputedStyle(document.querySelector(".q-card")).maxWidth') == '384px'
    assert await page.get_by_text('Sign in', exact=True).first.evaluate('(e) => getComputedStyle(e).fontSize') == '20px'
    await context.close()
