"""POST /api/inbound-email: a mail provider's inbound webhook hands Parley one raw email.

Body: the raw RFC 5322 message, Content-Type message/rfc822; header Authorization: Bearer
PARLEY_INBOUND_SECRET. The answer is JSON {outcome, reason}: 200 when Parley took the email
(posted, queued for an admin, or ignored with a reason), 401 without the secret, 413 too big,
415 wrong type, 429 when the sender is over its rate limit and 503 when Parley cannot store it
just now (retry later), 404 when the secret is unset.
"""
import hmac
import logging

from fastapi import Request
from fastapi.responses import JSONResponse
from nicegui import app, run

from services.container import Parley
from services.inbound import RATE_LIMITED, TOO_LARGE

log = logging.getLogger(__name__)

PATH = '/api/inbound-email'
TYPES = ('message/rfc822', 'application/octet-stream', 'text/plain')


def register(parley: Parley) -> None:
    @app.post(PATH, include_in_schema=False)
    async def inbound_email(request: Request) -> JSONResponse:
        secret = parley.settings.inbound_secret
        if not secret:
            return _answer(404, 'off', 'Inbound email over HTTP is off: set PARLEY_INBOUND_SECRET to use it.')
        given = request.headers.get('authorization', '')
        if not (given.startswith('Bearer ') and hmac.compare_digest(given[7:].strip().encode(), secret.encode())):
            return _answer(401, 'unauthorized', 'Send Authorization: Bearer PARLEY_INBOUND_SECRET.',
                           {'WWW-Authenticate': 'Bearer'})
        kind = request.headers.get('content-type', '').split(';')[0].strip().lower()
        if kind not in TYPES:
            return _answer(415, 'unsupported', 'Send the raw email as Content-Type: message/rfc822.')
        limit = parley.inbound.max_bytes
        declared = request.headers.get('content-length', '')
        if declared.isdigit() and int(declared) > limit:
            return _answer(413, TOO_LARGE, f'The email is larger than {limit:,} bytes.')
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > limit:
                return _answer(413, TOO_LARGE, f'The email is larger than {limit:,} bytes.')
        try:
            receipt = await run.io_bound(parley.inbound.receive, bytes(raw), source='api')
        except Exception:  # e.g. the database is busy: the provider keeps the email and retries
            log.warning('inbound email over HTTP could not be stored; asked the sender to retry', exc_info=True)
            return _answer(503, 'retry', 'Parley could not store the email just now; try again shortly.',
                           {'Retry-After': '30'})
        if receipt.outcome == RATE_LIMITED:
            return _answer(429, receipt.outcome, receipt.reason, {'Retry-After': '60'})
        if receipt.outcome == TOO_LARGE:
            return _answer(413, receipt.outcome, receipt.reason)
        return _answer(200, receipt.outcome, receipt.reason)


def _answer(status: int, outcome: str, reason: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({'outcome': outcome, 'reason': reason}, status_code=status, headers=headers)
