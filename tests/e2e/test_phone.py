"""A phone (390 x 844, touch): the widget on any host page, and agent pages that fit the screen."""
from playwright.async_api import Browser, expect

from tests.e2e.test_direct_conversations import LIVE

PHONE = {'viewport': {'width': 390, 'height': 844}, 'is_mobile': True, 'has_touch': True,
         'device_scale_factor': 2}


async def on_screen(locator) -> dict:
    box = await locator.bounding_box()
    return {k: round(v) for k, v in box.items()}


async def page_width(page) -> int:
    return await page.evaluate('document.documentElement.scrollWidth')


async def test_the_demo_site_fits_a_phone_and_the_chat_opens_full_screen(browser: Browser, server):
    context = await browser.new_context(**PHONE)
    site = await context.new_page()
    await site.goto(f'{server}/demo/site')
    assert await page_width(site) <= 390, 'the snippet wraps instead of widening the page'
    launcher = site.get_by_role('button', name='Chat with us')
    box = await on_screen(launcher)
    assert box['x'] >= 0 and box['x'] + box['width'] <= 390 and box['y'] + box['height'] <= 844
    await launcher.click()
    frame = site.frame_locator('#parley-chat')
    await expect(frame.get_by_label('Your name')).to_be_visible(timeout=LIVE)
    assert await on_screen(site.locator('#parley-chat')) == {'x': 0, 'y': 0, 'width': 390, 'height': 844}
    await context.close()


async def test_the_widget_stays_on_screen_on_a_host_page_wider_than_the_phone(browser: Browser, server):
    """Host pages overflow (a wide table, an unwrapped line): the launcher and the chat follow the screen.

    The host page is made up by the browser (route) at an address of Parley's: Chromium refuses a script from
    loopback on a page from anywhere else.
    """
    context = await browser.new_context(**PHONE)
    site = await context.new_page()
    await site.route(f'{server}/a-host-page', lambda route: route.fulfill(content_type='text/html', body=(
        '<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body><h1>Shop</h1><pre>' + 'a-very-long-unbroken-line-' * 40 + '</pre>'
        f'<script src="{server}/widget.js" async></script></body></html>')))
    await site.goto(f'{server}/a-host-page')
    assert await page_width(site) > 390, 'the host page overflows, as many do'
    launcher = site.get_by_role('button', name='Chat with us')
    box = await on_screen(launcher)
    assert box['x'] >= 0 and box['x'] + box['width'] <= 390 and box['y'] + box['height'] <= 844, box
    await launcher.click()
    assert await on_screen(site.locator('#parley-chat')) == {'x': 0, 'y': 0, 'width': 390, 'height': 844}
    await context.close()


async def test_agent_pages_fit_a_phone(new_person):
    alice = await new_person('alice@example.com', viewport={'width': 390, 'height': 844})
    for path in ('/messenger', '/admin/live-chat', '/admin/outbox', '/admin/agents', '/admin/customers',
                 '/tickets', '/settings/notifications'):
        await alice.goto(path)
        await alice.wait_for_load_state('networkidle')
        assert await page_width(alice) <= 390, path
