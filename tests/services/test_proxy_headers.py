"""Behind a load balancer: the browser's address comes from X-Forwarded-For only when the peer is trusted
(main.proxy_options, through uvicorn's own middleware as `ui.run` sets it up)."""
import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from main import proxy_options
from services.config import Settings


async def _seen_by_parley(trusted: str, peer: str, forwarded: str) -> tuple[str, str]:
    seen = {}

    async def app(scope, receive, send):
        seen['client'], seen['scheme'] = scope['client'][0], scope['scheme']

    options = proxy_options(Settings(trusted_proxies=trusted))
    wrapped = ProxyHeadersMiddleware(app, trusted_hosts=options['forwarded_allow_ips']) \
        if options['proxy_headers'] else app
    scope = {'type': 'http', 'scheme': 'http', 'client': (peer, 5000), 'headers': [
        (b'x-forwarded-for', forwarded.encode()), (b'x-forwarded-proto', b'https')]}
    await wrapped(scope, None, None)
    return seen['client'], seen['scheme']


@pytest.mark.parametrize('trusted, peer, expected', [
    ('10.0.0.5', '10.0.0.5', ('203.0.113.7', 'https')),        # HAProxy: believed
    ('10.0.0.0/24', '10.0.0.9', ('203.0.113.7', 'https')),     # a network of proxies
    ('10.0.0.5', '198.51.100.1', ('198.51.100.1', 'http')),    # anyone else: the header is ignored
    ('', '127.0.0.1', ('127.0.0.1', 'http')),                  # unset: nobody, not even loopback
])
async def test_forwarded_headers_are_believed_only_from_trusted_proxies(trusted, peer, expected):
    assert await _seen_by_parley(trusted, peer, '203.0.113.7') == expected
