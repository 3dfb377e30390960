"""The inbound SMTP listener (aiosmtpd, in its own thread): every email it accepts goes to InboundService.receive.

Mail over PARLEY_INBOUND_MAX_BYTES is refused during the SMTP dialogue (552); a sender over its
rate limit is told to try again later (451), so its mail server retries and nothing is lost.
"""
import asyncio
import contextlib
import logging

from aiosmtpd.controller import Controller

from models import InboundSource
from services.inbound import InboundService

log = logging.getLogger(__name__)
logging.getLogger('mail.log').setLevel(logging.WARNING)   # aiosmtpd logs every connection at INFO


def parse_address(value: str) -> tuple[str, int] | None:
    """host:port, or None for "off" (or empty)."""
    value = (value or '').strip()
    if value.lower() in ('', 'off', 'no', 'false', '0'):
        return None
    host, _, port = value.rpartition(':')
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f'PARLEY_INBOUND_SMTP must be host:port (like 127.0.0.1:2525) or "off", not {value!r}')
    return host.strip('[]'), int(port)


class _Handler:
    def __init__(self, inbound: InboundService) -> None:
        self.inbound = inbound

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content or b''
        if isinstance(raw, str):
            raw = raw.encode('utf-8', errors='replace')
        try:
            receipt = await asyncio.to_thread(self.inbound.receive, raw, source=InboundSource.SMTP,
                                              envelope_to=tuple(envelope.rcpt_tos))
        except Exception:  # e.g. the database is locked: the sending server keeps the mail and retries
            log.warning('inbound email could not be stored; asked the sender to retry', exc_info=True)
            return '451 4.3.0 Temporary failure; please try again later'
        return receipt.smtp_reply


class InboundListener:
    def __init__(self, inbound: InboundService, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.controller = Controller(_Handler(inbound), hostname=host, port=port,
                                     data_size_limit=inbound.max_bytes, ident='Parley inbound mail')

    def start(self) -> None:
        """Bind and serve; raises OSError when the address is taken."""
        try:
            self.controller.start()
        except Exception as problem:
            raise OSError(f'the inbound SMTP listener cannot use {self.host}:{self.port} ({problem}). '
                          'Set PARLEY_INBOUND_SMTP to another host:port, or "off".') from problem
        log.info('inbound SMTP listening on %s:%s', self.host, self.port)

    def stop(self) -> None:
        with contextlib.suppress(Exception):  # never started, or already stopped
            self.controller.stop()
